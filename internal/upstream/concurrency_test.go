package upstream

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"weir/internal/config"
)

// TestConcurrentPicks runs many requests at once on every method, with
// failures, retries and max_conns, under -race; at the end every
// connection must be released and no pick may exceed max_conns.
func TestConcurrentPicks(t *testing.T) {
	for _, m := range []string{"", "ip_hash", "hash", "hash consistent", "least_conn", "random", "random two"} {
		t.Run(m, func(t *testing.T) {
			c := newClock(1000)
			var servers []*config.UpstreamServer
			for i := range 5 {
				servers = append(servers, sv(fmt.Sprintf("s%d:80", i), fmt.Sprintf("w=%d", i+1), "mc=20", "mf=3", "ft=1"))
			}
			if m == "" || m == "least_conn" {
				servers = append(servers, sv("bk:80", "backup"))
			}
			var rmu sync.Mutex
			n := 0
			o := c.optsRand(func(k int) int {
				rmu.Lock()
				defer rmu.Unlock()
				n = (n*1103515245 + 12345) & 0x7fffffff
				return n % k
			})
			g := build(t, m, o, servers...)
			var wg sync.WaitGroup
			for w := range 16 {
				wg.Go(func() {
					var p Pick
					for i := range 500 {
						g.Begin(&p, Input{Key: fmt.Sprint(i % 37), Client: ip(fmt.Sprintf("10.%d.%d.1", w, i%200))})
						for try := 0; try < 3 && p.Tries() > 0; try++ {
							peer, err := p.Next()
							if errors.Is(err, ErrNoLive) {
								break
							}
							st := g.State(peer)
							if peer.MaxConns > 0 && st.Conns > peer.MaxConns {
								t.Errorf("%s: %d conns over max_conns", peer.Name, st.Conns)
							}
							if (i+w+try)%7 == 0 {
								p.Free(peer, StateFailed)
								continue
							}
							p.Free(peer, StateOK)
							break
						}
						if i%50 == 0 {
							c.Add(time.Second)
						}
					}
				})
			}
			wg.Wait()
			for _, peer := range g.Peers() {
				if st := g.State(peer); st.Conns != 0 {
					t.Errorf("%s: %d conns left", peer.Name, st.Conns)
				}
			}
		})
	}
}

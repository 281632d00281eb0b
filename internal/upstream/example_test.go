package upstream_test

import (
	"errors"
	"fmt"
	"net"
	"time"

	"weir/internal/config"
	"weir/internal/upstream"
)

// Example shows the attempt loop a proxy runs on a group: Begin once per
// request, then Next, an attempt, and Free with its outcome, while tries
// remain. Connections come from the keepalive pool when one is idle.
func Example() {
	u := &config.Upstream{Name: "backend", Keepalive: 8, Servers: []*config.UpstreamServer{
		{Host: "127.0.0.1:1", Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second,
			Addrs: []config.UpstreamAddr{{Network: "tcp", Addr: "127.0.0.1:1", Name: "127.0.0.1:1"}}},
		{Host: "127.0.0.1:2", Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second,
			Addrs: []config.UpstreamAddr{{Network: "tcp", Addr: "127.0.0.1:2", Name: "127.0.0.1:2"}}},
	}}
	set := upstream.NewSet([]*config.Upstream{u}, upstream.Options{})
	defer set.Close()
	g := set.Group(u)

	var p upstream.Pick // one per request; reusable
	g.Begin(&p, upstream.Input{})
	var addrs []string
	for p.Tries() > 0 {
		peer, err := p.Next()
		if errors.Is(err, upstream.ErrNoLive) {
			addrs = append(addrs, g.Name) // $upstream_addr; answer 502
			break
		}
		addrs = append(addrs, peer.Name)
		c := g.Get(peer, nil) // the location's key with "keepalive N local"
		if c == nil {
			nc, err := net.DialTimeout(peer.Network, peer.Addr, time.Second)
			if err != nil {
				if p.Free(peer, upstream.StateFailed) {
					// log "upstream server temporarily disabled"
				}
				continue
			}
			c = g.NewConn(nc, peer)
		}
		c.Requests++
		// ... send the request, read the response ...
		g.Put(c, nil) // or c.Close() when it cannot be reused
		p.Free(peer, upstream.StateOK)
		break
	}
	fmt.Println(addrs)
	// Output: [127.0.0.1:1 127.0.0.1:2]
}

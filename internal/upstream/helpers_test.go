package upstream

import (
	"fmt"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"weir/internal/config"
)

// clock is a settable clock for Options.Now, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock(sec int64) *clock {
	c := &clock{}
	c.ns.Store(sec * int64(time.Second))
	return c
}

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(sec int64)       { c.ns.Store(sec * int64(time.Second)) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) Sec() int64          { return c.ns.Load() / int64(time.Second) }
func (c *clock) opts() Options       { return Options{Now: c.Now, Rand: func(int) int { panic("rand") }} }
func (c *clock) optsRand(r func(int) int) Options {
	o := c.opts()
	o.Rand = r
	return o
}

// sv is a server line with nginx's defaults (weight=1 max_fails=1
// fail_timeout=10s) and one TCP address host; opts change it:
// "w=N", "mf=N", "ft=N" (seconds), "mc=N", "backup", "down",
// "addrs=N" (N addresses for the one line).
func sv(host string, opts ...string) *config.UpstreamServer {
	s := &config.UpstreamServer{Host: host, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}
	naddrs := 1
	for _, o := range opts {
		var n int
		switch {
		case o == "backup":
			s.Backup = true
		case o == "down":
			s.Down = true
		case scan(o, "w=%d", &n):
			s.Weight = n
		case scan(o, "mf=%d", &n):
			s.MaxFails = n
		case scan(o, "ft=%d", &n):
			s.FailTimeout = time.Duration(n) * time.Second
		case scan(o, "mc=%d", &n):
			s.MaxConns = n
		case scan(o, "addrs=%d", &n):
			naddrs = n
		default:
			panic("bad option " + o)
		}
	}
	for i := range naddrs {
		name := host
		if naddrs > 1 {
			name = fmt.Sprintf("%s#%d", host, i)
		}
		s.Addrs = append(s.Addrs, config.UpstreamAddr{Network: "tcp", Addr: name, Name: name})
	}
	return s
}

func scan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil
}

// build makes a one-group Set and returns the group.
func build(t testing.TB, method string, o Options, servers ...*config.UpstreamServer) *Group {
	t.Helper()
	u := &config.Upstream{Name: "backend", Servers: servers}
	switch method {
	case "hash consistent":
		u.Method, u.Consistent = "hash", true
	case "random two":
		u.Method, u.RandomTwo, u.RandomMethod = "random", true, "least_conn"
	default:
		u.Method = method
	}
	s := NewSet([]*config.Upstream{u}, o)
	t.Cleanup(s.Close)
	return s.Group(u)
}

// run makes n requests that each pick once and succeed, and returns the
// picked peers' names joined by spaces.
func run(t testing.TB, g *Group, in Input, n int) string {
	t.Helper()
	var p Pick
	var out []string
	for range n {
		g.Begin(&p, in)
		peer, err := p.Next()
		if err != nil {
			out = append(out, "-")
			continue
		}
		out = append(out, peer.Name)
		p.Free(peer, StateOK)
	}
	return strings.Join(out, " ")
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func index(g *Group, peer *Peer) int {
	for i, q := range g.Peers() {
		if q == peer {
			return i
		}
	}
	return -1
}

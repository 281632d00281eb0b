package upstream

import (
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"weir/internal/config"
)

// backend is a loopback server that keeps every accepted connection for
// the test to act on.
type backend struct {
	ln    net.Listener
	conns chan net.Conn
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{ln: ln, conns: make(chan net.Conn, 64)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(b.conns)
				return
			}
			b.conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range b.conns {
			c.Close()
		}
	})
	return b
}

// dial connects to the backend and returns both ends.
func (b *backend) dial(t *testing.T) (client, server net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", b.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-b.conns:
		t.Cleanup(func() { s.Close() })
		return c, s
	case <-time.After(5 * time.Second):
		t.Fatal("accept timed out")
	}
	return nil, nil
}

func isClosed(c net.Conn) bool {
	return errors.Is(c.SetReadDeadline(time.Now()), net.ErrClosed)
}

// serverSees waits until the server end reads end of file, which it
// does once the client closed.
func serverSees(t *testing.T, s net.Conn) {
	t.Helper()
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	var buf [1]byte
	if _, err := s.Read(buf[:]); err == nil || errors.Is(err, errTimeout) {
		t.Errorf("server end: %v, want end of file", err)
	}
}

var errTimeout = errors.New("i/o timeout")

type poolCfg struct {
	n        int
	local    bool
	requests int64
	life     time.Duration
	timeout  time.Duration
	sweep    time.Duration
}

func poolGroup(t *testing.T, c *clock, pc poolCfg, servers ...*config.UpstreamServer) (*Set, *Group) {
	t.Helper()
	u := &config.Upstream{
		Name: "backend", Servers: servers,
		Keepalive: pc.n, KeepaliveLocal: pc.local, KeepaliveRequests: pc.requests,
		KeepaliveTime: pc.life, KeepaliveTimeout: pc.timeout,
	}
	o := c.opts()
	o.KeepaliveScale = 1
	o.SweepInterval = pc.sweep
	if o.SweepInterval == 0 {
		o.SweepInterval = time.Hour // tests drive sweeps by hand
	}
	s := NewSet([]*config.Upstream{u}, o)
	t.Cleanup(s.Close)
	return s, s.Group(u)
}

func TestPoolReuse(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 4}, sv("a"), sv("b"))
	a, bp := g.Peers()[0], g.Peers()[1]
	cl, srv := b.dial(t)
	kc := g.NewConn(cl, a)
	if !kc.Created.Equal(c.Now()) {
		t.Errorf("created %v", kc.Created)
	}
	kc.Requests = 1
	g.Put(kc, nil)
	if g.Idle(nil) != 1 {
		t.Fatalf("idle %d", g.Idle(nil))
	}
	if got := g.Get(bp, nil); got != nil {
		t.Errorf("a connection to a handed out for b")
	}
	got := g.Get(a, nil)
	if got != kc {
		t.Fatalf("Get = %v, want the pooled connection", got)
	}
	if g.Idle(nil) != 0 {
		t.Errorf("idle %d after Get", g.Idle(nil))
	}
	// it still works
	if _, err := got.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	if _, err := srv.Read(buf[:]); err != nil || buf[0] != 'x' {
		t.Fatalf("server read %v %q", err, buf)
	}
}

// TestPoolStale: a connection the server closed, or sent bytes on, while
// it sat idle is never handed out.
func TestPoolStale(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 4}, sv("a"), sv("b"))
	a := g.Peers()[0]

	cl, srv := b.dial(t)
	kc := g.NewConn(cl, a)
	g.Put(kc, nil)
	srv.Close()
	if got := waitStale(g, a); got != nil {
		t.Fatalf("a connection closed by the server was handed out")
	}
	if !isClosed(cl) {
		t.Errorf("the stale connection was not closed")
	}

	cl, srv = b.dial(t)
	g.Put(g.NewConn(cl, a), nil)
	if _, err := srv.Write([]byte("HTTP/1.1 408 Request Timeout\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	if got := waitStale(g, a); got != nil {
		t.Fatalf("a connection with unread bytes was handed out")
	}
	if !isClosed(cl) {
		t.Errorf("the stale connection was not closed")
	}

	// a fresh one behind a stale one: the stale one is closed, the
	// fresh one handed out
	good, _ := b.dial(t)
	bad, badSrv := b.dial(t)
	g.Put(g.NewConn(good, a), nil)
	g.Put(g.NewConn(bad, a), nil)
	badSrv.Close()
	time.Sleep(20 * time.Millisecond)
	if got := g.Get(a, nil); got == nil || got.Conn != good {
		t.Errorf("Get = %v, want the live connection", got)
	}
	if !isClosed(bad) {
		t.Errorf("the stale connection was not closed")
	}
}

// waitStale gives the server's FIN or bytes time to arrive (loopback
// delivers them at once; the loop only guards a loaded machine), then
// returns what Get hands out.
func waitStale(g *Group, peer *Peer) *Conn {
	time.Sleep(20 * time.Millisecond)
	return g.Get(peer, nil)
}

func TestPoolLRU(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 2}, sv("a"), sv("b"))
	a, bp := g.Peers()[0], g.Peers()[1]
	c1, s1 := b.dial(t)
	c2, _ := b.dial(t)
	c3, _ := b.dial(t)
	g.Put(g.NewConn(c1, a), nil)
	c.Add(time.Second)
	g.Put(g.NewConn(c2, bp), nil)
	c.Add(time.Second)
	g.Put(g.NewConn(c3, a), nil)
	if g.Idle(nil) != 2 {
		t.Fatalf("idle %d, want 2", g.Idle(nil))
	}
	if !isClosed(c1) {
		t.Errorf("the least recently used connection was not closed")
	}
	serverSees(t, s1)
	if got := g.Get(a, nil); got == nil || got.Conn != c3 {
		t.Errorf("Get(a) = %v, want c3", got)
	}
	if got := g.Get(bp, nil); got == nil || got.Conn != c2 {
		t.Errorf("Get(b) = %v, want c2", got)
	}
	// most recently used first
	c4, _ := b.dial(t)
	g.Put(g.NewConn(c3, a), nil)
	g.Put(g.NewConn(c4, a), nil)
	if got := g.Get(a, nil); got == nil || got.Conn != c4 {
		t.Errorf("Get = %v, want the most recent", got)
	}
}

func TestPoolLimits(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 4, requests: 3, life: time.Minute, timeout: 5 * time.Second}, sv("a"), sv("b"))
	a := g.Peers()[0]

	// keepalive_requests
	cl, _ := b.dial(t)
	kc := g.NewConn(cl, a)
	kc.Requests = 3
	g.Put(kc, nil)
	if g.Idle(nil) != 0 || !isClosed(cl) {
		t.Errorf("a connection at keepalive_requests was kept")
	}
	cl, _ = b.dial(t)
	kc = g.NewConn(cl, a)
	kc.Requests = 2
	g.Put(kc, nil)
	if g.Idle(nil) != 1 {
		t.Errorf("a connection below keepalive_requests was not kept")
	}
	g.Get(a, nil).Close()

	// keepalive_time
	cl, _ = b.dial(t)
	kc = g.NewConn(cl, a)
	c.Add(time.Minute + time.Millisecond)
	g.Put(kc, nil)
	if g.Idle(nil) != 0 || !isClosed(cl) {
		t.Errorf("a connection older than keepalive_time was kept")
	}

	// keepalive_timeout, checked by Get
	cl, _ = b.dial(t)
	g.Put(g.NewConn(cl, a), nil)
	c.Add(5 * time.Second)
	if got := g.Get(a, nil); got != nil {
		t.Errorf("a connection idle for keepalive_timeout was handed out")
	}
	if !isClosed(cl) {
		t.Errorf("the expired connection was not closed")
	}
	cl, _ = b.dial(t)
	g.Put(g.NewConn(cl, a), nil)
	c.Add(4 * time.Second)
	if got := g.Get(a, nil); got == nil {
		t.Errorf("a connection idle under keepalive_timeout was not handed out")
	}
}

func TestPoolOff(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 0}, sv("a"), sv("b"))
	cl, _ := b.dial(t)
	g.Put(g.NewConn(cl, g.Peers()[0]), nil)
	if !isClosed(cl) || g.Get(g.Peers()[0], nil) != nil {
		t.Errorf("keepalive 0 kept a connection")
	}
}

func TestPoolLocal(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	type loc struct{ name string }
	l1, l2 := &loc{"/a"}, &loc{"/b"}

	_, g := poolGroup(t, c, poolCfg{n: 1, local: true}, sv("a"), sv("b"))
	a := g.Peers()[0]
	c1, _ := b.dial(t)
	c2, _ := b.dial(t)
	g.Put(g.NewConn(c1, a), l1)
	g.Put(g.NewConn(c2, a), l2) // its own list: c1 stays
	if isClosed(c1) || g.Idle(l1) != 1 || g.Idle(l2) != 1 {
		t.Fatalf("local lists share a limit")
	}
	if got := g.Get(a, l2); got == nil || got.Conn != c2 {
		t.Errorf("Get(l2) = %v", got)
	}
	if got := g.Get(a, l2); got != nil {
		t.Errorf("l1's connection handed to l2")
	}

	// without "local" the key is ignored
	_, g = poolGroup(t, c, poolCfg{n: 1}, sv("a"), sv("b"))
	a = g.Peers()[0]
	c3, _ := b.dial(t)
	g.Put(g.NewConn(c3, a), l1)
	if got := g.Get(a, l2); got == nil || got.Conn != c3 {
		t.Errorf("shared pool: Get = %v", got)
	}
}

func TestPoolSweep(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	_, g := poolGroup(t, c, poolCfg{n: 4, timeout: 10 * time.Second, sweep: 5 * time.Millisecond}, sv("a"), sv("b"))
	a := g.Peers()[0]
	old, _ := b.dial(t)
	g.Put(g.NewConn(old, a), nil)
	c.Add(6 * time.Second)
	young, _ := b.dial(t)
	g.Put(g.NewConn(young, a), nil)
	dead, deadSrv := b.dial(t)
	g.Put(g.NewConn(dead, a), nil)
	deadSrv.Close()
	c.Add(4 * time.Second) // old: 10 s idle, young: 4 s
	// a sweep takes them off the list, then closes them
	deadline := time.Now().Add(5 * time.Second)
	for (g.Idle(nil) != 1 || !isClosed(old) || !isClosed(dead)) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if g.Idle(nil) != 1 {
		t.Fatalf("idle %d after sweeps, want 1", g.Idle(nil))
	}
	if !isClosed(old) || !isClosed(dead) || isClosed(young) {
		t.Errorf("swept the wrong ones: old %v dead %v young %v", isClosed(old), isClosed(dead), isClosed(young))
	}
}

func TestPoolClose(t *testing.T) {
	b := newBackend(t)
	c := newClock(1000)
	before := runtime.NumGoroutine()
	s, g := poolGroup(t, c, poolCfg{n: 4, sweep: time.Millisecond}, sv("a"), sv("b"))
	a := g.Peers()[0]
	cl, _ := b.dial(t)
	g.Put(g.NewConn(cl, a), nil)
	out, _ := b.dial(t)
	kout := g.NewConn(out, a)
	time.Sleep(5 * time.Millisecond)
	s.Close()
	s.Close() // idempotent
	if !isClosed(cl) {
		t.Errorf("Close left an idle connection open")
	}
	g.Put(kout, nil)
	if !isClosed(out) || g.Idle(nil) != 0 {
		t.Errorf("Put after Close kept a connection")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("goroutines: %d before NewSet, %d after Close", before, n)
	}
}

func TestNoSweeperWithoutKeepalive(t *testing.T) {
	before := runtime.NumGoroutine()
	c := newClock(1000)
	s := NewSet([]*config.Upstream{{Name: "x", Servers: []*config.UpstreamServer{sv("a")}}}, c.opts())
	if n := runtime.NumGoroutine(); n != before {
		t.Errorf("goroutines %d → %d without keepalive", before, n)
	}
	s.Close()
}

func TestSetLookup(t *testing.T) {
	c := newClock(1000)
	named := &config.Upstream{Name: "backend", Servers: []*config.UpstreamServer{sv("a")}}
	implicit := &config.Upstream{Name: "127.0.0.1:8080", Implicit: true, Servers: []*config.UpstreamServer{sv("127.0.0.1:8080")}}
	s := NewSet([]*config.Upstream{named, implicit}, c.opts())
	defer s.Close()
	if s.Lookup("backend") != s.Group(named) || s.Group(named) == nil {
		t.Errorf("Lookup(backend)")
	}
	if s.Lookup("127.0.0.1:8080") != nil {
		t.Errorf("an implicit group found by name")
	}
	if s.Group(implicit) == nil || s.Group(implicit).Name != "127.0.0.1:8080" {
		t.Errorf("Group(implicit)")
	}
	if s.Lookup("nope") != nil {
		t.Errorf("Lookup(nope)")
	}
}

// TestPoolUnix: the readiness check works on unix sockets too.
func TestPoolUnix(t *testing.T) {
	path := t.TempDir() + "/s.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Skip(err)
	}
	defer ln.Close()
	c := newClock(1000)
	s := sv(path)
	s.Addrs[0] = config.UpstreamAddr{Network: "unix", Addr: path, Name: "unix:" + path}
	_, g := poolGroup(t, c, poolCfg{n: 2}, s, sv("b"))
	a := g.Peers()[0]
	cl, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	g.Put(g.NewConn(cl, a), nil)
	if got := g.Get(a, nil); got == nil {
		t.Fatal("live unix connection not handed out")
	} else {
		g.Put(got, nil)
	}
	srv.Close()
	if got := waitStale(g, a); got != nil {
		t.Errorf("closed unix connection handed out")
	}
}

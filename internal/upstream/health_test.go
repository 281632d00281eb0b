package upstream

import (
	"strings"
	"testing"
	"time"

	"weir/internal/config"
)

// A peer a health check holds is skipped by every balancer until the
// check releases it; a lone server too.
func TestCheckDownSkipsPeer(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a"), sv("b"))
	a := g.Peers()[0]
	if up := g.SetCheckDown(a, true); up {
		t.Fatal("SetCheckDown(true) reported usable")
	}
	if got := run(t, g, Input{}, 4); got != "b b b b" {
		t.Fatalf("with a down: %s", got)
	}
	if up := g.SetCheckDown(a, false); !up {
		t.Fatal("SetCheckDown(false) reported unusable")
	}
	if got := run(t, g, Input{}, 4); got != "a b a b" {
		t.Fatalf("with a up again: %s", got)
	}
	one := build(t, "", c.opts(), sv("x"))
	one.SetCheckDown(one.Peers()[0], true)
	if got := run(t, one, Input{}, 1); got != "-" {
		t.Fatalf("single server held down: %s", got)
	}
	// two checks: both must release the peer
	g.SetCheckDown(a, true)
	g.SetCheckDown(a, true)
	g.SetCheckDown(a, false)
	if g.Healthy(a) {
		t.Fatal("one of two checks still fails: peer healthy")
	}
}

// slow_start: a peer that recovers (health check or fail_timeout) gets a
// share of requests that grows from nothing to its weight's.
func TestSlowStart(t *testing.T) {
	c := newClock(1000)
	r := 0
	rnd := func(n int) int { r = (r*1103515245 + 12345) & 0x7fffffff; return r % n }
	a := sv("a")
	a.SlowStart = 100 * time.Second
	g := build(t, "", c.optsRand(rnd), a, sv("b"))
	pa := g.Peers()[0]
	g.SetCheckDown(pa, true)
	g.SetCheckDown(pa, false) // healthy again at 1000: the ramp starts
	share := func() int {
		return strings.Count(run(t, g, Input{}, 1000), "a")
	}
	early := share()
	c.Add(50 * time.Second)
	mid := share()
	c.Add(60 * time.Second)
	full := share()
	if early > 50 || mid < 250 || mid > 450 || full != 500 {
		t.Fatalf("a's share of 1000 at 0s, 50s, 110s of a 100s slow start: %d %d %d", early, mid, full)
	}

	// passive: after max_fails and fail_timeout, the probe's success
	// starts the ramp
	var p Pick
	g.Begin(&p, Input{})
	for {
		peer, _ := p.Next()
		if peer == pa {
			p.Free(peer, StateFailed)
			break
		}
		p.Free(peer, StateOK)
	}
	c.Add(11 * time.Second)
	if got := strings.Count(run(t, g, Input{}, 40), "a"); got > 3 {
		t.Fatalf("a right after its failure window: %d of 40", got)
	}
}

// queue: a request that finds every peer at max_conns waits until one
// frees a connection; past the queue's size it fails at once, and after
// the timeout with ErrQueueTimeout.
func TestQueue(t *testing.T) {
	u := &config.Upstream{Name: "backend", Servers: []*config.UpstreamServer{sv("a", "mc=1"), sv("b", "mc=1")}, Queue: 1, QueueTimeout: 5 * time.Second}
	s := NewSet([]*config.Upstream{u}, Options{})
	defer s.Close()
	g := s.Group(u)
	var p1, p2, p3, p4 Pick
	g.Begin(&p1, Input{})
	a, _ := p1.Next()
	g.Begin(&p2, Input{})
	b, _ := p2.Next()
	g.Begin(&p3, Input{})
	if _, err := p3.Next(); err != ErrNoLive {
		t.Fatalf("third pick: %v", err)
	}
	got := make(chan *Peer)
	go func() {
		peer, err := p3.Queue(Input{}, time.Now())
		if err != nil {
			t.Error(err)
		}
		got <- peer
	}()
	// the queue holds one: the next one is refused
	deadline := time.Now().Add(5 * time.Second)
	for !g.queue.active.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the request never queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
	g.Begin(&p4, Input{})
	if _, err := p4.Queue(Input{}, time.Now()); err != ErrQueueFull {
		t.Fatalf("second queued request: %v, want ErrQueueFull", err)
	}
	p2.Free(b, StateOK)
	select {
	case peer := <-got:
		if peer != b {
			t.Fatalf("queued request got %v, want b", peer.Name)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("queued request not woken by Free")
	}
	u.QueueTimeout = 50 * time.Millisecond
	g.Begin(&p4, Input{})
	if _, err := p4.Queue(Input{}, time.Now()); err != ErrQueueTimeout {
		t.Fatalf("queued past the timeout: %v", err)
	}
	p1.Free(a, StateOK)
}

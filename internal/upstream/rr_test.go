package upstream

import (
	"errors"
	"testing"
)

func TestRoundRobinGolden(t *testing.T) {
	tests := []struct {
		desc    string
		servers []string // weights of a, b, c
		n       int
		want    string
	}{
		{"weights 5 1 1", []string{"w=5", "w=1", "w=1"}, 7, "a a b a c a a"},
		{"weights 5 1 1 twice", []string{"w=5", "w=1", "w=1"}, 14, "a a b a c a a a a b a c a a"},
		{"weights 2 1 1", []string{"w=2", "w=1", "w=1"}, 8, "a b c a a b c a"},
		{"equal", []string{"w=1", "w=1", "w=1"}, 6, "a b c a b c"},
		{"down skipped", []string{"w=1", "down", "w=1"}, 4, "a c a c"},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := newClock(1000)
			g := build(t, "", c.opts(),
				sv("a", tc.servers[0]), sv("b", tc.servers[1]), sv("c", tc.servers[2]))
			if got := run(t, g, Input{}, tc.n); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTries(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(),
		sv("a"), sv("b", "down"), sv("c", "addrs=2"), sv("d", "backup"), sv("e", "backup", "down"))
	var p Pick
	g.Begin(&p, Input{})
	if p.Tries() != 4 {
		t.Fatalf("tries %d, want 4 (a, c#0, c#1, d)", p.Tries())
	}
	peer, _ := p.Next()
	p.Free(peer, StateFailed)
	if p.Tries() != 3 {
		t.Errorf("tries after a free %d, want 3", p.Tries())
	}
}

func TestSingle(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "mf=1"))
	var p Pick
	for i := range 5 {
		g.Begin(&p, Input{})
		peer, err := p.Next()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if p.Free(peer, StateFailed) {
			t.Errorf("a single peer reported disabled")
		}
		if p.Tries() != 0 {
			t.Errorf("tries %d after a single peer's free, want 0", p.Tries())
		}
		if st := g.State(peer); st.Fails != 0 || st.Conns != 0 {
			t.Errorf("state %+v: failures counted on a single peer", st)
		}
	}

	down := build(t, "", c.opts(), sv("a", "down"))
	down.Begin(&p, Input{})
	if _, err := p.Next(); !errors.Is(err, ErrNoLive) {
		t.Errorf("down single: %v, want ErrNoLive", err)
	}

	mc := build(t, "", c.opts(), sv("a", "mc=1"))
	var p1, p2 Pick
	mc.Begin(&p1, Input{})
	a, err := p1.Next()
	if err != nil {
		t.Fatal(err)
	}
	mc.Begin(&p2, Input{})
	if _, err := p2.Next(); !errors.Is(err, ErrNoLive) {
		t.Errorf("single at max_conns: %v, want ErrNoLive", err)
	}
	p1.Free(a, StateOK)
	mc.Begin(&p2, Input{})
	if _, err := p2.Next(); err != nil {
		t.Errorf("single after free: %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "mc=1"), sv("b", "mc=1"))
	var p1, p2, p3 Pick
	g.Begin(&p1, Input{})
	a, _ := p1.Next()
	if a.Name != "a" {
		t.Fatalf("first pick %s", a.Name)
	}
	// a is busy: every other request goes to b
	for range 3 {
		g.Begin(&p2, Input{})
		b, err := p2.Next()
		if err != nil || b.Name != "b" {
			t.Fatalf("with a at max_conns got %v %v", b, err)
		}
		p2.Free(b, StateOK)
	}
	// and with b taken too, nothing is left
	g.Begin(&p2, Input{})
	b, _ := p2.Next()
	g.Begin(&p3, Input{})
	if _, err := p3.Next(); !errors.Is(err, ErrNoLive) {
		t.Errorf("all at max_conns: %v", err)
	}
	p1.Free(a, StateOK)
	p2.Free(b, StateOK)
	if got := g.State(a).Conns + g.State(b).Conns; got != 0 {
		t.Errorf("conns %d after free, want 0", got)
	}
}

// TestFailTimeout pins §3: a server that failed in second T with
// fail_timeout=10s is skipped through T+10, probed by exactly one request
// at T+11, and live again when the probe succeeds.
func TestFailTimeout(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "ft=10"), sv("b", "ft=10"))
	var p Pick
	g.Begin(&p, Input{})
	a, _ := p.Next()
	if a.Name != "a" {
		t.Fatalf("first pick %s", a.Name)
	}
	if !p.Free(a, StateFailed) {
		t.Errorf("failure reaching max_fails=1 not reported")
	}
	// the same request retries on b
	if b, err := p.Next(); err != nil || b.Name != "b" {
		t.Fatalf("retry got %v %v", b, err)
	} else {
		p.Free(b, StateOK)
	}
	for s := int64(1000); s <= 1010; s++ {
		c.Set(s)
		if got := run(t, g, Input{}, 2); got != "b b" {
			t.Fatalf("second %d: %q, a must be skipped", s, got)
		}
	}
	// From T+11 a takes part again; its effective weight, cut to 0 by
	// the failure, climbs back, so the probe comes within a few picks.
	c.Set(1011)
	var probe, other Pick
	pa := pickUntil(t, g, &probe, "a", 3)
	// while the probe is out, concurrent requests keep skipping a
	for range 3 {
		g.Begin(&other, Input{})
		q, _ := other.Next()
		if q.Name != "b" {
			t.Fatalf("during the probe got %s", q.Name)
		}
		other.Free(q, StateOK)
	}
	probe.Free(pa, StateOK)
	if st := g.State(pa); st.Fails != 0 {
		t.Errorf("fails %d after a successful probe", st.Fails)
	}
	if got := run(t, g, Input{}, 4); got != "a b a b" && got != "b a b a" {
		t.Errorf("after recovery %q, want a and b alternating", got)
	}
}

// TestFailedProbe: a probe that fails starts a new window.
func TestFailedProbe(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "ft=10"), sv("b", "ft=10"))
	var p Pick
	g.Begin(&p, Input{})
	a, _ := p.Next()
	p.Free(a, StateFailed)
	c.Set(1011)
	pickUntil(t, g, &p, "a", 3)
	p.Free(a, StateFailed)
	for _, s := range []int64{1011, 1015, 1021} {
		c.Set(s)
		if got := run(t, g, Input{}, 2); got != "b b" {
			t.Errorf("second %d: %q", s, got)
		}
	}
	c.Set(1022)
	pickUntil(t, g, &p, "a", 3)
}

// pickUntil makes requests on p that succeed until one picks name, which
// it returns without freeing; at most n requests.
func pickUntil(t *testing.T, g *Group, p *Pick, name string, n int) *Peer {
	t.Helper()
	for range n {
		g.Begin(p, Input{})
		peer, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		if peer.Name == name {
			return peer
		}
		p.Free(peer, StateOK)
	}
	t.Fatalf("%s not picked in %d requests", name, n)
	return nil
}

// TestFailsDoNotDecay: failures far apart add up; only a success on a
// pick made after the last failure's window resets them.
func TestFailsDoNotDecay(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "mf=2", "ft=10"), sv("b", "mf=2", "ft=10"))
	a := g.Peers()[0]
	fail := func() bool {
		var p Pick
		g.Begin(&p, Input{})
		for range 2 {
			peer, _ := p.Next()
			if peer == a {
				return p.Free(peer, StateFailed)
			}
			p.Free(peer, StateOK)
		}
		t.Fatal("a not picked")
		return false
	}
	if fail() {
		t.Fatal("disabled after one of two failures")
	}
	c.Set(1100)
	if !fail() {
		t.Errorf("two failures 100 s apart must add up to max_fails")
	}

	// a success inside the window does not reset (checked == accessed)
	g = build(t, "", c.opts(), sv("a", "mf=3", "ft=10"), sv("b", "mf=3", "ft=10"))
	a = g.Peers()[0]
	fail()
	c.Set(1105)
	run(t, g, Input{}, 2) // a succeeds in its window
	if st := g.State(a); st.Fails != 1 {
		t.Errorf("fails %d after a success inside the window, want 1", st.Fails)
	}
	c.Set(1111)
	run(t, g, Input{}, 2) // a picked after the window: checked moves on
	if st := g.State(a); st.Fails != 0 {
		t.Errorf("fails %d after a success past the window, want 0", st.Fails)
	}
}

// TestStateNext: a 403/404 is not a failure, and round robin's free
// treats it as a success (nginx tests only NGX_PEER_FAILED).
func TestStateNext(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "mf=2"), sv("b", "mf=2"))
	a := g.Peers()[0]
	var p Pick
	g.Begin(&p, Input{})
	peer, _ := p.Next()
	p.Free(peer, StateFailed)
	c.Set(1020)
	for range 2 {
		g.Begin(&p, Input{})
		peer, _ = p.Next()
		if p.Free(peer, StateNext) {
			t.Error("StateNext reported a disabled peer")
		}
	}
	if st := g.State(a); st.Fails != 0 {
		t.Errorf("fails %d, want 0", st.Fails)
	}
	if p.Tries() != 1 {
		t.Errorf("tries %d after one free, want 1", p.Tries())
	}
}

func TestEffectiveWeightRecovers(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a", "w=4", "mf=4"), sv("b", "w=1", "mf=4"))
	a := g.Peers()[0]
	var p Pick
	g.Begin(&p, Input{})
	peer, _ := p.Next()
	if peer != a {
		t.Fatal("a first")
	}
	p.Free(a, StateFailed)
	if st := g.State(a); st.EffectiveWeight != 3 || st.Fails != 1 {
		t.Fatalf("after a failure %+v, want effective weight 4-4/4=3", st)
	}
	run(t, g, Input{}, 1)
	if st := g.State(a); st.EffectiveWeight != 4 {
		t.Errorf("effective weight %d after one round, want 4", st.EffectiveWeight)
	}
}

func TestBackup(t *testing.T) {
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a"), sv("b"), sv("c", "backup"), sv("d", "backup"))
	if got := run(t, g, Input{}, 4); got != "a b a b" {
		t.Fatalf("with the primaries up: %q", got)
	}
	// one request: a fails, b fails, then the backups for the rest of it
	var p Pick
	g.Begin(&p, Input{})
	var names []string
	for {
		peer, err := p.Next()
		if err != nil {
			if !errors.Is(err, ErrNoLive) {
				t.Fatal(err)
			}
			break
		}
		names = append(names, peer.Name)
		p.Free(peer, StateFailed)
		if len(names) > 10 {
			t.Fatal("no end")
		}
	}
	if got := join(names); got != "a b c d" {
		t.Errorf("attempts %q, want a b c d then no live upstreams", got)
	}
	if p.Tries() != 0 {
		t.Errorf("tries %d left", p.Tries())
	}
	// all four in their window: nothing is usable and counters stay
	if got := run(t, g, Input{}, 1); got != "-" {
		t.Errorf("with all failed: %q, want no live upstreams", got)
	}
	for _, peer := range g.Peers() {
		if g.State(peer).Fails != 1 {
			t.Errorf("%s: fails reset while everything was down", peer.Name)
		}
	}
	// the primaries come back first
	c.Set(1011)
	if got := run(t, g, Input{}, 4); got != "b b a b" {
		t.Errorf("after the window: %q", got)
	}
}

func TestBackupSinglePrimary(t *testing.T) {
	// one primary with a backup is not "single": failures count
	c := newClock(1000)
	g := build(t, "", c.opts(), sv("a"), sv("b", "backup"))
	var p Pick
	g.Begin(&p, Input{})
	a, _ := p.Next()
	if !p.Free(a, StateFailed) {
		t.Error("failure not counted")
	}
	if got := run(t, g, Input{}, 2); got != "b b" {
		t.Errorf("got %q", got)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

package upstream

import (
	"testing"
	"time"

	"weir/internal/config"
)

// least_time picks the peer whose average time, clustered by 20 ms and
// times one more than its connections, is least per unit of weight;
// equals take turns.
func TestLeastTime(t *testing.T) {
	c := newClock(1000)
	u := &config.Upstream{Name: "lt", Method: "least_time", LeastTime: "header",
		Servers: []*config.UpstreamServer{sv("127.0.0.1:1"), sv("127.0.0.1:2")}}
	set := NewSet([]*config.Upstream{u}, c.opts())
	defer set.Close()
	g := set.Group(u)
	a, b := g.Peers()[0], g.Peers()[1]

	// no times yet: round robin between equals
	var pk Pick
	names := map[string]int{}
	for range 4 {
		g.Begin(&pk, Input{})
		p, err := pk.Next()
		if err != nil {
			t.Fatal(err)
		}
		names[p.Name]++
		pk.Free(p, StateOK)
	}
	if names[a.Name] != 2 || names[b.Name] != 2 {
		t.Fatalf("equals picked %v, want two each", names)
	}

	// a answers its header in 100 ms, b in 10 ms: b wins until it has
	// enough connections to weigh more (120*1 vs 20*(1+n))
	g.Account(a, 200, 0, 0, 100*time.Millisecond, 150*time.Millisecond)
	g.Account(b, 200, 0, 0, 10*time.Millisecond, 300*time.Millisecond)
	var held []*Peer
	var picks []*Pick
	for range 5 {
		p := &Pick{}
		g.Begin(p, Input{})
		peer, err := p.Next()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, peer)
		picks = append(picks, p)
	}
	for i, peer := range held[:5] {
		if peer != b {
			t.Errorf("pick %d went to %s, want the faster %s", i, peer.Name, b.Name)
		}
	}
	// b with 5 connections: 20*6 = 120 = a's 120*1: a's turn comes
	p := &Pick{}
	g.Begin(p, Input{})
	peer, _ := p.Next()
	p.Free(peer, StateOK)
	for i, pk := range picks {
		pk.Free(held[i], StateOK)
	}

	// last_byte uses the other average
	u.LeastTime = "last_byte"
	g.Begin(p, Input{})
	if peer, _ := p.Next(); peer != a {
		t.Errorf("last_byte picked %s, want %s (150 ms against 300)", peer.Name, a.Name)
	} else {
		p.Free(peer, StateOK)
	}
}

func TestRTAverage(t *testing.T) {
	var avg int64
	rtAverage(&avg, 100)
	if avg != 100 {
		t.Fatalf("first %d", avg)
	}
	rtAverage(&avg, 200)
	if avg != 110 {
		t.Fatalf("second %d, want 110", avg)
	}
}

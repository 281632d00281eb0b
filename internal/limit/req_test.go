package limit

import (
	"fmt"
	"testing"
	"time"
)

type fakeClock struct{ ms int64 }

func (c *fakeClock) now() int64 { return c.ms }

func keyOf(k string) func(int) (string, bool) {
	return func(int) (string, bool) { return k, k != "" }
}

// TestLeakyBucket pins the arithmetic of ngx_http_limit_req_lookup and
// _account at 2r/s: excess grows by 1000 per request and drains by
// rate*ms/1000; over burst is rejected, within burst delayed by
// excess*1000/rate ms, and nodelay/delay= shorten that.
func TestLeakyBucket(t *testing.T) {
	c := &fakeClock{ms: 1 << 32}
	z := NewReqZone("one", 1<<20, 2000, c.now)
	steps := []struct {
		advance int64
		req     Req
		out     Outcome
		excess  int64
		delay   time.Duration
	}{
		{0, Req{Burst: 0}, Passed, 0, 0},
		{0, Req{Burst: 0}, Rejected, 1000, 0},
		{499, Req{Burst: 0}, Rejected, 2, 0},
		{1, Req{Burst: 0}, Passed, 0, 0},
		{0, Req{Burst: 2000}, Delayed, 1000, 500 * time.Millisecond},
		{0, Req{Burst: 2000}, Delayed, 2000, time.Second},
		{0, Req{Burst: 2000}, Rejected, 3000, 0},
		{250, Req{Burst: 2000, Delay: NoDelay}, Rejected, 2500, 0},
		{0, Req{Burst: 3000, Delay: NoDelay}, Passed, 0, 0},
		{0, Req{Burst: 4000, Delay: 2000}, Delayed, 3500, 750 * time.Millisecond},
		{0, Req{Burst: 5000, Delay: 1000}, Delayed, 4500, 1750 * time.Millisecond},
	}
	for i, s := range steps {
		c.ms += s.advance
		s.req.Zone = z
		r := CheckReq([]Req{s.req}, keyOf("a"))
		if r.Outcome != s.out || (s.out != Passed && r.Excess != s.excess) || r.Delay != s.delay {
			t.Fatalf("step %d: got %+v, want %v excess %d delay %v", i, r, s.out, s.excess, s.delay)
		}
	}
	if r := CheckReq([]Req{{Zone: z}}, keyOf("")); r.Outcome != Declined {
		t.Fatalf("empty key: %+v", r)
	}
}

// TestSeveralLimits pins the order of several limit_req: the first ones
// only reserve their node, a later rejection gives them back unaccounted,
// and the longest delay of all names the zone.
func TestSeveralLimits(t *testing.T) {
	c := &fakeClock{ms: 1 << 32}
	a := NewReqZone("a", 1<<20, 1000, c.now)
	b := NewReqZone("b", 1<<20, 1000, c.now)
	ls := []Req{{Zone: a, Burst: 5000}, {Zone: b, Burst: 0}}
	if r := CheckReq(ls, keyOf("k")); r.Outcome != Passed {
		t.Fatalf("first: %+v", r)
	}
	// b rejects; a's reservation is released without accounting
	for i := 0; i < 3; i++ {
		if r := CheckReq(ls, keyOf("k")); r.Outcome != Rejected || r.Zone != "b" || r.Excess != 1000 {
			t.Fatalf("second %d: %+v", i, r)
		}
	}
	if n := a.nodes["k"]; n.count != 0 || n.excess != 0 {
		t.Fatalf("a after rejections: %+v", n)
	}
	c.ms += 1000
	// b passes; a is accounted once: 0 - 1000 + 1000
	if r := CheckReq(ls, keyOf("k")); r.Outcome != Passed {
		t.Fatalf("third: %+v", r)
	}
	// a delays more than b (nodelay): the delay and zone are a's
	ls[1].Burst, ls[1].Delay = 5000, NoDelay
	CheckReq(ls, keyOf("k"))
	if r := CheckReq(ls, keyOf("k")); r.Outcome != Delayed || r.Zone != "a" || r.Excess != 2000 || r.Delay != 2*time.Second {
		t.Fatalf("fifth: %+v", r)
	}
}

// TestExpire pins ngx_http_limit_req_expire and the zone's capacity as
// measured on nginx 1.22 (64-bit): a 32k zone holds 191 short keys, a
// 1m one 8095; a new key in a full zone frees the least recently used
// one by force, and a drained key idle a minute goes on any new key.
func TestExpire(t *testing.T) {
	for _, c := range []struct {
		size int64
		keys int
	}{{32768, 191}, {1 << 20, 8095}} {
		clk := &fakeClock{ms: 1 << 32}
		z := NewReqZone("one", c.size, 16, clk.now)
		for i := 0; i < c.keys; i++ {
			CheckReq([]Req{{Zone: z}}, keyOf(fmt.Sprintf("k%d", i)))
		}
		if z.Len() != c.keys || z.nodes["k0"] == nil {
			t.Fatalf("%d: holds %d keys, want %d", c.size, z.Len(), c.keys)
		}
		CheckReq([]Req{{Zone: z}}, keyOf("new"))
		if z.Len() != c.keys || z.nodes["k0"] != nil || z.nodes["k1"] == nil {
			t.Fatalf("%d: full zone: %d keys, k0 kept %v", c.size, z.Len(), z.nodes["k0"] != nil)
		}
		clk.ms += 61000
		CheckReq([]Req{{Zone: z}}, keyOf("newer"))
		if z.Len() != c.keys-1 {
			t.Fatalf("%d: drained keys not expired: %d", c.size, z.Len())
		}
	}
}

func TestConnZone(t *testing.T) {
	z := NewConnZone("c", 32768)
	h1, ok, _ := z.Acquire("k", 2)
	h2, ok2, _ := z.Acquire("k", 2)
	_, ok3, full := z.Acquire("k", 2)
	if !ok || !ok2 || ok3 || !full {
		t.Fatalf("acquire: %v %v %v %v", ok, ok2, ok3, full)
	}
	h1.Release()
	h2.Release()
	if z.Count("k") != 0 || len(z.nodes) != 0 || z.slab.used != 2 {
		t.Fatalf("not freed: %d %d", z.Count("k"), z.slab.used)
	}
}

// TestConcurrent runs limits from many goroutines (for -race): every
// reservation is given back or accounted, and every count released.
func TestConcurrent(t *testing.T) {
	clock := NewClock()
	a := NewReqZone("a", 1<<20, 1000, clock)
	b := NewReqZone("b", 1<<20, 1000, clock)
	c := NewConnZone("c", 1<<20)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 500; i++ {
				k := string(rune('a' + (g+i)%5))
				CheckReq([]Req{{Zone: a, Burst: 3000, Delay: NoDelay}, {Zone: b, Burst: 1000, Delay: NoDelay}}, keyOf(k))
				if h, ok, _ := c.Acquire(k, 4); ok {
					h.Release()
				}
			}
			done <- true
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	for _, n := range a.nodes {
		if n.count != 0 {
			t.Fatalf("node %q still reserved: %d", n.key, n.count)
		}
	}
	if len(c.nodes) != 0 {
		t.Fatalf("conn counts left: %d", len(c.nodes))
	}
}

package upstream

import (
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir/internal/config"
)

func TestIPHashVectors(t *testing.T) {
	clients := []string{"192.168.1.7", "10.0.0.200", "172.16.5.1", "8.8.8.8"}
	tests := []struct {
		desc    string
		weights []string
		want    []int
	}{
		{"three equal servers", []string{"w=1", "w=1", "w=1"}, []int{1, 0, 1, 2}},
		{"weights 3 1 1", []string{"w=3", "w=1", "w=1"}, []int{2, 0, 0, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.desc, func(t *testing.T) {
			c := newClock(1000)
			g := build(t, "ip_hash", c.opts(),
				sv("a", tc.weights[0]), sv("b", tc.weights[1]), sv("c", tc.weights[2]))
			var p Pick
			for i, cl := range clients {
				g.Begin(&p, Input{Client: ip(cl)})
				peer, err := p.Next()
				if err != nil {
					t.Fatal(err)
				}
				if got := index(g, peer); got != tc.want[i] {
					t.Errorf("%s → %d, want %d", cl, got, tc.want[i])
				}
				p.Free(peer, StateOK)
				// the last byte does not matter
				g.Begin(&p, Input{Client: ip(strings.TrimSuffix(cl, cl[strings.LastIndexByte(cl, '.'):]) + ".99")})
				again, _ := p.Next()
				if again != peer {
					t.Errorf("%s: another host of the /24 went elsewhere", cl)
				}
				p.Free(again, StateOK)
			}
		})
	}
}

func TestIPHashSpread(t *testing.T) {
	for _, n := range []int{2, 3} {
		c := newClock(1000)
		var servers []*config.UpstreamServer
		for i := range n {
			servers = append(servers, sv(string(rune('a'+i))))
		}
		g := build(t, "ip_hash", c.opts(), servers...)
		counts := map[string]int{}
		var p Pick
		for i := 1; i <= 30; i++ {
			g.Begin(&p, Input{Client: ip(fmt.Sprintf("127.0.%d.2", i))})
			peer, _ := p.Next()
			counts[peer.Name]++
			p.Free(peer, StateOK)
		}
		for name, got := range counts {
			if got != 30/n {
				t.Errorf("%d servers: %s got %d of 30, want %d (%v)", n, name, got, 30/n, counts)
			}
		}
	}
}

// TestIPHashDown: a down server keeps its weight in the total, so only
// its own clients move; and they move the way nginx rehashes.
func TestIPHashDown(t *testing.T) {
	c := newClock(1000)
	up := build(t, "ip_hash", c.opts(), sv("a"), sv("b"), sv("c"))
	down := build(t, "ip_hash", c.opts(), sv("a"), sv("b", "down"), sv("c"))
	var p, q Pick
	for i := 1; i <= 30; i++ {
		in := Input{Client: ip(fmt.Sprintf("127.0.%d.2", i))}
		up.Begin(&p, in)
		down.Begin(&q, in)
		a, _ := p.Next()
		b, _ := q.Next()
		if a.Name != "b" && a.Name != b.Name {
			t.Errorf("client %d moved from %s to %s though %s is up", i, a.Name, b.Name, a.Name)
		}
		if b.Name == "b" {
			t.Errorf("client %d sent to the down server", i)
		}
		if want := refIPHash(in.Client.As4(), []int{1, 1, 1}, []bool{true, false, true}); b.Name != want {
			t.Errorf("client %d → %s, reference %s", i, b.Name, want)
		}
	}
}

// refIPHash is §5 written from the spec: the first three bytes, the
// rounds continuing the hash, until a usable server comes up.
func refIPHash(addr [4]byte, weights []int, usable []bool) string {
	return refIPHashKey(addr[:3], weights, usable)
}

func refIPHashKey(key []byte, weights []int, usable []bool) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	hash := 89
	for range 21 {
		for _, b := range key {
			hash = (hash*113 + int(b)) % 6271
		}
		w := hash % total
		i := 0
		for w >= weights[i] {
			w -= weights[i]
			i++
		}
		if usable[i] {
			return string(rune('a' + i))
		}
	}
	return "rr"
}

func TestIPHashRetry(t *testing.T) {
	// the second attempt of a request continues the hash and skips the
	// tried server
	c := newClock(1000)
	g := build(t, "ip_hash", c.opts(), sv("a"), sv("b"), sv("c"))
	var p Pick
	for i := 1; i <= 30; i++ {
		in := Input{Client: ip(fmt.Sprintf("127.0.%d.2", i))}
		g.Begin(&p, in)
		first, _ := p.Next()
		p.Free(first, StateNext)
		second, err := p.Next()
		if err != nil || second == first {
			t.Fatalf("client %d: retry got %v %v", i, second, err)
		}
		usable := []bool{true, true, true}
		usable[index(g, first)] = false
		if want := refIPHash(in.Client.As4(), []int{1, 1, 1}, usable); second.Name != want {
			t.Errorf("client %d: retry → %s, reference %s", i, second.Name, want)
		}
		p.Free(second, StateOK)
	}
}

func TestIPHashFallbacks(t *testing.T) {
	c := newClock(1000)
	// one peer: round robin (single)
	g := build(t, "ip_hash", c.opts(), sv("a"))
	if got := run(t, g, Input{Client: ip("10.0.0.1")}, 2); got != "a a" {
		t.Errorf("one server: %q", got)
	}
	// a heavy down server catches nearly every round: after 20 rounds,
	// round robin finds b
	g = build(t, "ip_hash", c.opts(), sv("a", "w=1000", "down"), sv("b"))
	var p Pick
	g.Begin(&p, Input{Client: ip("10.0.0.1")})
	peer, err := p.Next()
	if err != nil || peer.Name != "b" {
		t.Fatalf("got %v %v", peer, err)
	}
	if p.btries <= maxHashTries {
		t.Errorf("btries %d: round robin reached without 20 rounds", p.btries)
	}
	// unix-socket clients hash as 0.0.0
	g = build(t, "ip_hash", c.opts(), sv("a"), sv("b"), sv("c"))
	if got, want := run(t, g, Input{}, 1), run(t, g, Input{Client: ip("0.0.0.9")}, 1); got != want {
		t.Errorf("no client address → %s, 0.0.0.x → %s", got, want)
	}
	// IPv6 hashes all sixteen bytes
	for _, a := range []string{"2001:db8::1", "2001:db8::2", "fe80::1234", "2a00:1450:4001::200e"} {
		b := ip(a).As16()
		if got, want := run(t, g, Input{Client: ip(a)}, 1), refIPHashKey(b[:], []int{1, 1, 1}, []bool{true, true, true}); got != want {
			t.Errorf("%s → %s, reference %s", a, got, want)
		}
	}
	// IPv4-mapped IPv6 hashes as IPv4
	if got, want := run(t, g, Input{Client: ip("::ffff:192.168.1.7")}, 1), "b"; got != want {
		t.Errorf("mapped address → %s, want %s", got, want)
	}
}

// refHash is §6's "hash $key" written from the spec.
func refHash(key string, weights []int, usable []bool) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	sum := uint32(0)
	for round := range 21 {
		prefix := ""
		if round > 0 {
			prefix = strconv.Itoa(round)
		}
		sum += (crc32.ChecksumIEEE([]byte(prefix+key)) >> 16) & 0x7fff
		w := int(sum) % total
		i := 0
		for w >= weights[i] {
			w -= weights[i]
			i++
		}
		if usable[i] {
			return string(rune('a' + i))
		}
	}
	return "rr"
}

func TestHash(t *testing.T) {
	c := newClock(1000)
	weights := []int{3, 1, 2}
	g := build(t, "hash", c.opts(), sv("a", "w=3"), sv("b", "w=1"), sv("c", "w=2"))
	counts := map[string]int{}
	for i := range 200 {
		key := fmt.Sprintf("/item/%d", i)
		want := refHash(key, weights, []bool{true, true, true})
		if got := run(t, g, Input{Key: key}, 1); got != want {
			t.Errorf("key %q → %s, reference %s", key, got, want)
		}
		counts[want]++
	}
	if counts["a"] < counts["b"] || counts["c"] < counts["b"] {
		t.Errorf("weights not followed: %v", counts)
	}
	// retries: the tried server is skipped, the rounds go on
	var p Pick
	for i := range 50 {
		key := fmt.Sprintf("k%d", i)
		g.Begin(&p, Input{Key: key})
		first, _ := p.Next()
		p.Free(first, StateFailed)
		second, _ := p.Next()
		usable := []bool{true, true, true}
		usable[index(g, first)] = false
		if want := refHash(key, weights, usable); second.Name != want {
			t.Errorf("key %q: retry → %s, reference %s", key, second.Name, want)
		}
		p.Free(second, StateOK)
		c.Add(11 * time.Second) // let the failed one come back
	}
}

func TestHashEmptyKey(t *testing.T) {
	c := newClock(1000)
	g := build(t, "hash", c.opts(), sv("a", "w=2"), sv("b"))
	if got := run(t, g, Input{}, 3); got != "a b a" {
		t.Errorf("empty key: %q, want round robin", got)
	}
}

// refPoints builds §6's ketama ring from the spec: 160×weight points per
// server line, crc32(host "\0" port prev-LE), sorted.
type refPoint struct {
	hash   uint32
	server string
}

func refRing(lines []struct {
	host, port, name string
	weight           int
}) []refPoint {
	var pts []refPoint
	for _, l := range lines {
		var prev uint32
		for range 160 * l.weight {
			b := []byte(l.host + "\x00" + l.port)
			b = append(b, byte(prev), byte(prev>>8), byte(prev>>16), byte(prev>>24))
			prev = crc32.ChecksumIEEE(b)
			pts = append(pts, refPoint{prev, l.name})
		}
	}
	slices.SortFunc(pts, func(a, b refPoint) int {
		if a.hash < b.hash {
			return -1
		}
		if a.hash > b.hash {
			return 1
		}
		return 0
	})
	return pts
}

// refLookup: the first point at or after crc32(key), wrapping; then the
// next points while their server is not usable.
func refLookup(ring []refPoint, key string, usable func(string) bool) string {
	h := crc32.ChecksumIEEE([]byte(key))
	i, _ := slices.BinarySearchFunc(ring, h, func(p refPoint, h uint32) int {
		if p.hash < h {
			return -1
		}
		if p.hash > h {
			return 1
		}
		return 0
	})
	for range 21 {
		s := ring[i%len(ring)].server
		if usable(s) {
			return s
		}
		i++
	}
	return "rr"
}

func TestHashConsistent(t *testing.T) {
	c := newClock(1000)
	servers := []*config.UpstreamServer{
		sv("10.0.0.1:8080", "w=1"),
		sv("10.0.0.2:8080", "w=2"),
		sv("app.local", "w=1"),
		sv("[::1]:9000", "w=1"),
	}
	unix := sv("/run/app.sock")
	unix.Addrs[0].Network = "unix"
	servers = append(servers, unix)
	g := build(t, "hash consistent", c.opts(), servers...)
	ring := refRing([]struct {
		host, port, name string
		weight           int
	}{
		{"10.0.0.1", "8080", "10.0.0.1:8080", 1},
		{"10.0.0.2", "8080", "10.0.0.2:8080", 2},
		{"app.local", "", "app.local", 1},
		{"[::1]", "9000", "[::1]:9000", 1},
		{"/run/app.sock", "", "/run/app.sock", 1},
	})
	if len(g.points) != len(ring) {
		t.Fatalf("%d points, reference %d", len(g.points), len(ring))
	}
	all := func(string) bool { return true }
	counts := map[string]int{}
	for i := range 500 {
		key := fmt.Sprintf("/user/%d", i)
		want := refLookup(ring, key, all)
		if got := run(t, g, Input{Key: key}, 1); got != want {
			t.Fatalf("key %q → %s, reference %s", key, got, want)
		}
		counts[want]++
	}
	if len(counts) != 5 {
		t.Errorf("not every server got keys: %v", counts)
	}

	// removing a server (down) moves only its own keys
	servers[1].Down = true
	g2 := build(t, "hash consistent", c.opts(), servers...)
	servers[1].Down = false
	notB := func(s string) bool { return s != "10.0.0.2:8080" }
	for i := range 500 {
		key := fmt.Sprintf("/user/%d", i)
		before := refLookup(ring, key, all)
		got := run(t, g2, Input{Key: key}, 1)
		if before != "10.0.0.2:8080" && got != before {
			t.Errorf("key %q moved from %s to %s", key, before, got)
		}
		if want := refLookup(ring, key, notB); got != want {
			t.Errorf("key %q → %s, reference %s", key, got, want)
		}
	}
}

// TestHashConsistentFallback: a down server that holds nearly the whole
// ring makes 20 points fail; round robin then picks.
func TestHashConsistentFallback(t *testing.T) {
	c := newClock(1000)
	g := build(t, "hash consistent", c.opts(), sv("a:80", "w=100", "down"), sv("b:80"))
	fallbacks := 0
	var p Pick
	for i := range 50 {
		g.Begin(&p, Input{Key: fmt.Sprint(i)})
		peer, err := p.Next()
		if err != nil || peer.Name != "b:80" {
			t.Fatalf("key %d: %v %v", i, peer, err)
		}
		if p.btries > maxHashTries {
			fallbacks++
		}
		p.Free(peer, StateOK)
	}
	if fallbacks == 0 {
		t.Errorf("no key reached the round robin fallback")
	}
}

// TestHashConsistentAddresses: a server line with several addresses has
// one set of points; its addresses share them by smooth round robin.
func TestHashConsistentAddresses(t *testing.T) {
	c := newClock(1000)
	g := build(t, "hash consistent", c.opts(), sv("multi:80", "addrs=2"), sv("solo:80"))
	if len(g.points) != 320 {
		t.Fatalf("%d points, want 160 per line", len(g.points))
	}
	ring := refRing([]struct {
		host, port, name string
		weight           int
	}{{"multi", "80", "multi", 1}, {"solo", "80", "solo:80", 1}})
	key := ""
	for i := range 100 {
		k := fmt.Sprintf("k%d", i)
		if refLookup(ring, k, func(string) bool { return true }) == "multi" {
			key = k
			break
		}
	}
	if key == "" {
		t.Fatal("no key on multi")
	}
	if got := run(t, g, Input{Key: key}, 4); got != "multi:80#0 multi:80#1 multi:80#0 multi:80#1" {
		t.Errorf("got %q", got)
	}
}

func TestLeastConn(t *testing.T) {
	c := newClock(1000)
	// all idle: ties all the way, so smooth WRR
	g := build(t, "least_conn", c.opts(), sv("a", "w=5"), sv("b"), sv("c"))
	if got := run(t, g, Input{}, 7); got != "a a b a c a a" {
		t.Errorf("ties: %q, want the WRR sequence", got)
	}
	g = build(t, "least_conn", c.opts(), sv("a", "w=2"), sv("b"), sv("c"))
	if got := run(t, g, Input{}, 8); got != "a b c a a b c a" {
		t.Errorf("ties: %q, want the WRR sequence", got)
	}

	// held connections: the fewest per weight wins
	g = build(t, "least_conn", c.opts(), sv("a", "w=2"), sv("b"), sv("c"))
	held := make([]Pick, 6)
	var names []string
	for i := range held {
		g.Begin(&held[i], Input{})
		peer, _ := held[i].Next()
		names = append(names, peer.Name)
	}
	// a, then b and c (0 < 1/2), then a (1/2 < 1), then a tie of 2/2,
	// 1, 1 taken by WRR among the three
	if got := join(names[:4]); got != "a b c a" {
		t.Errorf("held: %q", join(names))
	}
	conns := map[string]int{}
	for _, peer := range g.Peers() {
		conns[peer.Name] = g.State(peer).Conns
	}
	if conns["a"] != 3 && conns["a"] != 2 || conns["a"]+conns["b"]+conns["c"] != 6 {
		t.Errorf("conns %v", conns)
	}
}

func TestLeastConnBackup(t *testing.T) {
	c := newClock(1000)
	g := build(t, "least_conn", c.opts(), sv("a"), sv("b", "down"), sv("c", "backup"), sv("d", "backup"))
	var p Pick
	g.Begin(&p, Input{})
	a, _ := p.Next()
	p.Free(a, StateFailed)
	var held Pick
	g.Begin(&held, Input{})
	first, _ := held.Next()
	if first.Name != "c" {
		t.Fatalf("with the primaries out: %s", first.Name)
	}
	if got := run(t, g, Input{}, 1); got != "d" {
		t.Errorf("the backup with fewer conns: %s", got)
	}
	// single group: round robin
	g = build(t, "least_conn", c.opts(), sv("a"))
	if got := run(t, g, Input{}, 2); got != "a a" {
		t.Errorf("single: %q", got)
	}
}

// seqRand returns the values in order, then panics.
func seqRand(t *testing.T, vals ...int) func(int) int {
	i := 0
	return func(n int) int {
		if i >= len(vals) {
			t.Fatalf("rand called %d times", i+1)
		}
		v := vals[i]
		i++
		if v >= n {
			t.Fatalf("rand value %d out of [0,%d)", v, n)
		}
		return v
	}
}

func TestRandom(t *testing.T) {
	c := newClock(1000)
	// weights 1 2 3: 0 → a, 1..2 → b, 3..5 → c
	g := build(t, "random", c.optsRand(seqRand(t, 0, 1, 2, 3, 5, 4)),
		sv("a", "w=1"), sv("b", "w=2"), sv("c", "w=3"))
	if got := run(t, g, Input{}, 6); got != "a b b c c c" {
		t.Errorf("ranges: %q", got)
	}
	// a down server's range stays; drawing it draws again
	g = build(t, "random", c.optsRand(seqRand(t, 1, 2, 0)),
		sv("a"), sv("b", "down"), sv("c"))
	if got := run(t, g, Input{}, 2); got != "c a" {
		t.Errorf("down: %q", got)
	}
	// a retry skips the tried peer
	g = build(t, "random", c.optsRand(seqRand(t, 0, 0, 0, 2)), sv("a"), sv("b"), sv("c"))
	var p Pick
	g.Begin(&p, Input{})
	a, _ := p.Next()
	p.Free(a, StateFailed)
	if peer, _ := p.Next(); peer.Name != "c" {
		t.Errorf("retry: %s", peer.Name)
	}
	// more than 20 draws: round robin
	draws := make([]int, 21)
	g = build(t, "random", c.optsRand(seqRand(t, draws...)), sv("a", "down"), sv("b"))
	if got := run(t, g, Input{}, 1); got != "b" {
		t.Errorf("after 20 draws: %q", got)
	}
}

func TestRandomTwo(t *testing.T) {
	c := newClock(1000)
	// draws a, a (same: again), c → a and c; c has fewer conns
	rnd := seqRand(t, 0, 0, 2, 0, 1, 2, 0)
	g := build(t, "random two", c.optsRand(rnd), sv("a"), sv("b"), sv("c"))
	p0 := g.Peers()[0]
	// hold a connection to a by hand
	g.mu.Lock()
	p0.conns++
	g.mu.Unlock()
	if got := run(t, g, Input{}, 1); got != "c" {
		t.Errorf("a(1 conn) vs c(0): %s", got)
	}
	// a vs b: a has 1, b 0 → b
	if got := run(t, g, Input{}, 1); got != "b" {
		t.Errorf("a vs b: %s", got)
	}
	g.mu.Lock()
	p0.conns--
	g.mu.Unlock()
	// c vs a, both 0: the second drawn (only fewer conns per weight
	// keeps the first)
	if got := run(t, g, Input{}, 1); got != "a" {
		t.Errorf("tie: %s", got)
	}
}

func TestNoLive(t *testing.T) {
	c := newClock(1000)
	for _, m := range []string{"", "ip_hash", "hash", "hash consistent", "least_conn", "random", "random two"} {
		t.Run(m, func(t *testing.T) {
			g := build(t, m, c.optsRand(func(n int) int { return 0 }),
				sv("a", "down"), sv("b", "down"), sv("c", "down"))
			var p Pick
			g.Begin(&p, Input{Key: "k", Client: ip("10.1.2.3")})
			if p.Tries() != 0 {
				t.Errorf("tries %d", p.Tries())
			}
			if _, err := p.Next(); !errors.Is(err, ErrNoLive) {
				t.Errorf("got %v, want ErrNoLive", err)
			}
		})
	}
}

// TestEveryMethodExhausts: a request that fails on every peer sees each
// exactly once, then no live upstreams; every pick is bounded.
func TestEveryMethodExhausts(t *testing.T) {
	for _, m := range []string{"", "ip_hash", "hash", "hash consistent", "least_conn", "random", "random two"} {
		t.Run(m, func(t *testing.T) {
			c := newClock(1000)
			n := 0
			g := build(t, m, c.optsRand(func(k int) int { n++; return n % k }),
				sv("a:1", "w=3"), sv("b:1"), sv("c:1", "w=2"), sv("d:1"))
			var p Pick
			g.Begin(&p, Input{Key: "abc", Client: ip("192.0.2.1")})
			seen := map[string]bool{}
			for range 10 {
				peer, err := p.Next()
				if err != nil {
					break
				}
				if seen[peer.Name] {
					t.Fatalf("%s picked twice", peer.Name)
				}
				seen[peer.Name] = true
				p.Free(peer, StateFailed)
			}
			if len(seen) != 4 || p.Tries() != 0 {
				t.Errorf("saw %v, tries %d", seen, p.Tries())
			}
		})
	}
}

func TestLargeGroup(t *testing.T) {
	c := newClock(1000)
	var servers []*config.UpstreamServer
	for i := range 150 {
		servers = append(servers, sv(fmt.Sprintf("s%d:80", i)))
	}
	for _, m := range []string{"", "least_conn", "hash"} {
		g := build(t, m, c.opts(), servers...)
		var p Pick
		g.Begin(&p, Input{Key: "x"})
		seen := map[*Peer]bool{}
		for {
			peer, err := p.Next()
			if err != nil {
				break
			}
			if seen[peer] {
				t.Fatalf("%q: %s twice", m, peer.Name)
			}
			seen[peer] = true
			p.Free(peer, StateNext)
		}
		if len(seen) != 150 {
			t.Errorf("%q: %d peers tried of 150", m, len(seen))
		}
	}
}

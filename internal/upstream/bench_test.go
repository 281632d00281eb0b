package upstream

import (
	"fmt"
	"net/netip"
	"testing"

	"weir/internal/config"
)

func benchGroup(b *testing.B, method string, n int) *Group {
	var servers []*config.UpstreamServer
	for i := range n {
		servers = append(servers, sv(fmt.Sprintf("10.0.0.%d:80", i+1), fmt.Sprintf("w=%d", i%3+1)))
	}
	return build(b, method, Options{}, servers...)
}

func benchPick(b *testing.B, method string, n int, in Input) {
	g := benchGroup(b, method, n)
	var p Pick
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g.Begin(&p, in)
		peer, err := p.Next()
		if err != nil {
			b.Fatal(err)
		}
		p.Free(peer, StateOK)
	}
}

func BenchmarkPickRR(b *testing.B)   { benchPick(b, "", 8, Input{}) }
func BenchmarkPickRR64(b *testing.B) { benchPick(b, "", 64, Input{}) }
func BenchmarkPickIPHash(b *testing.B) {
	benchPick(b, "ip_hash", 8, Input{Client: netip.MustParseAddr("192.168.1.7")})
}
func BenchmarkPickHash(b *testing.B) { benchPick(b, "hash", 8, Input{Key: "/some/request/uri?x=1"}) }
func BenchmarkPickConsistent(b *testing.B) {
	benchPick(b, "hash consistent", 8, Input{Key: "/some/request/uri?x=1"})
}
func BenchmarkPickLeastConn(b *testing.B) { benchPick(b, "least_conn", 8, Input{}) }
func BenchmarkPickRandom(b *testing.B)    { benchPick(b, "random", 8, Input{}) }
func BenchmarkPickRandomTwo(b *testing.B) { benchPick(b, "random two", 8, Input{}) }

func BenchmarkPickRRParallel(b *testing.B) {
	g := benchGroup(b, "", 8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var p Pick
		for pb.Next() {
			g.Begin(&p, Input{})
			peer, _ := p.Next()
			p.Free(peer, StateOK)
		}
	})
}

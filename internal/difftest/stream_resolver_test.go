package difftest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// Stream module: resolver for a proxy_pass with variables naming a host,
// compared with nginx. The name server is a small one of the test's:
// back.test is 127.0.0.1, slow.test never answers, any other name does
// not exist.

// fakeDNS serves A queries on a UDP port of 127.0.0.1.
func fakeDNS(t *testing.T) string {
	return udpBackend(t, func(pc net.PacketConn, d []byte, from net.Addr) {
		var p dnsmessage.Parser
		h, err := p.Start(d)
		if err != nil {
			return
		}
		q, err := p.Question()
		if err != nil || q.Name.String() == "slow.test." {
			return
		}
		rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
		if q.Name.String() != "back.test." {
			rh.RCode = dnsmessage.RCodeNameError
		}
		b := dnsmessage.NewBuilder(nil, rh)
		b.StartQuestions()
		b.Question(q)
		b.StartAnswers()
		if q.Name.String() == "back.test." && q.Type == dnsmessage.TypeA {
			b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 60}, dnsmessage.AResource{A: [4]byte{127, 0, 0, 1}})
		}
		if out, err := b.Finish(); err == nil {
			pc.WriteTo(out, from)
		}
	})
}

func TestStreamResolver(t *testing.T) {
	st := &site{
		stream: `
    log_format s '$remote_addr $status $bytes_sent $bytes_received "$upstream_addr"';
    access_log logs/access.log s;
    resolver {{B1}} ipv6=off;
    resolver_timeout 300ms;
    server { listen {{B3}}; set $t back.test:{{B0PORT}}; proxy_pass $t; }
    server { listen {{B4}}; set $t nothere.test:{{B0PORT}}; proxy_pass $t; }
    server { listen {{B5}}; set $t slow.test:{{B0PORT}}; proxy_pass $t; }
    server { listen {{B6}}; set $t back.test:{{B2PORT}}; proxy_pass $t; }
`,
		backends: func(t *testing.T, name string) []string {
			ports := freePorts(t, 1+streamListens)
			out := []string{streamEcho(t), fakeDNS(t), fmt.Sprintf("127.0.0.1:%d", ports[0])}
			for _, p := range ports[1:] {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
	runStream(t, st, []streamCase{
		{name: "a name resolved", listen: 0, send: "hello", readN: 5, closeWrite: true},
		{name: "a name not found: 500", listen: 1},
		{name: "no answer: resolver_timeout, 500", listen: 2, wait: 500 * time.Millisecond},
		{name: "resolved to a closed port", listen: 3},
	})
}

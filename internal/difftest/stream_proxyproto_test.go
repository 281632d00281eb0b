package difftest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Stream module, the PROXY protocol: "listen ... proxy_protocol" with
// $proxy_protocol_addr and co., and "proxy_protocol on" towards
// upstreams (TCP and UDP), compared with nginx.

// maskPPPort hides the client's port in a version 1 header (it differs
// from run to run).
func maskPPPort(line string) string {
	f := strings.Fields(line)
	if len(f) == 6 && f[0] == "PROXY" {
		f[4] = "PORT"
	}
	return strings.Join(f, " ")
}

// ppV2 is a version 2 header for a TCP over IPv4 connection.
func ppV2(src, dst [4]byte, sport, dport uint16) []byte {
	b := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c")
	b = append(b, src[:]...)
	b = append(b, dst[:]...)
	b = binary.BigEndian.AppendUint16(b, sport)
	return binary.BigEndian.AppendUint16(b, dport)
}

func TestStreamProxyProtocol(t *testing.T) {
	st := &site{
		stream: `
    log_format s '$remote_addr $status $bytes_sent $bytes_received "$proxy_protocol_addr" "$proxy_protocol_port" "$proxy_protocol_server_addr" "$proxy_protocol_server_port" "$upstream_bytes_sent"';
    access_log logs/access.log s;
    proxy_protocol_timeout 300ms;
    server { listen {{B3}} proxy_protocol; return "hi $proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port\n"; }
    server { listen {{B4}} proxy_protocol; deny all; return "no\n"; }
    server { listen {{B5}}; proxy_protocol on; proxy_pass {{B0}}; }
    server { listen {{B6}} udp; proxy_protocol on; proxy_pass {{B1}}; proxy_timeout 300ms; }
`,
		backends: func(t *testing.T, name string) []string {
			ports := freePorts(t, 1+streamListens)
			// the TCP backend says the header it got, then the data
			head := streamBackend(t, func(c net.Conn) {
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				rest := make([]byte, 4)
				n, _ := r.Read(rest)
				fmt.Fprintf(c, "got [%s] %q\n", maskPPPort(strings.TrimSpace(line)), rest[:n])
			})
			// the UDP one answers each datagram with what it got
			udp := udpBackend(t, func(pc net.PacketConn, d []byte, from net.Addr) {
				s := string(d)
				if i := strings.Index(s, "\r\n"); i >= 0 {
					s = "[" + maskPPPort(s[:i]) + "]" + s[i+2:]
				}
				pc.WriteTo([]byte("got "+s), from)
			})
			out := []string{head, udp, fmt.Sprintf("127.0.0.1:%d", ports[0])}
			for _, p := range ports[1:] {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
	runStream(t, st, []streamCase{
		{name: "a version 1 header", listen: 0, send: "PROXY TCP4 192.0.2.1 198.51.100.2 1111 2222\r\n", wait: 50 * time.Millisecond},
		{name: "a version 1 header, IPv6", listen: 0, send: "PROXY TCP6 2001:db8::1 2001:db8::2 1111 2222\r\n", wait: 50 * time.Millisecond},
		{name: "PROXY UNKNOWN", listen: 0, send: "PROXY UNKNOWN\r\n", wait: 50 * time.Millisecond},
		{name: "a version 2 header", listen: 0, send: string(ppV2([4]byte{192, 0, 2, 9}, [4]byte{198, 51, 100, 7}, 3333, 4444)), wait: 50 * time.Millisecond},
		{name: "a broken header", listen: 0, send: "GET / HTTP/1.0\r\n\r\n", wait: 50 * time.Millisecond},
		{name: "a header cut short", listen: 0, send: "PROXY TCP4 192.0.2.1", wait: 50 * time.Millisecond},
		{name: "closed before a header", listen: 0, closeWrite: true},
		{name: "proxy_protocol_timeout", listen: 0, wait: 500 * time.Millisecond},
		{name: "denied after the header", listen: 1, send: "PROXY TCP4 192.0.2.1 198.51.100.2 1111 2222\r\n", wait: 50 * time.Millisecond},
		{name: "proxy_protocol on", listen: 2, send: "data", wait: 100 * time.Millisecond},
		{name: "proxy_protocol on, udp", listen: 3, udp: []string{"one", "two"}},
	})
}

package server_test

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"weir/internal/tlsconf/tlstest"
)

// proxyTLSConf has "listen ... ssl proxy_protocol": the header comes
// before the handshake.
const proxyTLSConf = `error_log logs/error.log info;
events {}
http { client_header_timeout 1s;
    log_format pp '$proxy_protocol_addr:$proxy_protocol_port $https $request';
    access_log logs/access.log pp;
    server { listen 127.0.0.1:PORT1 ssl proxy_protocol; server_name a.test;
        ssl_certificate DIR/a.crt; ssl_certificate_key DIR/a.key; location / { return 200 "ok\n"; } }
    server { listen 127.0.0.1:PORT2 proxy_protocol; location / { return 200 "ok\n"; } }
}
`

// TestProxyProtocolTLS: on an ssl address with proxy_protocol the PROXY
// header is read before the handshake, its addresses reach the variables,
// and a connection that fails before or in the header is logged "while
// reading PROXY protocol" (checked against nginx when it is installed).
func TestProxyProtocolTLS(t *testing.T) {
	p := newPrefix(t)
	ca := tlstest.NewCA("proxy protocol test CA")
	tlstest.Write(t, p.dir, "a", ca.Server(tlstest.ECDSA, "a.test"))
	port, port2 := freePort(t), freePort(t)
	conf := strings.NewReplacer("PORT1", fmt.Sprint(port), "PORT2", fmt.Sprint(port2), "DIR", strings.TrimSuffix(p.dir, "/")).Replace(proxyTLSConf)
	p.conf(conf)
	runInProcess(t, p)
	type target struct{ name, dir, addr, plain string }
	targets := []target{{"weir", p.dir, fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", port2)}}
	if haveNginx() {
		n := newPrefix(t)
		nport, nport2 := freePort(t), freePort(t)
		n.conf(strings.NewReplacer(fmt.Sprint(port), fmt.Sprint(nport), fmt.Sprint(port2), fmt.Sprint(nport2)).Replace(conf))
		naddr := fmt.Sprintf("127.0.0.1:%d", nport)
		startNginx(t, n, naddr)
		// the probe is logged as a connection closed before a byte
		if line, _ := nextLine(t, n.dir+"logs/error.log", 0); line != `[error] broken header: "" while reading PROXY protocol` {
			t.Fatalf("nginx logged the probe as %q", line)
		}
		targets = append(targets, target{"nginx", n.dir, naddr, fmt.Sprintf("127.0.0.1:%d", nport2)})
	}
	for _, tg := range targets {
		b, _ := os.ReadFile(tg.dir + "logs/error.log")
		off := len(b)
		// a header, then TLS on the same connection
		c, err := net.DialTimeout("tcp", tg.addr, 3*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte("PROXY TCP4 192.0.2.9 192.0.2.2 4321 443\r\n"))
		tc := tls.Client(c, &tls.Config{ServerName: "a.test", InsecureSkipVerify: true})
		tc.Write([]byte("GET /x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
		if err != nil {
			t.Fatalf("%s: %v", tg.name, err)
		}
		body, _ := io.ReadAll(resp.Body)
		tc.Close()
		if resp.StatusCode != 200 || string(body) != "ok\n" {
			t.Errorf("%s: %d %q", tg.name, resp.StatusCode, body)
		}
		if !waitFor(3*time.Second, func() bool {
			b, _ := os.ReadFile(tg.dir + "logs/access.log")
			return strings.Contains(string(b), "192.0.2.9:4321 on GET /x HTTP/1.1")
		}) {
			b, _ := os.ReadFile(tg.dir + "logs/access.log")
			t.Errorf("%s: access log %q", tg.name, b)
		}
		for _, f := range []struct {
			name  string
			plain bool
			run   func(string)
			want  string
		}{
			{"broken header", false, rawClient("GARBAGE", false), `[error] broken header: "GARBAGE" while reading PROXY protocol`},
			{"close before a byte", false, closeClient("", 100*time.Millisecond), `[error] broken header: "" while reading PROXY protocol`},
			{"silent past client_header_timeout", false, closeClient("", 1500*time.Millisecond), "[info] client timed out (110: Connection timed out) while reading PROXY protocol"},
			{"plain: broken header", true, rawClient("GARBAGE", false), `[error] broken header: "GARBAGE" while reading PROXY protocol`},
			{"plain: close before a byte", true, closeClient("", 100*time.Millisecond), "[info] client closed connection while reading PROXY protocol"},
			{"plain: silent past client_header_timeout", true, closeClient("", 1500*time.Millisecond), "[info] client timed out (110: Connection timed out) while reading PROXY protocol"},
			{"plain: the header alone, then a close", true, closeClient("PROXY TCP4 192.0.2.9 192.0.2.2 4321 80\r\n", 100*time.Millisecond), "[info] client closed connection while waiting for request"},
		} {
			addr := tg.addr
			if f.plain {
				addr = tg.plain
			}
			f.run(addr)
			var got string
			got, off = nextLine(t, tg.dir+"logs/error.log", off)
			if got != f.want {
				t.Errorf("%s, %s:\n got %s\nwant %s", f.name, tg.name, got, f.want)
			}
		}
	}
}

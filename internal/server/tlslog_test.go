package server_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"weir/internal/tlsconf/tlstest"
)

// handshakeConf has a server with a certificate on PORT1 (TLSv1.2 and
// up, ECDSA suites only) and, on PORT2, a default server that rejects
// handshakes in front of a named one.
const handshakeConf = `error_log logs/error.log info;
events {}
http { access_log off; client_header_timeout 1s;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384;
    server { listen 127.0.0.1:PORT1 ssl; server_name a.test;
        ssl_certificate DIR/a.crt; ssl_certificate_key DIR/a.key; location / { return 200 ok; } }
    server { listen 127.0.0.1:PORT2 ssl default_server; ssl_reject_handshake on; }
    server { listen 127.0.0.1:PORT2 ssl; server_name a.test;
        ssl_certificate DIR/a.crt; ssl_certificate_key DIR/a.key; location / { return 200 ok; } }
}
`

// handshakeClients are clients whose handshakes fail, each with the line
// nginx 1.22 logs for it (level and text after the connection number,
// the server's port written PORT).
var handshakeClients = []struct {
	name   string
	reject bool // to the ssl_reject_handshake address
	run    func(addr string)
	want   string
}{
	{"garbage after the record header", false, rawClient("\x16\x03\x01\x00\x100123456789abcdef", false),
		"[info] SSL_do_handshake() failed (SSL: error:0A0000F4:SSL routines::unexpected message) while SSL handshaking"},
	{"oversized record", false, rawClient("\x16\x03\x01\xff\xffhello", false),
		"[crit] SSL_do_handshake() failed (SSL: error:0A0000C6:SSL routines::packet length too long) while SSL handshaking"},
	{"oversized hello", false, rawClient("\x16\x03\x01\x00\x04\x01\xff\xff\xff", false),
		"[info] SSL_do_handshake() failed (SSL: error:0A000098:SSL routines::excessive message size) while SSL handshaking"},
	{"SSLv2 hello", false, rawClient("\x80\x2e\x01\x00\x02\x00\x15\x00\x00\x00\x10\x07\x00\xc0\x05\x00\x80\x03\x00\x80\x01\x00\x80\x06\x00\x40\x04\x00\x80\x02\x00\x80"+strings.Repeat("x", 16), false),
		"[info] SSL_do_handshake() failed (SSL: error:0A0000FC:SSL routines::unknown protocol) while SSL handshaking"},
	{"TLSv1 only", false, tlsClient(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}),
		"[info] SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking"},
	{"no shared cipher", false, tlsClient(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA}}),
		"[info] SSL_do_handshake() failed (SSL: error:0A0000C1:SSL routines::no shared cipher) while SSL handshaking"},
	{"client rejects the certificate", false, tlsClient(&tls.Config{ServerName: "a.test", InsecureSkipVerify: false}),
		"[info] SSL_do_handshake() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking"},
	{"reset in the handshake", false, rawClient("\x16\x03\x01\x00\xf0\x01\x00\x00\xec\x03\x03", true),
		"[info] peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking"},
	{"close in the handshake", false, closeClient("\x16\x03\x01\x00\xf0\x01\x00\x00\xec\x03\x03", 100*time.Millisecond),
		"[info] peer closed connection in SSL handshake while SSL handshaking"},
	{"close before a byte", false, closeClient("", 100*time.Millisecond),
		"[info] client closed connection while SSL handshaking"},
	{"silent past client_header_timeout", false, closeClient("", 1500*time.Millisecond),
		"[info] client timed out (110: Connection timed out) while SSL handshaking"},
	{"unknown name, ssl_reject_handshake", true, tlsClient(&tls.Config{ServerName: "unknown.test", InsecureSkipVerify: true}),
		"[info] handshake rejected while SSL handshaking"},
}

// rawClient sends b, then reads until the server closes (or resets the
// connection with reset).
func rawClient(b string, reset bool) func(string) {
	return func(addr string) {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte(b))
		if reset {
			time.Sleep(100 * time.Millisecond)
			c.(*net.TCPConn).SetLinger(0)
			return
		}
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.Copy(io.Discard, c)
	}
}

// closeClient sends b and closes after d.
func closeClient(b string, d time.Duration) func(string) {
	return func(addr string) {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return
		}
		c.Write([]byte(b))
		time.Sleep(d)
		c.Close()
	}
}

// tlsClient runs a handshake with cfg (which is to fail).
func tlsClient(cfg *tls.Config) func(string) {
	return func(addr string) {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 3 * time.Second}, "tcp", addr, cfg)
		if err == nil {
			c.Close()
		}
	}
}

var logLine = regexp.MustCompile(`^\S+ \S+ (\[\w+\]) \d+#\d+: \*\d+ (.*), client: 127\.0\.0\.1, server: 127\.0\.0\.1:\d+$`)

// nextLine waits for the first line of the log at path past offset off
// and returns it as "[level] text", and the new offset.
func nextLine(t *testing.T, path string, off int) (string, int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		if len(b) > off {
			if i := strings.IndexByte(string(b[off:]), '\n'); i >= 0 {
				line := string(b[off : off+i])
				if m := logLine.FindStringSubmatch(line); m != nil {
					return m[1] + " " + m[2], off + i + 1
				}
				off += i + 1
				continue
			}
		}
		if time.Now().After(deadline) {
			return "(nothing logged)", off
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestHandshakeFailureLog pins the error-log lines of failed handshakes
// (at info, or crit where nginx logs crit) and, with nginx installed,
// checks that nginx logs the same line for the same client.
func TestHandshakeFailureLog(t *testing.T) {
	p := newPrefix(t)
	ca := tlstest.NewCA("handshake test CA")
	tlstest.Write(t, p.dir, "a", ca.Server(tlstest.ECDSA, "a.test"))
	port1, port2 := freePort(t), freePort(t)
	conf := strings.NewReplacer("PORT1", fmt.Sprint(port1), "PORT2", fmt.Sprint(port2), "DIR", strings.TrimSuffix(p.dir, "/")).Replace(handshakeConf)
	p.conf(conf)
	runInProcess(t, p)
	servers := []struct{ name, log, addr1, addr2 string }{
		{"weir", p.dir + "logs/error.log", fmt.Sprintf("127.0.0.1:%d", port1), fmt.Sprintf("127.0.0.1:%d", port2)},
	}
	if haveNginx() {
		n := newPrefix(t)
		nport1, nport2 := freePort(t), freePort(t)
		n.conf(strings.NewReplacer(fmt.Sprint(port1), fmt.Sprint(nport1), fmt.Sprint(port2), fmt.Sprint(nport2)).Replace(conf))
		naddr := fmt.Sprintf("127.0.0.1:%d", nport1)
		startNginx(t, n, naddr)
		// the probe's connection is logged as one closed before a byte
		if line, _ := nextLine(t, n.dir+"logs/error.log", 0); line != "[info] client closed connection while SSL handshaking" {
			t.Fatalf("nginx logged the probe as %q", line)
		}
		servers = append(servers, struct{ name, log, addr1, addr2 string }{"nginx", n.dir + "logs/error.log", naddr, fmt.Sprintf("127.0.0.1:%d", nport2)})
	}
	offs := make([]int, len(servers))
	for i, s := range servers {
		b, _ := os.ReadFile(s.log)
		offs[i] = len(b)
	}
	for _, c := range handshakeClients {
		for i, s := range servers {
			addr := s.addr1
			if c.reject {
				addr = s.addr2
			}
			c.run(addr)
			var got string
			got, offs[i] = nextLine(t, s.log, offs[i])
			if got != c.want {
				t.Errorf("%s, %s:\n got %s\nwant %s", c.name, s.name, got, c.want)
			}
		}
	}
}

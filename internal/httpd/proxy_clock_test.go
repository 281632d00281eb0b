package httpd

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// keepaliveProxy starts weir proxying to up with a keep-alive pool, with
// the given http-level directives.
func keepaliveProxy(t *testing.T, up, httpDirectives string) (addr, dir string) {
	t.Helper()
	return proxyEnv(t, `events {} http {`+httpDirectives+`
	upstream u { server {{A}}; keepalive 4; }
	server { listen 127.0.0.1:{{PORT}};
		location / { proxy_pass http://u; proxy_http_version 1.1; proxy_set_header Connection ""; }
	} }`, map[string]string{"A": up})
}

// TestProxyTimes: the proxy reads the clock once per step that waited,
// nginx's cached time: a pooled connection's $upstream_connect_time is 0,
// $upstream_header_time ends when the header came, and
// $upstream_response_time when the body, read after a pause, has come
// too, not at the header's time that the body's start shares.
func TestProxyTimes(t *testing.T) {
	up := fakeBackend(t, func(c net.Conn) {
		for readRequestHead(c) != "" {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"))
			time.Sleep(300 * time.Millisecond)
			c.Write([]byte("hello"))
		}
	})
	addr, dir := keepaliveProxy(t, up, `
	log_format t '$upstream_connect_time $upstream_header_time $upstream_response_time "$request"';
	access_log logs/access.log t;`)
	for _, uri := range []string{"/first", "/second"} {
		if body, err := tryGet(addr, uri); err != nil || body != "hello" {
			t.Fatalf("%s: %q, %v", uri, body, err)
		}
	}
	var lines []string
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dir, "logs", "access.log"))
		if lines = strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) == 2 {
			break
		}
	}
	if len(lines) != 2 {
		t.Fatalf("access log: %q", lines)
	}
	for i, l := range lines {
		f := strings.Fields(l)
		var v [3]float64
		for k := range v {
			var err error
			if v[k], err = strconv.ParseFloat(f[k], 64); err != nil {
				t.Fatalf("line %q", l)
			}
		}
		if i == 1 && f[0] != "0.000" {
			t.Errorf("%s: $upstream_connect_time of a pooled connection %s, want 0.000", l, f[0])
		}
		if v[1] > 0.2 {
			t.Errorf("%s: $upstream_header_time %v: the header came at once", l, v[1])
		}
		if v[2] < 0.3 {
			t.Errorf("%s: $upstream_response_time %v: the body came 0.3 s after the header", l, v[2])
		}
	}
}

// TestProxyExtraLengthNotKept: an answer with more bytes than its
// Content-Length loses the rest, and its connection is not kept for the
// next request (nginx's copy filter leaves u->keepalive unset), while an
// exact one is.
func TestProxyExtraLengthNotKept(t *testing.T) {
	var conns atomic.Int32
	up := fakeBackend(t, func(c net.Conn) {
		conns.Add(1)
		for {
			head := readRequestHead(c)
			if head == "" {
				return
			}
			answer := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
			if strings.HasPrefix(head, "GET /long") {
				answer += "EXTRA"
			}
			c.Write([]byte(answer))
		}
	})
	addr, dir := keepaliveProxy(t, up, `
	error_log logs/error.log warn;`)
	for i, c := range []struct {
		uri   string
		conns int32 // upstream connections after the request
	}{{"/exact", 1}, {"/exact", 1}, {"/long", 1}, {"/exact", 2}, {"/exact", 2}} {
		if body, err := tryGet(addr, c.uri); err != nil || body != "ok\n" {
			t.Fatalf("request %d %s: %q, %v", i, c.uri, body, err)
		}
		if n := conns.Load(); n != c.conns {
			t.Errorf("after request %d %s: %d upstream connections, want %d", i, c.uri, n, c.conns)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
	if !strings.Contains(string(b), `[warn]`) || !strings.Contains(string(b), `upstream sent more data than specified in "Content-Length" header while reading upstream`) {
		t.Errorf("error log lacks the warning:\n%s", b)
	}
}

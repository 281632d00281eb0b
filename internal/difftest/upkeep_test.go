package difftest

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUpstreamKeptFails: a kept-alive upstream connection that fails on
// its next request. nginx gives a cached connection's try back when it
// fails with an error (ngx_http_upstream_next: u->peer.tries++ for a
// cached peer and NGX_HTTP_UPSTREAM_FT_ERROR), so an idempotent request
// goes again on a new connection when proxy_next_upstream allows the
// error ($upstream_status "502, 200"), a POST or proxy_next_upstream off
// end with 502; what came before the close does not matter (a part of
// the status line). A connection the backend closed while it was idle
// in the pool is dropped without a try by both: nginx's keepalive close
// handler sees the close as it comes, weir peeks before reuse (only a
// close that crosses the request on the wire, a race neither side can
// reproduce, is seen by nginx as a failed try and by weir maybe not).
// The cases run in order and share the pool: the backend numbers its
// connections and each one's requests in the body.
func TestUpstreamKeptFails(t *testing.T) {
	k := func(name, uri string) tc { return get(name, uri) }
	runSite(t, &site{
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status ubr=$upstream_bytes_received ubs=$upstream_bytes_sent url=$upstream_response_length ua=$upstream_addr"';
    upstream kept { server {{B0}}; keepalive 4; }
    upstream two { server {{B0}}; server {{B1}}; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        proxy_read_timeout 2s;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /k/ { proxy_pass http://kept; }
        location /off/ { proxy_pass http://kept; proxy_next_upstream off; }
        location /idem/ { proxy_pass http://kept; proxy_next_upstream error non_idempotent; }
        location /u/ { proxy_pass http://kept; proxy_buffering off; }
        location /rb/ { proxy_pass http://kept; proxy_request_buffering off; }
        location /v10/ { proxy_pass http://kept; proxy_http_version 1.0; proxy_set_header Connection close; }
    }`,
		backends: func(t *testing.T, name string) []string {
			return []string{newKeepBackend(t), newKeepBackend(t)}
		},
		cases: []tc{
			k("first", "/k/a?do=ok"),
			k("closed without an answer", "/k/b?do=drop2"),
			k("closed in the status line", "/k/c?do=cut2"),
			k("closed in the header", "/k/d?do=cuthead2"),
			k("reset", "/k/e?do=reset2"),
			k("next upstream off", "/off/f?do=drop2"),
			k("fresh", "/k/g?do=ok"),
			postBody("post", "/k/h?do=drop2", "a body\n"),
			k("fresh again", "/k/i?do=ok"),
			postBody("post non_idempotent", "/idem/j?do=drop2", "a body\n"),
			k("unbuffered answer", "/u/k?do=drop2"),
			k("unbuffered request", "/rb/l?do=drop2"),
			k("v1.0 kept", "/v10/m?do=ok"),
			k("v1.0 kept again", "/v10/n?do=ok"),
			k("v1.0 answer not kept", "/k/o?do=http10"),
			k("after a v1.0 answer", "/k/p?do=ok"),
			k("closed when idle", "/k/q?do=idleclose"),
			k("after an idle close", "/k/r?do=ok"),
		},
	})
}

// keepBackend answers on kept connections as the request's do= says,
// for the request's number on its connection: "ok" answers, "drop2"
// closes without an answer on a connection's second request, "cut2" sends
// a part of the status line and closes, "cuthead2" a part of the header,
// "reset2" resets the connection, "http10" answers HTTP/1.0 and keeps
// the connection, "idleclose" answers and closes.
type keepBackend struct {
	mu sync.Mutex
	n  int // connections accepted
}

func newKeepBackend(t *testing.T) string {
	b := &keepBackend{}
	return serveConns(t, b.handle)
}

// serveConns serves a loopback listener with handle, one goroutine per
// connection, until the test ends; it returns the listener's address.
func serveConns(t *testing.T, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	go acceptLoop(ln, &mu, conns, handle)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// eachRequest reads the requests of a backend's connection (at most
// 100, each within 10 s) and gives each, numbered from 1, to fn until it
// returns false.
func eachRequest(c net.Conn, fn func(n int, req *rawRequest, r *bufio.Reader) bool) {
	r := bufio.NewReader(c)
	for n := 1; n <= 100; n++ {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		req, err := readRequest(r)
		if err != nil || !fn(n, req, r) {
			return
		}
	}
}

// queryArg is the argument k of a request's target.
func queryArg(req *rawRequest, k string) string {
	if f := strings.Fields(req.line); len(f) > 1 {
		if u, err := url.Parse(f[1]); err == nil {
			return u.Query().Get(k)
		}
	}
	return ""
}

func (b *keepBackend) handle(c net.Conn) {
	b.mu.Lock()
	b.n++
	conn := b.n
	b.mu.Unlock()
	eachRequest(c, func(n int, req *rawRequest, _ *bufio.Reader) bool {
		do := queryArg(req, "do")
		body := fmt.Sprintf("conn=%d req=%d %s\n", conn, n, req.line)
		answer := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
		if n == 2 {
			switch do {
			case "drop2":
				return false
			case "cut2":
				c.Write([]byte("HTTP/1.1 2"))
				return false
			case "cuthead2":
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Type: te"))
				return false
			case "reset2":
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0)
				}
				return false
			}
		}
		if do == "http10" {
			answer = "HTTP/1.0" + strings.TrimPrefix(answer, "HTTP/1.1")
		}
		_, err := c.Write([]byte(answer))
		return err == nil && do != "idleclose"
	})
}

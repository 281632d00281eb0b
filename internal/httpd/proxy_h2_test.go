package httpd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// h2Backend is an HTTP/2-only Go server on 127.0.0.1: over TLS (ALPN h2,
// the test PKI's backend certificate) or in cleartext with prior
// knowledge. Its conns counts the connections it accepted; opts adjust
// the server before it starts.
func h2Backend(t testing.TB, overTLS bool, h http.HandlerFunc, opts ...func(*http.Server)) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: "h2", addr: ln.Addr().String()}
	var p http.Protocols
	if overTLS {
		p.SetHTTP2(true)
	} else {
		p.SetUnencryptedHTTP2(true)
	}
	b.srv = &http.Server{
		Protocols: &p,
		Handler:   h,
		ErrorLog:  log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				b.conns.Add(1)
			}
		},
	}
	for _, o := range opts {
		o(b.srv)
	}
	if overTLS {
		c := getPKI().backend
		b.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key}}}
		go b.srv.ServeTLS(ln, "", "")
	} else {
		go b.srv.Serve(ln)
	}
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// h2Modes runs f for the two ways weir reaches an HTTP/2 upstream.
func h2Modes(t *testing.T, f func(t *testing.T, overTLS bool, scheme string)) {
	t.Run("h2c", func(t *testing.T) { f(t, false, "http") })
	t.Run("tls", func(t *testing.T) { f(t, true, "https") })
}

// h2Conf is a server of weir that proxies / to the group u of servers
// with proxy_http_version 2; extra goes into the location.
func h2Conf(scheme, servers, extra string) string {
	return `events {} http {
		log_format up '$upstream_status|$upstream_trailer_x_sum|$status';
		access_log logs/access.log up;
		client_max_body_size 64m;
		upstream u { ` + servers + ` }
		server { listen 127.0.0.1:{{PORT}};
			location / { proxy_pass ` + scheme + `://u; proxy_http_version 2; ` + extra + ` } } }`
}

// getLogged sends GET uri to weir at addr and checks the status, and
// that the error log in dir (once it has n lines) has want.
func getLogged(t *testing.T, addr, dir, uri string, status, n int, want string) {
	t.Helper()
	if r := get(t, addr, uri); r.status != status {
		t.Fatalf("%s: %d, want %d", uri, r.status, status)
	}
	if elog := waitLog(t, dir, "error.log", n); !strings.Contains(elog, want) {
		t.Fatalf("error log lacks %q:\n%s", want, elog)
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// h2Echo answers with what it got: protocol, method, URI, authority,
// some fields, the body's length and digest; the digest again as a
// trailer.
func h2Echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h := w.Header()
	h.Set("Trailer", "X-Sum")
	h.Set("X-Got", fmt.Sprintf("%s %s %s host=%s test=%q conn=%q len=%d", r.Proto, r.Method, r.RequestURI, r.Host,
		r.Header.Get("X-Test"), r.Header.Get("Connection")+r.Header.Get("Upgrade")+r.Header.Get("Keep-Alive"), len(body)))
	h.Set("Content-Type", "text/x-echo")
	w.WriteHeader(201)
	io.WriteString(w, "body:")
	w.(http.Flusher).Flush()
	w.Write(body)
	h.Set("X-Sum", sum(body))
}

// TestProxyH2Exchange: over HTTP/2 (TLS and h2c) the upstream gets the
// method, URI, authority, fields and body (no connection-specific
// fields, which HTTP/2 forbids), and the client gets the status, fields,
// body and, through $upstream_trailer_*, the trailer.
func TestProxyH2Exchange(t *testing.T) {
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		b := h2Backend(t, overTLS, func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/head":
				w.Header().Set("Content-Length", "5")
				io.WriteString(w, "hello")
			case "/empty":
				w.WriteHeader(204)
			case "/moved":
				w.Header().Set("Location", "/there")
				w.WriteHeader(302)
			default:
				h2Echo(w, r)
			}
		})
		addr, dir := proxyEnv(t, h2Conf(scheme, "server {{A}};",
			`proxy_set_header X-Test "a b"; proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection upgrade;`),
			map[string]string{"A": b.addr})

		r := do(t, addr, "POST /p/q?x=1&y=%20z HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
		want := `HTTP/2.0 POST /p/q?x=1&y=%20z host=u test="a b" conn="" len=5`
		if r.status != 201 || r.header.Get("X-Got") != want || r.body != "body:hello" || r.header.Get("Content-Type") != "text/x-echo" {
			t.Fatalf("%d %q %q %v", r.status, r.header.Get("X-Got"), r.body, r.header)
		}
		r = get(t, addr, "//double/slash")
		if r.status != 201 || !strings.HasPrefix(r.header.Get("X-Got"), "HTTP/2.0 GET //double/slash host=u ") || r.body != "body:" {
			t.Fatalf("%d %q %q", r.status, r.header.Get("X-Got"), r.body)
		}
		r = do(t, addr, "HEAD /head HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
		if r.status != 200 || r.header.Get("Content-Length") != "5" || r.body != "" {
			t.Fatalf("HEAD: %d %v %q", r.status, r.header, r.body)
		}
		if r = get(t, addr, "/empty"); r.status != 204 || r.body != "" {
			t.Fatalf("204: %d %q", r.status, r.body)
		}
		// HTTP/2 has no reason phrase: the status line is nginx's
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /moved HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
		line, _ := bufio.NewReader(c).ReadString('\n')
		if line != "HTTP/1.1 302 Moved Temporarily\r\n" {
			t.Errorf("status line %q", line)
		}
		alog := waitLog(t, dir, "access.log", 5)
		if !strings.Contains(alog, "201|"+sum([]byte("hello"))+"|201\n") || !strings.Contains(alog, "201|"+sum(nil)+"|201\n") {
			t.Fatalf("access log:\n%s", alog)
		}
		if elog := readLog(t, dir, "error.log"); elog != "" {
			t.Fatalf("error log:\n%s", elog)
		}
	})
}

// TestProxyH2Keepalive: 20 requests one after the other share one
// upstream connection; one the upstream closed while it was idle (its
// idle timeout: GOAWAY, then close) is not used again, and nothing is
// logged for it.
func TestProxyH2Keepalive(t *testing.T) {
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		b := h2Backend(t, overTLS, h2Echo, func(s *http.Server) { s.IdleTimeout = 150 * time.Millisecond })
		addr, dir := proxyEnv(t, h2Conf(scheme, "server {{A}};", ""), map[string]string{"A": b.addr})
		for i := range 20 {
			r := do(t, addr, "POST /k"+strconv.Itoa(i)+" HTTP/1.1\r\nHost: test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
			if r.status != 201 || r.body != "body:hi" {
				t.Fatalf("%d: %d %q", i, r.status, r.body)
			}
		}
		if n := b.conns.Load(); n != 1 {
			t.Fatalf("%d upstream connections for 20 requests, want 1", n)
		}
		time.Sleep(500 * time.Millisecond)
		if r := get(t, addr, "/again"); r.status != 201 {
			t.Fatalf("after the upstream's idle close: %d", r.status)
		}
		if n := b.conns.Load(); n != 2 {
			t.Fatalf("%d upstream connections, want 2", n)
		}
		if elog := readLog(t, dir, "error.log"); elog != "" {
			t.Fatalf("error log:\n%s", elog)
		}
	})
}

// TestProxyH2RequestBufferingOff: with proxy_request_buffering off the
// body is streamed to the stream as it arrives, of known length or
// chunked from the client (then sent without a length).
func TestProxyH2RequestBufferingOff(t *testing.T) {
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		b := h2Backend(t, overTLS, h2Echo)
		addr, _ := proxyEnv(t, h2Conf(scheme, "server {{A}};", "proxy_request_buffering off;"), map[string]string{"A": b.addr})
		r := do(t, addr, "PUT /l HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
		if r.status != 201 || !strings.HasSuffix(r.header.Get("X-Got"), " len=5") || r.body != "body:hello" {
			t.Fatalf("%d %q %q", r.status, r.header.Get("X-Got"), r.body)
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n")
		time.Sleep(50 * time.Millisecond) // the upstream has the first piece before the rest is sent
		io.WriteString(c, "6\r\n world\r\n0\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, _ := io.ReadAll(c)
		if !bytes.Contains(got, []byte("len=11")) || !bytes.Contains(got, []byte("body:hello world")) {
			t.Fatalf("%q", got)
		}
	})
}

// TestProxyH2LargeBodies: a few MiB each way, whole.
func TestProxyH2LargeBodies(t *testing.T) {
	big := make([]byte, 5<<20)
	for i := range big {
		big[i] = byte(rand.IntN(256))
	}
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		b := h2Backend(t, overTLS, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Sum", sum(body))
			if r.URL.Path == "/down" {
				w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				w.Write(big)
			}
		})
		addr, _ := proxyEnv(t, h2Conf(scheme, "server {{A}};", ""), map[string]string{"A": b.addr})
		r := do(t, addr, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(len(big))+"\r\nConnection: close\r\n\r\n"+string(big))
		if r.status != 200 || r.header.Get("X-Sum") != sum(big) {
			t.Fatalf("up: %d %q", r.status, r.header.Get("X-Sum"))
		}
		r = get(t, addr, "/down")
		if r.status != 200 || r.body != string(big) || r.header.Get("Content-Length") != strconv.Itoa(len(big)) {
			t.Fatalf("down: %d, %d bytes, %v", r.status, len(r.body), r.header)
		}
	})
}

// TestProxyH2Failover: a server that refuses the connection and one that
// closes it without an answer are logged as over HTTP/1.x, and the next
// server answers.
func TestProxyH2Failover(t *testing.T) {
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		// (port 1: a port freed by deadAddr may be taken again at once
		// on a busy machine)
		dead := "127.0.0.1:1"
		good := h2Backend(t, overTLS, h2Echo)
		addr, dir := proxyEnv(t, h2Conf(scheme, "server {{A}}; server {{B}};", ""), map[string]string{"A": dead, "B": good.addr})
		for i := range 3 {
			if r := get(t, addr, "/f"); r.status != 201 {
				t.Fatalf("request %d: %d", i, r.status)
			}
		}
		want := `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /f HTTP/1.1", upstream: "` + scheme + `://` + dead + `/f", host: "test"`
		if elog := readLog(t, dir, "error.log"); !strings.Contains(elog, want) {
			t.Fatalf("error log lacks %q:\n%s", want, elog)
		}
	})
	t.Run("closed", func(t *testing.T) {
		closing := fakeBackend(t, func(c net.Conn) {
			c.SetReadDeadline(time.Now().Add(time.Second))
			c.Read(make([]byte, 200)) // the preface, maybe the request
		})
		good := h2Backend(t, false, h2Echo)
		addr, dir := proxyEnv(t, h2Conf("http", "server {{A}}; server {{B}};", ""), map[string]string{"A": closing, "B": good.addr})
		getLogged(t, addr, dir, "/c", 201, 1, `upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /c HTTP/1.1", upstream: "http://`+closing+`/c"`)
	})
}

// TestProxyH2Reset: an upstream that resets the stream before its
// header gets 502 and nginx's line; one that resets it inside the body
// cuts the response, logged the same way (and as a protocol error, like
// a bad chunk over HTTP/1.1).
func TestProxyH2Reset(t *testing.T) {
	h2Modes(t, func(t *testing.T, overTLS bool, scheme string) {
		b := h2Backend(t, overTLS, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/mid" {
				io.WriteString(w, "partial")
				w.(http.Flusher).Flush()
			}
			panic(http.ErrAbortHandler) // RST_STREAM INTERNAL_ERROR
		})
		addr, dir := proxyEnv(t, h2Conf(scheme, "server {{A}};", ""), map[string]string{"A": b.addr})
		getLogged(t, addr, dir, "/rst", 502, 1, `upstream rejected request with error 2 while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /rst HTTP/1.1", upstream: "`+scheme+`://`+b.addr+`/rst"`)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /mid HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, _ := io.ReadAll(c)
		// (with proxy_buffering on, what was read and not sent is lost on
		// a protocol error, as nginx's event pipe drops it)
		if bytes.HasSuffix(got, []byte("0\r\n\r\n")) {
			t.Fatalf("a cut response was not cut: %q", got)
		}
		wantBody := `upstream rejected request with error 2 while reading upstream, client: 127.0.0.1, server: , request: "GET /mid HTTP/1.1"`
		if elog := waitLog(t, dir, "error.log", 2); !strings.Contains(elog, wantBody) {
			t.Fatalf("error log lacks %q:\n%s", wantBody, elog)
		}
	})
}

// TestProxyH2Timeout: proxy_read_timeout holds over the shim: 504 and
// nginx's line.
func TestProxyH2Timeout(t *testing.T) {
	b := h2Backend(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	addr, dir := proxyEnv(t, h2Conf("http", "server {{A}};", "proxy_read_timeout 200ms;"), map[string]string{"A": b.addr})
	getLogged(t, addr, dir, "/slow", 504, 1, "upstream timed out (110: Connection timed out) while reading response header from upstream")
}

// TestProxyH2NoALPN: a TLS server that does not speak h2 fails the
// handshake, as with nginx, which offers only "h2" and does not fall
// back to HTTP/1.1.
func TestProxyH2NoALPN(t *testing.T) {
	b := h2Backend(t, true, h2Echo, func(s *http.Server) {
		var p http.Protocols
		p.SetHTTP1(true)
		s.Protocols = &p
	})
	addr, dir := proxyEnv(t, h2Conf("https", "server {{A}};", ""), map[string]string{"A": b.addr})
	getLogged(t, addr, dir, "/", 502, 1, "SSL_do_handshake() failed (remote error: tls: no application protocol) while SSL handshaking to upstream")
}

// TestProxyH2ErrorText pins the texts of net/http's HTTP/2 client errors
// that h2Error reads.
func TestProxyH2ErrorText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"stream error: stream ID 3; INTERNAL_ERROR; received from peer", "upstream rejected request with error 2"},
		{"stream error: stream ID 1; unknown error code 0x1f; received from peer", "upstream rejected request with error 31"},
		{"stream error: stream ID 1; PROTOCOL_ERROR; invalid header", "EOF"},
		{"http2: Transport received Server's graceful shutdown GOAWAY", "upstream sent goaway with error 0"},
		{"http2: Transport received GOAWAY from server ErrCode:ENHANCE_YOUR_CALM", "upstream sent goaway with error 11"},
		{"http2: client connection lost", "EOF"},
	} {
		if got := h2Error(errors.New(c.in)).Error(); got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}

// BenchmarkProxyH2 is one proxied GET over keep-alive, a 1 KiB answer
// from a Go server that speaks both versions, with proxy_http_version
// 1.1 and 2, in cleartext and over TLS.
func BenchmarkProxyH2(b *testing.B) {
	body := strings.Repeat("x", 1024)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(true)
	p.SetUnencryptedHTTP2(true)
	for _, c := range []struct {
		name, scheme, version string
	}{
		{"http1.1", "http", "1.1"}, {"h2c", "http", "2"}, {"https1.1", "https", "1.1"}, {"h2", "https", "2"},
	} {
		b.Run(c.name, func(b *testing.B) {
			up := h2Backend(b, c.scheme == "https", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1024")
				io.WriteString(w, body)
			}, func(s *http.Server) { s.Protocols = &p })
			addr, _ := startPipelineDir(b, `events {} http { access_log off; keepalive_requests 100000000;
				upstream u { server `+up.addr+`; }
				server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass `+c.scheme+`://u; proxy_http_version `+c.version+`; } } }`)
			benchKeepalive(b, addr, "GET /p HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
		})
	}
}

package httpd

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"weir/internal/testnet"
)

// backend is a real HTTP server on 127.0.0.1 (Go's net/http) that answers
// "NAME METHOD URI" and records what it saw.
type backend struct {
	name  string
	addr  string
	srv   *http.Server
	conns atomic.Int64 // connections accepted
	hits  atomic.Int64
	mu    sync.Mutex
	last  *http.Request
	body  []byte
}

func startBackend(t *testing.T, name string, h http.HandlerFunc) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{name: name, addr: ln.Addr().String()}
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprintf(w, "%s %s %s", name, r.Method, r.RequestURI)
		}
	}
	b.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			b.mu.Lock()
			b.last, b.body = r, body
			b.mu.Unlock()
			b.hits.Add(1)
			h(w, r)
		}),
		ConnState: func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				b.conns.Add(1)
			}
		},
	}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *backend) lastRequest() (*http.Request, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.body
}

// fakeBackend accepts connections and hands each to serve: for what a
// real server cannot be made to do (hang, reset, send garbage).
func fakeBackend(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string { return testnet.DeadAddr(t) }

// readRequestHead reads a request head from c.
func readRequestHead(c net.Conn) string {
	br := bufio.NewReader(c)
	var sb strings.Builder
	for {
		line, err := br.ReadString('\n')
		sb.WriteString(line)
		if err != nil || line == "\r\n" {
			return sb.String()
		}
	}
}

// proxyEnv starts weir with conf, where {{A}}, {{B}}, ... are replaced by
// the given addresses.
func proxyEnv(t *testing.T, conf string, addrs map[string]string) (addr, dir string) {
	t.Helper()
	for k, v := range addrs {
		conf = strings.ReplaceAll(conf, "{{"+k+"}}", v)
	}
	return startPipelineDir(t, conf)
}

type resp struct {
	status int
	header http.Header
	body   string
	raw    string
}

// do sends a raw request on a new connection and reads the response.
func do(t *testing.T, addr, req string) resp {
	t.Helper()
	c := dialSend(t, addr, req)
	defer c.Close()
	br := bufio.NewReader(c)
	r, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	body, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, header: r.Header, body: string(body)}
}

func get(t *testing.T, addr, uri string) resp {
	return do(t, addr, "GET "+uri+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
}

func readLog(t *testing.T, dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "logs", name))
	return string(b)
}

// waitLog reads a log once it has n lines: weir writes the access log
// after the response went out, so a client can be faster than the log.
func waitLog(t *testing.T, dir, name string, n int) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s := readLog(t, dir, name)
		if strings.Count(s, "\n") >= n || time.Now().After(deadline) {
			return s
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestProxyRoundRobinSequence: weights 5,1,1 give nginx's smooth
// sequence a a b a c a a through the proxy.
func TestProxyRoundRobinSequence(t *testing.T) {
	a, b, c := startBackend(t, "a", nil), startBackend(t, "b", nil), startBackend(t, "c", nil)
	addr, _ := proxyEnv(t, `events {} http {
		upstream u { server {{A}} weight=5; server {{B}}; server {{C}}; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; } } }`,
		map[string]string{"A": a.addr, "B": b.addr, "C": c.addr})
	var got []string
	for i := 0; i < 14; i++ {
		r := get(t, addr, "/x")
		got = append(got, strings.Fields(r.body)[0])
	}
	want := "a a b a c a a a a b a c a a"
	if strings.Join(got, " ") != want {
		t.Fatalf("sequence %v, want %s", got, want)
	}
}

// TestProxyFailover: a refused server is logged in nginx's words, skipped
// for fail_timeout, and the request is answered by the next one.
func TestProxyFailover(t *testing.T) {
	dead := deadAddr(t)
	b := startBackend(t, "b", nil)
	addr, dir := proxyEnv(t, `events {} http {
		error_log logs/warn.log warn;
		log_format up '$upstream_addr|$upstream_status|$status';
		access_log logs/access.log up;
		upstream u { server {{A}}; server {{B}}; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; } } }`,
		map[string]string{"A": dead, "B": b.addr})
	for i := 0; i < 4; i++ {
		r := get(t, addr, "/p?q=1")
		if r.status != 200 || !strings.HasPrefix(r.body, "b GET /p?q=1") {
			t.Fatalf("request %d: %d %q", i, r.status, r.body)
		}
	}
	elog := readLog(t, dir, "warn.log")
	want := `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET /p?q=1 HTTP/1.1", upstream: "http://` + dead + `/p?q=1", host: "test"`
	if !strings.Contains(elog, want) {
		t.Fatalf("error log lacks %q:\n%s", want, elog)
	}
	if n := strings.Count(elog, "connect() failed"); n != 1 {
		t.Fatalf("the dead server was tried %d times, want once (then disabled for fail_timeout):\n%s", n, elog)
	}
	elog = readLog(t, dir, "warn.log")
	if !strings.Contains(elog, "[warn]") || !strings.Contains(elog, "upstream server temporarily disabled while connecting to upstream") {
		t.Fatalf("no 'temporarily disabled' warning:\n%s", elog)
	}
	alog := waitLog(t, dir, "access.log", 4)
	// (each request's line is written after its response went out, so
	// the lines of quick requests may come in any order)
	if !strings.Contains(alog, dead+", "+b.addr+"|502, 200|200\n") || strings.Count(alog, b.addr+"|200|200\n") != 3 {
		t.Fatalf("access log:\n%s", alog)
	}
}

// TestProxyNoLiveUpstreams: when every server failed, nginx answers 502,
// logs "no live upstreams" and puts the group's name in $upstream_addr.
func TestProxyNoLiveUpstreams(t *testing.T) {
	addr, dir := proxyEnv(t, `events {} http {
		log_format up '$upstream_addr|$upstream_status';
		access_log logs/access.log up;
		upstream grp { server {{A}}; server {{B}}; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://grp; } } }`,
		map[string]string{"A": deadAddr(t), "B": deadAddr(t)})
	if r := get(t, addr, "/"); r.status != 502 {
		t.Fatalf("first: %d", r.status)
	}
	if r := get(t, addr, "/"); r.status != 502 {
		t.Fatalf("second: %d", r.status)
	}
	elog := readLog(t, dir, "error.log")
	if !strings.Contains(elog, `no live upstreams while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://grp/", host: "test"`) {
		t.Fatalf("error log:\n%s", elog)
	}
	lines := strings.Split(strings.TrimSpace(waitLog(t, dir, "access.log", 2)), "\n")
	// each line is written after its response went out: either order
	if len(lines) == 2 && lines[0] == "grp|502" {
		lines[0], lines[1] = lines[1], lines[0]
	}
	if len(lines) != 2 || lines[1] != "grp|502" || !strings.HasSuffix(lines[0], "|502, 502") {
		t.Fatalf("access log: %q", lines)
	}
}

// TestProxyNextUpstreamStatus: http_503 moves on while tries remain; the
// last server's real response reaches the client unchanged.
func TestProxyNextUpstreamStatus(t *testing.T) {
	mk := func(name string) *backend {
		return startBackend(t, name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-From", name)
			w.WriteHeader(503)
			fmt.Fprintf(w, "busy %s", name)
		})
	}
	a, b := mk("a"), mk("b")
	addr, dir := proxyEnv(t, `events {} http {
		log_format up '$upstream_addr|$upstream_status';
		access_log logs/access.log up;
		upstream u { server {{A}} max_fails=0; server {{B}} max_fails=0; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; proxy_next_upstream error http_503; } } }`,
		map[string]string{"A": a.addr, "B": b.addr})
	r := get(t, addr, "/")
	if r.status != 503 || r.body != "busy b" || r.header.Get("X-From") != "b" {
		t.Fatalf("%d %q %v", r.status, r.body, r.header)
	}
	if got := strings.TrimSpace(waitLog(t, dir, "access.log", 1)); got != a.addr+", "+b.addr+"|503, 503" {
		t.Fatalf("access log %q", got)
	}
}

// TestProxyNonIdempotent: a POST that reached a server that then failed
// is not sent to another one unless non_idempotent is listed.
func TestProxyNonIdempotent(t *testing.T) {
	reset := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		time.Sleep(50 * time.Millisecond)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
	})
	good := startBackend(t, "good", nil)
	for _, tc := range []struct {
		next   string
		status int
	}{
		{"error timeout", 502},
		{"error timeout non_idempotent", 200},
	} {
		t.Run(tc.next, func(t *testing.T) {
			addr, _ := proxyEnv(t, `events {} http {
				upstream u { server {{A}} max_fails=0; server {{B}} max_fails=0; }
				server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; proxy_next_upstream `+tc.next+`; } } }`,
				map[string]string{"A": reset, "B": good.addr})
			r := do(t, addr, "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
			if r.status != tc.status {
				t.Fatalf("POST: %d %q", r.status, r.body)
			}
			// a GET always moves on
			if r := get(t, addr, "/g"); r.status != 200 {
				t.Fatalf("GET: %d", r.status)
			}
		})
	}
	if _, body := good.lastRequest(); string(body) != "" {
		// the last request was a GET
		t.Fatalf("body %q", body)
	}
}

// TestProxyTimeoutAndGarbage: a server that never answers gives 504 after
// proxy_read_timeout; garbage without a status line is passed through as
// HTTP/0.9 with nginx's error; an invalid header gives 502.
func TestProxyTimeoutAndGarbage(t *testing.T) {
	hang := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c)
	})
	badHeader := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nBad Header: x\r\nContent-Length: 2\r\n\r\nok"))
	})
	addr, dir := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location /hang { proxy_pass http://{{H}}; proxy_read_timeout 300ms; }
			location /bad { proxy_pass http://{{B}}; } } }`,
		map[string]string{"H": hang, "B": badHeader})
	if r := get(t, addr, "/hang"); r.status != 504 {
		t.Fatalf("hang: %d", r.status)
	}
	if r := get(t, addr, "/bad"); r.status != 502 {
		t.Fatalf("bad header: %d", r.status)
	}
	elog := readLog(t, dir, "error.log")
	for _, want := range []string{
		"upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: , request: \"GET /hang HTTP/1.1\", upstream: \"http://" + hang + "/hang\"",
		"upstream sent invalid header: \"Bad\\x20...\" while reading response header from upstream",
	} {
		if !strings.Contains(elog, want) {
			t.Errorf("error log lacks %q:\n%s", want, elog)
		}
	}
}

// TestProxyPrematureClose: an upstream that closes in the middle of a
// Content-Length body is logged, and the client's connection is closed
// before the announced length.
func TestProxyPrematureClose(t *testing.T) {
	early := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part"))
	})
	addr, dir := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://{{A}}; } } }`,
		map[string]string{"A": early})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	all, _ := io.ReadAll(c)
	if !strings.HasPrefix(string(all), "HTTP/1.1 200 OK\r\n") || !strings.HasSuffix(string(all), "only part") {
		t.Fatalf("%q", all)
	}
	if elog := readLog(t, dir, "error.log"); !strings.Contains(elog, "upstream prematurely closed connection while reading upstream") {
		t.Fatalf("error log:\n%s", elog)
	}
}

// TestProxyRequestHeaders: the request line and header the upstream gets.
func TestProxyRequestHeaders(t *testing.T) {
	heads := make(chan string, 4)
	up := fakeBackend(t, func(c net.Conn) {
		heads <- readRequestHead(c)
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"))
	})
	addr, _ := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location /app/ { proxy_pass http://{{A}}/x/;
				proxy_set_header X-Real-IP $remote_addr;
				proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
				proxy_set_header Accept ""; }
			location /raw/ { proxy_pass http://{{A}}; proxy_http_version 1.0; } } }`,
		map[string]string{"A": up})
	get(t, addr, "/app/a%20b?k=v")
	h := <-heads
	want := "GET /x/a%20b?k=v HTTP/1.1\r\nX-Real-IP: 127.0.0.1\r\nX-Forwarded-For: 127.0.0.1\r\nHost: " + up + "\r\n\r\n"
	if h != want {
		t.Fatalf("got\n%q\nwant\n%q", h, want)
	}
	do(t, addr, "GET /raw/%7Efoo/../b?z HTTP/1.1\r\nHost: h\r\nAccept: */*\r\nConnection: keep-alive, x\r\nKeep-Alive: 5\r\nTE: trailers\r\nUpgrade: foo\r\nX-Custom: 1\r\n\r\n")
	h = <-heads
	want = "GET /raw/%7Efoo/../b?z HTTP/1.0\r\nHost: " + up + "\r\nConnection: close\r\nAccept: */*\r\nX-Custom: 1\r\n\r\n"
	if h != want {
		t.Fatalf("got\n%q\nwant\n%q", h, want)
	}
}

// TestProxyKeepalivePool: requests reuse one upstream connection.
func TestProxyKeepalivePool(t *testing.T) {
	b := startBackend(t, "b", nil)
	addr, _ := proxyEnv(t, `events {} http {
		upstream u { server {{A}}; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; } } }`,
		map[string]string{"A": b.addr})
	for i := 0; i < 20; i++ {
		if r := get(t, addr, "/k"+strconv.Itoa(i)); r.status != 200 {
			t.Fatalf("%d: %d", i, r.status)
		}
	}
	if n := b.conns.Load(); n != 1 {
		t.Fatalf("%d upstream connections for 20 requests, want 1", n)
	}
}

// TestProxyBodies: request bodies (length and chunked, small and spilled
// to a temp file) reach the upstream whole, also on a retry; chunked
// upstream responses reach the client whole.
func TestProxyBodies(t *testing.T) {
	dead := deadAddr(t)
	b := startBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		// net/http sends a large body chunked
		w.Write([]byte(strings.Repeat("z", 100000)))
	})
	addr, _ := proxyEnv(t, `events {} http {
		client_body_buffer_size 1k;
		upstream u { server {{D}}; server {{B}}; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; proxy_next_upstream error non_idempotent; } } }`,
		map[string]string{"D": dead, "B": b.addr})
	big := strings.Repeat("0123456789", 5000)
	for _, req := range []string{
		"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
		"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big,
		"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
	} {
		r := do(t, addr, req)
		if r.status != 200 || len(r.body) != 100000 {
			t.Fatalf("%d, %d bytes", r.status, len(r.body))
		}
		last, body := b.lastRequest()
		_, want, _ := strings.Cut(req, "\r\n\r\n")
		if strings.Contains(req, "chunked") {
			want = "hello world"
			if last.ContentLength != 11 {
				t.Fatalf("chunked body forwarded with Content-Length %d", last.ContentLength)
			}
		}
		if string(body) != want {
			t.Fatalf("upstream got %d bytes, want %d", len(body), len(want))
		}
	}
}

// TestProxyLargeBodyInMemory: a body kept in memory that is larger than
// the socket takes at once (the request's writev goes out in part) reaches
// a backend slow to read it whole, and the answer comes back.
func TestProxyLargeBodyInMemory(t *testing.T) {
	const size = 24 << 20
	up := fakeBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		n := -1
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			if line == "\r\n" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		time.Sleep(300 * time.Millisecond) // the socket fills meanwhile
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		ok := len(strings.Trim(string(body), "b")) == 0
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n%8d bytes, %v", n, map[bool]string{true: "ok", false: "no"}[ok])
	})
	addr, _ := proxyEnv(t, `events {} http {
		client_body_buffer_size 32m; client_max_body_size 32m;
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://{{A}}; } } }`,
		map[string]string{"A": up})
	body := strings.Repeat("b", size)
	r := do(t, addr, "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(size)+"\r\n\r\n"+body)
	if want := fmt.Sprintf("%8d bytes, ok", size); r.status != 200 || string(r.body) != want {
		t.Fatalf("%d %q, want %q", r.status, r.body, want)
	}
}

// TestProxyWebSocket: with Upgrade and Connection set, a 101 turns the
// connection into a tunnel both ways.
func TestProxyWebSocket(t *testing.T) {
	up := fakeBackend(t, func(c net.Conn) {
		h := readRequestHead(c)
		if !strings.Contains(h, "Upgrade: websocket\r\n") || !strings.Contains(h, "Connection: upgrade\r\n") {
			c.Write([]byte("HTTP/1.1 400 Bad\r\nContent-Length: 0\r\n\r\n"))
			return
		}
		c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
		buf := make([]byte, 100)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			c.Write([]byte("echo:" + string(buf[:n])))
		}
	})
	// through a group that pools connections (an *os.File in the Go
	// poller) and one that does not (weir's own epoll instance)
	for _, pool := range []string{"keepalive 8", "keepalive 0"} {
		t.Run(pool, func(t *testing.T) { testProxyWebSocket(t, up, pool) })
	}
}

func testProxyWebSocket(t *testing.T, up, pool string) {
	addr, _ := proxyEnv(t, `events {} http {
		map $http_upgrade $connection_upgrade { default upgrade; '' close; }
		upstream ws { server {{A}}; `+pool+`; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://ws;
			proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection $connection_upgrade; } } }`,
		map[string]string{"A": up})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
	br := bufio.NewReader(c)
	line, _ := br.ReadString('\n')
	if line != "HTTP/1.1 101 Switching Protocols\r\n" {
		t.Fatalf("%q", line)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	for _, msg := range []string{"one", "two"} {
		c.Write([]byte(msg))
		buf := make([]byte, 64)
		n, err := br.Read(buf)
		if err != nil || string(buf[:n]) != "echo:"+msg {
			t.Fatalf("%q %v", buf[:n], err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("tunnel not closed after the client's end: %v", err)
	}
}

// TestProxyResponseHeaders: hidden and passed headers, the upstream's
// reason text, proxy_redirect default, X-Accel-Redirect, intercept_errors.
func TestProxyResponseHeaders(t *testing.T) {
	b := startBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sub/redir":
			w.Header().Set("Location", "http://"+r.Host+"/sub/next")
			w.WriteHeader(302)
		case "/sub/accel":
			w.Header().Set("X-Accel-Redirect", "/internal.txt")
			w.Header().Set("Content-Disposition", "attachment")
			w.Write([]byte("ignored"))
		case "/sub/missing":
			w.WriteHeader(404)
			w.Write([]byte("upstream 404"))
		default:
			w.Header().Set("Server", "backend/1")
			w.Header().Set("X-Pad", "p")
			w.Header().Set("X-Secret", "s")
			w.Header().Set("X-Keep", "k")
			w.Write([]byte("plain"))
		}
	})
	addr, dir := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location = /internal.txt { internal; }
			location /app/ { proxy_pass http://{{A}}/sub/; proxy_hide_header X-Secret;
				proxy_intercept_errors on; error_page 404 = /nf; }
			location = /nf { return 200 "intercepted\n"; } } }`,
		map[string]string{"A": b.addr})
	_ = dir
	os.WriteFile(filepath.Join(dir, "html", "internal.txt"), []byte("from disk"), 0o644)
	r := get(t, addr, "/app/plain")
	if r.body != "plain" || r.header.Get("X-Secret") != "" || r.header.Get("X-Pad") != "" || r.header.Get("X-Keep") != "k" || !strings.HasPrefix(r.header.Get("Server"), "weir") {
		t.Fatalf("%q %v", r.body, r.header)
	}
	r = get(t, addr, "/app/redir")
	if r.status != 302 || !strings.HasPrefix(r.header.Get("Location"), "http://test:") || !strings.HasSuffix(r.header.Get("Location"), "/app/next") {
		t.Fatalf("proxy_redirect default: %d %v", r.status, r.header)
	}
	r = get(t, addr, "/app/accel")
	if r.status != 200 || r.body != "from disk" || r.header.Get("Content-Disposition") != "attachment" {
		t.Fatalf("X-Accel-Redirect: %d %q %v", r.status, r.body, r.header)
	}
	r = get(t, addr, "/app/missing")
	if r.status != 200 || r.body != "intercepted\n" {
		t.Fatalf("intercept: %d %q", r.status, r.body)
	}
}

// TestProxyAutoRedirect: "/app" is sent to "/app/" with a 301 when the
// location "/app/" proxies (nginx's auto_redirect), unless a location
// named "/app" exists.
func TestProxyAutoRedirect(t *testing.T) {
	b := startBackend(t, "b", nil)
	addr, _ := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location /app/ { proxy_pass http://{{A}}; }
			location /own/ { proxy_pass http://{{A}}; }
			location /own { return 200 "own\n"; }
			location ~ ^/app$ { return 200 "regex\n"; } } }`,
		map[string]string{"A": b.addr})
	r := get(t, addr, "/app?x=1")
	if r.status != 301 || !strings.HasSuffix(r.header.Get("Location"), "/app/?x=1") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	if r := get(t, addr, "/own"); r.status != 200 || r.body != "own\n" {
		t.Fatalf("%d %q", r.status, r.body)
	}
	if r := get(t, addr, "/app/z"); r.status != 200 || r.body != "b GET /app/z" {
		t.Fatalf("%d %q", r.status, r.body)
	}
}

// TestProxyRequestBufferingOff: the body streams to the upstream as it
// arrives, re-chunked when the client sent it chunked; once streaming
// began the request is not sent to another server.
func TestProxyRequestBufferingOff(t *testing.T) {
	heads := make(chan string, 4)
	up := fakeBackend(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		var sb strings.Builder
		for {
			line, err := br.ReadString('\n')
			sb.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		head := sb.String()
		if strings.Contains(head, "chunked") {
			for {
				line, _ := br.ReadString('\n')
				sb.WriteString(line)
				if line == "0\r\n" {
					l2, _ := br.ReadString('\n')
					sb.WriteString(l2)
					break
				}
				if line == "" {
					break
				}
			}
		} else {
			buf := make([]byte, 5)
			io.ReadFull(br, buf)
			sb.Write(buf)
		}
		heads <- sb.String()
		c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	})
	reset := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		time.Sleep(50 * time.Millisecond)
		c.(*net.TCPConn).SetLinger(0)
	})
	good := startBackend(t, "good", nil)
	addr, _ := proxyEnv(t, `events {} http {
		upstream u { server {{A}}; }
		upstream d { server {{R}} max_fails=0; server {{G}} max_fails=0; }
		server { listen 127.0.0.1:{{PORT}}; proxy_request_buffering off;
			location / { proxy_pass http://u; }
			location /d/ { proxy_pass http://d; } } }`,
		map[string]string{"A": up, "R": reset, "G": good.addr})
	// a GET with a body to a server that fails after it was sent: no
	// second server gets it, the body is gone
	if r := doSplit(t, addr, "GET /d/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\n", "hello"); r.status != 502 {
		t.Fatalf("streamed body retried: %d %q", r.status, r.body)
	}
	// ... unless the whole body came with the header: nginx then reads
	// it as a buffered one, which the next server gets
	if r := do(t, addr, "GET /d/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"); r.status != 200 {
		t.Fatalf("pre-read body not retried: %d %q", r.status, r.body)
	}
	if r := get(t, addr, "/d/y"); r.status != 200 {
		t.Fatalf("GET without body: %d", r.status)
	}
	r := doSplit(t, addr, "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", "5\r\nhello\r\n0\r\n\r\n")
	if r.status != 200 {
		t.Fatalf("%d", r.status)
	}
	// a request that never reached the upstream fails the test, not hangs it
	next := func() string {
		select {
		case h := <-heads:
			return h
		case <-time.After(10 * time.Second):
			t.Fatal("the upstream got no request")
			return ""
		}
	}
	got := next()
	if !strings.HasPrefix(got, "POST /c HTTP/1.1\r\nHost: u\r\nTransfer-Encoding: chunked\r\n\r\n") || !strings.HasSuffix(got, "\r\n0\r\n\r\n") {
		t.Fatalf("upstream got %q", got)
	}
	r = do(t, addr, "POST /l HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
	if got := next(); r.status != 200 || got != "POST /l HTTP/1.1\r\nHost: u\r\nContent-Length: 5\r\n\r\nhello" {
		t.Fatalf("%d %q", r.status, got)
	}
	// a chunked body that came whole with the header goes with its length
	r = do(t, addr, "POST /w HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	if got := next(); r.status != 200 || got != "POST /w HTTP/1.1\r\nHost: u\r\nContent-Length: 5\r\n\r\nhello" {
		t.Fatalf("%d %q", r.status, got)
	}
}

// doSplit is do with the request's body written a moment after its
// header, so that it does not come with the header.
func doSplit(t *testing.T, addr, head, body string) resp {
	t.Helper()
	c := dialSend(t, addr, head)
	defer c.Close()
	time.Sleep(50 * time.Millisecond)
	if _, err := c.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", head, err)
	}
	b, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, header: r.Header, body: string(b)}
}

// unixBackend is a real HTTP server on a unix socket.
func unixBackend(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", name, r.Method, r.RequestURI)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return path
}

// TestProxySeedUpstream: the seed's group (ip_hash, weight=3,
// max_fails=5 fail_timeout=30s, a unix-socket backup) sends a client to
// one server while the servers live, and to the backup once all failed.
// ip_hash refuses "backup" on a server line after it, as nginx does, so
// the method comes last.
func TestProxySeedUpstream(t *testing.T) {
	a, b, c := startBackend(t, "a", nil), startBackend(t, "b", nil), startBackend(t, "c", nil)
	sock := unixBackend(t, "backup")
	conf := `events {} http {
		upstream backend {
			server {{A}} weight=3;
			server {{B}} max_fails=5 fail_timeout=30s;
			server {{C}};
			server unix:{{S}} backup;
			ip_hash;
		}
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://backend; } } }`
	addr, _ := proxyEnv(t, conf, map[string]string{"A": a.addr, "B": b.addr, "C": c.addr, "S": sock})
	first := get(t, addr, "/x").body
	for i := 0; i < 5; i++ {
		if r := get(t, addr, "/x"); r.body != first {
			t.Fatalf("ip_hash moved the client: %q then %q", first, r.body)
		}
	}
	dead := map[string]string{"A": deadAddr(t), "B": deadAddr(t), "C": deadAddr(t), "S": sock}
	addr2, _ := proxyEnv(t, conf, dead)
	for i := 0; i < 3; i++ {
		if r := get(t, addr2, "/y"); r.status != 200 || r.body != "backup GET /y" {
			t.Fatalf("request %d with the primaries dead: %d %q", i, r.status, r.body)
		}
	}
}

// TestProxyLimitRate: proxy_limit_rate paces the reading of the
// upstream's answer.
func TestProxyLimitRate(t *testing.T) {
	b := startBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "200000")
		w.Write([]byte(strings.Repeat("r", 200000)))
	})
	addr, _ := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://{{A}}; proxy_limit_rate 400k; } } }`,
		map[string]string{"A": b.addr})
	start := time.Now()
	r := get(t, addr, "/")
	if len(r.body) != 200000 {
		t.Fatalf("%d bytes", len(r.body))
	}
	// 200,000 bytes at 409,600 bytes/s cannot take less than ~0.4 s
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("took %v: not paced", d)
	}
}

// TestProxyClientGone: a client that left while a slow upstream was
// thinking is logged as nginx does (499, "epoll_wait() reported that
// client prematurely closed connection, so upstream connection is closed
// too" in the action of the last step: nothing came from the upstream),
// as it leaves, not when the upstream answers.
func TestProxyClientGone(t *testing.T) {
	slow := startBackend(t, "slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("late"))
	})
	addr, dir := proxyEnv(t, `events {} http {
		error_log logs/info.log info;
		log_format st '$status $upstream_status';
		access_log logs/access.log st;
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://{{A}}; } } }`,
		map[string]string{"A": slow.addr})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"))
	time.Sleep(50 * time.Millisecond)
	left := time.Now()
	c.Close()
	if got := strings.TrimSpace(waitLog(t, dir, "access.log", 1)); got != "499 -" {
		t.Fatalf("access log %q", got)
	}
	if d := time.Since(left); d > 200*time.Millisecond {
		t.Errorf("logged %v after the client left, want at once", d)
	}
	if elog := readLog(t, dir, "info.log"); !strings.Contains(elog, "[info]") || !strings.Contains(elog, "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream, client: 127.0.0.1") {
		t.Fatalf("error log:\n%s", elog)
	}
}

// TestProxyForceRanges: with proxy_force_ranges a single range of an
// upstream's 200 is cut from the body as it streams through (buffered or
// not), several ranges get the whole body, an unsatisfiable one 416, and
// the upstream's own Accept-Ranges is replaced; without it the Range
// header is the upstream's business.
func TestProxyForceRanges(t *testing.T) {
	const alpha = "abcdefghijklmnopqrstuvwxyz"
	b := startBackend(t, "b", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Accept-Ranges", "none")
		w.Header().Set("Content-Length", "26")
		w.Write([]byte(alpha))
	})
	addr, _ := proxyEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location /on/ { proxy_pass http://{{A}}; proxy_force_ranges on; add_header X-Added yes; }
			location /unbuffered/ { proxy_pass http://{{A}}; proxy_force_ranges on; proxy_buffering off; }
			location /off/ { proxy_pass http://{{A}}; } } }`,
		map[string]string{"A": b.addr})
	req := func(uri, extra string) resp {
		return do(t, addr, "GET "+uri+" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"+extra+"\r\n")
	}
	for _, c := range []struct {
		uri, extra string
		status     int
		body       string
		cr, ar     string
	}{
		{"/on/", "Range: bytes=2-4\r\n", 206, "cde", "bytes 2-4/26", ""},
		{"/on/", "", 200, alpha, "", "bytes"},
		{"/on/", "Range: bytes=0-1,5-6\r\n", 200, alpha, "", "bytes"},
		{"/on/", "Range: bytes=2-4\r\nIf-Range: \"v2\"\r\n", 200, alpha, "", "bytes"},
		{"/on/", "Range: bytes=2-4\r\nIf-Range: \"v1\"\r\n", 206, "cde", "bytes 2-4/26", ""},
		{"/unbuffered/", "Range: bytes=-3\r\n", 206, "xyz", "bytes 23-25/26", ""},
		{"/unbuffered/", "Range: bytes=20-\r\n", 206, "uvwxyz", "bytes 20-25/26", ""},
		{"/off/", "Range: bytes=2-4\r\n", 200, alpha, "", "none"},
	} {
		r := req(c.uri, c.extra)
		if r.status != c.status || r.body != c.body || r.header.Get("Content-Range") != c.cr || strings.Join(r.header.Values("Accept-Ranges"), ",") != c.ar {
			t.Errorf("%s %q: %d %q Content-Range %q Accept-Ranges %q", c.uri, c.extra, r.status, r.body, r.header.Get("Content-Range"), r.header.Values("Accept-Ranges"))
		}
		if c.uri == "/on/" && r.header.Get("X-Added") != "yes" {
			t.Errorf("%s %q: add_header lost: %v", c.uri, c.extra, r.header)
		}
	}
	r := req("/on/", "Range: bytes=30-40\r\n")
	if r.status != 416 || r.header.Get("Content-Range") != "bytes */26" || r.header.Get("ETag") != "" || r.header.Get("Accept-Ranges") != "" {
		t.Errorf("unsatisfiable: %d %v", r.status, r.header)
	}
	// the window ends the response on a kept connection: the next
	// request on it is answered
	resp := rawExchange(t, addr, "GET /on/ HTTP/1.1\r\nHost: test\r\nRange: bytes=0-0\r\n\r\nGET /on/ HTTP/1.1\r\nHost: test\r\nRange: bytes=25-\r\nConnection: close\r\n\r\n")
	if strings.Count(resp, "HTTP/1.1 206") != 2 || !strings.Contains(resp, "\r\n\r\na") || !strings.HasSuffix(resp, "\r\n\r\nz") {
		t.Errorf("two ranges on one connection: %q", resp)
	}
}

// rawExchange writes req on a new connection and returns all that comes
// back until the server closes it.
func rawExchange(t *testing.T, addr, req string) string {
	t.Helper()
	c := dialSend(t, addr, req)
	defer c.Close()
	b, _ := io.ReadAll(c)
	return string(b)
}

// dialSend connects to addr, with a 10s deadline for the exchange, and
// writes req.
func dialSend(t *testing.T, addr, req string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		c.Close()
		t.Fatal(err)
	}
	return c
}

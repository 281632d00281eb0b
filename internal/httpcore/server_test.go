package httpcore

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// withHotIdle shortens the hand-off to the poller for a test.
func withHotIdle(t *testing.T, d time.Duration) {
	old := time.Duration(hotIdle.get())
	hotIdle.set(d)
	t.Cleanup(func() { hotIdle.set(old) })
}

func withDrainGrace(t *testing.T, d time.Duration) {
	old := time.Duration(drainGrace.get())
	drainGrace.set(d)
	t.Cleanup(func() { drainGrace.set(old) })
}

func waitState(t *testing.T, s *Server, st int32, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		got := 0
		for _, c := range s.snapshot() {
			if c.state.Load() == st {
				got++
			}
		}
		if got == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no %d connections in state %d", n, st)
}

const get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

// TestPollerHandoff: an idle keep-alive connection goes to the poller and
// comes back when the next request arrives; keepalive_timeout still
// applies while it is parked.
func TestPollerHandoff(t *testing.T) {
	if !pollerAvailable() {
		t.Skip("no poller on this platform")
	}
	withHotIdle(t, 30*time.Millisecond)
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.KeepaliveTimeout = 400 * time.Millisecond
		echo(w, r)
	}
	addr, s := startServer(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 3; i++ {
		c.Write([]byte(get))
		if resp, _ := readAll(c, 100*time.Millisecond); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
			t.Fatalf("request %d: %q", i, resp)
		}
		waitState(t, s, stIdleEpoll, 1)
	}
	// parked: the keepalive timeout closes it
	start := time.Now()
	resp, closed := readAll(c, 2*time.Second)
	if resp != "" || !closed {
		t.Fatalf("got %q closed=%v", resp, closed)
	}
	// not before the keep-alive timeout (the 2 s read above bounds it
	// from above without timing a busy machine)
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
	// the server forgets the connection just after closing it
	for end := time.Now().Add(5 * time.Second); s.Conns() != 0 && time.Now().Before(end); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Conns(); n != 0 {
		t.Errorf("%d connections left", n)
	}
}

// TestPollerPipelinedAfterWake sends a request in several pieces to a
// parked connection.
func TestPollerPipelinedAfterWake(t *testing.T) {
	if !pollerAvailable() {
		t.Skip("no poller on this platform")
	}
	withHotIdle(t, 20*time.Millisecond)
	h := &testHandler{set: DefaultSettings()}
	addr, s := startServer(t, h)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	waitState(t, s, stIdleEpoll, 1)
	c.Write([]byte("GET /a HTTP/1.1\r\n"))
	time.Sleep(50 * time.Millisecond)
	c.Write([]byte("Host: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n"))
	resp, _ := readAll(c, 200*time.Millisecond)
	if !strings.Contains(resp, "path=/a") || !strings.Contains(resp, "path=/b") {
		t.Fatalf("%q", resp)
	}
}

// TestDrain: idle connections (parked in the goroutine or in the poller)
// are closed, a connection with a pending request is served with
// "Connection: close", a request in progress completes and its
// connection closes.
func TestDrain(t *testing.T) {
	withHotIdle(t, 50*time.Millisecond)
	release := make(chan struct{})
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		if r.Path == "/slow" {
			<-release
		}
		echo(w, r)
	}
	addr, s := startServer(t, h)

	dial := func() net.Conn { return dialServer(t, addr) }
	parked := dial()  // will be in the poller
	parked2 := dial() // in the poller, with a request sent just before Drain
	slow := dial()    // in a request
	parked.Write([]byte(get))
	readAll(parked, 50*time.Millisecond)
	if pollerAvailable() {
		waitState(t, s, stIdleEpoll, 3)
	}
	hot := dial() // parked in its goroutine
	hot.Write([]byte(get))
	readAll(hot, 20*time.Millisecond)
	slow.Write([]byte("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"))
	time.Sleep(20 * time.Millisecond)

	// a request that arrives just before the drain
	parked2.Write([]byte(get))
	time.Sleep(20 * time.Millisecond)

	s.Drain()
	for name, c := range map[string]net.Conn{"parked": parked, "hot": hot} {
		if resp, closed := readAll(c, time.Second); resp != "" || !closed {
			t.Errorf("%s: %q closed=%v", name, resp, closed)
		}
	}
	resp, closed := readAll(parked2, time.Second)
	if !strings.Contains(resp, "HTTP/1.1 200 OK") || !closed {
		t.Errorf("pending: %q closed=%v", resp, closed)
	}
	close(release)
	resp, closed = readAll(slow, time.Second)
	if !strings.Contains(resp, "Connection: close") || !closed {
		t.Errorf("slow: %q closed=%v", resp, closed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err, s.Conns())
	}
}

func TestCloseAll(t *testing.T) {
	withHotIdle(t, 30*time.Millisecond)
	h := &testHandler{set: DefaultSettings()}
	addr, s := startServer(t, h)
	var conns []net.Conn
	for i := 0; i < 5; i++ {
		c, _ := net.Dial("tcp", addr)
		defer c.Close()
		conns = append(conns, c)
	}
	for s.Conns() != 5 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond)
	s.CloseAll()
	for _, c := range conns {
		if _, closed := readAll(c, time.Second); !closed {
			t.Error("still open")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestMaxConns(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	var mu sync.Mutex
	var logs []string
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	block := make(chan struct{})
	h.serve = func(w *Response, r *Request) {
		<-block
		echo(w, r)
	}
	s := &Server{Handler: h, MaxConns: 2, Log: func(level int, c *ConnInfo, msg string) {
		mu.Lock()
		logs = append(logs, msg)
		mu.Unlock()
	}}
	go s.Serve(ln, nil)
	defer func() { ln.Close(); close(block); s.CloseAll() }()
	addr := ln.Addr().String()

	// two busy connections fill the limit: the third is closed at once
	a, _ := net.Dial("tcp", addr)
	b, _ := net.Dial("tcp", addr)
	defer a.Close()
	defer b.Close()
	a.Write([]byte(get))
	b.Write([]byte(get))
	for s.Conns() != 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	if _, closed := readAll(c, time.Second); !closed {
		t.Error("third connection not closed")
	}
	mu.Lock()
	if len(logs) == 0 || logs[len(logs)-1] != "2 worker_connections are not enough" {
		t.Errorf("logs %q", logs)
	}
	mu.Unlock()
}

// TestMaxConnsReusesIdle: at the limit an idle keep-alive connection is
// closed to make room.
func TestMaxConnsReusesIdle(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	var mu sync.Mutex
	var logs []string
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	s := &Server{Handler: h, MaxConns: 1, Log: func(level int, c *ConnInfo, msg string) {
		mu.Lock()
		logs = append(logs, msg)
		mu.Unlock()
	}}
	go s.Serve(ln, nil)
	defer func() { ln.Close(); s.CloseAll() }()
	addr := ln.Addr().String()
	a, _ := net.Dial("tcp", addr)
	defer a.Close()
	a.Write([]byte(get))
	readAll(a, 50*time.Millisecond)
	b, _ := net.Dial("tcp", addr)
	defer b.Close()
	b.Write([]byte(get))
	if resp, _ := readAll(b, 200*time.Millisecond); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") {
		t.Fatalf("new connection: %q", resp)
	}
	if _, closed := readAll(a, 200*time.Millisecond); !closed {
		t.Error("idle connection not reused")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logs) == 0 || logs[0] != "1 worker_connections are not enough, reusing connections" {
		t.Errorf("logs %q", logs)
	}
}

// TestMaxConnsSparesBusyKeepAlive: at the limit a keep-alive connection
// that has answered one request is closed for a new one at once, as nginx
// does; one that has answered several and just answered again is not (its
// next request is likely on its way) until it has been idle for
// reuseGrace.
func TestMaxConnsSparesBusyKeepAlive(t *testing.T) {
	old := time.Duration(reuseGrace.get())
	reuseGrace.set(time.Second)
	t.Cleanup(func() { reuseGrace.set(old) })
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h, func(s *Server) { s.MaxConns = 1 })
	once := dialServer(t, addr)
	if resp, ok := getOK(once); !ok {
		t.Fatalf("keep-alive connection: %q", resp)
	}
	// getOK waited 200 ms, when the idle connection moves from its
	// goroutine to the poller (hotIdle): past that move
	time.Sleep(100 * time.Millisecond)
	busy := dialServer(t, addr)
	if resp, ok := getOK(busy); !ok {
		t.Fatalf("new connection after one answer on the other: %q", resp)
	}
	if _, closed := readAll(once, 200*time.Millisecond); !closed {
		t.Error("the keep-alive connection with one answer was not reclaimed")
	}
	if resp, ok := getOK(busy); !ok {
		t.Fatalf("second request: %q", resp)
	}
	if resp, _ := getOK(dialServer(t, addr)); resp != "" {
		t.Errorf("new connection within the grace: %q, want it closed unanswered", resp)
	}
	if resp, ok := getOK(busy); !ok {
		t.Fatalf("busy keep-alive connection after the refused one: %q", resp)
	}
	time.Sleep(time.Second + 100*time.Millisecond)
	if resp, ok := getOK(dialServer(t, addr)); !ok {
		t.Errorf("new connection after the grace: %q", resp)
	}
	if _, closed := readAll(busy, 200*time.Millisecond); !closed {
		t.Error("the keep-alive connection idle past the grace was not reclaimed")
	}
}

// getOK sends a GET on c and reports the answer and whether it was a 200.
func getOK(c net.Conn) (string, bool) {
	c.Write([]byte(get))
	resp, _ := readAll(c, 200*time.Millisecond)
	return resp, strings.HasPrefix(resp, "HTTP/1.1 200 OK")
}

// TestMaxConnsReclaimsWaitingFirst: at the limit a connection that has
// not sent a request yet is closed before a keep-alive one, even an
// older one.
func TestMaxConnsReclaimsWaitingFirst(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h, func(s *Server) { s.MaxConns = 2 })
	waiting := dialServer(t, addr) // older, never sends
	time.Sleep(50 * time.Millisecond)
	kept := dialServer(t, addr)
	if resp, ok := getOK(kept); !ok {
		t.Fatalf("keep-alive connection: %q", resp)
	}
	if resp, ok := getOK(dialServer(t, addr)); !ok {
		t.Fatalf("new connection: %q", resp)
	}
	if _, closed := readAll(waiting, 200*time.Millisecond); !closed {
		t.Error("the connection waiting for its first request was not reclaimed")
	}
	if resp, ok := getOK(kept); !ok {
		t.Errorf("keep-alive connection after the reclaim: %q", resp)
	}
}

// TestMaxConnsReclaimsOldestWaiting: of two connections waiting for
// their first request, the one waiting longer is closed first, so a
// client that has just connected still gets its request in.
func TestMaxConnsReclaimsOldestWaiting(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h, func(s *Server) { s.MaxConns = 2 })
	old := dialServer(t, addr)
	time.Sleep(50 * time.Millisecond)
	recent := dialServer(t, addr)
	time.Sleep(50 * time.Millisecond)
	if resp, ok := getOK(dialServer(t, addr)); !ok {
		t.Fatalf("new connection: %q", resp)
	}
	if _, closed := readAll(old, 200*time.Millisecond); !closed {
		t.Error("the connection waiting longest was not reclaimed")
	}
	if resp, ok := getOK(recent); !ok {
		t.Errorf("the connection waiting a shorter time: %q", resp)
	}
}

// TestDrainPendingInPoller: a parked connection whose request has arrived
// but was not picked up yet is served (with "Connection: close"), not
// closed under the client.
func TestDrainPendingInPoller(t *testing.T) {
	if !pollerAvailable() {
		t.Skip("no poller on this platform")
	}
	withHotIdle(t, 20*time.Millisecond)
	withDrainGrace(t, 10*time.Millisecond)
	var hold sync.Mutex
	holding := true
	setWakeHook(func(*conn) bool {
		hold.Lock()
		defer hold.Unlock()
		return !holding
	})
	t.Cleanup(func() { setWakeHook(nil) }) // runs after the server's cleanup
	h := &testHandler{set: DefaultSettings()}
	addr, s := startServer(t, h)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	// idle is a keep-alive connection that served a request; fresh never
	// sent one. Drain closes the first and serves the second, as an
	// exiting nginx worker does.
	idle, _ := net.Dial("tcp", addr)
	defer idle.Close()
	idle.Write([]byte(get))
	if resp, closed := readAll(idle, 100*time.Millisecond); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || closed {
		t.Fatalf("keep-alive: %q closed=%v", resp, closed)
	}
	fresh, _ := net.Dial("tcp", addr)
	defer fresh.Close()
	waitState(t, s, stIdleEpoll, 3)
	c.Write([]byte(get))
	time.Sleep(50 * time.Millisecond) // the wake-up is vetoed
	s.Drain()
	hold.Lock()
	holding = false
	hold.Unlock()
	resp, closed := readAll(c, time.Second)
	if !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.Contains(resp, "Connection: close") || !closed {
		t.Errorf("pending: %q closed=%v", resp, closed)
	}
	if resp, closed := readAll(idle, time.Second); resp != "" || !closed {
		t.Errorf("idle: %q closed=%v", resp, closed)
	}
	fresh.Write([]byte(get))
	if resp, closed := readAll(fresh, time.Second); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.Contains(resp, "Connection: close") || !closed {
		t.Errorf("fresh: %q closed=%v", resp, closed)
	}
}

func TestHijack(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.Status = 101
		w.Header = append(w.Header, Header{"Upgrade", "echo"})
		w.WriteHeader()
		nc, rest, err := w.Hijack()
		if err != nil {
			panic(err)
		}
		go func() {
			defer nc.Close()
			nc.Write(rest)
			buf := make([]byte, 100)
			n, _ := nc.Read(buf)
			nc.Write(buf[:n])
		}()
	}
	addr, s := startServer(t, h)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: echo\r\nConnection: upgrade\r\n\r\nearly"))
	resp, _ := readAll(c, 200*time.Millisecond)
	if stripDate(resp) != "HTTP/1.1 101 \r\nDate: X\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\nearly" {
		t.Fatalf("%q", resp)
	}
	c.Write([]byte("ping"))
	if resp, closed := readAll(c, time.Second); resp != "ping" || !closed {
		t.Fatalf("%q %v", resp, closed)
	}
	if s.Conns() != 0 {
		t.Fatal("hijacked connection still counted")
	}
}

func TestHandlerPanicCloses(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) { panic("boom") }
	var logged string
	var mu sync.Mutex
	addr, _ := startServer(t, h, func(s *Server) {
		s.Log = func(level int, c *ConnInfo, msg string) {
			mu.Lock()
			defer mu.Unlock()
			if level == logAlert {
				logged = msg
			}
		}
	})
	resp, closed := exchange(t, addr, get, time.Second)
	if resp != "" || !closed {
		t.Fatalf("%q %v", resp, closed)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasPrefix(logged, "handler panic: boom") {
		t.Fatalf("log %q", logged)
	}
}

// TestLingeringClose: after refusing a request while the client is still
// sending, the server reads and drops input before closing, so the
// client gets the response rather than a reset.
func TestLingeringClose(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	// a too long header line, then a lot more
	c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("x", 9000)))
	go func() {
		junk := []byte(strings.Repeat("y", 64<<10))
		for i := 0; i < 16; i++ {
			if _, err := c.Write(junk); err != nil {
				return
			}
		}
	}()
	resp, _ := readAll(c, time.Second)
	if !strings.HasPrefix(resp, "HTTP/1.1 400 Bad Request") || !strings.HasSuffix(resp, "</html>\n") {
		t.Fatalf("%q", resp)
	}
}

func TestKeepaliveTime(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.KeepaliveTime = 100 * time.Millisecond
		echo(w, r)
	}
	addr, _ := startServer(t, h)
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	c.Write([]byte(get))
	if resp, closed := readAll(c, 50*time.Millisecond); closed || !strings.Contains(resp, "keep-alive") {
		t.Fatalf("%q", resp)
	}
	time.Sleep(100 * time.Millisecond)
	c.Write([]byte(get))
	if resp, closed := readAll(c, time.Second); !closed || !strings.Contains(resp, "Connection: close") {
		t.Fatalf("%q closed=%v", resp, closed)
	}
}

// opaqueConn hides the socket, as a TLS connection does: the engine then
// reads and writes through net.Conn only.
type opaqueConn struct{ net.Conn }

type opaqueListener struct{ net.Listener }

func (l opaqueListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return opaqueConn{c}, nil
}

func TestGenericConn(t *testing.T) {
	withHotIdle(t, 20*time.Millisecond)
	dir := t.TempDir()
	large := strings.Repeat("abcdefghij", 5000)
	os.WriteFile(filepath.Join(dir, "f"), []byte(large), 0o644)
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.KeepaliveTimeout = 300 * time.Millisecond
		if r.Path == "/f" {
			f, _ := os.Open(filepath.Join(dir, "f"))
			defer f.Close()
			w.ContentLength = int64(len(large))
			w.SendFile(f, 0, int64(len(large)))
			return
		}
		w.KeepaliveTimeout = 300 * time.Millisecond
		echo(w, r)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	s := &Server{Handler: h}
	go s.Serve(opaqueListener{ln}, nil)
	defer func() { ln.Close(); s.CloseAll() }()
	c, _ := net.Dial("tcp", ln.Addr().String())
	defer c.Close()
	for i := 0; i < 3; i++ {
		c.Write([]byte("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
		if resp, _ := readAll(c, 100*time.Millisecond); !strings.Contains(resp, `body="abc"`) {
			t.Fatalf("%q", resp)
		}
	}
	c.Write([]byte("GET /f HTTP/1.1\r\nHost: a\r\n\r\n"))
	resp, _ := readAll(c, 200*time.Millisecond)
	if _, body, _ := strings.Cut(resp, "\r\n\r\n"); body != large {
		t.Fatalf("body %d bytes", len(body))
	}
	// keepalive_timeout with the goroutine parked in Read
	start := time.Now()
	// (the 2 s idle read bounds the wait; a busy machine is not timed)
	if resp, closed := readAll(c, 2*time.Second); resp != "" || !closed {
		t.Fatalf("%q closed=%v after %v", resp, closed, time.Since(start))
	}
	// Drain closes an idle generic connection
	c2, _ := net.Dial("tcp", ln.Addr().String())
	defer c2.Close()
	c2.Write([]byte(get))
	readAll(c2, 50*time.Millisecond)
	s.Drain()
	if _, closed := readAll(c2, time.Second); !closed {
		t.Fatal("not closed by Drain")
	}
}

// TestSlowHandlerWrite: a body written long after the header is not timed
// out by a send_timeout counted from the header.
func TestSlowHandlerWrite(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.SendTimeout = 100 * time.Millisecond
		w.ContentLength = 2
		w.WriteHeader()
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("ok"))
	}
	addr, _ := startServer(t, h)
	resp, _ := exchange(t, addr, get, 500*time.Millisecond)
	if !strings.HasSuffix(resp, "\r\n\r\nok") {
		t.Fatalf("%q", resp)
	}
}

// TestDrainGrace: a keep-alive connection that went idle just before a
// drain still gets its next request answered (with "Connection: close")
// when it arrives within the grace, instead of being closed under it; one
// idle for longer than the grace is closed.
func TestDrainGrace(t *testing.T) {
	withDrainGrace(t, 2*time.Second)
	h := &testHandler{set: DefaultSettings()}
	addr, s := startServer(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(get))
	if resp, closed := readAll(c, 100*time.Millisecond); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || closed {
		t.Fatalf("first: %q closed=%v", resp, closed)
	}
	s.Drain()
	time.Sleep(50 * time.Millisecond) // the client is slow to send its next request
	c.Write([]byte(get))
	resp, closed := readAll(c, 3*time.Second)
	if !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.Contains(resp, "Connection: close") || !closed {
		t.Errorf("within the grace: %q closed=%v", resp, closed)
	}

	// idle past the grace: closed without an answer
	withDrainGrace(t, 10*time.Millisecond)
	addr2, s2 := startServer(t, h)
	c2, err := net.Dial("tcp", addr2)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	c2.Write([]byte(get))
	if resp, closed := readAll(c2, 100*time.Millisecond); !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || closed {
		t.Fatalf("first: %q closed=%v", resp, closed)
	}
	time.Sleep(50 * time.Millisecond)
	s2.Drain()
	if resp, closed := readAll(c2, 3*time.Second); resp != "" || !closed {
		t.Errorf("past the grace: %q closed=%v", resp, closed)
	}
}

// TestReclaimableStates: a connection waits for a request, and may be
// reclaimed, while idle and while accepted but not started yet; not
// while its goroutine reads or answers a request.
func TestReclaimableStates(t *testing.T) {
	for _, c := range []struct {
		state int32
		begun bool
		want  bool
	}{
		{stActive, false, true},
		{stActive, true, false},
		{stIdleHot, true, true},
		{stIdleEpoll, true, true},
		{stClosed, true, false},
	} {
		var cn conn
		cn.state.Store(c.state)
		cn.begun.Store(c.begun)
		if got := cn.reclaimable(); got != c.want {
			t.Errorf("state %d, begun %v: reclaimable %v", c.state, c.begun, got)
		}
	}
}

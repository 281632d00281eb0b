package httpcore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// h2cClient speaks HTTP/2 with prior knowledge to addr.
func h2cClient(t testing.TB) *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func h2Settings() *Settings {
	s := DefaultSettings()
	s.HTTP2 = true
	return s
}

func TestH2Echo(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	addr, _ := startServer(t, h)
	cl := h2cClient(t)

	resp, err := cl.Get("http://" + addr + "/a/../b//c?x=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("proto %s", resp.Proto)
	}
	got := string(body)
	for _, want := range []string{
		"method=GET path=/b/c args=x=1 host=127.0.0.1 uri=/a/../b//c?x=1 proto=HTTP/2.0",
		`request="GET /a/../b//c?x=1 HTTP/2.0"`,
		"h host: " + addr,
		"h accept-encoding: gzip", // HTTP/2 names are lower case
		`body=""`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	if resp.Header.Get("Server") != "weir" || resp.Header.Get("Content-Type") != "text/plain" || resp.Header.Get("Date") == "" {
		t.Errorf("header %v", resp.Header)
	}
	if resp.Header.Get("Connection") != "" {
		t.Errorf("connection field in HTTP/2: %v", resp.Header)
	}

	// a body with a length, then one without (read as chunked)
	resp, err = cl.Post("http://"+addr+"/p", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "cl=5 chunked=false") || !strings.Contains(string(body), `body="hello"`) {
		t.Errorf("post: %s", body)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("part1-"))
		time.Sleep(20 * time.Millisecond)
		pw.Write([]byte("part2"))
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", "http://"+addr+"/u", pr)
	resp, err = cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "cl=-1 chunked=true") || !strings.Contains(string(body), `body="part1-part2"`) ||
		strings.Contains(string(body), "Transfer-Encoding") {
		t.Errorf("streamed put: %s", body)
	}
}

func TestH2LimitAndConcurrency(t *testing.T) {
	var mu sync.Mutex
	conns := map[uint64]int{}
	h := &testHandler{set: h2Settings()}
	h.serve = func(w *Response, r *Request) {
		if r.Path != "/none" {
			mu.Lock()
			conns[r.Conn.ID]++
			mu.Unlock()
		}
		if r.Path == "/limit" {
			r.SetBodyLimit(10)
			_, err := io.ReadAll(r.Body())
			if errors.Is(err, ErrBodyTooLarge) {
				w.Status = 413
			}
			w.ContentLength = 0
			w.Finish()
			return
		}
		if r.Path == "/cut" {
			w.ContentLength = 100
			w.Write([]byte("short"))
			w.Abort(true)
			return
		}
		if r.Path == "/none" {
			return // 444: the stream is reset
		}
		// a wait for something other than the client (an upstream):
		// the connection reads on meanwhile
		r.Yield()
		time.Sleep(50 * time.Millisecond)
		w.ContentLength = 2
		w.Write([]byte("ok"))
	}
	addr, _ := startServer(t, h)
	cl := h2cClient(t)

	// a streamed body over the limit
	req, _ := http.NewRequest("POST", "http://"+addr+"/limit", io.MultiReader(strings.NewReader(strings.Repeat("x", 20))))
	req.ContentLength = -1
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("limit: %d", resp.StatusCode)
	}

	// a response cut short is a reset stream, not a complete one
	resp, err = cl.Get("http://" + addr + "/cut")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Errorf("cut response read without error")
	}
	// a handler that sent nothing (444) resets the stream with
	// PROTOCOL_ERROR, as nginx does; Go's Transport would retry that on
	// a new connection, so it is sent once on a connection of its own
	if _, err := h2Once(t, addr, "GET", "/none", ""); err == nil || !strings.Contains(err.Error(), "PROTOCOL_ERROR") {
		t.Errorf("a handler that sent nothing: %v, want the stream reset with PROTOCOL_ERROR", err)
	}

	// ten requests at once share one connection
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	start := time.Now()
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := cl.Get("http://" + addr + "/slow")
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != "ok" {
				errs <- errors.New("body " + string(b))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("10 concurrent 50 ms requests took %v: not multiplexed", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(conns) != 1 {
		t.Errorf("requests spread over %d connections: %v", len(conns), conns)
	}
}

// h2Once sends one request on a connection of its own, without the
// Transport's retries (it sends a request again after some resets), with
// :path exactly as given and :authority host unless empty; it returns
// the status and the error of the exchange, the body read whole.
func h2Once(t testing.TB, addr, method, path, host string) (int, error) {
	t.Helper()
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cc, err := tr.NewClientConn(ctx, "http", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	req, _ := http.NewRequestWithContext(ctx, method, "http://"+addr+"/", nil)
	req.URL.Opaque = path
	if host != "" {
		req.Host = host
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

// waitingHandler answers "done", after release is closed for /wait.
func waitingHandler(set *Settings, release chan struct{}) *testHandler {
	h := &testHandler{set: set}
	h.serve = func(w *Response, r *Request) {
		if r.Path == "/wait" {
			<-release
		}
		w.ContentLength = 4
		w.Write([]byte("done"))
	}
	return h
}

func TestH2Off(t *testing.T) {
	// without http2 the preface is an HTTP/1 request nginx refuses
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h)
	resp, _ := exchange(t, addr, h2Preface, 300*time.Millisecond)
	if !strings.HasPrefix(resp, "HTTP/1.1 505 ") && !strings.HasPrefix(resp, "HTTP/1.1 400 ") {
		t.Errorf("preface without http2: %q", resp)
	}
}

func TestH2DrainAndClose(t *testing.T) {
	release := make(chan struct{})
	addr, s := startServer(t, waitingHandler(h2Settings(), release))
	cl := h2cClient(t)
	got := make(chan string, 1)
	go func() {
		resp, err := cl.Get("http://" + addr + "/wait")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.Conns() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	s.Drain()
	close(release)
	if b := <-got; b != "done" {
		t.Errorf("request in flight during drain: %q", b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Errorf("HTTP/2 connection still open after drain: %d", s.Conns())
	}
}

func TestH2RawPreface(t *testing.T) {
	// the preface may arrive in pieces
	h := &testHandler{set: h2Settings()}
	addr, _ := startServer(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte(h2Preface[:6]))
	time.Sleep(20 * time.Millisecond)
	c.Write([]byte(h2Preface[6:]))
	c.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0}) // empty SETTINGS
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	var hdr [9]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		t.Fatal(err)
	}
	if hdr[3] != 4 {
		t.Errorf("first frame type %d, want SETTINGS", hdr[3])
	}
}

// TestH2NoLength: a response of unknown length has no content-length
// field, however short (nginx's autoindex, a proxied response without
// one), though net/http adds one to a body it holds whole at the end.
func TestH2NoLength(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	h.serve = func(w *Response, r *Request) {
		w.ContentType = "text/plain"
		w.Write([]byte("short"))
		w.Finish()
	}
	addr, _ := startServer(t, h)
	for _, method := range []string{"GET", "HEAD"} {
		req, _ := http.NewRequest(method, "http://"+addr+"/", nil)
		resp, err := h2cClient(t).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if _, ok := resp.Header["Content-Length"]; ok || resp.ContentLength != -1 {
			t.Errorf("%s: content-length %v (%d)", method, resp.Header["Content-Length"], resp.ContentLength)
		}
		if want := map[string]string{"GET": "short", "HEAD": ""}[method]; string(b) != want {
			t.Errorf("%s: body %q", method, b)
		}
	}
}

// h2Refusals records what the handler is given for a refused request.
type h2Refusals struct {
	testHandler
	got []string
}

func (h *h2Refusals) Serve(w *Response, r *Request) {
	if r.Err != 0 {
		host, _ := r.Header("host")
		ua, _ := r.Header("user-agent")
		h.mu.Lock()
		h.got = append(h.got, fmt.Sprintf("%d %s|request=%q line=%v host=%q ua=%q", r.Err, r.ErrMsg, r.RequestLine, r.LineDone, host, ua))
		h.mu.Unlock()
	}
	h.testHandler.Serve(w, r)
}

// TestH2Refusals: a request refused over HTTP/2 is refused as nginx's
// HTTP/2 module does it: while reading the request headers, naming the
// pseudo-header field, without a request line, with the :authority taken
// before :path; "OPTIONS *" reaches the engine (net/http would answer it).
func TestH2Refusals(t *testing.T) {
	h := &h2Refusals{testHandler: testHandler{set: h2Settings()}}
	addr, _ := startServer(t, h)
	send := func(method, path string) int {
		t.Helper()
		code, err := h2Once(t, addr, method, path, "h2.test")
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		return code
	}
	for _, c := range []struct {
		method, path string
		code         int
		want         string
	}{
		{"OPTIONS", "*", 400, `400 client sent invalid :path header: "*" while reading client request headers|request="" line=false host="h2.test" ua=""`},
		{"get", "/x", 400, `400 client sent invalid method: "get" while reading client request headers|request="" line=false host="h2.test" ua=""`},
		{"GET", "/../x", 400, `400 client sent invalid request while reading client request headers|request="" line=true host="h2.test" ua=""`},
		{"CONNECT", "", 400, `400 client sent no :scheme header while reading client request headers|request="" line=false host="h2.test" ua="Go-http-client/2.0"`},
		// refused after the header block: nginx has the request line
		{"TRACE", "/t", 405, `405 client sent TRACE method while reading client request headers|request="TRACE /t HTTP/2.0" line=true host="h2.test" ua="Go-http-client/2.0"`},
	} {
		h.mu.Lock()
		h.got = nil
		h.mu.Unlock()
		if code := send(c.method, c.path); code != c.code {
			t.Errorf("%s %s: status %d", c.method, c.path, code)
		}
		h.mu.Lock()
		got := strings.Join(h.got, "\n")
		h.mu.Unlock()
		if got != c.want {
			t.Errorf("%s %s:\n got %s\nwant %s", c.method, c.path, got, c.want)
		}
	}
}

func TestH2Note(t *testing.T) {
	for in, want := range map[string]string{
		`client sent invalid header line: "x_under: a: b" while reading client request headers`:   `client sent invalid header: "x_under" while reading client request headers`,
		`client sent invalid header line: "x_odd: " while " while reading client request headers`: `client sent invalid header: "x_odd" while reading client request headers`,
		`something else while reading client request headers`:                                     `something else while reading client request headers`,
	} {
		if got := h2Note(in); got != want {
			t.Errorf("h2Note(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestH2CutAfterHeader: a response cut short after its header was sent
// reaches the client as nginx sends it, the header and what went of the
// body, then RST_STREAM; a response given up before any byte went (Abort
// without flush) still has its header sent, as nginx sends HEADERS at
// once.
func TestH2CutAfterHeader(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	h.serve = func(w *Response, r *Request) {
		w.ContentType = "text/plain"
		w.ContentLength = 100
		w.Write([]byte("short"))
		w.Abort(r.Path == "/flush")
	}
	addr, _ := startServer(t, h)
	for path, want := range map[string]string{"/flush": "short", "/drop": ""} {
		resp, err := h2cClient(t).Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("%s: no response: %v", path, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != "100" || string(b) != want {
			t.Errorf("%s: %d %v %q", path, resp.StatusCode, resp.Header, b)
		}
		if err == nil || !strings.Contains(err.Error(), "INTERNAL_ERROR") {
			t.Errorf("%s: body read error %v, want the stream reset", path, err)
		}
	}
}

// TestH2HeaderViews: header values that are views into a buffer the
// handler reuses (as the proxy's are, into the upstream header buffer)
// reach the client intact, and HPACK's table, which keeps what it sent,
// does not change under the connection when the buffer does.
func TestH2HeaderViews(t *testing.T) {
	buf := make([]byte, 120)
	var mu sync.Mutex
	h := &testHandler{set: h2Settings()}
	h.serve = func(w *Response, r *Request) {
		mu.Lock()
		defer mu.Unlock()
		v := fmt.Sprintf("value-%s-", r.Args)
		n := copy(buf, v)
		for i := n; i < len(buf); i++ {
			buf[i] = 'a' + byte(i%26)
		}
		w.Header = append(w.Header, Header{Name: "X-View", Value: unsafe.String(&buf[0], len(buf))})
		w.ContentLength = 2
		w.Write([]byte("ok"))
		w.Finish()
		for i := range buf {
			buf[i] = '#' // the buffer goes on to other uses
		}
	}
	addr, _ := startServer(t, h)
	cl := h2cClient(t)
	for i := range 300 {
		resp, err := cl.Get(fmt.Sprintf("http://%s/?%d", addr, i))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-View"); !strings.HasPrefix(got, fmt.Sprintf("value-%d-", i)) {
			t.Fatalf("request %d: X-View %q", i, got)
		}
	}
}

// TestH2BufferBody: a handler that reads a whole body (Request.BufferBody)
// lifts the stream's flow control, so Go's client sends bodies of several
// stream windows without waiting for WINDOW_UPDATE per window; DATA then
// waits for the handler's (slow) reads, and a request on another stream of
// the same connection still gets its answer. A handler that answers
// before the body's end (as a 413 does) leaves the rest to be dropped:
// the client is not stuck sending it.
func TestH2BufferBody(t *testing.T) {
	const size = 1 << 20
	h := &testHandler{set: h2Settings(), serve: func(w *Response, r *Request) {
		if r.Path == "/small" {
			w.Status = 200
			w.ContentLength = 2
			w.Write([]byte("ok"))
			w.Finish()
			return
		}
		r.BufferBody()
		var got int64
		var sum byte
		buf := make([]byte, 3000)
		for {
			n, err := r.Body().Read(buf)
			for _, c := range buf[:n] {
				sum += c
			}
			got += int64(n)
			if r.Path == "/slow" && got%(64<<10) < 3000 {
				time.Sleep(time.Millisecond)
			}
			if r.Path == "/stop" && got >= 100<<10 {
				w.Status = 413
				w.ContentLength = 0
				w.Finish()
				return
			}
			if err != nil {
				break
			}
		}
		body := fmt.Sprintf("%d %d", got, sum)
		w.Status = 200
		w.ContentLength = int64(len(body))
		w.Write([]byte(body))
		w.Finish()
	}}
	addr, _ := startServer(t, h)
	cl := h2cClient(t)
	payload := make([]byte, size)
	var want byte
	for i := range payload {
		payload[i] = byte(i * 7)
		want += payload[i]
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i, path := range []string{"/slow", "/fast", "/slow", "/stop"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := cl.Post("http://"+addr+path, "application/octet-stream", strings.NewReader(string(payload)))
			if err != nil {
				if path == "/stop" {
					// Go's client may report the reset of the body
					// it was still sending
					return
				}
				errs <- fmt.Errorf("%d %s: %v", i, path, err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case path == "/stop" && resp.StatusCode != 413:
				errs <- fmt.Errorf("%s: status %d", path, resp.StatusCode)
			case path != "/stop" && string(b) != fmt.Sprintf("%d %d", size, want):
				errs <- fmt.Errorf("%s: got %q", path, b)
			}
		}()
	}
	// a plain request on the same connection meanwhile
	time.Sleep(20 * time.Millisecond)
	resp, err := cl.Get("http://" + addr + "/small")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("small: %q", b)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

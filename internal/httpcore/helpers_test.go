package httpcore

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// testHandler is a trivial Handler for the tests: it echoes what the
// engine parsed, or answers refused requests as nginx's error pages do.
type testHandler struct {
	set   *Settings
	serve func(w *Response, r *Request)

	mu   sync.Mutex
	logs []string
	errs []string // ErrMsg of refused requests
}

func (h *testHandler) Settings(tag any) *Settings { return h.set }

func (h *testHandler) Serve(w *Response, r *Request) {
	if r.Err != 0 {
		h.mu.Lock()
		h.errs = append(h.errs, fmt.Sprintf("%d %s", r.Err, r.ErrMsg))
		h.mu.Unlock()
		if r.NoResponse {
			return
		}
		status := r.Err
		if status == 494 {
			status = 400
		}
		w.Status = status
		w.Server = "weir"
		w.ContentType = "text/html"
		body := fmt.Sprintf("<html><head><title>%d</title></head></html>\n", status)
		w.ContentLength = int64(len(body))
		w.Write([]byte(body))
		w.Finish()
		return
	}
	if h.serve != nil {
		h.serve(w, r)
		return
	}
	echo(w, r)
}

// echo answers with the parsed request, reading the body.
func echo(w *Response, r *Request) {
	body, err := io.ReadAll(r.Body())
	var sb strings.Builder
	fmt.Fprintf(&sb, "method=%s path=%s args=%s host=%s uri=%s proto=%s minor=%d ka=%v cl=%d chunked=%v\n",
		r.Method, r.Path, r.Args, r.Host, r.RawURI, r.Proto, r.ProtoMinor, r.KeepAlive, r.ContentLength, r.Chunked)
	fmt.Fprintf(&sb, "request=%q\n", r.RequestLine)
	for _, h := range r.Headers {
		fmt.Fprintf(&sb, "h %s: %s\n", h.Name, h.Value)
	}
	if err != nil {
		fmt.Fprintf(&sb, "bodyerr=%v msg=%s\n", err, r.ErrMsg)
		switch err {
		case ErrBodyTooLarge:
			w.Status = 413
		case ErrBadChunk:
			w.Status = 400
		default:
			w.KeepAlive = false
		}
	}
	fmt.Fprintf(&sb, "body=%q\n", body)
	w.ContentType = "text/plain"
	w.Server = "weir"
	w.ContentLength = int64(sb.Len())
	w.Write([]byte(sb.String()))
}

func (h *testHandler) errLog() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.errs...)
}

// startServer serves h on a loopback port; setup, when given, sets the
// Server up before it starts.
func startServer(t testing.TB, h Handler, setup ...func(*Server)) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h}
	for _, f := range setup {
		f(s)
	}
	done := make(chan struct{})
	go func() {
		s.Serve(ln, nil)
		close(done)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		s.CloseAll()
		// every connection goroutine ends before the test's knobs
		// (hotIdle, drainGrace, hooks) are put back
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Wait(ctx); err != nil {
			t.Errorf("connections still open after CloseAll: %d", s.Conns())
		}
	})
	return ln.Addr().String(), s
}

// dialServer connects to the test server at addr; the connection is
// closed when the test ends.
func dialServer(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange sends req on a new connection and reads until the server
// closes or nothing arrives for idle; closed reports an EOF.
func exchange(t testing.TB, addr, req string, idle time.Duration) (resp string, closed bool) {
	t.Helper()
	c := dialServer(t, addr)
	defer c.Close()
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	return readAll(c, idle)
}

func readAll(c net.Conn, idle time.Duration) (string, bool) {
	var out []byte
	buf := make([]byte, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(idle))
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return string(out), false
			}
			return string(out), true
		}
	}
}

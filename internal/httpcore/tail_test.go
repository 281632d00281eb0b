package httpcore

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// readResponse reads one response with a Content-Length from br and
// returns its body.
func readResponse(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	n := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the head: %v", err)
		}
		if line == "\r\n" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatalf("reading %d bytes of body: %v", n, err)
	}
	return string(body)
}

// bigAnswer answers with size bytes written in pieces of 1000, so that
// the last of them are still gathered when the response finishes.
func bigAnswer(size int) func(w *Response, r *Request) {
	return func(w *Response, r *Request) {
		w.ContentType = "text/plain"
		w.ContentLength = int64(size)
		piece := bytes.Repeat([]byte(r.Path[1:2]), 1000)
		for left := size; left > 0; left -= len(piece) {
			w.Write(piece[:min(left, len(piece))])
		}
	}
}

// The last bytes of a keep-alive response are written as the connection
// starts to wait for the next request. When the socket cannot take them
// all (small socket buffers, a client that reads late), the rest goes out
// the ordinary way: the client gets every byte, and the next request on
// the connection is answered.
func TestHeldTailSlowReader(t *testing.T) {
	const size = 15000 // all of it gathered until the response finishes
	h := &testHandler{set: DefaultSettings()}
	answer := bigAnswer(size)
	h.serve = func(w *Response, r *Request) {
		r.Conn.NetConn.(*net.TCPConn).SetWriteBuffer(4096)
		answer(w, r)
	}
	addr, _ := startServer(t, h)
	d := net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	for _, path := range []string{"/a", "/b"} {
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		time.Sleep(200 * time.Millisecond) // the socket fills up
		body := readResponse(t, br)
		if len(body) != size || strings.Trim(body, path[1:]) != "" {
			t.Fatalf("%s: %d bytes, want %d of %q", path, len(body), size, path[1:])
		}
	}
}

// A response held for the idle wait reaches the client when the server
// starts to drain at that moment.
func TestHeldTailDrain(t *testing.T) {
	var srv atomic.Pointer[Server]
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.ContentType = "text/plain"
		w.ContentLength = 5
		w.Write([]byte("hello"))
		srv.Load().Drain()
	}
	addr, _ := startServer(t, h, srv.Store)
	resp, closed := exchange(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second)
	if !strings.HasSuffix(resp, "\r\n\r\nhello") || !closed {
		t.Fatalf("closed %v, got %q", closed, resp)
	}
}

// Pipelined requests get their answers in order, each whole.
func TestHeldTailPipelined(t *testing.T) {
	addr, _ := startServer(t, &testHandler{set: DefaultSettings(), serve: bigAnswer(3000)})
	c := dialServer(t, addr)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"a", "b", "c"} {
		if body := readResponse(t, br); body != strings.Repeat(want, 3000) {
			t.Fatalf("answer %s: %d bytes %.10q...", want, len(body), body)
		}
	}
}

// A connection whose last response is held is not closed to make room
// for new ones (worker_connections), though it counts as idle.
func TestHeldTailNotReclaimed(t *testing.T) {
	nc, peer := net.Pipe()
	defer peer.Close()
	c := &conn{srv: &Server{}, nc: nc, fd: -1, tslot: -1}
	c.state.Store(stIdleHot)
	c.tailHeld.Store(true)
	c.closeIdle()
	if c.closed {
		t.Fatal("closed with its response held")
	}
	c.tailHeld.Store(false)
	c.closeIdle()
	if !c.closed {
		t.Fatal("an idle connection was not closed")
	}
}

// A pipelined request that arrives while the previous one is being
// answered (in a write of its own) is served promptly, though the wait
// after a held response begins without a read.
func TestHeldTailPipelinedLate(t *testing.T) {
	old := hotIdle.get()
	hotIdle.set(10 * time.Second) // a missed request would wait this long
	defer hotIdle.set(time.Duration(old))
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		if r.Path == "/slow" {
			time.Sleep(100 * time.Millisecond)
		}
		w.ContentType = "text/plain"
		w.ContentLength = int64(len(r.Path))
		w.Write([]byte(r.Path))
	}
	addr, _ := startServer(t, h)
	c := dialServer(t, addr)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(30 * time.Millisecond) // read apart, before the answer
	start := time.Now()
	io.WriteString(c, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	for _, want := range []string{"/slow", "/next"} {
		if body := readResponse(t, br); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("the pipelined request was answered after %v", d)
	}
}

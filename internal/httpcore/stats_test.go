package httpcore

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestStats follows the stub_status counters through the states nginx
// counts: connections waiting for a first request, a request whose
// header is still arriving (reading), one in its handler (writing), a
// keep-alive connection (waiting again), and the closes.
func TestStats(t *testing.T) {
	hold := make(chan struct{})
	h := &testHandler{serve: func(w *Response, r *Request) {
		if r.Path == "/hold" {
			<-hold
		}
		w.ContentLength = 2
		w.Write([]byte("ok"))
	}}
	addr, _ := startServer(t, h)
	base := settle(t)
	want := func(what string, d Stats) {
		t.Helper()
		exp := Stats{base.Accepted + d.Accepted, base.Handled + d.Handled, base.Requests + d.Requests,
			base.Active + d.Active, base.Reading + d.Reading, base.Writing + d.Writing, base.Waiting + d.Waiting}
		var got Stats
		for i := 0; i < 200; i++ {
			if got = ReadStats(); got == exp {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("%s: got %+v, want %+v", what, got, exp)
	}
	idle := dialServer(t, addr)
	want("idle", Stats{Accepted: 1, Handled: 1, Active: 1, Waiting: 1})
	part := dialServer(t, addr)
	part.Write([]byte("GET / HTTP/1.1\r\nHo"))
	want("partial header", Stats{Accepted: 2, Handled: 2, Requests: 1, Active: 2, Reading: 1, Waiting: 1})
	held := dialServer(t, addr)
	held.Write([]byte("GET /hold HTTP/1.1\r\nHost: a\r\n\r\n"))
	want("in the handler", Stats{Accepted: 3, Handled: 3, Requests: 2, Active: 3, Reading: 1, Writing: 1, Waiting: 1})
	close(hold)
	br := bufio.NewReader(held)
	held.SetReadDeadline(time.Now().Add(5 * time.Second))
	readResponse(t, br)
	want("keep-alive", Stats{Accepted: 3, Handled: 3, Requests: 2, Active: 3, Reading: 1, Waiting: 2})
	held.Write([]byte("GET /again HTTP/1.1\r\nHost: a\r\n\r\n"))
	readResponse(t, br)
	want("second request", Stats{Accepted: 3, Handled: 3, Requests: 3, Active: 3, Reading: 1, Waiting: 2})
	for _, c := range []net.Conn{idle, part, held} {
		c.Close()
	}
	want("closed", Stats{Accepted: 3, Handled: 3, Requests: 3})
}

// settle waits until the counters stop moving (connections of earlier
// tests closing) and returns them.
func settle(t *testing.T) Stats {
	t.Helper()
	last := ReadStats()
	for i := 0; i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
		now := ReadStats()
		if now == last {
			return now
		}
		last = now
	}
	t.Fatal("the counters do not settle")
	return last
}

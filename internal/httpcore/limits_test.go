package httpcore

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// requestLine builds "GET /aaa HTTP/1.1\r\n" of exactly n bytes.
func requestLine(n int) string {
	return "GET /" + strings.Repeat("a", n-len("GET / HTTP/1.1\r\n")) + " HTTP/1.1\r\n"
}

// TestHeaderLimits pins the boundaries of client_header_buffer_size 1k and
// large_client_header_buffers 4 8k against nginx 1.22.1's answers.
func TestHeaderLimits(t *testing.T) {
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.ContentLength = 0
		w.WriteHeader()
	}}
	addr, _ := startServer(t, h)
	many := func(n int) string {
		var sb strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&sb, "X%d: %s\r\n", i, strings.Repeat("c", 1000-6-len(fmt.Sprint(i))))
		}
		return sb.String()
	}
	cases := []struct {
		name   string
		req    string
		status string
		errMsg string
	}{
		{"request_line_1023", requestLine(1023) + "Host: a\r\n\r\n", "HTTP/1.1 200 OK", ""},
		{"request_line_1025", requestLine(1025) + "Host: a\r\n\r\n", "HTTP/1.1 200 OK", ""},
		{"request_line_8192", requestLine(8192) + "Host: a\r\n\r\n", "HTTP/1.1 200 OK", ""},
		{"request_line_8193_414", requestLine(8193) + "Host: a\r\n\r\n", "HTTP/1.1 414 Request-URI Too Large", "client sent too long URI while reading client request line"},
		{"request_line_partial_8192_414", "GET /" + strings.Repeat("a", 8192-5), "HTTP/1.1 414 Request-URI Too Large", "client sent too long URI"},
		{"header_line_8192", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 8192-5) + "\r\n\r\n", "HTTP/1.1 200 OK", ""},
		{"header_line_8193_494", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("b", 8193-5) + "\r\n\r\n", "HTTP/1.1 400 Bad Request", `client sent too long header line: "X: bbbb`},
		{"headers_33k_ok", "GET / HTTP/1.1\r\nHost: a\r\n" + many(33) + "\r\n", "HTTP/1.1 200 OK", ""},
		{"headers_34k_494", "GET / HTTP/1.1\r\nHost: a\r\n" + many(34) + "\r\n", "HTTP/1.1 400 Bad Request", `client sent too long header line: "X33: `},
		{"empty_lines_fill_buffer", strings.Repeat("\r\n", 3000) + "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "HTTP/1.1 200 OK", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.errLog())
			resp, _ := exchange(t, addr, tc.req, 300*time.Millisecond)
			if first, _, _ := strings.Cut(resp, "\r\n"); first != tc.status {
				t.Errorf("got %q, want %q", first, tc.status)
			}
			errs := h.errLog()[before:]
			if tc.errMsg == "" && len(errs) > 0 {
				t.Errorf("unexpected refusal %q", errs)
			}
			if tc.errMsg != "" && (len(errs) == 0 || !strings.Contains(errs[0], tc.errMsg)) {
				t.Errorf("error log %.200q, want %q", errs, tc.errMsg)
			}
		})
	}
}

// TestHeaderLimitsDribble sends the same requests a few bytes at a time:
// the buffer bookkeeping must not depend on how the bytes arrive.
func TestHeaderLimitsDribble(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	addr, _ := startServer(t, h)
	req := "GET /x?" + strings.Repeat("q", 1500) + " HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("v", 2000) + "\r\nY: z\r\n\r\n"
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < len(req); i += 97 {
		end := min(i+97, len(req))
		c.Write([]byte(req[i:end]))
		time.Sleep(time.Millisecond)
	}
	resp, _ := readAll(c, 300*time.Millisecond)
	if !strings.HasPrefix(resp, "HTTP/1.1 200 OK") || !strings.Contains(resp, "h Y: z") || !strings.Contains(resp, "args=qqqq") {
		t.Fatalf("response:\n%.300s", resp)
	}
}

func TestHeaderTimeout(t *testing.T) {
	set := DefaultSettings()
	set.HeaderTimeout = 200 * time.Millisecond
	h := &testHandler{set: set}
	addr, _ := startServer(t, h)

	// a started request that stalls: 408, nothing sent, closed
	start := time.Now()
	resp, closed := exchange(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n", 2*time.Second)
	if resp != "" || !closed {
		t.Fatalf("got %q closed=%v", resp, closed)
	}
	// not before the timeout; the 2 s read above bounds it from above
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("closed after %v", d)
	}
	errs := h.errLog()
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "408 client timed out (110: Connection timed out) while reading client request headers") {
		t.Errorf("errs %q", errs)
	}

	// an idle connection that never sends: closed, no request
	resp, closed = exchange(t, addr, "", 2*time.Second)
	if resp != "" || !closed || len(h.errLog()) != 1 {
		t.Errorf("idle: %q closed=%v errs=%q", resp, closed, h.errLog())
	}
}

func TestKeepaliveTimeoutAndLimits(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.KeepaliveTimeout = 300 * time.Millisecond
		w.KeepaliveRequests = 3
		w.KeepaliveHeader = 5 * time.Second
		echo(w, r)
	}
	addr, _ := startServer(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	get := "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	for i := 1; i <= 3; i++ {
		c.Write([]byte(get))
		resp, closed := readAll(c, 100*time.Millisecond)
		want := "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
		if i == 3 {
			want = "Connection: close\r\n"
		}
		if !strings.Contains(resp, want) || closed != (i == 3) {
			t.Fatalf("request %d: closed=%v\n%s", i, closed, resp)
		}
	}

	// keepalive_timeout closes an idle connection
	c2, _ := net.Dial("tcp", addr)
	defer c2.Close()
	c2.Write([]byte(get))
	start := time.Now()
	resp, closed := readAll(c2, 2*time.Second)
	if !closed || !strings.HasPrefix(resp, "HTTP/1.1 200") {
		t.Fatalf("closed=%v %q", closed, resp)
	}
	// not before the timeout; the 2 s read above bounds it from above
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("keepalive closed after %v", d)
	}
}

func TestKeepaliveTimeoutZero(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		w.KeepaliveTimeout = 0
		echo(w, r)
	}
	addr, _ := startServer(t, h)
	resp, closed := exchange(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", time.Second)
	if !closed || !strings.Contains(resp, "Connection: close") {
		t.Fatalf("closed=%v\n%s", closed, resp)
	}
}

func TestBodies(t *testing.T) {
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		switch r.Path {
		case "/limit":
			r.SetBodyLimit(5)
			echo(w, r)
		case "/discard":
			if err := r.DiscardBody(); err != nil {
				w.Status = 400
			}
			w.ContentLength = 3
			w.Write([]byte("ok\n"))
		case "/ignore":
			w.ContentLength = 3
			w.Write([]byte("ok\n"))
		case "/partial":
			io.ReadFull(r.Body(), make([]byte, 2))
			w.ContentLength = 3
			w.Write([]byte("ok\n"))
		case "/timeout":
			r.SetBodyTimeout(200 * time.Millisecond)
			_, err := io.ReadAll(r.Body())
			if err == ErrBodyTimeout {
				return // nginx sends nothing
			}
			echo(w, r)
		default:
			echo(w, r)
		}
	}
	addr, _ := startServer(t, h)
	chunked := "Transfer-Encoding: chunked\r\n\r\n"
	cases := []statusCase{
		{name: "chunked_over_limit_413", req: "POST /limit HTTP/1.1\r\nHost: a\r\n" + chunked + "3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
			status: []string{"HTTP/1.1 413 Request Entity Too Large"}, closed: true,
			body: []string{"client intended to send too large chunked body: 3+3 bytes"}},
		{name: "chunked_at_limit_ok", req: "POST /limit HTTP/1.1\r\nHost: a\r\n" + chunked + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n" + next,
			status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{`body="abcde"`}},
		{name: "length_over_limit_413", req: "POST /limit HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabcdef",
			status: []string{"HTTP/1.1 413 Request Entity Too Large"}, closed: true, body: []string{"client intended to send too large body: 6 bytes"}},
		{name: "discard_length_keepalive", req: "POST /discard HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + next,
			status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"path=/next"}},
		{name: "discard_chunked_keepalive", req: "POST /discard HTTP/1.1\r\nHost: a\r\n" + chunked + "3\r\nabc\r\n0\r\n\r\n" + next,
			status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"path=/next"}},
		{name: "discard_bad_chunk_400", req: "POST /discard HTTP/1.1\r\nHost: a\r\n" + chunked + "zz\r\n",
			status: []string{"HTTP/1.1 400 Bad Request"}, closed: true},
		{name: "ignored_body_discarded", req: "POST /ignore HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + next,
			status: []string{"HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"path=/next"}},
		{name: "ignored_body_expect_closes", req: "POST /ignore HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
			status: []string{"HTTP/1.1 200 OK"}, closed: true},
		{name: "discard_expect_sends_100", req: "POST /discard HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc" + next,
			status: []string{"HTTP/1.1 100 Continue", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK"}, body: []string{"path=/next"}},
		{name: "partial_read_closes", req: "POST /partial HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" + next,
			status: []string{"HTTP/1.1 200 OK"}, closed: true},
		{name: "body_timeout_408_nothing_sent", req: "POST /timeout HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na",
			status: []string{""}, closed: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, closed := exchange(t, addr, tc.req, 500*time.Millisecond)
			checkStatus(t, tc, resp, closed)
		})
	}
}

// TestExpect100OnlyOnRead checks that "100 Continue" goes out only when the
// handler first reads the body.
func TestExpect100OnlyOnRead(t *testing.T) {
	read := make(chan struct{})
	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		<-read
		echo(w, r)
	}
	addr, _ := startServer(t, h)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("PUT /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"))
	if resp, _ := readAll(c, 200*time.Millisecond); resp != "" {
		t.Fatalf("sent before the handler read: %q", resp)
	}
	close(read)
	if resp, _ := readAll(c, 200*time.Millisecond); resp != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Fatalf("got %q", resp)
	}
	c.Write([]byte("abc"))
	if resp, _ := readAll(c, 200*time.Millisecond); !strings.Contains(resp, `body="abc"`) {
		t.Fatalf("got %q", resp)
	}
}

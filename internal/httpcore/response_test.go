package httpcore

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var dateRE = regexp.MustCompile(`Date: [A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT\r\n`)

// stripDate replaces the Date field so that responses compare exactly.
func stripDate(s string) string { return dateRE.ReplaceAllString(s, "Date: X\r\n") }

func TestResponseSerialisation(t *testing.T) {
	lm := time.Date(2026, 11, 21, 5, 57, 13, 0, time.UTC)
	cases := []struct {
		name  string
		req   string
		serve func(w *Response, r *Request)
		want  string
	}{
		{
			name: "nginx_static_order",
			req:  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Server = "nginx/1.22.1"
				w.ContentType = "text/plain"
				w.ContentLength = 3
				w.LastModified = lm
				w.Header = append(w.Header, Header{"ETag", `"6b0132b9-3"`}, Header{"Accept-Ranges", "bytes"})
				w.Write([]byte("abc"))
			},
			want: "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: X\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n" +
				"Last-Modified: Sat, 21 Nov 2026 05:57:13 GMT\r\nConnection: keep-alive\r\nETag: \"6b0132b9-3\"\r\nAccept-Ranges: bytes\r\n\r\nabc",
		},
		{
			name: "chunked_when_length_unknown",
			req:  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.ContentType = "text/plain"
				w.Write([]byte("hello"))
				w.Flush()
				w.Write([]byte(" world"))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n" +
				"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		},
		{
			name: "http10_close_delimited",
			req:  "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Write([]byte("hello"))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n\r\nhello",
		},
		{
			name: "head_keeps_length_drops_body",
			req:  "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.ContentLength = 5
				if !w.HeadOnly() {
					panic("HeadOnly")
				}
				w.Write([]byte("hello"))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Length: 5\r\nConnection: close\r\n\r\n",
		},
		{
			name: "head_unknown_length_not_chunked",
			req:  "HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Write([]byte("hello"))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nConnection: close\r\n\r\n",
		},
		{
			name: "no_content_clears_fields",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 204
				w.ContentType = "text/plain"
				w.ContentLength = 5
				w.LastModified = lm
				w.Write([]byte("hello"))
			},
			want: "HTTP/1.1 204 No Content\r\nDate: X\r\nConnection: close\r\n\r\n",
		},
		{
			name: "not_modified_no_body",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 304
				w.LastModified = lm
				w.Write([]byte("hello"))
			},
			want: "HTTP/1.1 304 Not Modified\r\nDate: X\r\nLast-Modified: Sat, 21 Nov 2026 05:57:13 GMT\r\nConnection: close\r\n\r\n",
		},
		{
			name: "last_modified_only_with_200_206_304",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 404
				w.LastModified = lm
				w.ContentLength = 0
				w.WriteHeader()
			},
			want: "HTTP/1.1 404 Not Found\r\nDate: X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		},
		{
			name: "unknown_status_number_and_space",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 599
				w.ContentLength = 0
				w.WriteHeader()
			},
			want: "HTTP/1.1 599 \r\nDate: X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		},
		{
			name: "location_and_keepalive_header",
			req:  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 301
				w.ContentType = "text/html"
				w.ContentLength = 0
				w.Location = "http://a/dir/"
				w.KeepaliveHeader = 60 * time.Second
				w.Header = append(w.Header, Header{"X-A", "1"})
				w.WriteHeader()
			},
			want: "HTTP/1.1 301 Moved Permanently\r\nDate: X\r\nContent-Type: text/html\r\nContent-Length: 0\r\nLocation: http://a/dir/\r\n" +
				"Connection: keep-alive\r\nKeep-Alive: timeout=60\r\nX-A: 1\r\n\r\n",
		},
		{
			name: "status_line_as_given",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Status = 200
				w.StatusLine = "200 Fine"
				w.NoDate = true
				w.ContentLength = 0
				w.Header = append(w.Header, Header{"Date", "upstream"})
				w.WriteHeader()
			},
			want: "HTTP/1.1 200 Fine\r\nContent-Length: 0\r\nConnection: close\r\nDate: upstream\r\n\r\n",
		},
		{
			name: "on_header_filter",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.OnHeader = func(w *Response) { w.Header = append(w.Header, Header{"X-Filter", "yes"}) }
				w.ContentLength = 0
				w.Finish()
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Length: 0\r\nConnection: close\r\nX-Filter: yes\r\n\r\n",
		},
		{
			name: "http09_bare_body",
			req:  "GET /\r\n",
			serve: func(w *Response, r *Request) {
				w.ContentLength = 5
				w.Write([]byte("hello"))
			},
			want: "hello",
		},
		{
			name: "no_header_sent_closes_444",
			req:  "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
			serve: func(w *Response, r *Request) {
			},
			want: "",
		},
		{
			name: "large_write_one_writev",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.ContentLength = 40000
				w.Write(bytes.Repeat([]byte("x"), 40000))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Length: 40000\r\nConnection: close\r\n\r\n" + strings.Repeat("x", 40000),
		},
		{
			name: "large_chunk",
			req:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
			serve: func(w *Response, r *Request) {
				w.Write(bytes.Repeat([]byte("x"), 20000))
			},
			want: "HTTP/1.1 200 OK\r\nDate: X\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n4e20\r\n" + strings.Repeat("x", 20000) + "\r\n0\r\n\r\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := &testHandler{set: DefaultSettings(), serve: tc.serve}
			addr, _ := startServer(t, h)
			resp, _ := exchange(t, addr, tc.req, 200*time.Millisecond)
			if got := stripDate(resp); got != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestShortBodyCloses(t *testing.T) {
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.ContentLength = 10
		w.Write([]byte("abc"))
	}}
	addr, _ := startServer(t, h)
	resp, closed := exchange(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", time.Second)
	if !closed || !strings.HasSuffix(resp, "abc") {
		t.Fatalf("closed=%v %q", closed, resp)
	}
}

func TestBytesSent(t *testing.T) {
	got := make(chan [2]int64, 1)
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.ContentLength = 3
		w.Write([]byte("abc"))
		w.Finish()
		got <- [2]int64{w.BytesSent(), w.BodyBytesSent()}
	}}
	addr, _ := startServer(t, h)
	resp, _ := exchange(t, addr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200*time.Millisecond)
	v := <-got
	sent, body := v[0], v[1]
	if sent != int64(len(resp)) || body != 3 {
		t.Fatalf("sent=%d body=%d len=%d", sent, body, len(resp))
	}
}

func TestSendFile(t *testing.T) {
	dir := t.TempDir()
	small := bytes.Repeat([]byte("0123456789"), 100)  // 1000 bytes
	large := bytes.Repeat([]byte("abcdefghij"), 5000) // 50000 bytes
	os.WriteFile(filepath.Join(dir, "small"), small, 0o644)
	os.WriteFile(filepath.Join(dir, "large"), large, 0o644)
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		f, err := os.Open(filepath.Join(dir, r.Path[1:]))
		if err != nil {
			w.Status = 404
			w.ContentLength = 0
			return
		}
		defer f.Close()
		fi, _ := f.Stat()
		off := int64(0)
		n := fi.Size()
		if r.Args == "part" {
			off, n = 5, 100
		}
		if r.Args != "chunked" {
			w.ContentLength = n
		}
		if err := w.SendFile(f, off, n); err != nil {
			panic(err)
		}
		w.Finish()
	}}
	addr, _ := startServer(t, h)
	cases := []struct {
		path string
		body []byte
		te   bool
	}{
		{"/small", small, false},
		{"/large", large, false},
		{"/small?part", small[5:105], false},
		{"/large?part", large[5:105], false},
		{"/large?chunked", large, true},
		{"/small?chunked", small, true},
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range cases {
		c.Write([]byte("GET " + tc.path + " HTTP/1.1\r\nHost: a\r\n\r\n"))
		resp, _ := readAll(c, 200*time.Millisecond)
		head, body, _ := strings.Cut(resp, "\r\n\r\n")
		want := string(tc.body)
		if tc.te {
			want = strings.ToLower(strings.TrimLeft(strings.ToUpper(hexLen(len(tc.body))), "0")) + "\r\n" + want + "\r\n0\r\n\r\n"
		}
		if body != want {
			t.Errorf("%s: body %d bytes, want %d\n%s", tc.path, len(body), len(want), head)
		}
	}
}

func hexLen(n int) string {
	const digits = "0123456789abcdef"
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%16]}, b...)
		n /= 16
	}
	return string(b)
}

// TestLimitRate: limit_rate paces the body, by Write and by SendFile, as
// ngx_http_write_filter does: rate × (whole seconds since the request
// started + 1) bytes beyond limit_rate_after. Only the lower bound on the
// time is asserted: a slower machine never makes it fail.
func TestLimitRate(t *testing.T) {
	dir := t.TempDir()
	body := bytes.Repeat([]byte("0123456789"), 300) // 3000 bytes
	os.WriteFile(filepath.Join(dir, "f"), body, 0o644)
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.ContentLength = int64(len(body))
		w.LimitRate = 2000
		switch r.Path {
		case "/after":
			// everything within limit_rate_after: no pacing at all
			w.LimitRateAfter = 10000
			w.Write(body)
		case "/write":
			w.Write(body)
		case "/sendfile":
			f, _ := os.Open(filepath.Join(dir, "f"))
			defer f.Close()
			w.SendFile(f, 0, int64(len(body)))
		}
		w.Finish()
	}}
	addr, _ := startServer(t, h)
	for _, tc := range []struct {
		path string
		min  time.Duration
	}{
		{"/write", 900 * time.Millisecond},
		{"/sendfile", 900 * time.Millisecond},
		{"/after", 0},
	} {
		start := time.Now()
		resp, _ := exchange(t, addr, "GET "+tc.path+" HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 5*time.Second)
		took := time.Since(start)
		_, got, _ := strings.Cut(resp, "\r\n\r\n")
		if got != string(body) {
			t.Errorf("%s: body of %d bytes, want %d", tc.path, len(got), len(body))
		}
		// 3000 body bytes plus the header at 2000 B/s: the bytes past the
		// first 2000 wait for the second second.
		if took < tc.min {
			t.Errorf("%s: took %v, want at least %v", tc.path, took, tc.min)
		}
		if tc.min == 0 && took > 500*time.Millisecond {
			t.Logf("%s: took %v without a limit (slow machine?)", tc.path, took)
		}
	}
}

// TestLingeringModes: lingering_close always keeps the connection open
// after the response (write side shut) until the client is quiet for
// lingering_timeout; off closes at once even when the client has more to
// send. The connection count shows it; only bounds a slow machine cannot
// break are asserted.
func TestLingeringModes(t *testing.T) {
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.KeepAlive = false
		w.ContentLength = 2
		switch r.Path {
		case "/always":
			w.Lingering, w.LingeringTime, w.LingeringTimeout = LingerAlways, 10*time.Second, 3*time.Second
		case "/off":
			w.Lingering, w.LingeringTime, w.LingeringTimeout = LingerOff, 30*time.Second, 20*time.Second
		}
		w.Write([]byte("ok"))
		w.Finish()
	}}
	addr, s := startServer(t, h)
	conns := func(want int, within time.Duration) bool {
		for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if s.Conns() == want {
				return true
			}
		}
		return s.Conns() == want
	}
	for _, tc := range []struct {
		path      string
		lingering bool
	}{
		{"/always", true},
		// an unread body: "on" would linger for 20s
		{"/off", false},
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		req := "GET " + tc.path + " HTTP/1.1\r\nHost: a\r\n\r\n" // "on" would not linger after it
		if !tc.lingering {
			req = "POST " + tc.path + " HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\npartial"
		}
		c.Write([]byte(req))
		c.SetReadDeadline(time.Now().Add(15 * time.Second))
		resp, _ := io.ReadAll(c)
		if !strings.HasSuffix(string(resp), "\r\n\r\nok") {
			t.Errorf("%s: response %q", tc.path, resp)
		}
		if tc.lingering {
			time.Sleep(200 * time.Millisecond)
			if n := s.Conns(); n != 1 {
				t.Errorf("%s: %d connections 200ms after the response, want 1 (lingering)", tc.path, n)
			}
		}
		if !conns(0, 10*time.Second) {
			t.Errorf("%s: connection still open after 10s", tc.path)
		}
		c.Close()
	}
}

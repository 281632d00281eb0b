package scgi

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/proto/http1"
)

func TestAppendRequest(t *testing.T) {
	got := string(AppendRequest([]byte("x"), 12, [][2]string{{"SCGI", "1"}, {"REQUEST_METHOD", "POST"}, {"EMPTY", ""}}))
	want := "x52:CONTENT_LENGTH\x0012\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00EMPTY\x00\x00,"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got := string(AppendRequest(nil, 0, nil)); got != "17:CONTENT_LENGTH\x000\x00," {
		t.Fatalf("no params: %q", got)
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	params := [][2]string{
		{"SCGI", "1"}, {"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "/index?a=1"},
		{"QUERY_STRING", "a=1"}, {"SERVER_PROTOCOL", "HTTP/1.1"}, {"HTTP_HOST", "example.com"},
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRequest(buf[:0], 1234, params)
	}
}

// app is the WSGI application; under --scgi-socket uWSGI answers with a
// CGI-style head ("Status: 404 Not Found"), no status line.
const app = `
def application(env, start_response):
    path = env.get('PATH_INFO', '')
    if path == '/echo':
        body = env['wsgi.input'].read()
        start_response('201 Created', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
        return [body]
    keys = ['REQUEST_METHOD', 'QUERY_STRING', 'HTTP_X_TEST', 'CONTENT_LENGTH', 'SCGI']
    out = '|'.join(str(env.get(k, '-')) for k in keys).encode()
    start_response('404 Not Found', [('Content-Type', 'text/plain')])
    return [out]
`

func TestSCGIAgainstUWSGI(t *testing.T) {
	dir := t.TempDir()
	cgitest.WriteFile(t, dir+"/app.py", app)
	addr := cgitest.StartUWSGI(t, dir, "--scgi-socket")

	do := func(t *testing.T, path, query string, body []byte) (http1.ResponseHead, string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		method := "GET"
		if body != nil {
			method = "POST"
		}
		req := AppendRequest(nil, int64(len(body)), [][2]string{
			{"SCGI", "1"}, {"REQUEST_METHOD", method}, {"REQUEST_URI", path + "?" + query},
			{"PATH_INFO", path}, {"QUERY_STRING", query}, {"SERVER_PROTOCOL", "HTTP/1.1"},
			{"SERVER_NAME", "localhost"}, {"SERVER_PORT", "80"}, {"HTTP_X_TEST", "yes"},
		})
		c.Write(append(req, body...))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		var p HeadParser
		var h http1.ResponseHead
		buf := make([]byte, 0, 4096)
		for i := 0; ; i++ { // byte by byte, as a slow upstream would send it
			if i == len(resp) {
				t.Fatalf("incomplete head %q", resp)
			}
			buf = append(buf, resp[i])
			n, done, err := p.Parse(&h, buf)
			if err != nil {
				t.Fatalf("%v on %q", err, resp)
			}
			if done {
				if h.ProtoMajor != 0 {
					t.Errorf("expected a CGI-style head: %q", resp[:n])
				}
				return h, string(resp[n:])
			}
		}
	}
	t.Run("params", func(t *testing.T) {
		h, body := do(t, "/env", "q=1", nil)
		if h.Status != 404 || h.StatusLine != "404 Not Found" || body != "GET|q=1|yes|0|1" || !h.ConnClose {
			t.Fatalf("%d %q %q", h.Status, h.StatusLine, body)
		}
	})
	t.Run("body", func(t *testing.T) {
		in := bytes.Repeat([]byte("0123456789"), 10000)
		h, body := do(t, "/echo", "", in)
		if h.Status != 201 || h.ContentLength != int64(len(in)) || body != string(in) {
			t.Fatalf("%d %d %d", h.Status, h.ContentLength, len(body))
		}
		if v := h.Headers[len(h.Headers)-1]; v.Name != "Content-Length" || v.Value != strconv.Itoa(len(in)) {
			t.Errorf("headers %v", h.Headers)
		}
	})
}

package uwsgi

import (
	"bytes"
	"encoding/hex"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/proto/http1"
)

func TestAppendRequest(t *testing.T) {
	got, err := AppendRequest([]byte("x"), 5, 7, [][2]string{{"AB", "c"}, {"E", ""}})
	if err != nil {
		t.Fatal(err)
	}
	// vars: 2+2+2+1 = 7, 2+1+2+0 = 5: size 12
	want := "78" + "050c0007" + "0200" + hex.EncodeToString([]byte("AB")) + "0100" + "63" + "0100" + "45" + "0000"
	if hex.EncodeToString(got) != want {
		t.Fatalf("got %x\nwant %s", got, want)
	}
	long := strings.Repeat("v", 300)
	got, _ = AppendRequest(nil, 0, 0, [][2]string{{"K", long}})
	if got[1] != 305&0xff || got[2] != 1 || got[7] != 0x2c || got[8] != 1 {
		t.Errorf("little endian lengths: %x", got[:9])
	}
}

func TestTooBig(t *testing.T) {
	dst, p := Begin([]byte("keep"))
	dst = AppendVar(dst, "K", strings.Repeat("v", 65535-5))
	if _, err := p.End(dst, 0, 0); err != nil {
		t.Fatalf("65535 bytes refused: %v", err)
	}
	dst = append(dst, 'x') // uwsgi_string bytes count too
	dst, err := p.End(dst, 0, 0)
	if err == nil || err.Error() != "uwsgi request is too big: 65536" || string(dst) != "keep" {
		t.Fatalf("%v, %d bytes", err, len(dst))
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	vars := [][2]string{
		{"REQUEST_METHOD", "GET"}, {"REQUEST_URI", "/index?a=1"}, {"PATH_INFO", "/index"},
		{"QUERY_STRING", "a=1"}, {"SERVER_PROTOCOL", "HTTP/1.1"}, {"HTTP_HOST", "example.com"},
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendRequest(buf[:0], 0, 0, vars); err != nil {
			b.Fatal(err)
		}
	}
}

// App is the WSGI application the uWSGI and SCGI tests run.
const App = `
def application(env, start_response):
    path = env.get('PATH_INFO', '')
    if path == '/echo':
        body = env['wsgi.input'].read()
        start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
        return [body]
    if path == '/env':
        keys = ['REQUEST_METHOD', 'QUERY_STRING', 'HTTP_X_TEST', 'CONTENT_LENGTH', 'SCGI']
        out = '|'.join(str(env.get(k, '-')) for k in keys).encode()
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [out]
    if path == '/loc':
        start_response('302 Found', [('Location', '/x')])
        return [b'']
    start_response('404 Not Found', [('Content-Type', 'text/plain'), ('X_Under', 'y')])
    return [b'nope']
`

func vars(method, path, query string, n int) [][2]string {
	return [][2]string{
		{"REQUEST_METHOD", method}, {"REQUEST_URI", path + "?" + query}, {"PATH_INFO", path},
		{"QUERY_STRING", query}, {"SERVER_PROTOCOL", "HTTP/1.1"}, {"SERVER_NAME", "localhost"},
		{"SERVER_PORT", "80"}, {"REMOTE_ADDR", "127.0.0.1"}, {"CONTENT_LENGTH", itoa(n)},
		{"HTTP_X_TEST", "yes"},
	}
}

// itoa formats a CONTENT_LENGTH as nginx's $content_length: empty
// without a body.
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func TestUWSGI(t *testing.T) {
	dir := t.TempDir()
	cgitest.WriteFile(t, dir+"/app.py", App)
	addr := cgitest.StartUWSGI(t, dir, "--uwsgi-socket")

	do := func(t *testing.T, method, path, query string, body []byte) (http1.ResponseHead, string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		req, err := AppendRequest(nil, 0, 0, vars(method, path, query, len(body)))
		if err != nil {
			t.Fatal(err)
		}
		c.Write(append(req, body...))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := io.ReadAll(c)
		if err != nil {
			t.Fatal(err)
		}
		// What the integrator does: http1.ParseHead on the answer.
		var h1 http1.ResponseHead
		n1, done, err := http1.ParseHead(&h1, resp)
		if !done || err != nil {
			t.Fatalf("http1.ParseHead: %v %v on %q", done, err, resp)
		}
		// And the package's parser, which agrees and closes.
		var p HeadParser
		var h http1.ResponseHead
		n, done, err := p.Parse(&h, resp)
		if !done || err != nil || n != n1 || h.Status != h1.Status || h.StatusLine != h1.StatusLine || !h.ConnClose {
			t.Fatalf("HeadParser: %d %v %v %+v", n, done, err, h)
		}
		return h1, string(resp[n1:])
	}
	t.Run("env", func(t *testing.T) {
		h, body := do(t, "GET", "/env", "a=1", nil)
		if h.Status != 200 || h.StatusLine != "200 OK" || body != "GET|a=1|yes||-" {
			t.Fatalf("%d %q %q", h.Status, h.StatusLine, body)
		}
	})
	t.Run("echo", func(t *testing.T) {
		in := bytes.Repeat([]byte("abcdefgh"), 20000)
		h, body := do(t, "POST", "/echo", "", in)
		if h.Status != 200 || h.ContentLength != int64(len(in)) || body != string(in) {
			t.Fatalf("%d %d %d", h.Status, h.ContentLength, len(body))
		}
	})
	t.Run("404", func(t *testing.T) {
		h, body := do(t, "GET", "/nope", "", nil)
		if h.Status != 404 || h.StatusLine != "404 Not Found" || body != "nope" {
			t.Fatalf("%d %q %q", h.Status, h.StatusLine, body)
		}
	})
	t.Run("location", func(t *testing.T) {
		h, _ := do(t, "GET", "/loc", "", nil)
		if h.Status != 302 || len(h.Headers) == 0 {
			t.Fatalf("%d %v", h.Status, h.Headers)
		}
	})
}

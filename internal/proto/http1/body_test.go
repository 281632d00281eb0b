package http1

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// readResponse reads a whole response the way the proxy loop does: the
// head with ReadHead, then the body through a BodyReader on the same
// buffer.
func readResponse(r io.Reader, head bool, bufSize int) (h *ResponseHead, body string, br *BodyReader, err error) {
	h = new(ResponseHead)
	buf, n, err := ReadHead(r, h, make([]byte, 0, bufSize))
	if err != nil && !errors.Is(err, ErrNoValidHeader) {
		return h, "", nil, err
	}
	br = new(BodyReader)
	br.Reset(r, h, head, buf, n)
	var out bytes.Buffer
	_, err = br.WriteTo(&out)
	return h, out.String(), br, err
}

func TestBodyReader(t *testing.T) {
	tests := []struct {
		desc     string
		in       string
		head     bool
		body     string
		err      error
		reusable bool
		extra    string
		trailers []Header
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", false, "hello world", nil, true, "", nil},
		{"length, connection close", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi", false, "hi", nil, false, "", nil},
		{"length, HTTP/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", false, "hi", nil, false, "", nil},
		{"length, extra bytes", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi there", false, "hi", nil, false, WarnExtraLength, nil},
		{"length, cut short", "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nhi", false, "hi", ErrPrematureClose, false, "", nil},
		{"zero length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, "", nil, true, "", nil},
		{"204 with a body anyway", "HTTP/1.1 204 No Content\r\n\r\noops", false, "", nil, false, WarnExtraLength, nil},
		{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", true, "", nil, true, "", nil},
		{"304", "HTTP/1.1 304 Not Modified\r\nETag: x\r\n\r\n", false, "", nil, true, "", nil},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", false, "hello world", nil, true, "", nil},
		{"chunked with trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: 1\r\n\r\n", false, "hi", nil, true, "", hs("X-T", "1")},
		{"chunked, data after the last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nHTTP", false, "hi", nil, false, WarnExtraChunk, nil},
		{"chunked, cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", false, "hel", ErrPrematureClose, false, "", nil},
		{"chunked, invalid", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\nzz\r\n", false, "hi", ErrInvalidChunked, false, "", nil},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nall of it", false, "all of it", nil, false, "", nil},
		{"until close, empty", "HTTP/1.1 200 OK\r\n\r\n", false, "", nil, false, "", nil},
		{"HTTP/0.9", "raw bytes, no head", false, "raw bytes, no head", nil, false, "", nil},
	}
	readers := map[string]func(string) io.Reader{
		"whole":    func(s string) io.Reader { return strings.NewReader(s) },
		"one byte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"data+EOF": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"halves":   func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			for rname, mk := range readers {
				for _, size := range []int{4096, 64} {
					_, body, br, err := readResponse(mk(tt.in), tt.head, size)
					if body != tt.body || err != tt.err {
						t.Errorf("%s/%d: body %q err %v; want %q %v", rname, size, body, err, tt.body, tt.err)
						continue
					}
					reusable, extra := tt.reusable, tt.extra
					if rname == "one byte" && extra != "" {
						// The extra bytes are still unread when the body
						// ends: the keepalive pool finds them, as nginx's
						// does when a cached connection turns readable.
						reusable, extra = true, ""
					}
					if br.Reusable() != reusable || br.Extra() != extra {
						t.Errorf("%s/%d: reusable %v extra %q; want %v %q", rname, size, br.Reusable(), br.Extra(), reusable, extra)
					}
					if !reflect.DeepEqual(br.Trailers(), tt.trailers) {
						t.Errorf("%s/%d: trailers %q", rname, size, br.Trailers())
					}
				}
			}
		})
	}
}

func TestBodyReaderReadError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), iotest.ErrReader(boom))
	_, body, br, err := readResponse(r, false, 4096)
	if body != "abc" || err != boom || br.Reusable() {
		t.Fatalf("body %q err %v", body, err)
	}
}

func TestBodyReaderViewsTheBuffer(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
	var h ResponseHead
	buf := make([]byte, 0, 128)
	buf, n, err := ReadHead(strings.NewReader(in), &h, buf)
	if err != nil {
		t.Fatal(err)
	}
	var br BodyReader
	br.Reset(strings.NewReader(""), &h, false, buf, n)
	data, err := br.Next()
	if err != nil || string(data) != "hello" || &data[0] != &buf[n] {
		t.Fatalf("%q %v", data, err)
	}
	if _, err := br.Next(); err != io.EOF || !br.Done() || !br.Reusable() {
		t.Fatalf("end: %v", err)
	}
}

func TestRequestHelpers(t *testing.T) {
	var b []byte
	b = AppendRequestLine(b, "GET", "/a?b=c", 1)
	b = AppendHeader(b, "Host", "example.com")
	b = AppendHeader(b, "Transfer-Encoding", "chunked")
	b = AppendHeaderEnd(b)
	b = AppendChunkHeader(b, 26)
	b = append(b, "abcdefghijklmnopqrstuvwxyz"...)
	b = AppendChunkEnd(b)
	b = AppendChunk(b, nil)
	b = AppendLastChunk(b)
	want := "GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n"
	if string(b) != want {
		t.Fatalf("got %q", b)
	}
	if got := string(AppendRequestLine(nil, "POST", "/", 0)); got != "POST / HTTP/1.0\r\n" {
		t.Fatalf("got %q", got)
	}
}

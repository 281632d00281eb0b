package http1

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// result is what a parse produced, in a comparable form.
type result struct {
	N          int
	Done       bool
	Err        string
	Status     int
	StatusLine string
	Major      int
	Minor      int
	Headers    []Header
	CL         int64
	Chunked    bool
	Close      bool
	Upgrade    bool
}

func (r result) String() string {
	type plain result
	return fmt.Sprintf("%+v", plain(r))
}

func (r result) copy() result {
	r.Headers = append([]Header(nil), r.Headers...)
	return r
}

func snapshot(h *ResponseHead, n int, done bool, err error) result {
	r := result{N: n, Done: done, Status: h.Status, StatusLine: h.StatusLine,
		Major: h.ProtoMajor, Minor: h.ProtoMinor, CL: h.ContentLength, Chunked: h.Chunked,
		Close: h.ConnClose, Upgrade: h.Upgrade}
	for _, hd := range h.Headers {
		r.Headers = append(r.Headers, Header{Name: strings.Clone(hd.Name), Value: strings.Clone(hd.Value)})
	}
	if err != nil {
		r.Err = err.Error()
		r.N = 0
	}
	if !done {
		r.N = 0
	}
	return r
}

// parseWhole parses in with one call (the buffer has room to spare).
func parseWhole(in string) result {
	buf := make([]byte, len(in), len(in)+1)
	copy(buf, in)
	var h ResponseHead
	n, done, err := ParseHead(&h, buf)
	return snapshot(&h, n, done, err)
}

// parseSplit parses in fed in pieces of the given sizes (cycled).
func parseSplit(in string, sizes []int) result {
	buf := make([]byte, 0, len(in)+1)
	var h ResponseHead
	var n int
	var done bool
	var err error
	k := 0
	if len(in) == 0 {
		n, done, err = ParseHead(&h, buf)
	}
	for len(buf) < len(in) {
		m := sizes[k%len(sizes)]
		k++
		if m <= 0 {
			m = 1
		}
		if len(buf)+m > len(in) {
			m = len(in) - len(buf)
		}
		buf = append(buf, in[len(buf):len(buf)+m]...)
		n, done, err = ParseHead(&h, buf)
		if done || err != nil {
			break
		}
	}
	return snapshot(&h, n, done, err)
}

func hs(kv ...string) []Header {
	var out []Header
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Header{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

// headCases are the response heads of TestParseHead, also sent through a
// real nginx by TestNginxAgrees.
var headCases = []struct {
	desc string
	in   string
	want result // N is set by the test: all of in but a trailing "hi" body
}{
	{"plain", "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 2\r\n\r\nhi",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("Server", "x", "Content-Length", "2"), CL: 2}},
	{"LF only line ends", "HTTP/1.1 200 OK\nX-Foo: a\nContent-Length: 2\n\nhi",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", "a", "Content-Length", "2"), CL: 2}},
	{"no reason phrase", "HTTP/1.1 200\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200", Major: 1, Minor: 1, CL: -1}},
	{"no reason, LF", "HTTP/1.1 204\n\n",
		result{Done: true, Status: 204, StatusLine: "204", Major: 1, Minor: 1, CL: -1}},
	{"IIS sub-status", "HTTP/1.1 403.1 Forbidden\r\n\r\n",
		result{Done: true, Status: 403, StatusLine: "403.1 Forbidden", Major: 1, Minor: 1, CL: -1}},
	{"reason kept as sent", "HTTP/1.1 404 Not  Here \r\n\r\n",
		result{Done: true, Status: 404, StatusLine: "404 Not  Here ", Major: 1, Minor: 1, CL: -1}},
	{"spaces before the code", "HTTP/1.1   200 OK\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"HTTP/1.0 closes", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 0,
			Headers: hs("Connection", "keep-alive"), CL: -1, Close: true}},
	{"two-digit versions", "HTTP/10.100 200 OK\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 10, Minor: 100, CL: -1}},
	{"line without colon", "HTTP/1.1 200 OK\r\nX-Foo\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", ""), CL: -1}},
	{"empty value", "HTTP/1.1 200 OK\r\nX-Foo:\r\nX-Bar: \t \r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", "", "X-Bar", ""), CL: -1}},
	{"value white space", "HTTP/1.1 200 OK\r\nX-Foo:\t a b\t c  \r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", "a b\t c"), CL: -1}},
	{"underscores and odd bytes in names pass", "HTTP/1.1 200 OK\r\nX_u: 1\r\nX@Y: 2\r\nX\xc3\xa9: 3\r\n_a: 4\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X_u", "1", "X@Y", "2", "X\xc3\xa9", "3", "_a", "4"), CL: -1}},
	{"controls in values pass", "HTTP/1.1 200 OK\r\nX: a\x01b\x7f\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X", "a\x01b\x7f"), CL: -1}},
	{"IIS repeats the status line", "HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK\r\nX: 1\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X", "1"), CL: -1}},
	{"CR CR LF ends a line", "HTTP/1.1 200 OK\r\nX: a\r\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X", "a"), CL: -1}},
	{"name ended by CR", "HTTP/1.1 200 OK\r\nX\r\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X", ""), CL: -1}},

	// framing
	{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("Transfer-Encoding", "Chunked"), CL: -1, Chunked: true}},
	{"largest Content-Length", "HTTP/1.1 200 OK\r\ncontent-length: 9223372036854775807\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("content-length", "9223372036854775807"), CL: 1<<63 - 1}},
	{"Connection: close", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("Connection", "Keep-Alive, CLOSE"), CL: -1, Close: true}},
	{"close as a substring", "HTTP/1.1 200 OK\r\nConnection: closed\r\n\r\n",
		result{Done: true, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("Connection", "closed"), CL: -1, Close: true}},
	{"101", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
		result{Done: true, Status: 101, StatusLine: "101 Switching Protocols", Major: 1, Minor: 1,
			Headers: hs("Upgrade", "websocket", "Connection", "upgrade"), CL: -1, Upgrade: true}},
	{"103 skips the framing checks", "HTTP/1.1 103 Early Hints\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		result{Done: true, Status: 103, StatusLine: "103 Early Hints", Major: 1, Minor: 1,
			Headers: hs("Content-Length", "1", "Content-Length", "2"), CL: -1}},
	{"100 is a final response", "HTTP/1.1 100 Continue\r\n\r\n",
		result{Done: true, Status: 100, StatusLine: "100 Continue", Major: 1, Minor: 1, CL: -1}},

	// refused header lines (nginx's messages, checked on nginx 1.22.1)
	{"space in a name", "HTTP/1.1 200 OK\r\nX Foo: a\r\n\r\n",
		result{Err: `upstream sent invalid header: "X\x20..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"space before the colon", "HTTP/1.1 200 OK\r\nX-Foo : a\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo\x20..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"NUL in a value", "HTTP/1.1 200 OK\r\nX-Foo: a\x00b\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo: a\x00..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"NUL before a value", "HTTP/1.1 200 OK\r\nX-Foo: \x00\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo: \x00..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"NUL after a value", "HTTP/1.1 200 OK\r\nX-Foo: a \x00\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo: a \x00..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"obs-fold", "HTTP/1.1 200 OK\r\nX-Foo: a\r\n b\r\n\r\n",
		result{Err: `upstream sent invalid header: "\x20..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", "a"), CL: -1}},
	{"obs-fold with a tab", "HTTP/1.1 200 OK\r\nX-Foo: a\r\n\tb\r\n\r\n",
		result{Err: `upstream sent invalid header: "\x09..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X-Foo", "a"), CL: -1}},
	{"bare CR in a value", "HTTP/1.1 200 OK\r\nX-Foo: a\rb\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo: a\x0d..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"bare CR after trailing space", "HTTP/1.1 200 OK\r\nX-Foo: a  \rb\r\n\r\n",
		result{Err: `upstream sent invalid header: "X-Foo: a\x20..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"bare CR at the end", "HTTP/1.1 200 OK\r\nX: 1\r\n\rx",
		result{Err: `upstream sent invalid header: "\x0d..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1,
			Headers: hs("X", "1"), CL: -1}},
	{"line starting with a colon", "HTTP/1.1 200 OK\r\n: a\r\n\r\n",
		result{Err: `upstream sent invalid header: "\x3a..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"DEL in a name", "HTTP/1.1 200 OK\r\nX\x7fFoo: a\r\n\r\n",
		result{Err: `upstream sent invalid header: "X\x7f..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"control in a name", "HTTP/1.1 200 OK\r\nX\x01: a\r\n\r\n",
		result{Err: `upstream sent invalid header: "X\x01..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},
	{"a second status line not from IIS", "HTTP/1.1 200 OK\r\nHTTPS/1.1 200 OK\r\n\r\n",
		result{Err: `upstream sent invalid header: "HTTPS/1.1\x20..."`, Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, CL: -1}},

	// framing refused by nginx 1.23 and later
	{"duplicate Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\n",
		result{Err: `upstream sent duplicate header line: "content-length: 2", previous value: "Content-Length: 2"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "2", "content-length", "2"), CL: 2}},
	{"Content-Length then Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
		result{Err: `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "2", "Transfer-Encoding", "chunked"), CL: 2}},
	{"Transfer-Encoding then Content-Length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n",
		result{Err: `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Transfer-Encoding", "chunked", "Content-Length", "2"), CL: -1, Chunked: true}},
	{"duplicate Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		result{Err: `upstream sent duplicate header line: "Transfer-Encoding: chunked", previous value: "Transfer-Encoding: chunked"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked"), CL: -1, Chunked: true}},
	{"unknown Transfer-Encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		result{Err: `upstream sent unknown "Transfer-Encoding": "gzip, chunked"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Transfer-Encoding", "gzip, chunked"), CL: -1}},
	{"Content-Length with a letter", "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n",
		result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: 2x"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "2x"), CL: -1}},
	{"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: -1"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "-1"), CL: -1}},
	{"empty Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
		result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: "`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", ""), CL: -1}},
	{"Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n",
		result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: 2, 2"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "2, 2"), CL: -1}},
	{"Content-Length overflow", "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n",
		result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: 9223372036854775808"`,
			Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("Content-Length", "9223372036854775808"), CL: -1}},

	// no valid status line: HTTP/0.9 to nginx
	{"no status line", "hello world",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"lower-case http", "http/1.1 200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"major version 0", "HTTP/0.9 200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"no minor version", "HTTP/1 200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"minor version over 999", "HTTP/1.1000 200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"two-digit status", "HTTP/1.1 20 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"tab after the version", "HTTP/1.1\t200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"bare CR in the status line", "HTTP/1.1 200 OK\rX\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},
	{"empty line first", "\r\nHTTP/1.1 200 OK\r\n\r\n",
		result{Err: "upstream sent no valid HTTP/1.0 header", Status: 200, Minor: 9, CL: -1, Close: true}},

	// incomplete
	{"incomplete status line", "HTTP/1.1 200 O", result{Status: 0, Major: 1, Minor: 1, CL: -1}},
	{"incomplete header", "HTTP/1.1 200 OK\r\nX: 1\r\n",
		result{Status: 200, StatusLine: "200 OK", Major: 1, Minor: 1, Headers: hs("X", "1"), CL: -1}},
}

func TestParseHead(t *testing.T) {
	for _, tt := range headCases {
		t.Run(tt.desc, func(t *testing.T) {
			got := parseWhole(tt.in)
			if tt.want.Done {
				tt.want.N = len(tt.in)
				if strings.HasSuffix(tt.in, "hi") {
					tt.want.N -= 2
				}
			}
			if !reflect.DeepEqual(got.copy(), tt.want.copy()) {
				t.Errorf("ParseHead(%q)\n got %v\nwant %v", tt.in, got, tt.want)
			}
			for _, sizes := range [][]int{{1}, {2}, {3, 1}, {7}} {
				if split := parseSplit(tt.in, sizes); !reflect.DeepEqual(split.copy(), got.copy()) {
					t.Errorf("split %v: %v\n whole: %v", sizes, split, got)
				}
			}
		})
	}
}

func TestParseHeadErrorTypes(t *testing.T) {
	var h ResponseHead
	_, _, err := ParseHead(&h, []byte("HTTP/1.1 200 OK\r\nX Y: 1\r\n\r\n"))
	var ih *InvalidHeaderError
	if !errors.As(err, &ih) || ih.Kind != BadLine || ih.Line != "X" || ih.Byte != ' ' {
		t.Fatalf("err = %#v", err)
	}
	h = ResponseHead{}
	_, _, err = ParseHead(&h, []byte("junk"))
	if !errors.Is(err, ErrNoValidHeader) || h.ProtoMinor != 9 || h.Status != 200 || !h.ConnClose {
		t.Fatalf("0.9: err %v head %+v", err, h)
	}
	if k, _ := h.Body(false); k != BodyUntilClose {
		t.Fatalf("0.9 body kind %v", k)
	}
}

func TestParseHeadTooBig(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("a", 100) + "\r\n\r\n"
	for _, size := range []int{10, 17, 60, len(in) - 1} {
		buf := make([]byte, 0, size)
		var h ResponseHead
		_, _, err := ReadHead(strings.NewReader(in), &h, buf)
		if err != ErrTooBig {
			t.Errorf("buffer %d: err %v, want ErrTooBig", size, err)
		}
	}
	// exactly fitting is fine
	buf := make([]byte, 0, len(in))
	var h ResponseHead
	filled, n, err := ReadHead(strings.NewReader(in), &h, buf)
	if err != nil || n != len(in) || len(filled) != len(in) {
		t.Fatalf("exact fit: n %d err %v", n, err)
	}
	// a full buffer handed to ParseHead directly
	b := []byte(in[:20])
	h = ResponseHead{}
	if _, _, err := ParseHead(&h, b[:20:20]); err != ErrTooBig {
		t.Fatalf("ParseHead full buffer: %v", err)
	}
}

func TestReadHeadPrematureClose(t *testing.T) {
	for _, in := range []string{"", "HT", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 200 OK\r\nX: 1\r\n\r"} {
		var h ResponseHead
		_, _, err := ReadHead(strings.NewReader(in), &h, make([]byte, 0, 4096))
		if err != ErrPrematureClose {
			t.Errorf("%q: err %v", in, err)
		}
	}
}

func TestResetReuse(t *testing.T) {
	var h ResponseHead
	in1 := []byte("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n")
	if _, done, err := ParseHead(&h, in1); !done || err != nil {
		t.Fatal(done, err)
	}
	h.Reset()
	in2 := []byte("HTTP/1.0 404 Nope\r\nC: 3\r\n\r\n")
	n, done, err := ParseHead(&h, in2)
	if !done || err != nil || n != len(in2) {
		t.Fatal(n, done, err)
	}
	if h.Status != 404 || len(h.Headers) != 1 || h.Headers[0].Name != "C" || !h.ConnClose || h.ContentLength != -1 {
		t.Fatalf("%+v", h)
	}
}

func TestEarlyHintsThenFinal(t *testing.T) {
	in := []byte("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
	var h ResponseHead
	n, done, err := ParseHead(&h, in)
	if !done || err != nil || !h.EarlyHints() || h.Headers[0].Value != "</a.css>" {
		t.Fatalf("103: %v %v %+v", done, err, h)
	}
	h.Reset()
	rest := in[n:]
	m, done, err := ParseHead(&h, rest)
	if !done || err != nil || h.Status != 200 || h.ContentLength != 2 || string(rest[m:]) != "hi" {
		t.Fatalf("final: %v %v %+v", done, err, h)
	}
}

func TestBodyKind(t *testing.T) {
	tests := []struct {
		desc string
		head string
		req  bool // HEAD request
		kind BodyKind
		n    int64
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", false, BodyLength, 5},
		{"zero length", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, BodyNone, 0},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", false, BodyChunked, -1},
		{"until close", "HTTP/1.1 200 OK\r\n\r\n", false, BodyUntilClose, -1},
		{"204", "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", false, BodyNone, 0},
		{"304", "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", false, BodyNone, 0},
		{"HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true, BodyNone, 0},
		{"100 reads until close", "HTTP/1.1 100 Continue\r\n\r\n", false, BodyUntilClose, -1},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var h ResponseHead
			if _, done, err := ParseHead(&h, []byte(tt.head)); !done || err != nil {
				t.Fatal(done, err)
			}
			k, n := h.Body(tt.req)
			if k != tt.kind || n != tt.n {
				t.Errorf("Body = %v, %d; want %v, %d", k, n, tt.kind, tt.n)
			}
		})
	}
}

package cgi

import (
	"reflect"
	"strings"
	"testing"

	"weir/internal/proto/http1"
)

type result struct {
	Status     int
	StatusLine string
	Proto      [2]int
	Headers    []http1.Header
	CL         int64
	Chunked    bool
	ConnClose  bool
	N          int
	Err        string
}

// parse feeds in to a ResponseParser (or a bare Parser when cgiOnly) in
// reads of the given sizes (the last repeats; nil: all at once) into a
// buffer of the given capacity.
func parse(in string, sizes []int, capacity int, cgiOnly bool) (r result) {
	var rp ResponseParser
	var p Parser
	var h http1.ResponseHead
	buf := make([]byte, 0, capacity)
	for i, k := 0, 0; ; k++ {
		sz := len(in) - i
		if sizes != nil {
			sz = sizes[min(k, len(sizes)-1)]
		}
		sz = min(sz, len(in)-i, cap(buf)-len(buf))
		buf = append(buf, in[i:i+sz]...)
		i += sz
		var n int
		var done bool
		var err error
		if cgiOnly {
			n, done, err = p.Parse(&h, buf)
		} else {
			n, done, err = rp.Parse(&h, buf)
		}
		if err != nil {
			return result{Err: err.Error()}
		}
		if done {
			r = result{Status: h.Status, StatusLine: strings.Clone(h.StatusLine), Proto: [2]int{h.ProtoMajor, h.ProtoMinor},
				CL: h.ContentLength, Chunked: h.Chunked, ConnClose: h.ConnClose, N: n}
			for _, hd := range h.Headers {
				r.Headers = append(r.Headers, http1.Header{Name: strings.Clone(hd.Name), Value: strings.Clone(hd.Value)})
			}
			return r
		}
		if i == len(in) {
			return result{Err: "incomplete"}
		}
		if len(buf) == cap(buf) {
			return result{Err: "full"} // a bare Parser leaves this to its caller
		}
	}
}

func hd(kv ...string) []http1.Header {
	var l []http1.Header
	for i := 0; i < len(kv); i += 2 {
		l = append(l, http1.Header{Name: kv[i], Value: kv[i+1]})
	}
	return l
}

var cgiCases = []struct {
	name string
	in   string
	want result // for Parser; ConnClose is added for ResponseParser
}{
	{"empty head", "\r\nbody", result{Status: 200, StatusLine: "200 OK", CL: -1, N: 2}},
	{"lf only", "A: b\nC:d \n\nx", result{Status: 200, StatusLine: "200 OK", Headers: hd("A", "b", "C", "d"), CL: -1, N: 11}},
	{"status reason", "Status: 418 I'm a teapot\r\n\r\n", result{Status: 418, StatusLine: "418 I'm a teapot", Headers: hd("Status", "418 I'm a teapot"), CL: -1, N: 28}},
	{"status bare", "status: 204\r\n\r\n", result{Status: 204, StatusLine: "204", Headers: hd("status", "204"), CL: -1, N: 15}},
	{"status digits then junk", "Status: 2001\r\n\r\n", result{Status: 200, StatusLine: "2001", Headers: hd("Status", "2001"), CL: -1, N: 16}},
	{"status invalid", "Status: OK\r\n\r\n", result{Err: `upstream sent invalid status "OK"`}},
	{"status empty", "Status:\r\n\r\n", result{Err: `upstream sent invalid status ""`}},
	{"location", "LOCATION: x\r\n\r\n", result{Status: 302, StatusLine: "302 Moved Temporarily", Headers: hd("LOCATION", "x"), CL: -1, N: 15}},
	{"content length", "Content-Length: 12\r\n\r\n", result{Status: 200, StatusLine: "200 OK", Headers: hd("Content-Length", "12"), CL: 12, N: 22}},
	{"bad content length", "Content-Length: 1x\r\n\r\n", result{Err: `upstream sent invalid "Content-Length" header: "Content-Length: 1x"`}},
	{"length and encoding", "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", result{Err: `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`}},
	{"chunked", "Transfer-Encoding: chunked\r\n\r\n", result{Status: 200, StatusLine: "200 OK", Headers: hd("Transfer-Encoding", "chunked"), CL: -1, Chunked: true, N: 30}},
	{"unknown encoding", "Transfer-Encoding: gzip\r\n\r\n", result{Err: `upstream sent unknown "Transfer-Encoding": "gzip"`}},
	{"connection close", "Connection: Close\r\n\r\n", result{Status: 200, StatusLine: "200 OK", Headers: hd("Connection", "Close"), CL: -1, ConnClose: true, N: 21}},
	{"space in name", "Bad Name: x\r\n\r\n", result{Err: `upstream sent invalid header: "Bad\x20..."`}},
	{"obs fold", "A: b\r\n c\r\n\r\n", result{Err: `upstream sent invalid header: "\x20..."`}},
	{"nul in value", "A: b\x00c\r\n\r\n", result{Err: `upstream sent invalid header: "A: b\x00..."`}},
	{"bare cr", "A: b\rc\r\n\r\n", result{Err: `upstream sent invalid header: "A: b\x0d..."`}},
	{"no colon", "Junk\r\n\r\n", result{Status: 200, StatusLine: "200 OK", Headers: hd("Junk", ""), CL: -1, N: 8}},
	{"underscore and iis line", "HTTP/1.1 200 OK\r\nX_Y: 1\r\n\r\n", result{Status: 200, StatusLine: "200 OK", Headers: hd("X_Y", "1"), CL: -1, N: 27}},
}

func TestParser(t *testing.T) {
	for _, tc := range cgiCases {
		t.Run(tc.name, func(t *testing.T) {
			got := parse(tc.in, nil, 4096, true)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, tc.want)
			}
			for _, sizes := range [][]int{{1}, {2, 5}} {
				if split := parse(tc.in, sizes, 4096, true); !reflect.DeepEqual(split, got) {
					t.Fatalf("split %v:\n%+v\nwhole\n%+v", sizes, split, got)
				}
			}
		})
	}
}

func TestResponseParser(t *testing.T) {
	// The CGI-style cases, except the one that starts like a status line.
	for _, tc := range cgiCases {
		if strings.HasPrefix(tc.in, "HTTP/") {
			continue
		}
		want := tc.want
		if want.Err == "" {
			want.ConnClose = true
		}
		if got := parse(tc.in, []int{1}, 4096, false); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got\n%+v\nwant\n%+v", tc.name, got, want)
		}
	}
	for _, tc := range []struct {
		name, in string
		want     result
	}{
		{"status line", "HTTP/1.1 201 Created\r\nStatus: 404\r\nContent-Length: 0\r\n\r\n",
			result{Status: 201, StatusLine: "201 Created", Proto: [2]int{1, 1}, Headers: hd("Status", "404", "Content-Length", "0"), CL: 0, ConnClose: true, N: 56}},
		{"http 1.0", "HTTP/1.0 404 Not Found\nA: b\n\n",
			result{Status: 404, StatusLine: "404 Not Found", Proto: [2]int{1, 0}, Headers: hd("A", "b"), CL: -1, ConnClose: true, N: 29}},
		{"almost a status line", "HTTX: 1\r\n\r\n",
			result{Status: 200, StatusLine: "200 OK", Headers: hd("HTTX", "1"), CL: -1, ConnClose: true, N: 11}},
		{"bad status line then iis rule", "HTTP/1.1 2xx\r\nA: b\r\n\r\n",
			result{Status: 200, StatusLine: "200 OK", Headers: hd("A", "b"), CL: -1, ConnClose: true, N: 22}},
	} {
		for _, sizes := range [][]int{nil, {1}, {4, 1}} {
			if got := parse(tc.in, sizes, 4096, false); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s %v: got\n%+v\nwant\n%+v", tc.name, sizes, got, tc.want)
			}
		}
	}
	if got := parse("A: "+strings.Repeat("b", 100)+"\r\n\r\n", []int{7}, 64, false); got.Err != http1.ErrTooBig.Error() {
		t.Errorf("too big: %+v", got)
	}
}

func FuzzResponseParser(f *testing.F) {
	for _, tc := range cgiCases {
		f.Add([]byte(tc.in), uint8(3))
	}
	f.Add([]byte("HTTP/1.1 200 OK\r\nStatus: 1\r\n\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole := parse(string(in), nil, 512, false)
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			if split := parse(string(in), sizes, 512, false); !reflect.DeepEqual(split, whole) {
				t.Fatalf("split %v:\n%+v\nwhole:\n%+v", sizes, split, whole)
			}
		}
		cg := parse(string(in), nil, 512, true)
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			if split := parse(string(in), sizes, 512, true); !reflect.DeepEqual(split, cg) {
				t.Fatalf("cgi split %v:\n%+v\nwhole:\n%+v", sizes, split, cg)
			}
		}
	})
}

const benchHead = "Status: 200 OK\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Length: 612\r\n" +
	"Cache-Control: no-cache\r\n" +
	"Set-Cookie: a=b; path=/\r\n" +
	"X-Powered-By: PHP/8.2\r\n" +
	"\r\n"

func BenchmarkParser(b *testing.B) {
	buf := []byte(benchHead)
	var p Parser
	var h http1.ResponseHead
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		h.Reset()
		if _, done, err := p.Parse(&h, buf); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

func BenchmarkResponseParser(b *testing.B) {
	buf := []byte("HTTP/1.1 200 OK\r\n" + benchHead[16:])
	var p ResponseParser
	var h http1.ResponseHead
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		h.Reset()
		if _, done, err := p.Parse(&h, buf); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

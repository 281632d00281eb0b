package memcached

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/proto/http1"
)

func TestAppendGet(t *testing.T) {
	for key, want := range map[string]string{
		"/index.html":    "get /index.html\r\n",
		"a b%c":          "get a%20b%25c\r\n",
		"x\r\ny\x00\x1f": "get x%0D%0Ay%00%1F\r\n",
		"é\x7f~":         "get é\x7f~\r\n",
	} {
		if got := string(AppendGet(nil, key)); got != want {
			t.Errorf("AppendGet(%q) = %q, want %q", key, got, want)
		}
	}
}

type headResult struct {
	Head Head
	N    int
	Err  string
}

var headCases = []struct {
	name, in, key string
	gzip          uint64
	want          headResult
}{
	{"hit", "VALUE k 0 5\r\nhello\r\nEND\r\n", "k", 0, headResult{Head{Status: 200, ContentLength: 5}, 13, ""}},
	{"miss", "END\r\n", "k", 0, headResult{Head{Status: 404}, 5, ""}},
	{"flags ignored without gzip flag", "VALUE k x 5\r\n", "k", 0, headResult{Head{Status: 200, ContentLength: 5}, 13, ""}},
	{"gzip flag set", "VALUE k 6 2\r\n", "k", 2, headResult{Head{Status: 200, ContentLength: 2, Flags: 6, Gzip: true}, 13, ""}},
	{"gzip flag not set", "VALUE k 4 2\r\n", "k", 2, headResult{Head{Status: 200, ContentLength: 2, Flags: 4}, 13, ""}},
	{"invalid flags", "VALUE k x 2\r\n", "k", 2, headResult{Err: `memcached sent invalid flags in response "VALUE k x 2" for key "k"`}},
	{"empty flags", "VALUE k  2\r\n", "k", 2, headResult{Err: `memcached sent invalid flags in response "VALUE k  2" for key "k"`}},
	{"wrong key", "VALUE j 0 2\r\n", "k", 0, headResult{Err: `memcached sent invalid key in response "VALUE j 0 2" for key "k"`}},
	{"key prefix only", "VALUE ke 0 2\r\n", "k", 0, headResult{Err: `memcached sent invalid response: "VALUE ke 0 2"`}},
	{"invalid length", "VALUE k 0 2x\r\n", "k", 0, headResult{Err: `memcached sent invalid length in response "VALUE k 0 2x" for key "k"`}},
	{"cas field", "VALUE k 0 2 99\r\n", "k", 0, headResult{Err: `memcached sent invalid length in response "VALUE k 0 2 99" for key "k"`}},
	{"no length", "VALUE k 0\r\n", "k", 0, headResult{Err: `memcached sent invalid response: "VALUE k 0"`}},
	{"error line", "SERVER_ERROR out of memory\r\n", "k", 0, headResult{Err: `memcached sent invalid response: "SERVER_ERROR out of memory"`}},
	{"bare lf", "END\n", "k", 0, headResult{Err: `memcached sent invalid response: "END"`}},
	{"empty line", "\n", "k", 0, headResult{Err: `memcached sent invalid response: ""`}},
	{"end with junk", "END \r\n", "k", 0, headResult{Err: `memcached sent invalid response: "END "`}},
}

func parseHead(in, key string, gzip uint64, sizes []int) headResult {
	buf := make([]byte, 0, 1024)
	for i, k := 0, 0; ; k++ {
		sz := len(in) - i
		if sizes != nil {
			sz = sizes[min(k, len(sizes)-1)]
		}
		sz = min(sz, len(in)-i, cap(buf)-len(buf))
		buf = append(buf, in[i:i+sz]...)
		i += sz
		h, n, err := ParseHead(buf, key, gzip)
		if err != nil {
			return headResult{Err: err.Error()}
		}
		if n > 0 {
			return headResult{Head: h, N: n}
		}
		if i == len(in) {
			return headResult{Err: "incomplete"}
		}
	}
}

func TestParseHead(t *testing.T) {
	for _, tc := range headCases {
		got := parseHead(tc.in, tc.key, tc.gzip, nil)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
		if split := parseHead(tc.in, tc.key, tc.gzip, []int{1}); !reflect.DeepEqual(split, got) {
			t.Errorf("%s: byte by byte %+v", tc.name, split)
		}
	}
	buf := make([]byte, 0, 8)
	buf = append(buf, "VALUE kk"...)
	if _, _, err := ParseHead(buf, "kk", 0); err != http1.ErrTooBig {
		t.Errorf("full buffer: %v", err)
	}
}

type bodyResult struct {
	Data string
	Done bool
	Err  string
}

func filter(cl int64, in string, sizes []int) (r bodyResult) {
	var b Body
	b.Init(cl)
	for i, k := 0, 0; i < len(in) && !r.Done; k++ {
		sz := len(in) - i
		if sizes != nil {
			sz = min(sizes[min(k, len(sizes)-1)], len(in)-i)
		}
		data, done, err := b.Filter([]byte(in[i : i+sz]))
		i += sz
		r.Data += string(data)
		r.Done = done
		if err != nil {
			r.Err = err.Error()
		}
	}
	return r
}

func TestBody(t *testing.T) {
	for _, tc := range []struct {
		cl       int64
		in       string
		whole    bodyResult
		bytewise bodyResult // when reads differ, as in nginx: data after the trailer in the same read
	}{
		{5, "hello\r\nEND\r\n", bodyResult{"hello", true, ""}, bodyResult{"hello", true, ""}},
		{0, "\r\nEND\r\n", bodyResult{"", true, ""}, bodyResult{"", true, ""}},
		{5, "hello\r\nEND", bodyResult{"hello", false, ""}, bodyResult{"hello", false, ""}},
		{5, "hello\r\nEDN\r\n", bodyResult{"hello", true, "memcached sent invalid trailer"}, bodyResult{"hello", true, "memcached sent invalid trailer"}},
		{2, "hello", bodyResult{"he", true, "memcached sent invalid trailer"}, bodyResult{"he", true, "memcached sent invalid trailer"}},
		{2, "he\r\nEND\r\nVALUE", bodyResult{"he", true, "memcached sent invalid trailer"}, bodyResult{"he", true, ""}},
	} {
		if got := filter(tc.cl, tc.in, nil); got != tc.whole {
			t.Errorf("%d %q: got %+v, want %+v", tc.cl, tc.in, got, tc.whole)
		}
		if got := filter(tc.cl, tc.in, []int{1}); got != tc.bytewise {
			t.Errorf("%d %q byte by byte: got %+v, want %+v", tc.cl, tc.in, got, tc.bytewise)
		}
	}
}

func FuzzResponse(f *testing.F) {
	for _, tc := range headCases {
		f.Add([]byte(tc.in), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole := parseHead(string(in), "k", 2, nil)
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			if split := parseHead(string(in), "k", 2, sizes); split != whole {
				t.Fatalf("split %v: %+v, whole %+v", sizes, split, whole)
			}
		}
		if whole.Err != "" {
			return
		}
		rest := string(in[whole.N:])
		cl := min(whole.Head.ContentLength, int64(len(rest)))
		w := filter(cl, rest, nil)
		if len(w.Data) > int(cl) {
			t.Fatalf("data beyond the length: %+v", w)
		}
		// Byte by byte yields the same data, and fails only where whole
		// reads fail too (bytes after the trailer go unread there).
		s := filter(cl, rest, []int{1})
		if s.Data != w.Data || (s.Err != "" && w.Err == "") {
			t.Fatalf("byte by byte %+v, whole %+v", s, w)
		}
	})
}

func BenchmarkResponse(b *testing.B) {
	in := []byte("VALUE /index.html 0 10\r\n0123456789\r\nEND\r\n")
	var body Body
	b.ReportAllocs()
	for b.Loop() {
		h, n, err := ParseHead(in, "/index.html", 0)
		if err != nil || n == 0 {
			b.Fatal(err)
		}
		body.Init(h.ContentLength)
		if _, done, err := body.Filter(in[n:]); !done || err != nil {
			b.Fatal(done, err)
		}
	}
}

func BenchmarkAppendGet(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendGet(buf[:0], "/some/page.html?a=1 b")
	}
}

func TestMemcached(t *testing.T) {
	addr := cgitest.StartMemcached(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	set := func(key string, flags int, value string) {
		fmt.Fprintf(c, "set %s %d 0 %d\r\n%s\r\n", key, flags, len(value), value)
		if line, err := br.ReadString('\n'); err != nil || line != "STORED\r\n" {
			t.Fatalf("set: %q %v", line, err)
		}
	}
	// get sends one request as nginx does and reads the answer the way
	// the proxy loop would: the head, then the body through Body.
	get := func(key string, gzip uint64) (Head, string, error) {
		req := AppendGet(nil, key)
		if _, err := c.Write(req); err != nil {
			t.Fatal(err)
		}
		sent := string(req[4 : len(req)-2])
		buf := make([]byte, 0, 4096)
		var h Head
		var n int
		for n == 0 {
			m, err := br.Read(buf[len(buf):cap(buf)])
			if err != nil {
				t.Fatal(err)
			}
			buf = buf[:len(buf)+m]
			if h, n, err = ParseHead(buf, sent, gzip); err != nil {
				return h, "", err
			}
		}
		if h.Status == 404 {
			if n != len(buf) {
				t.Errorf("bytes after END: %q", buf[n:])
			}
			return h, "", nil
		}
		var body Body
		body.Init(h.ContentLength)
		out, done, err := body.Filter(buf[n:])
		data := string(out)
		rbuf := make([]byte, 100)
		for !done && err == nil {
			m, rerr := br.Read(rbuf)
			if rerr == io.EOF {
				t.Fatal("closed")
			}
			out, done, err = body.Filter(rbuf[:m])
			data += string(out)
		}
		return h, data, err
	}

	set("/page", 0, "<p>hi</p>")
	set("/has%20space", 3, "sp")
	big := strings.Repeat("z", 50000)
	set("/big", 0, big)

	if h, data, err := get("/page", 0); err != nil || h.Status != 200 || data != "<p>hi</p>" {
		t.Fatalf("hit: %+v %q %v", h, data, err)
	}
	if h, data, err := get("/has space", 2); err != nil || h.Status != 200 || !h.Gzip || h.Flags != 3 || data != "sp" {
		t.Fatalf("escaped key: %+v %q %v", h, data, err)
	}
	if h, data, err := get("/big", 0); err != nil || data != big || h.ContentLength != 50000 {
		t.Fatalf("big: %d %v", len(data), err)
	}
	if h, _, err := get("/missing", 0); err != nil || h.Status != 404 {
		t.Fatalf("miss: %+v %v", h, err)
	}
	if got := string(AppendNotFoundLog(nil, "/missing")); got != `key: "/missing" was not found by memcached` {
		t.Error(got)
	}
	// A key memcached refuses (too long): an error line, nginx's 502.
	_, _, err = get(strings.Repeat("k", 300), 0)
	if err == nil || !strings.HasPrefix(err.Error(), `memcached sent invalid response: "CLIENT_ERROR`) {
		t.Fatalf("long key: %v", err)
	}
}

package fastcgi

import (
	"reflect"
	"strings"
	"testing"

	"weir/internal/proto/http1"
)

// rec builds a response record with request id 1 and the given padding.
func rec(typ uint8, content string, pad int) string {
	b := AppendRecordHeader(nil, typ, 1, len(content), pad)
	b = append(b, content...)
	b = append(b, make([]byte, pad)...)
	return string(b)
}

// out is a STDOUT record padded as PHP-FPM pads.
func out(s string) string { return rec(TypeStdout, s, Padding(len(s))) }

var endOK = rec(TypeEndRequest, "\x00\x00\x00\x00\x00\x00\x00\x00", 0)

// result is everything a response yields, for comparison.
type result struct {
	Status     int
	StatusLine string
	Headers    []http1.Header
	CL         int64
	Stderr     []string
	Body       string
	End        bool
	AppStatus  uint32
	KeepOK     bool // nothing followed END_REQUEST in its read
	Err        string
}

// run feeds in to a HeadParser and then a Decoder, read by read: sizes
// are the read sizes (the last one repeats; nil means everything at
// once), capacity the buffer size. Stderr pieces are joined per phase so
// that read boundaries do not show.
func run(in string, sizes []int, capacity int) (r result) {
	var p HeadParser
	var h http1.ResponseHead
	buf := make([]byte, 0, capacity)
	var stderr string
	i, k := 0, 0
	next := func(room int) string {
		sz := len(in) - i
		if sizes != nil {
			sz = sizes[min(k, len(sizes)-1)]
			k++
		}
		sz = min(sz, room, len(in)-i)
		s := in[i : i+sz]
		i += sz
		return s
	}
	var raw []byte
	for {
		if i == len(in) {
			r.Err = "eof in head"
			r.Stderr = appendNonEmpty(r.Stderr, stderr)
			return r
		}
		buf = append(buf, next(cap(buf)-len(buf))...)
		done := false
		for {
			res, err := p.Parse(&h, buf)
			buf = res.Buf
			if err != nil {
				r.Err = err.Error()
				r.Stderr = appendNonEmpty(r.Stderr, stderr)
				return r
			}
			if res.Stderr != nil {
				stderr += string(res.Stderr)
				continue
			}
			if res.Done {
				r.Status, r.StatusLine, r.CL = h.Status, h.StatusLine, h.ContentLength
				for _, hd := range h.Headers {
					r.Headers = append(r.Headers, http1.Header{Name: strings.Clone(hd.Name), Value: strings.Clone(hd.Value)})
				}
				r.Body = string(res.Body)
				raw = append([]byte(nil), res.Raw...)
				done = true
			}
			break
		}
		if done {
			break
		}
	}
	r.Stderr = appendNonEmpty(r.Stderr, stderr)
	stderr = ""
	for {
		for len(raw) > 0 {
			n, f, err := p.Decoder.Decode(raw)
			raw = raw[n:]
			if err != nil {
				r.Err = err.Error()
				r.Stderr = appendNonEmpty(r.Stderr, stderr)
				return r
			}
			switch f.Type {
			case TypeStdout:
				r.Body += string(f.Data)
			case TypeStderr:
				stderr += string(f.Data)
			case TypeEndRequest:
				r.End, r.AppStatus = true, f.AppStatus
				r.KeepOK = len(raw) == 0 && i == len(in)
				r.Stderr = appendNonEmpty(r.Stderr, stderr)
				return r
			}
		}
		if i == len(in) {
			r.Stderr = appendNonEmpty(r.Stderr, stderr)
			return r
		}
		raw = []byte(next(1 << 20))
	}
}

func appendNonEmpty(l []string, s string) []string {
	if s == "" {
		return l
	}
	return append(l, s)
}

func hd(kv ...string) []http1.Header {
	var l []http1.Header
	for i := 0; i < len(kv); i += 2 {
		l = append(l, http1.Header{Name: kv[i], Value: kv[i+1]})
	}
	return l
}

var headCases = []struct {
	name string
	in   string
	want result
}{
	{
		name: "plain 200",
		in:   out("Content-Type: text/html\r\n\r\nhello") + out("") + endOK,
		want: result{Status: 200, StatusLine: "200 OK", Headers: hd("Content-Type", "text/html"), CL: -1, Body: "hello", End: true, KeepOK: true},
	},
	{
		name: "status with reason",
		in:   out("Status: 404 Not Found\r\nX-A: b\r\n\r\n") + out("") + endOK,
		want: result{Status: 404, StatusLine: "404 Not Found", Headers: hd("Status", "404 Not Found", "X-A", "b"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "status without reason",
		in:   out("Status: 404\r\n\r\n") + endOK,
		want: result{Status: 404, StatusLine: "404", Headers: hd("Status", "404"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "first status wins",
		in:   out("Status: 201 A\nStatus: 202 B\n\n") + endOK,
		want: result{Status: 201, StatusLine: "201 A", Headers: hd("Status", "201 A", "Status", "202 B"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "location gives 302",
		in:   out("Location: http://x/y\r\n\r\n") + endOK,
		want: result{Status: 302, StatusLine: "302 Moved Temporarily", Headers: hd("Location", "http://x/y"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "status beats location",
		in:   out("Location: /y\r\nStatus: 301 Moved Permanently\r\n\r\n") + endOK,
		want: result{Status: 301, StatusLine: "301 Moved Permanently", Headers: hd("Location", "/y", "Status", "301 Moved Permanently"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "invalid status",
		in:   out("Status: abc\r\n\r\n"),
		want: result{Err: `upstream sent invalid status "abc"`},
	},
	{
		name: "short status",
		in:   out("Status: 20\r\n\r\n"),
		want: result{Err: `upstream sent invalid status "20"`},
	},
	{
		name: "stderr before and after the head",
		in: rec(TypeStderr, "PHP Warning: x in y on line 2\n", 2) + out("Content-Length: 2\r\n\r\n") +
			rec(TypeStderr, "late", 0) + out("ok") + out("") + endOK,
		want: result{Status: 200, StatusLine: "200 OK", Headers: hd("Content-Length", "2"), CL: 2, Body: "ok", End: true, KeepOK: true,
			Stderr: []string{"PHP Warning: x in y on line 2\n", "late"}},
	},
	{
		name: "header line split across records",
		in:   out("Content-Ty") + rec(TypeStderr, "", 0) + out("pe: a\r\n") + out("\r") + out("\nbody") + endOK,
		want: result{Status: 200, StatusLine: "200 OK", Headers: hd("Content-Type", "a"), CL: -1, Body: "body", End: true, KeepOK: true},
	},
	{
		name: "data after end request",
		in:   out("\r\n") + endOK + "x",
		want: result{Status: 200, StatusLine: "200 OK", CL: -1, End: true},
	},
	{
		name: "end request in the head",
		in:   endOK,
		want: result{Err: "upstream sent unexpected FastCGI record: 3"},
	},
	{
		name: "stdout closed in the head",
		in:   out("X: y\r\n") + out(""),
		want: result{Err: "upstream prematurely closed FastCGI stdout"},
	},
	{
		name: "bad version",
		in:   "\x02\x06\x00\x01\x00\x00\x00\x00",
		want: result{Err: "upstream sent unsupported FastCGI protocol version: 2"},
	},
	{
		name: "bad type",
		in:   "\x01\x0a\x00\x01\x00\x00\x00\x00",
		want: result{Err: "upstream sent invalid FastCGI record type: 10"},
	},
	{
		name: "bad id high",
		in:   "\x01\x06\x01\x01\x00\x00\x00\x00",
		want: result{Err: "upstream sent unexpected FastCGI request id high byte: 1"},
	},
	{
		name: "bad id low",
		in:   "\x01\x06\x00\x02\x00\x00\x00\x00",
		want: result{Err: "upstream sent unexpected FastCGI request id low byte: 2"},
	},
	{
		name: "invalid header line",
		in:   out("Bad Header: x\r\n\r\n"),
		want: result{Err: `upstream sent invalid header: "Bad\x20..."`},
	},
	{
		name: "duplicate content length",
		in:   out("Content-Length: 1\r\nContent-Length: 2\r\n\r\n"),
		want: result{Err: `upstream sent duplicate header line: "Content-Length: 2", previous value: "Content-Length: 1"`},
	},
	{
		name: "iis status line skipped",
		in:   out("HTTP/1.1 200 OK\r\nX_Y: z\r\n\r\n") + endOK,
		want: result{Status: 200, StatusLine: "200 OK", Headers: hd("X_Y", "z"), CL: -1, End: true, KeepOK: true},
	},
	{
		name: "end request with app status",
		in:   out("\n") + rec(TypeEndRequest, "\x00\x00\x01\x02\x00\x00\x00\x00", 0),
		want: result{Status: 200, StatusLine: "200 OK", CL: -1, End: true, AppStatus: 258, KeepOK: true},
	},
}

func TestHead(t *testing.T) {
	for _, tc := range headCases {
		t.Run(tc.name, func(t *testing.T) {
			got := run(tc.in, nil, 4096)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, tc.want)
			}
			for _, sizes := range [][]int{{1}, {3, 7}, {9}} {
				if split := run(tc.in, sizes, 4096); !reflect.DeepEqual(split, got) {
					t.Fatalf("split %v:\n%+v\nwhole:\n%+v", sizes, split, got)
				}
			}
		})
	}
}

// TestHeadTooBig: a head that does not fit is nginx's "too big header",
// but record headers, padding and stderr text do not count against it.
func TestHeadTooBig(t *testing.T) {
	in := rec(TypeStderr, strings.Repeat("w", 100), 0) + out("A: "+strings.Repeat("b", 40)) + out("\r\n\r\n") + endOK
	if got := run(in, []int{16}, 64); got.Err != "" || got.Status != 200 {
		t.Fatalf("fitting head refused: %+v", got)
	}
	in = out("A: " + strings.Repeat("b", 70) + "\r\n\r\n")
	if got := run(in, []int{16}, 64); got.Err != http1.ErrTooBig.Error() {
		t.Fatalf("got %+v", got)
	}
}

func TestTrimStderr(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"msg":           "msg",
		"msg. \r\n":     "msg",
		"\n":            "\n",
		"..":            ".",
		"a\nb\n":        "a\nb",
		"PHP Warning.x": "PHP Warning.x",
	} {
		if got := string(TrimStderr([]byte(in))); got != want {
			t.Errorf("TrimStderr(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(AppendStderrLog(nil, []byte("oops\n"))); got != `FastCGI sent in stderr: "oops"` {
		t.Error(got)
	}
}

func TestDecoderID(t *testing.T) {
	d := Decoder{ID: 0x0102}
	in := []byte(string(AppendRecordHeader(nil, TypeStdout, 0x0102, 2, 0)) + "ab")
	n, f, err := d.Decode(in)
	if err != nil || n != len(in) || string(f.Data) != "ab" {
		t.Fatal(n, f, err)
	}
}

// TestStderrAhead: StderrAhead is true exactly when the bytes decoded end
// after a STDERR record's header with content to come, none of it read.
func TestStderrAhead(t *testing.T) {
	hdr := AppendRecordHeader(nil, TypeStderr, RequestID, 3, 0)
	var d Decoder
	if n, f, _ := d.Decode(hdr[:5]); n != 5 || f.Type != 0 || d.StderrAhead() {
		t.Fatalf("half a header: n %d, frame %v, ahead %v", n, f, d.StderrAhead())
	}
	if n, f, _ := d.Decode(hdr[5:]); n != 3 || f.Type != 0 || !d.StderrAhead() {
		t.Fatalf("the header's end: n %d, frame %v, ahead %v", n, f, d.StderrAhead())
	}
	if _, f, _ := d.Decode([]byte("a")); string(f.Data) != "a" || d.StderrAhead() {
		t.Fatalf("a byte of content: frame %v, ahead %v", f, d.StderrAhead())
	}
	// an empty STDERR record and a STDOUT header are never "ahead"
	d = Decoder{}
	d.Decode(AppendRecordHeader(nil, TypeStderr, RequestID, 0, 0))
	if d.StderrAhead() {
		t.Fatal("an empty STDERR record")
	}
	d.Decode(AppendRecordHeader(nil, TypeStdout, RequestID, 3, 0))
	if d.StderrAhead() {
		t.Fatal("a STDOUT header")
	}
}

const benchResponse = "Content-Type: text/html; charset=UTF-8\r\n" +
	"X-Powered-By: PHP/8.2.7\r\n" +
	"Set-Cookie: PHPSESSID=abc; path=/\r\n" +
	"Expires: Thu, 19 Nov 1981 08:52:00 GMT\r\n" +
	"Cache-Control: no-store, no-cache, must-revalidate\r\n" +
	"\r\n<html>hello</html>"

func BenchmarkHeadParser(b *testing.B) {
	in := []byte(out(benchResponse) + out("") + endOK)
	buf := make([]byte, 0, 4096)
	var p HeadParser
	var h http1.ResponseHead
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		p.Reset()
		buf = append(buf[:0], in...)
		res, err := p.Parse(&h, buf)
		if err != nil || !res.Done {
			b.Fatal(err)
		}
		raw := res.Raw
		for len(raw) > 0 {
			n, _, err := p.Decoder.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			raw = raw[n:]
		}
	}
}

func BenchmarkDecoder(b *testing.B) {
	var in []byte
	chunk := strings.Repeat("x", 8000)
	for range 8 {
		in = append(in, out(chunk)...)
	}
	in = append(in, endOK...)
	var d Decoder
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d.Reset()
		raw := in
		for len(raw) > 0 {
			n, _, err := d.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			raw = raw[n:]
		}
	}
}

package httpcore

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeConn feeds a byte string to the engine in reads of at most step
// bytes, then reports EOF.
type fakeConn struct {
	data []byte
	step int
}

func (f *fakeConn) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), f.step, len(f.data))
	copy(p, f.data[:n])
	f.data = f.data[n:]
	return n, nil
}
func (f *fakeConn) Write(p []byte) (int, error)      { return len(p), nil }
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// parseOutcome is everything the engine derived from one request.
type parseOutcome struct {
	Err        int
	ErrMsg     string
	NoResponse bool
	Method     string
	Line       string
	RawURI     string
	Path       string
	Args       string
	Proto      string
	Minor      int
	Host       string
	Headers    []Header
	CL         int64
	Chunked    bool
	KeepAlive  bool
	Expect100  bool
	HeaderLen  int
	Body       string
	BodyErr    string
	Rest       string // bytes left on the connection for the next request
}

// parseWith runs the engine's request reader over data delivered step
// bytes at a time.
func parseWith(set Settings, data []byte, step int) (out parseOutcome) {
	s := &Server{Handler: &testHandler{}}
	fc := &fakeConn{data: data, step: step}
	c := newConn(s, fc, nil)
	c.set = &set
	c.small = bufPool(set.HeaderBufferSize)
	c.large = bufPool(set.LargeHeaderBufSize)
	c.idleFirst = true
	c.idleDeadline = nanotime() + int64(time.Hour)

	// the idle read: the first bytes land in a client_header_buffer_size buffer
	b := getBuf(c.small)
	n, _ := fc.Read(b.b)
	if n == 0 {
		b.free()
		return parseOutcome{Err: -1}
	}
	c.takeBuffer(b, n)
	st := getStream(c)
	c.st = st
	st.begin()
	st.action = "reading client request line"
	c.readRequest(st)
	r := &st.req
	out = parseOutcome{
		Err: r.Err, ErrMsg: r.ErrMsg, NoResponse: r.NoResponse, Method: r.Method, Line: r.RequestLine,
		RawURI: r.RawURI, Path: r.Path, Args: r.Args, Proto: r.Proto, Minor: r.ProtoMinor, Host: r.Host,
		Headers: append([]Header(nil), r.Headers...), CL: r.ContentLength, Chunked: r.Chunked,
		KeepAlive: r.KeepAlive, Expect100: r.Expect100, HeaderLen: r.HeaderLen,
	}
	// copy the strings: the buffers go back to the pool
	out.clone()
	if r.Err == 0 {
		st.body.touched = true // no 100 Continue on the fake connection
		body, err := io.ReadAll(io.LimitReader(r.Body(), 1<<20))
		out.Body = string(body)
		if err != nil {
			out.BodyErr = err.Error() + " " + r.ErrMsg
		}
		if st.body.complete() && err == nil {
			rest := append([]byte(nil), c.cur.b[c.pos:c.last]...)
			out.Rest = string(rest) + string(fc.data)
		}
	}
	c.releaseBufs(false)
	c.releaseStream()
	return out
}

func (o *parseOutcome) clone() {
	for _, p := range []*string{&o.ErrMsg, &o.Method, &o.Line, &o.RawURI, &o.Path, &o.Args, &o.Proto, &o.Host} {
		*p = strings.Clone(*p)
	}
	for i := range o.Headers {
		o.Headers[i].Name = strings.Clone(o.Headers[i].Name)
		o.Headers[i].Value = strings.Clone(o.Headers[i].Value)
	}
}

func fuzzSettings(flags uint8) Settings {
	set := DefaultSettings().withDefaults()
	// small buffers so that short inputs reach the large buffer logic
	set.HeaderBufferSize = 16 + int(flags&3)*24
	set.LargeHeaderBufSize = 64 + int(flags>>2&3)*32
	set.LargeHeaderBuffers = 2 + int(flags>>4&1)*2
	set.IgnoreInvalidHeaders = flags&0x20 == 0
	set.UnderscoresInHeaders = flags&0x40 != 0
	set.MergeSlashes = flags&0x80 == 0
	return set
}

func FuzzParseRequest(f *testing.F) {
	for _, tc := range statusCases {
		f.Add([]byte(tc.req), uint8(7), uint8(0))
	}
	f.Add([]byte("GET /a/./b/../c%2F%2e%2E/d?x#y HTTP/1.1\r\nHost: [::1]:8080\r\nX_Y: z\r\n\r\n"), uint8(3), uint8(0x55))
	f.Add([]byte("POST http://h:1?q HTTP/1.1\r\nhost: H.\r\ntransfer-encoding: chunked\r\n\r\n1;a=b\r\nx\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.0\r\n\r\n"), uint8(1), uint8(0x13))
	f.Add([]byte("\r\n\r\n\r\nGET / HTTP/1.1\r\n"+strings.Repeat("A: b\r\n", 40)+"Host: x\r\n\r\n"), uint8(5), uint8(0xff))
	f.Fuzz(func(t *testing.T, data []byte, split, flags uint8) {
		if len(data) > 64<<10 {
			return
		}
		set := fuzzSettings(flags)
		whole := parseWith(set, data, len(data)+1)
		dribble := parseWith(set, data, int(split%37)+1)
		if !sameOutcome(whole, dribble) {
			t.Fatalf("outcome depends on how the bytes arrive:\nwhole   %#v\ndribble %#v", whole, dribble)
		}
		checkOutcome(t, set, data, whole)
	})
}

// checkOutcome asserts what must hold for any request the engine accepts.
func checkOutcome(t *testing.T, set Settings, data []byte, o parseOutcome) {
	if o.Err != 0 {
		switch o.Err {
		case -1, 400, 405, 408, 414, 494, 501, 505:
		default:
			t.Fatalf("unexpected refusal %d %s", o.Err, o.ErrMsg)
		}
		if o.ErrMsg == "" && o.Err > 0 {
			t.Fatalf("refusal %d without a message", o.Err)
		}
		return
	}
	if o.Method == "" {
		t.Fatal("empty method")
	}
	for i := 0; i < len(o.Method); i++ {
		if c := o.Method[i]; (c < 'A' || c > 'Z') && c != '_' && c != '-' {
			t.Fatalf("method %q", o.Method)
		}
	}
	if !bytes.Contains(data, []byte(o.Line)) || !strings.HasPrefix(o.Line, o.Method+" ") {
		t.Fatalf("request line %q", o.Line)
	}
	if !strings.HasPrefix(o.Path, "/") {
		t.Fatalf("path %q", o.Path)
	}
	if strings.IndexByte(o.Path, 0) >= 0 {
		t.Fatalf("NUL in path %q", o.Path)
	}
	for _, seg := range strings.Split(o.Path, "/") {
		if seg == "." || seg == ".." {
			t.Fatalf("dot segment in path %q (uri %q)", o.Path, o.RawURI)
		}
	}
	if set.MergeSlashes && strings.Contains(o.Path, "//") {
		t.Fatalf("unmerged slashes in %q", o.Path)
	}
	if o.Proto == "" {
		if o.Minor != 9 || len(o.Headers) != 0 || o.KeepAlive {
			t.Fatalf("HTTP/0.9 request %#v", o)
		}
	} else if !strings.HasPrefix(o.Proto, "HTTP/1.") {
		t.Fatalf("proto %q", o.Proto)
	}
	if o.Minor >= 1 && o.Proto != "" {
		found := false
		for _, h := range o.Headers {
			if EqualFold(h.Name, "Host") {
				found = true
			}
		}
		if !found {
			t.Fatal("HTTP/1.1 request without Host accepted")
		}
	}
	for i := 0; i < len(o.Host); i++ {
		c := o.Host[i]
		if c <= ' ' || c == 0x7f || c == '/' || ('A' <= c && c <= 'Z') {
			t.Fatalf("host %q", o.Host)
		}
	}
	if strings.HasSuffix(o.Host, ".") || strings.Contains(o.Host, "..") {
		t.Fatalf("host %q", o.Host)
	}
	var cl, te int
	for _, h := range o.Headers {
		if h.Name == "" || strings.ContainsAny(h.Name, ": \t\r\n\x00") {
			t.Fatalf("header name %q", h.Name)
		}
		if strings.ContainsAny(h.Value, "\r\n\x00") || strings.HasPrefix(h.Value, " ") || strings.HasSuffix(h.Value, " ") {
			t.Fatalf("header value %q", h.Value)
		}
		if !set.UnderscoresInHeaders && set.IgnoreInvalidHeaders && strings.Contains(h.Name, "_") {
			t.Fatalf("underscore header %q kept", h.Name)
		}
		if EqualFold(h.Name, "Content-Length") {
			cl++
		}
		if EqualFold(h.Name, "Transfer-Encoding") {
			te++
		}
	}
	if cl > 1 || te > 1 || (cl > 0 && te > 0) {
		t.Fatalf("smuggling headers accepted: %q", o.Headers)
	}
	if o.Chunked && o.CL != -1 || o.CL < -1 || (te > 0) != o.Chunked {
		t.Fatalf("framing cl=%d chunked=%v headers %q", o.CL, o.Chunked, o.Headers)
	}
	if o.HeaderLen <= 0 || o.HeaderLen > len(data) {
		t.Fatalf("header length %d of %d", o.HeaderLen, len(data))
	}
	if o.BodyErr == "" && !o.Chunked && o.CL > 0 && int64(len(o.Body)) != o.CL {
		t.Fatalf("body %d bytes, Content-Length %d", len(o.Body), o.CL)
	}
}

// TestParseSplitIndependence runs the fuzz check over the table cases with
// every read size.
func TestParseSplitIndependence(t *testing.T) {
	for _, tc := range statusCases {
		for _, flags := range []uint8{0, 0x15, 0xff} {
			set := fuzzSettings(flags)
			whole := parseWith(set, []byte(tc.req), len(tc.req)+1)
			checkOutcome(t, set, []byte(tc.req), whole)
			for step := 1; step < 40; step += 3 {
				d := parseWith(set, []byte(tc.req), step)
				if !sameOutcome(whole, d) {
					t.Fatalf("%s flags %x step %d:\nwhole   %#v\ndribble %#v", tc.name, flags, step, whole, d)
				}
			}
		}
	}
}

// sameOutcome compares two outcomes; the $request text of a refused
// request is what happened to be in the buffer, as in nginx, and may
// differ.
func sameOutcome(a, b parseOutcome) bool {
	if a.Err != 0 {
		a.Line, b.Line = "", ""
	}
	return fmt.Sprintf("%#v", a) == fmt.Sprintf("%#v", b)
}

package httpcore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Raw is a client that writes and reads frames itself, for what Go's
// client cannot be made to send (a field order, a small window, bad
// frames).
type h2Raw struct {
	t   testing.TB
	c   net.Conn
	fr  *http2.Framer
	enc *hpack.Encoder
	eb  bytes.Buffer
	dec *hpack.Decoder
}

func dialH2Raw(t testing.TB, addr string, settings ...http2.Setting) *h2Raw {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	h := &h2Raw{t: t, c: c, fr: http2.NewFramer(c, c)}
	h.enc = hpack.NewEncoder(&h.eb)
	h.dec = hpack.NewDecoder(4096, nil)
	io.WriteString(c, h2Preface)
	h.fr.WriteSettings(settings...)
	return h
}

// headers sends a header block of name/value pairs.
func (h *h2Raw) headers(id uint32, end bool, fields ...string) {
	h.eb.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		h.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
	}
	if err := h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: h.eb.Bytes(),
		EndStream: end, EndHeaders: true}); err != nil {
		h.t.Fatal(err)
	}
}

// h2Result is what came back on a stream.
type h2Result struct {
	fields []string // "name: value"
	body   []byte
	rst    http2.ErrCode
	hasRst bool
	frames []int // the DATA frames' lengths
}

// read reads frames until stream id ends (END_STREAM or RST_STREAM) or
// the connection does (GOAWAY: its code is returned as an error).
func (h *h2Raw) read(id uint32, onFrame func(http2.Frame)) (*h2Result, error) {
	res := &h2Result{}
	for {
		f, err := h.fr.ReadFrame()
		if err != nil {
			return res, err
		}
		if onFrame != nil {
			onFrame(f)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				h.fr.WriteSettingsAck()
			}
		case *http2.GoAwayFrame:
			return res, errors.New("GOAWAY " + f.ErrCode.String())
		case *http2.HeadersFrame:
			if f.StreamID != id {
				continue
			}
			hf, err := h.dec.DecodeFull(f.HeaderBlockFragment())
			if err != nil {
				return res, err
			}
			for _, x := range hf {
				res.fields = append(res.fields, x.Name+": "+x.Value)
			}
			if f.StreamEnded() {
				return res, nil
			}
		case *http2.DataFrame:
			if f.StreamID != id {
				continue
			}
			res.body = append(res.body, f.Data()...)
			res.frames = append(res.frames, len(f.Data()))
			if f.StreamEnded() {
				return res, nil
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == id {
				res.rst, res.hasRst = f.ErrCode, true
				return res, nil
			}
		}
	}
}

// TestH2FieldOrder: the header fields reach the handler in the order
// they came, by their HTTP/2 names, with the cookies joined in one field
// at the end (as nginx's ngx_http_v2_construct_cookie_header); the
// response fields leave in the order the handler gives them.
func TestH2FieldOrder(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	var got []string
	h.serve = func(w *Response, r *Request) {
		for _, f := range r.Headers {
			got = append(got, f.Name+": "+f.Value)
		}
		w.Header = append(w.Header, Header{Name: "X-Zeta", Value: "1"}, Header{Name: "X-Alpha", Value: "2"},
			Header{Name: "Set-Cookie", Value: "a=1"}, Header{Name: "X-Mid", Value: "3"}, Header{Name: "Set-Cookie", Value: "b=2"})
		w.ContentLength = 2
		w.Write([]byte("ok"))
	}
	addr, _ := startServer(t, h)
	c := dialH2Raw(t, addr)
	c.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "h2.test", ":path", "/o",
		"x-b", "1", "cookie", "a=1", "x-a", "2", "cookie", "b=2", "x-b", "3")
	res, err := c.read(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "host: h2.test|x-b: 1|x-a: 2|x-b: 3|cookie: a=1; b=2"; strings.Join(got, "|") != want {
		t.Errorf("request fields\n got %s\nwant %s", strings.Join(got, "|"), want)
	}
	var names []string
	for _, f := range res.fields {
		name, _, _ := strings.Cut(f, ": ")
		names = append(names, name)
	}
	if want := ":status|date|content-length|x-zeta|x-alpha|set-cookie|x-mid|set-cookie"; strings.Join(names, "|") != want {
		t.Errorf("response fields\n got %s\nwant %s", strings.Join(names, "|"), want)
	}
	if string(res.body) != "ok" {
		t.Errorf("body %q", res.body)
	}
}

// TestH2FlowControl: DATA frames keep within the client's stream window
// and frame size, and the rest follows its WINDOW_UPDATE; a body larger
// than the stream window (http2_body_preread_size) is read whole as
// weir opens the window again.
func TestH2FlowControl(t *testing.T) {
	set := h2Settings()
	set.HTTP2PrereadSize = 1000
	h := &testHandler{set: set}
	big := strings.Repeat("0123456789", 5000)
	h.serve = func(w *Response, r *Request) {
		if r.Method == "POST" {
			b, err := io.ReadAll(r.Body())
			if err != nil {
				t.Errorf("body: %v", err)
			}
			w.ContentLength = int64(len(b))
			w.Write(b)
			return
		}
		w.ContentLength = int64(len(big))
		w.Write([]byte(big))
	}
	addr, _ := startServer(t, h)

	c := dialH2Raw(t, addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 100})
	c.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/")
	credit := 100
	res, err := c.read(1, func(f http2.Frame) {
		if d, ok := f.(*http2.DataFrame); ok {
			credit -= len(d.Data())
			if credit < 0 {
				t.Errorf("DATA past the stream window")
			}
			if credit == 0 && !d.StreamEnded() {
				c.fr.WriteWindowUpdate(1, 7000)
				credit += 7000
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.body) != big {
		t.Fatalf("body of %d bytes, want %d", len(res.body), len(big))
	}
	for _, n := range res.frames {
		if n > 16384 {
			t.Errorf("DATA frame of %d bytes", n)
		}
	}

	// a request body of 5000 bytes through a window of 1000
	c = dialH2Raw(t, addr)
	c.headers(3, false, ":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/p", "content-length", "5000")
	sent, window := 0, 1000
	send := func() {
		for window > 0 && sent < 5000 {
			n := min(window, 5000-sent, 300)
			c.fr.WriteData(3, sent+n == 5000, []byte(big[sent:sent+n]))
			sent += n
			window -= n
		}
	}
	send()
	res, err = c.read(3, func(f http2.Frame) {
		if wu, ok := f.(*http2.WindowUpdateFrame); ok && wu.StreamID == 3 {
			window += int(wu.Increment)
			send()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(res.body) != big[:5000] {
		t.Errorf("echoed body of %d bytes, want 5000 (rst %v)", len(res.body), res.rst)
	}
}

// TestH2Malformed: what RFC 9113 makes a stream error (a malformed
// request) resets the stream with PROTOCOL_ERROR, and the connection
// goes on; request trailers end the connection, as nginx 1.22 takes none.
func TestH2Malformed(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	addr, _ := startServer(t, h)
	base := []string{":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/"}
	// what nginx 1.22 resets (RST_STREAM PROTOCOL_ERROR), answers with
	// 400 (the pseudo-header fields it refuses) or takes (the
	// connection-specific fields, pseudo-header fields after regular ones)
	for _, c := range []struct {
		name   string
		fields []string
		status string // "" for RST_STREAM PROTOCOL_ERROR
	}{
		{"upper case name", append(base[:8:8], "X-Up", "1"), ""},
		{"connection field", append(base[:8:8], "connection", "close"), "200"},
		{"te not trailers", append(base[:8:8], "te", "gzip"), "200"},
		{"transfer-encoding", append(base[:8:8], "transfer-encoding", "chunked"), ""},
		{"unknown pseudo", append(base[:8:8], ":foo", "1"), "400"},
		{"response pseudo", append(base[:8:8], ":status", "200"), "400"},
		{"pseudo after regular", []string{":method", "GET", ":scheme", "http", "x", "1", ":authority", "a", ":path", "/"}, "200"},
		{"duplicate path", append(base[:8:8], ":path", "/x"), "400"},
		{"empty path", []string{":method", "GET", ":scheme", "http", ":path", ""}, "400"},
		{"no method", []string{":scheme", "http", ":path", "/"}, "400"},
		{"no scheme", []string{":method", "GET", ":path", "/"}, "400"},
		{"no path", []string{":method", "GET", ":scheme", "http"}, "400"},
		{"newline in value", append(base[:8:8], "x", "a\nb"), ""},
		// nginx answers it 400 ("client prematurely closed stream")
		{"length without data", append(base[:8:8], "content-length", "3"), "400"},
	} {
		raw := dialH2Raw(t, addr)
		raw.headers(1, true, c.fields...)
		res, err := raw.read(1, nil)
		switch {
		case c.status == "" && (err != nil || !res.hasRst || res.rst != http2.ErrCodeProtocol):
			t.Errorf("%s: %v %+v, want RST_STREAM PROTOCOL_ERROR", c.name, err, res)
			continue
		case c.status != "" && (err != nil || res.hasRst || len(res.fields) == 0 || res.fields[0] != ":status: "+c.status):
			t.Errorf("%s: %v %+v, want %s", c.name, err, res, c.status)
			continue
		}
		// the connection goes on
		raw.headers(3, true, base...)
		if res, err := raw.read(3, nil); err != nil || res.hasRst {
			t.Errorf("%s: the next stream: %v %+v", c.name, err, res)
		}
	}

	// nginx 1.22 takes no trailers: a second HEADERS frame on a stream is
	// a stream id going backwards, a connection error
	raw := dialH2Raw(t, addr)
	raw.headers(1, false, ":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/t")
	raw.fr.WriteData(1, false, []byte("abc"))
	raw.headers(1, true, "x-trailer", "1")
	if _, err := raw.read(1, nil); err == nil || !strings.Contains(err.Error(), "PROTOCOL_ERROR") {
		t.Errorf("trailers: %v, want GOAWAY PROTOCOL_ERROR", err)
	}
}

// TestH2ConcurrencyLimit: a stream past http2_max_concurrent_streams is
// refused (REFUSED_STREAM), the others are served.
func TestH2ConcurrencyLimit(t *testing.T) {
	set := h2Settings()
	set.HTTP2MaxStreams = 1
	release := make(chan struct{})
	addr, _ := startServer(t, waitingHandler(set, release))
	raw := dialH2Raw(t, addr)
	raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/wait")
	raw.headers(3, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/")
	res, err := raw.read(3, nil)
	if err != nil || !res.hasRst || res.rst != http2.ErrCodeRefusedStream {
		t.Errorf("second stream: %v %+v, want REFUSED_STREAM", err, res)
	}
	close(release)
	if res, err := raw.read(1, nil); err != nil || string(res.body) != "done" {
		t.Errorf("first stream: %v %+v", err, res)
	}
}

// TestH2LargeHeaderBlock: a status the static table lacks goes as a
// literal, and a header block larger than the client's frame size goes
// in HEADERS and CONTINUATION frames.
func TestH2LargeHeaderBlock(t *testing.T) {
	h := &testHandler{set: h2Settings()}
	big := strings.Repeat("v", 40000)
	h.serve = func(w *Response, r *Request) {
		w.Status = 599
		w.Header = append(w.Header, Header{Name: "X-Big", Value: big}, Header{Name: "X-After", Value: "1"})
		w.ContentLength = 2
		w.Write([]byte("ok"))
	}
	addr, _ := startServer(t, h)
	resp, err := h2cClient(t).Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 599 || resp.Header.Get("X-Big") != big || resp.Header.Get("X-After") != "1" || string(b) != "ok" {
		t.Errorf("%d %d-byte x-big %q %q", resp.StatusCode, len(resp.Header.Get("X-Big")), resp.Header.Get("X-After"), b)
	}
}

// TestH2GoAway: Drain sends GOAWAY NO_ERROR with the last stream id; a
// stream opened after it is refused (the client may retry it), the open
// one finishes, and the connection closes.
func TestH2GoAway(t *testing.T) {
	release := make(chan struct{})
	addr, s := startServer(t, waitingHandler(h2Settings(), release))
	raw := dialH2Raw(t, addr)
	raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/wait")
	deadline := time.Now().Add(5 * time.Second)
	for s.Conns() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	s.Drain()
	for {
		f, err := raw.fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			if g.ErrCode != http2.ErrCodeNo || g.LastStreamID != 1 {
				t.Errorf("GOAWAY %v last stream %d", g.ErrCode, g.LastStreamID)
			}
			break
		}
	}
	raw.headers(3, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/")
	if res, err := raw.read(3, nil); err != nil || res.rst != http2.ErrCodeRefusedStream {
		t.Errorf("stream after GOAWAY: %v %+v, want REFUSED_STREAM", err, res)
	}
	close(release)
	if res, err := raw.read(1, nil); err != nil || string(res.body) != "done" {
		t.Errorf("stream before GOAWAY: %v %+v", err, res)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Wait(ctx); err != nil {
		t.Errorf("connection open after its streams ended: %v", err)
	}
}

// TestH2CloseAfterAnswer: a client that closes its connection once it has
// the whole answer of its stream did not close it prematurely, though the
// handler has not returned yet (nginx closes the stream in the event that
// sends its END_STREAM, so it logs nothing then); a close before the
// answer is whole is logged.
func TestH2CloseAfterAnswer(t *testing.T) {
	release := make(chan struct{})
	h := &testHandler{set: h2Settings()}
	h.serve = func(w *Response, r *Request) {
		if r.Path == "/done" {
			w.Status = 304
			w.Finish()
		}
		<-release
	}
	var mu sync.Mutex
	var lines []string
	addr, s := startServer(t, h, func(s *Server) {
		s.Log = func(level int, c *ConnInfo, msg string) {
			mu.Lock()
			defer mu.Unlock()
			lines = append(lines, msg)
		}
	})
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines, "\n")
	}
	// the client shuts its side rather than closing: a close with frames
	// of the server's still unread would be a reset, not an end of stream
	closed := func() {
		deadline := time.Now().Add(5 * time.Second)
		for s.Conns() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}

	raw := dialH2Raw(t, addr)
	raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/done")
	if res, err := raw.read(1, nil); err != nil || len(res.fields) == 0 || res.fields[0] != ":status: 304" {
		t.Fatalf("%v %+v", err, res)
	}
	raw.c.(*net.TCPConn).CloseWrite()
	closed()
	if l := logged(); strings.Contains(l, "prematurely") {
		t.Errorf("a close after the answer was logged:\n%s", l)
	}

	raw = dialH2Raw(t, addr)
	raw.headers(1, true, ":method", "GET", ":scheme", "http", ":authority", "a", ":path", "/wait")
	deadline := time.Now().Add(5 * time.Second)
	for s.Conns() != 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	raw.c.(*net.TCPConn).CloseWrite()
	closed()
	if l := logged(); !strings.Contains(l, "client prematurely closed connection while processing HTTP/2 connection") {
		t.Errorf("a close before the answer was not logged:\n%s", l)
	}
	close(release)
}

package httpd

// proxy_http_version 2 (nginx 1.29.4's ngx_http_proxy_v2_module): the
// proxy speaks HTTP/2 to the upstream, over TLS (ALPN offers "h2") or in
// cleartext with prior knowledge, one request at a time on a connection
// that the keepalive pool keeps between requests, as nginx (and its grpc
// module) does: no multiplexing.
//
// The whole proxy machinery (attempts, next upstream, request building,
// response parsing, header passing, the keepalive pool, $upstream_*)
// stays as it is for HTTP/1.x: the connection dial returns is an
// h2Conn, an HTTP/1.1-over-HTTP/2 shim. What the proxy writes to it is
// read as an HTTP/1.1 request (http.ReadRequest) and sent as one HTTP/2
// stream by net/http's client on the real connection; the response comes
// back rendered as HTTP/1.1 bytes (Content-Length when the upstream sent
// one, else chunked with the trailers), which the proxy's own parser
// reads.

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/httpcore"
)

// h2ConnKey carries the connection a ClientConn is to run on into
// h2Transport's dial hook.
type h2ConnKey struct{}

// h2Transport makes the HTTP/2 client connections, each on a connection
// dialled (and handshaken) by the proxy. It speaks HTTP/2 with prior
// knowledge on whatever it is given, TLS or not: nginx offers "h2" in
// ALPN and speaks HTTP/2 whatever the server chose (it never falls back
// to HTTP/1.1). No compression is asked for, no idle timer runs (the
// keepalive pool owns the connection's life) and no proxy is used.
var h2Transport = sync.OnceValue(func() *http.Transport {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Transport{
		Protocols:          &p,
		DisableCompression: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			if c, ok := ctx.Value(h2ConnKey{}).(net.Conn); ok {
				return c, nil
			}
			return nil, errors.New("no connection for the HTTP/2 client")
		},
	}
})

// newH2Conn starts HTTP/2 on nc (the client preface and settings are
// sent at once) and returns the shim the proxy uses as its connection.
// overTLS sets the :scheme pseudo-header. With duplex (grpc_pass) the
// answer is passed on while the request body is still being sent.
func newH2Conn(nc net.Conn, overTLS, duplex bool) (net.Conn, error) {
	ctx := context.WithValue(context.Background(), h2ConnKey{}, nc)
	// the address only reaches the dial hook above
	cc, err := h2Transport().NewClientConn(ctx, "http", "upstream:80")
	if err != nil {
		nc.Close()
		return nil, err
	}
	near, far := net.Pipe()
	c := &h2Conn{nc: nc, cc: cc, near: near, far: far, scheme: "http", duplex: duplex}
	if overTLS {
		c.scheme = "https"
	}
	go c.serve()
	return c, nil
}

// h2Conn is a connection to an HTTP/2 upstream as the HTTP/1.x proxy
// sees it. Reads, writes and deadlines are those of near, one end of a
// pipe whose other end, far, serve turns into HTTP/2 streams; Close
// closes the pipe, the HTTP/2 session and the real connection.
type h2Conn struct {
	nc     net.Conn // the connection to the upstream (TCP or unix, TLS over it for https)
	cc     *http.ClientConn
	near   net.Conn
	far    net.Conn
	scheme string
	duplex bool

	failed    atomic.Pointer[h2Failure] // why serve stopped, for Read
	closeOnce sync.Once
}

// h2Failure is what ended a stream before its response was complete.
type h2Failure struct{ err error }

func (c *h2Conn) Read(p []byte) (int, error) {
	n, err := c.near.Read(p)
	if err == io.EOF {
		if f := c.failed.Load(); f != nil {
			err = f.err
		}
	}
	return n, err
}

func (c *h2Conn) Write(p []byte) (int, error)        { return c.near.Write(p) }
func (c *h2Conn) LocalAddr() net.Addr                { return c.nc.LocalAddr() }
func (c *h2Conn) RemoteAddr() net.Addr               { return c.nc.RemoteAddr() }
func (c *h2Conn) SetDeadline(t time.Time) error      { return c.near.SetDeadline(t) }
func (c *h2Conn) SetReadDeadline(t time.Time) error  { return c.near.SetReadDeadline(t) }
func (c *h2Conn) SetWriteDeadline(t time.Time) error { return c.near.SetWriteDeadline(t) }

func (c *h2Conn) Close() error {
	c.closeOnce.Do(func() {
		c.near.Close()
		c.far.Close()
		c.cc.Close()
		c.nc.Close()
	})
	return nil
}

// usable reports whether another request may be sent: the session is
// open and has not been told to go away.
func (c *h2Conn) usable() bool {
	return c.cc.Err() == nil && (c.cc.Available() > 0 || c.cc.InFlight() > 0)
}

// SyscallConn gives the keepalive pool's liveness check the real socket,
// behind a check of the HTTP/2 session: a session that was closed, or
// that got a GOAWAY, fails the check whatever the socket says.
func (c *h2Conn) SyscallConn() (syscall.RawConn, error) {
	nc := c.nc
	if tc, ok := nc.(*tls.Conn); ok {
		nc = tc.NetConn()
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, errors.New("the HTTP/2 connection has no socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return h2RawConn{c: c, raw: raw}, nil
}

// errH2Unusable fails the pool's check of a session that cannot take a
// request.
var errH2Unusable = errors.New("the HTTP/2 session is closed or going away")

type h2RawConn struct {
	c   *h2Conn
	raw syscall.RawConn
}

func (r h2RawConn) Control(f func(fd uintptr)) error {
	if !r.c.usable() {
		return errH2Unusable
	}
	return r.raw.Control(f)
}

func (r h2RawConn) Read(f func(fd uintptr) bool) error  { return r.raw.Read(f) }
func (r h2RawConn) Write(f func(fd uintptr) bool) error { return r.raw.Write(f) }

// serve reads the proxy's requests from far, one after the other, and
// answers each from its HTTP/2 stream. It stops when the shim is closed
// or a stream failed (the proxy closes a connection after a failure).
func (c *h2Conn) serve() {
	br := bufio.NewReader(c.far)
	bw := bufio.NewWriterSize(c.far, 8<<10)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			c.far.Close()
			return
		}
		if !c.exchange(req, bw) {
			c.far.Close()
			return
		}
	}
}

// exchange sends one request as an HTTP/2 stream and writes its response
// to far. The request body, read from far, goes to the stream as it
// comes; whatever of it the stream did not take (an upstream that
// answered early, or failed) is read and dropped, so that the proxy
// finishes sending before it reads, as it does over HTTP/1.x.
func (c *h2Conn) exchange(req *http.Request, bw *bufio.Writer) bool {
	var body *h2Body
	out := c.outgoing(req)
	if req.Body != nil && req.Body != http.NoBody {
		body = &h2Body{r: req.Body, done: make(chan struct{})}
		out.Body = body
	}
	resp, err := c.cc.RoundTrip(out)
	if err != nil {
		if body != nil {
			body.signal()
			body.drain()
		}
		c.failed.Store(&h2Failure{h2Error(err)})
		return false
	}
	defer resp.Body.Close()
	if body != nil && !c.duplex {
		<-body.done
		body.drain()
	}
	ok := c.writeResponse(resp, req.Method == "HEAD", bw)
	if body != nil && c.duplex {
		// the body's rest, once the client is done with it (an answer
		// that ended first makes it close the body)
		resp.Body.Close()
		<-body.done
		body.drain()
	}
	return ok
}

// h2HopByHop are the connection-specific request fields HTTP/2 forbids
// (RFC 9113 8.2.2); TE stays only as "trailers".
var h2HopByHop = [...]string{"Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "Upgrade", "Http2-Settings"}

// outgoing turns the proxy's HTTP/1.1 request into the stream's: the
// method, the URI as sent (for :path), Host as :authority, the fields
// without the connection-specific ones.
func (c *h2Conn) outgoing(req *http.Request) *http.Request {
	h := req.Header
	for _, k := range h2HopByHop {
		delete(h, k)
	}
	if te, ok := h["Te"]; ok && !(len(te) == 1 && strings.EqualFold(strings.TrimSpace(te[0]), "trailers")) {
		delete(h, "Te")
	}
	if _, ok := h["User-Agent"]; !ok {
		// present but empty: net/http sends no User-Agent of its own
		h["User-Agent"] = nil
	}
	host := req.Host
	if host == "" {
		// proxy_set_header Host "": :authority is required
		host = "localhost"
		if a, ok := c.nc.RemoteAddr().(*net.TCPAddr); ok {
			host = a.String()
		}
	}
	u := &url.URL{Scheme: c.scheme, Host: host}
	path, query, hasQuery := strings.Cut(req.RequestURI, "?")
	if strings.HasPrefix(path, "//") {
		// an opaque "//..." would be taken for an authority
		u.Path, u.RawPath = req.URL.Path, req.URL.RawPath
	} else {
		u.Opaque = path // the URI as the proxy built it, not re-escaped
	}
	u.RawQuery, u.ForceQuery = query, hasQuery && query == ""
	return &http.Request{
		Method:        req.Method,
		URL:           u,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		Header:        h,
		ContentLength: req.ContentLength,
		Host:          host,
		Trailer:       req.Trailer,
	}
}

// writeResponse renders resp as HTTP/1.1 onto far: status line, fields
// (lower case, as they came over HTTP/2), then the body framed by the
// upstream's content-length or else chunked, with the trailers after
// the last chunk. An upstream that ended the stream with its header and
// sent no content-length gets "content-length: 0", as nginx sets it.
func (c *h2Conn) writeResponse(resp *http.Response, head bool, bw *bufio.Writer) bool {
	noBody := head || resp.StatusCode == 204 || resp.StatusCode == 304
	_, hasLen := resp.Header["Content-Length"]
	chunked := !noBody && (len(resp.Trailer) > 0 || !hasLen && resp.ContentLength != 0)

	b := make([]byte, 0, 512)
	b = append(b, "HTTP/1.1 "...)
	// HTTP/2 has no reason phrase: the client gets nginx's own text
	b = append(b, httpcore.StatusLine(resp.StatusCode)...)
	b = append(b, "\r\n"...)
	for _, k := range slices.Sorted(maps.Keys(resp.Header)) {
		if k == "Connection" || k == "Keep-Alive" || k == "Transfer-Encoding" || chunked && k == "Content-Length" {
			continue
		}
		b = appendFields(b, k, resp.Header[k])
	}
	if !noBody && !hasLen && resp.ContentLength == 0 {
		b = append(b, "content-length: 0\r\n"...)
	}
	if chunked {
		b = append(b, "transfer-encoding: chunked\r\n"...)
	}
	b = append(b, "\r\n"...)
	if _, err := bw.Write(b); err != nil || bw.Flush() != nil {
		return false
	}
	if noBody {
		return true
	}

	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if chunked {
				bw.WriteString(strconv.FormatInt(int64(n), 16))
				bw.WriteString("\r\n")
			}
			bw.Write(buf[:n])
			if chunked {
				bw.WriteString("\r\n")
			}
			if bw.Flush() != nil {
				return false
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			c.failed.Store(&h2Failure{h2Error(err)})
			return false
		}
	}
	if chunked {
		b = append(b[:0], "0\r\n"...)
		for _, k := range slices.Sorted(maps.Keys(resp.Trailer)) {
			b = appendFields(b, k, resp.Trailer[k])
		}
		b = append(b, "\r\n"...)
		bw.Write(b)
		if bw.Flush() != nil {
			return false
		}
	}
	return true
}

// appendFields appends one "name: value" line per value, the name in
// lower case.
func appendFields(b []byte, name string, values []string) []byte {
	for _, v := range values {
		for i := 0; i < len(name); i++ {
			ch := name[i]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			b = append(b, ch)
		}
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

// h2Body is the request body as the HTTP/2 client reads it, read from
// far as the proxy writes it. The client may close it from another
// goroutine while a Read waits; drain takes over after the client is
// done (done is closed at end of body or Close) and reads what is left.
type h2Body struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
	once   sync.Once
	done   chan struct{}
}

var errH2BodyClosed = errors.New("request body closed")

func (b *h2Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errH2BodyClosed
	}
	n, err := b.r.Read(p)
	if err != nil {
		b.signal()
	}
	return n, err
}

// Close does not wait for a Read under way: the client calls it from a
// goroutine of its own, even while its writer is blocked in Read.
func (b *h2Body) Close() error {
	b.signal()
	return nil
}

func (b *h2Body) signal() { b.once.Do(func() { close(b.done) }) }

// drain reads the body's rest, once a Read under way has returned.
func (b *h2Body) drain() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	io.Copy(io.Discard, b.r)
}

// h2Error turns a failed stream into the error the proxy's parser
// reports, in nginx's words (ngx_http_proxy_v2_module): a stream the
// upstream reset is "upstream rejected request with error N", a request
// a GOAWAY left unprocessed "upstream sent goaway with error N" (both
// as an invalid header, for next_upstream); anything else, a connection
// that closed or broke, reads as the end of the connection ("upstream
// prematurely closed connection"), as over HTTP/1.x.
//
// net/http's HTTP/2 client has no exported error types; these are the
// texts of its errors (StreamError "stream error: stream ID 1;
// INTERNAL_ERROR; received from peer", and the two GOAWAY aborts).
func h2Error(err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "stream error: "); ok && strings.HasSuffix(rest, "; received from peer") {
		parts := strings.Split(rest, "; ")
		if len(parts) == 3 {
			if code, ok := h2CodeByName(parts[1]); ok {
				return &gatewayError{fmt.Errorf("upstream rejected request with error %d", code)}
			}
		}
	}
	if strings.Contains(msg, "graceful shutdown GOAWAY") {
		return &gatewayError{errors.New("upstream sent goaway with error 0")}
	}
	if _, name, ok := strings.Cut(msg, "received GOAWAY from server ErrCode:"); ok {
		if code, ok := h2CodeByName(name); ok {
			return &gatewayError{fmt.Errorf("upstream sent goaway with error %d", code)}
		}
	}
	return io.EOF
}

// h2Codes are the error code names of RFC 9113 section 7, by number.
var h2Codes = [...]string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
	"COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

// h2CodeByName reads an error code as net/http prints it: a name, or
// "unknown error code 0x1f".
func h2CodeByName(name string) (uint64, bool) {
	if i := slices.Index(h2Codes[:], name); i >= 0 {
		return uint64(i), true
	}
	if hex, ok := strings.CutPrefix(name, "unknown error code 0x"); ok {
		n, err := strconv.ParseUint(hex, 16, 32)
		return n, err == nil
	}
	return 0, false
}

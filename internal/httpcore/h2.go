package httpcore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HTTP/2 comes from Go's net/http server, adapted at the edge: a
// connection whose first bytes are the HTTP/2 preface (after ALPN "h2" on
// TLS, or with prior knowledge in cleartext) is handed to an http.Server
// that speaks only HTTP/2, and each of its streams is turned back into an
// HTTP/1.1 request header that the engine's own parser reads, so that
// every rule of the URI, Host and header checks applies unchanged. The
// stream's Response then writes through the http.ResponseWriter instead of
// serialising an HTTP/1 header. The handler sees Proto "HTTP/2.0".

// h2Preface is the client connection preface (RFC 9113 §3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// alpnConn is implemented by connections that know the protocol ALPN
// selected (the TLS wrapper of an ssl listener).
type alpnConn interface{ NegotiatedProtocol() string }

// wantsH2 reports whether the bytes at hand start an HTTP/2 connection
// that this connection may serve: HTTP/2 is on for the listener, or ALPN
// chose it.
func (c *conn) wantsH2() bool {
	if !c.idleFirst || c.info.Requests != 0 {
		return false
	}
	data := c.cur.b[c.pos:c.last]
	if len(data) < 4 {
		return false
	}
	n := min(len(data), len(h2Preface))
	if string(data[:n]) != h2Preface[:n] {
		return false
	}
	if c.set.HTTP2 {
		return true
	}
	a, ok := c.nc.(alpnConn)
	return ok && a.NegotiatedProtocol() == "h2"
}

// serveH2 hands the connection to the HTTP/2 server and waits until that
// is done with it. The connection stays listed (active) meanwhile, so
// CloseAll closes it and Wait waits for it; Drain sends GOAWAY through the
// server's shutdown.
func (c *conn) serveH2() {
	pending := slices.Clone(c.cur.b[c.pos:c.last])
	c.releaseBufs(false)
	c.releaseStream()
	c.nc.SetDeadline(time.Time{})
	c.rdl, c.wdl = 0, 0
	hc := &h2Conn{Conn: c.nc, c: c, pending: pending, done: make(chan struct{})}
	// nginx limits an HTTP/2 header field by its HPACK-encoded size, so
	// a field the size of a large header buffer may be larger decoded:
	// the streams parse their rendering with roomier buffers, and the
	// list as a whole is limited by the server (MaxHeaderBytes)
	set := *c.set
	set.LargeHeaderBufSize = max(set.LargeHeaderBufSize*2, 32<<10)
	hc.set = &set
	hc.large = bufPool(set.LargeHeaderBufSize)
	if c.srv.h2For(c.set).deliver(hc) {
		<-hc.done
	}
	c.shutdown()
}

// h2Conn is the connection as the HTTP/2 server sees it: the bytes the
// engine already read come first.
type h2Conn struct {
	net.Conn
	c        *conn
	set      *Settings  // the streams' settings
	large    *sync.Pool // their large header buffers
	pending  []byte
	requests atomic.Int64
	once     sync.Once
	done     chan struct{}
}

func (hc *h2Conn) Read(p []byte) (int, error) {
	if len(hc.pending) > 0 {
		n := copy(p, hc.pending)
		hc.pending = hc.pending[n:]
		return n, nil
	}
	return hc.Conn.Read(p)
}

// Close ends the HTTP/2 connection: the engine's goroutine closes the
// socket and unlists the connection.
func (hc *h2Conn) Close() error {
	hc.once.Do(func() { close(hc.done) })
	return nil
}

// h2Key is what distinguishes the HTTP/2 servers of one Server: the
// protocol settings of the listener's default server.
type h2Key struct {
	streams   int
	preread   int
	idle      time.Duration
	maxHeader int
}

// h2Server is one net/http server speaking HTTP/2 only, fed connections
// through a channel.
type h2Server struct {
	srv  *Server
	hs   *http.Server
	ch   chan net.Conn
	stop chan struct{}
	once sync.Once
}

type h2ConnKey struct{}

// h2For returns the HTTP/2 server for the settings set, starting it the
// first time.
func (s *Server) h2For(set *Settings) *h2Server {
	k := h2Key{streams: set.HTTP2MaxStreams, preread: set.HTTP2PrereadSize, idle: set.KeepaliveTimeout,
		maxHeader: set.LargeHeaderBuffers * set.LargeHeaderBufSize}
	if k.streams <= 0 {
		k.streams = 128
	}
	if k.preread <= 0 {
		k.preread = 64 << 10
	}
	s.h2mu.Lock()
	defer s.h2mu.Unlock()
	if h := s.h2[k]; h != nil {
		return h
	}
	h := &h2Server{srv: s, ch: make(chan net.Conn), stop: make(chan struct{})}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	idle := k.idle
	if idle <= 0 {
		idle = time.Millisecond
	}
	h.hs = &http.Server{
		Handler:   h,
		Protocols: &protos,
		HTTP2: &http.HTTP2Config{
			MaxConcurrentStreams:      k.streams,
			MaxReceiveBufferPerStream: k.preread,
			// nginx's connection window is the largest there is
			MaxReceiveBufferPerConnection: 1<<31 - 1,
		},
		IdleTimeout:    idle,
		MaxHeaderBytes: k.maxHeader,
		// "OPTIONS *" is the engine's to refuse as nginx does
		DisableGeneralOptionsHandler: true,
		// net/http's own complaints (a broken frame, a handler panic)
		// go to the debug level of the error log
		ErrorLog: log.New(debugWriter{s}, "", 0),
		ConnContext: func(ctx context.Context, nc net.Conn) context.Context {
			return context.WithValue(ctx, h2ConnKey{}, nc)
		},
	}
	if s.h2 == nil {
		s.h2 = map[h2Key]*h2Server{}
	}
	s.h2[k] = h
	go h.hs.Serve(h)
	return h
}

type debugWriter struct{ s *Server }

func (d debugWriter) Write(p []byte) (int, error) {
	d.s.logf(logDebug, nil, "%s", bytes.TrimRight(p, "\n"))
	return len(p), nil
}

// deliver passes hc to the server's accept loop; false when the server is
// shut down.
func (h *h2Server) deliver(hc *h2Conn) bool {
	select {
	case h.ch <- hc:
		return true
	case <-h.stop:
		return false
	}
}

// Accept, Close and Addr make h2Server the net.Listener of its http.Server.
func (h *h2Server) Accept() (net.Conn, error) {
	select {
	case c := <-h.ch:
		return c, nil
	case <-h.stop:
		return nil, net.ErrClosed
	}
}

func (h *h2Server) Close() error {
	h.once.Do(func() { close(h.stop) })
	return nil
}

func (h *h2Server) Addr() net.Addr { return &net.TCPAddr{} }

// shutdownH2 sends GOAWAY on every HTTP/2 connection (Drain); their
// streams finish and the connections close.
func (s *Server) shutdownH2() {
	s.h2mu.Lock()
	all := make([]*h2Server, 0, len(s.h2))
	for _, h := range s.h2 {
		all = append(all, h)
	}
	s.h2mu.Unlock()
	for _, h := range all {
		go h.hs.Shutdown(context.Background())
	}
}

// h2Stream is the net.Conn of one stream's engine connection: reads give
// the request header the engine parses and then the request body; writes
// go to the response body.
type h2Stream struct {
	hc    *h2Conn
	rw    http.ResponseWriter
	rc    *http.ResponseController
	head  []byte // the HTTP/1.1 header still to be read
	body  io.Reader
	chunk bool // the body has no length: it is read chunked
	cdone bool
	cdata []byte // framed bytes not yet read
	cin   []byte // scratch for the body's reads
	cout  []byte // scratch for the framed chunk
}

var errH2NoHijack = errors.New("httpcore: an HTTP/2 stream cannot be hijacked")

func (st *h2Stream) Read(p []byte) (int, error) {
	if len(st.head) > 0 {
		n := copy(p, st.head)
		st.head = st.head[n:]
		return n, nil
	}
	if st.body == nil {
		return 0, io.EOF
	}
	if !st.chunk {
		return st.body.Read(p)
	}
	return st.readChunked(p)
}

// readChunked frames the body of unknown length as chunked, which the
// engine's body reader decodes with its limits (nginx takes such a body
// as chunked too).
func (st *h2Stream) readChunked(p []byte) (int, error) {
	for len(st.cdata) == 0 {
		if st.cdone {
			return 0, io.EOF
		}
		if st.cin == nil {
			st.cin = make([]byte, 16<<10)
			st.cout = make([]byte, 0, 16<<10+16)
		}
		n, err := st.body.Read(st.cin)
		if n > 0 {
			b := strconv.AppendInt(st.cout[:0], int64(n), 16)
			b = append(b, '\r', '\n')
			b = append(b, st.cin[:n]...)
			st.cdata = append(b, '\r', '\n')
		} else if err == io.EOF {
			st.cdone = true
			st.cdata = append(st.cout[:0], "0\r\n\r\n"...)
		} else if err != nil {
			return 0, err
		}
	}
	n := copy(p, st.cdata)
	st.cdata = st.cdata[n:]
	return n, nil
}

func (st *h2Stream) Write(p []byte) (int, error) { return st.rw.Write(p) }
func (st *h2Stream) Close() error                { return nil }
func (st *h2Stream) LocalAddr() net.Addr         { return st.hc.LocalAddr() }
func (st *h2Stream) RemoteAddr() net.Addr        { return st.hc.RemoteAddr() }
func (st *h2Stream) SetDeadline(t time.Time) error {
	st.rc.SetReadDeadline(t)
	return st.rc.SetWriteDeadline(t)
}
func (st *h2Stream) SetReadDeadline(t time.Time) error  { return st.rc.SetReadDeadline(t) }
func (st *h2Stream) SetWriteDeadline(t time.Time) error { return st.rc.SetWriteDeadline(t) }

// ServeHTTP serves one stream: the request is written out as an HTTP/1.1
// header, parsed by the engine and answered by the Handler.
func (h *h2Server) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	hc, _ := req.Context().Value(h2ConnKey{}).(*h2Conn)
	if hc == nil {
		panic(http.ErrAbortHandler)
	}
	pc := hc.c
	st := &h2Stream{hc: hc, rw: rw, rc: http.NewResponseController(rw)}
	hasBody := req.Body != nil && req.Body != http.NoBody && req.ContentLength != 0
	if hasBody {
		st.body = req.Body
		st.chunk = req.ContentLength < 0
	}
	st.head = h2Head(req, st.chunk)

	c := &conn{srv: pc.srv, nc: st, fd: -1, tslot: -1, set: hc.set, born: pc.born,
		small: pc.small, large: hc.large, info: pc.info}
	c.info.Requests = int(hc.requests.Add(1))
	s := getStream(c)
	c.st = s
	s.h2 = st
	b := getBuf(c.small)
	n := copy(b.b, st.head)
	st.head = st.head[n:]
	c.takeBuffer(b, n)
	s.begin()
	r := &s.req
	r.Start = time.Now()
	s.clock = r.Start.UnixNano()
	// nginx reads the pseudo-header fields and the header fields of a
	// stream as one block: what it refuses, it refuses while reading
	// the request headers
	s.action = "reading client request headers"
	c.readRequest(s)
	if st.chunk && r.Err == 0 && len(r.Headers) > 0 {
		// the Transfer-Encoding made up above is not the client's
		r.Headers = r.Headers[:len(r.Headers)-1]
		s.uniq[uqTransferEncoding] = -1
	}
	r.Proto = "HTTP/2.0"
	if r.LineDone {
		r.RequestLine = r.Method + " " + r.RawURI + " HTTP/2.0"
	}
	if req.Method == "CONNECT" || r.Err != 0 && !r.HeaderDone {
		c.h2Refused(s, req)
	}
	for i := range r.Notes {
		r.Notes[i].Msg = h2Note(r.Notes[i].Msg)
	}
	r.Expect100 = false // net/http answers it when the body is read
	r.KeepAlive = r.Err == 0
	c.initResponse(s)
	ok := c.callHandler(s)
	o := &s.out
	abort := !ok || !o.headerSent || o.drop || o.hijacked
	if !abort && !o.finished {
		s.resp.Finish()
	}
	if o.incomplete || o.err != nil {
		abort = true
	}
	c.releaseBufs(false)
	c.releaseStream()
	if abort {
		if o.headerSent && !o.drop && !o.hijacked {
			// what the engine sent, net/http may still hold: the
			// header (nginx sends its HEADERS frame at once) and what
			// went of the body leave before the reset
			st.flush()
		}
		// RST_STREAM: the client sees the response cut short
		panic(http.ErrAbortHandler)
	}
}

// h2Refused makes a request the engine refused while parsing its
// HTTP/1.1 rendering (or a CONNECT) what nginx's HTTP/2 module has at the
// point it refuses it. nginx checks each pseudo-header field as it
// arrives and builds the request line only once the header block is
// complete: a request refused before (not by the checks that follow, as
// TRACE is) has no request line ($request and the error log's
// "request:" are empty), and nginx names the field it refused. The
// fields nginx had already taken are those sent before the refused one;
// weir cannot see the order (net/http hands over a map) and takes the
// one of Go's client and of browsers: :authority before :path.
func (c *conn) h2Refused(s *stream, req *http.Request) {
	r := &s.req
	hostRefused := false
	switch {
	case req.Method == "CONNECT":
		// nginx looks for :scheme (CONNECT has neither :scheme nor
		// :path) once the header block is complete
		c.refuse(s, 400, "client sent no :scheme header")
		r.Method = req.Method
		r.LineDone = false
	case !strings.HasPrefix(req.RequestURI, "/"):
		// "OPTIONS *": net/http accepts the asterisk, nginx wants a path
		c.refuse(s, 400, "client sent invalid :path header: \""+req.RequestURI+"\"")
	case r.ErrMsg == clientErrors[parseInvalidMethod]+" while "+s.action:
		c.refuse(s, 400, "client sent invalid method: \""+req.Method+"\"")
	case strings.HasPrefix(r.ErrMsg, "client sent invalid host header"):
		// :authority comes first: nginx has nothing else yet
		hostRefused = true
		r.LineDone = false
	}
	r.RequestLine = ""
	if _, ok := r.Header("Host"); !ok && req.Host != "" && !hostRefused {
		// refused in the request line, before the rendered Host
		r.Headers = append(r.Headers, Header{Name: "host", Value: req.Host})
	}
}

// h2Note is the text of an info-level note in nginx's HTTP/2 words: an
// ignored header field is named without its value.
func h2Note(msg string) string {
	const line = "client sent invalid header line: \""
	if rest, ok := strings.CutPrefix(msg, line); ok {
		name, _, ok := strings.Cut(rest, ": ")
		if i := strings.LastIndex(rest, "\" while "); ok && i >= 0 {
			return "client sent invalid header: \"" + name + rest[i:]
		}
	}
	return msg
}

// h2Head writes req out as the HTTP/1.1 header nginx's HTTP/2 module
// builds for its request processing: the request line, Host from
// :authority, then the header fields by their HTTP/2 names, in lower
// case (net/http keeps them in a map: they come sorted by name).
func h2Head(req *http.Request, chunked bool) []byte {
	b := make([]byte, 0, 256)
	if req.Method == "CONNECT" {
		// no :path: rendered so that the header fields are taken (see
		// h2Refused)
		b = append(b, "GET /"...)
	} else {
		b = append(b, req.Method...)
		b = append(b, ' ')
		b = append(b, req.RequestURI...)
	}
	b = append(b, " HTTP/1.1\r\n"...)
	if req.Host != "" {
		b = append(b, "Host: "...)
		b = append(b, req.Host...)
		b = append(b, "\r\n"...)
	}
	names := make([]string, 0, len(req.Header))
	for k := range req.Header {
		if k == "Host" || k == "Transfer-Encoding" {
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		name := strings.ToLower(k)
		for _, v := range req.Header[k] {
			b = append(b, name...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	return append(b, "\r\n"...)
}

// h2Hop are the connection-specific fields HTTP/2 forbids (RFC 9113
// §8.2.2); nginx's HTTP/2 filter drops them too.
func h2Hop(name string) bool {
	switch len(name) {
	case 7:
		return EqualFold(name, "Upgrade")
	case 10:
		return EqualFold(name, "Connection") || EqualFold(name, "Keep-Alive")
	case 16:
		return EqualFold(name, "Proxy-Connection")
	case 17:
		return EqualFold(name, "Transfer-Encoding")
	}
	return false
}

// writeHeaderH2 is WriteHeader for an HTTP/2 stream: the fields go to the
// ResponseWriter, which HPACK-encodes them with the body's first flush.
func (w *Response) writeHeaderH2(s *stream, hp headPlan) {
	o := &s.out
	h := s.h2.rw.Header()
	size := 9 + 4 // frame header and :status
	// The values (and the names of w.Header) may be views into buffers
	// that are reused once the request is over (a proxied answer's
	// header), and HPACK keeps the fields it sends in its dynamic table
	// for the connection's life: each is copied, or the table's strings
	// would change under it and corrupt its index.
	set := func(name, value string) {
		h[name] = append(h[name], strings.Clone(value))
		size += len(name) + len(value) + 2
	}
	if w.Server != "" {
		set("Server", w.Server)
	}
	if !w.NoDate {
		set("Date", string(appendDate(nil, time.Unix(0, s.clock))))
	}
	if hp.ctype != "" {
		set("Content-Type", hp.ctype)
	} else {
		h["Content-Type"] = nil // no sniffing
	}
	if hp.cl >= 0 {
		set("Content-Length", strconv.FormatInt(hp.cl, 10))
	} else {
		// a body of unknown length goes without one, as nginx sends
		// it; net/http would make one up for a body that fits its
		// buffer when the handler is done
		h["Content-Length"] = nil
	}
	if !hp.lm.IsZero() {
		set("Last-Modified", string(s.appendLastModified(nil, hp.lm)))
	}
	if w.Location != "" {
		set("Location", w.Location)
	}
	for _, f := range w.Header {
		if h2Hop(f.Name) {
			continue
		}
		set(strings.Clone(textproto.CanonicalMIMEHeaderKey(f.Name)), f.Value)
	}
	if _, ok := h["Date"]; !ok {
		h["Date"] = nil
	}
	status := hp.status
	if status < 100 || status > 999 || status == 101 {
		status = 500
	}
	s.h2.rw.WriteHeader(status)
	o.headerLen = int64(size)
	o.sent = int64(size)
	o.keepAlive = true
	w.KeepAlive = true
	o.headOnly = hp.headerOnly
	if hp.cl >= 0 && !hp.headerOnly {
		o.clKnown = true
		o.remain = hp.cl
	}
}

// flush pushes what the ResponseWriter holds to the client; an error
// (the client is gone) shows in the next write.
func (st *h2Stream) flush() { st.rc.Flush() }

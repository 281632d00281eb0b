package httpcore

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
)

// h2Stream is one request stream. It is the net.Conn of the stream's
// engine connection: reads give the HTTP/1.1 rendering of the request
// header and then the request body; writes are the response body, sent
// as DATA frames.
type h2Stream struct {
	hc                      *h2Conn
	id                      uint32
	request                 int // $connection_requests
	method, path, authority string
	refuse                  string // see h2Block.refuse
	invalid                 string // see h2Block.invalid
	cut                     bool   // see h2Block.cut
	taken                   uint8  // the pseudo-header fields taken
	first                   *buf   // the rendering, in the engine's first header buffer
	firstN                  int
	head                    []byte // what did not fit there
	body                    bool   // a request body follows
	chunk, cdone            bool   // the body has no length: it is read chunked
	cdata, cin, cout        []byte
	rdl, wdl                int64 // deadlines (unix nanoseconds, 0 none)
	out                     *outWriter
	ec                      conn // the stream's engine connection, pooled with it
	wake                    chan struct{}
	rwake                   chan struct{} // the body reader's, which may wait while a writer does

	// guarded by hc.mu
	sendWindow int64
	waitWindow bool // waits for the connection's window
	recv       *buf // body bytes received and not yet read: recv.b[rpos:rend]
	rpos, rend int
	recvWindow int64         // what the client may still send
	unacked    int           // bytes read, not yet given back to the client's window
	recvEnd    bool          // END_STREAM received
	cl, got    int64         // content-length (-1 none), DATA bytes received
	rst        bool          // reset, by either side
	peerRst    bool          // by the client
	peerCode   http2.ErrCode // the client's RST_STREAM code
	bodyStop   bool          // StopBody: reads of the body fail
	gone       bool          // ended by weir as nginx's ngx_http_v2_terminate_stream or connection error: a body read ends as for the client's reset
	onGone     func(error)   // Request.WatchGone's, run when the stream is reset or its connection ends
	parked     bool          // the handler waits for the client (its body, a window)
	noFlow     bool          // BufferBody: the client may send the whole body at once; DATA waits for the handler's reads
	skipData   bool          // its DATA is dropped: the body was discarded (skip), or an answer started before the client sent all of a body read under noFlow
	lateEnd    bool          // END_STREAM came only after skipData (nginx had closed the stream by then)
	handling   bool          // the handler runs
	ended      bool          // END_STREAM sent
	endGen     uint64        // the wbuf generation that holds it
	lastOff    int           // where in wbuf the stream's last HEADERS or DATA frame is, -1 if gone
	lastGen    uint64
}

var h2StreamPool = sync.Pool{New: func() any { return &h2Stream{wake: make(chan struct{}, 1), rwake: make(chan struct{}, 1)} }}

// newStream makes the stream of the request header block hb; hc.mu is
// held.
func (hc *h2Conn) newStream(hb *h2Block, body, chunk bool) *h2Stream {
	st := h2StreamPool.Get().(*h2Stream)
	wake, rwake := st.wake, st.rwake
	*st = h2Stream{hc: hc, id: hb.id, method: hb.method, path: hb.path, authority: hb.authority,
		refuse: hb.refuse, invalid: hb.invalid, cut: hb.cut, taken: hb.pseudo,
		body: body, chunk: chunk, wake: wake, rwake: rwake, sendWindow: hc.initWindow,
		recvWindow: int64(hc.preread()), recvEnd: hb.endStream, cl: max(hb.cl, -1), lastOff: -1}
	select {
	case <-wake:
	default:
	}
	select {
	case <-rwake:
	default:
	}
	b := getBuf(hc.c.small)
	st.first = b
	st.firstN = copy(b.b, hb.head)
	if st.firstN < len(hb.head) {
		st.head = append([]byte(nil), hb.head[st.firstN:]...)
	}
	return st
}

// signal wakes the stream's goroutines if they wait: the handler's, and
// a reader of the body on another goroutine (StopBody).
func (st *h2Stream) signal() {
	select {
	case st.wake <- struct{}{}:
	default:
	}
	select {
	case st.rwake <- struct{}{}:
	default:
	}
}

// wait waits for a signal until the deadline dl (0: none); hc.mu is held
// and released meanwhile.
func (st *h2Stream) wait(dl int64) error { return st.waitOn(st.wake, dl) }

// waitOn is wait on one of the stream's wake channels.
func (st *h2Stream) waitOn(wake chan struct{}, dl int64) error {
	hc := st.hc
	st.parked = st.handling
	if st.parked {
		hc.startedLocked(st.id)
	}
	hc.mu.Unlock()
	defer func() {
		hc.mu.Lock()
		st.parked = false
	}()
	if dl == 0 {
		<-wake
		return nil
	}
	d := time.Until(time.Unix(0, dl))
	if d <= 0 {
		return os.ErrDeadlineExceeded
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-wake:
		return nil
	case <-t.C:
		return os.ErrDeadlineExceeded
	}
}

var (
	errH2NoHijack = errors.New("httpcore: an HTTP/2 stream cannot be hijacked")
	errH2Reset    = errors.New("http2: stream reset")
)

// ErrStreamReset is the error of a read of an HTTP/2 request body that
// the client reset (RST_STREAM): Request.ErrMsg then has nginx's line
// for the reset ("client canceled stream 1"), which nginx writes as the
// frame arrives, and the handler ends the request as nginx's
// ngx_http_v2_read_client_request_body_handler: "client prematurely
// closed stream" and 499.
var ErrStreamReset = errors.New("client prematurely closed stream")

// peerResetMsg is nginx's line for the client's reset of the stream.
func (st *h2Stream) peerResetMsg() string {
	st.hc.mu.Lock()
	defer st.hc.mu.Unlock()
	if !st.peerRst {
		// weir's own reset, logged when it was sent
		return ""
	}
	return peerResetText(st.id, st.peerCode)
}

// peerResetText is nginx's line for a client's RST_STREAM
// (ngx_http_v2_state_rst_stream).
func peerResetText(id uint32, code http2.ErrCode) string {
	n := strconv.FormatUint(uint64(id), 10)
	switch code {
	case http2.ErrCodeCancel:
		return "client canceled stream " + n
	case http2.ErrCodeInternal:
		return "client terminated stream " + n + " due to internal error"
	}
	return "client terminated stream " + n + " with status " + strconv.FormatUint(uint64(code), 10)
}

// take keeps DATA bytes for the reader; hc.mu is held. The window the
// client was given bounds them by the buffer's size, and under noFlow
// the connection's reader gives no more than room.
func (st *h2Stream) take(data []byte) {
	st.ensureRecv()
	if st.rend+len(data) > len(st.recv.b) {
		st.rend = copy(st.recv.b, st.recv.b[st.rpos:st.rend])
		st.rpos = 0
	}
	st.rend += copy(st.recv.b[st.rend:], data)
}

// ensureRecv gives the stream its receive buffer; hc.mu is held.
func (st *h2Stream) ensureRecv() {
	if st.recv == nil {
		st.recv = getBuf(bufPool(st.hc.preread()))
	}
}

// room is what the receive buffer can still take; hc.mu is held.
func (st *h2Stream) room() int {
	st.ensureRecv()
	return len(st.recv.b) - (st.rend - st.rpos)
}

// BufferBody tells an HTTP/2 stream that the handler now reads the whole
// body before it answers (into memory and a temp file), as nginx's
// ngx_http_v2_read_request_body for a buffered body: unless the client
// has sent all of it already, the stream's flow control is lifted, with
// a WINDOW_UPDATE that opens its window to the largest there is, so that
// a client on a long path sends the body at its own pace rather than a
// window per round trip. The DATA frames then wait only for the
// handler's reads; once an answer starts (an error that ends the
// reading, such as 413), the rest of the body is dropped as it comes.
// Elsewhere it does nothing.
func (r *Request) BufferBody() {
	s := r.impl.s
	if s == nil || s.h2 == nil {
		return
	}
	st := s.h2
	hc := st.hc
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if !st.body || st.noFlow || st.recvEnd || st.rst || hc.dead {
		return
	}
	st.noFlow = true
	if size := h2MaxWindow - st.recvWindow; size > 0 {
		hc.fr.WriteWindowUpdate(st.id, uint32(size))
		st.recvWindow = h2MaxWindow
		hc.flushLocked()
	}
}

// skip is nginx's skip_data for a body the handler discards
// (ngx_http_discard_request_body): what the client still sends is
// dropped as it comes, and since nginx then never marks the stream
// half-closed, it ends with RST_STREAM NO_ERROR after the answer unless
// END_STREAM came before.
func (st *h2Stream) skip() {
	hc := st.hc
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if st.recvEnd || st.skipData {
		return
	}
	st.skipData = true
	st.rpos, st.rend = 0, 0
	hc.roomFreed()
}

// roomFreed wakes the connection's reader if it waits for room in a
// stream's receive buffer (see onData); hc.mu is held.
func (hc *h2Conn) roomFreed() {
	select {
	case hc.room <- struct{}{}:
	default:
	}
}

func (st *h2Stream) Read(p []byte) (int, error) {
	if len(st.head) > 0 {
		n := copy(p, st.head)
		st.head = st.head[n:]
		return n, nil
	}
	if !st.body {
		return 0, io.EOF
	}
	if st.chunk {
		return st.readChunked(p)
	}
	return st.readBody(p)
}

// readBody reads what DATA frames brought, giving the bytes read back to
// the client's stream window once they make half of it.
func (st *h2Stream) readBody(p []byte) (int, error) {
	hc := st.hc
	hc.mu.Lock()
	defer hc.mu.Unlock()
	for {
		if st.cl >= 0 && st.got > st.cl {
			// the DATA went past the content-length: 400. nginx
			// finds it in the frame that does, which it has then
			// read (with its END_STREAM, if it has one): what is
			// buffered counts as read
			st.rpos, st.rend = 0, 0
			return 0, &bodyMismatch{"client intended to send body data larger than declared"}
		}
		if st.rend > st.rpos {
			n := copy(p, st.recv.b[st.rpos:st.rend])
			st.rpos += n
			if st.rpos == st.rend {
				st.rpos, st.rend = 0, 0
			}
			st.unacked += n
			if st.noFlow {
				// the connection's reader may wait for room
				hc.roomFreed()
			} else if !st.recvEnd && !st.rst && st.unacked >= hc.preread()/2 {
				hc.fr.WriteWindowUpdate(st.id, uint32(st.unacked))
				st.recvWindow += int64(st.unacked)
				st.unacked = 0
				hc.flushLocked()
			}
			return n, nil
		}
		switch {
		case st.peerRst, st.gone && !st.bodyStop:
			return 0, ErrStreamReset
		case st.rst || hc.dead || st.bodyStop:
			return 0, errH2Reset
		case st.recvEnd && st.cl >= 0 && st.got < st.cl:
			// ngx_http_v2_process_request_body: 400
			return 0, &bodyMismatch{fmt.Sprintf("client prematurely closed stream: only %d out of %d bytes of request body received", st.got, st.cl)}
		case st.recvEnd:
			return 0, io.EOF
		}
		if err := st.waitOn(st.rwake, st.rdl); err != nil {
			return 0, err
		}
	}
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
		n, err := st.readBody(st.cin)
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

// Write sends p as DATA frames within the stream's and the connection's
// windows and the client's frame size. The frames are gathered in the
// connection's buffer; a large buffer is written out at once.
func (st *h2Stream) Write(p []byte) (int, error) {
	hc := st.hc
	hc.mu.Lock()
	defer hc.mu.Unlock()
	n := 0
	for n < len(p) {
		if st.rst || hc.dead || st.ended {
			return n, errH2Reset
		}
		if hc.werr != nil {
			return n, hc.werr
		}
		k := int64(len(p) - n)
		k = min(k, st.sendWindow, hc.sendWindow, int64(hc.maxFrame))
		if k <= 0 || len(hc.wbuf) >= h2FlushSize {
			// a write to the client may block: as nginx's, whose
			// stream then waits for the socket, the frames read on
			hc.startedLocked(st.id)
		}
		if k <= 0 {
			// the client reads the frames before it opens its window;
			// the write releases hc.mu, so the windows are looked at
			// again before waiting
			hc.flushLocked()
			if st.sendWindow > 0 && hc.sendWindow > 0 {
				continue
			}
			st.waitWindow = true
			err := st.wait(st.wdl)
			st.waitWindow = false
			if err != nil {
				return n, err
			}
			continue
		}
		if len(hc.wbuf) >= h2MaxPending && hc.flushing {
			hc.drained.Wait()
			continue
		}
		st.lastOff = len(hc.wbuf)
		st.lastGen = hc.wgen
		hc.wbuf = appendFrameHeader(hc.wbuf, int(k), http2.FrameData, 0, st.id)
		hc.wbuf = append(hc.wbuf, p[n:n+int(k)]...)
		st.sendWindow -= k
		hc.sendWindow -= k
		n += int(k)
		if len(hc.wbuf) >= h2FlushSize && !st.out.finished {
			// the response goes on: what is gathered leaves now (the
			// rest of a finished one leaves with its END_STREAM)
			hc.flushLocked()
		}
	}
	return n, nil
}

func (st *h2Stream) Close() error         { return nil }
func (st *h2Stream) LocalAddr() net.Addr  { return st.hc.nc.LocalAddr() }
func (st *h2Stream) RemoteAddr() net.Addr { return st.hc.nc.RemoteAddr() }

func (st *h2Stream) SetDeadline(t time.Time) error {
	st.SetReadDeadline(t)
	return st.SetWriteDeadline(t)
}

func (st *h2Stream) SetReadDeadline(t time.Time) error {
	st.rdl = deadlineNanos(t)
	return nil
}

func (st *h2Stream) SetWriteDeadline(t time.Time) error {
	st.wdl = deadlineNanos(t)
	return nil
}

func deadlineNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// flush writes out what the connection gathered; an error (the client is
// gone) shows in the next write.
func (st *h2Stream) flush() {
	hc := st.hc
	hc.mu.Lock()
	hc.flushLocked()
	hc.mu.Unlock()
}

// Stream goroutines. A goroutine that has served a stream waits for the
// next one instead of ending (up to h2MaxIdleWorkers wait), so that a
// stream starts on a stack already grown to what the handler needs: a
// new goroutine grows its stack, copying it, several times on the
// proxy's path.
var (
	h2Workers     = make(chan *h2Stream) // a send succeeds only when a worker waits
	h2IdleWorkers atomic.Int32
)

const h2MaxIdleWorkers = 128

// startStream serves st on a waiting goroutine, or on a new one.
func startStream(st *h2Stream) {
	select {
	case h2Workers <- st:
	default:
		go h2Worker(st)
	}
}

func h2Worker(st *h2Stream) {
	for {
		st.serve()
		if h2IdleWorkers.Add(1) > h2MaxIdleWorkers {
			h2IdleWorkers.Add(-1)
			return
		}
		st = <-h2Workers
		h2IdleWorkers.Add(-1)
	}
}

// serve serves the stream: the engine parses the rendering and the
// Handler answers.
func (st *h2Stream) serve() {
	hc := st.hc
	pc := hc.c
	st.ec = conn{srv: pc.srv, nc: st, fd: -1, tslot: -1, set: hc.set, born: pc.born,
		small: pc.small, large: hc.large, info: pc.info}
	c := &st.ec
	c.info.Requests = st.request
	s := getStream(c)
	c.st = s
	s.h2 = st
	st.out = &s.out
	c.takeBuffer(st.first, st.firstN)
	st.first = nil
	s.begin()
	s.statBegin()
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
	if st.refuse != "" || st.invalid != "" || st.cut {
		c.h2Refuse(s, st)
	} else if st.method == "CONNECT" || r.Err != 0 && !r.HeaderDone {
		c.h2Refused(s, st)
	} else if r.Err == 0 && !st.body && st.cl > 0 {
		// a content-length and END_STREAM with the header block:
		// ngx_http_v2_run_request answers 400 once the header is
		// taken
		c.refuse(s, 400, "client prematurely closed stream")
	}
	for i := range r.Notes {
		// nginx's HTTP/2 module checks each field as it comes, before
		// it builds the request line
		r.Notes[i].Msg = h2Note(r.Notes[i].Msg)
		r.Notes[i].NoLine = true
	}
	// nginx's HTTP/2 module sends no 100 (Continue): the client sends
	// the body when its own wait is over
	r.Expect100 = false
	r.KeepAlive = r.Err == 0
	if r.Err == 0 {
		s.statWrite()
	}
	c.initResponse(s)
	hc.mu.Lock()
	st.handling = true
	hc.mu.Unlock()
	ok := c.callHandler(s)
	o := &s.out
	abort := !ok || !o.headerSent || o.drop || o.hijacked
	if !abort && !o.finished {
		s.resp.Finish()
	}
	if o.incomplete || o.err != nil {
		abort = true
	}
	// nginx resets a stream it closes without a response (444, a
	// timeout) with PROTOCOL_ERROR: ngx_http_finalize_request marks the
	// connection timed out, and ngx_http_v2_close_stream tells that from
	// a response cut short (INTERNAL_ERROR)
	code := http2.ErrCodeInternal
	if ok && (!o.headerSent || o.drop) {
		code = http2.ErrCodeProtocol
	}
	c.releaseBufs(false)
	c.releaseStream()
	st.out = nil
	st.end(abort, code)
}

// end closes the stream after its handler: END_STREAM (set on the last
// frame if it is still in the buffer) or RST_STREAM, and RST_STREAM
// NO_ERROR when the client has not finished sending a body nobody reads
// (RFC 9113 §8.1, as ngx_http_v2_close_stream).
func (st *h2Stream) end(abort bool, code http2.ErrCode) {
	hc := st.hc
	hc.mu.Lock()
	defer hc.mu.Unlock()
	hc.startedLocked(st.id)
	if !st.rst && !hc.dead {
		switch {
		case abort:
			hc.resetLocked(st.id, code)
		default:
			if !st.ended {
				if st.lastOff >= 0 && st.lastGen == hc.wgen && st.lastOff+h2FrameHeaderLen <= len(hc.wbuf) {
					hc.wbuf[st.lastOff+4] |= byte(http2.FlagDataEndStream)
				} else {
					hc.wbuf = appendFrameHeader(hc.wbuf, 0, http2.FrameData, http2.FlagDataEndStream, st.id)
				}
				st.ended, st.endGen = true, hc.wgen
			}
			if !st.recvEnd || st.lateEnd {
				hc.resetLocked(st.id, http2.ErrCodeNo)
			}
		}
	}
	delete(hc.streams, st.id)
	if st.noFlow {
		hc.roomFreed()
	}
	if st.recv != nil {
		st.recv.free()
		st.recv = nil
	}
	if len(hc.streams) == 0 {
		// idle: ngx_http_v2_handle_connection makes it reusable
		hc.c.setWaiting(true)
		hc.idle = nanotime()
		if hc.goingAway || hc.peerGoAway {
			defer hc.kick()
		}
	}
	hc.flushSoonLocked()
	st.hc = nil
	st.head, st.cdata = nil, nil
	st.ec = conn{}
	h2StreamPool.Put(st)
}

// h2Refused makes a request the engine refused while parsing its
// HTTP/1.1 rendering (or a CONNECT) what nginx's HTTP/2 module has at the
// point it refuses it. nginx checks each pseudo-header field as it
// arrives and builds the request line only once the header block is
// complete: a request refused before (not by the checks that follow, as
// TRACE is) has no request line ($request and the error log's
// "request:" are empty), and nginx names the field it refused. The
// fields nginx had already taken are those sent before the refused one:
// weir takes the order of Go's client and of browsers, :authority before
// :path.
func (c *conn) h2Refused(s *stream, st *h2Stream) {
	r := &s.req
	hostRefused := false
	switch {
	case st.method == "CONNECT":
		// nginx looks for :scheme (CONNECT has neither :scheme nor
		// :path) once the header block is complete
		c.refuse(s, 400, "client sent no :scheme header")
		r.Method = st.method
		r.LineDone = false
	case !strings.HasPrefix(st.path, "/"):
		// "OPTIONS *": nginx wants a path
		c.refuse(s, 400, "client sent invalid :path header: \""+st.path+"\"")
	case r.ErrMsg == clientErrors[parseInvalidMethod]+" while "+s.action:
		c.refuse(s, 400, "client sent invalid method: \""+st.method+"\"")
	case strings.HasPrefix(r.ErrMsg, "client sent invalid host header") && st.taken&h2Authority != 0:
		// :authority comes first: nginx has nothing else yet
		hostRefused = true
		r.LineDone, r.Args = false, ""
	case strings.HasPrefix(r.ErrMsg, "client sent invalid host header"):
		// a host field, after the pseudo-header ones: nginx had taken
		// :path ($uri, $request_uri), though it builds no request line
		hostRefused = true
	}
	r.RequestLine = ""
	if _, ok := r.Header("Host"); !ok && st.authority != "" && !hostRefused {
		// refused in the request line, before the rendered Host
		r.Headers = append(r.Headers, Header{Name: "host", Value: st.authority})
	}
}

// h2Refuse answers 400 to a request whose pseudo-header fields nginx
// refuses (see h2Block.refuse): nginx has no request line then, and
// what it had not taken ($request_method, $uri, $request_uri) is not
// found.
func (c *conn) h2Refuse(s *stream, st *h2Stream) {
	r := &s.req
	if st.cut {
		// only logged, 000, without a line in the error log; nginx
		// makes the request line at the block's end, the URI as
		// :path comes
		r.Err, r.ErrMsg = StatusLogOnly, ""
		r.KeepAlive = false
		r.NoResponse = true
		r.RequestLine = ""
		if st.taken&h2Path == 0 {
			r.LineDone, r.Args = false, ""
		}
		if st.taken&h2Method == 0 {
			r.Method = ""
		}
		return
	}
	if st.invalid != "" {
		// the stream is reset: the request is only logged, 000
		c.refuse(s, StatusLogOnly, st.invalid)
		r.NoResponse = true
	} else {
		c.refuse(s, 400, st.refuse)
	}
	r.RequestLine = ""
	if st.taken&h2Method == 0 {
		r.Method = ""
	}
	if st.taken&h2Path == 0 {
		r.LineDone, r.Args = false, ""
	}
}

// StatusLogOnly is the Request.Err of a request nginx gave up without an
// answer and logs with status 000 (an HTTP/2 stream reset for a field
// it refuses); r.NoResponse is set with it.
const StatusLogOnly = 1

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

// writeHeaderH2 is WriteHeader for an HTTP/2 stream: a HEADERS frame
// (and CONTINUATION frames past the client's frame size), in nginx's
// order (ngx_http_v2_header_filter): :status, server, date,
// content-type, content-length, last-modified, location, then the fields
// as the handler gives them, by lower-case names. As nginx, weir encodes
// every field as a literal without indexing (HPACK's dynamic table is not
// used for responses): the names from the static table where it has them,
// the values Huffman-coded when that is shorter. Nothing of a field is
// kept beyond the call, so the values may be views into buffers the
// handler reuses (a proxied answer's header).
func (w *Response) writeHeaderH2(s *stream, hp headPlan) {
	o := &s.out
	st := s.h2
	hc := st.hc
	status := hp.status
	if status < 100 || status > 999 || status == 101 {
		status = 500
	}
	hc.mu.Lock()
	if st.noFlow && !(st.recvEnd && st.rpos == st.rend) {
		// the handler stopped reading the body to answer (an error):
		// what the client still sends is dropped, as nginx's skip_data.
		// nginx reads a body as it comes, so an END_STREAM still in
		// the buffer is one it has not seen: its stream ends with
		// RST_STREAM NO_ERROR after the answer, as when END_STREAM
		// comes later (lateEnd, see onData)
		st.skipData = true
		st.lateEnd = st.recvEnd
		st.rpos, st.rend = 0, 0
		hc.roomFreed()
	}
	b := hc.encBuf[:0]
	if hc.tableUpdate {
		// the client lowered SETTINGS_HEADER_TABLE_SIZE: the table
		// weir does not use is made empty (RFC 7541 §4.2)
		b = append(b, 0x20)
		hc.tableUpdate = false
	}
	b = h2AppendStatus(b, status)
	if w.Server != "" {
		b = h2AppendIndexed(b, h2IdxServer, w.Server)
	}
	if !w.NoDate {
		b = append(b, hc.date(s.clock)...)
	}
	if hp.ctype != "" {
		b = h2AppendIndexed(b, h2IdxContentType, hp.ctype)
	}
	if hp.cl >= 0 {
		var num [20]byte
		b = h2AppendIndexed(b, h2IdxContentLength, unsafeString(strconv.AppendInt(num[:0], hp.cl, 10)))
	}
	if !hp.lm.IsZero() {
		var lm [32]byte
		b = h2AppendIndexed(b, h2IdxLastModified, unsafeString(s.appendLastModified(lm[:0], hp.lm)))
	}
	if w.Location != "" {
		b = h2AppendIndexed(b, h2IdxLocation, w.Location)
	}
	if w.GzipVary {
		b = h2AppendLiteral(b, &hc.lower, "Vary", "Accept-Encoding")
	}
	for _, f := range w.Header {
		if h2Hop(f.Name) {
			continue
		}
		b = h2AppendLiteral(b, &hc.lower, f.Name, f.Value)
	}
	hc.encBuf = b
	if !st.rst && !hc.dead {
		flags := http2.FlagHeadersEndHeaders
		if hp.headerOnly {
			flags |= http2.FlagHeadersEndStream
			st.ended, st.endGen = true, hc.wgen
		}
		st.lastOff, st.lastGen = len(hc.wbuf), hc.wgen
		hc.appendHeaderBlock(st.id, b, flags)
	}
	// $bytes_sent counts the frames, as nginx does
	size := hc.headerBlockSize(len(b))
	hc.mu.Unlock()
	o.headerLen = size
	o.sent = size
	o.keepAlive = true
	w.KeepAlive = true
	o.headOnly = hp.headerOnly
	if hp.cl >= 0 && !hp.headerOnly {
		o.clKnown = true
		o.remain = hp.cl
	}
}

// date is the encoded Date field for the time t (unix nanoseconds),
// made once a second per connection; hc.mu is held.
func (hc *h2Conn) date(t int64) []byte {
	sec := t / int64(time.Second)
	if sec != hc.dateSec || len(hc.dateEnc) == 0 {
		hc.dateSec = sec
		var d [32]byte
		hc.dateEnc = h2AppendIndexed(hc.dateEnc[:0], h2IdxDate, unsafeString(appendDate(d[:0], t)))
	}
	return hc.dateEnc
}

// appendHeaderBlock appends the header block b as a HEADERS frame with
// flags and as many CONTINUATION frames as the client's frame size
// makes it need; hc.mu is held.
func (hc *h2Conn) appendHeaderBlock(id uint32, b []byte, flags http2.Flags) {
	first := b
	if len(first) > hc.maxFrame {
		first = b[:hc.maxFrame]
		flags &^= http2.FlagHeadersEndHeaders
	}
	hc.wbuf = appendFrameHeader(hc.wbuf, len(first), http2.FrameHeaders, flags, id)
	hc.wbuf = append(hc.wbuf, first...)
	for rest := b[len(first):]; len(rest) > 0; {
		k := min(len(rest), hc.maxFrame)
		var fl http2.Flags
		if k == len(rest) {
			fl = http2.FlagContinuationEndHeaders
		}
		hc.wbuf = appendFrameHeader(hc.wbuf, k, http2.FrameContinuation, fl, id)
		hc.wbuf = append(hc.wbuf, rest[:k]...)
		rest = rest[k:]
	}
}

// headerBlockSize is the bytes a header block of n bytes takes on the
// wire, frame headers included.
func (hc *h2Conn) headerBlockSize(n int) int64 {
	return int64(n + h2FrameHeaderLen*(1+max(n-1, 0)/hc.maxFrame))
}

// StopBody makes a Read of an HTTP/2 request's body that waits for the
// client return at once with an error, and every later one: a handler
// that reads the body on a goroutine of its own while it answers (the
// grpc module streams both ways at once) stops that reader once the
// answer is complete, before the stream ends. It reports false for a
// request that is not an HTTP/2 stream (its reads are not stopped).
func (r *Request) StopBody() bool {
	s := r.impl.s
	if s == nil || s.h2 == nil {
		return false
	}
	st := s.h2
	hc := st.hc
	hc.mu.Lock()
	st.bodyStop = true
	if st.noFlow {
		hc.roomFreed()
	}
	hc.mu.Unlock()
	st.signal()
	return true
}

// Yield tells an HTTP/2 connection that the request's handler is about
// to wait for something other than the client (an upstream, a delay):
// the connection's reader, which waits for a new stream's handler to get
// to its first wait before it reads the next frame (as nginx runs a
// request as its header block ends), goes on. Elsewhere it does nothing.
func (r *Request) Yield() {
	if s := r.impl.s; s != nil && s.h2 != nil {
		s.h2.yield()
	}
}

// yield is Request.Yield for the stream.
func (st *h2Stream) yield() {
	hc := st.hc
	hc.mu.Lock()
	hc.startedLocked(st.id)
	hc.mu.Unlock()
}

// IsH2 reports whether the request came on an HTTP/2 stream.
func (r *Request) IsH2() bool { return r.impl.s != nil && r.impl.s.h2 != nil }

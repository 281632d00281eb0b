package httpcore

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// HTTP/2 is weir's own server on x/net's Framer and HPACK codec, adapted
// at the edge: a connection whose first bytes are the HTTP/2 preface
// (after ALPN "h2" on TLS, or with prior knowledge in cleartext) is read
// frame by frame by its own goroutine (h2.go), each stream's header block
// is decoded and written out as the HTTP/1.1 request header nginx's
// HTTP/2 module builds (h2head.go), and a goroutine per stream has the
// engine parse that rendering and the Handler answer it, so that every
// rule of the URI, Host and header checks applies unchanged. The
// stream's Response writes HEADERS and DATA frames instead of an HTTP/1
// header and body (h2stream.go). The handler sees Proto "HTTP/2.0".
//
// Frames leave through one buffer per connection: whoever appends a frame
// and finds no write in progress writes the buffer out, and frames
// appended meanwhile leave with the next write, so that the responses of
// many streams share a system call (and a TLS record) when the
// connection is busy (nginx's ngx_http_v2_send_output_queue).

// h2Preface is the client connection preface (RFC 9113 §3.4).
const h2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// Protocol limits (RFC 9113 §6.5.2, §6.9.1).
const (
	h2MaxWindow      = 1<<31 - 1
	h2DefaultWindow  = 65535
	h2MinFrameSize   = 16384
	h2ReadFrameSize  = 1 << 20 // the largest frame weir reads
	h2SendTimeout    = 60 * time.Second
	h2FlushSize      = 32 << 10  // a writer of DATA starts a write past this
	h2MaxPending     = 256 << 10 // and waits for it past this
	h2KeepBuffer     = 64 << 10  // the largest write buffer an idle connection keeps
	h2GoAwayGrace    = time.Second
	h2StartWait      = 250 * time.Millisecond
	h2FrameHeaderLen = 9
)

// h2AnnouncedFrameSize is the MAX_FRAME_SIZE announced, nginx's (the
// largest there is). A frame over h2ReadFrameSize is a FRAME_SIZE_ERROR
// all the same: none that large could be taken (a DATA frame is bounded
// by its window, a header block by the header limits).
const h2AnnouncedFrameSize = 1<<24 - 1

// alpnConn is implemented by connections that know the protocol ALPN
// selected (the TLS wrapper of an ssl listener).
type alpnConn interface{ NegotiatedProtocol() string }

// wantsH2 reports whether the connection is an HTTP/2 one: ALPN chose
// "h2" (then whatever comes must be the preface, RFC 9113 §3.4), or
// HTTP/2 is on for the listener and the bytes at hand start the preface.
func (c *conn) wantsH2() bool {
	if !c.idleFirst || c.info.Requests != 0 {
		return false
	}
	if a, ok := c.nc.(alpnConn); ok && a.NegotiatedProtocol() == "h2" {
		return true
	}
	data := c.cur.b[c.pos:c.last]
	if len(data) < 4 {
		return false
	}
	n := min(len(data), len(h2Preface))
	if string(data[:n]) != h2Preface[:n] {
		return false
	}
	return c.set.HTTP2
}

// serveH2 serves the connection as HTTP/2 until it ends. The connection
// stays listed (active) meanwhile, so CloseAll closes it, Wait waits for
// it and Drain sends it GOAWAY.
func (c *conn) serveH2() {
	pending := append([]byte(nil), c.cur.b[c.pos:c.last]...)
	c.releaseBufs(false)
	c.releaseStream()
	c.nc.SetDeadline(time.Time{})
	c.rdl, c.wdl = 0, 0
	hc := newH2Conn(c, pending)
	c.mu.Lock()
	c.h2 = hc
	c.mu.Unlock()
	if c.srv.draining.Load() {
		hc.goAway()
	}
	// no stream yet: idle, as nginx counts it once the preface is read
	c.setWaiting(true)
	hc.serve()
	c.mu.Lock()
	c.h2 = nil
	c.mu.Unlock()
	c.shutdown()
}

// h2Conn is one HTTP/2 connection.
type h2Conn struct {
	c     *conn
	nc    net.Conn
	set   *Settings  // the streams' settings
	large *sync.Pool // their large header buffers
	br    *bufio.Reader
	fr    *http2.Framer
	dec   *hpack.Decoder

	// owned by the reading goroutine
	hb          h2Block // the header block being read
	startWait   *time.Timer
	recvWindow  int64 // what the client may still send on the connection
	sawSettings bool
	rdl         int64 // the read deadline set
	requests    int
	contID      uint32 // the stream whose header block goes on in CONTINUATION frames

	mu         sync.Mutex
	drained    sync.Cond // signalled when a write of the buffer ends
	streams    map[uint32]*h2Stream
	startingID uint32        // the stream whose handler the reader waits for (see runStream)
	started    chan struct{} // its handler got to its first wait
	room       chan struct{} // a handler read from a receive buffer under noFlow, or such a stream ended
	maxID      uint32        // the highest stream id the client opened
	idle       int64         // when the last stream ended
	dead       bool          // the connection is over: no more frames
	goingAway  bool          // GOAWAY sent: no new streams
	lastID     uint32        // the GOAWAY's last stream id
	peerGoAway bool

	// the peer's settings and windows
	sendWindow int64
	initWindow int64
	maxFrame   int

	// the output: frames are appended to wbuf; one goroutine at a time
	// writes it out (flushing), swapping it with spare
	encBuf      []byte // a response's header block
	lower       []byte // scratch for a lower-cased name
	tableUpdate bool   // HPACK table size update due
	wbuf        h2Bytes
	spare       []byte
	wgen        uint64 // counts the swaps: a frame still in wbuf has the current one
	wdone       uint64 // the generations below it are written out
	flushing    bool
	flushQueued bool // a goroutine will flush after yielding
	werr        error
	wdl         int64 // the write deadline set (by the writing goroutine)
	dateSec     int64
	dateEnc     []byte
}

// h2Bytes is an io.Writer appending to a byte slice (the Framer's and
// the HPACK encoder's output).
type h2Bytes []byte

func (b *h2Bytes) Write(p []byte) (int, error) {
	*b = append(*b, p...)
	return len(p), nil
}

// h2ConnReader reads the bytes the engine already read first.
type h2ConnReader struct {
	nc      net.Conn
	pending []byte
}

func (r *h2ConnReader) Read(p []byte) (int, error) {
	if len(r.pending) > 0 {
		n := copy(p, r.pending)
		r.pending = r.pending[n:]
		return n, nil
	}
	return r.nc.Read(p)
}

func newH2Conn(c *conn, pending []byte) *h2Conn {
	hc := &h2Conn{c: c, nc: c.nc, streams: map[uint32]*h2Stream{},
		sendWindow: h2DefaultWindow, initWindow: h2DefaultWindow, maxFrame: h2MinFrameSize,
		recvWindow: h2DefaultWindow, idle: nanotime(), started: make(chan struct{}, 1),
		room: make(chan struct{}, 1)}
	hc.drained.L = &hc.mu
	// nginx limits an HTTP/2 header field by its HPACK-encoded size, so
	// a field the size of a large header buffer may be larger decoded:
	// the streams parse their rendering with roomier buffers
	set := *c.set
	set.LargeHeaderBufSize = max(set.LargeHeaderBufSize*2, 32<<10)
	hc.set = &set
	hc.large = bufPool(set.LargeHeaderBufSize)
	// a frame of the default size fits whole (see readFrames)
	hc.br = bufio.NewReaderSize(&h2ConnReader{nc: c.nc, pending: pending}, h2FrameHeaderLen+h2MinFrameSize)
	hc.fr = http2.NewFramer(&hc.wbuf, hc.br)
	hc.fr.SetReuseFrames()
	hc.fr.SetMaxReadFrameSize(h2ReadFrameSize)
	hc.dec = hpack.NewDecoder(4096, hc.onField)
	// nginx 1.22 bounds each field's name and value, as encoded, by a
	// large header buffer, and a block's fields, decoded, by all of them
	// (ngx_http_v2_state_field_len, ngx_http_v2_state_process_header).
	// The decoder's bound is on both the encoded and the decoded length:
	// it is set where no Huffman string under the limit decodes longer
	// (5 bits a byte at best), and onField looks at each string again.
	hc.hb.fieldLimit = c.set.LargeHeaderBufSize
	hc.dec.SetMaxStringLength(c.set.LargeHeaderBufSize*8/5 + 1)
	hc.hb.limit = c.set.LargeHeaderBuffers * c.set.LargeHeaderBufSize
	return hc
}

func (hc *h2Conn) maxStreams() int {
	if n := hc.c.set.HTTP2MaxStreams; n > 0 {
		return n
	}
	return 128
}

func (hc *h2Conn) preread() int {
	if n := hc.c.set.HTTP2PrereadSize; n > 0 {
		return n
	}
	return 64 << 10
}

// errH2Conn is a connection error (RFC 9113 §5.4.1): GOAWAY and close.
type errH2Conn http2.ErrCode

func (e errH2Conn) Error() string { return "http2: connection error " + http2.ErrCode(e).String() }

// errH2ConnMsg is a connection error nginx logs in its own words.
type errH2ConnMsg struct {
	code http2.ErrCode
	msg  string
}

func (e errH2ConnMsg) Error() string { return e.msg }

// serve reads frames until the connection ends.
func (hc *h2Conn) serve() {
	err := hc.readPreface()
	if err == nil {
		hc.mu.Lock()
		hc.fr.WriteSettings(
			http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: uint32(hc.maxStreams())},
			http2.Setting{ID: http2.SettingInitialWindowSize, Val: uint32(hc.preread())},
			http2.Setting{ID: http2.SettingMaxFrameSize, Val: h2AnnouncedFrameSize},
		)
		// nginx's connection window is the largest there is
		hc.fr.WriteWindowUpdate(0, h2MaxWindow-h2DefaultWindow)
		hc.recvWindow = h2MaxWindow
		hc.flushLocked()
		hc.mu.Unlock()
		err = hc.readFrames()
	}
	hc.cutBlock()
	var code errH2Conn
	var msg errH2ConnMsg
	switch {
	case errors.As(err, &msg):
		hc.c.srv.logf(logInfo, &hc.c.info, "%s while processing HTTP/2 connection", msg.msg)
		hc.mu.Lock()
		hc.fr.WriteGoAway(hc.maxID, msg.code, nil)
		hc.flushLocked()
		hc.mu.Unlock()
	case errors.As(err, &code):
		hc.c.srv.logf(logInfo, &hc.c.info, "client sent bad HTTP/2 frames (%s) while processing HTTP/2 connection", http2.ErrCode(code))
		hc.mu.Lock()
		hc.fr.WriteGoAway(hc.maxID, http2.ErrCode(code), nil)
		hc.flushLocked()
		hc.mu.Unlock()
	case err == io.EOF && hc.processing():
		// ngx_http_v2_read_handler: a close while requests run (they
		// end with it, 499)
		hc.c.srv.logf(logInfo, &hc.c.info, "client prematurely closed connection while processing HTTP/2 connection")
	case err == nil || err == io.EOF || err == errH2Done:
	case errors.Is(err, os.ErrDeadlineExceeded):
	default:
		var ne *net.OpError
		if !errors.As(err, &ne) {
			hc.c.srv.logf(logDebug, &hc.c.info, "http2: %v", err)
		}
	}
	hc.close()
}

// readPreface checks the client connection preface.
func (hc *h2Conn) readPreface() error {
	hc.setReadDeadline(nanotime() + int64(hc.c.set.HeaderTimeout))
	var p [len(h2Preface)]byte
	if _, err := io.ReadFull(hc.br, p[:]); err != nil {
		return err
	}
	if string(p[:]) != h2Preface {
		return errors.New("invalid HTTP/2 connection preface")
	}
	return nil
}

// setReadDeadline sets the socket's read deadline (0: none) unless it is
// already d.
func (hc *h2Conn) setReadDeadline(d int64) {
	if hc.rdl == d {
		return
	}
	hc.rdl = d
	if d == 0 {
		hc.nc.SetReadDeadline(time.Time{})
		return
	}
	hc.nc.SetReadDeadline(time.Unix(0, d))
}

// close ends the connection: the streams still running see it reset.
func (hc *h2Conn) close() {
	hc.mu.Lock()
	hc.dead = true
	for _, st := range hc.streams {
		st.rst = true
		st.gone = true
		st.signal()
		st.goneLocked()
	}
	// let a write in progress end (its deadline bounds it)
	for hc.flushing {
		hc.drained.Wait()
	}
	hc.mu.Unlock()
}

// readFrames is the connection's read loop. A frame that fits the read
// buffer is read only once it is there whole, so that a wait that times
// out (the idle timeout, or a kick) never leaves half a frame read.
func (hc *h2Conn) readFrames() error {
	for {
		if err := hc.fill(h2FrameHeaderLen); err != nil {
			return err
		}
		h, _ := hc.br.Peek(h2FrameHeaderLen)
		var payload []byte
		if n := h2FrameHeaderLen + (int(h[0])<<16 | int(h[1])<<8 | int(h[2])); n <= hc.br.Size() {
			if err := hc.fill(n); err != nil {
				return err
			}
			b, _ := hc.br.Peek(n)
			h, payload = b[:h2FrameHeaderLen], b[h2FrameHeaderLen:]
		}
		if err := hc.checkFrame(h, payload); err != nil {
			return err
		}
		f, err := hc.fr.ReadFrame()
		if err != nil {
			if err = hc.readError(err); err != nil {
				return err
			}
			continue
		}
		if !hc.sawSettings {
			// the preface's SETTINGS frame comes first (§3.4)
			sf, ok := f.(*http2.SettingsFrame)
			if !ok || sf.IsAck() {
				return errH2Conn(http2.ErrCodeProtocol)
			}
			hc.sawSettings = true
		}
		if err := hc.processFrame(f); err != nil {
			return err
		}
	}
}

// errH2Done ends the read loop of a connection that is over.
var errH2Done = errors.New("http2: connection done")

// readError turns a Framer error into what the connection does: a stream
// error resets the stream and reading goes on (nil).
func (hc *h2Conn) readError(err error) error {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case errors.As(err, &se):
		hc.mu.Lock()
		defer hc.mu.Unlock()
		if se.StreamID > hc.maxID && se.Code != http2.ErrCodeFrameSize {
			return errH2Conn(http2.ErrCodeProtocol)
		}
		hc.resetLocked(se.StreamID, se.Code)
		return nil
	case errors.As(err, &ce):
		return errH2Conn(ce)
	case errors.Is(err, http2.ErrFrameTooLarge):
		return errH2Conn(http2.ErrCodeFrameSize)
	case err == io.ErrUnexpectedEOF:
		return io.EOF
	}
	return err
}

// fill waits until n bytes are buffered. Before it blocks, it sends what
// waits to be sent (the frames are written when no more input is at
// hand), and it keeps the connection's idle timeout when no stream is
// open (keepalive_timeout, as nginx 1.19.7+). errH2Done means the
// connection is over.
func (hc *h2Conn) fill(n int) error {
	for hc.br.Buffered() < n {
		hc.mu.Lock()
		hc.flushLocked()
		werr := hc.werr
		active := len(hc.streams)
		idle, goingAway, peerGoAway := hc.idle, hc.goingAway, hc.peerGoAway
		hc.mu.Unlock()
		if werr != nil {
			return errH2Done
		}
		if active == 0 {
			hc.trimBuffers()
		}
		now := nanotime()
		var dl int64
		switch {
		case active > 0:
			// looked at again when the streams may be over
			dl = roundUp(now + min(int64(hc.c.set.KeepaliveTimeout), int64(time.Minute)))
		case goingAway || peerGoAway:
			// what is on its way is read (a PING answered) for a
			// moment, or until the client closes
			dl = idle + int64(h2GoAwayGrace)
		default:
			dl = idle + int64(hc.c.set.KeepaliveTimeout)
		}
		if active == 0 && now >= dl {
			if !goingAway {
				hc.mu.Lock()
				hc.goAwayLocked(http2.ErrCodeNo)
				hc.flushLocked()
				hc.mu.Unlock()
			}
			return errH2Done
		}
		hc.setReadDeadline(dl)
		_, err := hc.br.Peek(n)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, os.ErrDeadlineExceeded):
			// woken (by the deadline or a kick): look again
			hc.rdl = -1
		case err == io.EOF:
			return io.EOF
		default:
			return err
		}
	}
	return nil
}

// runStream starts the handler of a stream whose header block has just
// ended and waits until it gets to its first wait: it ends, waits for
// the client (its body, a window), or for something else (an upstream,
// a delay; see Request.Yield). nginx runs a request as its header block
// ends, before it looks at the next frame, so that what the frames after
// it do (a reset, a connection error) comes after what the request
// answered at once. A handler that neither ends nor waits within
// h2StartWait (a wait weir does not know of) lets the frames go on.
func (hc *h2Conn) runStream(st *h2Stream) {
	hc.mu.Lock()
	select {
	case <-hc.started:
	default:
	}
	hc.startingID = st.id
	hc.mu.Unlock()
	startStream(st)
	if hc.startWait == nil {
		hc.startWait = time.NewTimer(h2StartWait)
	} else {
		hc.startWait.Reset(h2StartWait)
	}
	select {
	case <-hc.started:
		hc.startWait.Stop()
	case <-hc.startWait.C:
		hc.mu.Lock()
		hc.startingID = 0
		hc.mu.Unlock()
	}
}

// startedLocked tells the reader that the handler of stream id got to a
// wait (see runStream); hc.mu is held.
func (hc *h2Conn) startedLocked(id uint32) {
	if hc.startingID == id && id != 0 {
		hc.startingID = 0
		hc.started <- struct{}{}
	}
}

// trimBuffers lets go of write buffers a burst of responses grew, as the
// connection goes idle: a busy connection reuses them, an idle one keeps
// little.
func (hc *h2Conn) trimBuffers() {
	hc.mu.Lock()
	if !hc.flushing {
		if cap(hc.spare) > h2KeepBuffer {
			hc.spare = nil
		}
		if len(hc.wbuf) == 0 && cap(hc.wbuf) > h2KeepBuffer {
			hc.wbuf = nil
		}
	}
	hc.mu.Unlock()
}

// kick wakes the reading goroutine (waiting in fill) to look at
// the connection's state again.
func (hc *h2Conn) kick() {
	hc.nc.SetReadDeadline(time.Unix(0, 1))
}

func (hc *h2Conn) processFrame(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.DataFrame:
		return hc.onData(f)
	case *http2.HeadersFrame:
		return hc.onHeaders(f)
	case *http2.ContinuationFrame:
		return hc.onContinuation(f)
	case *http2.SettingsFrame:
		return hc.onSettings(f)
	case *http2.WindowUpdateFrame:
		return hc.onWindowUpdate(f)
	case *http2.PingFrame:
		if !f.IsAck() {
			hc.mu.Lock()
			hc.fr.WritePing(true, f.Data)
			hc.mu.Unlock()
		}
	case *http2.RSTStreamFrame:
		return hc.onReset(f)
	case *http2.PriorityFrame:
		// priorities are accepted and ignored, as by nginx 1.22 for its
		// scheduling purposes (a stream depending on itself is refused
		// by checkFrame)
	case *http2.GoAwayFrame:
		hc.mu.Lock()
		hc.peerGoAway = true
		if len(hc.streams) == 0 {
			hc.idle = nanotime()
		}
		hc.mu.Unlock()
	case *http2.PushPromiseFrame:
		// a client cannot push (§8.4)
		return errH2Conn(http2.ErrCodeProtocol)
	}
	// unknown frame types are ignored (§4.1)
	return nil
}

func (hc *h2Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	err := f.ForeachSetting(func(s http2.Setting) error {
		if err := s.Valid(); err != nil {
			var ce http2.ConnectionError
			if errors.As(err, &ce) {
				return errH2Conn(ce)
			}
			return errH2Conn(http2.ErrCodeProtocol)
		}
		switch s.ID {
		case http2.SettingHeaderTableSize:
			if s.Val < 4096 {
				hc.tableUpdate = true
			}
		case http2.SettingInitialWindowSize:
			// applies to the open streams' windows too (§6.9.2)
			delta := int64(s.Val) - hc.initWindow
			hc.initWindow = int64(s.Val)
			for _, st := range hc.streams {
				st.sendWindow += delta
				if st.sendWindow > h2MaxWindow {
					return errH2Conn(http2.ErrCodeFlowControl)
				}
				st.signal()
			}
		case http2.SettingMaxFrameSize:
			hc.maxFrame = int(s.Val)
		}
		return nil
	})
	if err != nil {
		return err
	}
	hc.fr.WriteSettingsAck()
	return nil
}

func (hc *h2Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if f.StreamID == 0 {
		if int64(f.Increment) > h2MaxWindow-hc.sendWindow {
			return errH2ConnMsg{http2.ErrCodeFlowControl, fmt.Sprintf("client violated connection flow control: "+
				"received WINDOW_UPDATE frame with window increment %d not allowed for window %d", f.Increment, hc.sendWindow)}
		}
		hc.sendWindow += int64(f.Increment)
		for _, st := range hc.streams {
			if st.waitWindow {
				st.signal()
			}
		}
		return nil
	}
	st := hc.streams[f.StreamID]
	if st == nil {
		// nginx ignores it on a stream it does not know, idle or closed
		return nil
	}
	if int64(f.Increment) > h2MaxWindow-st.sendWindow {
		hc.c.srv.logf(logInfo, &hc.c.info, "client violated flow control for stream %d: received WINDOW_UPDATE frame "+
			"with window increment %d not allowed for window %d while processing HTTP/2 connection", f.StreamID, f.Increment, st.sendWindow)
		st.gone = true
		hc.resetLocked(f.StreamID, http2.ErrCodeFlowControl)
		return nil
	}
	st.sendWindow += int64(f.Increment)
	st.signal()
	return nil
}

func (hc *h2Conn) onReset(f *http2.RSTStreamFrame) error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	// one on a stream nginx does not know (idle or closed) is ignored
	if st := hc.streams[f.StreamID]; st != nil && !st.rst {
		// the client cancelled: the handler's writes fail from now on
		st.rst = true
		st.peerRst = true
		st.peerCode = f.ErrCode
		st.signal()
		st.goneLocked()
	}
	return nil
}

// onData takes a DATA frame's bytes into its stream's buffer.
func (hc *h2Conn) onData(f *http2.DataFrame) error {
	n := int64(f.Length)
	hc.recvWindow -= n
	if hc.recvWindow < 0 {
		return errH2Conn(http2.ErrCodeFlowControl)
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.recvWindow < h2MaxWindow/2 {
		hc.fr.WriteWindowUpdate(0, uint32(h2MaxWindow-hc.recvWindow))
		hc.recvWindow = h2MaxWindow
	}
	id := f.StreamID
	st := hc.streams[id]
	switch {
	case st == nil && id > hc.maxID:
		// an idle stream: nginx skips the frame ("unknown http2 stream")
		return nil
	case st == nil, st.rst && !st.peerRst:
		// a closed stream's, or frames in flight when weir reset the
		// stream (§5.1): nginx skips them
		return nil
	}
	// as ngx_http_v2_state_data: the stream's window, then whether it is
	// half-closed (remote); either ends it (ngx_http_v2_terminate_stream)
	if n > st.recvWindow {
		hc.c.srv.logf(logInfo, &hc.c.info, "client violated flow control for stream %d: received DATA frame length %d, "+
			"available window %d while processing HTTP/2 connection", id, n, st.recvWindow)
		st.gone = true
		hc.resetLocked(id, http2.ErrCodeFlowControl)
		return nil
	}
	st.recvWindow -= n
	if st.noFlow && st.recvWindow < h2MaxWindow/4 {
		// as nginx's no_flow_control: the window opens again in full
		hc.fr.WriteWindowUpdate(id, uint32(h2MaxWindow-st.recvWindow))
		st.recvWindow = h2MaxWindow
	}
	if st.rst || st.recvEnd {
		hc.c.srv.logf(logInfo, &hc.c.info, "client sent DATA frame for half-closed stream %d while processing HTTP/2 connection", id)
		st.gone = true
		hc.resetLocked(id, http2.ErrCodeStreamClosed)
		return nil
	}
	data := f.Data()
	st.got += int64(len(data))
	// (a content-length the DATA does not keep is the body reader's
	// error, 400, as nginx's ngx_http_v2_process_request_body finds it
	// once the body is read, and nothing if it is not)

	// the padding counts as read at once
	st.unacked += int(n) - len(data)
	switch {
	case st.skipData:
		// discarded (Request.DiscardBody), or past an answer that
		// ended the reading: dropped
	case st.noFlow:
		if !hc.takeUnbounded(st, data) {
			// the stream ended while the reader waited
			return nil
		}
	case len(data) > 0:
		st.take(data)
	}
	if f.StreamEnded() {
		st.recvEnd = true
		// nginx answers within its reading of the DATA that passes a
		// limit, and closes the stream before it reads END_STREAM:
		// RST_STREAM NO_ERROR follows the answer
		st.lateEnd = st.skipData
	}
	st.signal()
	return nil
}

// takeUnbounded keeps the DATA of a stream whose flow control is lifted
// (Request.BufferBody): the client may send more than the receive buffer
// holds, so the reader waits for the handler's reads to make room, as
// nginx's reading of such a body waits for its writes to the temp file.
// Every other stream waits meanwhile, for no longer than the handler
// takes to store what is buffered. hc.mu is held, and released while
// waiting; it reports false when the stream ended meanwhile (st may then
// belong to another connection: nothing of it may be touched).
func (hc *h2Conn) takeUnbounded(st *h2Stream, data []byte) bool {
	id := st.id
	for len(data) > 0 {
		if st.skipData || st.bodyStop || st.rst {
			return true
		}
		room := st.room()
		if room == 0 {
			select {
			case <-hc.room:
			default:
				hc.flushLocked()
				hc.mu.Unlock()
				<-hc.room
				hc.mu.Lock()
			}
			if hc.streams[id] != st || hc.dead {
				return false
			}
			continue
		}
		k := min(room, len(data))
		st.take(data[:k])
		data = data[k:]
		st.signal()
	}
	return true
}

// resetLocked sends RST_STREAM for stream id and marks it reset.
func (hc *h2Conn) resetLocked(id uint32, code http2.ErrCode) {
	if hc.dead {
		return
	}
	hc.fr.WriteRSTStream(id, code)
	if st := hc.streams[id]; st != nil {
		st.rst = true
		st.signal()
		st.goneLocked()
	}
}

// goAway starts a graceful end (Server.Drain): GOAWAY with the last
// stream id, the open streams finish, then the connection closes.
func (hc *h2Conn) goAway() {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if hc.goingAway || hc.dead {
		return
	}
	hc.goAwayLocked(http2.ErrCodeNo)
	if len(hc.streams) == 0 {
		hc.idle = nanotime()
	}
	hc.flushLocked()
	hc.kick()
}

func (hc *h2Conn) goAwayLocked(code http2.ErrCode) {
	hc.goingAway = true
	hc.lastID = hc.maxID
	hc.fr.WriteGoAway(hc.maxID, code, nil)
}

// flushLocked writes the frames gathered unless another goroutine is
// already writing; that one writes them next. hc.mu is held, and released
// during the write.
func (hc *h2Conn) flushLocked() {
	if hc.flushing {
		return
	}
	if hc.werr != nil {
		hc.wbuf = hc.wbuf[:0]
		return
	}
	hc.flushing = true
	for len(hc.wbuf) > 0 && hc.werr == nil {
		b := hc.wbuf
		hc.wbuf = hc.spare[:0]
		hc.spare = nil
		hc.wgen++
		gen := hc.wgen
		hc.mu.Unlock()
		err := hc.writeOut(b)
		hc.mu.Lock()
		if err == nil {
			hc.wdone = gen
		}
		if cap(b) <= 2*h2MaxPending {
			hc.spare = b[:0]
		}
		if err != nil {
			hc.werr = err
			hc.wbuf = hc.wbuf[:0]
			for _, st := range hc.streams {
				st.signal()
			}
			hc.kick()
		}
	}
	hc.flushing = false
	hc.drained.Broadcast()
}

// flushSoonLocked is flushLocked for the end of a stream: the goroutine
// first lets the others that are ready run, so that the streams of a busy
// connection that end together leave in one write; those that end
// meanwhile find the write queued and leave theirs to it.
func (hc *h2Conn) flushSoonLocked() {
	if hc.flushing || hc.flushQueued {
		return
	}
	hc.flushQueued = true
	hc.mu.Unlock()
	runtime.Gosched()
	hc.mu.Lock()
	hc.flushQueued = false
	hc.flushLocked()
}

// writeOut writes b to the socket; only the flushing goroutine calls it.
func (hc *h2Conn) writeOut(b []byte) error {
	if d := roundUp(nanotime() + int64(h2SendTimeout)); d != hc.wdl {
		hc.wdl = d
		hc.nc.SetWriteDeadline(time.Unix(0, d))
	}
	_, err := hc.nc.Write(b)
	if err != nil {
		if isTimeout(err) {
			hc.c.srv.logf(logInfo, &hc.c.info, "client timed out (110: Connection timed out) while sending to client")
		} else {
			hc.c.srv.logf(logInfo, &hc.c.info, "writev() failed (%s) while sending to client", errnoText(err))
		}
	}
	return err
}

// appendFrameHeader appends the 9-byte header of a frame.
func appendFrameHeader(b []byte, length int, typ http2.FrameType, flags http2.Flags, id uint32) []byte {
	return append(b, byte(length>>16), byte(length>>8), byte(length), byte(typ), byte(flags),
		byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
}

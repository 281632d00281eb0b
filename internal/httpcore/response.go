package httpcore

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// Response writes one response. The handler fills the fields, then calls
// WriteHeader (or Write, which sends the header first), then writes the
// body. The engine adds Server, Date, Content-Length or
// Transfer-Encoding, and Connection/Keep-Alive, in nginx's order:
//
//	Status line, Server, Date, Content-Type, Content-Length,
//	Last-Modified, Location, Transfer-Encoding, Connection, Keep-Alive,
//	then Header in order.
//
// The engine resets every field before each request (Status 200,
// ContentLength -1, KeepAlive from the request, KeepaliveTimeout from
// Settings.KeepaliveTimeout, KeepaliveRequests 1000, KeepaliveTime 1h,
// SendTimeout 60s). The Response is valid until Serve returns; if Serve
// returns without sending a header, nothing is sent and the connection
// is closed (nginx's 444, and the 408 of client_header_timeout).
type Response struct {
	Status        int
	ContentType   string    // "" = no Content-Type header
	ContentLength int64     // -1 = unknown: chunked for HTTP/1.1, close for 1.0
	LastModified  time.Time // zero = none; sent only with 200, 206 and 304 as nginx does
	Header        []Header  // all other fields, in order (ETag, Accept-Ranges, add_header ...)
	Server        string    // value of Server; "" = no Server header

	// StatusLine, when set, replaces the reason phrase: the status line is
	// "HTTP/1.1 " + StatusLine (nginx's headers_out.status_line, e.g. a
	// proxied "200 Fine").
	StatusLine string
	// Location, when set, is written right after Last-Modified, where
	// nginx writes the redirect it made absolute from a relative one. A
	// Location nginx passes as is belongs in Header, in order.
	Location string
	// NoDate suppresses the engine's Date field (the handler passes one
	// of its own in Header, as proxy_pass_header Date does).
	NoDate bool
	// NoChunked is chunked_transfer_encoding off: a body of unknown
	// length is delimited by closing the connection, as for HTTP/1.0.
	NoChunked bool
	// Clock, when not zero, is a reading of the clock (Unix nanoseconds)
	// that the handler made just before WriteHeader, as nginx's cached
	// time: the Date field and the keepalive_time check use it instead
	// of reading the clock again.
	Clock int64

	// KeepAlive: the handler clears it to close the connection after this
	// response (nginx's r->keepalive = 0). The engine also clears it
	// for HTTP/1.0 without keep-alive, on errors, and when limits end;
	// after WriteHeader it holds what the header said.
	KeepAlive         bool
	KeepaliveTimeout  time.Duration // keepalive_timeout for this request's location; 0 = close
	KeepaliveHeader   time.Duration // optional header_timeout of keepalive_timeout; 0 = no Keep-Alive header
	KeepaliveRequests int           // keepalive_requests; default 1000
	KeepaliveTime     time.Duration // keepalive_time; default 1h
	SendTimeout       time.Duration // send_timeout, between two writes; default 60s
	// SendFailLog, when set, writes the line for a write of this
	// response that failed or timed out while the handler runs (msg is
	// the failure, as "client timed out (110: Connection timed out)"),
	// so that it has the request's action and context, as nginx's
	// c->log has during a request; else the engine writes it itself.
	SendFailLog func(msg string)
	// CloseLog, set by the handler when the connection is not kept after
	// this response, is the action and context of the request's lines
	// (" while sending response to client, client: ..."), for a line the
	// engine writes as it closes: the failed shutdown() of a lingering
	// close, which nginx logs while the request still lives.
	CloseLog string

	// LimitRate is limit_rate in bytes per second (0: no limit) and
	// LimitRateAfter is limit_rate_after: the bytes sent before the limit
	// applies. The engine paces its writes as ngx_http_write_filter does.
	LimitRate      int64
	LimitRateAfter int64

	// Lingering is lingering_close (LingerOn, LingerOff, LingerAlways);
	// LingeringTime and LingeringTimeout bound how long the engine reads
	// and drops what a client still sends before closing (nginx's
	// defaults: on, 30s, 5s).
	Lingering        Linger
	LingeringTime    time.Duration
	LingeringTimeout time.Duration

	// BodySkip and BodyTrim make Write and SendFile pass on a window of
	// the body they are given (the range filter's single-part body
	// filter, for a body that streams through): the first BodySkip
	// bytes are dropped, and with BodyTrim so is what goes beyond the
	// Content-Length, silently rather than with ErrBodyOverflow.
	BodySkip int64
	BodyTrim bool

	// OnHeader, when set, runs inside WriteHeader just before the header
	// is serialised: weir's header filters (add_header, expires, ...).
	OnHeader func(w *Response)

	// Gzip, when OnHeader (or the handler) sets it to a level 1..9,
	// compresses the body that Write and SendFile are given, sync
	// flushed by Flush (nginx's gzip body filter). The header filter
	// clears the Content-Length itself.
	Gzip int
	// GzipVary adds "Vary: Accept-Encoding" where nginx's header filter
	// writes it (r->gzip_vary with gzip_vary on).
	GzipVary bool

	// Filters, set by OnHeader, rewrite the body before gzip (sub_filter,
	// charset recoding), in order.
	Filters []BodyFilter
	// Trailers, when OnHeader sets it, gives the trailer fields once the
	// body is complete (add_trailer): an HTTP/1.1 response is then sent
	// chunked, its Content-Length dropped, as nginx's chunked filter does
	// for r->expect_trailers; HTTP/2 sends them in a last HEADERS frame.
	Trailers func() []Header

	impl responseImpl
}

// Errors of the response writer.
var (
	ErrHeaderSent = errors.New("httpcore: response header already sent")
	ErrFinished   = errors.New("httpcore: response already finished")
	// ErrBodyOverflow: more body than the announced Content-Length; the
	// excess is dropped.
	ErrBodyOverflow = errors.New("httpcore: response body longer than Content-Length")
)

type responseImpl struct{ s *stream }

// Linger is the lingering_close mode.
type Linger uint8

// The lingering_close modes.
const (
	LingerOn     Linger = iota // linger when the client may still be sending
	LingerOff                  // close at once
	LingerAlways               // always linger
)

// outWriter gathers the response header and small body writes in a pooled
// buffer so that a small response leaves in a single write.
type outWriter struct {
	s          *stream
	b          *buf   // pooled buffer behind data
	data       []byte // bytes waiting to be sent
	headerSent bool
	finished   bool
	chunked    bool
	headOnly   bool
	http09     bool
	drop       bool // the client is gone: swallow everything
	keepAlive  bool
	clKnown    bool
	incomplete bool
	remain     int64
	sent       int64
	headerLen  int64
	err        error
	hijacked   bool
	noHold     bool     // Finish sends everything now (SendAtFinish)
	keep       bool     // a subrequest's response keeps its body (SubResponse)
	kept       []byte   // that body
	gz         *gzState // the body compressor, when Response.Gzip is set
	gzIn       int64    // bytes compressed, once finished
	gzOut      int64
}

func (o *outWriter) reset() {
	s := o.s
	o.release()
	*o = outWriter{s: s}
}

func (o *outWriter) release() {
	if o.gz != nil {
		o.gzClose(false)
	}
	if o.b != nil {
		o.b.free()
		o.b = nil
	}
	o.data = nil
}

func (o *outWriter) buffer() {
	if o.b == nil {
		o.b = getBuf(outPool)
		o.data = o.b.b[:0]
	}
}

// statusLines is nginx's ngx_http_status_lines table (current nginx).
var statusLines = map[int]string{
	200: "200 OK", 201: "201 Created", 202: "202 Accepted", 204: "204 No Content",
	206: "206 Partial Content",
	301: "301 Moved Permanently", 302: "302 Moved Temporarily", 303: "303 See Other",
	304: "304 Not Modified", 307: "307 Temporary Redirect", 308: "308 Permanent Redirect",
	400: "400 Bad Request", 401: "401 Unauthorized", 402: "402 Payment Required",
	403: "403 Forbidden", 404: "404 Not Found", 405: "405 Not Allowed",
	406: "406 Not Acceptable", 408: "408 Request Time-out", 409: "409 Conflict",
	410: "410 Gone", 411: "411 Length Required", 412: "412 Precondition Failed",
	413: "413 Request Entity Too Large", 414: "414 Request-URI Too Large",
	415: "415 Unsupported Media Type", 416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request", 429: "429 Too Many Requests",
	500: "500 Internal Server Error", 501: "501 Not Implemented", 502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out",
	505: "505 HTTP Version Not Supported", 507: "507 Insufficient Storage",
}

// statusLineTable holds "HTTP/1.1 <line>\r\n" for 100..599; codes nginx
// has no text for are sent as the number and a space.
var statusLineTable = func() (t [600][]byte) {
	for code := 100; code < 600; code++ {
		t[code] = []byte("HTTP/1.1 " + StatusLine(code) + "\r\n")
	}
	return
}()

// StatusLine is nginx's status line for code without the protocol:
// "302 Moved Temporarily", or the number and a space for a code nginx has
// no text for (an HTTP/2 upstream's answer carries no reason phrase).
func StatusLine(code int) string {
	if line, ok := statusLines[code]; ok {
		return line
	}
	return strconv.Itoa(code) + " "
}

// headPlan is what the header filter decides from the response fields
// and the request, whatever the protocol.
type headPlan struct {
	status     int
	head       bool // a HEAD request
	headerOnly bool // no body goes out: HEAD, 204, 304
	cl         int64
	ctype      string
	lm         time.Time
}

func (w *Response) plan(r *Request) headPlan {
	hp := headPlan{status: w.Status, cl: w.ContentLength, ctype: w.ContentType, lm: w.LastModified}
	if hp.status <= 0 {
		hp.status = 200
	}
	hp.head = r.Method == "HEAD"
	hp.headerOnly = hp.head
	switch hp.status {
	case 204:
		hp.headerOnly = true
		if w.StatusLine == "" || w.impl.s != nil && w.impl.s.h2 != nil {
			// nginx's HTTP/1 header filter clears these only for the
			// status lines it writes itself: a proxied 204 keeps its
			// upstream's Content-Type and Content-Length
			hp.ctype = ""
			hp.lm = time.Time{}
			hp.cl = -1
		}
	case 304:
		hp.headerOnly = true
	}
	if !hp.lm.IsZero() && hp.status != 200 && hp.status != 206 && hp.status != 304 {
		hp.lm = time.Time{}
	}
	return hp
}

// WriteHeader sends the status line and header (nginx's
// ngx_http_header_filter together with the chunked filter's choice of
// framing). It runs OnHeader first. The header is buffered with the start
// of the body; it leaves with the first flush.
func (w *Response) WriteHeader() error {
	s := w.impl.s
	o := &s.out
	if o.headerSent {
		return ErrHeaderSent
	}
	if w.OnHeader != nil {
		w.OnHeader(w)
	}
	o.headerSent = true
	if o.drop {
		return nil
	}
	c := s.c
	r := &s.req
	s.clock = w.Clock
	if s.clock == 0 {
		s.clock = nanotime()
	}
	hp := w.plan(r)
	if w.Gzip > 0 && !hp.headerOnly && !o.http09 {
		o.gzStart(w.Gzip)
	}
	if s.h2 != nil {
		w.writeHeaderH2(s, hp)
		return nil
	}

	ka := w.KeepAlive && r.Err == 0 && !c.srv.draining.Load()
	if ka && (w.KeepaliveTimeout <= 0 || c.info.Requests >= w.KeepaliveRequests ||
		s.clock-c.born > int64(w.KeepaliveTime)) {
		ka = false
	}
	if o.http09 {
		// an HTTP/0.9 response is the bare body
		o.keepAlive = false
		w.KeepAlive = false
		return nil
	}
	status, headerOnly, cl, ctype, lm := hp.status, hp.headerOnly, hp.cl, hp.ctype, hp.lm
	chunked := false
	if w.Trailers != nil && r.ProtoMinor >= 1 && !w.NoChunked && !(status == 304 || status == 204 || status < 200 || hp.head) {
		cl = -1
	}
	if cl < 0 && !(status == 304 || status == 204 || status < 200 || hp.head) {
		if r.ProtoMinor >= 1 && !w.NoChunked {
			chunked = true
		} else {
			ka = false
		}
	}

	o.buffer()
	b := o.data
	if w.StatusLine != "" {
		b = append(b, "HTTP/1.1 "...)
		b = append(b, w.StatusLine...)
		b = append(b, "\r\n"...)
	} else if status >= 100 && status < 600 {
		b = append(b, statusLineTable[status]...)
	} else {
		b = append(b, "HTTP/1.1 "...)
		b = strconv.AppendInt(b, int64(status), 10)
		b = append(b, " \r\n"...)
	}
	if w.Server != "" {
		b = append(b, "Server: "...)
		b = append(b, w.Server...)
		b = append(b, "\r\n"...)
	}
	if !w.NoDate {
		b = append(b, "Date: "...)
		b = appendDate(b, s.clock)
		b = append(b, "\r\n"...)
	}
	if ctype != "" {
		b = append(b, "Content-Type: "...)
		b = append(b, ctype...)
		b = append(b, "\r\n"...)
	}
	if cl >= 0 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, cl, 10)
		b = append(b, "\r\n"...)
	}
	if !lm.IsZero() {
		b = append(b, "Last-Modified: "...)
		b = s.appendLastModified(b, lm)
		b = append(b, "\r\n"...)
	}
	if w.Location != "" {
		b = append(b, "Location: "...)
		b = append(b, w.Location...)
		b = append(b, "\r\n"...)
	}
	if chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if status == 101 {
		b = append(b, "Connection: upgrade\r\n"...)
	} else if ka {
		b = append(b, "Connection: keep-alive\r\n"...)
		if w.KeepaliveHeader > 0 {
			b = append(b, "Keep-Alive: timeout="...)
			b = strconv.AppendInt(b, int64(w.KeepaliveHeader/time.Second), 10)
			b = append(b, "\r\n"...)
		}
	} else {
		b = append(b, "Connection: close\r\n"...)
	}
	if w.GzipVary {
		b = append(b, "Vary: Accept-Encoding\r\n"...)
	}
	for _, h := range w.Header {
		b = append(b, h.Name...)
		b = append(b, ": "...)
		b = append(b, h.Value...)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	o.headerLen = int64(len(b) - len(o.data))
	o.data = b

	o.keepAlive = ka
	w.KeepAlive = ka
	o.chunked = chunked && !headerOnly
	o.headOnly = headerOnly
	if cl >= 0 && !headerOnly {
		o.clKnown = true
		o.remain = cl
	}
	return nil
}

// Write writes body bytes, sending the header first if needed. Small
// writes are gathered; a write that does not fit goes out together with
// what is gathered in one writev. For HEAD (and 204/304) the bytes are
// accepted and dropped.
func (w *Response) Write(p []byte) (int, error) {
	o := &w.impl.s.out
	if !o.headerSent {
		if err := w.WriteHeader(); err != nil {
			return 0, err
		}
	}
	if o.err != nil {
		return 0, o.err
	}
	if o.finished {
		return 0, ErrFinished
	}
	n := len(p)
	if o.drop || o.headOnly || n == 0 {
		if o.keep && !o.headOnly {
			o.kept = append(o.kept, p...)
		}
		return n, nil
	}
	if w.Filters != nil {
		m, err := n, error(nil)
		FilterBody(w.Filters, p, func(q []byte) bool {
			var k int
			if k, err = w.writeBody(q, len(q)); err != nil {
				m = k
			}
			return err == nil
		})
		return m, err
	}
	return w.writeBody(p, n)
}

// writeBody sends body bytes that passed the body filters; it returns n
// when all went well.
func (w *Response) writeBody(p []byte, n int) (int, error) {
	o := &w.impl.s.out
	if o.gz != nil {
		o.gzWrite(p)
		if o.err != nil {
			return 0, o.err
		}
		return n, nil
	}
	if w.BodySkip > 0 {
		k := min(int64(len(p)), w.BodySkip)
		w.BodySkip -= k
		if p = p[k:]; len(p) == 0 {
			return n, nil
		}
	}
	var over bool
	if o.clKnown {
		if int64(len(p)) > o.remain {
			p = p[:o.remain]
			over = !w.BodyTrim
		}
		o.remain -= int64(len(p))
	}
	if o.chunked {
		o.writeChunk(p)
	} else {
		o.writeRaw(p)
	}
	if o.err != nil {
		return 0, o.err
	}
	if over {
		return len(p), ErrBodyOverflow
	}
	return n, nil
}

// WriteString is Write for a string.
func (w *Response) WriteString(s string) (int, error) {
	return w.Write(unsafeBytes(s))
}

func (o *outWriter) writeRaw(p []byte) {
	if len(p) == 0 {
		return
	}
	o.buffer()
	if len(o.data)+len(p) <= cap(o.data) {
		o.data = append(o.data, p...)
		return
	}
	o.sendv(o.data, p)
	o.data = o.data[:0]
}

func (o *outWriter) writeChunk(p []byte) {
	if len(p) == 0 {
		return
	}
	o.buffer()
	if len(o.data)+len(p)+20 <= cap(o.data) {
		o.data = strconv.AppendInt(o.data, int64(len(p)), 16)
		o.data = append(o.data, "\r\n"...)
		o.data = append(o.data, p...)
		o.data = append(o.data, "\r\n"...)
		return
	}
	o.data = strconv.AppendInt(o.data, int64(len(p)), 16)
	o.data = append(o.data, "\r\n"...)
	o.sendv(o.data, p, crlf)
	o.data = o.data[:0]
}

var crlf = []byte("\r\n")

func (o *outWriter) sendv(bufs ...[]byte) {
	if o.err != nil {
		return
	}
	if o.s.resp.LimitRate > 0 {
		for _, b := range bufs {
			o.send(b)
		}
		return
	}
	c := o.s.c
	n, err := c.writev(o.s.resp.sendTimeout(), bufs...)
	o.sent += n
	if err != nil {
		o.fail(err, "writev")
	}
}

func (o *outWriter) send(p []byte) {
	for o.err == nil && len(p) > 0 {
		k := o.pace(int64(len(p)))
		o.sendNow(p[:k])
		p = p[k:]
	}
}

// pace returns how many of want bytes may be sent now under limit_rate,
// sleeping until at least one may: nginx allows rate × (whole seconds
// since the request started + 1) bytes beyond limit_rate_after
// (ngx_http_write_filter).
func (o *outWriter) pace(want int64) int64 {
	w := &o.s.resp
	rate := w.LimitRate
	if rate <= 0 {
		return want
	}
	for {
		sent := o.sent - w.LimitRateAfter
		if sent < 0 {
			return min(want, -sent)
		}
		elapsed := int64(time.Since(o.s.req.Start) / time.Second)
		if limit := rate*(elapsed+1) - sent; limit > 0 {
			return min(want, limit)
		}
		next := o.s.req.Start.Add(time.Duration(elapsed+1) * time.Second)
		if o.s.h2 != nil {
			o.s.h2.yield()
		}
		time.Sleep(time.Until(next) + time.Millisecond)
	}
}

func (o *outWriter) sendNow(p []byte) {
	n, err := o.s.c.write(p, o.s.resp.sendTimeout())
	o.sent += int64(n)
	if err != nil {
		o.fail(err, "writev")
	}
}

// fail records a write error and logs it as nginx does, at "info".
func (o *outWriter) fail(err error, op string) {
	o.err = err
	if st := o.s.h2; st != nil && errors.Is(err, errH2Reset) {
		o.h2Failed(st)
		return
	}
	if f := o.s.resp.SendFailLog; f != nil {
		f(sendFailMsg(err, op))
		return
	}
	o.s.c.sendFailed(err, op)
}

// h2Failed logs a write to an HTTP/2 stream that is over as nginx does:
// the client's reset in its words (nginx logs it as the frame comes, in
// the request's context), then "client prematurely closed connection",
// as for a stream weir ended or a connection that ended.
func (o *outWriter) h2Failed(st *h2Stream) {
	msgs := [2]string{st.peerResetMsg(), "client prematurely closed connection"}
	for _, m := range msgs {
		if m == "" {
			continue
		}
		if f := o.s.resp.SendFailLog; f != nil {
			f(m)
		} else {
			o.s.c.srv.logf(logInfo, &o.s.c.info, "%s while sending to client", m)
		}
	}
}

// sendFailed logs a failed write to the client as nginx does, at "info";
// op names the system call.
func (c *conn) sendFailed(err error, op string) {
	c.srv.logf(logInfo, &c.info, "%s while sending to client", sendFailMsg(err, op))
}

// sendFailMsg is the text of a failed write, without the action.
func sendFailMsg(err error, op string) string {
	if isTimeout(err) {
		return "client timed out (110: Connection timed out)"
	}
	return op + "() failed (" + errnoText(err) + ")"
}

func (o *outWriter) flush() {
	if len(o.data) > 0 {
		o.send(o.data)
		o.data = o.data[:0]
	}
}

// send100 writes "100 Continue" straight to the socket (ngx_http_test_expect).
func (o *outWriter) send100() {
	o.send(continueLine)
}

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

func (w *Response) sendTimeout() time.Duration {
	if w.SendTimeout > 0 {
		return w.SendTimeout
	}
	return 60 * time.Second
}

// smallFile is the largest file part SendFile reads into the output
// buffer, so that header and body leave in one write.
const smallFile = 8 << 10

// SendFile sends n bytes of f from offset off: with sendfile(2) on a
// plain TCP socket (the header goes first with MSG_MORE so that both
// leave together), by copying otherwise. Small parts are read into the
// output buffer and leave with the header in a single write. f's file
// offset is not used or changed.
func (w *Response) SendFile(f *os.File, off, n int64) error {
	o := &w.impl.s.out
	if !o.headerSent {
		if err := w.WriteHeader(); err != nil {
			return err
		}
	}
	if o.err != nil {
		return o.err
	}
	if o.finished {
		return ErrFinished
	}
	if o.drop || o.headOnly || n <= 0 {
		if o.keep && !o.headOnly && n > 0 {
			return o.keepFile(f, off, n)
		}
		return nil
	}
	if w.Filters != nil {
		return w.filterFile(f, off, n)
	}
	if o.gz != nil {
		return o.gzFile(f, off, n)
	}
	if w.BodySkip > 0 {
		k := min(n, w.BodySkip)
		w.BodySkip -= k
		if off, n = off+k, n-k; n == 0 {
			return nil
		}
	}
	var over bool
	if o.clKnown {
		if n > o.remain {
			n = o.remain
			over = !w.BodyTrim
		}
		o.remain -= n
		if n == 0 {
			if over {
				return ErrBodyOverflow
			}
			return nil
		}
	}
	o.buffer()
	if o.chunked {
		o.data = strconv.AppendInt(o.data, n, 16)
		o.data = append(o.data, "\r\n"...)
	}
	if n <= smallFile && int64(cap(o.data)-len(o.data)) >= n+2 {
		l := len(o.data)
		o.data = o.data[:l+int(n)]
		m, err := f.ReadAt(o.data[l:], off)
		if int64(m) < n {
			o.data = o.data[:l+m]
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			o.incomplete = true
			return err
		}
	} else if err := o.sendFile(f, off, n); err != nil {
		return err
	}
	if o.chunked {
		o.data = append(o.data, "\r\n"...)
	}
	if over {
		return ErrBodyOverflow
	}
	return nil
}

// sendFile flushes what is gathered and sends the file part, paced by
// limit_rate when one is set.
func (o *outWriter) sendFile(f *os.File, off, n int64) error {
	if o.s.resp.LimitRate <= 0 {
		return o.sendFileNow(f, off, n)
	}
	o.flush()
	for o.err == nil && n > 0 {
		k := o.pace(n)
		if err := o.sendFileNow(f, off, k); err != nil {
			return err
		}
		off += k
		n -= k
	}
	return o.err
}

func (o *outWriter) sendFileNow(f *os.File, off, n int64) error {
	c := o.s.c
	timeout := o.s.resp.sendTimeout()
	if len(o.data) > 0 {
		m, err := c.writeMore(o.data, timeout)
		o.sent += int64(m)
		o.data = o.data[:0]
		if err != nil {
			o.fail(err, "writev")
			return err
		}
	}
	if c.rc != nil && c.tcp {
		m, err, handled := c.sendfile(f, off, n, timeout)
		o.sent += m
		if handled {
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					o.incomplete = true
					o.err = err
				} else {
					o.fail(err, "sendfile")
				}
				return err
			}
			return nil
		}
		off += m
		n -= m
	}
	// copy through the output buffer
	for n > 0 {
		chunk := int64(cap(o.data))
		if chunk > n {
			chunk = n
		}
		d := o.data[:chunk]
		m, err := f.ReadAt(d, off)
		if m > 0 {
			o.send(d[:m])
			if o.err != nil {
				return o.err
			}
		}
		off += int64(m)
		n -= int64(m)
		if int64(m) < chunk {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			o.incomplete = true
			o.err = err
			return err
		}
	}
	o.data = o.data[:0]
	return nil
}

// Flush sends what is gathered now.
func (w *Response) Flush() error {
	o := &w.impl.s.out
	if !o.headerSent {
		if err := w.WriteHeader(); err != nil {
			return err
		}
	}
	if o.drop {
		return nil
	}
	if o.gz != nil {
		o.gzFlush()
	}
	o.flush()
	if s := w.impl.s; s.h2 != nil && o.err == nil {
		s.h2.flush()
	}
	return o.err
}

// HeaderSent reports whether WriteHeader has run.
func (w *Response) HeaderSent() bool { return w.impl.s.out.headerSent }

// Chunked reports whether the body goes out in chunks (nginx's
// r->chunked, which its chunked header filter sets for an HTTP/1.1
// response of unknown length; never over HTTP/2, for a HEAD, a 204 or a
// 304, or before the header is sent).
func (w *Response) Chunked() bool { return w.impl.s.out.chunked }

// HeadOnly reports whether body bytes are dropped: a HEAD request, or
// after WriteHeader a 204 or 304 response.
func (w *Response) HeadOnly() bool {
	o := &w.impl.s.out
	if o.headerSent {
		return o.headOnly
	}
	return w.impl.s.req.Method == "HEAD"
}

// BytesSent returns the bytes written to the client for this request
// ($bytes_sent). Call Finish first to count everything.
func (w *Response) BytesSent() int64 { return w.impl.s.out.sent }

// BodyBytesSent returns $body_bytes_sent: the bytes sent minus the
// header (chunk framing included, as in nginx).
func (w *Response) BodyBytesSent() int64 {
	o := &w.impl.s.out
	if n := o.sent - o.headerLen; n > 0 {
		return n
	}
	return 0
}

// Finish ends the response: the last chunk for chunked framing, then
// everything gathered is sent. The engine calls it after Serve if the
// handler did not. A Content-Length response that got fewer bytes than
// announced closes the connection.
func (w *Response) Finish() error {
	o := &w.impl.s.out
	if o.finished {
		return o.err
	}
	if !o.headerSent {
		if err := w.WriteHeader(); err != nil {
			return err
		}
	}
	defer w.closeFilters()
	if w.Filters != nil && !o.headOnly && o.err == nil && !o.drop {
		w.endFilters()
		if o.finished {
			// a filter ended the response cut short (Abort)
			return o.err
		}
	}
	o.finished = true
	if o.drop {
		return nil
	}
	if o.gz != nil {
		o.gzClose(true)
	}
	var trailers []Header
	if w.Trailers != nil && !o.headOnly && o.err == nil && (o.chunked || w.impl.s.h2 != nil) {
		trailers = w.Trailers()
	}
	if o.chunked {
		o.buffer()
		o.data = appendTrailers(o.data, trailers)
	} else if trailers != nil {
		o.flush()
		w.impl.s.h2Trailers(trailers)
	}
	if o.clKnown && o.remain > 0 {
		o.incomplete = true
	}
	if o.holdLast() {
		return nil
	}
	o.flush()
	o.release()
	return o.err
}

// holdLast hands the last bytes of a keep-alive response to the
// connection, which writes them as it starts to wait for the next request
// (conn.idleRead): the write and the wait then begin in one turn of the
// poller, and the read that would find nothing yet is saved, as nginx
// reads a keep-alive connection only once epoll reports it. The bytes
// count as sent; a failure to send them closes the connection.
func (o *outWriter) holdLast() bool {
	s := o.s
	c := s.c
	r := &s.req
	if len(o.data) == 0 || o.err != nil || !o.keepAlive || o.incomplete || o.http09 || o.noHold ||
		c.rc == nil || s.resp.LimitRate > 0 || r.Err != 0 || !s.body.complete() {
		return false
	}
	c.tail, c.tailBuf, c.tailTimeout = o.data, o.b, s.resp.sendTimeout()
	c.tailHeld.Store(true)
	o.data, o.b = nil, nil
	o.sent += int64(len(c.tail))
	return true
}

// Abort ends a response whose body cannot be completed (an upstream
// that failed in the middle of it): no last chunk is sent and the
// connection is closed, so the client sees the response cut short rather
// than complete. With flush, what is gathered is sent first (nginx
// passes on what it read before an upstream closed or timed out);
// without, it is dropped (nginx loses the postponed output of a buffer
// it refused, such as broken chunked framing), except a header long
// enough that nginx sent it at once.
func (w *Response) Abort(flush bool) {
	o := &w.impl.s.out
	if o.finished {
		return
	}
	if !o.headerSent {
		if err := w.WriteHeader(); err != nil {
			return
		}
	}
	defer w.closeFilters()
	o.finished = true
	o.incomplete = true
	w.KeepAlive = false
	switch {
	case o.drop:
	case flush:
		o.flush()
	case o.sent == 0 && o.headerLen >= postponeOutput && int64(len(o.data)) >= o.headerLen:
		// a header of postpone_output bytes or more left at once in
		// nginx (ngx_http_write_filter sends what reaches it); only
		// the body gathered after it is lost
		o.send(o.data[:o.headerLen])
	}
	o.release()
}

// postponeOutput is nginx's postpone_output default: output held back
// until this much is gathered.
const postponeOutput = 1460

// appendLastModified formats t, reusing the previous result for the same
// second (a static file is usually asked for again and again).
func (s *stream) appendLastModified(b []byte, t time.Time) []byte {
	sec := t.Unix()
	if sec != s.lmSec || s.lmLen == 0 {
		s.lmSec = sec
		s.lmLen = len(t.UTC().AppendFormat(s.lmBuf[:0], httpTime))
	}
	return append(b, s.lmBuf[:s.lmLen]...)
}

// Hijack hands the connection to the handler, for a "101 Switching
// Protocols" upgrade (WebSocket proxying): what is gathered of the
// response is sent first, and the bytes the client sent after the request
// header, already read by the engine, are returned. The engine forgets
// the connection: it no longer counts in Server.Conns, Drain and CloseAll
// do not touch it, and the handler must close it.
func (w *Response) Hijack() (net.Conn, []byte, error) {
	s := w.impl.s
	o := &s.out
	if o.hijacked {
		return nil, nil, errors.New("httpcore: connection already hijacked")
	}
	if s.h2 != nil {
		return nil, nil, errH2NoHijack
	}
	if s.c == nil {
		return nil, nil, errors.New("httpcore: a subrequest has no connection")
	}
	if o.headerSent && !o.drop {
		o.flush()
		if o.err != nil {
			return nil, nil, o.err
		}
	}
	c := s.c
	o.hijacked = true
	o.headerSent = true
	o.finished = true
	var rest []byte
	if c.pos < c.last {
		rest = append(rest, c.cur.b[c.pos:c.last]...)
		c.pos = c.last
	}
	c.nc.SetDeadline(time.Time{})
	c.rdl, c.wdl = 0, 0
	return c.nc, rest, nil
}

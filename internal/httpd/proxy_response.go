package httpd

import (
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proto/http1"
	"weir/internal/static"
	"weir/internal/upstream"
)

// hiddenByDefault are the upstream headers the proxy module never passes
// (ngx_http_proxy_hide_headers) plus those the upstream module consumes
// itself (ngx_http_upstream_headers_in: framing and connection headers).
var hiddenByDefault = [...]string{"date", "server", "x-pad", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset",
	"connection", "keep-alive", "transfer-encoding", "content-length", "content-type"}

// gatewayHidden are the headers the upstream module itself consumes for
// the gateway protocols (framing, connection), besides their hide list.
var gatewayHidden = [...]string{"connection", "keep-alive", "transfer-encoding", "content-length", "content-type"}

// upstreamHeaderPassed reports whether the upstream header name goes to
// the client.
func (q *request) upstreamHeaderPassed(name string) bool {
	uc := q.px.uc
	for _, h := range uc.HideHeaders.V {
		if httpcore.EqualFold(h, name) {
			return false
		}
	}
	if hidden := q.px.tr.hidden; hidden != nil {
		for _, d := range gatewayHidden {
			if httpcore.EqualFold(d, name) {
				return false
			}
		}
		for _, d := range hidden {
			if httpcore.EqualFold(d, name) {
				for _, p := range uc.PassHeaders.V {
					if httpcore.EqualFold(p, name) {
						return true
					}
				}
				return false
			}
		}
		return true
	}
	for _, d := range hiddenByDefault {
		if httpcore.EqualFold(d, name) {
			if d == "date" || d == "server" || strings.HasPrefix(d, "x-") {
				for _, p := range uc.PassHeaders.V {
					if httpcore.EqualFold(p, name) {
						return true
					}
				}
			}
			return false
		}
	}
	return true
}

// singleHeaders are the upstream headers nginx keeps one of (those
// ngx_http_upstream_process_header_line and its kin handle since nginx
// 1.23.0): a repeated one is logged and ignored.
var singleHeaders = [...]string{"content-type", "date", "last-modified", "etag", "server", "location",
	"refresh", "x-accel-redirect", "expires", "x-accel-expires", "x-accel-limit-rate"}

// takeCharset takes an upstream's X-Accel-Charset as nginx does when the
// header line is read (ngx_http_upstream_process_charset): it holds for
// whatever answers the request then, an intercepted error's page, an
// X-Accel-Redirect's target, and the error page of a head that failed
// after the line.
func (q *request) takeCharset(h *http1.ResponseHead) {
	if q.px.uc.IgnoreHeaders.V&config.IgnoreXAccelCharset == 0 {
		if v, ok := httpcore.FieldValue(h.Headers, "x-accel-charset"); ok {
			q.overrideCharset = strings.Clone(v)
		}
	}
}

// dropRepeatedHeaders removes the repeats of singleHeaders from the head,
// with nginx's warning for each: the first line counts, for the client
// as for the upstream's X-Accel-* controls.
func (q *request) dropRepeatedHeaders(h *http1.ResponseHead) {
	kept := h.Headers[:0]
next:
	for _, x := range h.Headers {
		for _, name := range singleHeaders {
			if !httpcore.EqualFold(x.Name, name) {
				continue
			}
			for _, k := range kept {
				if httpcore.EqualFold(k.Name, name) {
					q.log().Logf(errlog.Warn, q.r.Conn.ID, "upstream sent duplicate header line: \"%s: %s\", previous value: \"%s: %s\", ignored while reading response header from upstream%s",
						x.Name, x.Value, k.Name, k.Value, q.logSuffix())
					continue next
				}
			}
			break
		}
		kept = append(kept, x)
	}
	h.Headers = kept
}

var bodyBufPool = sync.Pool{New: func() any { b := make([]byte, 32*1024); return &b }}

// proxyResponse passes the upstream's response to the client
// (ngx_http_upstream_process_header, ngx_http_upstream_send_response and
// the body filters).
func (q *request) proxyResponse(peer *upstream.Peer) {
	px := q.px
	uc := q.px.uc
	h := &px.head
	w := q.w

	if h.ProtoMajor == 0 && h.ProtoMinor == 9 {
		// (HTTP/1.9 or HTTP/2.9 is a valid status line)
		q.passRaw(peer)
		return
	}
	q.cacheHeaders()
	q.takeCharset(h)

	// a memcached miss: weir's own 404, through error_page (these two
	// come before X-Accel-Redirect: ngx_http_upstream_intercept_errors
	// runs before ngx_http_upstream_process_headers)
	if h.Status == 404 && px.tr.intercept404 {
		q.finishUpstream(peer, true, 0)
		q.respondStatus(404)
		return
	}
	// proxy_intercept_errors with an error_page for the status
	if h.Status >= 300 && uc.InterceptErrors.V && q.hasErrorPage(h.Status) {
		q.finishUpstream(peer, false, 0)
		if h.Status == 401 {
			if v, ok := httpcore.FieldValue(h.Headers, "www-authenticate"); ok {
				w.Header = append(w.Header, httpcore.Header{Name: "WWW-Authenticate", Value: strings.Clone(v)})
			}
		}
		q.respondStatus(h.Status)
		return
	}

	// X-Accel-Redirect (ngx_http_upstream_process_headers)
	if xa, ok := httpcore.FieldValue(h.Headers, "x-accel-redirect"); ok && uc.IgnoreHeaders.V&config.IgnoreXAccelRedirect == 0 {
		q.finishUpstream(peer, false, 0)
		// what is kept outlives the header buffer (a second upstream
		// pass reuses it): copies
		xa = strings.Clone(xa)
		for _, x := range h.Headers {
			switch strings.ToLower(x.Name) {
			case "set-cookie", "content-disposition", "cache-control", "expires", "accept-ranges":
				w.Header = append(w.Header, httpcore.Header{Name: strings.Clone(x.Name), Value: strings.Clone(x.Value)})
			case "content-type":
				q.ctype = strings.Clone(x.Value)
			}
		}
		q.discardBody()
		q.accelRedirected = true
		if strings.HasPrefix(xa, "@") {
			q.namedRedirect(xa)
			return
		}
		uri, args, bad, safe := parseUnsafeURI(xa)
		if !safe {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "unsafe URI \"%s\" was detected while reading response header from upstream%s", bad, q.logSuffix())
			q.respondStatus(404)
			return
		}
		if q.method != "HEAD" {
			q.method, q.methodSet = "GET", true
		}
		q.args, q.argsSet = args, strings.IndexByte(xa, '?') >= 0
		q.internalRedirect(uri)
		return
	}

	w.Status = h.Status
	if h.StatusLine != "" {
		w.StatusLine = h.StatusLine
	}
	w.ContentLength = h.ContentLength
	if h.Chunked {
		w.ContentLength = -1
	}
	w.LastModified = time.Time{}
	if ct, ok := httpcore.FieldValue(h.Headers, "content-type"); ok && !hides(uc.HideHeaders.V, "content-type") {
		w.ContentType = ct
	} else if ok {
		w.ContentType = "" // *_hide_header Content-Type
	} else if px.tr == &memcachedTransport {
		// ngx_http_memcached_handler: the type comes from the URI
		w.ContentType = q.contentType(q.uri)
	} else {
		w.ContentType = ""
	}
	w.Header = w.Header[:0]
	q.stickyHeader()
	q.passedHeaders = true
	// force_ranges (memcached's always): the range filter answers
	// ranges, and the upstream's Accept-Ranges is not passed
	// (ngx_http_upstream_copy_allow_ranges)
	forced := uc.ForceRanges.V || px.tr == &memcachedTransport || q.cacheRanges()
	for _, x := range h.Headers {
		if !q.upstreamHeaderPassed(x.Name) || forced && httpcore.EqualFold(x.Name, "accept-ranges") {
			continue
		}
		v := x.Value
		switch {
		case httpcore.EqualFold(x.Name, "location"):
			// ngx_http_upstream_rewrite_location: a Location that
			// proxy_redirect rewrote becomes the response's location,
			// which the header filter writes before Connection when it
			// makes it absolute (relative, absolute_redirect on); any
			// other stays in its place among the headers
			nv, rewritten := q.rewriteRedirect(x.Name, v)
			if rewritten && strings.HasPrefix(nv, "/") && q.lc.AbsoluteRedirect.V {
				w.Location = nv
				continue
			}
			v = nv
		case httpcore.EqualFold(x.Name, "refresh"):
			v, _ = q.rewriteRedirect(x.Name, v)
		case httpcore.EqualFold(x.Name, "set-cookie"):
			v = q.rewriteCookie(v)
		}
		w.Header = append(w.Header, httpcore.Header{Name: x.Name, Value: v})
	}
	for _, p := range uc.PassHeaders.V {
		if p == "server" {
			w.Server = ""
		}
		if p == "date" {
			w.NoDate = true
		}
	}
	if px.tr.hidden != nil {
		// the gateway modules do not hide Server and Date: the
		// application's replace weir's own
		if _, ok := httpcore.FieldValue(h.Headers, "server"); ok && q.upstreamHeaderPassed("server") {
			w.Server = ""
		}
		if _, ok := httpcore.FieldValue(h.Headers, "date"); ok && q.upstreamHeaderPassed("date") {
			w.NoDate = true
		}
	}
	if uc.IgnoreHeaders.V&config.IgnoreXAccelLimitRate == 0 {
		if v, ok := httpcore.FieldValue(h.Headers, "x-accel-limit-rate"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				w.LimitRate, q.limitRateSet = n, true
			}
		}
	}
	if !q.sliceHeader() {
		q.finishUpstream(peer, false, 0)
		return
	}
	buffering := uc.Buffering.V
	if uc.IgnoreHeaders.V&config.IgnoreXAccelBuffering == 0 && px.tr != &grpcTransport && px.tr != &memcachedTransport {
		// ngx_http_upstream_process_buffering, for each such header
		// (the last one counts): "yes" or "no", other values change
		// nothing (grpc and memcached have no change_buffering)
		for _, hh := range h.Headers {
			if httpcore.EqualFold(hh.Name, "x-accel-buffering") {
				switch {
				case httpcore.EqualFold(hh.Value, "no"):
					buffering = false
				case httpcore.EqualFold(hh.Value, "yes"):
					buffering = true
				}
			}
		}
	}

	if h.Status == 101 {
		q.tunnel(peer)
		return
	}

	// the upstream's trailers follow a body of unknown length
	// (ngx_http_upstream_process_trailers, for grpc's pass_trailers)
	q.passTrailers = px.tr == &grpcTransport && w.ContentLength < 0
	q.cacheDecide(buffering)
	q.storeStart(buffering)
	q.prepareHeader()
	if q.cacheServeBody() {
		return
	}
	q.cacheNotModified()
	if (forced && !h.Chunked || q.slicing()) && w.Status == 200 && w.ContentLength >= 0 && q.forcedRanges(peer) {
		return
	}
	w.Clock = px.responseStart().UnixNano() // nothing waited since the header came
	if err := w.WriteHeader(); err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	q.proxyBody(peer, buffering)
}

// forcedRanges is the range filter on an upstream's 200 of known length
// with force_ranges, for which ngx_http_upstream_send_response sets
// allow_ranges and single_range: one range is answered with a 206 cut
// from the body as it streams through, several with the whole 200. The
// headers filter (add_header) runs first, as in nginx's filter chain. It
// reports whether the request was answered with 416 instead, the
// upstream connection closed.
func (q *request) forcedRanges(peer *upstream.Peer) bool {
	w := q.w
	if q.main != nil {
		// (not in subrequests: r->subrequest_ranges is the slices', whose
		// range the main request cuts)
		return false
	}
	if f := w.OnHeader; f != nil {
		w.OnHeader = nil
		f(w)
	}
	maxRanges := static.MaxRangesUnlimited
	if q.lc.MaxRanges.V >= 0 {
		maxRanges = int(q.lc.MaxRanges.V)
	}
	status, skip := static.SingleRange(w, q.r, maxRanges)
	if status == 416 {
		q.finishUpstream(peer, false, 0)
		q.respondStatus(416)
		return true
	}
	if w.Status == 206 {
		if q.slicing() {
			skip = q.sliceRanged(skip, w.ContentLength)
		}
		w.BodySkip, w.BodyTrim = skip, true
		q.status = 206
	}
	return false
}

// hasErrorPage reports whether error_page covers status here.
func (q *request) hasErrorPage(status int) bool {
	for _, e := range q.lc.ErrorPages.V {
		if e.Code == status {
			return true
		}
	}
	return false
}

// finishUpstream releases the attempt: the connection goes back to the
// pool when reusable (the whole body read, no Connection: close),
// otherwise it is closed; the peer is freed as a success.
func (q *request) finishUpstream(peer *upstream.Peer, reusable bool, length int64) {
	px := q.px
	px.watchEnd()
	reusable = q.duplexEnd() && reusable
	done := px.responseDone()
	if px.st != nil {
		px.st.responseTime = done.Sub(px.start)
		px.st.length = length
	}
	if px.tr.gateway() {
		reusable = reusable && px.gw.reuse
	} else {
		// (ConnClose holds for any status line older than HTTP/1.1;
		// proxy_http_version 1.0 does not matter: nginx keeps what an
		// HTTP/1.1 answer without "Connection: close" leaves open)
		reusable = reusable && !px.head.ConnClose
	}
	if px.conn != nil {
		if reusable {
			px.conn.Requests++
			px.grp.PutAt(px.conn, q.lc, done)
		} else {
			px.conn.Close()
		}
		px.conn = nil
	}
	if peer != nil {
		q.stickyAccount(peer)
		px.pick.Free(peer, upstream.StateOK)
	}
}

// proxyBody passes the response body on: what came with the header
// first, then reads with proxy_read_timeout between them. The client sees
// the upstream's framing re-made by the engine (Content-Length kept,
// chunked re-chunked); an upstream failing in the middle is logged and
// the client's connection closed without a proper end. With buffering the
// body goes through the event pipe (spoolBody); without, each read is
// passed on as it comes (passBody).
func (q *request) proxyBody(peer *upstream.Peer, buffering bool) {
	px := q.px
	h := &px.head
	// stderr that came in the same read as the header of an unbuffered
	// answer is logged in the header's action (nginx's non-buffered filter
	// runs before the action changes); later records and errors are
	// "while reading upstream"
	if !buffering {
		px.stderrAction = px.action
	}
	px.gw.buffered = buffering
	px.action = " while reading upstream"
	if !buffering && (px.rawBody() && px.hlen > px.hdone || px.tr == &fastcgiTransport && (px.hlen > px.hdone || px.fcgiHeadLeft())) {
		// body bytes came with the header: nginx passes them on and goes
		// on reading in ngx_http_upstream_process_non_buffered_downstream,
		// whose action holds until a read has to wait (readUpstream;
		// the header's own wait does not count)
		px.action = actionSending
		px.conn.ForgetWait()
	}
	if q.headerOnly {
		// a header-only subrequest (auth_request's, mirror's): nginx
		// finalizes the upstream without reading the body
		q.finishUpstream(peer, false, 0)
		return
	}
	// (a gateway's "Status: 1xx" is an answer like any other: nginx
	// passes its body)
	noBody := px.method == "HEAD" || h.Status == 204 || h.Status == 304 || (h.Status >= 100 && h.Status < 200 && h.ProtoMajor != 0)
	if noBody {
		if px.method != "HEAD" && (h.Status == 204 || h.Status == 304) && px.tr.gateway() && px.tr != &memcachedTransport && px.tr != &grpcTransport {
			q.dropBody(peer, buffering)
			return
		}
		// nothing follows the header (a body sent anyway makes the
		// connection unusable)
		q.cacheNoBody()
		extra := int64(px.hlen - px.hdone)
		if extra > 0 && px.method != "HEAD" && (h.Status == 204 || h.Status == 304) {
			// the upstream's status line keeps nginx's header filter
			// from making a 204 or 304 header-only, so its body is read
			// with a length of 0: what came with the header is warned
			// about and counted in $upstream_response_length
			// (ngx_http_proxy_copy_filter, ngx_http_proxy_non_buffered_copy_filter)
			q.extraLength(&upBody{headBytes: true, buffering: buffering})
			q.finishUpstream(peer, false, extra)
			return
		}
		q.finishUpstream(peer, extra == 0, 0)
		return
	}
	b := upBody{
		pending:   px.hbuf[px.hdone:px.hlen],
		remain:    h.ContentLength,
		start:     px.responseStart(),
		limit:     px.uc.LimitRate.V, // proxy_limit_rate: bytes per second read from the upstream
		buffering: buffering,
	}
	if px.tr == &memcachedTransport {
		// the value's bytes that came with the head line
		b.pending = q.memcachedFirst(b.pending)
	}
	if px.tr.untilEOF {
		// the protocol ends the body (FastCGI's end of request); a
		// Content-Length only goes to the client
		b.remain = -1
	}
	q.watchBody()
	if buffering && q.spoolBody(peer, &b) {
		return
	}
	q.passBody(peer, &b)
}

// dropBody ends a 204 or 304 from FastCGI, uwsgi or SCGI. nginx 1.22
// makes a response header-only when it writes the status line itself, and
// the status line of these is the application's: the body goes through
// the event pipe (or the non-buffered filter) with a length of 0. The
// first body bytes are dropped with a warning and end the reading (what
// came with the header, for uwsgi and SCGI; FastCGI's STDOUT data, its
// records read until END_REQUEST when none comes), and count in
// $upstream_response_length with all that was read.
func (q *request) dropBody(peer *upstream.Peer, buffering bool) {
	px := q.px
	got := px.hlen > px.hdone
	reuse, end := false, bodyDone
	if !got && px.tr == &fastcgiTransport {
		var buf [512]byte
		start := px.responseStart()
		for {
			n, err := q.readUpstream(buf[:], start, px.uc.LimitRate.V)
			if n > 0 {
				got = true
				break
			}
			if err == io.EOF {
				reuse = px.gw.reuse
				break
			}
			if err != nil {
				// a failure ends it as it ends a body: with
				// buffering, a bad record loses the header still held
				end = q.bodyReadEnd(&upBody{buffering: buffering}, err)
				break
			}
		}
	}
	if got {
		// what came with the header of a non-buffered answer is
		// filtered before the action changes (as its stderr)
		q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s%s%s", http1.WarnExtraLength, px.recordAction(), q.logSuffix())
	}
	q.finishUpstream(peer, reuse, px.st.received-px.hraw)
	if end != bodyDone {
		q.endResponse(end)
	}
}

// upBody is the upstream side of a response body: its framing, the part
// that came with the header, and what was read of it.
type upBody struct {
	dec       http1.ChunkedDecoder
	pending   []byte // body bytes that came with the header, not yet taken
	remain    int64  // bytes the Content-Length still announces; -1 = until the end
	length    int64  // body bytes read (proxy_pass's $upstream_response_length)
	lateErr   error  // a read error held back while its bytes are passed on
	start     time.Time
	limit     int64
	buffering bool
	flushed   bool // without buffering: the header went out before a wait
	reuse     bool // at bodyDone: the connection may serve another request
	headBytes bool // the piece being decoded came with the header
	timedOut  bool // the body ended with proxy_read_timeout
	pb        pipeBufs
}

// bodyEnd says where a response body stands after a piece of it.
type bodyEnd uint8

const (
	bodyMore   bodyEnd = iota // more is to come
	bodyDone                  // complete
	bodyCut                   // the upstream failed: what was read goes out, the response is cut
	bodyBroken                // the upstream failed: what was not sent yet is lost, the response is cut
)

// bodyNext reads and decodes the next piece of the body into buf (the
// part that came with the header is taken first; with no buf, only it).
// The piece returned lies in buf from its start, or in the header buffer;
// with an end other than bodyMore the failure is logged.
func (q *request) bodyNextRaw(b *upBody, buf []byte) ([]byte, bodyEnd) {
	h := &q.px.head
	for {
		if b.remain == 0 && !h.Chunked {
			b.reuse = true
			if len(b.pending) > 0 {
				// more came with the header than a Content-Length of 0
				b.headBytes = true
				q.extraLength(b)
			}
			return nil, bodyDone
		}
		var in []byte
		var err error
		switch {
		case b.lateErr != nil:
			// an error that came with the read of carried bytes
			err, b.lateErr = b.lateErr, nil
		case b.buffering && len(b.pending) > 0 && !h.Chunked && (b.remain < 0 || int64(len(b.pending)) < b.remain) && len(b.pending) < len(buf)/2:
			// the start of a buffered body that goes on waits for the
			// next read, so both go to the client in one write (an
			// unbuffered one goes at once, as nginx's non-buffered
			// filter sends what came with the header)
			carry := copy(buf, b.pending)
			b.pending = nil
			var n int
			n, b.lateErr = q.readUpstream(buf[carry:], b.start, b.limit)
			in = buf[:carry+n]
		case len(b.pending) > 0:
			in, b.pending = b.pending, nil
			b.headBytes = true
		case buf == nil:
			return nil, bodyMore
		default:
			if !b.buffering && !b.flushed && !q.px.fcgiHeadLeft() {
				b.flushed = true
				// without buffering the header does not wait for the
				// body: nginx flushes it when nothing came with it
				// (ngx_http_send_special with NGX_HTTP_FLUSH); a failed
				// write shows in the next one
				_ = q.w.Flush()
			}
			var n int
			n, err = q.readUpstream(buf, b.start, b.limit)
			in = buf[:n]
			if n > 0 && err != nil {
				b.lateErr, err = err, nil
			}
		}
		if len(in) == 0 {
			if err == nil {
				continue
			}
			return nil, q.bodyReadEnd(b, err)
		}
		out, end := q.bodyDecode(b, in)
		b.headBytes = false
		if len(out) > 0 || end != bodyMore {
			return out, end
		}
	}
}

// bodyReadEnd classifies a read that ended with err and nothing read: the
// end of a body that runs until the connection (or the protocol's
// response) ends, or a failure, logged.
func (q *request) bodyReadEnd(b *upBody, err error) bodyEnd {
	px := q.px
	h := &px.head
	if err == io.EOF && b.remain < 0 && !h.Chunked {
		if px.tr == &fastcgiTransport && px.gw.end && h.ContentLength >= 0 && b.length < h.ContentLength {
			// FastCGI ended the request before the Content-Length it
			// announced (a connection closed without END_REQUEST ends
			// the body as it is)
			q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream prematurely closed FastCGI request%s%s", px.recordAction(), q.logSuffix())
			return bodyCut
		}
		b.reuse = px.tr.untilEOF
		return bodyDone
	}
	if err == errClientWrite {
		return bodyBroken
	}
	q.upstreamBodyError(err, b.buffering)
	if err == errClientLeft {
		return bodyBroken
	}
	// what an event pipe had read but not sent is lost on a read error;
	// when the upstream closed, nginx passes what its buffers hold on
	// (ngx_event_pipe_read_upstream filters them at upstream_eof). At a
	// timeout ngx_http_upstream_process_upstream does not run the pipe
	// again: the buffers already passed on have gone out, the bytes of a
	// raw buffer not yet full are lost (b.pb.held, spoolBody)
	var ge *gatewayError
	if !b.buffering && px.stderrAction != "" && errors.As(err, &ge) {
		// a bad record among those that came with the header:
		// ngx_http_upstream_send_response finalizes with NGX_ERROR, the
		// postponed header and what the records held are never sent
		return bodyBroken
	}
	b.timedOut = isTimeout(err)
	if err == io.EOF || b.timedOut || !b.buffering || err == errClosedEarly || err == errFastCGIStdoutShort {
		return bodyCut
	}
	return bodyBroken
}

// bodyDecode takes the upstream's framing off the bytes of one read, in
// place: a chunked body's data is gathered towards the start (and goes
// out as one piece, as nginx passes one buffer on), a sized one is cut
// at its length.
func (q *request) bodyDecode(b *upBody, in []byte) ([]byte, bodyEnd) {
	px := q.px
	h := &px.head
	if h.Chunked {
		done := false
		out := in[:0]
		for len(in) > 0 && !done {
			d, n, fin, err := b.dec.Decode(in)
			if err != nil {
				q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream sent invalid chunked response%s%s", q.readAction(b), q.logSuffix())
				return nil, bodyBroken
			}
			in, done = in[n:], fin
			out = append(out, d...)
		}
		b.length += int64(len(out))
		if !done {
			return out, bodyMore
		}
		px.trailers = append(px.trailers[:0], b.dec.Trailers()...)
		if len(in) > 0 {
			q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s%s%s", http1.WarnExtraChunk, q.readAction(b), q.logSuffix())
		}
		b.reuse = len(in) == 0
		return out, bodyDone
	}
	// (b.remain is -1 for the modules whose protocol ends the body)
	extra := b.remain > 0 && int64(len(in)) > b.remain
	if extra {
		in = in[:b.remain]
	}
	if px.tr.untilEOF && h.ContentLength >= 0 && b.length+int64(len(in)) > h.ContentLength {
		// more than the FastCGI answer's Content-Length: the rest is
		// dropped, once warned about
		if !px.warnedExtra {
			px.warnedExtra = true
			q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s%s%s", http1.WarnExtraLength, px.recordAction(), q.logSuffix())
		}
		in = in[:h.ContentLength-b.length]
		if px.tr == &fastcgiTransport {
			// nginx's FastCGI filters end the answer there
			// (p->upstream_done, u->length = 0): the records after it,
			// a STDERR or a broken one, are not read
			b.length += int64(len(in))
			b.reuse = false
			return in, bodyDone
		}
	}
	if b.remain > 0 {
		b.remain -= int64(len(in))
	}
	b.length += int64(len(in))
	if b.remain == 0 {
		b.reuse = true
		if extra {
			// more than the Content-Length: the rest is dropped, warned
			// about, and the connection not kept
			// (ngx_http_proxy_copy_filter, ngx_event_pipe_copy_input_filter)
			q.extraLength(b)
		}
		return in, bodyDone
	}
	return in, bodyMore
}

// extraLength ends a body that went past its Content-Length: nginx's
// warning, in the header's action for the bytes that came with the
// header of an unbuffered answer, and no keep-alive.
func (q *request) extraLength(b *upBody) {
	q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s%s%s", http1.WarnExtraLength, q.readAction(b), q.logSuffix())
	b.reuse = false
}

// rawBody reports whether the answer's body comes as the upstream sends
// it, after an HTTP or CGI-style head: proxy_pass, uwsgi and SCGI, whose
// unbuffered bytes nginx's generic ngx_http_upstream_non_buffered_filter
// takes (FastCGI's come in records, memcached's end with "END").
func (px *proxyState) rawBody() bool {
	return px.tr == &httpTransport || px.tr == &uwsgiTransport || px.tr == &scgiTransport
}

// actionSending is the action of an unbuffered answer's reads made while
// its first bytes are sent.
const actionSending = " while sending to client"

// readAction is the action of a line about the body bytes just decoded:
// the header's for those that came with the header of an unbuffered
// answer (ngx_http_upstream_send_response runs the non-buffered input
// filter on them before the action changes), px.action otherwise.
func (q *request) readAction(b *upBody) string {
	if b.headBytes && !b.buffering {
		return " while reading response header from upstream"
	}
	return q.px.action
}

// upLength is $upstream_response_length after a body: for proxy_pass
// over HTTP/2 the body's bytes; otherwise, as nginx's event pipe and
// non-buffered reads count them (p->read_length, u->state->response_length),
// every byte read from the connection after the response head: FastCGI's
// record headers, padding, STDERR and END_REQUEST records, memcached's
// "\r\nEND\r\n", a chunked body's framing and trailer, and what came past
// a Content-Length in the same read.
func (q *request) upLength(b *upBody) int64 {
	px := q.px
	if px.tr.gateway() || q.lc.Proxy.HTTPVersion.V != "2" {
		return px.st.received - px.hraw
	}
	return b.length
}

// endBody releases the upstream of a body that ended and ends the
// response as end says.
func (q *request) endBody(peer *upstream.Peer, b *upBody, end bodyEnd) {
	q.finishUpstream(peer, end == bodyDone && b.reuse, q.upLength(b))
	q.endResponse(end)
}

// endResponse ends the response of a body that ended as end says.
func (q *request) endResponse(end bodyEnd) {
	q.clientLeftStatus()
	switch end {
	case bodyDone:
		if q.sliceRest() {
			_ = q.w.Finish()
		}
	case bodyCut:
		q.w.Abort(true)
	default:
		q.w.Abort(false)
	}
}

// passBody passes each piece of the body to the client as it is read
// (nginx's non-buffered path, and memory for one read at a time): with
// proxy_buffering off every piece is flushed at once; a slow client holds
// the upstream for as long as it takes to read.
func (q *request) passBody(peer *upstream.Peer, b *upBody) {
	w := q.w
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	if bs := int(q.px.uc.BufferSize.V); !b.buffering && bs > 0 && bs < len(buf) {
		// the non-buffered path reads into the proxy_buffer_size
		// buffer: what is read past a Content-Length (and so
		// $upstream_bytes_received) depends on it
		buf = buf[:bs]
	}
	clientOK := true
	for {
		out, end := q.bodyNext(b, buf)
		if len(out) > 0 && clientOK {
			if _, err := w.Write(out); err != nil {
				clientOK = false
			}
			if b.buffering {
				q.bodyWritten()
			}
		}
		if end != bodyMore {
			q.endBody(peer, b, end)
			return
		}
		if !b.buffering && clientOK && !q.px.fcgiHeadLeft() {
			// (the records that came with the header go out together,
			// once all are decoded: a bad one among them loses them all,
			// as ngx_http_upstream_send_response finalizes with NGX_ERROR
			// before any is sent)
			if err := w.Flush(); err != nil {
				clientOK = false
			}
		}
		if !clientOK && !q.storing() {
			// the client is gone: nginx stops reading the upstream
			// (ignore_client_abort or not: a failed write ends it)
			q.finishUpstream(peer, false, q.upLength(b))
			q.clientLeftStatus()
			return
		}
	}
}

// fcgiHeadLeft reports whether FastCGI bytes that came in the same read
// as the header are still to be decoded.
func (px *proxyState) fcgiHeadLeft() bool {
	return px.tr == &fastcgiTransport && (len(px.gw.raw) > 0 || len(px.gw.pending) > 0)
}

// recordAction is the action of a FastCGI record's log line: the header's
// for the records that came in the same read as the header of an
// unbuffered answer (nginx's non-buffered filter runs on them before the
// action changes), px.action for the others.
func (px *proxyState) recordAction() string {
	if px.stderrAction != "" {
		return px.stderrAction
	}
	return px.action
}

// upstreamBodyError logs a failure while reading the response body:
// nginx's event pipe reads with readv(), the unbuffered path with
// recv().
func (q *request) upstreamBodyError(err error, buffering bool) {
	var ge *gatewayError
	act := q.px.action
	switch {
	case err == errClientLeft:
		q.logClientLeft(q.px.watch.err)
	case err == errClientBody:
		// the client went away while its body streamed
		q.bodyError(q.px.duplexClientError())
	case errors.As(err, &ge):
		// (a bad record that came with the header of an unbuffered
		// answer is found by the non-buffered filter in its action)
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s%s", err.Error(), q.px.recordAction(), q.logSuffix())
	case err == errClosedEarly, err == errFastCGIStdoutShort:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s%s", err.Error(), act, q.logSuffix())
	case isTimeout(err):
		q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream timed out (110: Connection timed out)%s%s", act, q.logSuffix())
	case err == io.EOF:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream prematurely closed connection%s%s", act, q.logSuffix())
	case buffering:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "readv() failed %s%s%s", errlog.SysError(err), act, q.logSuffix())
	default:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "recv() failed %s%s%s", errlog.SysError(err), act, q.logSuffix())
	}
}

// passRaw sends an upstream answer that had no valid status line to the
// client as it came, with no header of weir's (nginx answers it as
// HTTP/0.9, whatever the client spoke), until the upstream closes. It is
// a body until the close read as any other: with proxy_buffering the
// bytes of the event pipe's buffer not yet full wait (pipeBufs) and are
// lost when proxy_read_timeout ends the answer, which is logged; without,
// each read goes out at once.
func (q *request) passRaw(peer *upstream.Peer) {
	px := q.px
	q.status = 9 // nginx logs an HTTP/0.9 answer as 009
	client, _, err := q.w.Hijack()
	if err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	defer client.Close()
	buffering := px.uc.Buffering.V
	px.action = " while reading upstream"
	if !buffering {
		px.action = actionSending
	}
	var left atomic.Bool
	var cerr error // the client's read error, once left is set
	// ngx_http_upstream_check_broken_connection: a client that leaves
	// while the upstream keeps its connection ends the answer
	go watchClient(client, px.conn, &left, &cerr)
	var pb pipeBufs
	if buffering {
		pb.start(px.uc, len(px.hbuf)-px.hlen, px.hlen)
	}
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	if px.hlen > len(buf)/2 {
		buf = make([]byte, 2*px.hlen)
	}
	n := copy(buf, px.hbuf[:px.hlen])
	length := int64(px.hlen)
	start := px.responseStart()
	action := px.action
	for {
		if err == io.EOF {
			// the upstream's end passes on what the buffers hold
			pb.held = 0
		}
		// what is not held goes out
		if ready := n - pb.held; ready > 0 {
			client.SetWriteDeadline(time.Now().Add(q.lc.SendTimeout.V))
			if _, werr := client.Write(buf[:ready]); werr != nil {
				break
			}
			q.extraSent += int64(ready)
			n = copy(buf, buf[ready:n])
		}
		if err != nil {
			if left.Load() {
				why := ""
				if cerr != io.EOF {
					why = " " + errlog.SysError(cerr)
				}
				q.log().Logf(errlog.Info, q.r.Conn.ID, "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too%s%s%s", why, action, q.logSuffix())
				q.status = 499
			} else if err != io.EOF {
				q.upstreamBodyError(err, buffering)
			}
			break
		}
		action = px.action
		var m int
		m, err = q.readUpstream(pb.room(buf[n:]), start, 0)
		length += int64(m)
		pb.advance(m)
		n += m
	}
	q.finishUpstream(peer, false, length)
}

// watchClient reads from a hijacked client until it closes (or the
// answer ends and closes it), then stops the upstream read under way.
func watchClient(client net.Conn, up *upstream.Conn, left *atomic.Bool, cerr *error) {
	var b [512]byte
	for {
		_, err := client.Read(b[:])
		if err != nil {
			*cerr = err
			break
		}
	}
	left.Store(true)
	up.SetReadDeadline(time.Now())
}

// hides reports whether a *_hide_header list names name.
func hides(list []string, name string) bool {
	for _, h := range list {
		if httpcore.EqualFold(h, name) {
			return true
		}
	}
	return false
}

// readUpstream reads the next body bytes from the upstream with
// proxy_read_timeout, paced by proxy_limit_rate (ngx_event_pipe's
// limit_rate: wait until the bytes read so far are due).
func (q *request) readUpstream(p []byte, start time.Time, limit int64) (int, error) {
	px := q.px
	px.waited = true
	px.conn.ReadWithin(px.uc.ReadTimeout.V)
	if px.clientLeft() {
		// (after the deadline is set: the watch may set it past now)
		return 0, errClientLeft
	}
	if limit > 0 {
		if due := start.Add(time.Duration(px.st.received * int64(time.Second) / limit)); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
	}
	n, err := px.tr.read(q, px.conn, p)
	if err != nil && px.clientLeft() {
		// (the client's event came first: the action stays)
		return n, errClientLeft
	}
	if px.action == actionSending && px.conn.Waited() {
		// the upstream's read event (ngx_http_upstream_process_non_buffered_upstream)
		px.action = " while reading upstream"
	}
	if n > 0 && !px.tr.countsRaw {
		px.st.received += int64(n)
	}
	if err != nil && px.duplexClientError() != nil {
		return n, errClientBody
	}
	return n, err
}

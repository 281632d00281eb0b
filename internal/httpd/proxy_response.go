package httpd

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proto/http1"
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
		if strings.EqualFold(h, name) {
			return false
		}
	}
	if hidden := q.px.tr.hidden; hidden != nil {
		for _, d := range gatewayHidden {
			if strings.EqualFold(d, name) {
				return false
			}
		}
		for _, d := range hidden {
			if strings.EqualFold(d, name) {
				for _, p := range uc.PassHeaders.V {
					if strings.EqualFold(p, name) {
						return true
					}
				}
				return false
			}
		}
		return true
	}
	for _, d := range hiddenByDefault {
		if strings.EqualFold(d, name) {
			if d == "date" || d == "server" || strings.HasPrefix(d, "x-") {
				for _, p := range uc.PassHeaders.V {
					if strings.EqualFold(p, name) {
						return true
					}
				}
			}
			return false
		}
	}
	return true
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

	if h.ProtoMinor == 9 {
		q.passRaw(peer)
		return
	}

	// X-Accel-Redirect (ngx_http_upstream_process_headers)
	if xa, ok := headerValue(h.Headers, "x-accel-redirect"); ok && uc.IgnoreHeaders.V&config.IgnoreXAccelRedirect == 0 && xa != "" {
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
		if strings.HasPrefix(xa, "@") {
			q.namedRedirect(xa)
			return
		}
		if q.method != "HEAD" {
			q.method, q.methodSet = "GET", true
		}
		q.internalRedirectArgs(xa)
		return
	}

	// a memcached miss: weir's own 404, through error_page
	if h.Status == 404 && px.tr.intercept404 {
		q.finishUpstream(peer, true, 0)
		q.respondStatus(404)
		return
	}
	// proxy_intercept_errors with an error_page for the status
	if h.Status >= 300 && uc.InterceptErrors.V && q.hasErrorPage(h.Status) {
		q.finishUpstream(peer, false, 0)
		if h.Status == 401 {
			if v, ok := headerValue(h.Headers, "www-authenticate"); ok {
				w.Header = append(w.Header, httpcore.Header{Name: "WWW-Authenticate", Value: strings.Clone(v)})
			}
		}
		q.respondStatus(h.Status)
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
	if ct, ok := headerValue(h.Headers, "content-type"); ok && !hides(uc.HideHeaders.V, "content-type") {
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
	q.passedHeaders = true
	for _, x := range h.Headers {
		if !q.upstreamHeaderPassed(x.Name) {
			continue
		}
		v := x.Value
		switch {
		case httpcore.EqualFold(x.Name, "location"):
			// ngx_http_upstream_rewrite_location: a Location that
			// proxy_redirect rewrote becomes the response's location
			// (made absolute by the header filter when relative); one
			// left as is passes untouched
			nv, rewritten := q.rewriteRedirect(x.Name, v)
			if rewritten && strings.HasPrefix(nv, "/") {
				w.Location = nv
				continue
			}
			v = nv
		case httpcore.EqualFold(x.Name, "refresh"):
			v, _ = q.rewriteRedirect(x.Name, v)
		case httpcore.EqualFold(x.Name, "set-cookie"):
			v = q.rewriteCookie(v)
		case httpcore.EqualFold(x.Name, "last-modified"):
			if h.Status != 200 && h.Status != 206 && h.Status != 304 {
				continue
			}
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
	if px.tr == &memcachedTransport && h.Status == 200 {
		// memcached forces ranges (u->conf->force_ranges): the range
		// filter announces them
		w.Header = append(w.Header, httpcore.Header{Name: "Accept-Ranges", Value: "bytes"})
	}
	if px.tr.hidden != nil {
		// the gateway modules do not hide Server and Date: the
		// application's replace weir's own
		if _, ok := headerValue(h.Headers, "server"); ok {
			w.Server = ""
		}
		if _, ok := headerValue(h.Headers, "date"); ok {
			w.NoDate = true
		}
	}
	if uc.IgnoreHeaders.V&config.IgnoreXAccelLimitRate == 0 {
		if v, ok := headerValue(h.Headers, "x-accel-limit-rate"); ok {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
				w.LimitRate = n
			}
		}
	}
	buffering := uc.Buffering.V
	if uc.IgnoreHeaders.V&config.IgnoreXAccelBuffering == 0 {
		if v, ok := headerValue(h.Headers, "x-accel-buffering"); ok {
			buffering = !strings.EqualFold(v, "no")
		}
	}

	if h.Status == 101 {
		q.tunnel(peer)
		return
	}

	q.prepareHeader()
	if err := w.WriteHeader(); err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	q.proxyBody(peer, buffering)
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

func headerValue(hs []httpcore.Header, name string) (string, bool) {
	for _, h := range hs {
		if httpcore.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// finishUpstream releases the attempt: the connection goes back to the
// pool when reusable (the whole body read, no Connection: close),
// otherwise it is closed; the peer is freed as a success.
func (q *request) finishUpstream(peer *upstream.Peer, reusable bool, length int64) {
	px := q.px
	if px.tr == &memcachedTransport && px.gw.end && px.gw.mcHead && px.head.Status == 200 && length > 0 {
		// nginx counts the value's trailer ("\r\nEND\r\n") too
		length += 7
	}
	if px.st != nil {
		px.st.responseTime = time.Since(px.start)
		px.st.length = length
	}
	if px.tr.gateway() {
		reusable = reusable && px.gw.reuse
	} else {
		reusable = reusable && !px.head.ConnClose && px.minor == 1 && px.head.ProtoMinor == 1
	}
	if px.conn != nil {
		if reusable {
			px.conn.Requests++
			px.grp.Put(px.conn, q.lc)
		} else {
			px.conn.Close()
		}
		px.conn = nil
	}
	px.pick.Free(peer, upstream.StateOK)
}

// proxyBody copies the response body: what came with the header first,
// then reads with proxy_read_timeout between them. The client sees the
// upstream's framing re-made by the engine (Content-Length kept, chunked
// re-chunked); an upstream failing in the middle is logged and the
// client's connection closed without a proper end.
func (q *request) proxyBody(peer *upstream.Peer, buffering bool) {
	px := q.px
	uc := q.px.uc
	h := &px.head
	w := q.w
	// stderr that came in the same read as the header of an unbuffered
	// answer is logged in the header's action (nginx's non-buffered filter
	// runs before the action changes); later records and errors are
	// "while reading upstream"
	if !buffering {
		px.stderrAction = px.action
	}
	px.action = " while reading upstream"
	noBody := px.method == "HEAD" || h.Status == 204 || h.Status == 304 || (h.Status >= 100 && h.Status < 200)
	if noBody {
		// nothing follows the header (a body sent anyway makes the
		// connection unusable)
		q.finishUpstream(peer, px.hlen == px.hdone, 0)
		return
	}
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	pending := px.hbuf[px.hdone:px.hlen]
	if px.tr == &memcachedTransport {
		// the value's bytes that came with the head line
		pending = q.memcachedFirst(pending)
	}
	remain := h.ContentLength
	if px.tr.untilEOF {
		// the protocol ends the body (FastCGI's end of request); a
		// Content-Length only goes to the client
		remain = -1
	}
	var dec http1.ChunkedDecoder
	var length int64
	limit := uc.LimitRate.V // proxy_limit_rate: bytes per second read from the upstream
	bodyStart := time.Now()
	clientOK := true
	var lateErr error // a read error held back while its bytes are passed on
	for {
		if remain == 0 && !h.Chunked {
			break
		}
		var in []byte
		var err error
		switch {
		case lateErr != nil:
			// an error that came with the read of carried bytes
			err, lateErr = lateErr, nil
		case len(pending) > 0 && !h.Chunked && (remain < 0 || int64(len(pending)) < remain) && len(pending) < len(buf)/2:
			// the start of a body that goes on waits for the next
			// read, so both go to the client in one write
			carry := copy(buf, pending)
			pending = nil
			var n int
			n, err = q.readUpstream(buf[carry:], bodyStart, limit)
			in = buf[:carry+n]
			if err != nil {
				lateErr, err = err, nil
			}
		case len(pending) > 0:
			in, pending = pending, nil
		default:
			var n int
			n, err = q.readUpstream(buf, bodyStart, limit)
			in = buf[:n]
			if n > 0 && err != nil {
				lateErr, err = err, nil
			}
		}
		if len(in) == 0 {
			if err == nil {
				continue
			}
			if err == io.EOF && remain < 0 && !h.Chunked {
				if px.tr.untilEOF && h.ContentLength >= 0 && length < h.ContentLength {
					// FastCGI ended the request before the
					// Content-Length it announced
					q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream prematurely closed FastCGI request%s%s", px.action, q.logSuffix())
					q.finishUpstream(peer, false, length)
					w.Abort(true)
					return
				}
				// the body ends with the connection (or the protocol's
				// end of the response)
				q.finishUpstream(peer, px.tr.untilEOF, length)
				_ = w.Finish()
				return
			}
			q.upstreamBodyError(err, buffering)
			q.finishUpstream(peer, false, length)
			// what an event pipe had read but not sent is lost on a read
			// error (nginx sends it when the upstream closed or timed out)
			w.Abort(err == io.EOF || isTimeout(err) || !buffering)
			return
		}
		if h.Chunked {
			// the data of one read is gathered in place (it only moves
			// towards the start) and goes out as one piece, as nginx
			// passes one buffer on
			done := false
			out := in[:0]
			for len(in) > 0 && !done {
				d, n, fin, err := dec.Decode(in)
				if err != nil {
					q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream sent invalid chunked response while reading upstream%s", q.logSuffix())
					q.finishUpstream(peer, false, length)
					w.Abort(false)
					return
				}
				in, done = in[n:], fin
				out = append(out, d...)
			}
			if len(out) > 0 {
				length += int64(len(out))
				if clientOK {
					if _, err := w.Write(out); err != nil {
						clientOK = false
					}
				}
			}
			if done {
				px.trailers = append(px.trailers[:0], dec.Trailers()...)
				if len(in) > 0 {
					q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s while reading upstream%s", http1.WarnExtraChunk, q.logSuffix())
				}
				q.finishUpstream(peer, len(in) == 0, length)
				break
			}
		} else {
			if remain > 0 && int64(len(in)) > remain {
				in = in[:remain]
			}
			if px.tr.untilEOF && h.ContentLength >= 0 && length+int64(len(in)) > h.ContentLength {
				// more than the FastCGI answer's Content-Length: the
				// rest is dropped, once warned about
				if !px.warnedExtra {
					px.warnedExtra = true
					q.log().Logf(errlog.Warn, q.r.Conn.ID, "%s%s%s", http1.WarnExtraLength, px.action, q.logSuffix())
				}
				in = in[:h.ContentLength-length]
			}
			if remain > 0 {
				remain -= int64(len(in))
			}
			length += int64(len(in))
			if clientOK {
				if _, err := w.Write(in); err != nil {
					clientOK = false
				}
			}
			if remain == 0 {
				q.finishUpstream(peer, true, length)
				break
			}
		}
		if !buffering && clientOK {
			if err := w.Flush(); err != nil {
				clientOK = false
			}
		}
		if !clientOK && !uc.IgnoreClientAbort.V {
			// the client is gone: nginx stops reading the upstream
			q.finishUpstream(peer, false, length)
			return
		}
	}
	if px.conn != nil {
		q.finishUpstream(peer, true, length)
	}
	_ = w.Finish()
}

// upstreamBodyError logs a failure while reading the response body:
// nginx's event pipe reads with readv(), the unbuffered path with
// recv().
func (q *request) upstreamBodyError(err error, buffering bool) {
	var ge *gatewayError
	act := q.px.action
	switch {
	case errors.As(err, &ge), err == errFastCGIClosed:
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
// HTTP/0.9, whatever the client spoke), until the upstream closes.
func (q *request) passRaw(peer *upstream.Peer) {
	px := q.px
	q.status = 9 // nginx logs an HTTP/0.9 answer as 009
	client, _, err := q.w.Hijack()
	if err != nil {
		q.finishUpstream(peer, false, 0)
		return
	}
	defer client.Close()
	length := int64(px.hlen)
	timeout := q.px.uc.ReadTimeout.V
	client.SetWriteDeadline(time.Now().Add(q.lc.SendTimeout.V))
	if _, err := client.Write(px.hbuf[:px.hlen]); err == nil {
		q.extraSent = int64(px.hlen)
		px.conn.SetReadDeadline(time.Now().Add(timeout))
		n := pipe(client, px.conn.Conn, timeout)
		length += n
		px.st.received += n
		q.extraSent += n
	}
	q.finishUpstream(peer, false, length)
}

// hides reports whether a *_hide_header list names name.
func hides(list []string, name string) bool {
	for _, h := range list {
		if strings.EqualFold(h, name) {
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
	px.conn.SetReadDeadline(time.Now().Add(px.uc.ReadTimeout.V))
	if limit > 0 {
		if due := start.Add(time.Duration(px.st.received * int64(time.Second) / limit)); time.Until(due) > 0 {
			time.Sleep(time.Until(due))
		}
	}
	n, err := px.tr.read(q, px.conn, p)
	if n > 0 && !px.tr.countsRaw {
		px.st.received += int64(n)
	}
	return n, err
}

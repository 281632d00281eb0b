package httpd

import (
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proto/cgi"
	"weir/internal/proto/http1"
	"weir/internal/upstream"
)

// proxyState is one request's proxying state (nginx's ngx_http_upstream_t
// and the proxy module's ctx), pooled.
type proxyState struct {
	grp     *upstream.Group
	pick    upstream.Pick
	scheme  string
	host    string // $proxy_host
	port    string // $proxy_port
	uri     string // the URI sent
	method  string
	minor   int
	body    reqBody
	bodyLen int64 // Content-Length sent; -1 = none
	reqHead []byte
	out     [2][]byte // scratch for the transport's inMemory

	tr       *transport // the module's protocol
	gw       gatewayState
	cgiHead  cgi.Parser
	respHead cgi.ResponseParser
	uc       *config.UpstreamConf // the module's upstream settings

	conn     *upstream.Conn
	cached   bool // conn came from the keep-alive pool
	head     http1.ResponseHead
	haveHead bool
	hbuf     []byte // the header buffer (proxy_buffer_size); the head's strings point into it
	hlen     int    // bytes of hbuf filled
	hdone    int    // bytes of hbuf the head took
	hraw     int64  // bytes read from the connection up to the head's end, framing included
	st       *upState
	start    time.Time // the attempt's start
	headerAt time.Time // when the response header was read
	waited   bool      // the body was read after the header: the clock moved on
	action   string    // " while connecting to upstream", ... for log lines

	trailers     []httpcore.Header // of a chunked response, for $upstream_trailer_*
	warnedExtra  bool              // "upstream sent more data than specified" was logged
	stderrAction string            // the action FastCGI stderr is logged with, when not action

	stream      bool // proxy_request_buffering off: the body is read while sent
	chunkedBody bool // ... and sent chunked
	bodyStarted bool // streaming began: no other server can get the request
	bodyRead    bool // body is the client's, read in full (not proxy_set_body's)
	// client is the client's body when body is not it (proxy_set_body,
	// *_pass_request_body off): every pass but memcached's reads it
	// all the same (ngx_http_read_client_request_body before
	// ngx_http_upstream_init), for $request_body and $request_body_file
	client     reqBody
	clientRead bool

	cs    *cacheState // the upstream cache, when *_cache is on
	store *storeState // the temp file of an answer *_store saves

	duplex *duplexBody // grpc: the body still on its way while the answer is read

	sticky stickyState // the group's sticky directive at work

	watch     clientWatch // the client's close while the upstream answers
	wt        *watchTimer // the header phase's timer, kept with the pooled state
	unflushed bool        // body bytes written by the request's goroutine may be gathered
}

var proxyPool = sync.Pool{New: func() any { return &proxyState{} }}

// release returns the state to the pool; a connection still held is
// closed.
func (px *proxyState) release() {
	px.watchEnd()
	if d := px.duplex; d != nil {
		// (the request's handler stopped the copy already)
		<-d.done
	}
	if px.conn != nil {
		px.conn.Close()
		px.conn = nil
	}
	px.body.close()
	px.client.close()
	if px.cs != nil {
		px.cs.release()
	}
	if px.store != nil {
		px.store.discard()
	}
	hbuf, reqHead, mem, tr, gw, fields := px.hbuf, px.reqHead, px.body.mem, px.trailers, px.gw, px.head.Headers
	*px = proxyState{hbuf: hbuf, reqHead: reqHead[:0], trailers: tr[:0], wt: px.wt}
	px.head.Headers = fields[:0]
	px.gw.params, px.gw.rawBuf = gw.params[:0], gw.rawBuf
	px.body.mem = mem[:0]
	proxyPool.Put(px)
}

// failure types of an attempt (NGX_HTTP_UPSTREAM_FT_*), as the
// config.Next* bits so next_upstream masks apply directly.
type ftType = config.NextUpstream

// upstreamPass is the content handler of proxy_pass and the other
// *_pass directives (ngx_http_proxy_handler and its siblings →
// ngx_http_upstream_init): the module's transport builds the request and
// reads the answer; the attempt loop, balancing, retries and the
// $upstream_* bookkeeping are shared.
func (q *request) upstreamPass(p *config.Pass, tr *transport) {
	// a second pass (error_page, X-Accel-Redirect): the first one's
	// state goes, its attempts stay in q.ups; the client's body it read
	// stays with the request (r->request_body) and is sent again
	var kept reqBody
	carried := false
	if old := q.px; old != nil {
		if old.bodyRead {
			kept, carried = old.body, true
			old.body = reqBody{}
		} else if old.clientRead {
			kept, carried = old.client, true
			old.client = reqBody{}
		}
		old.release()
	}
	px := proxyPool.Get().(*proxyState)
	q.px = px
	if carried {
		px.body = kept
		px.bodyRead = true
	}
	px.bodyLen = -1
	px.tr = tr
	px.uc = tr.conf(q.lc)
	if !q.proxyTarget(p) {
		return
	}
	uc := px.uc
	pl := &q.lc.Proxy
	px.method = q.method
	if tr == &memcachedTransport && q.method != "GET" && q.method != "HEAD" {
		// ngx_http_memcached_handler
		q.discardSpecial()
		q.respondStatus(405)
		return
	}
	if tr == &httpTransport && pl.SetBody.V != nil {
		if !q.readClientBody() {
			return
		}
		px.body.close()
		px.bodyRead = false
		px.body.mem = append(px.body.mem[:0], q.eval(pl.SetBody.V)...)
		px.body.size = int64(len(px.body.mem))
		px.bodyLen = px.body.size
	} else if uc.PassRequestBody.V && !uc.RequestBuffering.V && !px.bodyRead && q.main == nil && q.hasBody() &&
		(q.r.ContentLength >= 0 || (tr == &httpTransport && pl.HTTPVersion.V != "1.0") || tr == &grpcTransport) &&
		!q.r.BodyPrereadWhole() {
		// proxy_request_buffering off: the body goes to the upstream as
		// it arrives (a chunked one re-chunked over HTTP/1.1; over
		// HTTP/1.0 nginx has to buffer it to learn its length)
		q.bodyHandled = true
		px.stream = true
		if q.r.ContentLength >= 0 {
			px.bodyLen = q.r.ContentLength
		} else {
			px.chunkedBody = true
		}
	} else if uc.PassRequestBody.V {
		if !px.bodyRead && !q.readBody(&px.body) {
			return
		}
		px.bodyRead = true
		if q.r.ContentLength >= 0 || q.r.Chunked {
			px.bodyLen = px.body.size
		}
		if q.main != nil && q.keptBody == nil {
			// a subrequest's empty body: the main request's length
			// still goes ($proxy_internal_body_length)
			px.bodyLen = q.r.ContentLength
		}
	} else {
		if tr != &memcachedTransport {
			if !q.readClientBody() {
				return
			}
		} else if code := q.discardBody(); code != 0 {
			q.respondStatus(code)
			return
		}
		px.body.close()
		px.bodyRead = false
		// $proxy_internal_body_length is the client's Content-Length
		// even when the body is not passed
		if q.r.ContentLength >= 0 {
			px.bodyLen = q.r.ContentLength
		}
	}
	// the upstream is next: an HTTP/2 connection reads its next frames
	// meanwhile (a buffered body was read first, as nginx reads it
	// before it connects, its window opened as the header block ended)
	q.r.Yield()
	if q.cacheStart() {
		return
	}
	tr.build(q)
	if tr == &memcachedTransport && px.gw.mcKeyEmpty {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "the \"$memcached_key\" variable is not set%s", q.logSuffix())
		q.respondStatus(500)
		return
	}
	q.proxyAttempts()
}

// upstreamContext is the "upstream:" part of the error-log context while
// the request talks to a peer (ngx_http_log_error_handler): scheme, peer
// name, a ":" for unix sockets, and the URI sent.
func (q *request) upstreamContext(peerName string, unix bool) {
	sep := ""
	if unix {
		sep = ":"
	}
	q.upCtx = [4]string{q.px.scheme, peerName, sep, q.px.uri}
}

// upstreamText is the "upstream:" of error-log lines, made only for a
// line that is logged.
func (q *request) upstreamText() string {
	return q.upCtx[0] + q.upCtx[1] + q.upCtx[2] + q.upCtx[3]
}

// proxyAttempts is the attempt loop (ngx_http_upstream_connect,
// ngx_http_upstream_next, ngx_http_upstream_test_next): pick a peer,
// connect, send, read the header, and either pass the response on or move
// to the next peer as proxy_next_upstream allows.
func (q *request) proxyAttempts() {
	px := q.px
	uc := px.uc
	in := upstream.Input{Key: q.eval(px.grp.Upstream.HashKey)}
	if ap, unix := q.remote(); !unix {
		in.Client = ap.Addr().Unmap()
	}
	px.grp.Begin(&px.pick, in)
	q.stickyBegin()
	tries := px.pick.Tries()
	if n := int(uc.NextUpstreamTries.V); n > 0 && n < tries {
		tries = n
	}
	mask := uc.NextUpstream.V
	// One reading of the clock for the choice of the peer, the pool's
	// expiry check and the first attempt's start, as nginx's cached time
	// serves one turn of its event loop; a retry reads it again.
	first := time.Now()
	at := first
	newGroup := len(q.ups) > 0
	if !px.stream {
		// (a streamed body is watched once it went)
		q.headerWatchArm()
	}
	nonIdem := px.method == "POST" || px.method == "LOCK" || px.method == "PATCH"
	for ; ; at = time.Now() {
		peer, err := px.pick.NextAt(at)
		if err != nil && at == first && px.grp.Upstream.Queue > 0 {
			// the queue directive: wait for a peer
			peer, err = px.pick.Queue(in, at)
			at = time.Now()
		}
		if err != nil {
			q.ups = append(q.ups, upState{addr: px.grp.Name, status: 502, connectTime: -1, headerTime: -1, newGroup: newGroup})
			q.upCtx = [4]string{px.scheme, px.grp.Name, "", px.uri}
			msg := "no live upstreams"
			if err != upstream.ErrNoLive {
				msg = err.Error()
			}
			q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while connecting to upstream%s", msg, q.logSuffix())
			q.proxyFinalize(502)
			return
		}
		q.stickyPicked()
		q.ups = append(q.ups, upState{addr: peer.Name, connectTime: -1, headerTime: -1, newGroup: newGroup})
		newGroup = false
		px.st = &q.ups[len(q.ups)-1]
		q.upstreamContext(peer.Name, peer.Network == "unix")
		ft, sent := q.attempt(peer, at)
		if ft == errClientBodyFT {
			// the client failed while its body streamed: answered already
			px.headerWatchEnd()
			px.st.responseTime = time.Since(px.start)
			q.closeUpstream()
			px.pick.Free(peer, upstream.StateOK)
			return
		}
		px.st = &q.ups[len(q.ups)-1]
		if ft == errClientLeftFT {
			q.upstreamClientLeft(peer)
			return
		}
		timedOut := uc.NextUpstreamTimeout.V > 0 && time.Since(first) >= uc.NextUpstreamTimeout.V
		if ft == 0 {
			// a response header: test_next for the statuses
			// proxy_next_upstream lists
			st := px.head.Status
			sft := statusFT(st)
			if sft != 0 && mask&sft != 0 && tries > 1 && !(sent && nonIdem && mask&config.NextNonIdempotent == 0) && !timedOut {
				state := upstream.StateFailed
				if st == 403 || st == 404 {
					state = upstream.StateNext
				}
				px.st.responseTime = time.Since(px.start)
				q.closeUpstream()
				if px.pick.Free(peer, state) {
					q.log().Logf(errlog.Warn, q.r.Conn.ID, "upstream server temporarily disabled while reading response header from upstream%s", q.logSuffix())
				}
				tries--
				continue
			}
			if px.headerWatchEnd() {
				// ngx_http_upstream_check_broken_connection: the client
				// left as the header came
				q.upstreamClientLeft(peer)
				return
			}
			if sft != 0 && q.cacheStaleStatus(sft, peer) {
				return
			}
			if q.cacheRevalidate(peer) {
				return
			}
			q.proxyResponse(peer)
			return
		}
		// ngx_http_upstream_next
		status := 502
		if ft == config.NextTimeout {
			status = 504
		}
		px.st.status = status
		px.st.responseTime = time.Since(px.start)
		q.closeUpstream()
		if px.pick.Free(peer, upstream.StateFailed) {
			q.log().Logf(errlog.Warn, q.r.Conn.ID, "upstream server temporarily disabled%s%s", px.action, q.logSuffix())
		}
		if ft == config.NextTimeout {
			// ngx_http_upstream_next logs a timeout after the release
			q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream timed out (110: Connection timed out)%s%s", px.action, q.logSuffix())
		}
		if ft == config.NextError && px.cached {
			// a pooled connection that failed gives its try back (nginx:
			// u->peer.tries++ for a cached peer and FT_ERROR), so an
			// idempotent request goes again on a new connection, or to
			// the next peer, as proxy_next_upstream allows
			tries++
		}
		tries--
		if sent && nonIdem && mask&config.NextNonIdempotent == 0 {
			q.proxyFinalize(status)
			return
		}
		if px.bodyStarted {
			// an unbuffered body that was (partly) sent cannot be sent
			// again
			q.proxyFinalize(status)
			return
		}
		if tries <= 0 || mask&ft == 0 || timedOut {
			q.proxyFinalize(status)
			return
		}
	}
}

// statusFT maps a response status to its proxy_next_upstream condition.
func statusFT(status int) ftType {
	switch status {
	case 500:
		return config.NextHTTP500
	case 502:
		return config.NextHTTP502
	case 503:
		return config.NextHTTP503
	case 504:
		return config.NextHTTP504
	case 403:
		return config.NextHTTP403
	case 404:
		return config.NextHTTP404
	case 429:
		return config.NextHTTP429
	}
	return 0
}

// proxyFinalize ends a request whose attempts all failed with nginx's own
// response for status (ngx_http_upstream_finalize_request), error_page
// included.
func (q *request) proxyFinalize(status int) {
	q.px.headerWatchEnd()
	ft := config.NextError
	if status == 504 {
		ft = config.NextTimeout
	}
	if q.cacheUseStale(ft) {
		return
	}
	q.cacheError(status)
	q.respondStatus(status)
}

// closeUpstream closes the attempt's connection.
func (q *request) closeUpstream() {
	px := q.px
	q.duplexEnd()
	if px.conn != nil {
		px.conn.Close()
		px.conn = nil
	}
}

// attempt runs one try against peer: connect (or reuse a pooled
// connection), send the request, read the response header. It returns 0
// with px.head set, or the failure type; sent reports whether the request
// was (even partly) sent, for the non_idempotent rule.
func (q *request) attempt(peer *upstream.Peer, now time.Time) (ft ftType, sent bool) {
	px := q.px
	px.start = now
	px.headerAt, px.waited, px.hraw = time.Time{}, false, 0
	px.haveHead = false
	c := px.grp.GetAt(peer, q.lc, now)
	px.cached = c != nil
	if px.cached {
		// no wait since the attempt began: the connect took no time
		px.st.connectTime = 0
	} else {
		px.action = " while connecting to upstream"
		if px.clientLeft() {
			// (nginx's connect is under way when it sees the close)
			return errClientLeftFT, false
		}
		nc, err := q.dial(peer)
		if q.dialDone() {
			if nc != nil {
				nc.Close()
			}
			return errClientLeftFT, false
		}
		if err != nil {
			return q.connectError(peer, err), false
		}
		c = px.grp.NewConn(nc, peer)
		now = time.Now()
		px.st.connectTime = now.Sub(px.start)
	}
	px.conn = c
	if q.watchUp(c) {
		return errClientLeftFT, false
	}
	return q.sendAndRead(peer, now)
}

// headerRead notes the time the response header arrived.
func (px *proxyState) headerRead() {
	px.headerAt = time.Now()
	px.st.headerTime = px.headerAt.Sub(px.start)
	px.pick.HeaderTime(px.st.headerTime)
}

// responseStart returns the time the body began: the header's.
func (px *proxyState) responseStart() time.Time {
	if px.headerAt.IsZero() {
		return time.Now()
	}
	return px.headerAt
}

// responseDone returns the time the response ended: the header's when
// nothing was read after it.
func (px *proxyState) responseDone() time.Time {
	if px.waited || px.headerAt.IsZero() {
		return time.Now()
	}
	return px.headerAt
}

// connectError logs a failed connect in nginx's words and classifies it.
func (q *request) connectError(peer *upstream.Peer, err error) ftType {
	if ft, ok := q.sslConnectError(err); ok {
		return ft
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return config.NextTimeout // logged by ngx_http_upstream_next's port
	}
	if peer.Network == "unix" {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "connect() to %s failed %s while connecting to upstream%s", peer.Name, errlog.SysError(err), q.logSuffix())
	} else {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "connect() failed %s while connecting to upstream%s", errlog.SysError(err), q.logSuffix())
	}
	return config.NextError
}

// sendAndRead sends the request and reads the response header.
func (q *request) sendAndRead(peer *upstream.Peer, now time.Time) (ft ftType, sent bool) {
	px := q.px
	uc := px.uc
	c := px.conn
	if px.tr.reset != nil {
		px.tr.reset(q)
	}
	px.action = " while sending request to upstream"
	var n int64
	var err, waitErr error
	awaited := false
	if px.stream && px.tr == &grpcTransport && q.r.IsH2() {
		// both bodies stream at once
		c.WriteWithin(uc.SendTimeout.V)
		n, err = q.startDuplex(c)
	} else if px.stream {
		c.WriteWithin(uc.SendTimeout.V)
		n, err = q.streamBody(c)
		if err == errClientBody {
			return errClientBodyFT, true
		}
		if err == nil {
			q.headerWatchArm()
			if q.watchUp(c) {
				return errClientLeftFT, true
			}
		}
	} else if bufs, ok := q.inMemory(); ok {
		// one writev, then the wait for the answer (its read
		// deadline runs from now, as nginx's timer from the send)
		c.ReadWithinAt(now, uc.ReadTimeout.V)
		var complete bool
		n, complete, err, waitErr = c.SendAwait(bufs)
		awaited = complete && err == nil
		if !complete && err == nil {
			c.WriteWithin(uc.SendTimeout.V)
			var m int64
			m, err = writeRest(c, bufs, n)
			n += m
		}
	} else {
		c.WriteWithin(uc.SendTimeout.V)
		n, err = px.tr.write(q, c.Conn)
	}
	px.st.sent += n
	if err != nil {
		if px.clientLeft() {
			return errClientLeftFT, true
		}
		if isTimeout(err) {
			return config.NextTimeout, true
		}
		q.log().Logf(errlog.Error, q.r.Conn.ID, "writev() failed %s while sending request to upstream%s", errlog.SysError(err), q.logSuffix())
		return config.NextError, true
	}
	px.action = " while reading response header from upstream"
	size := int(uc.BufferSize.V)
	if size <= 0 {
		size = 4096
	}
	if cap(px.hbuf) < size {
		px.hbuf = make([]byte, size)
	}
	// the cap is proxy_buffer_size: ParseHead reports a head that fills
	// it as too big
	px.hbuf = px.hbuf[:size:size]
	px.hlen = 0
	px.head.Reset()
	defer func() {
		// the lines read have had their effect, before a failure too,
		// and in a head the next server's answer replaces
		// (ngx_http_upstream_process_charset runs as the line is parsed)
		q.takeCharset(&px.head)
	}()
	if !awaited {
		// one proxy_read_timeout for the whole header, as nginx's
		// timer set after the request went out
		c.ReadWithin(uc.ReadTimeout.V)
	}
	for {
		if px.hlen == len(px.hbuf) {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream sent too big header while reading response header from upstream%s", q.logSuffix())
			return config.NextInvalidHeader, true
		}
		var m int
		var err error
		if waitErr != nil {
			err, waitErr = waitErr, nil
		} else {
			m, err = px.tr.read(q, c, px.hbuf[px.hlen:])
		}
		if m > 0 {
			px.hlen += m
			if !px.tr.countsRaw {
				px.st.received += int64(m)
			}
			hn, done, perr := px.tr.parse(q, &px.head, px.hbuf[:px.hlen])
			if perr != nil {
				if errors.Is(perr, http1.ErrNoValidHeader) {
					// ngx_http_proxy_process_status_line: logged, and
					// the bytes go to the client as an HTTP/0.9 answer
					q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while reading response header from upstream%s", perr.Error(), q.logSuffix())
					px.hdone = 0
					px.haveHead = true
					px.st.status = 200
					px.headerRead()
					return 0, true
				}
				q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while reading response header from upstream%s", perr.Error(), q.logSuffix())
				return config.NextInvalidHeader, true
			}
			for done && px.head.Status >= 100 && px.head.Status < 200 && px.head.Status != 101 && px.head.ProtoMajor != 0 {
				// an interim answer (100 Continue, 102, 103 Early
				// Hints) is dropped and the final one read after it;
				// not a gateway's Status header ("Status: 100" is the
				// answer's status, as in nginx)
				copy(px.hbuf, px.hbuf[hn:px.hlen])
				px.hlen -= hn
				px.head.Reset()
				if px.hlen == 0 {
					done = false
					break
				}
				hn, done, perr = px.tr.parse(q, &px.head, px.hbuf[:px.hlen])
				if perr != nil {
					q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while reading response header from upstream%s", perr.Error(), q.logSuffix())
					return config.NextInvalidHeader, true
				}
			}
			if done {
				q.dropRepeatedHeaders(&px.head)
				px.hdone = hn
				// what was read past the head: the rest of hbuf and, for
				// FastCGI, what the records hold that was not handed out
				px.hraw = px.st.received - int64(px.hlen-hn+len(px.gw.raw)+len(px.gw.pending))
				px.haveHead = true
				px.st.status = px.head.Status
				px.headerRead()
				return 0, true
			}
			continue
		}
		if err == nil {
			continue
		}
		if px.clientLeft() {
			return errClientLeftFT, true
		}
		if rerr := px.duplexClientError(); rerr != nil {
			q.bodyError(rerr)
			return errClientBodyFT, true
		}
		if isTimeout(err) {
			return config.NextTimeout, true
		}
		if err == io.EOF {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "upstream prematurely closed connection while reading response header from upstream%s", q.logSuffix())
			return config.NextError, true
		}
		var ge *gatewayError
		if errors.As(err, &ge) {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while reading response header from upstream%s", err.Error(), q.logSuffix())
			return config.NextInvalidHeader, true
		}
		if err == errCaughtStderr {
			return config.NextInvalidHeader, true
		}
		q.log().Logf(errlog.Error, q.r.Conn.ID, "recv() failed %s while reading response header from upstream%s", errlog.SysError(err), q.logSuffix())
		return config.NextError, true
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded)
}

// passHere returns the *_pass of the current location and its
// module's transport: the location's own, or for an if block the one of
// the location around it (nginx's merge gives a "noname" location its
// parent's upstream).
func (q *request) passHere() (*config.Pass, *transport) {
	if p, tr := passOf(q.lc); p != nil {
		return p, tr
	}
	if q.loc != nil && q.lc != q.loc.Loc && !q.inLimitExcept() {
		// an if block keeps its location's content handler; a
		// limit_except block has only its own
		return passOf(q.loc.Loc)
	}
	return nil, nil
}

// passOf returns the one *_pass a location's settings hold.
func passOf(lc *config.Loc) (*config.Pass, *transport) {
	for _, tr := range transports {
		if p := tr.pass(lc); p != nil {
			return p, tr
		}
	}
	return nil, nil
}

// errClientBody reports a client that failed while its body streamed to
// the upstream; errClientBodyFT is the attempt outcome for it (no real
// next-upstream condition).
var errClientBody = errors.New("client body failed")

const errClientBodyFT ftType = 1 << 30

// inMemory gives the request's bytes when the transport has them all in
// memory and the connection can take them with SendAwait.
func (q *request) inMemory() ([][]byte, bool) {
	px := q.px
	if px.tr.inMemory == nil || !px.conn.Direct() {
		return nil, false
	}
	return px.tr.inMemory(q, px.out[:0])
}

// writeRest writes what of bufs is left after the first done bytes.
func writeRest(c net.Conn, bufs [][]byte, done int64) (int64, error) {
	var rest net.Buffers
	for _, b := range bufs {
		if done >= int64(len(b)) {
			done -= int64(len(b))
			continue
		}
		rest = append(rest, b[done:])
		done = 0
	}
	return rest.WriteTo(c)
}

// streamBody sends the request head and then the client's body as it
// arrives (*_request_buffering off): re-chunked over HTTP/1.1 when its
// length is unknown, in STDIN records for FastCGI, raw otherwise.
func (q *request) streamBody(c net.Conn) (int64, error) {
	px := q.px
	n, err := c.Write(px.reqHead)
	total := int64(n)
	if err != nil {
		return total, err
	}
	px.bodyStarted = true
	var m int64
	var rerr error
	if px.chunkedBody {
		m, err, rerr = q.copyChunked(c, px.uc.SendTimeout.V)
	} else {
		m, err, rerr = copyFramed(c, q.r.Body(), px.tr.frameBody, px.tr.endBody, px.uc.SendTimeout.V)
	}
	total += m
	if rerr != nil {
		q.bodyError(rerr)
		return total, errClientBody
	}
	return total, err
}

// copyFramed sends what src gives to c as it comes, each piece framed by
// frame (nil: as it is), and then end's bytes (nil: none), each write
// bounded by timeout (0: none). It reports the bytes written, the error
// of the connection and, apart, the error of src.
func copyFramed(c net.Conn, src io.Reader, frame func(dst, p []byte) []byte, end func(dst []byte) []byte, timeout time.Duration) (total int64, err, srcErr error) {
	bp := bodyBufPool.Get().(*[]byte)
	defer bodyBufPool.Put(bp)
	buf := *bp
	var out []byte
	write := func(p []byte) error {
		if timeout > 0 {
			c.SetWriteDeadline(time.Now().Add(timeout))
		}
		w, err := c.Write(p)
		total += int64(w)
		return err
	}
	for {
		m, rerr := src.Read(buf)
		if m > 0 {
			p := buf[:m]
			if frame != nil {
				out = frame(out[:0], p)
				p = out
			}
			if err := write(p); err != nil {
				return total, err, nil
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return total, nil, rerr
		}
	}
	if end != nil {
		return total, write(end(out[:0])), nil
	}
	return total, nil, nil
}

// hasBody reports whether the request announced a body.
func (q *request) hasBody() bool {
	return q.r.ContentLength > 0 || q.r.Chunked
}

// dial connects to peer with the module's settings: the connect
// timeout, proxy_bind's local address, and SO_KEEPALIVE only with
// proxy_socket_keepalive on (nginx leaves it off; Go's dialer would turn
// it on). With proxy_http_version 2 the connection (after the TLS
// handshake for https) is the HTTP/2 shim of proxy_h2.go.
func (q *request) dial(peer *upstream.Peer) (net.Conn, error) {
	// ngx_event_connect_peer numbers every upstream connection from
	// the counter of the clients' ($connection, *N), failed ones too
	httpcore.NextConnID()
	uc := q.px.uc
	d := net.Dialer{Timeout: uc.ConnectTimeout.V, KeepAlive: -1}
	if uc.SocketKeepalive.V {
		d.KeepAlive = 0
	}
	if peer.Network == "tcp" && uc.BindValue.V != nil {
		if a := q.eval(uc.BindValue.V); a != "" {
			host, port := a, "0"
			if h, p, err := net.SplitHostPort(a); err == nil {
				host, port = h, p
			}
			if ip := net.ParseIP(host); ip != nil {
				pn, _ := strconv.Atoi(port)
				d.LocalAddr = &net.TCPAddr{IP: ip, Port: pn}
			} else {
				q.log().Logf(errlog.Error, q.r.Conn.ID, "invalid local address \"%s\"%s", a, q.logSuffix())
			}
		}
	}
	// Not Dialer.DialTCP with a zero local address: Go turns it into an
	// explicit bind to 0.0.0.0:0, which cannot take a port still in
	// TIME_WAIT, so a proxy that opens many connections (keepalive off,
	// or beyond the pool) fails with "98: Address already in use" where
	// nginx's plain connect() finds a port.
	var nc net.Conn
	var err error
	done := false
	if d.LocalAddr == nil && d.KeepAlive < 0 {
		// a connection that cannot go back to the pool
		tr := q.px.tr
		oneShot := !q.px.grp.Pooling() || tr.oneShot != nil && tr.oneShot(q.lc)
		nc, err, done = upstream.Dial(peer.Network, peer.Addr, d.Timeout, oneShot, q.dialPending())
	}
	if !done {
		nc, err = d.Dial(peer.Network, peer.Addr)
	}
	if err != nil {
		return nil, err
	}
	overTLS := q.px.tr.overTLS(q.px.scheme)
	if overTLS {
		if pending := q.dialPending(); pending != nil {
			// the watch cuts the handshake too (a connect that was
			// done at once, as on loopback, was never handed to it)
			pending(nc)
		}
		if nc, err = q.sslHandshake(nc); err != nil {
			return nil, err
		}
	}
	if q.px.tr == &httpTransport && q.lc.Proxy.HTTPVersion.V == "2" {
		// proxy_http_version 2: HTTP/2 behind an HTTP/1.1 shim
		return newH2Conn(nc, overTLS, false)
	}
	if q.px.tr == &grpcTransport {
		return newH2Conn(nc, overTLS, true)
	}
	return nc, nil
}

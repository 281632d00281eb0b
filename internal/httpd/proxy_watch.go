package httpd

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/upstream"
)

// clientWatch is nginx's ngx_http_upstream_check_broken_connection: the
// client's read event (EPOLLRDHUP) ends the upstream's work at once when
// the client closes or resets its connection (or its HTTP/2 stream),
// unless *_ignore_client_abort or *_store keep the upstream. nginx
// watches from ngx_http_upstream_init on. weir watches the client's
// socket once the upstream has taken headerWatchDelay to answer (while
// it connects, is sent the request or thinks: a timer starts the watch,
// watchTimer), and while the body is read from the first upstream read
// that has to wait (or once the event pipe's writer runs, as a slow
// client holds it): an answer that comes at once costs no watch.
type clientWatch struct {
	header bool        // the header phase's timer is armed (headerWatchArm)
	body   bool        // the body is being read
	apply  bool        // ... and a client that leaves ends it
	on     bool        // the watch runs (or ran)
	stop   func()      // ends it
	left   atomic.Bool // the client left
	err    error       // its reset, when it reset; written before left
	logged atomic.Bool // the line was written
	gone   func(error) // px.watch.clientGone, bound once per request

	// the upstream connection whose reads and writes the close ends,
	// and a connect under way; set by the request's goroutine, used by
	// the watch's
	mu      sync.Mutex
	up      *upstream.Conn
	dialing net.Conn
	dialed  bool // dialing was set (by the request's goroutine)
}

// headerWatchDelay is how long an upstream may take to answer before
// the client is watched: the fast answers pay only for the timer.
const headerWatchDelay = 10 * time.Millisecond

// watchTimer starts the watch of the header phase when headerWatchDelay
// has passed. It stays with the pooled proxyState, so that arming it
// costs no allocation; under mu, w is the watch it starts (nil once it
// fired or was disarmed).
type watchTimer struct {
	t       *time.Timer
	mu      sync.Mutex
	w       *clientWatch
	r       *httpcore.Request
	pending func(net.Conn) // the watch's setDialing, for upstream.Dial
	gone    func(error)    // the watch's clientGone
}

func (tm *watchTimer) fired() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if w := tm.w; w != nil {
		tm.w = nil
		w.on = true
		w.gone = tm.gone
		w.stop = tm.r.WatchGone(w.gone)
	}
}

// headerWatchArm arms the watch of the header phase (from the first
// connect on, or once a streamed body went): not with ignore_client_abort
// or store, not in a subrequest, not for an answer the cache may keep
// (nginx goes on with a cacheable one).
func (q *request) headerWatchArm() {
	px := q.px
	w := &px.watch
	if w.header || !q.watchApplies() || px.cs != nil && px.cs.cacheable {
		return
	}
	w.header = true
	w.apply = true
	tm := px.wt
	if tm == nil {
		tm = &watchTimer{pending: w.setDialing, gone: w.clientGone}
		tm.t = time.AfterFunc(time.Hour, tm.fired)
		tm.t.Stop()
		px.wt = tm
	}
	if q.r.IsH2() {
		// a stream's watch is a hook on its end, no goroutine: it
		// starts at once, and sees a reset read with the request
		w.on = true
		w.gone = tm.gone
		w.stop = q.r.WatchGone(w.gone)
		return
	}
	tm.mu.Lock()
	tm.w, tm.r = w, q.r
	tm.mu.Unlock()
	tm.t.Reset(headerWatchDelay)
}

// headerWatchEnd ends the watch of the header phase, and reports whether
// the client left meanwhile.
func (px *proxyState) headerWatchEnd() bool {
	w := &px.watch
	if !w.header {
		return false
	}
	w.header = false
	tm := px.wt
	tm.mu.Lock()
	tm.w, tm.r = nil, nil
	tm.mu.Unlock()
	tm.t.Stop()
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	w.on = false
	w.up, w.dialing = nil, nil
	return w.left.Load()
}

// watchUp gives the watch the attempt's upstream connection, and
// reports whether the client left already.
func (q *request) watchUp(c *upstream.Conn) bool {
	w := &q.px.watch
	if !w.header {
		return false
	}
	w.mu.Lock()
	w.up = c
	if w.dialed {
		w.dialing, w.dialed = nil, false
	}
	w.mu.Unlock()
	return w.left.Load()
}

// dialPending is upstream.Dial's hook for a connect under way, when the
// header phase is watched.
func (q *request) dialPending() func(net.Conn) {
	if !q.px.watch.header {
		return nil
	}
	return q.px.wt.pending
}

// setDialing takes a connect under way (on the request's goroutine).
func (w *clientWatch) setDialing(c net.Conn) {
	w.mu.Lock()
	w.dialing, w.dialed = c, true
	w.mu.Unlock()
	if w.left.Load() {
		c.SetDeadline(time.Unix(1, 0))
	}
}

// dialDone forgets a connect that ended, and reports whether the client
// left meanwhile.
func (q *request) dialDone() bool {
	w := &q.px.watch
	if w.dialed {
		w.mu.Lock()
		w.dialing, w.dialed = nil, false
		w.mu.Unlock()
	}
	return w.left.Load()
}

// errClientLeftFT is the outcome of an attempt that a client that left
// ended (no real next-upstream condition).
const errClientLeftFT ftType = 1 << 29

// upstreamClientLeft ends a request whose client left before the
// upstream's header came, as ngx_http_upstream_finalize_request with
// NGX_HTTP_CLIENT_CLOSED_REQUEST: the line (in the action of the last
// step: nginx's turns to reading the header only when the upstream has
// sent something), the connection closed, 499.
func (q *request) upstreamClientLeft(peer *upstream.Peer) {
	px := q.px
	px.headerWatchEnd()
	if px.action == " while reading response header from upstream" && px.st.received == 0 && px.hlen == 0 {
		px.action = " while sending request to upstream"
	}
	q.logClientLeft(px.watch.err)
	px.st.responseTime = time.Since(px.start)
	px.st.status = 0 // nginx never read an answer: "-"
	q.closeUpstream()
	px.pick.Free(peer, upstream.StateOK)
	q.status = 499
	q.closed = true
}

// errClientLeft ends an upstream read the client's close interrupted.
var errClientLeft = errors.New("client prematurely closed connection")

// watchApplies reports whether a client that leaves ends the upstream's
// answer: not with ignore_client_abort or store, not in a subrequest.
func (q *request) watchApplies() bool {
	return q.main == nil && !q.keepsUpstream()
}

// watchBody readies a body about to be read for the upstream's waits:
// the watch starts at the first read of the upstream that waits (at once
// where the upstream connection is not a plain socket), and what was
// written to the client meanwhile goes out before the wait (bodyWritten).
func (q *request) watchBody() {
	px := q.px
	if px.conn == nil {
		return
	}
	px.watch.body = true
	px.watch.apply = q.watchApplies()
	if !px.conn.Direct() {
		q.watchStart()
		return
	}
	px.conn.OnWait = q.upstreamWaits
}

// upstreamWaits runs when a read of the upstream's body has to wait. A
// write to the client that fails then ends the read (errClientWrite),
// as nginx's failed write ends the answer, unless the answer is stored.
func (q *request) upstreamWaits() error {
	px := q.px
	if px.unflushed {
		// nginx's event pipe sends each buffer as it fills; gathered
		// bytes do not wait for the upstream's next ones
		px.unflushed = false
		if q.w.Flush() != nil && !q.storing() {
			return errClientWrite
		}
	}
	q.watchStart()
	return nil
}

// errClientWrite ends an upstream read after a failed write to the
// client (logged by the write).
var errClientWrite = errors.New("client write failed")

// bodyWritten follows a write of body bytes by the request's goroutine:
// the engine may gather them, to go out with the next or before the
// upstream is waited for.
func (q *request) bodyWritten() {
	px := q.px
	if px.conn != nil && px.conn.Direct() {
		px.unflushed = true
		return
	}
	_ = q.w.Flush()
}

// watchStart starts the watch once.
func (q *request) watchStart() {
	px := q.px
	w := &px.watch
	if w.on || !w.apply || px.conn == nil {
		return
	}
	w.on = true
	w.up = px.conn
	w.gone = w.clientGone
	w.stop = q.r.WatchGone(w.gone)
}

// clientGone runs on the watch's goroutine: the upstream read or write
// under way (or the next) ends, with errClientLeft for the body's.
func (w *clientWatch) clientGone(err error) {
	w.err = err
	w.left.Store(true)
	w.mu.Lock()
	if w.up != nil {
		w.up.Abort()
	}
	if w.dialing != nil {
		w.dialing.SetDeadline(time.Unix(1, 0))
	}
	w.mu.Unlock()
}

// watchEnd stops the watch before the upstream connection is let go.
func (px *proxyState) watchEnd() {
	px.headerWatchEnd()
	w := &px.watch
	if px.conn != nil {
		px.conn.OnWait = nil
	}
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
}

// clientLeft reports whether the watch saw the client leave.
func (px *proxyState) clientLeft() bool { return px.watch.left.Load() }

// logClientLeft writes nginx's line for a client that left while the
// upstream answered, once: "epoll_wait() reported that client prematurely
// closed connection, so upstream connection is closed too", with the
// reset's error (SO_ERROR) when there is one, in the action of the
// upstream's last step.
func (q *request) logClientLeft(err error) {
	px := q.px
	if !px.watch.logged.CompareAndSwap(false, true) {
		return
	}
	var sg *httpcore.StreamGone
	if errors.As(err, &sg) {
		// an HTTP/2 stream: nginx logs the client's reset as it comes,
		// and ends the request without a line of its own
		if sg.Msg != "" {
			q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s%s", sg.Msg, px.action, q.logSuffix())
		}
		return
	}
	why := ""
	if err != nil {
		why = " " + errlog.SysError(err)
	}
	q.log().Logf(errlog.Info, q.r.Conn.ID, "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too%s%s%s", why, px.action, q.logSuffix())
}

// sendFailLeft takes a failed write to the client of an upstream's
// answer that the watch would have seen first: a client that reset or
// closed its connection while nginx waited is reported by its read event
// before any write, so the line is the watch's, not the write's. It
// reports whether it wrote the line (or the watch had).
func (q *request) sendFailLeft() bool {
	px := q.px
	if px == nil || !px.watch.apply {
		return false
	}
	if px.clientLeft() {
		q.logClientLeft(px.watch.err)
		return true
	}
	werr := q.w.Err()
	switch {
	case errors.Is(werr, syscall.ECONNRESET):
		q.logClientLeft(syscall.ECONNRESET)
	case errors.Is(werr, syscall.EPIPE):
		q.logClientLeft(nil)
	default:
		return false
	}
	return true
}

// clientLeftStatus is ngx_http_terminate_request's status for a client
// that left: 499 when nothing reached it. Call it once the writer has
// stopped.
func (q *request) clientLeftStatus() {
	if px := q.px; px != nil && px.watch.logged.Load() && q.w.BytesSent() == 0 {
		q.status = 499
	}
}

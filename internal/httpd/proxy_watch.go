package httpd

import (
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/errlog"
)

// clientWatch is nginx's ngx_http_upstream_check_broken_connection while
// an upstream's body is read: the client's read event (EPOLLRDHUP) ends
// the answer at once when the client closes or resets its connection,
// unless *_ignore_client_abort or *_store keep the upstream. weir
// watches the client's socket from the first upstream read that has to
// wait (or once the event pipe's writer runs, as a slow client holds it):
// an answer that reads through costs no watch.
type clientWatch struct {
	body   bool        // the body is being read
	apply  bool        // ... and a client that leaves ends it
	on     bool        // the watch runs (or ran)
	stop   func()      // ends it
	up     net.Conn    // the upstream connection whose read the close interrupts
	left   atomic.Bool // the client left
	err    error       // its reset, when it reset; written before left
	logged atomic.Bool // the line was written
	gone   func(error) // px.watch.clientGone, bound once per request
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
	w.up = px.conn.Conn
	w.gone = w.clientGone
	w.stop = q.r.WatchGone(w.gone)
}

// clientGone runs on the watch's goroutine: the upstream read under way
// (or the next) ends with errClientLeft.
func (w *clientWatch) clientGone(err error) {
	w.err = err
	w.left.Store(true)
	w.up.SetReadDeadline(time.Now())
}

// watchEnd stops the watch before the upstream connection is let go.
func (px *proxyState) watchEnd() {
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

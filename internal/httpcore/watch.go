package httpcore

import (
	"time"

	"weir/internal/rawio"
)

// WatchGone watches the client while a handler waits for something else
// (an upstream's header or body): gone runs once when the client closes
// or resets its connection, with the reset's error (nil for a close),
// and on an HTTP/2 stream when the client resets the stream or the
// connection ends, with a *StreamGone. nginx's
// ngx_http_upstream_check_broken_connection runs on the client's read
// event (EPOLLRDHUP) in the same way, over TLS too, and on an HTTP/2
// stream's when its connection ends it. Bytes that arrive (a pipelined
// request) do not end the watch. gone runs on another goroutine, or on
// the caller's at once for a stream that is over already; stop ends the
// watch and waits for it: gone does not run after stop returns.
func (r *Request) WatchGone(gone func(err error)) (stop func()) {
	s := r.impl.s
	if s == nil || s.c == nil {
		return noStop
	}
	if s.h2 != nil {
		return s.h2.watchGone(gone)
	}
	c := s.c
	rc := c.rc
	if rc == nil {
		// TLS: the socket under it
		if rc = rawio.Socket(c.nc); rc == nil {
			return noStop
		}
	}
	// The watch waits with no deadline: the one set is the engine's
	// last read's (the request's first bytes may have come in the idle
	// wait, whose deadline is hotIdle away), and its passing would end
	// the watch with the client's close not yet seen.
	c.nc.SetReadDeadline(time.Time{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		left := false
		var err error
		rc.Read(func(fd uintptr) bool {
			gone, errno := rawio.Hangup(fd)
			if gone {
				left = true
				if errno != 0 {
					err = errno
				}
			}
			return gone
		})
		if left {
			gone(err)
		}
	}()
	return func() {
		// a deadline in the past wakes the watch (or keeps it from
		// waiting at all); the engine's own deadline is put back
		c.nc.SetReadDeadline(time.Unix(1, 0))
		<-done
		if c.rdl != 0 {
			c.nc.SetReadDeadline(time.Unix(0, c.rdl))
		} else {
			c.nc.SetReadDeadline(time.Time{})
		}
	}
}

var noStop = func() {}

// StreamGone is the error WatchGone's gone gets for an HTTP/2 stream
// that ended: Msg is nginx's line for the client's RST_STREAM ("client
// canceled stream 1", which nginx logs as the frame comes), empty when
// the stream ended otherwise (its connection ended, or weir reset it).
type StreamGone struct{ Msg string }

func (e *StreamGone) Error() string {
	if e.Msg == "" {
		return "stream ended"
	}
	return e.Msg
}

// watchGone is WatchGone for a stream: gone runs, under hc.mu, when the
// stream is reset or its connection ends (goneLocked).
func (st *h2Stream) watchGone(gone func(error)) func() {
	hc := st.hc
	hc.mu.Lock()
	if st.rst {
		err := st.goneErr()
		hc.mu.Unlock()
		gone(err)
		return noStop
	}
	st.onGone = gone
	hc.mu.Unlock()
	return func() {
		hc.mu.Lock()
		st.onGone = nil
		hc.mu.Unlock()
	}
}

// goneLocked runs the watch of a stream that was just reset, by either
// side, or whose connection ended; hc.mu is held.
func (st *h2Stream) goneLocked() {
	if f := st.onGone; f != nil {
		st.onGone = nil
		f(st.goneErr())
	}
}

// processing reports whether requests run on the connection (nginx's
// h2c->processing): streams that neither side has reset (nginx closes a
// reset one at once) and whose END_STREAM is not written out yet (nginx
// closes the stream in the event that sends it, so a client that closes
// once it has its answers finds none; weir's handler may still be logging).
func (hc *h2Conn) processing() bool {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	for _, st := range hc.streams {
		if !st.rst && !(st.ended && st.endGen < hc.wdone) {
			return true
		}
	}
	return false
}

// goneErr is the error of a stream that is over; hc.mu is held.
func (st *h2Stream) goneErr() error {
	if st.peerRst {
		return &StreamGone{Msg: peerResetText(st.id, st.peerCode)}
	}
	return &StreamGone{}
}

// Err returns the error of the response's failed write to the client, if
// one failed.
func (w *Response) Err() error { return w.impl.s.out.err }

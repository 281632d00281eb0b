package httpcore

import (
	"syscall"
	"time"
)

// WatchGone watches the client's connection while a handler waits for
// something else (an upstream's body): gone runs once, on another
// goroutine, when the client closes or resets its side, with the reset's
// error (nil for a close). nginx's ngx_http_upstream_check_broken_connection
// runs on the client's read event (EPOLLRDHUP) in the same way. Bytes
// that arrive (a pipelined request) end the watch without a call. stop
// ends the watch and waits for it; gone does not run after stop returns.
// Over TLS and HTTP/2 there is no watch.
func (r *Request) WatchGone(gone func(err error)) (stop func()) {
	s := r.impl.s
	if s == nil || s.h2 != nil || s.c == nil || s.c.rc == nil {
		return func() {}
	}
	c := s.c
	done := make(chan struct{})
	go func() {
		defer close(done)
		left := false
		var err error
		c.rc.Read(func(fd uintptr) bool {
			var b [1]byte
			n, _, e := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch e {
			case syscall.EAGAIN, syscall.EINTR:
				return false
			case nil:
				left = n == 0
			default:
				left, err = true, e
			}
			return true
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

// Err returns the error of the response's failed write to the client, if
// one failed.
func (w *Response) Err() error { return w.impl.s.out.err }

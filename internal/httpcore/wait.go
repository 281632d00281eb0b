package httpcore

import (
	"syscall"
	"time"
)

// peekClosed looks at the socket without reading from it or blocking:
// done is false when nothing has arrived, gone is true when the client
// closed or reset its side (nginx's checks of a broken connection count
// both). Bytes that arrived, a body or a pipelined request, are neither.
func peekClosed(fd uintptr) (done, gone bool) {
	var b [1]byte
	n, _, errno := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch errno {
	case syscall.EAGAIN, syscall.EINTR:
		return false, false
	case nil:
		return true, n == 0
	}
	return true, true
}

// ClientGone reports whether the client has closed its side of the
// connection, with one non-blocking peek at the socket
// (ngx_http_upstream_check_broken_connection). Over TLS it is false.
func (r *Request) ClientGone() bool {
	s := r.impl.s
	if s == nil || s.c.rc == nil {
		return false
	}
	gone := false
	s.c.rc.Control(func(fd uintptr) { _, gone = peekClosed(fd) })
	return gone
}

// WaitClosed waits for d, or less if the client closes its side of the
// connection first, and reports whether it did: nginx watches the client
// while it delays a request (limit_req sets ngx_http_test_reading as the
// read handler) and ends the request with 499 when the client leaves.
// Bytes that arrive meanwhile (the body, a pipelined request) stop the
// watch and the wait goes on to d. Over TLS and HTTP/2 (whose connection
// has a reader of its own) the wait is a plain sleep.
func (r *Request) WaitClosed(d time.Duration) bool {
	s := r.impl.s
	end := time.Now().Add(d)
	r.Yield()
	if s != nil && s.h2 == nil && s.c.rc != nil && d > 0 {
		c := s.c
		c.nc.SetReadDeadline(end)
		gone := false
		c.rc.Read(func(fd uintptr) bool {
			var done bool
			done, gone = peekClosed(fd)
			return done
		})
		// the engine skips setting a deadline it believes is set
		if c.rdl != 0 {
			c.nc.SetReadDeadline(time.Unix(0, c.rdl))
		} else {
			c.nc.SetReadDeadline(time.Time{})
		}
		if gone {
			return true
		}
	}
	if rest := time.Until(end); rest > 0 {
		time.Sleep(rest)
	}
	return false
}

package httpcore

import (
	"syscall"
	"time"
)

// WaitClosed waits for d, or less if the client closes its side of the
// connection first, and reports whether it did: nginx watches the client
// while it delays a request (limit_req sets ngx_http_test_reading as the
// read handler) and ends the request with 499 when the client leaves.
// Bytes that arrive meanwhile (the body, a pipelined request) stop the
// watch and the wait goes on to d. Over TLS and HTTP/2 there is no
// watch: the wait is a plain sleep.
func (r *Request) WaitClosed(d time.Duration) bool {
	s := r.impl.s
	end := time.Now().Add(d)
	if s != nil && s.h2 == nil && s.c.rc != nil && d > 0 {
		c := s.c
		c.nc.SetReadDeadline(end)
		gone := false
		c.rc.Read(func(fd uintptr) bool {
			var b [1]byte
			n, _, errno := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			switch errno {
			case syscall.EAGAIN, syscall.EINTR:
				return false
			case nil:
				gone = n == 0
			default:
				gone = true // reset: nginx's test_reading finds the error
			}
			return true
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

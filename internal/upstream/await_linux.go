//go:build linux

package upstream

import (
	"syscall"

	"weir/internal/rawio"
)

// SendAwait writes bufs to the socket and then waits, in the same turn of
// the poller, until the socket has something to read or its read
// deadline passes. A request that fits the socket buffer goes out in one
// writev and the wait starts without the read that would find nothing
// yet: the response is read only once it is there, as nginx's event loop
// reads only sockets that epoll reported (Go's Read tries the socket
// first and parks after EAGAIN, one system call more per request).
//
// It returns the bytes written. complete reports that all of bufs went
// out; when it is false and werr is nil the socket was full and the
// caller writes the rest itself, and no wait took place. werr is the
// write's error; rerr the wait's (a deadline passed, the connection was
// closed).
func (c *Conn) SendAwait(bufs [][]byte) (n int64, complete bool, werr, rerr error) {
	if !c.direct {
		return 0, false, nil, nil
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	c.aw = awaitState{bufs: bufs, total: total}
	rerr = c.raw.Read(c.await)
	a := &c.aw
	a.bufs = nil // no reference to the request kept
	if a.err != nil || a.n < total {
		return int64(a.n), false, a.err, nil
	}
	return int64(a.n), true, nil, rerr
}

// awaitState is SendAwait's progress, kept in the Conn so that its
// callback (a method value made once) needs no closure per request.
type awaitState struct {
	bufs     [][]byte
	total, n int
	written  bool
	err      error
}

// awaitFD is SendAwait's callback: the first call writes (what the
// socket takes of the first eight buffers), and returns false to wait
// when everything went out; the call after the wait ends it.
func (c *Conn) awaitFD(fd uintptr) bool {
	a := &c.aw
	if a.written {
		return true
	}
	a.written = true
	n, errno := rawio.Writev(fd, a.bufs)
	switch errno {
	case 0:
		a.n = n
	case syscall.EAGAIN:
	default:
		a.err = errno
	}
	return a.err != nil || a.n < a.total
}

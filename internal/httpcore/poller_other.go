//go:build !linux

package httpcore

import (
	"syscall"

	"weir/internal/rawio"
)

// Without the Linux poller an idle connection keeps its goroutine parked
// in the Go netpoller (still without a buffer).

func pollerAvailable() bool  { return false }
func pollerArm(c *conn) bool { return false }
func pollerDel(c *conn)      {}
func timerAdd(c *conn)       {}
func timerDel(c *conn)       {}

const msgMore = 0

func (c *conn) sendfile(f interface {
	SyscallConn() (syscall.RawConn, error)
}, off, n int64, timeout timeDuration) (int64, error, bool) {
	return 0, nil, false
}

// sendFD is sendRaw's callback; without rawio's writev here, it writes
// one buffer at a time.
func (c *conn) sendFD(fd uintptr) bool {
	for c.wi < len(c.wv) {
		b := c.wv[c.wi]
		if len(b) == 0 {
			c.wi++
			continue
		}
		n, errno := rawio.Write(fd, b)
		if errno == syscall.EAGAIN {
			return false
		}
		if errno != 0 {
			c.werr = errno
			return true
		}
		c.wn += int64(n)
		c.wv[c.wi] = b[n:]
	}
	return true
}

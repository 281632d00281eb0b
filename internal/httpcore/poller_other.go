//go:build !linux

package httpcore

import "syscall"

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

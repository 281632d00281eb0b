//go:build !linux

package rawio

import "syscall"

// Hangup looks at the socket fd without reading or waiting (see the
// Linux version); here a peek stands for it, so bytes still to be read
// hide a close.
func Hangup(fd uintptr) (gone bool, err syscall.Errno) {
	var b [1]byte
	n, _, e := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	switch {
	case e == nil:
		return n == 0, 0
	case e == syscall.EAGAIN || e == syscall.EINTR:
		return false, 0
	}
	errno, _ := e.(syscall.Errno)
	return true, errno
}

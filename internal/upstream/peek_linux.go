//go:build linux

package upstream

import (
	"syscall"
	"unsafe"
)

// peekFD looks at the socket without blocking or consuming: EAGAIN means
// the connection is quiet and usable; a byte, end of file or any other
// error means it must not carry another request.
func (c *Conn) peekFD(fd uintptr) {
	var b [1]byte
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd,
		uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	c.dead = errno != syscall.EAGAIN
}

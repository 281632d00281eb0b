//go:build linux

package httpd

import (
	"syscall"
	"unsafe"
)

// socketFull reports whether the socket fd takes no more bytes now: poll(2)
// without waiting does not find it writable (nginx's write event is not
// ready). ok is false when poll fails.
func socketFull(fd uintptr) (full, ok bool) {
	p := struct {
		fd             int32
		events, revent int16
	}{fd: int32(fd), events: 0x4} // POLLOUT
	var ts syscall.Timespec // zero: do not wait
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if errno != 0 {
		return false, false
	}
	return n == 0, true
}

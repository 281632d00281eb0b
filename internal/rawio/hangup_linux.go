package rawio

import (
	"syscall"
	"unsafe"
)

// poll(2)'s events: POLLRDHUP, the peer closed its side (whatever is
// still to be read); POLLERR and POLLHUP, the connection failed or ended
const (
	pollErr   = 0x8
	pollHup   = 0x10
	pollRDHUP = 0x2000
)

// Hangup looks at the socket fd without reading or waiting: gone when
// the peer closed its side or the connection failed (epoll's EPOLLRDHUP,
// which nginx's ngx_http_upstream_check_broken_connection reads), with
// the socket's pending error (SO_ERROR, ECONNRESET for a reset) when it
// has one. Bytes still to be read do not count.
func Hangup(fd uintptr) (gone bool, err syscall.Errno) {
	p := struct {
		fd              int32
		events, revents int16
	}{fd: int32(fd), events: pollRDHUP}
	var ts syscall.Timespec
	for {
		_, _, errno := syscall.RawSyscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return false, 0
		}
		break
	}
	if p.revents&(pollRDHUP|pollHup|pollErr) == 0 {
		return false, 0
	}
	return true, SocketError(int(fd))
}

package httpd

import (
	"syscall"
	"unsafe"

	"weir/internal/tlsconf"
)

type tcpInfoT = syscall.TCPInfo

// tcpInfo reads TCP_INFO of the client's socket (under TLS, of the
// socket under it).
func (q *request) tcpInfo() (*tcpInfoT, bool) {
	nc := q.r.Conn.NetConn
	if tc, ok := nc.(*tlsconf.Conn); ok {
		nc = tc.Conn
	}
	sc, ok := nc.(syscall.Conn)
	if !ok || q.r.Conn.Unix {
		return nil, false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	var info syscall.TCPInfo
	var errno syscall.Errno
	cerr := raw.Control(func(fd uintptr) {
		n := uint32(unsafe.Sizeof(info))
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&n)), 0)
	})
	if cerr != nil || errno != 0 {
		return nil, false
	}
	return &info, true
}

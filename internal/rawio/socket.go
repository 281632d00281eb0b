package rawio

import (
	"net"
	"syscall"
)

// Socket finds the socket under a connection's layers: TLS connections
// (crypto/tls's and weir's tlsconf) give the connection under them by
// NetConn. It returns nil when there is none (a pipe, a layer that does
// not say).
func Socket(c net.Conn) syscall.RawConn {
	for range 4 {
		if sc, ok := c.(syscall.Conn); ok {
			rc, err := sc.SyscallConn()
			if err != nil {
				return nil
			}
			return rc
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		c = u.NetConn()
	}
	return nil
}

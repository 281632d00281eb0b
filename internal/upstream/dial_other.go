//go:build !linux

package upstream

import (
	"net"
	"time"
)

// Dial is not available on this system: the caller dials the usual way.
func Dial(network, addr string, timeout time.Duration, oneShot bool, pending func(net.Conn)) (c net.Conn, err error, ok bool) {
	return nil, nil, false
}

type (
	fileConn struct{ net.Conn }
	epConn   struct{ net.Conn }
)

package server

import (
	"context"
	"net"
	"syscall"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/stream"
)

// openUDP binds the datagram socket of a stream "listen ... udp" with
// the options nginx sets before bind (SO_REUSEADDR, SO_REUSEPORT with
// "reuseport") and its buffers, and makes it a listener of sessions.
func openUDP(l *config.Listen, logf func(errlog.Level, string)) (net.Listener, error) {
	network := "udp4"
	if l.AddrPort.Addr().Is6() {
		network = "udp6"
	}
	lc := net.ListenConfig{
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = presetSocket(int(fd), l, logf)
				if serr != nil {
					return
				}
				if l.RcvBuf > 0 {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, l.RcvBuf)
				}
				if l.SndBuf > 0 {
					syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, l.SndBuf)
				}
			})
			if err != nil {
				return err
			}
			return serr
		},
	}
	pc, err := lc.ListenPacket(context.Background(), network, l.AddrPort.String())
	if err != nil {
		return nil, listenErr(l, err)
	}
	return stream.ListenUDP(pc.(*net.UDPConn)), nil
}

package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/proxyproto"
	"weir/internal/tlsconf"
)

// bindTries and bindDelay are nginx's: ngx_open_listening_sockets tries
// five times, 500ms apart, while an address is in use.
const (
	bindTries = 5
	bindDelay = 500 * time.Millisecond
)

// sockErr is a failed socket call worded as nginx logs it, e.g.
// "bind() to 127.0.0.1:80 failed (98: Address already in use)".
type sockErr struct {
	call string // "socket", "bind", "listen"
	addr string
	bl   int // backlog, for listen
	err  error
}

func (e *sockErr) Error() string {
	switch e.call {
	case "bind":
		return "bind() to " + e.addr + " failed " + errlog.SysError(e.err)
	case "listen":
		return fmt.Sprintf("listen() to %s, backlog %d failed %s", e.addr, e.bl, errlog.SysError(e.err))
	}
	if e.call == "socket" {
		return "socket() " + e.addr + " failed " + errlog.SysError(e.err)
	}
	return e.call + " " + e.addr + " failed " + errlog.SysError(e.err)
}

func (e *sockErr) Unwrap() error { return e.err }

// addrInUse tells whether err is EADDRINUSE, the one error nginx waits
// out (and the one -t ignores: the address may be a running server's).
func addrInUse(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }

// openListener creates, binds and listens one socket with the options of
// l, as ngx_open_listening_sockets does: SO_REUSEADDR, SO_REUSEPORT with
// "reuseport", IPV6_V6ONLY for IPv6 addresses, the backlog. With
// configure it also applies what ngx_configure_listening_sockets sets
// (buffers, keepalive, deferred accept); -t does not. logf receives the
// non-fatal complaints nginx logs and ignores.
//
// A unix socket file left behind is not removed: nginx fails with
// "Address already in use" then, and so does weir. Closing the listener
// removes the file, as nginx does on exit.
func openListener(l *config.Listen, configure bool, logf func(errlog.Level, string)) (net.Listener, error) {
	if l.Network == "udp" {
		return openUDP(l, logf)
	}
	network, address := "unix", l.Path
	if l.Network == "tcp" {
		network, address = "tcp4", l.AddrPort.String()
		if l.AddrPort.Addr().Is6() {
			network = "tcp6"
		}
	}
	lc := net.ListenConfig{
		// Accepted connections keep the socket's keepalive settings:
		// Go would otherwise switch keepalive on for every one.
		KeepAlive: -1,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = presetSocket(int(fd), l, logf)
			})
			if err != nil {
				return err
			}
			return serr
		},
	}
	ln, err := lc.Listen(context.Background(), network, address)
	if err != nil {
		return nil, listenErr(l, err)
	}
	if ul, ok := ln.(*net.UnixListener); ok {
		// ngx_open_listening_sockets makes the socket usable by anyone.
		if err := os.Chmod(l.Path, 0o666); err != nil {
			logf(errlog.Emerg, fmt.Sprintf("chmod() \"%s\" failed %s", l.Path, errlog.SysError(err)))
		}
		ul.SetUnlinkOnClose(true)
	}
	if err := tuneListener(ln, l, configure, logf); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// listenErr turns net's error into nginx's wording.
func listenErr(l *config.Listen, err error) error {
	var ce *sockErr
	if errors.As(err, &ce) {
		return ce
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		call := se.Syscall
		switch call {
		case "bind", "listen", "socket":
		default:
			call += "()"
		}
		return &sockErr{call: call, addr: l.Addr, bl: l.Backlog, err: se.Err}
	}
	return &sockErr{call: "bind", addr: l.Addr, err: err}
}

// presetSocket sets what must be set before bind.
func presetSocket(fd int, l *config.Listen, logf func(errlog.Level, string)) error {
	if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return &sockErr{call: "setsockopt(SO_REUSEADDR)", addr: l.Addr, err: err}
	}
	if l.Reuseport {
		if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, soReusePort, 1); err != nil {
			logf(errlog.Alert, fmt.Sprintf("setsockopt(SO_REUSEPORT) %s failed, ignored", l.Addr))
		}
	}
	if l.Network == "tcp" && l.AddrPort.Addr().Is6() {
		v := 0
		if l.IPv6Only {
			v = 1
		}
		if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, v); err != nil {
			logf(errlog.Emerg, fmt.Sprintf("setsockopt(IPV6_V6ONLY) %s failed, ignored %s", l.Addr, errlog.SysError(err)))
		}
	}
	return nil
}

// tuneListener sets the backlog (Go listens with the system maximum;
// listen() again sets nginx's) and, with configure, what
// ngx_configure_listening_sockets sets on a bound socket. It is also how a
// socket kept over a reload takes the new configuration's options.
func tuneListener(ln net.Listener, l *config.Listen, configure bool, logf func(errlog.Level, string)) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	var lerr error
	rc.Control(func(fdp uintptr) {
		fd := int(fdp)
		if err := syscall.Listen(fd, l.Backlog); err != nil {
			lerr = &sockErr{call: "listen", addr: l.Addr, bl: l.Backlog, err: err}
			return
		}
		if !configure {
			return
		}
		set := func(level, opt, v int, what string) {
			if err := syscall.SetsockoptInt(fd, level, opt, v); err != nil {
				logf(errlog.Alert, fmt.Sprintf("setsockopt(%s, %d) %s failed, ignored %s", what, v, l.Addr, errlog.SysError(err)))
			}
		}
		if l.RcvBuf > 0 {
			set(syscall.SOL_SOCKET, syscall.SO_RCVBUF, l.RcvBuf, "SO_RCVBUF")
		}
		if l.SndBuf > 0 {
			set(syscall.SOL_SOCKET, syscall.SO_SNDBUF, l.SndBuf, "SO_SNDBUF")
		}
		if l.Network != "tcp" {
			return
		}
		if l.SoKeepalive {
			set(syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1, "SO_KEEPALIVE")
		}
		if l.KeepIdle > 0 {
			set(syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, int(l.KeepIdle/time.Second), "TCP_KEEPIDLE")
		}
		if l.KeepIntvl > 0 {
			set(syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, int(l.KeepIntvl/time.Second), "TCP_KEEPINTVL")
		}
		if l.KeepCnt > 0 {
			set(syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, l.KeepCnt, "TCP_KEEPCNT")
		}
		if l.Deferred {
			// nginx uses one second: it cannot know how long a
			// connection waited in the queue.
			if err := syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_DEFER_ACCEPT, 1); err != nil {
				logf(errlog.Alert, fmt.Sprintf("setsockopt(TCP_DEFER_ACCEPT, 1) for %s failed, ignored %s", l.Addr, errlog.SysError(err)))
			}
		}
	})
	return lerr
}

// soReusePort is SO_REUSEPORT on Linux (the syscall package lacks it).
const soReusePort = 0xf

// openListeners binds every listen in ls that is not in have, as
// ngx_open_listening_sockets: an address in use is tried again up to five
// times, 500ms apart, logging each failure, then "still could not bind()";
// any other error ends at once. Sockets opened are returned even on error,
// for the caller to close.
func openListeners(ls []*config.Listen, logf func(errlog.Level, string)) (map[string]net.Listener, error) {
	opened := map[string]net.Listener{}
	for try := 0; try < bindTries; try++ {
		failed := false
		for _, l := range ls {
			if opened[l.SocketKey()] != nil {
				continue
			}
			ln, err := openListener(l, true, logf)
			if err != nil {
				logf(errlog.Emerg, err.Error())
				if !addrInUse(err) {
					return opened, err
				}
				failed = true
				continue
			}
			opened[l.SocketKey()] = ln
		}
		if !failed {
			return opened, nil
		}
		logf(errlog.Notice, "try again to bind() after 500ms")
		time.Sleep(bindDelay)
	}
	logf(errlog.Emerg, "still could not bind()")
	return opened, errors.New("still could not bind()")
}

// sslWrap returns the wrapper of connections accepted for lg when one of
// its addresses has "listen ... ssl": the connection's local address picks
// the address's servers (a wildcard socket may serve specific addresses
// too, some with ssl, some without), whose certificates the handshake
// chooses from by SNI. It returns nil when no address of lg has ssl.
func sslWrap(lg *config.ListenGroup) func(net.Conn) net.Conn {
	any := false
	for _, ac := range lg.Addrs {
		any = any || ac.SSL()
	}
	if !any {
		return nil
	}
	last := lg.Addrs[len(lg.Addrs)-1]
	return func(c net.Conn) net.Conn {
		ac := last
		if len(lg.Addrs) > 1 {
			if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
				ip := a.AddrPort().Addr().Unmap()
				for _, x := range lg.Addrs[:len(lg.Addrs)-1] {
					if x.AddrPort.Addr() == ip {
						ac = x
						break
					}
				}
			}
		}
		if !ac.SSL() {
			return c
		}
		if ac.ProxyProtocol() {
			// the header comes before the handshake
			c = proxyproto.NewConn(c)
		}
		return tlsconf.Server(c, ac.Site)
	}
}

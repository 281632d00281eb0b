//go:build linux

package upstream

import (
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"
	"unsafe"

	"weir/internal/rawio"
)

// Dial connects to a peer's address (an IP literal with a port, or a
// unix socket path) with timeout, the way nginx's ngx_event_connect_peer
// does: a non-blocking socket, connect, and a look at the TCP state
// instead of a turn through the poller when loopback's handshake is
// already done: net.Dialer would add getsockname and getpeername calls
// to every connection and park the goroutine until the poller reports the
// connection writable. ok is false when the address is not one Dial
// takes (a name to resolve, an IPv6 zone): the caller dials the usual
// way.
//
// A connection that serves one request and is closed (oneShot) is driven
// by weir's own epoll instance (see epConn), so that its life takes no
// system call that wakes the runtime's monitor thread; one that may go
// to the keepalive pool is driven by the Go poller as an *os.File, which
// wakes the goroutine waiting on it directly, one hand-off less per
// request.
//
// pending, when set, gets the connection while its handshake is under
// way, before the wait: a deadline another goroutine puts in the past
// ends the wait as a timeout (a client that left while nginx connected).
func Dial(network, addr string, timeout time.Duration, oneShot bool, pending func(net.Conn)) (c net.Conn, err error, ok bool) {
	var sa syscall.Sockaddr
	var remote net.Addr
	domain := syscall.AF_UNIX
	switch network {
	case "tcp":
		ap, perr := netip.ParseAddrPort(addr)
		if perr != nil || ap.Addr().Zone() != "" {
			return nil, nil, false
		}
		ip := ap.Addr().Unmap()
		if ip.Is4() {
			domain = syscall.AF_INET
			sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
		} else {
			domain = syscall.AF_INET6
			sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
		}
		remote = net.TCPAddrFromAddrPort(ap)
	case "unix":
		sa = &syscall.SockaddrUnix{Name: addr}
		remote = &net.UnixAddr{Name: addr, Net: "unix"}
	default:
		return nil, nil, false
	}
	fail := func(op string, e error) (net.Conn, error, bool) {
		return nil, &net.OpError{Op: "dial", Net: network, Addr: remote, Err: os.NewSyscallError(op, e)}, true
	}
	fd, err := syscall.Socket(domain, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fail("socket", err)
	}
	if domain != syscall.AF_UNIX {
		// as net.Dialer's connections: a request or a stream of body
		// pieces written in parts (HTTP/2 frames, chunks) is not held
		// back by Nagle's algorithm waiting for an acknowledgement
		one := int32(1)
		syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY,
			uintptr(unsafe.Pointer(&one)), 4, 0)
	}
	errno := rawio.Connect(fd, sa)
	if errno != 0 && errno != syscall.EINPROGRESS {
		rawio.Close(fd)
		return fail("connect", errno)
	}
	var raw syscall.RawConn
	if oneShot {
		f, rerr := upPoller.register(fd)
		if rerr != nil {
			rawio.Close(fd)
			return fail("epoll_ctl", rerr)
		}
		c = &epConn{f: f, remote: remote, network: network}
		raw = epRaw{f}
	} else {
		fc := &fileConn{File: os.NewFile(uintptr(fd), "upstream"), remote: remote, network: network}
		c = fc
		if errno != 0 {
			var rerr error
			if raw, rerr = fc.SyscallConn(); rerr != nil {
				fc.Close()
				return fail("connect", rerr)
			}
		}
	}
	if errno == 0 {
		return c, nil, true
	}
	// The handshake is under way: done already (loopback), or wait until
	// the socket is writable and read its error. Its readiness may have
	// come before it was registered (the handshake ended, or failed,
	// already), so the socket is asked first: established, failed, or
	// still on its way (then the event is still to come).
	if timeout > 0 {
		c.SetWriteDeadline(time.Now().Add(timeout))
	}
	if pending != nil {
		pending(c)
	}
	var cerr error
	first := true
	werr := raw.Write(func(fd uintptr) bool {
		woken := !first
		first = false
		if domain != syscall.AF_UNIX && tcpEstablished(fd) {
			return true
		}
		switch e := rawio.SocketError(int(fd)); {
		case e != 0:
			cerr = e
		case domain == syscall.AF_UNIX && woken:
			// writable without an error: connected
		default:
			return false // still on its way: its event is still to come
		}
		return true
	})
	if timeout > 0 {
		c.SetWriteDeadline(time.Time{})
	}
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		c.Close()
		if cerr == nil {
			// the deadline passed: a timeout, as net.Dialer's
			return nil, &net.OpError{Op: "dial", Net: network, Addr: remote, Err: werr}, true
		}
		return fail("connect", werr)
	}
	return c, nil, true
}

// tcpEstablished reports whether the TCP socket fd has finished its
// handshake (TCP_INFO's state), without waiting.
func tcpEstablished(fd uintptr) bool {
	var info [8]byte // tcpi_state is the first byte
	n := uint32(len(info))
	_, _, errno := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
		uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&n)), 0)
	return errno == 0 && info[0] == 1 // TCP_ESTABLISHED
}

// fileConn is a connection Dial made: the socket as an *os.File, which
// the Go poller drives as it drives a net.Conn.
type fileConn struct {
	*os.File
	remote  net.Addr
	network string
}

func (c *fileConn) RemoteAddr() net.Addr { return c.remote }

// LocalAddr looks the address up when it is asked for (error messages
// only).
func (c *fileConn) LocalAddr() net.Addr {
	var a net.Addr = &net.UnixAddr{Net: c.network}
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { a = localAddr(int(fd), c.network) })
	}
	return a
}

// localAddr is the local address of the socket fd of network.
func localAddr(fd int, network string) net.Addr {
	sa, _ := syscall.Getsockname(fd)
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return &net.UnixAddr{Net: network}
}

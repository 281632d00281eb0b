package stream

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// UDPListener turns a datagram socket into a net.Listener of sessions, as
// nginx's ngx_event_recvmsg does: the first datagram from a client
// address makes a connection (Accept returns it, that datagram queued for
// its first Read); the later ones from that address go to it until it is
// closed or detached, after which the next datagram starts a new one.
type UDPListener struct {
	pc     *net.UDPConn
	mu     sync.Mutex
	conns  map[netip.AddrPort]*UDPConn
	accept chan *UDPConn
	done   chan struct{}
}

// udpQueue is how many datagrams a session may have waiting before the
// next ones from its client are dropped (a full socket buffer's loss).
const udpQueue = 256

// ListenUDP starts reading pc.
func ListenUDP(pc *net.UDPConn) *UDPListener {
	l := &UDPListener{pc: pc, conns: map[netip.AddrPort]*UDPConn{}, accept: make(chan *UDPConn), done: make(chan struct{})}
	go l.read()
	return l
}

func (l *UDPListener) read() {
	defer close(l.done)
	buf := make([]byte, 65536)
	for {
		n, from, err := l.pc.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		d := append([]byte(nil), buf[:n]...)
		l.mu.Lock()
		c := l.conns[from]
		if c == nil {
			c = &UDPConn{l: l, peer: from, in: make(chan []byte, udpQueue), closed: make(chan struct{})}
			l.conns[from] = c
			c.in <- d
			l.mu.Unlock()
			select {
			case l.accept <- c:
			case <-l.done:
				return
			}
			continue
		}
		select {
		case c.in <- d:
		default:
		}
		l.mu.Unlock()
	}
}

// Accept returns the next new client's session connection.
func (l *UDPListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.accept:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes the socket.
func (l *UDPListener) Close() error {
	err := l.pc.Close()
	<-l.done
	return err
}

// Addr is the socket's address.
func (l *UDPListener) Addr() net.Addr { return l.pc.LocalAddr() }

// UDPConn is one client's session on a UDPListener: each Read returns one
// datagram, each Write sends one.
type UDPConn struct {
	l      *UDPListener
	peer   netip.AddrPort
	in     chan []byte
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	deadline time.Time
}

// Read returns the next datagram (cut to len(b), as recv does).
func (c *UDPConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	dl := c.deadline
	c.mu.Unlock()
	var timeout <-chan time.Time
	if !dl.IsZero() {
		d := time.Until(dl)
		if d <= 0 {
			return 0, os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case d := <-c.in:
		return copy(b, d), nil
	case <-c.closed:
		return 0, net.ErrClosed
	case <-timeout:
		return 0, os.ErrDeadlineExceeded
	}
}

// Write sends b to the client as one datagram.
func (c *UDPConn) Write(b []byte) (int, error) {
	return c.l.pc.WriteToUDPAddrPort(b, c.peer)
}

// Detach makes the client's next datagrams start a new session
// (ngx_delete_udp_connection); the ones queued stay readable.
func (c *UDPConn) Detach() {
	c.l.mu.Lock()
	if c.l.conns[c.peer] == c {
		delete(c.l.conns, c.peer)
	}
	c.l.mu.Unlock()
}

// Close ends the session; a Read waiting returns.
func (c *UDPConn) Close() error {
	c.Detach()
	c.once.Do(func() { close(c.closed) })
	return nil
}

// LocalAddr is the listening socket's address.
func (c *UDPConn) LocalAddr() net.Addr { return c.l.pc.LocalAddr() }

// RemoteAddr is the client's address.
func (c *UDPConn) RemoteAddr() net.Addr { return net.UDPAddrFromAddrPort(c.peer) }

// SetDeadline sets the read deadline (writes do not block).
func (c *UDPConn) SetDeadline(t time.Time) error { return c.SetReadDeadline(t) }

// SetReadDeadline sets when a Read that starts gives up.
func (c *UDPConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

// SetWriteDeadline does nothing: a datagram is sent at once or dropped.
func (c *UDPConn) SetWriteDeadline(time.Time) error { return nil }

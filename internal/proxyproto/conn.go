package proxyproto

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"syscall"
)

// Conn is an accepted connection of a "listen ... ssl proxy_protocol"
// address: its first Read takes the header off the socket before the TLS
// handshake sees a byte, as ngx_http_ssl_handshake does (a peek at what
// has come, then a read of the header's bytes only, so nothing of the
// handshake is read ahead).
type Conn struct {
	net.Conn
	done    bool
	header  *Header
	pending atomic.Bool
	fail    atomic.Pointer[string]
}

// ErrHeader is the read error of a connection whose header was refused.
var ErrHeader = errors.New("broken PROXY protocol header")

// NewConn wraps an accepted TCP or unix-domain connection.
func NewConn(c net.Conn) *Conn {
	pc := &Conn{Conn: c}
	pc.pending.Store(true)
	return pc
}

// Header returns what the header said (nil before it was read or when it
// carried no addresses).
func (c *Conn) Header() *Header {
	if c.pending.Load() {
		return nil
	}
	return c.header
}

// Pending reports whether the header is still to come: the connection's
// log lines are then "while reading PROXY protocol".
func (c *Conn) Pending() bool { return c.pending.Load() }

// TakeFailure returns, once, the error-log line of a refused header ("" for
// the refusals nginx does not log; ok false when there was none).
func (c *Conn) TakeFailure() (msg string, ok bool) {
	p := c.fail.Swap(nil)
	if p == nil {
		return "", false
	}
	return *p, true
}

func (c *Conn) Read(p []byte) (int, error) {
	if !c.done {
		if _, err := c.ReadHeader(); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// ReadHeader takes the header off the connection now (the first Read
// does it otherwise): the stream module's ngx_stream_proxy_protocol_handler.
// A refused header gives ErrHeader and the bytes that were looked at.
func (c *Conn) ReadHeader() ([]byte, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		c.done = true
		c.pending.Store(false)
		return nil, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	buf := make([]byte, MaxHeader)
	n := 0
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		m, _, errno := syscall.Recvfrom(int(fd), buf, syscall.MSG_PEEK)
		switch errno {
		case syscall.EAGAIN, syscall.EINTR:
			return false
		case nil:
			n = m
		default:
			rerr = errno
		}
		return true
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return nil, err
	}
	// a close before a byte is a broken header too (ngx_http_ssl_handshake
	// parses whatever its peek returned)
	h, size, msg := Parse(buf[:n])
	if size < 0 {
		c.fail.Store(&msg)
		return buf[:n], ErrHeader
	}
	if _, err := io.ReadFull(c.Conn, buf[:size]); err != nil {
		return nil, err
	}
	c.header, c.done = h, true
	c.pending.Store(false)
	return nil, nil
}

package server

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/errlog"
)

// socket is one bound listening socket. It belongs to the process, not to
// a configuration: a reload that keeps its address keeps the socket, so
// no connection is refused while the configuration changes. One goroutine
// accepts on it and hands each connection to the generation that is
// current at that moment, through that generation's genListener.
type socket struct {
	addr string
	ln   net.Listener
	cur  atomic.Pointer[genListener]
	logf func(errlog.Level, string)
	done chan struct{} // closed when the accept loop has ended
}

func newSocket(addr string, ln net.Listener, logf func(errlog.Level, string)) *socket {
	return &socket{addr: addr, ln: ln, logf: logf, done: make(chan struct{})}
}

// acceptLoop accepts until the socket is closed. Resource errors are
// logged as ngx_event_accept logs them and accepting pauses a moment, as
// nginx disables its accept events for a while.
func (s *socket) acceptLoop() {
	defer close(s.done)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			lv, pause := errlog.Alert, 10*time.Millisecond
			switch {
			case errors.Is(err, syscall.ECONNABORTED):
				lv, pause = errlog.Error, 0
			case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
				lv, pause = errlog.Crit, 500*time.Millisecond
			}
			s.logf(lv, "accept4() failed "+errlog.SysError(err))
			time.Sleep(pause)
			continue
		}
		s.hand(c)
	}
}

// hand gives c to the current generation. A generation that retires
// while c is offered is skipped for the one that replaced it; with none
// left (the server is stopping) c is closed.
func (s *socket) hand(c net.Conn) {
	for {
		g := s.cur.Load()
		if g == nil {
			c.Close()
			return
		}
		select {
		case g.ch <- c:
			return
		case <-g.done:
			if s.cur.Load() == g {
				c.Close()
				return
			}
		}
	}
}

// close stops accepting and closes the socket (a unix socket's file is
// removed), then waits for the accept loop to end.
func (s *socket) close() {
	s.ln.Close()
	<-s.done
}

// genListener is a generation's view of a socket: the net.Listener its
// httpcore.Server accepts from. Closing it stops that generation's accept
// loop and leaves the socket open for the next generation.
type genListener struct {
	sock *socket
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	// wrap, when set, wraps each accepted connection (TLS on an ssl
	// address); it runs on the generation's accept goroutine and must
	// not block.
	wrap func(net.Conn) net.Conn
}

func newGenListener(s *socket) *genListener {
	return &genListener{sock: s, ch: make(chan net.Conn), done: make(chan struct{})}
}

// Accept returns the next connection handed to this generation.
func (l *genListener) Accept() (net.Conn, error) {
	select {
	case <-l.done:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-l.ch:
		if l.wrap != nil {
			c = l.wrap(c)
		}
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close ends this generation's accepting; the socket stays open.
func (l *genListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr is the socket's address.
func (l *genListener) Addr() net.Addr { return l.sock.ln.Addr() }

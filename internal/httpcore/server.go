package httpcore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Server runs the connection loops for any number of listeners. Its
// exported fields must be set before the first Serve and not changed
// afterwards.
type Server struct {
	Handler Handler
	// Log writes an error-log line for a connection-level event (level
	// as errlog's: 0 emerg .. 7 debug); conn may be nil. msg is nginx's
	// text including the " while ..." action; the log function appends
	// the client and server context. Log may be nil; it is called from
	// many goroutines at once.
	Log func(level int, conn *ConnInfo, msg string)
	// MaxConns is how many client connections worker_connections leaves:
	// 0 means no limit. At the limit the engine first closes idle
	// connections (nginx's "reusing connections"), else it closes the
	// new connection at once.
	MaxConns int
	// WorkerConnections is the worker_connections that log lines name
	// (MaxConns when 0).
	WorkerConnections int

	mu       sync.Mutex
	conns    *conn // list of open connections, newest first (conn.snext)
	oldest   *conn // the list's last one
	nconns   int
	idleCh   chan struct{} // closed when the number of connections drops to zero
	draining atomic.Bool
	closing  atomic.Bool
	count    atomic.Int64

	lastWarn  atomic.Int64 // unix seconds of the last "not enough" log lines
	lastAlert atomic.Int64
}

// LogNoContext is OR'ed into the level of a Log call for a line nginx
// writes without the client and server context (its log handler is
// cleared, as for "closed keepalive connection").
const LogNoContext = 1 << 4

// Log levels, as in nginx's error log.
const (
	logEmerg = iota
	logAlert
	logCrit
	logErr
	logWarn
	logNotice
	logInfo
	logDebug
)

// connSerial numbers connections across every Server of the process
// ($connection), as nginx's shared connection counter does.
var connSerial atomic.Uint64

// NextConnID takes the next number of that counter for a connection that
// is not the engine's (a stream session, the upstream connections of
// one), as nginx's ngx_get_connection counts every connection.
func NextConnID() uint64 { return connSerial.Add(1) }

func (s *Server) logf(level int, ci *ConnInfo, format string, args ...any) {
	if s.Log == nil {
		return
	}
	s.Log(level, ci, fmt.Sprintf(format, args...))
}

// Serve accepts connections on ln until ln is closed and serves each on
// its own goroutine. tag is passed to Handler.Settings and kept in
// ConnInfo.Tag. Serve returns nil when ln was closed, else the accept
// error.
func (s *Server) Serve(ln net.Listener, tag any) error {
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// EMFILE, ENFILE, ENOBUFS, ECONNABORTED...: nginx logs and
			// retries (ngx_event_accept; it also pauses on EMFILE)
			level := logAlert
			switch {
			case errors.Is(err, syscall.ECONNABORTED):
				level = logErr
			case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
				level = logCrit
			}
			s.logf(level, nil, "accept4() failed (%s)", errnoText(err))
			if backoff == 0 {
				backoff = 5 * time.Millisecond
			} else if backoff *= 2; backoff > 500*time.Millisecond {
				backoff = 500 * time.Millisecond
			}
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		stats.accepted.Add(1)
		if s.closing.Load() {
			nc.Close()
			continue
		}
		if s.MaxConns > 0 && int(s.count.Load()) >= s.MaxConns && !s.reclaim() {
			s.notEnough()
			nc.Close()
			continue
		}
		c := newConn(s, nc, tag)
		s.add(c)
		go c.start()
	}
}

// reclaim closes idle connections to make room for a new one, as
// ngx_drain_connections does, and reports whether there is room now. It
// takes first the connections still waiting for their first request,
// then keep-alive ones, the oldest first in each kind, where nginx takes
// those idle the longest of both kinds: under a flood of new connections
// that spares the established keep-alive clients, which between two
// requests may have been idle longer than the flood's, and whose next
// request may be on its way. (Tried nginx's order, an eighth of the idle
// ones, longest idle first: the connection-flood scenario then lost 3-34
// keep-alive requests per run, against 0.) Oldest first among those
// waiting for a first request spares a client that has just connected
// (a keep-alive client reconnecting, say) and whose request is on its
// way: taking the newest first lost such a GET in a CI run. A connection
// accepted but whose goroutine has not started yet waits for its first
// request too: without it, a burst of new connections (all not started)
// left only keep-alive ones to take, and a client's POST on one was lost.
// A keep-alive connection that answered its second or later request less
// than reuseGrace ago is not taken: its client sends request after
// request, and the next is likely on its way (where all the others were
// busy, taking the connections of such clients made them reconnect, and
// with no room then their new connections were closed: a GET and two
// POSTs lost in a CI run). One that has answered a single request is
// taken at once, as nginx would.
func (s *Server) reclaim() bool {
	var idle []*conn
	s.mu.Lock()
	// as many as nginx: an eighth of the connections, 1 to 32
	most := min(32, max(1, s.nconns/8))
	recent := nanotime() - int64(reuseGrace.get())
	for _, kept := range [2]bool{false, true} {
		for c := s.oldest; c != nil && len(idle) < most; c = c.sprev {
			if at := c.keptAt.Load(); c.reclaimable() && (at != 0) == kept && !spared(at, recent) {
				idle = append(idle, c)
			}
		}
		if len(idle) > 0 {
			break
		}
	}
	s.mu.Unlock()
	if len(idle) == 0 {
		return false
	}
	if now := time.Now().Unix(); s.lastWarn.Swap(now) != now {
		s.logf(logWarn, nil, "%d worker_connections are not enough, reusing connections", s.workerConns())
	}
	for _, c := range idle {
		if spared(c.keptAt.Load(), recent) {
			// it answered again since
			continue
		}
		if c.rc != nil && c.pending() {
			// its next request has started to arrive: closing now
			// would lose it
			continue
		}
		c.closeIdle()
	}
	return int(s.count.Load()) < s.MaxConns
}

// spared reports whether a connection whose keptAt is at is spared by a
// reclaim: a busy keep-alive one that answered after recent.
func spared(at, recent int64) bool { return at > 1 && at > recent }

// workerConns is the worker_connections the log lines name.
func (s *Server) workerConns() int {
	if s.WorkerConnections > 0 {
		return s.WorkerConnections
	}
	return s.MaxConns
}

func (s *Server) notEnough() {
	if now := time.Now().Unix(); s.lastAlert.Swap(now) != now {
		s.logf(logAlert, nil, "%d worker_connections are not enough", s.workerConns())
	}
}

func (s *Server) add(c *conn) {
	s.mu.Lock()
	if s.nconns == 0 {
		s.idleCh = make(chan struct{})
	}
	c.snext = s.conns
	if s.conns != nil {
		s.conns.sprev = c
	} else {
		s.oldest = c
	}
	s.conns = c
	c.listed = true
	s.nconns++
	s.count.Add(1)
	s.mu.Unlock()
	stats.handled.Add(1)
	stats.active.Add(1)
	c.setWaiting(true)
}

func (s *Server) remove(c *conn) {
	s.mu.Lock()
	if c.listed {
		c.listed = false
		if c.sprev != nil {
			c.sprev.snext = c.snext
		} else {
			s.conns = c.snext
		}
		if c.snext != nil {
			c.snext.sprev = c.sprev
		} else {
			s.oldest = c.sprev
		}
		c.sprev, c.snext = nil, nil
		s.nconns--
		s.count.Add(-1)
		stats.active.Add(-1)
		c.setWaiting(false)
		if s.nconns == 0 && s.idleCh != nil {
			close(s.idleCh)
			s.idleCh = nil
		}
	}
	s.mu.Unlock()
}

func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	all := make([]*conn, 0, s.nconns)
	for c := s.conns; c != nil; c = c.snext {
		all = append(all, c)
	}
	s.mu.Unlock()
	return all
}

// Drain starts a graceful stop (nginx's graceful shutdown of a worker):
// idle keep-alive connections are closed now unless request bytes are
// already pending on them, in which case that request is served first
// and answered with "Connection: close"; connections in a request finish
// it and then close. Listeners are the caller's to close.
func (s *Server) Drain() {
	s.draining.Store(true)
	for _, c := range s.snapshot() {
		c.drain()
	}
}

// Wait blocks until every connection has ended or ctx is done.
func (s *Server) Wait(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.nconns == 0 {
			s.mu.Unlock()
			return nil
		}
		ch := s.idleCh
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// CloseAll closes every connection at once (fast stop); connections
// accepted later are closed too.
func (s *Server) CloseAll() {
	s.closing.Store(true)
	s.draining.Store(true)
	for _, c := range s.snapshot() {
		c.abort()
	}
}

// Conns returns the number of open connections.
func (s *Server) Conns() int { return int(s.count.Load()) }

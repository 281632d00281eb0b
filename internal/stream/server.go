// Package stream is weir's stream module: TCP (and UDP) sessions proxied
// to upstream groups, as nginx's ngx_stream_core_module and
// ngx_stream_proxy_module do. The peers are picked by internal/upstream,
// the balancers the http proxy uses; the access log lines go through
// internal/accesslog and the error log lines through internal/errlog, in
// nginx's words.
package stream

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"weir/internal/accesslog"
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/limit"
	"weir/internal/upstream"
)

// Options are what the stream side needs from the rest of the server.
type Options struct {
	Version  string        // $nginx_version
	Hostname string        // $hostname
	NextID   func() uint64 // the process's connection counter ($connection, *N)
}

// Server serves the stream block of one configuration: it is to a
// generation what the http handler is. Sessions run on the configuration
// they started with; Wait lets them finish after a reload.
type Server struct {
	cfg  *config.Stream
	log  *errlog.Logger
	ups  *upstream.Set
	logs map[*config.AccessLog]*accesslog.Writer
	// syslog are the peers of access_log syslog: (one per directive)
	syslog map[*config.AccessLog]*errlog.SyslogPeer
	o      Options
	conns  []*limit.ConnZone     // limit_conn_zone's, by config.LimitZone.ID
	zones  map[string]*zoneStats // status_zone's (apistats.go)
	// errLogs are the servers' error_log loggers (a server without one
	// logs to log); opened lists each logger once
	errLogs map[*config.StreamServer]*errlog.Logger
	opened  []*errlog.Logger

	sessions sync.WaitGroup
	mu       sync.Mutex
	live     map[*session]struct{}
	closed   bool
}

// New builds the stream side of cfg: its upstream groups and its access
// logs (opened now, as nginx opens them when it reads the configuration).
func New(cfg *config.Stream, log *errlog.Logger, o Options) (*Server, error) {
	s := &Server{cfg: cfg, log: log, o: o, logs: map[*config.AccessLog]*accesslog.Writer{}, live: map[*session]struct{}{}}
	if o.NextID == nil {
		var mu sync.Mutex
		var n uint64
		s.o.NextID = func() uint64 { mu.Lock(); defer mu.Unlock(); n++; return n }
	}
	if err := s.openErrorLogs(); err != nil {
		return nil, err
	}
	for _, srv := range cfg.Servers {
		for _, al := range srv.AccessLogs {
			if _, ok := s.logs[al]; ok || s.syslog[al] != nil {
				continue
			}
			if al.Syslog != nil {
				if s.syslog == nil {
					s.syslog = map[*config.AccessLog]*errlog.SyslogPeer{}
				}
				s.syslog[al] = errlog.NewSyslogPeer(al.Syslog)
				continue
			}
			path, _ := al.Path.Static()
			w, err := accesslog.Open(path, int(al.Buffer), al.Flush, al.Gzip)
			if err != nil {
				s.closeLogs()
				return nil, err
			}
			s.logs[al] = w
		}
	}
	s.ups = upstream.NewSet(cfg.Upstreams, upstream.Options{Log: log})
	s.conns = newConnZones(cfg.LimitZones)
	s.zones = newZones(cfg.Servers)
	return s, nil
}

// openErrorLogs opens the servers' error_log, one logger for the
// servers that name the same ones.
func (s *Server) openErrorLogs() error {
	s.errLogs = map[*config.StreamServer]*errlog.Logger{}
	byKey := map[string]*errlog.Logger{}
	for _, srv := range s.cfg.Servers {
		if len(srv.ErrorLogs) == 0 {
			continue
		}
		var key strings.Builder
		for _, e := range srv.ErrorLogs {
			key.WriteString(e.Path + "\x00" + e.Level + "\x00")
		}
		lg := byKey[key.String()]
		if lg == nil {
			var err error
			if lg, err = errlog.New(config.Sinks(srv.ErrorLogs)); err != nil {
				s.closeLogs()
				return err
			}
			byKey[key.String()] = lg
			s.opened = append(s.opened, lg)
		}
		s.errLogs[srv] = lg
	}
	return nil
}

// Reopen reopens the servers' error logs (USR1).
func (s *Server) Reopen() error {
	return errlog.ReopenAll(s.opened)
}

func (s *Server) closeLogs() {
	for _, w := range s.logs {
		w.Close()
	}
	for _, l := range s.opened {
		l.Close()
	}
	for _, p := range s.syslog {
		p.Close()
	}
}

// Serve accepts TCP connections on ln for the listen l until ln is
// closed.
func (s *Server) Serve(ln net.Listener, l *config.StreamListen) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		ss := s.begin(c, l)
		if ss == nil {
			c.Close()
			continue
		}
		go ss.run()
	}
}

// begin registers a session, or returns nil once the server is closed.
func (s *Server) begin(c net.Conn, l *config.StreamListen) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	ss := newSession(s, c, l)
	s.live[ss] = struct{}{}
	s.sessions.Add(1)
	return ss
}

func (s *Server) end(ss *session) {
	s.mu.Lock()
	delete(s.live, ss)
	s.mu.Unlock()
	s.sessions.Done()
}

// Wait waits for the sessions in progress to end, or for ctx.
func (s *Server) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { s.sessions.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CloseAll ends every session at once (a fast stop, or the end of
// worker_shutdown_timeout).
func (s *Server) CloseAll() {
	s.mu.Lock()
	s.closed = true
	list := make([]*session, 0, len(s.live))
	for ss := range s.live {
		list = append(list, ss)
	}
	s.mu.Unlock()
	for _, ss := range list {
		ss.abort()
	}
}

// Close releases the groups and the access logs; the sessions must have
// ended.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.ups.Close()
	s.closeLogs()
}

func msec(d time.Duration) string {
	ms := d.Milliseconds()
	return fmt.Sprintf("%d.%03d", ms/1000, ms%1000)
}

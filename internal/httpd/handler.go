// Package httpd is weir's request pipeline: it selects the virtual server
// and location, runs the rewrite script, access checks, try_files, the
// content handlers (return, static files, index, autoindex), error_page and
// the access log, the way nginx's ngx_http_core_module phases do. It is the
// httpcore.Handler of the server.
package httpd

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/cache"
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/health"
	"weir/internal/httpcore"
	"weir/internal/upstream"
)

// Version is the nginx release whose behaviour weir follows.
const Version = "1.31.0"

// Name is what weir calls itself in Server headers and error pages.
const Name = "weir"

// Handler answers requests with the current configuration snapshot.
type Handler struct {
	snap atomic.Pointer[Snapshot]
	// Now is the clock, a field so tests can pin it.
	Now func() time.Time
}

var _ httpcore.Handler = (*Handler)(nil)

// Snapshot is one configuration together with what it opened (logs).
type Snapshot struct {
	Cfg      *config.Config
	Log      *errlog.Logger
	groups   map[string]*config.ListenGroup
	logs     *logSet
	hostname string
	ups      *upstream.Set // the upstream groups' runtime state (peers, pools)
	limits   *limitZones   // limit_req and limit_conn zones
	caches   map[string]*cache.Zone
	zones    *statusZones     // status_zone counters
	health   *health.Checkers // health_check
	stream   StreamState      // the stream block, for the API (nil: none)

	adhocMu   sync.Mutex // guards adhoc: groups of proxy_pass with variables
	adhoc     map[string]*upstream.Group
	adhocSets []*upstream.Set
}

// NewSnapshot prepares a configuration for serving: it opens the access
// logs. The error log is the caller's (it outlives snapshots that fail).
func NewSnapshot(cfg *config.Config, log *errlog.Logger) (*Snapshot, error) {
	s := &Snapshot{Cfg: cfg, Log: log, groups: map[string]*config.ListenGroup{}}
	s.hostname = hostname()
	if cfg.HTTP != nil {
		for _, g := range cfg.HTTP.Listens {
			s.groups[g.Addr] = g
		}
		ls, err := openLogs(cfg)
		if err != nil {
			return nil, err
		}
		s.logs = ls
		if s.limits, err = newLimitZones(cfg.HTTP.LimitZones); err != nil {
			ls.close()
			return nil, err
		}
		if s.caches, err = cache.Open(cfg.HTTP.CacheZones); err != nil {
			ls.close()
			return nil, err
		}
		s.ups = upstream.NewSet(cfg.HTTP.Upstreams, upstream.Options{Log: log})
	}
	s.adhoc = map[string]*upstream.Group{}
	s.zones = newStatusZones(cfg)
	s.setTLSLog()
	return s, nil
}

// Reopen reopens the error logs the snapshot opened for the http, server
// and location levels (log rotation on USR1).
func (s *Snapshot) Reopen() error {
	if s.logs == nil {
		return nil
	}
	return s.logs.reopen()
}

// Close releases what the snapshot opened.
func (s *Snapshot) Close() {
	if s.logs != nil {
		s.logs.close()
	}
	s.health.Stop()
	if s.ups != nil {
		s.ups.Close()
	}
	s.adhocMu.Lock()
	for _, set := range s.adhocSets {
		set.Close()
	}
	s.adhoc, s.adhocSets = nil, nil
	s.adhocMu.Unlock()
}

// New returns a handler serving snap.
func New(snap *Snapshot) *Handler {
	h := &Handler{Now: time.Now}
	h.snap.Store(snap)
	return h
}

// Swap installs a new snapshot and returns the old one; requests already
// running finish on the snapshot they started with.
func (h *Handler) Swap(s *Snapshot) *Snapshot { return h.snap.Swap(s) }

// Current returns the snapshot in use.
func (h *Handler) Current() *Snapshot { return h.snap.Load() }

// Settings returns the connection limits of the default server of the
// listening socket tagged tag (its address string).
func (h *Handler) Settings(tag any) *httpcore.Settings {
	s := h.snap.Load()
	g := s.groups[tag.(string)]
	st := &httpcore.Settings{
		HeaderTimeout: 60 * time.Second, HeaderBufferSize: 1024, LargeHeaderBuffers: 4,
		LargeHeaderBufSize: 8192, IgnoreInvalidHeaders: true, MergeSlashes: true,
		KeepaliveTimeout: 75 * time.Second,
	}
	if g == nil || len(g.Addrs) == 0 {
		return st
	}
	srv := g.Addrs[len(g.Addrs)-1].Default
	sc := srv.Srv
	st.HeaderTimeout = sc.ClientHeaderTimeout.V
	st.HeaderBufferSize = int(sc.ClientHeaderBufSize.V)
	st.LargeHeaderBuffers = int(sc.LargeHeaderBufNum.V)
	st.LargeHeaderBufSize = int(sc.LargeHeaderBufSize.V)
	st.MaxHeaders = int(sc.MaxHeaders.V)
	if st.MaxHeaders == 0 {
		st.MaxHeaders = -1 // no header at all is allowed
	}
	st.IgnoreInvalidHeaders = sc.IgnoreInvalidHeaders.V
	st.UnderscoresInHeaders = sc.UnderscoresInHeaders.V
	st.MergeSlashes = sc.MergeSlashes.V
	st.KeepaliveTimeout = srv.Loc.KeepaliveTimeout.V
	// per socket: the address conf of its default server (a wildcard
	// socket serving a specific address with another setting is not told
	// apart for plain connections; TLS ones are, by the server's wrapper)
	st.ProxyProtocol = g.Addrs[len(g.Addrs)-1].ProxyProtocol()
	h2 := &sc.HTTP2
	st.HTTP2 = h2.Enable.V || g.Addrs[len(g.Addrs)-1].HTTP2()
	st.HTTP2MaxStreams = int(h2.MaxStreams.V)
	st.HTTP2PrereadSize = int(h2.PrereadSize.V)
	return st
}

// addrConf picks the address configuration for a connection: the
// specific local address when the socket serves several, else the
// socket's own.
func (s *Snapshot) addrConf(tag any, local netip.AddrPort) *config.AddrConf {
	g := s.groups[tag.(string)]
	if g == nil {
		return nil
	}
	if len(g.Addrs) > 1 {
		for _, a := range g.Addrs[:len(g.Addrs)-1] {
			if a.AddrPort.Addr() == local.Addr().Unmap() {
				return a
			}
		}
	}
	return g.Addrs[len(g.Addrs)-1]
}

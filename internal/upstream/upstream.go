// Package upstream holds the runtime side of upstream groups: peers and
// their shared state (connections, failures), the balancers that pick a
// peer per request, and the keepalive pools of idle connections.
//
// The design follows nginx's split (ngx_http_upstream_round_robin.c and
// the balancer modules): data built once per configuration snapshot, a
// per-request Pick that carries the balancer's state and the tried set,
// peer state in one place under one lock per group, and one release
// path (round robin's free) shared by every balancer. Retries are owned
// by the caller, which asks Next again after Free.
package upstream

import (
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
)

// Options inject the clock and randomness, so that every balancer is
// deterministic under test. The zero value uses the real clock and a
// math/rand/v2 source.
type Options struct {
	Now  func() time.Time // nil = time.Now
	Rand func(n int) int  // nil = math/rand/v2; returns [0,n)
	// SweepInterval is how often idle keepalive connections are checked
	// for keepalive_timeout and for having been closed by the server;
	// 0 = one second.
	SweepInterval time.Duration
	// KeepaliveScale multiplies "keepalive N": nginx keeps N idle
	// connections in each worker process, weir is one process whose
	// workers are its GOMAXPROCS threads. 0 = GOMAXPROCS at start (procs.Max).
	KeepaliveScale int
	// Log is the error log of the resolvers of re-resolved servers
	// (resolve.go); nil = none.
	Log *errlog.Logger
}

// Set holds the runtime groups of one configuration snapshot. Peer state
// starts fresh with each Set, as nginx's does on reload.
type Set struct {
	groups map[*config.Upstream]*Group
	byName map[string]*Group
	list   []*Group

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once

	resolving resolving // the resolvers of "server ... resolve" (resolve.go)
}

// balancing methods, chosen once when the group is built.
type method uint8

const (
	methodRR method = iota
	methodIPHash
	methodHash
	methodCHash
	methodLeastConn
	methodRandom
	methodRandomTwo
	methodLeastTime
	methodHinted // a sticky hint found its peer (NextAt only)
)

// Group is the runtime form of one config.Upstream: its peers in two
// tiers (primary and backup), their state, the balancer's immutable data
// and the keepalive pool.
type Group struct {
	Name     string
	Upstream *config.Upstream

	method  method
	primary *tier
	backup  *tier // nil when the group has no backup servers
	points  []chashPoint
	maxTier int // the larger tier's size: the tried set's capacity

	now  func() time.Time
	rand func(n int) int

	// mu guards the state of every peer of the group (conns, fails,
	// weights, checked/accessed) and nothing else.
	mu sync.Mutex

	pool *pool // nil when keepalive is off

	dyn dynamic // the runtime API's state (groups with a zone)

	queue groupQueue
}

// tier is one list of peers: nginx's ngx_http_upstream_rr_peers_t.
type tier struct {
	peers       []*Peer
	totalWeight int // sum of weights, down peers included
	tries       int // peers not marked down
	single      bool
	ranges      []int // random: the weight before each peer
}

// Peer is one address of a server line. The configured fields are
// immutable; the state below them is guarded by the group's mutex.
type Peer struct {
	Name    string // $upstream_addr text: "127.0.0.1:8081", "unix:/run/app.sock"
	Network string // "tcp" or "unix"
	Addr    string // what to dial
	Server  *config.UpstreamServer

	Weight      int
	MaxFails    int
	FailTimeout time.Duration
	MaxConns    int
	Backup      bool
	Down        bool
	// ID, SID, Drain and the stats are the runtime API's and sticky's
	// (dynamic.go); in a group with a zone the API may change the
	// configured fields above, under the group's mutex.
	ID    int
	SID   string // route= or the MD5 of the address in hex
	Drain bool
	stats peerStats

	index       int   // position in its tier (the tried bit)
	tier        *tier // the tier it belongs to
	server      int   // identity of its server line's text (hash consistent)
	failTimeout int64 // seconds, as nginx keeps it

	// state, guarded by Group.mu
	currentWeight   int
	effectiveWeight int
	conns           int
	fails           int
	accessed        int64 // second of the last failure
	checked         int64 // second of the last check (failure, or first pick of a window)
	health          peerHealth
	lt              leastTime    // least_time's averages (leasttime.go)
	rhost           *resolveHost // the re-resolved server it came from, or nil
}

// PeerState is a consistent copy of a peer's counters, for status pages
// and tests.
type PeerState struct {
	Conns           int
	Fails           int
	CurrentWeight   int
	EffectiveWeight int
	Accessed        int64
	Checked         int64
}

// NewSet builds the runtime groups of ups. It starts the background
// sweep of idle keepalive connections when some group keeps them; the
// caller stops it with Close.
func NewSet(ups []*config.Upstream, o Options) *Set {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.IntN
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = time.Second
	}
	s := &Set{
		groups: make(map[*config.Upstream]*Group, len(ups)),
		byName: make(map[string]*Group),
	}
	pools := false
	for _, u := range ups {
		if u == nil {
			continue
		}
		g := newGroup(u, o)
		s.groups[u] = g
		s.list = append(s.list, g)
		if !u.Implicit {
			if _, dup := s.byName[u.Name]; !dup {
				s.byName[u.Name] = g
			}
		}
		if g.pool != nil {
			pools = true
		}
	}
	if pools {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.sweeper(o.SweepInterval)
	}
	s.startResolvers(o.Log)
	return s
}

// Group returns the group built for u, or nil when u was not in the Set.
func (s *Set) Group(u *config.Upstream) *Group {
	return s.groups[u]
}

// Lookup returns the explicit (upstream block) group called name, for a
// proxy_pass whose target has variables; nil when there is none.
func (s *Set) Lookup(name string) *Group {
	return s.byName[name]
}

// Groups returns the groups in configuration order.
func (s *Set) Groups() []*Group {
	return s.list
}

// Close stops the background sweep and closes every pooled idle
// connection. Connections handed out by Get stay the caller's; Put
// closes them from now on. Close is idempotent.
func (s *Set) Close() {
	s.closeOnce.Do(func() {
		s.stopResolvers()
		if s.stop != nil {
			close(s.stop)
			<-s.done
		}
		for _, g := range s.list {
			if g.pool != nil {
				g.pool.close()
			}
		}
	})
}

func newGroup(u *config.Upstream, o Options) *Group {
	g := &Group{
		Name:     u.Name,
		Upstream: u,
		now:      o.Now,
		rand:     o.Rand,
	}
	switch u.Method {
	case "ip_hash":
		g.method = methodIPHash
	case "hash":
		g.method = methodHash
		if u.Consistent {
			g.method = methodCHash
		}
	case "least_conn":
		g.method = methodLeastConn
	case "least_time":
		g.method = methodLeastTime
	case "random":
		g.method = methodRandom
		if u.RandomTwo {
			g.method = methodRandomTwo
		}
	}

	ids := make(map[string]int)
	g.primary = buildTier(u.Servers, false, ids)
	g.backup = buildTier(u.Servers, true, ids)
	if len(g.backup.peers) == 0 && !keepBackup(u) {
		g.backup = nil
	}
	g.derive()
	if u.Keepalive > 0 {
		g.pool = newPool(u, o.Now, o.KeepaliveScale)
	}
	g.initDynamic()
	return g
}

// derive makes the balancers' data from the tiers' peers.
func (g *Group) derive() {
	// ngx_http_upstream_init_round_robin: a lone primary address without
	// backups is "single" (no failure accounting).
	g.primary.single = len(g.primary.peers) == 1 && (g.backup == nil || len(g.backup.peers) == 0)
	g.maxTier = len(g.primary.peers)
	if g.backup != nil && len(g.backup.peers) > g.maxTier {
		g.maxTier = len(g.backup.peers)
	}
	switch g.method {
	case methodCHash:
		g.points = buildPoints(g.primary)
	case methodRandom, methodRandomTwo:
		g.primary.buildRanges()
	}
}

// buildTier makes the peers of the primary (backup false) or backup
// servers, one per address, in configuration order.
func buildTier(servers []*config.UpstreamServer, backup bool, ids map[string]int) *tier {
	t := &tier{}
	for _, sv := range servers {
		if sv == nil || sv.Backup != backup {
			continue
		}
		w := sv.Weight
		if w <= 0 {
			w = 1
		}
		id, ok := ids[serverText(sv)]
		if !ok {
			id = len(ids)
			ids[serverText(sv)] = id
		}
		for _, a := range sv.Addrs {
			p := &Peer{
				Name:            a.Name,
				Network:         a.Network,
				Addr:            a.Addr,
				Server:          sv,
				Weight:          w,
				MaxFails:        sv.MaxFails,
				FailTimeout:     sv.FailTimeout,
				MaxConns:        sv.MaxConns,
				Backup:          sv.Backup,
				Down:            sv.Down,
				Drain:           sv.Drain,
				SID:             peerSID(sv.Route, a.Name),
				index:           len(t.peers),
				tier:            t,
				server:          id,
				failTimeout:     int64(sv.FailTimeout / time.Second),
				effectiveWeight: w,
			}
			if p.Name == "" {
				p.Name = a.Addr
			}
			if p.Network == "" {
				p.Network = "tcp"
			}
			t.peers = append(t.peers, p)
			t.totalWeight += w
			if !sv.Down {
				t.tries++
			}
		}
	}
	return t
}

// serverText is the server line's address as nginx keeps it in
// peer->server: "unix:" marks a socket path.
func serverText(sv *config.UpstreamServer) string {
	if isUnix(sv) && !hasUnixPrefix(sv.Host) {
		return "unix:" + sv.Host
	}
	return sv.Host
}

func isUnix(sv *config.UpstreamServer) bool {
	if hasUnixPrefix(sv.Host) {
		return true
	}
	for _, a := range sv.Addrs {
		if a.Network == "unix" {
			return true
		}
	}
	return false
}

func hasUnixPrefix(s string) bool {
	return len(s) >= 5 && strings.EqualFold(s[:5], "unix:")
}

// Peers returns the primary peers followed by the backup peers.
func (g *Group) Peers() []*Peer {
	out := make([]*Peer, 0, g.size())
	out = append(out, g.primary.peers...)
	if g.backup != nil {
		out = append(out, g.backup.peers...)
	}
	return out
}

func (g *Group) size() int {
	n := len(g.primary.peers)
	if g.backup != nil {
		n += len(g.backup.peers)
	}
	return n
}

// State returns a copy of peer's counters, taken under the group's lock.
func (g *Group) State(p *Peer) PeerState {
	g.mu.Lock()
	defer g.mu.Unlock()
	return PeerState{
		Conns:           p.conns,
		Fails:           p.fails,
		CurrentWeight:   p.currentWeight,
		EffectiveWeight: p.effectiveWeight,
		Accessed:        p.accessed,
		Checked:         p.checked,
	}
}

// usable reports whether peer may be picked at second now: not down, not
// in a failure window, not at max_conns. The caller holds the group's
// lock and has checked the tried set.
func (p *Peer) usable(now int64) bool {
	if p.Down || p.Drain || p.health.down > 0 {
		return false
	}
	if p.MaxFails > 0 && p.fails >= p.MaxFails && now-p.checked <= p.failTimeout {
		return false
	}
	if p.MaxConns > 0 && p.conns >= p.MaxConns {
		return false
	}
	return true
}

// take records that peer was picked at second now: one more connection,
// and the first pick after a failure window starts a new check, so that
// exactly one request probes a disabled peer per window.
func (p *Peer) take(now int64) {
	p.conns++
	if now-p.checked > p.failTimeout {
		p.checked = now
	}
}

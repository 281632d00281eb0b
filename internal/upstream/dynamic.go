package upstream

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"time"

	"weir/internal/config"
)

// The runtime side of the commercial nginx's upstream API
// (ngx_http_api_module's /http/upstreams) and of nginx 1.29.6's sticky
// sessions: peer identifiers and statistics, a read-only Snapshot of the
// peers, and the changes the API makes to a group with a zone (add,
// change, remove a server), which the balancers see at the next pick.

// dynamic is a group's API state, guarded by Group.mu.
type dynamic struct {
	on     bool   // the group has a zone: the API may change it
	gen    uint64 // bumped by every change of the peer lists
	nextID int    // the ID the next added peer gets
	nextSv int    // the next server line identity (hash consistent)
}

// peerStats are a peer's counters for the API, guarded by Group.mu.
type peerStats struct {
	requests  int64
	responses [5]int64 // 1xx .. 5xx
	codes     map[int]int64
	sent      int64
	received  int64
	fails     int64
	unavail   int64
	selected  time.Time
	downstart time.Time // zero while the peer is up
	downtime  time.Duration
	headerSum time.Duration
	headerN   int64
	respSum   time.Duration
	respN     int64
	hc        hcStats // active health checks (apistats.go)
	connSum   time.Duration
	connN     int64
}

func (s *peerStats) picked(t time.Time) {
	s.requests++
	s.selected = t
}

func (s *peerStats) failed(disabled bool, t time.Time) {
	s.fails++
	if disabled {
		s.unavail++
		if s.downstart.IsZero() {
			s.downstart = t
		}
	}
}

func (s *peerStats) revived(t time.Time) {
	if !s.downstart.IsZero() {
		s.downtime += t.Sub(s.downstart)
		s.downstart = time.Time{}
	}
}

// peerSID is the peer's sticky identifier (ngx_http_upstream_rr's sid):
// the server's route= when given, else the MD5 of its address
// ("127.0.0.1:8081", "unix:/path") in lower-case hex.
func peerSID(route, name string) string {
	if route != "" {
		return route
	}
	sum := md5.Sum([]byte(name))
	return hex.EncodeToString(sum[:])
}

// initDynamic numbers the peers as the API shows them: primary peers in
// order, then the backup ones.
func (g *Group) initDynamic() {
	g.dyn.on = g.Upstream.Zone != ""
	id := 0
	for _, p := range g.Peers() {
		p.ID = id
		id++
		if p.server >= g.dyn.nextSv {
			g.dyn.nextSv = p.server + 1
		}
	}
	g.dyn.nextID = id
}

// Dynamic reports whether the API may change the group (it has a zone).
func (g *Group) Dynamic() bool { return g.dyn.on }

// SetHint asks the next picks of the request for the peer whose SID is
// sid (sticky's pc->hint): it is taken when usable, a draining peer
// included; otherwise the balancing method picks as usual.
func (p *Pick) SetHint(sid string) { p.hint = sid }

// SID returns the identifier of the peer the last Next picked.
func (p *Pick) SID() string { return p.sid }

// getByHint is ngx_http_upstream_get_rr_peer_by_sid: the untried peer of
// the current tier whose SID is the hint, if it may take the request.
// The caller holds the group's lock.
func (p *Pick) getByHint(now int64) *Peer {
	for i, peer := range p.t.peers {
		if peer.SID != p.hint || p.isTried(i) {
			continue
		}
		if peer.Down || peer.health.down > 0 || (peer.MaxFails > 0 && peer.fails >= peer.MaxFails && now-peer.checked <= peer.failTimeout) ||
			(peer.MaxConns > 0 && peer.conns >= peer.MaxConns) {
			return nil
		}
		p.setTried(i)
		peer.take(now)
		return peer
	}
	return nil
}

// resync starts the tried set again when the API changed the peer lists
// since the request began (nginx compares rrp->config). The caller holds
// the lock.
func (p *Pick) resync() {
	g := p.g
	if p.gen == g.dyn.gen {
		return
	}
	p.gen = g.dyn.gen
	p.tried = 0
	n := 0
	if g.maxTier > 64 {
		n = (g.maxTier - 64 + 63) / 64
	}
	if cap(p.triedMore) < n {
		p.triedMore = make([]uint64, n)
	} else {
		p.triedMore = p.triedMore[:n]
		clear(p.triedMore)
	}
}

// Account records the outcome of a request that peer answered: its
// status, the bytes sent to and received from it, and the times to its
// header and to the end of its response (-1 when unknown).
func (g *Group) Account(peer *Peer, status int, sent, received int64, header, response time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := &peer.stats
	s.account(sent, received, header, response)
	if status >= 100 && status < 600 {
		s.responses[status/100-1]++
		if s.codes == nil {
			s.codes = map[int]int64{}
		}
		s.codes[status]++
	}
	g.leastTimeAccount(peer, header, response)
}

// PeerInfo is a consistent copy of one peer: its settings, its state and
// its statistics, as the API reports them.
type PeerInfo struct {
	ID     int
	Server string // the server line's address as written
	Name   string // the peer's address
	ServerSettings

	// State is "up", "down", "draining" or "unavail" (max_fails reached
	// within fail_timeout).
	State     string
	Active    int
	Requests  int64
	Responses [5]int64
	Codes     map[int]int64
	Sent      int64
	Received  int64
	Fails     int64
	Unavail   int64
	Downtime  time.Duration
	Downstart time.Time // zero when up
	Selected  time.Time // zero when never
	// HeaderTime and ResponseTime are averages; -1 when none.
	HeaderTime   time.Duration
	ResponseTime time.Duration
	// ConnectTime is the stream proxy's average connect time (-1: none).
	ConnectTime time.Duration
	// Health are the active health checks' counters.
	Health HealthInfo
}

// Snapshot returns the group's peers, primary then backup, taken under
// the group's lock: the one read-only view of peer state for the API and
// status pages.
func (g *Group) Snapshot() []PeerInfo {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	peers := g.Peers()
	out := make([]PeerInfo, 0, len(peers))
	for _, p := range peers {
		s := &p.stats
		pi := PeerInfo{
			ID: p.ID, Server: serverText(p.Server), Name: p.Name, ServerSettings: p.settings(),
			State: "up", Active: p.conns, Requests: s.requests, Responses: s.responses,
			Sent: s.sent, Received: s.received, Fails: s.fails, Unavail: s.unavail,
			Downtime: s.downtime, Downstart: s.downstart, Selected: s.selected,
			HeaderTime: -1, ResponseTime: -1, ConnectTime: -1, Health: s.hc.info(),
		}
		if len(s.codes) > 0 {
			pi.Codes = make(map[int]int64, len(s.codes))
			for k, v := range s.codes {
				pi.Codes[k] = v
			}
		}
		switch {
		case p.Down:
			pi.State = "down"
		case p.health.down > 0 && p.health.checking:
			pi.State = "checking"
		case p.health.down > 0:
			pi.State = "unhealthy"
		case p.Drain:
			pi.State = "draining"
		case p.MaxFails > 0 && p.fails >= p.MaxFails && now.Unix()-p.checked <= p.failTimeout:
			pi.State = "unavail"
		}
		if !s.downstart.IsZero() {
			pi.Downtime += now.Sub(s.downstart)
		}
		if s.headerN > 0 {
			pi.HeaderTime = s.headerSum / time.Duration(s.headerN)
		}
		if s.respN > 0 {
			pi.ResponseTime = s.respSum / time.Duration(s.respN)
		}
		if s.connN > 0 {
			pi.ConnectTime = s.connSum / time.Duration(s.connN)
		}
		out = append(out, pi)
	}
	return out
}

// ResetStats clears the statistics of every peer (DELETE of an upstream
// in the API).
func (g *Group) ResetStats() {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	for _, p := range g.Peers() {
		// a peer that is down stays down: its downtime counts anew
		down := !p.stats.downstart.IsZero()
		p.stats = peerStats{}
		if down {
			p.stats.downstart = now
		}
	}
}

// Errors of the changes, for the API's error codes.
var (
	ErrStatic      = errors.New("upstream is static")
	ErrNoPeer      = errors.New("server not found")
	ErrNoBackup    = errors.New("upstream has no backup")
	ErrNotRemovble = errors.New("server not removable")
)

// ServerSettings are the settings the API may give a server.
type ServerSettings struct {
	Weight      int
	MaxConns    int
	MaxFails    int
	FailTimeout time.Duration
	SlowStart   time.Duration
	Route       string
	Backup      bool
	Down        bool
	Drain       bool
}

// Settings returns the settings of peer id, for a PATCH to start from.
func (g *Group) Settings(id int) (ServerSettings, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.peerByID(id)
	if p == nil {
		return ServerSettings{}, ErrNoPeer
	}
	return p.settings(), nil
}

// settings are p's settings as the API shows and changes them (the
// group's lock held).
func (p *Peer) settings() ServerSettings {
	return ServerSettings{
		Weight: p.Weight, MaxConns: p.MaxConns, MaxFails: p.MaxFails, FailTimeout: p.FailTimeout,
		SlowStart: p.Server.SlowStart, Route: p.Server.Route, Backup: p.Backup, Down: p.Down, Drain: p.Drain,
	}
}

func (g *Group) peerByID(id int) *Peer {
	for _, p := range g.Peers() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// AddServer adds one peer per address of host with settings st, at the
// end of its tier, and returns their IDs.
func (g *Group) AddServer(host string, addrs []config.UpstreamAddr, st ServerSettings) ([]int, error) {
	if !g.dyn.on {
		return nil, ErrStatic
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.primary
	if st.Backup {
		if g.backup == nil {
			return nil, ErrNoBackup
		}
		t = g.backup
	}
	sv := &config.UpstreamServer{Host: host, Addrs: addrs}
	applySettings(sv, st)
	var ids []int
	for _, a := range addrs {
		ids = append(ids, g.addPeer(t, sv, a, st, g.dyn.nextSv).ID)
	}
	g.dyn.nextSv++
	g.changed()
	return ids, nil
}

// addPeer puts a new peer of server line sv at address a at the end of
// tier t, with its own ID; server is its server line's identity. The
// caller holds the lock and calls changed.
func (g *Group) addPeer(t *tier, sv *config.UpstreamServer, a config.UpstreamAddr, st ServerSettings, server int) *Peer {
	p := &Peer{
		Name: a.Name, Network: a.Network, Addr: a.Addr, Server: sv,
		tier: t, server: server, ID: g.dyn.nextID,
	}
	if p.Network == "" {
		p.Network = "tcp"
	}
	if p.Name == "" {
		p.Name = a.Addr
	}
	g.dyn.nextID++
	p.set(st)
	p.effectiveWeight = p.Weight
	// a new slice: readers may hold the old one
	t.peers = append(t.peers[:len(t.peers):len(t.peers)], p)
	return p
}

// ChangeServer applies st to peer id (backup cannot change).
func (g *Group) ChangeServer(id int, st ServerSettings) error {
	return g.change(id, func(p *Peer) {
		sv := *p.Server
		applySettings(&sv, st)
		p.Server = &sv
		w := p.Weight
		p.set(st)
		if p.Weight != w {
			p.effectiveWeight = p.Weight
			p.currentWeight = 0
		}
	})
}

// change runs f on peer id under the group's lock, then makes the
// balancers' data again.
func (g *Group) change(id int, f func(p *Peer)) error {
	if !g.dyn.on {
		return ErrStatic
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.peerByID(id)
	if p == nil {
		return ErrNoPeer
	}
	f(p)
	g.changed()
	return nil
}

// RemoveServer takes peer id out of its tier; requests that hold it
// finish with it.
func (g *Group) RemoveServer(id int) error {
	return g.change(id, removePeer)
}

// removePeer takes p out of its tier (a new slice: readers may hold the
// old one); the caller holds the lock and calls changed.
func removePeer(p *Peer) {
	t := p.tier
	peers := make([]*Peer, 0, len(t.peers))
	for _, o := range t.peers {
		if o != p {
			peers = append(peers, o)
		}
	}
	t.peers = peers
}

func applySettings(sv *config.UpstreamServer, st ServerSettings) {
	sv.Weight, sv.MaxConns, sv.MaxFails, sv.FailTimeout = st.Weight, st.MaxConns, st.MaxFails, st.FailTimeout
	sv.Route, sv.Backup, sv.Down, sv.Drain, sv.SlowStart = st.Route, st.Backup, st.Down, st.Drain, st.SlowStart
}

// set gives the peer the settings; the caller holds the lock.
func (p *Peer) set(st ServerSettings) {
	p.Weight = max(st.Weight, 1)
	p.MaxConns, p.MaxFails = st.MaxConns, st.MaxFails
	p.FailTimeout, p.failTimeout = st.FailTimeout, int64(st.FailTimeout/time.Second)
	p.Backup, p.Down, p.Drain = st.Backup, st.Down, st.Drain
	p.SID = peerSID(st.Route, p.Name)
}

// changed makes the balancers' data again after a change of the peers:
// indexes, totals, the single flag, the tried sets' capacity, the random
// ranges and the consistent hash ring. The caller holds the lock.
func (g *Group) changed() {
	for _, t := range []*tier{g.primary, g.backup} {
		if t == nil {
			continue
		}
		t.totalWeight, t.tries = 0, 0
		for i, p := range t.peers {
			p.index = i
			t.totalWeight += p.Weight
			if !p.Down {
				t.tries++
			}
		}
	}
	g.derive()
	g.dyn.gen++
}

// IdleTotal returns the number of idle keepalive connections of the
// group, under every key (the API's "keepalive").
func (g *Group) IdleTotal() int {
	p := g.pool
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lists {
		n += l.n
	}
	return n
}

package upstream

import (
	"errors"
	"net/netip"
	"time"
)

// ErrNoLive is returned by Next when no peer of the group is usable
// (nginx: "no live upstreams while connecting to upstream"; the request
// gets 502 and $upstream_addr holds the group's name).
var ErrNoLive = errors.New("no live upstreams")

// State is the outcome of one attempt, given to Free.
type State int

const (
	// StateOK: the peer answered and its response is used.
	StateOK State = iota
	// StateFailed: a connection error, a timeout, an invalid header, or a
	// status listed in proxy_next_upstream other than 403 and 404
	// (NGX_PEER_FAILED). It counts towards max_fails.
	StateFailed
	// StateNext: a 403 or 404 moved the request to the next peer
	// (NGX_PEER_NEXT). It is not a failure; round robin's free treats
	// it as it treats success, so a peer picked after its failure window
	// is marked live again (ngx_http_upstream_free_round_robin_peer tests
	// only the NGX_PEER_FAILED bit). The keepalive pool may keep the
	// connection.
	StateNext
)

// Input is what a balancer needs from the request.
type Input struct {
	// Client is the client's address, for ip_hash; the zero Addr for
	// clients on unix sockets. IPv4-mapped IPv6 addresses are hashed as
	// IPv4.
	Client netip.Addr
	// Key is the evaluated key of "hash $key".
	Key string
}

// Pick is the balancer's per-request state: nginx's peer.data with its
// tried set, and u->peer.tries. One Pick serves one request at a time and
// can be reused (Begin resets it); it allocates nothing for groups of up
// to 64 peers per tier. A Pick must not be copied after Begin.
type Pick struct {
	g       *Group
	t       *tier // the tier being picked from: primary, then backup
	tries   int
	current *Peer

	tried     uint64   // tried bits of peers 0..63 of the current tier
	triedMore []uint64 // tried bits of peers 64.. (large groups only)

	// balancer state
	key     string
	addr    [16]byte
	addrLen int
	hash    uint64 // ip_hash: running hash; hash: running sum; consistent: point index
	rehash  int    // hash: the round, prefixed to the key from the second on
	btries  int    // the balancer's own tries, capped at 20 before round robin

	hint string // sticky: the server identifier asked for (SetHint)
	sid  string // sticky: the picked peer's identifier (SID)
	gen  uint64 // the group's generation the tried set is for (dynamic.go)

	inflight bool  // least_time inflight: the pick counts as running
	pickedMs int64 // least_time: the millisecond of the pick
}

// maxHashTries is the number of rounds hash-like balancers try before
// falling back to round robin (the "20" of nginx's balancer modules).
const maxHashTries = 20

// Begin starts a request on g: nginx's peer.init
// (ngx_http_upstream_init_round_robin_peer and the balancer's init_peer).
func (g *Group) Begin(p *Pick, in Input) {
	if g.dyn.on {
		g.mu.Lock()
		defer g.mu.Unlock()
		p.gen = g.dyn.gen
	}
	p.hint, p.sid = "", ""
	p.inflight = false
	p.g = g
	p.t = g.primary
	p.current = nil
	p.tries = g.primary.tries
	if g.backup != nil {
		p.tries += g.backup.tries
	}
	p.tried = 0
	if g.maxTier > 64 {
		n := (g.maxTier - 64 + 63) / 64
		if cap(p.triedMore) < n {
			p.triedMore = make([]uint64, n)
		} else {
			p.triedMore = p.triedMore[:n]
			clear(p.triedMore)
		}
	} else {
		p.triedMore = p.triedMore[:0]
	}
	p.key = in.Key
	p.hash = 0
	p.rehash = 0
	p.btries = 0
	p.addrLen = 0

	switch g.method {
	case methodIPHash:
		// ngx_http_upstream_init_ip_hash_peer: three bytes of an IPv4
		// address, sixteen of an IPv6 one, three zero bytes otherwise.
		p.hash = 89
		a := in.Client.Unmap()
		switch {
		case a.Is4():
			b := a.As4()
			copy(p.addr[:], b[:3])
			p.addrLen = 3
		case a.Is6():
			p.addr = a.As16()
			p.addrLen = 16
		default:
			p.addr = [16]byte{}
			p.addrLen = 3
		}
	case methodCHash:
		// ngx_http_upstream_init_chash_peer
		if len(g.points) > 0 {
			p.hash = uint64(findPoint(g.points, crc32Update(0, in.Key)))
		}
	}
}

// Group returns the group the Pick was begun on.
func (p *Pick) Group() *Group { return p.g }

// Tries returns the attempts left: nginx's u->peer.tries, at first the
// number of primary and backup peers not marked down. Free lowers it by
// one, and to zero for a group of a single peer. The caller applies
// proxy_next_upstream_tries on top.
func (p *Pick) Tries() int { return p.tries }

// Next picks the next peer and counts a connection to it until Free.
// When the primary tier has nothing usable it switches to the backup
// tier for the rest of the request. It returns ErrNoLive when nothing is
// usable.
func (p *Pick) Next() (*Peer, error) { return p.NextAt(p.g.now()) }

// NextAt is Next at a time the caller has just read.
func (p *Pick) NextAt(t time.Time) (*Peer, error) {
	g := p.g
	now := t.Unix()
	g.mu.Lock()
	var peer *Peer
	if g.dyn.on {
		p.resync()
	}
	m := g.method
	if p.hint != "" {
		if peer = p.getByHint(now); peer != nil {
			m = methodHinted
		}
	}
	switch m {
	case methodHinted:
	case methodIPHash:
		peer = p.getIPHash(now)
	case methodHash:
		peer = p.getHash(now)
	case methodCHash:
		peer = p.getCHash(now)
	case methodLeastConn:
		peer = p.getLeastConn(now)
	case methodRandom:
		peer = p.getRandom(now)
	case methodRandomTwo:
		peer = p.getRandomTwo(now)
	case methodLeastTime:
		peer = p.getLeastTime(t)
		p.pickedMs = t.UnixMilli()
	default:
		peer = p.getRR(now)
	}
	if peer != nil {
		p.sid = peer.SID
		peer.stats.picked(t)
	}
	g.mu.Unlock()
	if peer == nil {
		return nil, ErrNoLive
	}
	p.current = peer
	return peer, nil
}

// Free releases peer after an attempt with outcome st: the connection
// count drops and failures are accounted as
// ngx_http_upstream_free_round_robin_peer does, for every balancer.
// It reports whether peer has now reached max_fails, when the caller
// logs "upstream server temporarily disabled".
func (p *Pick) Free(peer *Peer, st State) (disabled bool) {
	if peer == nil {
		return false
	}
	g := p.g
	if g.dyn.on {
		// the API may make the group single or not
		g.mu.Lock()
		single := peer.tier.single
		g.mu.Unlock()
		if single {
			return p.freeSingle(peer)
		}
	} else if peer.tier.single {
		return p.freeSingle(peer)
	}
	t := g.now()
	now := t.Unix()
	g.mu.Lock()
	p.freeLeastTime(peer, t.UnixMilli())
	if st == StateFailed {
		peer.fails++
		peer.accessed = now
		peer.checked = now
		if peer.MaxFails > 0 {
			peer.effectiveWeight -= peer.Weight / peer.MaxFails
			disabled = peer.fails >= peer.MaxFails
		}
		if peer.effectiveWeight < 0 {
			peer.effectiveWeight = 0
		}
		peer.stats.failed(disabled, t)
	} else if peer.accessed < peer.checked {
		// the peer was picked after its last failure: it is live again
		if peer.MaxFails > 0 && peer.fails >= peer.MaxFails {
			g.recovered(peer)
		}
		peer.fails = 0
		peer.stats.revived(t)
	}
	peer.conns--
	g.mu.Unlock()
	g.signal()
	if p.tries > 0 {
		p.tries--
	}
	p.current = nil
	return disabled
}

// freeSingle is Free for the lone peer of a single group: no failure
// accounting, and no other try.
func (p *Pick) freeSingle(peer *Peer) bool {
	p.g.mu.Lock()
	peer.conns--
	p.g.mu.Unlock()
	p.g.signal()
	p.tries = 0
	p.current = nil
	return false
}

// isTried reports whether peer i of the current tier was tried.
func (p *Pick) isTried(i int) bool {
	if i < 64 {
		return p.tried&(1<<uint(i)) != 0
	}
	i -= 64
	return p.triedMore[i>>6]&(1<<uint(i&63)) != 0
}

func (p *Pick) setTried(i int) {
	if i < 64 {
		p.tried |= 1 << uint(i)
		return
	}
	i -= 64
	p.triedMore[i>>6] |= 1 << uint(i&63)
}

// switchTier moves the request to the backup tier with a fresh tried
// set; it reports false when there is none or the request is already
// on it.
func (p *Pick) switchTier() bool {
	if p.t != p.g.primary || p.g.backup == nil {
		return false
	}
	p.t = p.g.backup
	p.tried = 0
	clear(p.triedMore)
	return true
}

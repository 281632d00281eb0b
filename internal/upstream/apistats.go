package upstream

import "time"

// The counters of the commercial nginx's API that the http proxy's
// Account does not fill: the active health checks' (checks, fails,
// unhealthy, last_passed, and the "checking" state of a peer that a
// mandatory check holds until its first result) and the stream proxy's
// connections (bytes and the connect, first byte and session times).

// hcStats are a peer's health check counters, guarded by Group.mu.
type hcStats struct {
	checks, fails, unhealthy int64
	last                     int8 // 0: no check yet, 1: passed, -1: failed
}

// HealthInfo is the API's health_checks object of a peer.
type HealthInfo struct {
	Checks, Fails, Unhealthy int64
	// LastPassed is whether the last check passed; Checked is false
	// before the first check (nginx leaves last_passed out then).
	LastPassed, Checked bool
}

func (h hcStats) info() HealthInfo {
	return HealthInfo{Checks: h.checks, Fails: h.fails, Unhealthy: h.unhealthy, LastPassed: h.last > 0, Checked: h.last != 0}
}

// SetChecking holds peer out of balancing until its first check
// decides (a mandatory health_check): the state "checking".
func (g *Group) SetChecking(peer *Peer) {
	now := g.now()
	g.mu.Lock()
	peer.health.checking = true
	if peer.stats.downstart.IsZero() {
		peer.stats.downstart = now
	}
	g.mu.Unlock()
	g.SetCheckDown(peer, true)
}

// HealthChecked counts one health check of peer: passed or not, and
// whether it made the peer unhealthy. A peer that was "checking" is
// from now on either up or unhealthy. The time a peer is held unhealthy
// counts in its downtime.
func (g *Group) HealthChecked(peer *Peer, passed, turnedUnhealthy bool) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	h := &peer.stats.hc
	h.checks++
	h.last = 1
	if !passed {
		h.fails++
		h.last = -1
	}
	if turnedUnhealthy {
		h.unhealthy++
	}
	peer.health.checking = false
	s := &peer.stats
	switch {
	case peer.health.down > 0 && s.downstart.IsZero():
		s.downstart = now
	case peer.health.down == 0 && passed:
		s.revived(now)
	}
}

// AccountStream records a stream session that peer served: the bytes
// sent to and received from it, the time to connect, to its first byte
// and of the whole session (-1 when unknown).
func (g *Group) AccountStream(peer *Peer, sent, received int64, connect, firstByte, session time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := &peer.stats
	s.account(sent, received, firstByte, session)
	if connect >= 0 {
		s.connSum += connect
		s.connN++
	}
}

// account adds the bytes and the times (-1: unknown) of one answer: to
// the header (or first byte) and to its end.
func (s *peerStats) account(sent, received int64, header, response time.Duration) {
	s.sent += sent
	s.received += received
	if header >= 0 {
		s.headerSum += header
		s.headerN++
	}
	if response >= 0 {
		s.respSum += response
		s.respN++
	}
}

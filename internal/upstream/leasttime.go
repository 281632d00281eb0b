package upstream

import "time"

// least_time (nginx 1.31.0, ngx_http_upstream_least_time_module): the
// usable peer with the least estimated time to finish its requests, its
// average time to the response header (header) or to the last byte
// (last_byte) times one more than its connections, per unit of weight;
// among equals, smooth weighted round robin. With inflight, the requests
// still running count too.

// leastTime is a peer's least_time state, guarded by Group.mu; times in
// milliseconds.
type leastTime struct {
	header   int64 // average time to the response header
	response int64 // average time to the last byte

	inflight        int   // requests picked and not finished (inflight)
	inflightLast    int64 // time the running requests have spent, at inflightChanged
	inflightChanged int64 // millisecond of the last change of inflight
	inflightTime    int64 // average time of the running requests
}

// rtAverage folds the time of one more response into an average: the
// first sets it, the next ones move it by a tenth of their difference.
func rtAverage(avg *int64, last int64) {
	if *avg == 0 {
		*avg = last
		return
	}
	*avg = (*avg*9 + last) / 10
}

func (p *Pick) getLeastTime(t time.Time) *Peer {
	now := t.Unix()
	if p.t.single {
		return p.getRR(now)
	}
	ms := t.UnixMilli()
	for range 2 {
		if peer := p.leastTime(now, ms); peer != nil {
			return peer
		}
		if !p.switchTier() {
			return nil
		}
	}
	return nil
}

func (p *Pick) leastTime(now, ms int64) *Peer {
	g := p.g
	var best *Peer
	var bestETA int64
	many := false
	for i, peer := range p.t.peers {
		if p.isTried(i) || !peer.usable(now) {
			continue
		}
		if lt := &peer.lt; lt.inflight > 0 {
			rtAverage(&lt.inflightTime, lt.inflightLast/int64(lt.inflight)+ms-lt.inflightChanged)
		}
		eta := g.eta(peer, now)
		if best == nil || eta*int64(best.Weight) < bestETA*int64(peer.Weight) {
			best, bestETA, many = peer, eta, false
		} else if eta*int64(best.Weight) == bestETA*int64(peer.Weight) {
			many = true
		}
	}
	if best == nil {
		return nil
	}
	if many {
		first, firstETA := best, bestETA
		best = p.roundRobinAmong(first, now, func(peer *Peer) bool {
			return g.eta(peer, now)*int64(first.Weight) == firstETA*int64(peer.Weight)
		})
	}
	if g.Upstream.LeastTimeInflight {
		lt := &best.lt
		if lt.inflight > 0 {
			lt.inflightLast += (ms - lt.inflightChanged) * int64(lt.inflight)
		}
		lt.inflightChanged = ms
		lt.inflight++
		p.inflight = true
	}
	if now-best.checked > best.failTimeout {
		best.checked = now
	}
	best.conns++
	p.setTried(best.index)
	return best
}

// eta is ngx_http_upstream_least_time_eta. The caller holds the lock.
func (g *Group) eta(peer *Peer, now int64) int64 {
	rt := peer.lt.response
	if g.Upstream.LeastTime == "header" {
		rt = peer.lt.header
	}
	if now-peer.checked > peer.failTimeout {
		// once a fail_timeout, halve a peer's time to give slow peers
		// a chance again
		shift := (now - peer.checked) / (peer.failTimeout + 1)
		if shift < 64 {
			rt >>= uint(shift)
		} else {
			rt = 0
		}
	}
	if peer.lt.inflight > 0 {
		rt = max(rt, peer.lt.inflightTime)
	}
	if rt > 5000 {
		// equally slow: least_conn decides
		rt = 5000
	} else {
		// clusters of 20 ms, balanced in turn
		rt += 20 - rt%20
	}
	return rt * int64(1+peer.conns)
}

// inflightDone is ngx_http_upstream_least_time_inflight_done: a request
// of peer that took last ms is no longer running. The caller holds the
// lock.
func (g *Group) inflightDone(peer *Peer, ms, last int64) {
	lt := &peer.lt
	if lt.inflight <= 0 {
		return
	}
	if lt.inflight == 1 {
		lt.inflightLast = 0
	} else {
		lt.inflightLast += (ms-lt.inflightChanged)*int64(lt.inflight) - last
		lt.inflightChanged = ms
	}
	lt.inflight--
}

// HeaderTime tells the balancer that the response header of the peer the
// last Next picked came after d: least_time header with inflight takes
// its average then (nginx's peer.notify); other methods ignore it.
func (p *Pick) HeaderTime(d time.Duration) {
	g := p.g
	if g == nil || g.method != methodLeastTime || !p.inflight || g.Upstream.LeastTime != "header" || p.current == nil {
		return
	}
	g.mu.Lock()
	rtAverage(&p.current.lt.header, d.Milliseconds())
	g.inflightDone(p.current, g.now().UnixMilli(), d.Milliseconds())
	p.inflight = false
	g.mu.Unlock()
}

// freeLeastTime ends the running request least_time counts (the caller
// holds the lock).
func (p *Pick) freeLeastTime(peer *Peer, ms int64) {
	if p.inflight {
		p.g.inflightDone(peer, ms, ms-p.pickedMs)
		p.inflight = false
	}
}

// leastTimeAccount folds a successful response's times into the peer's
// averages (ngx_http_upstream_free_least_time_peer); the caller holds the
// lock.
func (g *Group) leastTimeAccount(peer *Peer, header, response time.Duration) {
	if g.method != methodLeastTime || header < 0 || response < 0 {
		return
	}
	rtAverage(&peer.lt.response, response.Milliseconds())
	if g.Upstream.LeastTimeInflight && g.Upstream.LeastTime == "header" {
		return // taken at the header
	}
	rtAverage(&peer.lt.header, header.Milliseconds())
}

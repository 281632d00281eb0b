package upstream

// getLeastConn is ngx_http_upstream_get_least_conn_peer: the usable peer
// with the fewest connections per unit of weight (a.conns*b.weight <
// b.conns*a.weight); among equals, smooth weighted round robin. A single
// group goes to round robin; when the tier has nothing usable, the
// backup tier for the rest of the request. The loop runs at most once
// per tier.
func (p *Pick) getLeastConn(now int64) *Peer {
	if p.t.single {
		return p.getRR(now)
	}
	for range 2 {
		if peer := p.leastConn(now); peer != nil {
			return peer
		}
		if !p.switchTier() {
			return nil
		}
	}
	return nil
}

func (p *Pick) leastConn(now int64) *Peer {
	peers := p.t.peers
	var best *Peer
	many := false
	for i, peer := range peers {
		if p.isTried(i) || !peer.usable(now) {
			continue
		}
		if best == nil || peer.conns*best.Weight < best.conns*peer.Weight {
			best = peer
			many = false
		} else if peer.conns*best.Weight == best.conns*peer.Weight {
			many = true
		}
	}
	if best == nil {
		return nil
	}
	if many {
		first := best
		best = p.roundRobinAmong(first, now, func(peer *Peer) bool {
			return peer.conns*first.Weight == first.conns*peer.Weight
		})
	}
	if now-best.checked > best.failTimeout {
		best.checked = now
	}
	best.conns++
	p.setTried(best.index)
	return best
}

// roundRobinAmong is smooth weighted round robin among the untried usable
// peers from first on that equal it by same (least_conn's and
// least_time's "many"); the caller holds the lock.
func (p *Pick) roundRobinAmong(first *Peer, now int64, same func(*Peer) bool) *Peer {
	best, total := first, 0
	for _, peer := range p.t.peers[first.index:] {
		if p.isTried(peer.index) || !peer.usable(now) || !same(peer) {
			continue
		}
		total += p.g.weigh(peer)
		if peer.currentWeight > best.currentWeight {
			best = peer
		}
	}
	best.currentWeight -= total
	return best
}

package upstream

// buildRanges is ngx_http_upstream_update_random: for each peer, the sum
// of the weights before it (down peers included), so that a random
// number below the total weight falls in one peer's range.
func (t *tier) buildRanges() {
	t.ranges = make([]int, len(t.peers))
	total := 0
	for i, peer := range t.peers {
		t.ranges[i] = total
		total += peer.Weight
	}
}

// peekRandom is ngx_http_upstream_peek_random_peer: a peer index drawn
// with probability proportional to its weight.
func (p *Pick) peekRandom() int {
	t := p.t
	x := p.g.rand(t.totalWeight)
	i, j := 0, len(t.peers)
	for j-i > 1 {
		k := (i + j) / 2
		if x < t.ranges[k] {
			j = k
		} else {
			i = k
		}
	}
	return i
}

// getRandom is ngx_http_upstream_get_random_peer: weighted random draws
// until a usable, untried peer comes up; fewer than two peers or more
// than 20 draws fall back to round robin.
func (p *Pick) getRandom(now int64) *Peer {
	t := p.t
	if p.btries > maxHashTries || len(t.peers) < 2 || t.ranges == nil {
		return p.getRR(now)
	}
	for p.btries <= maxHashTries {
		i := p.peekRandom()
		if peer := t.peers[i]; !p.isTried(i) && peer.usable(now) {
			peer.take(now)
			p.setTried(i)
			return peer
		}
		p.btries++
	}
	return p.getRR(now)
}

// getRandomTwo is ngx_http_upstream_get_random2_peer ("random two
// least_conn"): two distinct usable peers drawn as getRandom does, and
// the one with fewer connections per unit of weight (the second drawn
// on a tie). More than 20 draws, or fewer than two peers, fall back to round
// robin.
func (p *Pick) getRandomTwo(now int64) *Peer {
	t := p.t
	if p.btries > maxHashTries || len(t.peers) < 2 || t.ranges == nil {
		return p.getRR(now)
	}
	var prev *Peer
	for p.btries <= maxHashTries {
		i := p.peekRandom()
		peer := t.peers[i]
		if peer != prev && !p.isTried(i) && peer.usable(now) {
			if prev != nil {
				if peer.conns*prev.Weight > prev.conns*peer.Weight {
					peer = prev
				}
				peer.take(now)
				p.setTried(peer.index)
				return peer
			}
			prev = peer
		}
		p.btries++
	}
	return p.getRR(now)
}

package upstream

// getRR is ngx_http_upstream_get_round_robin_peer: the lone peer of a
// single group (only down and max_conns are checked), else smooth
// weighted round robin over the current tier; when that tier has nothing
// usable, the backup tier for the rest of the request. The caller holds
// the group's lock. The loop runs at most once per tier.
func (p *Pick) getRR(now int64) *Peer {
	for range 2 {
		t := p.t
		if t.single {
			peer := t.peers[0]
			if !peer.Down && !peer.Drain && peer.health.down == 0 && (peer.MaxConns == 0 || peer.conns < peer.MaxConns) {
				peer.conns++
				return peer
			}
		} else if peer := p.getPeer(now); peer != nil {
			peer.conns++
			return peer
		}
		if !p.switchTier() {
			return nil
		}
	}
	return nil
}

// getPeer is ngx_http_upstream_get_peer, smooth weighted round robin:
// every usable peer gains its effective weight, the one with the highest
// current weight wins (ties go to the earlier peer) and loses the total.
// Effective weight, lowered by failures, climbs back by one per round.
func (p *Pick) getPeer(now int64) *Peer {
	var best *Peer
	total := 0
	for i, peer := range p.t.peers {
		if p.isTried(i) || !peer.usable(now) {
			continue
		}
		total += p.g.weigh(peer)
		if best == nil || peer.currentWeight > best.currentWeight {
			best = peer
		}
	}
	if best == nil {
		return nil
	}
	p.setTried(best.index)
	best.currentWeight -= total
	if now-best.checked > best.failTimeout {
		best.checked = now
	}
	return best
}

// weigh is one round of smooth weighted round robin for peer: its
// current weight grows by its effective weight (slow start's part of it),
// which is returned, and a lowered effective weight climbs back by one.
// The caller holds the lock.
func (g *Group) weigh(peer *Peer) int {
	ew := g.slowWeight(peer, peer.effectiveWeight)
	peer.currentWeight += ew
	if peer.effectiveWeight < peer.Weight {
		peer.effectiveWeight++
	}
	return ew
}

package upstream

// getIPHash is ngx_http_upstream_get_ip_hash_peer. The hash goes on from
// where the previous attempt of the request left it, and walks the
// weights of all primary peers, down ones included, so that marking a
// server down remaps only its own clients. Fewer than two peers, or more
// than 20 rounds without a usable peer, fall back to round robin.
func (p *Pick) getIPHash(now int64) *Peer {
	t := p.t
	if len(t.peers) < 2 {
		return p.getRR(now)
	}
	hash := p.hash
	for p.btries <= maxHashTries {
		for _, b := range p.addr[:p.addrLen] {
			hash = (hash*113 + uint64(b)) % 6271
		}
		i := t.walk(hash)
		if peer := t.peers[i]; !p.isTried(i) && peer.usable(now) {
			peer.take(now)
			p.setTried(i)
			p.hash = hash
			return peer
		}
		p.btries++
	}
	return p.getRR(now)
}

// walk maps a hash to a peer index: hash modulo the total weight, then
// the peers in order, each covering as many values as its weight.
func (t *tier) walk(hash uint64) int {
	w := int(hash % uint64(t.totalWeight))
	i := 0
	for w >= t.peers[i].Weight {
		w -= t.peers[i].Weight
		i++
	}
	return i
}

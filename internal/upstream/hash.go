package upstream

import (
	"hash/crc32"
	"slices"
	"strconv"
)

// getHash is ngx_http_upstream_get_hash_peer ("hash $key"). Each round
// adds ((crc32(R key) >> 16) & 0x7fff) to a running sum, where R is the
// decimal round number from the second round on (compatible with
// Cache::Memcached), and walks the weights as ip_hash does. An empty
// key, fewer than two peers or more than 20 rounds fall back to round
// robin.
func (p *Pick) getHash(now int64) *Peer {
	t := p.t
	if p.btries > maxHashTries || len(t.peers) < 2 || p.key == "" {
		return p.getRR(now)
	}
	var buf [20]byte
	for p.btries <= maxHashTries {
		h := uint32(0)
		if p.rehash > 0 {
			h = crc32Update(0, strconv.AppendInt(buf[:0], int64(p.rehash), 10))
		}
		h = crc32Update(h, p.key)
		p.hash += uint64((h >> 16) & 0x7fff)
		p.rehash++
		i := t.walk(p.hash)
		if peer := t.peers[i]; !p.isTried(i) && peer.usable(now) {
			peer.take(now)
			p.setTried(i)
			return peer
		}
		p.btries++
	}
	return p.getRR(now)
}

// chashPoint is one point of the consistent hash ring: a hash and the
// server line (by identity) it belongs to.
type chashPoint struct {
	hash   uint32
	server int
}

// buildPoints is ngx_http_upstream_init_chash: every primary peer adds
// 160 points per unit of weight, derived from its server line's text
// (so the addresses of one line share them): host, a zero byte, port,
// then the previous point as four little-endian bytes (compatible with
// Cache::Memcached::Fast). Points are sorted and duplicates dropped.
func buildPoints(t *tier) []chashPoint {
	n := 0
	for _, peer := range t.peers {
		n += 160 * peer.Weight
	}
	points := make([]chashPoint, 0, n)
	for _, peer := range t.peers {
		host, port := chashHostPort(peer)
		base := crc32.Update(0, crc32.IEEETable, []byte(host))
		base = crc32.Update(base, crc32.IEEETable, []byte{0})
		base = crc32.Update(base, crc32.IEEETable, []byte(port))
		var prev [4]byte
		for range 160 * peer.Weight {
			h := crc32.Update(base, crc32.IEEETable, prev[:])
			points = append(points, chashPoint{hash: h, server: peer.server})
			prev = [4]byte{byte(h), byte(h >> 8), byte(h >> 16), byte(h >> 24)}
		}
	}
	slices.SortStableFunc(points, func(a, b chashPoint) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return a.server - b.server
	})
	return slices.CompactFunc(points, func(a, b chashPoint) bool { return a.hash == b.hash })
}

// chashHostPort splits the server line's address as written: a unix
// socket is all host; otherwise a trailing ":digits" is the port, and
// without one there is no port.
func chashHostPort(peer *Peer) (host, port string) {
	s := peer.Server.Host
	if hasUnixPrefix(s) {
		return s[5:], ""
	}
	if isUnix(peer.Server) {
		return s, ""
	}
	for j := len(s) - 1; j >= 0; j-- {
		c := s[j]
		if c == ':' {
			return s[:j], s[j+1:]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return s, ""
}

// findPoint is ngx_http_upstream_find_chash_point: the index of the
// first point not below hash (len(points) past the last one, which the
// caller wraps to the first).
func findPoint(points []chashPoint, hash uint32) int {
	i, j := 0, len(points)
	for i < j {
		k := (i + j) / 2
		switch {
		case hash > points[k].hash:
			i = k + 1
		case hash < points[k].hash:
			j = k
		default:
			return k
		}
	}
	return i
}

// getCHash is ngx_http_upstream_get_chash_peer ("hash $key consistent"):
// from the key's point, the first point whose server line has a usable
// address; among that line's addresses, smooth weighted round robin. An
// unusable line moves to the next point; more than 20 points, fewer than
// two peers or an empty key fall back to round robin.
func (p *Pick) getCHash(now int64) *Peer {
	t := p.t
	if p.btries > maxHashTries || len(t.peers) < 2 || p.key == "" || t != p.g.primary || len(p.g.points) == 0 {
		return p.getRR(now)
	}
	points := p.g.points
	for p.btries <= maxHashTries {
		server := points[p.hash%uint64(len(points))].server
		var best *Peer
		total := 0
		for i, peer := range t.peers {
			if p.isTried(i) || peer.server != server || !peer.usable(now) {
				continue
			}
			peer.currentWeight += peer.effectiveWeight
			total += peer.effectiveWeight
			if peer.effectiveWeight < peer.Weight {
				peer.effectiveWeight++
			}
			if best == nil || peer.currentWeight > best.currentWeight {
				best = peer
			}
		}
		if best != nil {
			best.currentWeight -= total
			best.take(now)
			p.setTried(best.index)
			return best
		}
		p.hash++
		p.btries++
	}
	return p.getRR(now)
}

// crc32Update continues the IEEE CRC-32 crc over s, as crc32.Update
// does, without converting a string or letting a buffer escape.
func crc32Update[T string | []byte](crc uint32, s T) uint32 {
	tab := crc32.IEEETable
	crc = ^crc
	for i := 0; i < len(s); i++ {
		crc = tab[byte(crc)^s[i]] ^ (crc >> 8)
	}
	return ^crc
}

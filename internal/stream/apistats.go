package stream

import (
	"sort"
	"sync"

	"weir/internal/config"
	"weir/internal/limit"
	"weir/internal/upstream"
)

// The stream side of the commercial nginx's API: the server zones of
// status_zone (/stream/server_zones), and what /stream/upstreams and
// /stream/limit_conns read.

// zoneStats are one stream server zone's counters.
type zoneStats struct {
	mu          sync.Mutex
	processing  int64
	connections int64
	sessions    [3]int64 // 2xx, 4xx, 5xx
	total       int64
	discarded   int64
	received    int64
	sent        int64
}

// read returns the zone's counters in the order of the API's object:
// processing, connections, sessions 2xx, 4xx, 5xx and total,
// discarded, received, sent.
func (z *zoneStats) read() []int64 {
	z.mu.Lock()
	defer z.mu.Unlock()
	return []int64{z.processing, z.connections, z.sessions[0], z.sessions[1], z.sessions[2], z.total, z.discarded, z.received, z.sent}
}

// reset clears the counters of connections and sessions (DELETE).
func (z *zoneStats) reset() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.connections, z.sessions, z.total, z.discarded, z.received, z.sent = 0, [3]int64{}, 0, 0, 0, 0
}

// zoneRegistry keeps the zones across reloads by name, as nginx keeps
// a status zone's shared memory.
var zoneRegistry struct {
	sync.Mutex
	zones map[string]*zoneStats
}

func newZones(srvs []*config.StreamServer) map[string]*zoneStats {
	r := &zoneRegistry
	r.Lock()
	defer r.Unlock()
	out := map[string]*zoneStats{}
	for _, srv := range srvs {
		n := srv.StatusZone
		if n == "" || out[n] != nil {
			continue
		}
		if out[n] = r.zones[n]; out[n] == nil {
			out[n] = &zoneStats{}
		}
	}
	r.zones = out
	return out
}

// zoneStart counts the session in its server's zone.
func (ss *session) zoneStart() *zoneStats {
	z := ss.srv.zones[ss.conf.StatusZone]
	if z != nil {
		z.mu.Lock()
		z.processing++
		z.connections++
		z.mu.Unlock()
	}
	return z
}

// zoneEnd accounts the ended session: its status and bytes.
func (ss *session) zoneEnd(z *zoneStats) {
	if z == nil {
		return
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	z.processing--
	z.received += ss.received.Load()
	z.sent += ss.sent.Load()
	switch ss.status / 100 {
	case 2:
		z.sessions[0]++
	case 4:
		z.sessions[1]++
	case 5:
		z.sessions[2]++
	}
	z.total++
}

// ServerZones returns the status zones' names, in order.
func (s *Server) ServerZones() []string {
	names := make([]string, 0, len(s.zones))
	for n := range s.zones {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ServerZone returns the counters of zone name and its reset.
func (s *Server) ServerZone(name string) ([]int64, func(), bool) {
	z := s.zones[name]
	if z == nil {
		return nil, nil, false
	}
	return z.read(), z.reset, true
}

// Upstreams returns the stream block's upstream groups.
func (s *Server) Upstreams() *upstream.Set { return s.ups }

// LimitConns returns the limit_conn zones by name.
func (s *Server) LimitConns() map[string]*limit.ConnZone {
	out := map[string]*limit.ConnZone{}
	for _, z := range s.conns {
		out[z.Name] = z
	}
	return out
}

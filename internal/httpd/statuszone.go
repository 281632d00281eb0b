package httpd

import (
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/config"
)

// Status zones (the commercial nginx's status_zone): per server and per
// location counters that the API reports under /http/server_zones and
// /http/location_zones. A server zone counts a request from the moment
// its server is known; a location zone counts it in the location where
// its processing ends.

// zoneStats are one zone's counters.
type zoneStats struct {
	mu         sync.Mutex
	processing int64
	requests   int64
	responses  [5]int64
	codes      map[int]int64
	discarded  int64
	received   int64
	sent       int64
}

// statusZones are a snapshot's zones, made from the configuration.
type statusZones struct {
	servers   map[string]*zoneStats
	locations map[string]*zoneStats
	loaded    time.Time
	gen       int64
}

// generation counts the configurations loaded (the API's "generation").
var generation atomic.Int64

// statusRegistry keeps the zones by name across reloads, as nginx keeps a
// status zone's shared memory: a reload does not start the counts anew.
var statusRegistry struct {
	sync.Mutex
	zones map[string]*zoneStats // "s:NAME" (server), "l:NAME" (location)
}

func newStatusZones(cfg *config.Config) *statusZones {
	z := &statusZones{servers: map[string]*zoneStats{}, locations: map[string]*zoneStats{},
		loaded: time.Now(), gen: generation.Add(1)}
	if cfg.HTTP == nil {
		return z
	}
	r := &statusRegistry
	r.Lock()
	defer r.Unlock()
	next := map[string]*zoneStats{}
	take := func(m map[string]*zoneStats, kind, n string) {
		if n == "" || m[n] != nil {
			return
		}
		zs := r.zones[kind+n]
		if zs == nil {
			zs = &zoneStats{}
		}
		m[n], next[kind+n] = zs, zs
	}
	for _, srv := range cfg.HTTP.Servers {
		take(z.servers, "s:", srv.Loc.Status.ServerZone)
		walkLocs(srv.Locations, func(l *config.Location) { take(z.locations, "l:", l.Loc.Status.Zone.V) })
	}
	r.zones = next
	return z
}

func sortedNames(m map[string]*zoneStats) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// zoneStart counts the request in its server's zone once the server is
// chosen.
func (q *request) zoneStart() {
	if q.snap.zones == nil || q.srvZone != nil {
		return
	}
	if z := q.snap.zones.servers[q.srv.Loc.Status.ServerZone]; z != nil {
		z.mu.Lock()
		z.processing++
		z.requests++
		z.mu.Unlock()
		q.srvZone = z
	}
}

// zoneEnd accounts the finished request in its server's zone and in the
// zone of the location it ended in.
func (q *request) zoneEnd() {
	if q.snap == nil || q.snap.zones == nil {
		return
	}
	q.cacheAccount()
	var lz *zoneStats
	if q.lc != nil {
		lz = q.snap.zones.locations[q.lc.Status.Zone.V]
	}
	if q.srvZone == nil && lz == nil {
		return
	}
	status := q.status
	if status == 0 {
		status = q.w.Status
	}
	discarded := q.closed || status == 499 || !q.w.HeaderSent()
	received := int64(q.r.HeaderLen) + q.r.BodyBytes()
	sent := q.w.BytesSent() + q.extraSent
	count := func(z *zoneStats, server bool) {
		z.mu.Lock()
		defer z.mu.Unlock()
		if server {
			z.processing--
		} else {
			z.requests++
		}
		z.received += received
		z.sent += sent
		if discarded {
			z.discarded++
			return
		}
		if status >= 100 && status < 600 {
			z.responses[status/100-1]++
			if z.codes == nil {
				z.codes = map[int]int64{}
			}
			z.codes[status]++
		}
	}
	if q.srvZone != nil {
		count(q.srvZone, true)
		q.srvZone = nil
	}
	if lz != nil {
		count(lz, false)
	}
}

// json is the zone's API object; server zones have "processing".
func (z *zoneStats) json(server bool) jobj {
	z.mu.Lock()
	defer z.mu.Unlock()
	o := jobj{}
	if server {
		o = o.add("processing", z.processing)
	}
	o = o.add("requests", z.requests)
	o = o.add("responses", responsesJSON(z.responses, z.codes))
	o = o.add("discarded", z.discarded)
	o = o.add("received", z.received)
	o = o.add("sent", z.sent)
	return o
}

func (z *zoneStats) reset() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.requests, z.responses, z.codes, z.discarded, z.received, z.sent = 0, [5]int64{}, nil, 0, 0, 0
}

// responsesJSON is the API's "responses" object: counts by class, by
// code and the total.
func responsesJSON(classes [5]int64, codes map[int]int64) jobj {
	o := jobj{}
	var total int64
	for i, n := range classes {
		o = o.add(string(rune('1'+i))+"xx", n)
		total += n
	}
	keys := make([]int, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	c := jobj{}
	for _, k := range keys {
		c = c.add(strconv.Itoa(k), codes[k])
	}
	o = o.add("codes", c)
	return o.add("total", total)
}

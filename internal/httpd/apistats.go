package httpd

import (
	"os"
	"sort"
	"sync"

	"weir/internal/cache"
	"weir/internal/httpcore"
	"weir/internal/limit"
	"weir/internal/tlsconf"
	"weir/internal/upstream"
)

// The API's endpoints beyond the status zones and upstreams: the
// process (/processes, /connections, /ssl, /workers), the caches and
// limit zones of the http block, and the stream block's server zones,
// upstreams and limit_conn zones. weir is one process: its one worker
// is the process, and no child ever respawns.

// StreamState is what the API reads of the stream block (the stream
// package's Server).
type StreamState interface {
	Upstreams() *upstream.Set
	LimitConns() map[string]*limit.ConnZone
	// ServerZones are the status_zone names, in order; ServerZone a
	// zone's counters (processing, connections, sessions 2xx, 4xx, 5xx
	// and total, discarded, received, sent) and its reset.
	ServerZones() []string
	ServerZone(name string) (counts []int64, reset func(), ok bool)
}

// SetStream shows the stream block's runtime state to the API.
func (s *Snapshot) SetStream(st StreamState) { s.stream = st }

// apiBase are the counters' values at the last DELETE: the API shows
// the counts since (the process's counters themselves go on).
var apiBase struct {
	sync.Mutex
	accepted, dropped int64 // /connections
	requests          int64 // /http/requests
	worker            [3]int64
}

// apiCounters answers /processes, /connections, /ssl and
// /http/requests: GET shows them, DELETE resets them.
func apiCounters(method, which string, fields map[string]bool) (int, any, *apiError) {
	st := httpcore.ReadStats()
	b := &apiBase
	b.Lock()
	defer b.Unlock()
	if method == "DELETE" {
		switch which {
		case "connections":
			b.accepted, b.dropped = st.Accepted, st.Accepted-st.Handled
		case "requests":
			b.requests = st.Requests
		case "ssl":
			tlsconf.ResetCounts()
		}
		return 204, nil, nil
	}
	if method != "GET" && method != "HEAD" {
		return 0, nil, errMethodNotSupp
	}
	var o jobj
	switch which {
	case "processes":
		o = jobj{}.add("respawned", 0)
	case "connections":
		o = jobj{}.add("accepted", st.Accepted-b.accepted).add("dropped", st.Accepted-st.Handled-b.dropped).
			add("active", st.Active-st.Waiting).add("idle", st.Waiting)
	case "requests":
		o = jobj{}.add("total", st.Requests-b.requests).add("current", st.Reading+st.Writing)
	case "ssl":
		c := tlsconf.ReadCounts()
		o = jobj{}.add("handshakes", c.Handshakes).add("handshakes_failed", c.Failed).add("session_reuses", c.Reuses).
			add("no_common_protocol", c.NoCommonProtocol).add("no_common_cipher", c.NoCommonCipher).
			add("handshake_timeout", c.Timeout).add("peer_rejected_cert", c.PeerRejected).
			add("verify_failures", jobj{}.add("no_cert", c.NoCert).add("expired_cert", c.Expired).
				add("revoked_cert", c.Revoked).add("hostname_mismatch", 0).add("other", c.Other))
	}
	return 200, filter(o, fields), nil
}

// apiWorkers is /workers (an array of the one worker) and /workers/0.
func (q *request) apiWorkers(parts []string, get bool, fields map[string]bool) (int, any, *apiError) {
	if len(parts) > 1 {
		return 0, nil, errPathNotFound
	}
	if len(parts) == 1 && parts[0] != "0" {
		return 0, nil, &apiError{404, "worker not found", "WorkerNotFound"}
	}
	st := httpcore.ReadStats()
	b := &apiBase
	b.Lock()
	defer b.Unlock()
	if q.method == "DELETE" {
		b.worker = [3]int64{st.Accepted, st.Accepted - st.Handled, st.Requests}
		return 204, nil, nil
	}
	if !get {
		return 0, nil, errMethodNotSupp
	}
	w := filter(jobj{}.add("id", 0).add("pid", os.Getpid()).
		add("connections", jobj{}.add("accepted", st.Accepted-b.worker[0]).add("dropped", st.Accepted-st.Handled-b.worker[1]).
			add("active", st.Active-st.Waiting).add("idle", st.Waiting)).
		add("http", jobj{}.add("requests", jobj{}.add("total", st.Requests-b.worker[2]).add("current", st.Reading+st.Writing))), fields)
	if len(parts) == 1 {
		return 200, w, nil
	}
	return 200, []any{w}, nil
}

// apiNamed answers a collection of named zones (parts after its name):
// GET of the collection shows every zone (fields= applies to each), GET
// of a zone shows it, DELETE of a zone resets it. find returns a zone's
// object maker and reset, nil for a zone not there.
func (q *request) apiNamed(parts []string, fields map[string]bool, nf *apiError, names []string, find func(name string) (func() jobj, func())) (int, any, *apiError) {
	get := q.method == "GET" || q.method == "HEAD"
	switch len(parts) {
	case 0:
		if !get {
			return 0, nil, errMethodNotSupp
		}
		o := jobj{}
		for _, n := range names {
			if js, _ := find(n); js != nil {
				o = o.add(n, filter(js(), fields))
			}
		}
		return 200, o, nil
	case 1:
		js, reset := find(parts[0])
		if js == nil {
			return 0, nil, nf
		}
		switch {
		case q.method == "DELETE":
			reset()
			return 204, nil, nil
		case get:
			return 200, filter(js(), fields), nil
		}
		return 0, nil, errMethodNotSupp
	}
	return 0, nil, errPathNotFound
}

// apiCaches is /http/caches: each proxy_cache_path (and the other
// *_cache_path) zone.
func (q *request) apiCaches(parts []string, fields map[string]bool) (int, any, *apiError) {
	names := make([]string, 0, len(q.snap.caches))
	for n := range q.snap.caches {
		names = append(names, n)
	}
	sort.Strings(names)
	return q.apiNamed(parts, fields, &apiError{404, "cache not found", "CacheNotFound"}, names, func(n string) (func() jobj, func()) {
		z := q.snap.caches[n]
		if z == nil {
			return nil, nil
		}
		return func() jobj { return cacheJSON(z) }, z.Stats.Reset
	})
}

func cacheJSON(z *cache.Zone) jobj {
	size, cold := z.Usage()
	o := jobj{}.add("size", size)
	if z.Conf.MaxSize >= 0 {
		o = o.add("max_size", z.Conf.MaxSize)
	}
	o = o.add("cold", cold)
	by := z.Stats.Read()
	for _, st := range []cache.Status{cache.Hit, cache.Stale, cache.Updating, cache.Revalidated, cache.Miss, cache.Expired, cache.Bypass} {
		c := by[st]
		e := jobj{}.add("responses", c.Responses).add("bytes", c.Bytes)
		if st == cache.Miss || st == cache.Expired || st == cache.Bypass {
			e = e.add("responses_written", c.ResponsesWritten).add("bytes_written", c.BytesWritten)
		}
		o = o.add(lower(st.String()), e)
	}
	return o
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// cacheAccount counts the finished request in its cache's statistics.
func (q *request) cacheAccount() {
	if q.px == nil || q.px.cs == nil || q.px.cs.zone == nil {
		return
	}
	cs := q.px.cs
	written := int64(-1)
	if cs.stored {
		written = cs.written
	}
	cs.zone.Stats.Count(cs.status, q.w.BodyBytesSent()+q.extraSent, written)
}

// apiLimits is /http/limit_conns or /http/limit_reqs.
func (q *request) apiLimits(parts []string, fields map[string]bool, conn bool) (int, any, *apiError) {
	type zone struct {
		stats *limit.Stats
	}
	zones := map[string]zone{}
	var names []string
	if q.snap.Cfg.HTTP != nil && q.snap.limits != nil {
		for i, z := range q.snap.Cfg.HTTP.LimitZones {
			if z.Conn != conn || zones[z.Name].stats != nil {
				continue
			}
			var st *limit.Stats
			if conn && i < len(q.snap.limits.conn) && q.snap.limits.conn[i] != nil {
				st = &q.snap.limits.conn[i].Stats
			} else if !conn && i < len(q.snap.limits.req) && q.snap.limits.req[i] != nil {
				st = &q.snap.limits.req[i].Stats
			}
			if st != nil {
				zones[z.Name] = zone{st}
				names = append(names, z.Name)
			}
		}
	}
	sort.Strings(names)
	nf := &apiError{404, "limit_req not found", "LimitReqNotFound"}
	if conn {
		nf = &apiError{404, "limit_conn not found", "LimitConnNotFound"}
	}
	return q.apiNamed(parts, fields, nf, names, func(n string) (func() jobj, func()) {
		z, ok := zones[n]
		if !ok {
			return nil, nil
		}
		return func() jobj { return limitJSON(z.stats.Read(), conn) }, z.stats.Reset
	})
}

func limitJSON(c limit.Counts, conn bool) jobj {
	if conn {
		return jobj{}.add("passed", c.Passed).add("rejected", c.Rejected).add("rejected_dry_run", c.RejectedDryRun)
	}
	return jobj{}.add("passed", c.Passed).add("delayed", c.Delayed).add("rejected", c.Rejected).
		add("delayed_dry_run", c.DelayedDryRun).add("rejected_dry_run", c.RejectedDryRun)
}

// apiStream is /stream/: the server zones, limit_conn zones and
// upstreams of the stream block (empty without one).
func (q *request) apiStream(parts []string, get bool, fields map[string]bool, body []byte) (int, any, *apiError) {
	if len(parts) == 0 {
		return apiGetOnly(get, []any{"server_zones", "limit_conns", "upstreams"})
	}
	st := q.snap.stream
	switch parts[0] {
	case "server_zones":
		var names []string
		if st != nil {
			names = st.ServerZones()
		}
		return q.apiNamed(parts[1:], fields, &apiError{404, "server zone not found", "ServerZoneNotFound"}, names, func(n string) (func() jobj, func()) {
			if st == nil {
				return nil, nil
			}
			if _, reset, ok := st.ServerZone(n); ok {
				return func() jobj { c, _, _ := st.ServerZone(n); return streamZoneJSON(c) }, reset
			}
			return nil, nil
		})
	case "limit_conns":
		var zones map[string]*limit.ConnZone
		names := []string{}
		if st != nil {
			zones = st.LimitConns()
			for n := range zones {
				names = append(names, n)
			}
			sort.Strings(names)
		}
		return q.apiNamed(parts[1:], fields, &apiError{404, "limit_conn not found", "LimitConnNotFound"}, names, func(n string) (func() jobj, func()) {
			z := zones[n]
			if z == nil {
				return nil, nil
			}
			return func() jobj { return limitJSON(z.Stats.Read(), true) }, z.Stats.Reset
		})
	case "upstreams":
		if st == nil {
			return q.apiUpstreams(nil, true, parts[1:], get, fields, body)
		}
		return q.apiUpstreams(st.Upstreams(), true, parts[1:], get, fields, body)
	}
	return 0, nil, errPathNotFound
}

func streamZoneJSON(c []int64) jobj {
	return jobj{}.add("processing", c[0]).add("connections", c[1]).
		add("sessions", jobj{}.add("2xx", c[2]).add("4xx", c[3]).add("5xx", c[4]).add("total", c[5])).
		add("discarded", c[6]).add("received", c[7]).add("sent", c[8])
}

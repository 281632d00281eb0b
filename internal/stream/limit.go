package stream

import (
	"strconv"
	"sync"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/limit"
)

// The values of $limit_conn_status (0: not found).
const (
	limitPassed = 1 + iota
	limitRejected
	limitRejectedDryRun
)

var limitNames = [...]string{"", "PASSED", "REJECTED", "REJECTED_DRY_RUN"}

// connZones keeps the stream block's limit_conn zones across reloads: a
// zone that keeps its name and size keeps its counts, as nginx reuses
// the shared memory zone (the sessions of the old configuration give
// their counts back to it).
var connZones struct {
	sync.Mutex
	zones map[string]*limit.ConnZone // by name and size
}

// newConnZones makes (or takes over) the zones of cfg, by LimitZone.ID.
func newConnZones(zs []*config.LimitZone) []*limit.ConnZone {
	r := &connZones
	r.Lock()
	defer r.Unlock()
	out := make([]*limit.ConnZone, len(zs))
	next := map[string]*limit.ConnZone{}
	for i, z := range zs {
		k := z.Name + ":" + strconv.FormatInt(z.Size, 10)
		if out[i] = r.zones[k]; out[i] == nil {
			out[i] = limit.NewConnZone(z.Name, z.Size)
		}
		next[k] = out[i]
	}
	r.zones = next
	return out
}

// limitConn is ngx_stream_limit_conn_handler (the preaccess phase): each
// limit with a key takes a count for the session's lifetime; one at its
// maximum gives back the counts taken and ends the session with 503
// (in dry run the session goes on).
func (ss *session) limitConn() int {
	l := &ss.conf.Limit
	passed, z, full := limit.TakeConns(&ss.held, len(l.Conns.V), func(i int) (*limit.ConnZone, int64, string, string) {
		c := l.Conns.V[i]
		return ss.srv.conns[c.Zone.ID], c.Max, ss.eval(c.Zone.Key), c.Zone.KeyText
	}, func(keyText, k string) {
		ss.logf(errlog.Error, "the value of the \"%s\" key is more than 255 bytes: \"%s\"", keyText, k)
	})
	limit.CountConns(ss.held, z, l.ConnDryRun.V)
	if passed {
		ss.limitStatus = limitPassed
	}
	if z == nil {
		return 0
	}
	if full {
		lv, _ := errlog.ParseLevel(l.ConnLogLevel.V)
		ss.logf(lv, "limiting connections%s by zone \"%s\"", limit.DryRun(l.ConnDryRun.V), z.Name)
	} else {
		ss.srv.log.Logf(errlog.Crit, 0, "ngx_slab_alloc() failed: no memory in limit_conn_zone \"%s\"", z.Name)
	}
	if l.ConnDryRun.V {
		ss.limitStatus = limitRejectedDryRun
		return 0
	}
	ss.limitStatus = limitRejected
	return 503
}

// releaseConns gives the counts back (the session pool's cleanups).
func (ss *session) releaseConns() { limit.ReleaseAll(&ss.held) }

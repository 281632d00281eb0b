package httpd

import (
	"fmt"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/limit"
)

// The values of $limit_req_status and $limit_conn_status
// (r->main->limit_req_status, limit_conn_status); 0 is not found.
const (
	limitPassed uint8 = iota + 1
	limitDelayed
	limitRejected
	limitDelayedDryRun
	limitRejectedDryRun
)

var limitReqNames = [...]string{"", "PASSED", "DELAYED", "REJECTED", "DELAYED_DRY_RUN", "REJECTED_DRY_RUN"}

// limitZones are the runtime zones of a snapshot, indexed by
// config.LimitZone.ID.
type limitZones struct {
	req  []*limit.ReqZone
	conn []*limit.ConnZone
}

// zoneRegistry keeps the zones of the serving configuration: a reload
// keeps a zone's keys when the zone keeps its name, module and size, as
// nginx reuses a shared memory zone of the same name and size (the rate
// may change; the key may not).
var zoneRegistry struct {
	sync.Mutex
	clock limit.Clock
	zones map[string]registered
}

type registered struct {
	conf *config.LimitZone
	req  *limit.ReqZone
	conn *limit.ConnZone
}

// newLimitZones makes (or takes over) the zones of cfg. A kept zone
// whose key changed fails as ngx_http_limit_req_init_zone and
// ngx_http_limit_conn_init_zone fail.
func newLimitZones(zs []*config.LimitZone) (*limitZones, error) {
	if len(zs) == 0 {
		return &limitZones{}, nil
	}
	r := &zoneRegistry
	r.Lock()
	defer r.Unlock()
	if r.clock == nil {
		r.clock = limit.NewClock()
	}
	lz := &limitZones{req: make([]*limit.ReqZone, len(zs)), conn: make([]*limit.ConnZone, len(zs))}
	next := map[string]registered{}
	for i, z := range zs {
		old, ok := r.zones[z.Name]
		ok = ok && old.conf.Conn == z.Conn && old.conf.Size == z.Size
		if ok && old.conf.KeyText != z.KeyText {
			what := "limit_req"
			if z.Conn {
				what = "limit_conn_zone"
			}
			return nil, fmt.Errorf("%s \"%s\" uses the \"%s\" key while previously it used the \"%s\" key", what, z.Name, z.KeyText, old.conf.KeyText)
		}
		reg := registered{conf: z}
		switch {
		case z.Conn && ok:
			reg.conn = old.conn
		case z.Conn:
			reg.conn = limit.NewConnZone(z.Name, z.Size)
		case ok:
			reg.req = old.req.WithRate(z.Rate)
		default:
			reg.req = limit.NewReqZone(z.Name, z.Size, z.Rate, r.clock)
		}
		lz.req[i], lz.conn[i] = reg.req, reg.conn
		next[z.Name] = reg
	}
	r.zones = next
	return lz, nil
}

// logLevel maps the *_log_level words (info, notice, warn, error).
func logLevel(name string) errlog.Level {
	if lv, ok := errlog.ParseLevel(name); ok {
		return lv
	}
	return errlog.Error
}

// preaccess runs the preaccess phase: ngx_http_limit_req_handler, then
// ngx_http_limit_conn_handler (nginx runs the later-registered module
// first). It returns false when the request was answered.
func (q *request) preaccess() bool {
	l := &q.lc.Limit
	if len(l.Reqs.V) > 0 && q.limitReqStatus == 0 && !q.limitReq(l) {
		return false
	}
	if len(l.Conns.V) > 0 && q.limitConnStatus == 0 && !q.limitConn(l) {
		return false
	}
	return true
}

// limitReq is ngx_http_limit_req_handler: a rejection answers with
// limit_req_status, a delay sleeps before the phases go on.
func (q *request) limitReq(l *config.LimitLoc) bool {
	zones := q.snap.limits
	var buf [4]limit.Req
	ls := buf[:0]
	for _, r := range l.Reqs.V {
		ls = append(ls, limit.Req{Zone: zones.req[r.Zone.ID], Burst: r.Burst, Delay: r.Delay})
	}
	keyed := make([]bool, len(ls))
	res := limit.CheckReq(ls, func(i int) (string, bool) {
		z := l.Reqs.V[i].Zone
		k := q.eval(z.Key)
		if len(k) > 65535 {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "the value of the \"%s\" key is more than 65535 bytes: \"%s\"%s", z.KeyText, k, q.logSuffix())
			return "", false
		}
		keyed[i] = k != ""
		return k, k != ""
	})
	limit.CountReq(ls, keyed, res, l.ReqDryRun.V)
	dry := ""
	if l.ReqDryRun.V {
		dry = ", dry run"
	}
	level := logLevel(l.ReqLogLevel.V)
	switch res.Outcome {
	case limit.Declined:
		return true
	case limit.Passed:
		q.limitReqStatus = limitPassed
		return true
	case limit.Rejected, limit.NoMemory:
		if res.Outcome == limit.Rejected {
			q.log().Logf(level, q.r.Conn.ID, "limiting requests%s, excess: %d.%03d by zone \"%s\"%s", dry, res.Excess/1000, res.Excess%1000, res.Zone, q.logSuffix())
		} else {
			q.snap.Log.Logf(errlog.Alert, 0, "could not allocate node in limit_req zone \"%s\"", res.Zone)
		}
		return q.limitReject(&q.limitReqStatus, l.ReqDryRun.V, l.ReqStatus.V)
	}
	if level < errlog.Info {
		level++
	}
	q.log().Logf(level, q.r.Conn.ID, "delaying request%s, excess: %d.%03d, by zone \"%s\"%s", dry, res.Excess/1000, res.Excess%1000, res.Zone, q.logSuffix())
	if l.ReqDryRun.V {
		q.limitReqStatus = limitDelayedDryRun
		return true
	}
	q.limitReqStatus = limitDelayed
	return q.delay(res.Delay)
}

// delay holds the request for d, watching the client as nginx does with
// ngx_http_test_reading as the read handler: a client that leaves ends
// the request with 499 and delay reports false.
func (q *request) delay(d time.Duration) bool {
	if q.r.WaitClosed(d) {
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client prematurely closed connection%s", q.logSuffix())
		q.status = 499
		q.closed = true
		return false
	}
	return true
}

// limitConn is ngx_http_limit_conn_handler: each limit with a key takes
// a count for the request's lifetime; a limit at its maximum gives back
// the counts taken and answers with limit_conn_status.
func (q *request) limitConn(l *config.LimitLoc) bool {
	zones := q.snap.limits
	passed, z, full := limit.TakeConns(&q.connHeld, len(l.Conns.V), func(i int) (*limit.ConnZone, int64, string, string) {
		c := l.Conns.V[i]
		return zones.conn[c.Zone.ID], c.Max, q.eval(c.Zone.Key), c.Zone.KeyText
	}, func(keyText, k string) {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "the value of the \"%s\" key is more than 255 bytes: \"%s\"%s", keyText, k, q.logSuffix())
	})
	limit.CountConns(q.connHeld, z, l.ConnDryRun.V)
	if passed {
		q.limitConnStatus = limitPassed
	}
	if z == nil {
		return true
	}
	if full {
		q.log().Logf(logLevel(l.ConnLogLevel.V), q.r.Conn.ID, "limiting connections%s by zone \"%s\"%s", limit.DryRun(l.ConnDryRun.V), z.Name, q.logSuffix())
	} else {
		q.snap.Log.Logf(errlog.Crit, 0, "ngx_slab_alloc() failed: no memory in limit_conn_zone \"%s\"", z.Name)
	}
	return q.limitReject(&q.limitConnStatus, l.ConnDryRun.V, l.ConnStatus.V)
}

// limitReject ends a limit's rejection: in dry run the request goes on
// (REJECTED_DRY_RUN), else it is answered with the status (REJECTED).
func (q *request) limitReject(status *uint8, dryRun bool, code int64) bool {
	if dryRun {
		*status = limitRejectedDryRun
		return true
	}
	*status = limitRejected
	q.respondStatus(int(code))
	return false
}

// releaseConns gives back the limit_conn counts of the request (its
// pool's cleanups).
func (q *request) releaseConns() {
	limit.ReleaseAll(&q.connHeld)
}

// limitStatusVar is $limit_req_status or $limit_conn_status.
func limitStatusVar(v uint8) (string, bool) {
	if v == 0 {
		return "", false
	}
	return limitReqNames[v], true
}

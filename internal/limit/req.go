// Package limit holds the shared state of limit_req and limit_conn zones
// and their algorithms, ported from nginx's ngx_http_limit_req_module and
// ngx_http_limit_conn_module. A zone is shared by every request of the
// process (weir is one process, as nginx's workers share one shm zone);
// its size bounds the number of keys it keeps, counted with nginx's
// per-node slab sizes.
package limit

import (
	"math"
	"strings"
	"sync"
	"time"
)

// Outcome is what a limit_req check decided (nginx's rc of
// ngx_http_limit_req_handler).
type Outcome int

const (
	// Declined: no limit applied (no limits, or every key empty).
	Declined Outcome = iota
	// Passed: accounted without delay.
	Passed
	// Delayed: accounted; the request waits Delay first.
	Delayed
	// Rejected: a limit's burst is exceeded (logged "limiting requests").
	Rejected
	// NoMemory: the zone could not hold a new key ("could not allocate
	// node"); the request is rejected without the "limiting" line.
	NoMemory
)

// Clock returns milliseconds of a monotonic clock, as ngx_current_msec.
// It starts far from zero, as nginx's (time since boot) does: a node
// created with last = 0 then leaks completely on its first accounting.
type Clock func() int64

// NewClock is the process clock: monotonic milliseconds offset by 2^32.
func NewClock() Clock {
	base := time.Now()
	return func() int64 { return 1<<32 + time.Since(base).Milliseconds() }
}

// ReqZone is one limit_req_zone: a rate and the leaky buckets of its
// keys, most recently used first.
type ReqZone struct {
	Name string
	Rate int64 // requests per 1000 seconds (nginx's rate, 1 = 0.001 r/s)
	*reqState
}

// reqState is the shared part of a zone, which a reload keeps while the
// rate may change (nginx's shm sh with a new ctx).
type reqState struct {
	now   Clock
	mu    sync.Mutex
	nodes map[string]*reqNode
	lru   reqNode // ring sentinel: lru.next is the most recent
	slab  *slab
	Stats Stats // the API's counters
}

type reqNode struct {
	key        string
	prev, next *reqNode
	last       int64 // ms
	excess     int64 // ×1000
	count      int64 // requests between lookup and account
	size       int64
}

// NewReqZone makes a zone of size bytes for rate (×1000).
func NewReqZone(name string, size, rate int64, now Clock) *ReqZone {
	// the zone's own context and name (ngx_http_limit_req_init_zone)
	sl := newSlab(size)
	sl.alloc(24 + 40 + 16)
	sl.alloc(int64(len(" in limit_req zone \"\"") + 1 + len(name)))
	st := &reqState{now: now, nodes: map[string]*reqNode{}, slab: sl}
	st.lru.next, st.lru.prev = &st.lru, &st.lru
	return &ReqZone{Name: name, Rate: rate, reqState: st}
}

// WithRate is the zone with its keys' state shared and another rate, as
// a reload that changes only the rate makes it.
func (z *ReqZone) WithRate(rate int64) *ReqZone {
	return &ReqZone{Name: z.Name, Rate: rate, reqState: z.reqState}
}

// Req is one limit_req of a location: its zone, burst and delay in the
// zone's units (×1000); nodelay is a delay nothing reaches.
type Req struct {
	Zone  *ReqZone
	Burst int64
	Delay int64
}

// NoDelay is what "nodelay" sets delay= to (NGX_MAX_INT_T_VALUE / 1000,
// ×1000 again).
const NoDelay = math.MaxInt64 / 1000 * 1000

// ReqResult is the decision for one request.
type ReqResult struct {
	Outcome Outcome
	Excess  int64  // ×1000, for the log line
	Zone    string // the zone the log line names
	Delay   time.Duration
}

// CheckReq is ngx_http_limit_req_handler's loop with _lookup and
// _account: each limit in order is looked up; all but the last only
// reserve their node; a limit over its burst stops the loop and the
// reserved nodes are released; otherwise every node is accounted and the
// longest delay wins. key returns a limit's key and false when the limit
// is skipped (empty key, or too long).
func CheckReq(limits []Req, key func(i int) (string, bool)) ReqResult {
	var buf [4]*reqNode
	nodes := buf[:0]
	if len(limits) > len(buf) {
		nodes = make([]*reqNode, 0, len(limits))
	}
	rc := Declined
	var excess int64
	n, limit := 0, 0
	const again = Outcome(-1)
	for n = 0; n < len(limits); n++ {
		limit = n
		nodes = append(nodes, nil)
		k, ok := key(n)
		if !ok {
			continue
		}
		z := limits[n].Zone
		z.mu.Lock()
		var nd *reqNode
		rc, excess, nd = z.lookup(k, limits[n].Burst, n == len(limits)-1)
		z.mu.Unlock()
		if rc == again {
			nodes[n] = nd
			continue
		}
		break
	}
	if rc == Declined {
		return ReqResult{}
	}
	if rc == Rejected || rc == NoMemory {
		release(limits, nodes, n)
		return ReqResult{Outcome: rc, Excess: excess, Zone: limits[limit].Zone.Name}
	}
	if rc == again {
		excess = 0
	}
	delay := account(limits, nodes, n, &excess, &limit)
	if delay == 0 {
		return ReqResult{Outcome: Passed}
	}
	return ReqResult{Outcome: Delayed, Excess: excess, Zone: limits[limit].Zone.Name, Delay: time.Duration(delay) * time.Millisecond}
}

// lookup is ngx_http_limit_req_lookup; the zone is locked. It returns
// Passed for an accounted last limit (NGX_OK), -1 for a reserved node
// (NGX_AGAIN), Rejected (NGX_BUSY) or NoMemory (NGX_ERROR).
func (z *ReqZone) lookup(key string, burst int64, account bool) (Outcome, int64, *reqNode) {
	now := z.now()
	if lr := z.nodes[key]; lr != nil {
		z.unlink(lr)
		z.pushFront(lr)
		ms := elapsed(now, lr.last)
		excess := leak(lr.excess, z.Rate, ms) + 1000
		if excess < 0 {
			excess = 0
		}
		if excess > burst {
			return Rejected, excess, nil
		}
		if account {
			lr.excess = excess
			if ms != 0 {
				lr.last = now
			}
			return Passed, excess, nil
		}
		lr.count++
		return -1, excess, lr
	}
	size := ReqNodeSize(len(key))
	z.expire(1, now)
	if !z.slab.alloc(size) {
		z.expire(0, now)
		if !z.slab.alloc(size) {
			return NoMemory, 0, nil
		}
	}
	// the key may alias a request's buffer: the zone keeps its own copy
	key = strings.Clone(key)
	lr := &reqNode{key: key, size: size}
	z.nodes[key] = lr
	z.pushFront(lr)
	if account {
		lr.last = now
		return Passed, 0, nil
	}
	lr.count = 1
	return -1, 0, lr
}

// account is ngx_http_limit_req_account: the reserved nodes of the
// limits before n are updated, and the longest delay among them and the
// limit that stopped the loop is returned in ms, with its excess and
// limit.
func account(limits []Req, nodes []*reqNode, n int, ep *int64, limit *int) int64 {
	var maxDelay int64
	if l := limits[*limit]; *ep > l.Delay {
		maxDelay = (*ep - l.Delay) * 1000 / l.Zone.Rate
	}
	for n--; n >= 0; n-- {
		lr := nodes[n]
		if lr == nil {
			continue
		}
		z := limits[n].Zone
		z.mu.Lock()
		now := z.now()
		ms := elapsed(now, lr.last)
		excess := leak(lr.excess, z.Rate, ms) + 1000
		if excess < 0 {
			excess = 0
		}
		if ms != 0 {
			lr.last = now
		}
		lr.excess = excess
		lr.count--
		z.mu.Unlock()
		nodes[n] = nil
		if excess <= limits[n].Delay {
			continue
		}
		if d := (excess - limits[n].Delay) * 1000 / z.Rate; d > maxDelay {
			maxDelay = d
			*ep = excess
			*limit = n
		}
	}
	return maxDelay
}

// release is ngx_http_limit_req_unlock: the nodes reserved before n are
// given back unaccounted.
func release(limits []Req, nodes []*reqNode, n int) {
	for n--; n >= 0; n-- {
		if n >= len(nodes) || nodes[n] == nil {
			continue
		}
		z := limits[n].Zone
		z.mu.Lock()
		nodes[n].count--
		z.mu.Unlock()
		nodes[n] = nil
	}
}

// expire is ngx_http_limit_req_expire: from the least recently used end,
// n == 1 frees up to two idle nodes whose bucket has drained (idle a
// minute at least); n == 0 frees the oldest one unconditionally first.
// A node some request holds stops the walk.
func (z *ReqZone) expire(n int, now int64) {
	for n < 3 {
		lr := z.lru.prev
		if lr == &z.lru || lr.count != 0 {
			return
		}
		forced := n == 0
		n++
		if !forced {
			ms := now - lr.last
			if ms < 0 {
				ms = -ms
			}
			if ms < 60000 {
				return
			}
			if lr.excess-drain(z.Rate, ms) > 0 {
				return
			}
		}
		z.unlink(lr)
		delete(z.nodes, lr.key)
		z.slab.free(lr.size)
	}
}

func (z *reqState) unlink(lr *reqNode) {
	lr.prev.next, lr.next.prev = lr.next, lr.prev
}

func (z *reqState) pushFront(lr *reqNode) {
	lr.prev, lr.next = &z.lru, z.lru.next
	z.lru.next.prev = lr
	z.lru.next = lr
}

// elapsed is the ms since last as nginx 1.22 takes it: a clock that went
// back more than a minute counts as 1 ms, less as 0.
func elapsed(now, last int64) int64 {
	ms := now - last
	switch {
	case ms < -60000:
		return 1
	case ms < 0:
		return 0
	}
	return ms
}

// drain is rate * ms / 1000, saturated instead of overflowing.
func drain(rate, ms int64) int64 {
	if ms > 0 && rate > math.MaxInt64/ms {
		return math.MaxInt64 / 2
	}
	return rate * ms / 1000
}

// leak is excess - rate * ms / 1000.
func leak(excess, rate, ms int64) int64 { return excess - drain(rate, ms) }

// Len is the number of keys the zone holds.
func (z *ReqZone) Len() int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return len(z.nodes)
}

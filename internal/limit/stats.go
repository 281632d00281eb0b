package limit

import "sync/atomic"

// Stats are a zone's counters for the commercial nginx's API
// (/http/limit_reqs, /http/limit_conns, /stream/limit_conns): kept with
// the zone, so a reload that keeps the zone keeps them.
type Stats struct {
	passed, delayed, rejected, delayedDryRun, rejectedDryRun atomic.Int64
}

// Counts are a copy of Stats.
type Counts struct {
	Passed, Delayed, Rejected, DelayedDryRun, RejectedDryRun int64
}

// Read returns the counters now.
func (s *Stats) Read() Counts {
	return Counts{s.passed.Load(), s.delayed.Load(), s.rejected.Load(), s.delayedDryRun.Load(), s.rejectedDryRun.Load()}
}

// Reset clears the counters (DELETE in the API).
func (s *Stats) Reset() {
	for _, c := range []*atomic.Int64{&s.passed, &s.delayed, &s.rejected, &s.delayedDryRun, &s.rejectedDryRun} {
		c.Store(0)
	}
}

func (s *Stats) limited(delayed, dryRun bool) {
	switch {
	case delayed && dryRun:
		s.delayedDryRun.Add(1)
	case delayed:
		s.delayed.Add(1)
	case dryRun:
		s.rejectedDryRun.Add(1)
	default:
		s.rejected.Add(1)
	}
}

// CountConns counts the outcome of TakeConns: every zone that took a
// count passed, or the zone that failed rejected the request.
func CountConns(held []Held, failed *ConnZone, dryRun bool) {
	if failed != nil {
		failed.Stats.limited(false, dryRun)
		return
	}
	for _, h := range held {
		if h.zone != nil {
			h.zone.Stats.passed.Add(1)
		}
	}
}

// CountReq counts the outcome of CheckReq: a passed request in each
// zone whose key it had (keyed), a delayed or rejected one in the zone
// that decided.
func CountReq(limits []Req, keyed []bool, res ReqResult, dryRun bool) {
	if res.Outcome == Passed {
		for i, l := range limits {
			if i < len(keyed) && keyed[i] {
				l.Zone.Stats.passed.Add(1)
			}
		}
		return
	}
	if res.Outcome == Declined {
		return
	}
	for _, l := range limits {
		if l.Zone.Name == res.Zone {
			l.Zone.Stats.limited(res.Outcome == Delayed, dryRun)
			return
		}
	}
}

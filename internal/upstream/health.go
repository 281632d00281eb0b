package upstream

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// What commercial nginx adds to a group's peers: the state active
// health checks give them, slow start after a recovery, and the queue
// of requests that found no peer.

// peerHealth is a peer's part of it, guarded by the group's mutex.
type peerHealth struct {
	// down counts the health checks that hold the peer unhealthy or
	// "checking" (mandatory): a single failing check is enough.
	down int
	// checking: a mandatory check holds the peer until its first
	// result (the API's "checking" state).
	checking bool
	// slowFrom is when the peer became usable again; its weight ramps
	// from zero over the server's slow_start. Zero when not ramping.
	slowFrom time.Time
}

// groupQueue is the queue directive's state: the requests waiting and a
// channel closed (and replaced) whenever a peer may have become free.
type groupQueue struct {
	mu      sync.Mutex
	waiting int
	wake    chan struct{}
	active  atomic.Bool // someone waits: Free and health changes signal
}

// Errors of Queue, both answered with 502 as ErrNoLive is.
var (
	ErrQueueFull    = errors.New("upstream queue is full")
	ErrQueueTimeout = errors.New("upstream queue timed out")
)

// SetCheckDown records one health check's verdict on peer: down true
// holds the peer out of balancing, false releases that check's hold. A
// peer that every check releases becomes usable again and, with
// slow_start, starts its ramp. It reports whether the peer is now
// usable by the checks (no check holds it).
func (g *Group) SetCheckDown(peer *Peer, down bool) bool {
	g.mu.Lock()
	if down {
		peer.health.down++
	} else if peer.health.down > 0 {
		peer.health.down--
		if peer.health.down == 0 && peer.Server != nil && peer.Server.SlowStart > 0 {
			peer.health.slowFrom = g.now()
		}
	}
	up := peer.health.down == 0
	g.mu.Unlock()
	if up {
		g.signal()
	}
	return up
}

// Healthy reports whether no health check holds peer.
func (g *Group) Healthy(peer *Peer) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return peer.health.down == 0
}

// recovered starts the slow start of a peer that the passive checks
// (max_fails, fail_timeout) had made unavailable. The caller holds the
// group's lock.
func (g *Group) recovered(peer *Peer) {
	if peer.Server != nil && peer.Server.SlowStart > 0 && !peer.tier.single {
		peer.health.slowFrom = g.now()
	}
}

// slowWeight is the weight a peer in slow start adds in a round of
// smooth weighted round robin: its effective weight scaled by the part
// of slow_start that has passed, rounded up or down at random in
// proportion, so that a peer of weight 1 ramps too. The caller holds the
// group's lock.
func (g *Group) slowWeight(peer *Peer, ew int) int {
	if peer.health.slowFrom.IsZero() {
		return ew
	}
	ss := peer.Server.SlowStart
	el := g.now().Sub(peer.health.slowFrom)
	if el >= ss || el < 0 {
		peer.health.slowFrom = time.Time{}
		return ew
	}
	const scale = 1 << 16
	frac := int64(el) * scale / int64(ss)
	w := int64(ew) * frac
	n := int(w / scale)
	if rest := int(w % scale); rest > 0 && g.rand(scale) < rest {
		n++
	}
	return n
}

// signal wakes the requests waiting in the group's queue.
func (g *Group) signal() {
	q := &g.queue
	if !q.active.Load() {
		return
	}
	q.mu.Lock()
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
	q.mu.Unlock()
}

// Queue is the queue directive for a request whose first pick found no
// peer: it waits, as one of at most Upstream.Queue requests, until a
// connection is freed or a peer becomes healthy and picks again (as
// from Begin with in), up to Upstream.QueueTimeout after at. It returns
// ErrQueueFull at once when the queue is full and ErrQueueTimeout when
// no peer came in time.
func (p *Pick) Queue(in Input, at time.Time) (*Peer, error) {
	g := p.g
	u := g.Upstream
	q := &g.queue
	q.mu.Lock()
	if q.waiting >= u.Queue {
		q.mu.Unlock()
		return nil, ErrQueueFull
	}
	q.waiting++
	q.active.Store(true)
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.waiting--
		if q.waiting == 0 {
			q.active.Store(false)
		}
		q.mu.Unlock()
	}()
	timer := time.NewTimer(u.QueueTimeout - time.Since(at))
	defer timer.Stop()
	// a failure window ends with time, not with a signal
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		q.mu.Lock()
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		q.mu.Unlock()
		// a peer freed between the last pick and taking the channel
		// is found by this pick
		g.Begin(p, in)
		if peer, err := p.Next(); err == nil {
			return peer, nil
		}
		select {
		case <-wake:
		case <-tick.C:
		case <-timer.C:
			return nil, ErrQueueTimeout
		}
	}
}

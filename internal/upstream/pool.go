package upstream

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/config"
	"weir/internal/procs"
	"weir/internal/rawio"
)

// Defaults of the keepalive_* directives, used when the model leaves a
// setting at zero.
const (
	defaultKeepaliveRequests = 1000
	defaultKeepaliveTime     = time.Hour
	defaultKeepaliveTimeout  = 60 * time.Second
)

// Conn is a connection to a peer that may be kept alive between
// requests (ngx_http_upstream_keepalive_module). The caller counts
// Requests (one per request sent on it) before Put.
type Conn struct {
	net.Conn
	Peer     *Peer
	Requests int
	Created  time.Time

	raw  syscall.RawConn // nil when the socket is not reachable
	peek func(fd uintptr)
	dead bool // set by peek

	// SendAwait's state: direct when Conn is the socket itself (not a
	// TLS or HTTP/2 layer over it), so that bytes may be written to it
	direct bool
	await  func(fd uintptr) bool
	aw     awaitState

	// Read's state, for its callback made once
	readFn func(fd uintptr) bool
	rp     []byte
	rn     int
	rerr   syscall.Errno
	waited bool // the last Read found nothing to read at first

	// OnWait, when set, runs in a Read of a plain socket that finds
	// nothing to read, before it waits (once per Read); an error it
	// returns ends the Read instead
	OnWait func() error
	werr   error

	aborted atomic.Bool // Abort: the deadlines stay in the past

	// the deadlines ReadWithin and WriteWithin last set, rounded to
	// their step, in Unix nanoseconds; 0 when unknown
	rdl, wdl int64

	// pool bookkeeping, guarded by pool.mu
	key        any
	idleSince  time.Time
	prev, next *Conn
	list       *idleList
}

// NewConn wraps c, just dialled to peer, for the keepalive pool.
func (g *Group) NewConn(c net.Conn, peer *Peer) *Conn {
	kc := &Conn{Conn: c, Peer: peer, Created: g.now()}
	kc.raw = rawio.Socket(c)
	if kc.raw != nil {
		kc.peek = kc.peekFD // one method value per connection, not per check
		switch c.(type) {
		case *net.TCPConn, *net.UnixConn, *fileConn, *epConn:
			kc.direct = true // a layer (TLS, HTTP/2) may expose its socket too
		}
		kc.await = kc.awaitFD
		kc.readFn = kc.readFD
	}
	return kc
}

// maxDeadlineStep bounds the rounding of the deadlines ReadWithin and
// WriteWithin set (a tenth of the timeout).
const maxDeadlineStep = int64(100 * time.Millisecond)

// within returns the deadline timeout from now rounded up to its step, and
// whether it differs from last (the value set before).
func within(now int64, timeout time.Duration, last int64) (int64, bool) {
	d := now + int64(timeout)
	if step := min(int64(timeout)/10, maxDeadlineStep); step > 1 {
		d = (d + step - 1) / step * step
	}
	return d, d != last
}

// ReadWithin sets the read deadline timeout from now, rounded up by at
// most a tenth of the timeout (and 100 ms), and only when that moves it:
// a busy connection resets its timer a few times a second instead of at
// every read, as the client side does.
func (c *Conn) ReadWithin(timeout time.Duration) {
	c.ReadWithinAt(time.Now(), timeout)
}

// ReadWithinAt is ReadWithin from a time the caller has just read.
func (c *Conn) ReadWithinAt(now time.Time, timeout time.Duration) {
	if d, moved := within(now.UnixNano(), timeout, c.rdl); moved {
		c.rdl = d
		c.Conn.SetReadDeadline(time.Unix(0, d))
		c.keepAborted()
	}
}

// WriteWithin is ReadWithin for the write deadline.
func (c *Conn) WriteWithin(timeout time.Duration) {
	if d, moved := within(time.Now().UnixNano(), timeout, c.wdl); moved {
		c.wdl = d
		c.Conn.SetWriteDeadline(time.Unix(0, d))
		c.keepAborted()
	}
}

// SetDeadline, SetReadDeadline and SetWriteDeadline set the deadlines
// exactly, and forget the rounded ones.
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl, c.wdl = 0, 0
	err := c.Conn.SetDeadline(t)
	c.keepAborted()
	return err
}

func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl = 0
	err := c.Conn.SetReadDeadline(t)
	c.keepAborted()
	return err
}

func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdl = 0
	err := c.Conn.SetWriteDeadline(t)
	c.keepAborted()
	return err
}

// Abort ends the reads and writes of the connection under way, and any
// later one: its deadlines go to the past and stay there (a deadline
// set after is put back, keepAborted). Another goroutine may call it: a
// client that left while the request waited for the upstream. An
// aborted connection does not go back to the pool.
func (c *Conn) Abort() {
	c.aborted.Store(true)
	c.Conn.SetDeadline(time.Unix(1, 0))
}

// keepAborted follows the setting of a deadline: an Abort that came
// before it, or at the same time, wins (Abort sets its flag before its
// deadline, so one of the two sees the other).
func (c *Conn) keepAborted() {
	if c.aborted.Load() {
		c.Conn.SetDeadline(time.Unix(1, 0))
	}
}

// peekFD looks at the socket without blocking or consuming: nothing
// there means the connection is quiet and usable; a byte, end of file or
// an error means it must not carry another request.
func (c *Conn) peekFD(fd uintptr) {
	c.dead = !rawio.Quiet(fd)
}

// Read reads from the connection. A plain socket is read by a raw system
// call through the poller (see package rawio), anything else by its own
// Read.
func (c *Conn) Read(p []byte) (int, error) {
	if !c.direct {
		return c.Conn.Read(p)
	}
	c.rp, c.rn, c.rerr, c.waited = p, 0, 0, false
	err := c.raw.Read(c.readFn)
	c.rp = nil
	switch {
	case err != nil:
		return 0, err // a deadline passed, the connection was closed
	case c.werr != nil:
		err, c.werr = c.werr, nil
		return 0, err
	case c.rerr != 0:
		return 0, &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.NewSyscallError("read", c.rerr)}
	case c.rn == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return c.rn, nil
}

func (c *Conn) readFD(fd uintptr) bool {
	n, errno := rawio.Read(fd, c.rp)
	if errno == syscall.EAGAIN {
		if !c.waited && c.OnWait != nil {
			if c.werr = c.OnWait(); c.werr != nil {
				return true
			}
		}
		c.waited = true
		return false
	}
	c.rn, c.rerr = n, errno
	return true
}

// Waited reports whether the last Read of a plain socket had to wait
// for its bytes (or its end): nothing was there when it began.
func (c *Conn) Waited() bool { return c.waited }

// ForgetWait clears what Waited reports, until the next Read of the
// socket: reads served from bytes already read (a FastCGI record
// decoder's) do not wait.
func (c *Conn) ForgetWait() { c.waited = false }

// Direct reports whether SendAwait can write to the connection: it is the
// socket itself, not TLS or another layer over it.
func (c *Conn) Direct() bool { return c.direct }

// alive reports whether the server has neither closed the connection
// nor sent anything on it since the last response: a non-blocking peek.
// A connection whose socket cannot be reached is assumed alive.
func (c *Conn) alive() bool {
	if c.raw == nil {
		return true
	}
	// Control runs the peek on the descriptor directly: no poller and no
	// deadline is involved (a deadline left from the last request does
	// not matter), and the peek never blocks.
	c.dead = true
	if err := c.raw.Control(c.peek); err != nil {
		return false
	}
	return !c.dead
}

// idleList is the most-recently-used-first list of idle connections of
// one pool key.
type idleList struct {
	head, tail *Conn
	n          int
}

func (l *idleList) pushFront(c *Conn) {
	c.list = l
	c.prev = nil
	c.next = l.head
	if l.head != nil {
		l.head.prev = c
	} else {
		l.tail = c
	}
	l.head = c
	l.n++
}

func (l *idleList) remove(c *Conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.head = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.tail = c.prev
	}
	c.prev, c.next, c.list = nil, nil, nil
	l.n--
}

// pool is a group's cache of idle connections: at most max per key
// (one key unless "keepalive ... local"), least recently used closed
// first.
type pool struct {
	max      int
	requests int64
	time     time.Duration
	timeout  time.Duration
	local    bool
	now      func() time.Time

	mu     sync.Mutex
	lists  map[any]*idleList
	closed bool
}

func newPool(u *config.Upstream, now func() time.Time, scale int) *pool {
	if scale <= 0 {
		scale = procs.Max()
	}
	p := &pool{
		// nginx's cache holds N connections in each worker process;
		// weir is one process whose workers are its GOMAXPROCS threads
		// (as many as it may use, procs.Max),
		// so it keeps N for each of them (the same total as nginx with
		// worker_processes auto).
		max:      u.Keepalive * scale,
		requests: u.KeepaliveRequests,
		time:     u.KeepaliveTime,
		timeout:  u.KeepaliveTimeout,
		local:    u.KeepaliveLocal,
		now:      now,
		lists:    make(map[any]*idleList),
	}
	if p.requests <= 0 {
		p.requests = defaultKeepaliveRequests
	}
	if p.time <= 0 {
		p.time = defaultKeepaliveTime
	}
	if p.timeout <= 0 {
		p.timeout = defaultKeepaliveTimeout
	}
	return p
}

// Get returns an idle connection to peer kept under key (key matters
// only with "keepalive ... local"), most recently used first, or nil.
// It never returns a connection idle longer than keepalive_timeout, or
// one the server closed or sent bytes on: those are closed instead
// (ngx_http_upstream_get_keepalive_peer and its close handler).
func (g *Group) Get(peer *Peer, key any) *Conn {
	if g.pool == nil {
		return nil
	}
	return g.GetAt(peer, key, g.pool.now())
}

// GetAt is Get at a time the caller has just read.
func (g *Group) GetAt(peer *Peer, key any, now time.Time) *Conn {
	p := g.pool
	if p == nil {
		return nil
	}
	if !p.local {
		key = nil
	}
	// Each round takes one connection off the list, so the rounds are
	// bounded by the pool's size.
	for range p.max + 1 {
		c := p.take(peer, key, now)
		if c == nil {
			return nil
		}
		if c.alive() {
			return c
		}
		c.Conn.Close()
	}
	return nil
}

// take removes the most recently used idle connection to peer under key,
// closing the expired ones it meets on the way.
func (p *pool) take(peer *Peer, key any, now time.Time) *Conn {
	var expired []*Conn
	var found *Conn
	p.mu.Lock()
	if l := p.lists[key]; l != nil {
		for c := l.head; c != nil; {
			next := c.next
			if now.Sub(c.idleSince) >= p.timeout {
				l.remove(c)
				expired = append(expired, c)
			} else if c.Peer == peer {
				l.remove(c)
				found = c
				break
			}
			c = next
		}
	}
	p.mu.Unlock()
	for _, c := range expired {
		c.Conn.Close()
	}
	return found
}

// Put gives c back to the pool under key after a request that left it
// reusable (the response was read in full and the server did not ask to
// close). It closes c instead when keepalive is off, when c has served
// keepalive_requests requests or lived longer than keepalive_time, or
// after the Set was closed. A full list closes its least recently used
// connection (ngx_http_upstream_free_keepalive_peer).
// Pooling reports whether the group keeps idle connections (keepalive
// is not 0).
func (g *Group) Pooling() bool { return g.pool != nil }

func (g *Group) Put(c *Conn, key any) {
	if g.pool == nil {
		c.Conn.Close()
		return
	}
	g.PutAt(c, key, g.pool.now())
}

// PutAt is Put at a time the caller has just read.
func (g *Group) PutAt(c *Conn, key any, now time.Time) {
	p := g.pool
	if p == nil || int64(c.Requests) >= p.requests || c.aborted.Load() {
		c.Conn.Close()
		return
	}
	if now.Sub(c.Created) > p.time {
		c.Conn.Close()
		return
	}
	if !p.local {
		key = nil
	}
	// Deadlines are left as the last request set them: every use sets
	// its own first, and the readiness check does not look at them.
	var evicted *Conn
	p.mu.Lock()
	if c.list != nil {
		p.mu.Unlock() // already idle: a second Put is a no-op
		return
	}
	if p.closed {
		p.mu.Unlock()
		c.Conn.Close()
		return
	}
	l := p.lists[key]
	if l == nil {
		l = &idleList{}
		p.lists[key] = l
	}
	if l.n >= p.max {
		evicted = l.tail
		l.remove(evicted)
	}
	c.key = key
	c.idleSince = now
	l.pushFront(c)
	p.mu.Unlock()
	if evicted != nil {
		evicted.Conn.Close()
	}
}

// Idle returns the number of idle connections kept under key.
func (g *Group) Idle(key any) int {
	p := g.pool
	if p == nil {
		return 0
	}
	if !p.local {
		key = nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.lists[key]; l != nil {
		return l.n
	}
	return 0
}

// sweep closes the idle connections past keepalive_timeout and those the
// server closed or wrote to while they sat idle.
func (p *pool) sweep() {
	now := p.now()
	var gone []*Conn
	p.mu.Lock()
	for key, l := range p.lists {
		for c := l.tail; c != nil; {
			prev := c.prev
			if now.Sub(c.idleSince) >= p.timeout || !c.alive() {
				l.remove(c)
				gone = append(gone, c)
			}
			c = prev
		}
		if l.n == 0 {
			delete(p.lists, key)
		}
	}
	p.mu.Unlock()
	for _, c := range gone {
		c.Conn.Close()
	}
}

// close closes every idle connection and makes Put close from now on.
func (p *pool) close() {
	var all []*Conn
	p.mu.Lock()
	p.closed = true
	for key, l := range p.lists {
		for c := l.head; c != nil; {
			next := c.next
			l.remove(c)
			all = append(all, c)
			c = next
		}
		delete(p.lists, key)
	}
	p.mu.Unlock()
	for _, c := range all {
		c.Conn.Close()
	}
}

// sweeper runs the pools' sweep every interval until Close.
func (s *Set) sweeper(interval time.Duration) {
	defer close(s.done)
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tk.C:
			for _, g := range s.list {
				if g.pool != nil {
					g.pool.sweep()
				}
			}
		}
	}
}

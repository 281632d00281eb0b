package httpcore

import (
	"errors"
	"io"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/proxyproto"
	"weir/internal/rawio"
)

// Connection states. A connection is active while its goroutine reads or
// answers a request, idle-hot while its goroutine waits for the next
// request without any buffer, and idle-epoll once the goroutine has exited
// and the engine's own poller watches the socket (see poller_linux.go).
const (
	stActive int32 = iota
	stIdleHot
	stIdleEpoll
	stClosed
)

// hotIdle is how long an idle connection keeps its goroutine parked in the
// Go netpoller before handing the socket to the engine's poller. A busy
// keep-alive connection never leaves the fast path; a quiet one costs no
// goroutine stack at all after hotIdle.
var hotIdle = knob(200 * time.Millisecond)

// tailWait bounds the first wait after a response whose last bytes were
// written as the wait began (see outWriter.holdLast): the longest a
// pipelined request that arrived meanwhile waits to be read. The deadline
// is rounded up to a multiple of half of it, so that a busy connection
// moves its socket deadline (a runtime timer) every few requests, not at
// each: the wait is 20 to 30 ms.
const tailWait = 20 * time.Millisecond

// reuseGrace is how long a keep-alive connection that has just answered
// its second or later request is spared by a reclaim (see Server.reclaim).
var reuseGrace = knob(5 * time.Millisecond)

// drainGrace is how long a keep-alive connection that went idle just
// before a drain may still send its next request (see waitIdle).
var drainGrace = knob(time.Second)

// knob is a duration tests may change while connection goroutines of an
// earlier test still read it; production never changes one.
type knob int64

func (k *knob) get() int64          { return atomic.LoadInt64((*int64)(k)) }
func (k *knob) set(d time.Duration) { atomic.StoreInt64((*int64)(k), int64(d)) }

// nginx's lingering_time and lingering_timeout defaults.
const (
	lingeringTime    = 30 * time.Second
	lingeringTimeout = 5 * time.Second
)

// conn is one client connection. Fields below "owned by the connection
// goroutine" are only touched by the goroutine that currently runs the
// connection (there is at most one; handing over goes through mu or a go
// statement).
type conn struct {
	srv  *Server
	nc   net.Conn
	rc   syscall.RawConn // nil unless nc is a plain TCP or unix socket
	fd   int32           // the socket, -1 when rc is nil
	tcp  bool
	info ConnInfo
	set  *Settings // read only, shared
	born int64     // unix nanoseconds of the accept, for keepalive_time

	// the Server's list of connections, guarded by srv.mu
	sprev, snext *conn
	listed       bool

	small, large *sync.Pool

	mu     sync.Mutex
	state  atomic.Int32
	closed bool
	polled bool   // registered with the poller
	slot   uint32 // poller slot and generation
	gen    uint32
	// the poller's timer wheel (keepalive_timeout of parked connections)
	tprev, tnext *conn
	tslot        int32        // -1 when not on the wheel
	h2           *h2Conn      // the HTTP/2 connection served on it, for Drain
	keptAt       atomic.Int64 // when it last went idle after answering (keep-alive), for reclaim; 0 before its first answer, 1 after only one
	begun        atomic.Bool  // its goroutine has started (for reclaim: until then it waits for a first request)
	waiting      atomic.Bool  // counted in Stats.Waiting (setWaiting)

	// owned by the connection goroutine
	idleFirst    bool  // waiting for the first request
	ppPending    bool  // "listen ... proxy_protocol": the header is still to come
	idleSince    int64 // when the current idle wait began
	idleDeadline int64 // when it times out
	cur          *buf  // current header buffer (nginx's header_in)
	pos, last    int
	nlarge       int   // large header buffers in use (nginx's hc->nbusy)
	curLarge     bool  // cur is a large header buffer
	pipelined    bool  // the current request was already buffered
	rdl, wdl     int64 // read and write deadlines now set (unix nanoseconds)
	clock        int64 // a recent time (request start, then header time)
	idleNow      int64 // the time the idle wait was entered, 0 if unknown
	st           *stream

	// the last bytes of the previous response, held for idleRead to
	// write (outWriter.holdLast), with their pooled buffer and
	// send_timeout
	tail        []byte
	tailBuf     *buf
	tailTimeout time.Duration
	tailHeld    atomic.Bool // a tail waits: closeIdle leaves the connection alone

	// results of the raw callbacks (prebuilt method values avoid a
	// closure allocation per call)
	idleFn func(uintptr) bool
	rdBuf  *buf
	rdN    int
	rdErr  error
	sendFn func(uintptr) bool // sendRaw's: what is left of wv goes out
	wv     [][]byte
	wvArr  [4][]byte
	wi     int
	wn     int64
	werr   syscall.Errno
}

func newConn(s *Server, nc net.Conn, tag any) *conn {
	c := &conn{srv: s, nc: nc, fd: -1, tslot: -1}
	c.info.ID = connSerial.Add(1)
	c.info.Tag = tag
	c.info.NetConn = nc
	switch a := nc.RemoteAddr().(type) {
	case *net.TCPAddr:
		ap := a.AddrPort()
		c.info.Remote = netipUnmap(ap)
		c.info.RemoteText = c.info.Remote.Addr().String()
	case *net.UnixAddr:
		c.info.Unix = true
		c.info.RemoteText = "unix:"
	default:
		if a != nil {
			c.info.RemoteText = a.String()
		}
	}
	if a, ok := nc.LocalAddr().(*net.TCPAddr); ok {
		c.info.Local = netipUnmap(a.AddrPort())
	}
	switch t := nc.(type) {
	case *net.TCPConn:
		c.tcp = true
		c.rc, _ = t.SyscallConn()
	case *net.UnixConn:
		c.rc, _ = t.SyscallConn()
	}
	if c.rc != nil {
		c.rc.Control(func(fd uintptr) { c.fd = int32(fd) })
		c.idleFn = c.idleRead
		c.sendFn = c.sendFD
		c.wv = c.wvArr[:0]
	}
	return c
}

// start runs on the connection's first goroutine.
func (c *conn) start() {
	c.begun.Store(true)
	c.set = c.srv.Handler.Settings(c.info.Tag).defaulted()
	c.small = bufPool(c.set.HeaderBufferSize)
	c.large = bufPool(c.set.LargeHeaderBufSize)
	now := nanotime()
	c.born = now
	c.info.Born = now
	c.idleFirst = true
	// a TLS connection's header is read under the handshake (server's
	// wrapper); the engine reads a plain connection's in its first read
	c.ppPending = c.set.ProxyProtocol && c.rc != nil
	c.idleSince = now
	c.idleDeadline = now + int64(c.set.HeaderTimeout)
	c.run()
}

// run serves requests until the connection closes or goes to the poller.
func (c *conn) run() {
	for {
		if c.pos >= c.last {
			if !c.waitIdle() {
				return
			}
		}
		c.setWaiting(false)
		if c.wantsH2() {
			c.serveH2()
			return
		}
		if !c.serveRequest() {
			return
		}
	}
}

func nanotime() int64 { return time.Now().UnixNano() }

// setReadDeadline sets the socket read deadline unless it is already d.
func (c *conn) setReadDeadline(d int64) {
	if c.rdl != d {
		c.rdl = d
		c.nc.SetReadDeadline(time.Unix(0, d))
	}
}

func (c *conn) setWriteDeadline(d int64) {
	if c.wdl != d {
		c.wdl = d
		c.nc.SetWriteDeadline(time.Unix(0, d))
	}
}

// quantum rounds timeouts of the long waits so that a busy connection
// changes its socket deadline a few times a second, not per request.
const quantum = int64(100 * time.Millisecond)

func roundUp(t int64) int64 { return roundUpTo(t, quantum) }

func roundUpTo(t, q int64) int64 { return (t + q - 1) / q * q }

// waitIdle waits, without holding a buffer, for the first bytes of the
// next request (nginx's ngx_http_wait_request_handler and
// ngx_http_keepalive_handler). It returns true with the bytes in c.cur,
// or false when the connection was closed or handed to the poller.
func (c *conn) waitIdle() bool {
	c.setWaiting(true)
	// an idle connection holds no request state either
	c.releaseStream()
	for first := true; ; first = false {
		if c.tail != nil && (!first || c.rc == nil) {
			// idleRead had no room to write it all: the rest the
			// ordinary way, then the wait
			if c.flushTail() != nil {
				c.shutdown()
				return false
			}
		}
		// A draining server closes idle keep-alive connections, but a
		// connection still waiting for its first request is served (with
		// "Connection: close"), as an exiting nginx worker does: nginx
		// marks only keep-alive connections idle. A keep-alive connection
		// idle for less than drainGrace may have its next request on the
		// way (it was told keep-alive a moment ago): it is given the rest
		// of the grace to send it, answered with "Connection: close",
		// rather than closed under the request as nginx does.
		draining := c.srv.draining.Load()
		now := c.idleNow
		c.idleNow = 0
		if now == 0 {
			now = nanotime()
		}
		graceEnd := c.idleSince + drainGrace.get()
		if draining && !c.idleFirst && now >= graceEnd {
			return c.drainIdle()
		}
		if now >= c.idleDeadline {
			c.idleTimedOut()
			return false
		}
		dl := c.idleDeadline
		if draining && !c.idleFirst && graceEnd < dl {
			dl = graceEnd
		}
		hotEnd := c.idleSince + hotIdle.get()
		handoff := c.rc != nil && pollerAvailable() && !draining
		if handoff && hotEnd < dl {
			if dl = roundUp(hotEnd); dl > c.idleDeadline {
				dl = c.idleDeadline
			}
		}

		if t := roundUpTo(now+int64(tailWait), int64(tailWait/2)); c.tail != nil && t < dl {
			// idleRead writes the held bytes and waits without a read
			// first. A request a pipelining client sent before the wait
			// began is not reported by the poller again, so this first
			// wait is short, and the read after it finds such a request.
			dl = t
		}

		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			c.cleanup()
			return false
		}
		if c.srv.draining.Load() && !draining {
			c.mu.Unlock()
			continue
		}
		c.state.Store(stIdleHot)
		c.setReadDeadline(dl)
		c.mu.Unlock()

		var err error
		if c.rc != nil {
			c.rdBuf, c.rdN, c.rdErr = nil, 0, nil
			err = c.rc.Read(c.idleFn)
			if err == nil {
				err = c.rdErr
			}
		} else {
			c.rdBuf = getBuf(c.small)
			c.rdN, err = c.nc.Read(c.rdBuf.b)
			if c.rdN == 0 {
				c.rdBuf.free()
				c.rdBuf = nil
				if err == nil {
					err = io.ErrNoProgress
				}
			} else {
				err = nil
			}
		}

		c.mu.Lock()
		c.state.Store(stActive)
		closed := c.closed
		c.mu.Unlock()

		if c.rdBuf != nil && c.rdN > 0 {
			c.takeBuffer(c.rdBuf, c.rdN)
			c.rdBuf = nil
			if c.ppPending {
				if !c.proxyHeader() {
					c.shutdown()
					return false
				}
				if c.pos >= c.last {
					// the header came alone: wait for the request
					c.releaseStream()
					c.cur, c.pos, c.last = nil, 0, 0
					continue
				}
			}
			return true
		}
		if closed {
			c.cleanup()
			return false
		}
		if c.tail != nil {
			continue // not all of it went out: the loop's top sends the rest
		}
		switch {
		case err == nil || err == io.EOF:
			if c.idleFirst {
				c.srv.logf(logInfo, &c.info, "client closed connection while %s", c.idleAction())
			} else {
				// ngx_http_keepalive_handler clears the log handler
				c.srv.logf(logInfo|LogNoContext, &c.info, "client %s closed keepalive connection", c.info.RemoteText)
			}
			c.shutdown()
			return false
		case isTimeout(err):
			if c.srv.draining.Load() {
				continue
			}
			now = nanotime()
			if now >= c.idleDeadline {
				c.idleTimedOut()
				return false
			}
			if handoff && now >= hotEnd && c.handoff() {
				return false
			}
		default:
			if errors.Is(err, syscall.ECONNRESET) && !c.idleFirst {
				// ngx_http_keepalive_handler ignores ECONNRESET in recv()
				// and takes it for a close, with the errno in the line
				c.srv.logf(logInfo|LogNoContext, &c.info, "client %s closed keepalive connection (%s)", c.info.RemoteText, errnoText(err))
			} else {
				c.srv.logf(logInfo, &c.info, "recv() failed (%s) while %s", errnoText(err), c.idleAction())
			}
			c.shutdown()
			return false
		}
	}
}

func (c *conn) idleAction() string {
	if c.ppPending {
		return "reading PROXY protocol"
	}
	if c.idleFirst {
		return "waiting for request"
	}
	return "keepalive"
}

// idleRead is the raw read callback of waitIdle: a buffer is taken from
// the pool only when the socket has bytes for it.
func (c *conn) idleRead(fd uintptr) bool {
	if c.tail != nil {
		// the previous response's last bytes first: when they all go
		// out, the wait begins without a read that would find nothing
		return !c.writeTail(fd)
	}
	b := getBuf(c.small)
	n, errno := rawio.Read(fd, b.b)
	if errno == syscall.EAGAIN {
		b.free()
		return false
	}
	if n > 0 {
		c.rdBuf, c.rdN = b, n
		return true
	}
	b.free()
	c.rdErr = io.EOF
	if errno != 0 {
		c.rdErr = errno
	}
	return true
}

// writeTail writes the held bytes without blocking and reports whether
// they all went out (and were released). What is left stays for
// flushTail.
func (c *conn) writeTail(fd uintptr) bool {
	for len(c.tail) > 0 {
		n, errno := rawio.Write(fd, c.tail)
		if errno != 0 || n <= 0 {
			return false
		}
		c.tail = c.tail[n:]
	}
	c.releaseTail()
	return true
}

// flushTail writes what is left of the held bytes with their
// send_timeout, and logs a failure as the response's writes do.
func (c *conn) flushTail() error {
	_, err := c.write(c.tail, c.tailTimeout)
	c.releaseTail()
	if err != nil {
		c.sendFailed(err, "writev")
	}
	return err
}

func (c *conn) releaseTail() {
	if c.tailBuf != nil {
		c.tailBuf.free()
	}
	c.tail, c.tailBuf = nil, nil
	c.tailHeld.Store(false)
}

// takeBuffer makes b, holding n fresh bytes, the current header buffer.
func (c *conn) takeBuffer(b *buf, n int) {
	if c.st == nil {
		c.st = getStream(c)
	}
	c.cur = b
	c.pos, c.last = 0, n
	c.st.bufs = append(c.st.bufs[:0], b)
	c.nlarge = 0
	c.curLarge = false
}

func (c *conn) idleTimedOut() {
	if c.idleFirst {
		c.srv.logf(logInfo, &c.info, "client timed out (110: Connection timed out) while %s", c.idleAction())
	}
	c.shutdown()
}

// proxyHeader takes the PROXY protocol header off the first bytes read,
// as ngx_http_wait_request_handler does: it must have come whole with
// them. It reports false when the connection is to be closed (logged as
// nginx logs it).
func (c *conn) proxyHeader() bool {
	c.ppPending = false
	h, n, msg := proxyproto.Parse(c.cur.b[c.pos:c.last])
	if n < 0 {
		if msg != "" {
			c.srv.logf(logErr, &c.info, "%s while reading PROXY protocol", msg)
		}
		return false
	}
	c.pos += n
	c.info.Proxy = h
	return true
}

// drainIdle handles an idle connection of a draining server: it is closed
// unless a request is already pending, which is then served (and answered
// with "Connection: close").
func (c *conn) drainIdle() bool {
	if c.rc == nil {
		c.shutdown()
		return false
	}
	var b *buf
	var n int
	c.rc.Control(func(fd uintptr) {
		b = getBuf(c.small)
		n, _ = rawio.Read(fd, b.b)
	})
	if n <= 0 {
		b.free()
		c.shutdown()
		return false
	}
	c.takeBuffer(b, n)
	return true
}

// handoff parks the idle connection in the engine's poller and lets the
// goroutine end. It reports false when that is not possible now.
func (c *conn) handoff() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.srv.draining.Load() {
		return false
	}
	if !pollerArm(c) {
		return false
	}
	c.state.Store(stIdleEpoll)
	c.rdl = -1 // unknown: the next read sets its deadline again
	c.releaseStream()
	timerAdd(c)
	return true
}

// wake is called by the poller when a parked connection becomes readable.
func (c *conn) wake() {
	c.mu.Lock()
	if c.closed || c.state.Load() != stIdleEpoll {
		c.mu.Unlock()
		return
	}
	c.state.Store(stActive)
	timerDel(c)
	c.mu.Unlock()
	c.idleSince = nanotime()
	go c.run()
}

// onIdleTimer is called by the poller's timer wheel, which has taken c
// off the wheel, when its idle deadline has passed.
func (c *conn) onIdleTimer() {
	c.mu.Lock()
	if c.closed || c.state.Load() != stIdleEpoll {
		c.mu.Unlock()
		return
	}
	if c.idleDeadline > nanotime() {
		timerAdd(c)
		c.mu.Unlock()
		return
	}
	first, action := c.idleFirst, c.idleAction()
	c.closeLocked()
	c.mu.Unlock()
	if first {
		c.srv.logf(logInfo, &c.info, "client timed out (110: Connection timed out) while %s", action)
	}
	c.srv.remove(c)
}

// drain is Server.Drain's visit of one connection.
func (c *conn) drain() {
	c.mu.Lock()
	if hc := c.h2; hc != nil {
		// GOAWAY; the streams in progress finish
		c.mu.Unlock()
		go hc.goAway()
		return
	}
	switch c.state.Load() {
	case stIdleHot:
		// wake the parked goroutine; it sees the server draining
		c.rdl = 1
		c.nc.SetReadDeadline(time.Unix(0, 1))
	case stIdleEpoll:
		if !c.pending() && !c.idleFirst && nanotime()-c.idleSince >= drainGrace.get() {
			c.closeLocked()
			c.mu.Unlock()
			c.srv.remove(c)
			return
		}
		c.state.Store(stActive)
		timerDel(c)
		c.mu.Unlock()
		go c.run()
		return
	}
	c.mu.Unlock()
}

// pending reports whether bytes (or the end of the stream) wait on the
// socket, without consuming them.
func (c *conn) pending() bool {
	yes, _ := c.peek()
	return yes
}

// dropToEOF reads and drops what waits on the socket, without waiting,
// as nginx's discarding of a body does, and reports whether the client's
// end of the stream came.
func (c *conn) dropToEOF() bool {
	eof := false
	c.rc.Control(func(fd uintptr) {
		var b [4096]byte
		for i := 0; i < 256; i++ {
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			if err == nil && n == 0 {
				eof = true
			}
			if err != nil || n <= 0 {
				break
			}
		}
	})
	return eof
}

// peek looks at the socket without consuming anything: ready when bytes
// or the end of the stream wait, failed when a read would fail (the
// client's reset). Either is nginx's read event being ready (epoll
// reports an error as readable).
func (c *conn) peek() (ready, failed bool) {
	c.rc.Control(func(fd uintptr) {
		var b [1]byte
		for {
			n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
			if err == syscall.EINTR {
				continue
			}
			ready = err == nil && n >= 0
			failed = err != nil && err != syscall.EAGAIN
			break
		}
	})
	return ready, failed
}

// closeIdle closes the connection if it is idle (worker_connections
// reuse).
func (c *conn) closeIdle() {
	c.mu.Lock()
	if c.closed || !c.reclaimable() || c.tailHeld.Load() {
		// busy, or the last response is not out yet
		c.mu.Unlock()
		return
	}
	c.closeLocked()
	c.mu.Unlock()
	c.srv.remove(c)
}

// reclaimable reports whether c waits for a request: idle, or just
// accepted and its goroutine not started yet (which then finds it closed).
func (c *conn) reclaimable() bool {
	st := c.state.Load()
	return st == stIdleHot || st == stIdleEpoll || st == stActive && !c.begun.Load()
}

// abort closes the connection whatever it is doing (Server.CloseAll).
func (c *conn) abort() {
	c.mu.Lock()
	c.closeLocked()
	c.mu.Unlock()
	c.srv.remove(c)
}

func (c *conn) closeLocked() {
	if c.closed {
		return
	}
	c.closed = true
	c.state.Store(stClosed)
	if c.polled {
		pollerDel(c)
		c.polled = false
	}
	timerDel(c)
	c.nc.Close()
}

// shutdown closes the connection from its own goroutine and releases
// everything it holds.
func (c *conn) shutdown() {
	// out of the counts first, as ngx_http_close_connection takes it
	// off ngx_stat_active before it closes the socket: a client that
	// saw the close and asks for stub_status at once is not counted
	c.srv.remove(c)
	c.mu.Lock()
	c.closeLocked()
	c.mu.Unlock()
	c.cleanup()
}

// cleanup releases the buffers and the request state of a closed
// connection.
func (c *conn) cleanup() {
	c.releaseTail()
	c.releaseBufs(false)
	c.releaseStream()
	c.srv.remove(c)
}

// releaseBufs returns the header buffers to their pools; with keepCur the
// current buffer, which holds a pipelined request, is kept.
func (c *conn) releaseBufs(keepCur bool) {
	if s := c.st; s != nil {
		for i, b := range s.bufs {
			if !(keepCur && b == c.cur) {
				b.free()
			}
			s.bufs[i] = nil
		}
		s.bufs = s.bufs[:0]
		if keepCur && c.cur != nil {
			s.bufs = append(s.bufs, c.cur)
			return
		}
	}
	c.cur = nil
	c.pos, c.last = 0, 0
}

func (c *conn) releaseStream() {
	if c.st != nil {
		c.st.release()
		c.st = nil
	}
}

// lingeringClose is ngx_http_set_lingering_close: the response is out,
// so shut the sending side and read and drop what the client still sends
// for a while, so that the client sees the response rather than a reset.
//
// A client that reset the connection makes shutdown() fail (ENOTCONN):
// nginx logs it in the request's context (ctx, else the connection's) and
// closes without lingering.
func (c *conn) lingeringClose(total, each time.Duration, ctx string) {
	var err error
	switch t := c.nc.(type) {
	case *net.TCPConn:
		err = t.CloseWrite()
	case *net.UnixConn:
		err = t.CloseWrite()
	}
	if err != nil {
		c.lingerLog(err, "shutdown", ctx)
		c.shutdown()
		return
	}
	b := getBuf(c.large)
	end := nanotime() + int64(total)
	for {
		now := nanotime()
		if now >= end {
			break
		}
		d := now + int64(each)
		if d > end {
			d = end
		}
		c.setReadDeadline(d)
		if _, err := c.nc.Read(b.b); err != nil {
			if err != io.EOF && !isTimeout(err) {
				// the client's reset: ngx_unix_recv logs it
				c.lingerLog(err, "recv", ctx)
			}
			break
		}
	}
	b.free()
	c.shutdown()
}

// lingerLog writes the "[info] op() failed" line of a lingering close,
// in the request's context ctx when there is one.
func (c *conn) lingerLog(err error, op, ctx string) {
	if ctx != "" {
		c.srv.logf(logInfo|LogNoContext, &c.info, "%s() failed (%s)%s", op, errnoText(err), ctx)
		return
	}
	c.srv.logf(logInfo, &c.info, "%s() failed (%s)", op, errnoText(err))
}

// serveRequest reads one request, calls the handler and finishes the
// exchange. It reports whether the connection stays open.
func (c *conn) serveRequest() bool {
	s := c.st
	if s == nil {
		s = getStream(c)
		c.st = s
	}
	s.begin()
	s.statBegin()
	c.info.Requests++
	r := &s.req
	w := &s.resp
	r.Pipelined = c.pipelined && !c.idleFirst
	r.Start = time.Now()
	s.clock = r.Start.UnixNano()
	if c.idleFirst {
		s.action = "reading client request line"
	} else if c.pipelined {
		s.action = "reading client pipelined request line"
	} else {
		s.action = "reading client request line"
	}
	c.readRequest(s)
	if r.Err == 0 {
		s.statWrite()
	}
	c.initResponse(s)

	ok := c.callHandler(s)
	o := &s.out
	if o.hijacked {
		// the handler owns the socket now
		c.mu.Lock()
		c.closed = true
		c.state.Store(stClosed)
		c.mu.Unlock()
		c.srv.remove(c)
		c.releaseBufs(false)
		c.releaseStream()
		return false
	}
	if !ok {
		c.shutdown()
		return false
	}
	if !o.headerSent || o.drop {
		// nothing was sent: the handler chose to close (444), or the
		// request timed out or the client is gone
		if r.Err != 0 && !r.NoResponse {
			c.lingerOrClose(s)
			return false
		}
		c.shutdown()
		return false
	}
	if !o.finished {
		w.Finish()
	}
	keep := o.keepAlive && o.err == nil && !o.incomplete && r.Err == 0 && !o.http09
	if keep && !s.body.complete() {
		keep = s.body.finish()
	}
	if c.tail != nil && (!keep || c.pos < c.last) {
		// the response goes out before the connection closes or the
		// pipelined request is served
		if err := c.flushTail(); err != nil {
			o.err = err
		}
	}
	if o.err != nil {
		c.shutdown()
		return false
	}
	if !keep {
		c.lingerOrClose(s)
		return false
	}
	// A response that announced keep-alive while the server began to
	// drain goes the keep-alive way: the client may already be sending
	// its next request, which waitIdle's drain serves (with
	// "Connection: close") instead of dropping it; with nothing pending
	// the connection closes at once there.

	// keep-alive: keep a pipelined request's buffer, free the rest
	c.pipelined = c.pos < c.last
	if c.pipelined {
		// as ngx_http_set_keepalive: a large buffer holding the next
		// request stays busy for it
		c.releaseBufs(true)
		c.nlarge = 0
		if c.curLarge {
			c.nlarge = 1
		}
	} else {
		c.releaseBufs(false)
	}
	now := nanotime()
	c.idleNow = now
	c.idleFirst = false
	if c.info.Requests > 1 {
		c.keptAt.Store(now)
	} else {
		// one answer so far: not a busy client (reclaim spares
		// only those), and never 0
		c.keptAt.Store(1)
	}
	c.idleSince = now
	c.idleDeadline = now + int64(w.KeepaliveTimeout)
	return true
}

// lingerOrClose closes the connection, lingering when the client may
// still be sending (nginx's lingering_close on).
func (c *conn) lingerOrClose(s *stream) {
	w := &s.resp
	linger := false
	switch w.Lingering {
	case LingerAlways:
		linger = true
	case LingerOn:
		// c.pipelined: nginx's c->pipeline
		linger = c.pos < c.last || c.pipelined || !s.body.complete() || s.req.Err == 494
		if !linger && c.rc != nil {
			ready, failed := c.peek()
			linger = ready || failed
		}
	}
	if s.body.err == io.ErrUnexpectedEOF || !s.body.complete() && c.rc != nil && c.dropToEOF() {
		// the client closed while its body was read or discarded:
		// nginx's read->eof closes at once (ngx_http_finalize_connection)
		linger = false
	}
	if linger {
		total, each := w.LingeringTime, w.LingeringTimeout
		ctx := w.CloseLog
		if s.req.Err != 0 && ctx != "" {
			// a request that could not be read: the reading action
			ctx = " while " + s.action + ctx
		}
		// the request lives on while the connection lingers, which
		// nginx makes reusable (ngx_http_set_lingering_close)
		held := s.stat
		s.stat = statNone
		c.releaseBufs(false)
		c.releaseStream()
		c.setWaiting(true)
		c.lingeringClose(total, each, ctx)
		statDrop(held)
		return
	}
	c.shutdown()
}

func (c *conn) callHandler(s *stream) (ok bool) {
	defer func() {
		if e := recover(); e != nil {
			c.srv.logf(logAlert, &c.info, "handler panic: %v\n%s", e, debug.Stack())
			ok = false
		}
	}()
	c.srv.Handler.Serve(&s.resp, &s.req)
	return true
}

// initResponse sets the response defaults for a new request.
func (c *conn) initResponse(s *stream) {
	r := &s.req
	w := &s.resp
	w.Status = 200
	w.ContentType = ""
	w.ContentLength = -1
	w.LastModified = time.Time{}
	w.Header = s.whdr[:0]
	w.Server = ""
	w.StatusLine = ""
	w.Location = ""
	w.NoDate = false
	w.NoChunked = false
	w.Clock = 0
	w.KeepAlive = r.KeepAlive && r.Err == 0 && !c.srv.draining.Load()
	w.KeepaliveTimeout = c.set.KeepaliveTimeout
	w.KeepaliveHeader = 0
	w.KeepaliveRequests = 1000
	w.KeepaliveTime = time.Hour
	w.SendTimeout = 60 * time.Second
	w.SendFailLog = nil
	w.CloseLog = ""
	w.LimitRate, w.LimitRateAfter = 0, 0
	w.BodySkip, w.BodyTrim = 0, false
	w.Gzip, w.GzipVary = 0, false
	w.Filters, w.Trailers = nil, nil
	w.Lingering, w.LingeringTime, w.LingeringTimeout = LingerOn, lingeringTime, lingeringTimeout
	w.OnHeader = nil
	s.out.drop = r.NoResponse
	// an HTTP/0.9 request, even a refused one, is answered without header
	s.out.http09 = r.Proto == "" && r.ProtoMinor == 9 && (r.Err == 0 || r.Err == 400)
}

// read reads from the socket with the given read deadline.
func (c *conn) read(p []byte, deadline int64) (int, error) {
	c.setReadDeadline(deadline)
	return c.nc.Read(p)
}

// writeNow is the time to count send_timeout from.
func (c *conn) writeNow() int64 { return nanotime() }

// write writes p fully with send_timeout.
func (c *conn) write(p []byte, timeout time.Duration) (int, error) {
	c.setWriteDeadline(roundUp(c.writeNow() + int64(timeout)))
	if c.rc != nil {
		c.wv = append(c.wv[:0], p)
		n, err := c.sendRaw()
		return int(n), err
	}
	return c.nc.Write(p)
}

func (c *conn) writev(timeout time.Duration, bufs ...[]byte) (int64, error) {
	c.setWriteDeadline(roundUp(c.writeNow() + int64(timeout)))
	if c.rc != nil {
		c.wv = append(c.wv[:0], bufs...)
		return c.sendRaw()
	}
	s := c.st
	s.iov = append(s.iovArr[:0], bufs...)
	return s.iov.WriteTo(c.nc)
}

// sendFD is sendRaw's callback: writev what is left of c.wv (from
// c.wi); false (wait for room) on EAGAIN.
func (c *conn) sendFD(fd uintptr) bool {
	for {
		for c.wi < len(c.wv) && len(c.wv[c.wi]) == 0 {
			c.wi++
		}
		if c.wi == len(c.wv) {
			return true
		}
		n, errno := rawio.Writev(fd, c.wv[c.wi:])
		if errno == syscall.EAGAIN {
			return false
		}
		if errno != 0 {
			c.werr = errno
			return true
		}
		c.wn += int64(n)
		for n > 0 {
			m := min(n, len(c.wv[c.wi]))
			c.wv[c.wi] = c.wv[c.wi][m:]
			n -= m
			if len(c.wv[c.wi]) == 0 {
				c.wi++
			}
		}
	}
}

// sendRaw writes all of c.wv to the socket with raw system calls (see
// package rawio), waiting in the poller while the socket is full, within
// the write deadline.
func (c *conn) sendRaw() (int64, error) {
	c.wi, c.wn, c.werr = 0, 0, 0
	err := c.rc.Write(c.sendFn)
	clear(c.wv)
	c.wv = c.wv[:0]
	if err == nil && c.werr != 0 {
		err = &net.OpError{Op: "write", Net: c.nc.LocalAddr().Network(), Err: os.NewSyscallError("write", c.werr)}
	}
	return c.wn, err
}

// writeMore writes p telling the kernel that more data follows at once
// (MSG_MORE), so that a response header and the sendfile data behind it
// leave in one segment.
func (c *conn) writeMore(p []byte, timeout time.Duration) (int, error) {
	if c.rc == nil || !c.tcp {
		return c.write(p, timeout)
	}
	c.setWriteDeadline(roundUp(c.writeNow() + int64(timeout)))
	s := c.st
	s.moreBuf, s.moreN, s.moreErr = p, 0, nil
	if s.moreFn == nil {
		s.moreFn = s.sendMore
	}
	err := c.rc.Write(s.moreFn)
	if err == nil {
		err = s.moreErr
	}
	n := s.moreN
	s.moreBuf = nil
	return n, err
}

func (s *stream) sendMore(fd uintptr) bool {
	for s.moreN < len(s.moreBuf) {
		n, err := syscall.SendmsgN(int(fd), s.moreBuf[s.moreN:], nil, nil, msgMore)
		if n > 0 {
			s.moreN += n
		}
		switch err {
		case nil:
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			s.moreErr = &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("sendmsg", err)}
			return true
		}
	}
	return true
}

func isTimeout(err error) bool {
	return errors.Is(err, os.ErrDeadlineExceeded)
}

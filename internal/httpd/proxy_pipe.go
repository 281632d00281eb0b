package httpd

import (
	"math/bits"
	"os"
	"sync"
	"syscall"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/tlsconf"
	"weir/internal/upstream"
)

// The event pipe is proxy_buffering on (and *_buffering on for FastCGI,
// uwsgi and SCGI; memcached never buffers): nginx's ngx_event_pipe. The
// request's goroutine reads the upstream into a ring of proxy_buffers'
// size as fast as the upstream sends. While the client's socket takes
// what comes, the same goroutine writes it (spoolSync); once it does not,
// a writer goroutine passes what the ring holds to the client (run). When
// the ring is full and the client is not taking it, what it holds goes to
// a temp file in *_temp_path (up to *_max_temp_file_size), so the
// upstream is still read at its own pace; once the body is read the
// upstream connection is released (back to the keep-alive pool) while the
// client goes on taking the rest from the ring and the file.
//
// The bytes are in order: what the writer is sending from the ring
// (busy), then the part of the file not sent, then the rest of the ring.
// The writer takes from the file while the file has bytes not sent, and
// from the ring only then; a spill moves the ring's bytes that are not
// busy to the end of the file.

// spillCheck is how often a reader that waits on a full ring looks again
// whether the client has stopped taking bytes.
const spillCheck = time.Millisecond

// spillBlind is how long a write to the client must have been going on,
// when the ring is full, for the client to count as slow where its socket
// cannot be looked at. Long enough that a writer kept from a CPU on a
// busy machine is not taken for a slow client (2 ms spilled responses
// of fast HTTP/2 clients to temp files under load).
const spillBlind = 20 * time.Millisecond

// fileChunk is the most the writer sends from the temp file at once.
const fileChunk = 128 << 10

// eventPipe is one buffered response body on its way to the client,
// pooled. Its fields are guarded by mu, but for ring bytes: the free part
// belongs to the reader, the busy part to the writer.
type eventPipe struct {
	mu       sync.Mutex
	bp       *[]byte          // the pooled buffer behind ring
	ring     []byte           // proxy_buffers' worth of memory
	r, n     int              // ring: the position of the first byte held, bytes held
	busy     int              // bytes from r the writer is sending
	busyMax  int              // *_busy_buffers_size: the most the writer takes from the ring at a time after a spill
	bigMax   int              // the most it takes before: all but one of proxy_buffers
	writing  time.Time        // when the writer's write under way began; zero between writes
	sock     syscall.RawConn  // the client's socket, for clientFull; nil: not looked up yet or none
	noSock   bool             // the client's socket cannot be had
	pollFn   func(fd uintptr) // p.poll, made once per pipe (a closure per call would be allocated)
	pfull    bool             // poll's results
	pok      bool
	file     *os.File
	fr, fw   int64 // temp file: bytes sent from it, bytes written to it
	fileMax  int64 // *_max_temp_file_size
	spilling bool  // the reader is moving the ring's bytes that are not busy to the file
	done     bool  // the reader has no more: the writer sends what is left and stops
	drop     bool  // the writer stops after what it is sending
	failed   bool  // the client failed; the writer has stopped
	w        *httpcore.Response
	wg       sync.WaitGroup
	toWriter chan struct{} // a wake-up for the writer (capacity 1)
	toReader chan struct{} // a wake-up for the reader (capacity 1)
	wWaits   bool          // the writer waits for toWriter
	rWaits   bool          // the reader waits for toReader
	timer    *time.Timer
}

var pipePool = sync.Pool{New: func() any {
	p := &eventPipe{toWriter: make(chan struct{}, 1), toReader: make(chan struct{}, 1)}
	p.pollFn = p.poll
	return p
}}

// getPipe returns a pipe with a ring of size bytes for the module's
// settings.
func getPipe(size int, uc *config.UpstreamConf) *eventPipe {
	p := pipePool.Get().(*eventPipe)
	p.bp = getRing(size)
	p.ring = (*p.bp)[:size]
	p.busyMax = int(uc.BusyBuffersSize.V)
	if p.busyMax <= 0 || p.busyMax > size {
		p.busyMax = int(uc.BuffersSize.V)
	}
	p.bigMax = max(size-int(uc.BuffersSize.V), p.busyMax)
	p.fileMax = uc.MaxTempFileSize.V
	return p
}

// release closes the temp file (unlinked when it was made) and returns
// the ring and the pipe to their pools. The writer must have stopped.
func (p *eventPipe) release() {
	if p.file != nil {
		p.file.Close()
	}
	putRing(p.bp)
	select {
	case <-p.toWriter:
	default:
	}
	select {
	case <-p.toReader:
	default:
	}
	*p = eventPipe{toWriter: p.toWriter, toReader: p.toReader, timer: p.timer, pollFn: p.pollFn}
	pipePool.Put(p)
}

// wake sends a wake-up that is not already pending.
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// start starts the writer.
func (p *eventPipe) start(w *httpcore.Response) {
	p.w = w
	p.wg.Add(1)
	go p.run()
}

// close tells the writer that the body is read (drop: that what it has
// not sent is to go) and waits for it to stop.
func (p *eventPipe) close(drop bool) {
	p.mu.Lock()
	p.done, p.drop = true, drop
	p.wakeWriter()
	p.mu.Unlock()
	p.wg.Wait()
}

// commit adds the n bytes the reader put at the start of the room it was
// given; they are dropped once the client has failed.
func (p *eventPipe) commit(n int) {
	if n == 0 {
		return
	}
	p.mu.Lock()
	if !p.failed {
		p.n += n
		p.wakeWriter()
	}
	p.mu.Unlock()
}

// wakeWriter and wakeReader wake the other side if it waits (p.mu
// held): each sets its flag under the lock before it waits, so no wake-up
// is lost, and none is sent to a side that is busy.
func (p *eventPipe) wakeWriter() {
	if p.wWaits {
		p.wWaits = false
		wake(p.toWriter)
	}
}

func (p *eventPipe) wakeReader() {
	if p.rWaits {
		p.rWaits = false
		wake(p.toReader)
	}
}

// writeAll writes what the ring holds to the client, for a body read
// whole before the writer started.
func (p *eventPipe) writeAll(w *httpcore.Response) {
	if end := p.r + p.n; end <= len(p.ring) {
		w.Write(p.ring[p.r:end])
	} else {
		w.Write(p.ring[p.r:])
		w.Write(p.ring[:end-len(p.ring)])
	}
}

// run is the writer (ngx_event_pipe_write_to_downstream): it sends the
// temp file's bytes, then the ring's, and flushes what the response
// writer gathered whenever it waits for more. It takes all but one of
// proxy_buffers from the ring at a time while the client keeps up; once
// the client has proved slow (a spill), busyMax, so that the rest can go
// to the file while a write waits (nginx's busy buffers).
func (p *eventPipe) run() {
	defer p.wg.Done()
	w := p.w
	flushed := true
	p.mu.Lock()
	for {
		if p.drop || p.failed {
			p.wakeReader()
			p.mu.Unlock()
			return
		}
		var err error
		switch {
		case p.fw > p.fr:
			off, k := p.fr, min(p.fw-p.fr, fileChunk)
			p.writing = time.Now()
			p.mu.Unlock()
			err = w.SendFile(p.file, off, k)
			p.mu.Lock()
			p.fr += k
			p.writing = time.Time{}
		case p.n > 0 && !p.spilling:
			k := min(p.n, p.bigMax, len(p.ring)-p.r)
			if p.fw > 0 {
				k = min(k, p.busyMax)
			}
			p.busy = k
			p.writing = time.Now()
			seg := p.ring[p.r : p.r+k]
			p.mu.Unlock()
			_, err = w.Write(seg)
			p.mu.Lock()
			p.r, p.n, p.busy = (p.r+k)%len(p.ring), p.n-k, 0
			p.writing = time.Time{}
		case p.done && !p.spilling:
			p.mu.Unlock()
			return
		case !flushed:
			p.writing = time.Now()
			p.mu.Unlock()
			err = w.Flush()
			flushed = true
			p.mu.Lock()
			p.writing = time.Time{}
			if err != nil {
				p.failed = true
			}
			continue
		default:
			p.wWaits = true
			p.mu.Unlock()
			<-p.toWriter
			p.mu.Lock()
			continue
		}
		flushed = false
		if err != nil {
			p.failed = true
		}
		p.wakeReader()
	}
}

// pipeStop is why the reader cannot go on.
type pipeStop uint8

const (
	pipeGo         pipeStop = iota
	pipeClientGone          // the client failed (and ignore_client_abort is off)
	pipeFileFailed          // the temp file could not be made or written (logged)
)

// pipeRoom returns where the next upstream bytes go: the ring's free
// space from where its bytes end. A full ring waits for the client; when
// the client is behind by a file already, or is stuck (clientStuck), what
// the ring holds beyond the busy part goes to the temp file, if
// *_max_temp_file_size lets it (ngx_event_pipe_read_upstream's choice
// when no buffer is free). Once the client has failed, with
// ignore_client_abort the whole ring is room whose bytes are dropped.
func (q *request) pipeRoom(p *eventPipe) ([]byte, pipeStop) {
	p.mu.Lock()
	for {
		if p.failed {
			p.mu.Unlock()
			if !q.storing() {
				// (ignore_client_abort or not: a failed write ends
				// the answer, ngx_http_upstream_process_request)
				return nil, pipeClientGone
			}
			return p.ring, pipeGo
		}
		if p.n == 0 {
			p.r = 0
		}
		if p.n < len(p.ring) {
			start, end := (p.r+p.n)%len(p.ring), len(p.ring)
			if start < p.r {
				end = p.r
			}
			p.mu.Unlock()
			return p.ring[start:end], pipeGo
		}
		unsent := p.n - p.busy
		canSpill := unsent > 0 && p.fw+int64(unsent) <= p.fileMax
		if canSpill && (p.fw > p.fr || q.clientStuck(p)) {
			if !q.pipeSpill(p) {
				p.mu.Unlock()
				return nil, pipeFileFailed
			}
			continue
		}
		p.rWaits = true
		p.mu.Unlock()
		if !canSpill {
			<-p.toReader
		} else {
			// the writer wakes the reader when it frees room, not when
			// it gets stuck: look again after a while
			if p.timer == nil {
				p.timer = time.NewTimer(spillCheck)
			} else {
				p.timer.Reset(spillCheck)
			}
			select {
			case <-p.toReader:
				p.timer.Stop()
			case <-p.timer.C:
			}
		}
		p.mu.Lock()
		p.rWaits = false
	}
}

// clientStuck reports, with p.mu held, whether the writer is stuck in a
// write because the client takes no more: its socket is not writable (on
// TLS, the socket under it), or, where that cannot be told, where
// limit_rate paces the writes (nginx's delayed write event) or an HTTP/2
// stream's flow control may hold them with the socket free, the write has
// been going on for spillBlind.
func (q *request) clientStuck(p *eventPipe) bool {
	if p.writing.IsZero() {
		return false
	}
	if q.w.LimitRate == 0 && q.r.Proto != "HTTP/2.0" {
		if full, ok := q.clientFull(p); ok {
			return full
		}
	}
	return time.Since(p.writing) >= spillBlind
}

// clientFull reports whether the client's socket (on TLS, the socket
// under it) takes no more bytes now; ok is false when that cannot be
// told.
func (q *request) clientFull(p *eventPipe) (full, ok bool) {
	if p.sock == nil && !p.noSock {
		nc := q.r.Conn.NetConn
		if tc, ok := nc.(*tlsconf.Conn); ok {
			nc = tc.Conn
		}
		if sc, ok := nc.(syscall.Conn); ok {
			p.sock, _ = sc.SyscallConn()
		}
		p.noSock = p.sock == nil
	}
	if p.sock == nil {
		return false, false
	}
	p.pfull, p.pok = false, false
	if p.sock.Control(p.pollFn) != nil {
		return false, false
	}
	return p.pfull, p.pok
}

func (p *eventPipe) poll(fd uintptr) { p.pfull, p.pok = socketFull(fd) }

// pipeSpill moves the ring's bytes that are not busy to the end of the
// temp file, made (and logged, as nginx warns) at the first spill. It is
// called and returns with p.mu held; the writer may go on with its busy
// part meanwhile.
func (q *request) pipeSpill(p *eventPipe) bool {
	start, k := (p.r+p.busy)%len(p.ring), p.n-p.busy
	p.spilling = true
	p.mu.Unlock()
	ok := q.spillWrite(p, start, k)
	p.mu.Lock()
	p.spilling = false
	if ok {
		p.fw += int64(k)
		p.n -= k
	}
	p.wakeWriter()
	return ok
}

// spillWrite writes k ring bytes from start (wrapping) at the end of the
// temp file, making it first if need be.
func (q *request) spillWrite(p *eventPipe, start, k int) bool {
	px := q.px
	if p.file == nil {
		f := q.upstreamTempFile()
		if f == nil {
			return false
		}
		// nothing keeps the file: its name goes at once (nginx's
		// non-persistent temp file), the descriptor serves until the
		// end of the request
		os.Remove(f.Name())
		if !q.pipeCacheable() {
			q.log().Logf(errlog.Warn, q.r.Conn.ID, "an upstream response is buffered to a temporary file %s%s%s", f.Name(), px.action, q.logSuffix())
		}
		p.file = f
	}
	off := p.fw
	for k > 0 {
		m := min(k, len(p.ring)-start)
		if _, err := p.file.WriteAt(p.ring[start:start+m], off); err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "pwrite() \"%s\" failed %s%s%s", p.file.Name(), errlog.SysError(err), px.action, q.logSuffix())
			return false
		}
		off += int64(m)
		k -= m
		start = (start + m) % len(p.ring)
	}
	return true
}

// spoolBody passes the body through the event pipe. The part that came
// with the header and what the next reads bring stay in the ring while
// they are less than one of proxy_buffers: a body that ends there (most
// do) is read whole, the upstream released, and then written from the
// ring. Beyond that, while the client's socket takes what comes
// (socketFull says so before each write), the request's goroutine writes
// it itself, read by read, as nginx writes to a client that is ready; the
// writer and the temp file serve a client that is not (and an HTTP/2 or
// rate-limited one, whose writes may wait whatever its socket says). It
// reports false, having read nothing, when proxy_buffers cannot hold the
// first part; the body is then passed read by read.
func (q *request) spoolBody(peer *upstream.Peer, b *upBody) bool {
	uc := q.px.uc
	size := int(uc.BuffersNum.V * uc.BuffersSize.V)
	if size <= len(b.pending) || uc.BuffersSize.V <= 0 {
		return false
	}
	out, end := q.bodyNext(b, nil)
	if end != bodyMore {
		q.finishUpstream(peer, end == bodyDone && b.reuse, q.upLength(b))
		if end != bodyBroken {
			q.w.Write(out)
		}
		q.endResponse(end)
		return true
	}
	p := getPipe(size, uc)
	defer p.release()
	p.n = copy(p.ring, out)
	px := q.px
	if px.tr == &httpTransport && !px.head.Chunked && q.lc.Proxy.HTTPVersion.V != "2" {
		b.pb.start(uc, len(px.hbuf)-px.hlen, len(out))
	}
	async := false
	if q.w.LimitRate == 0 && q.r.Proto != "HTTP/2.0" {
		if q.spoolSync(peer, b, p) {
			return true
		}
		q.px.unflushed = false // (the writer flushes now)
		q.watchStart()
		p.start(q.w)
		async = true
	}
	for {
		room, stop := q.pipeRoom(p)
		if stop != pipeGo {
			q.finishUpstream(peer, false, q.upLength(b))
			p.close(true)
			q.clientLeftStatus()
			if stop == pipeFileFailed {
				q.endResponse(bodyBroken)
			}
			return true
		}
		out, end := q.bodyNext(b, b.pb.roomFor(room, b.remain))
		b.pb.advance(len(out))
		p.commit(len(out))
		if end != bodyMore {
			// the upstream goes first: the client may take its time
			q.finishUpstream(peer, end == bodyDone && b.reuse, q.upLength(b))
			if lost := b.lost(); lost > 0 {
				p.mu.Lock()
				p.n -= min(lost, p.n-p.busy)
				p.mu.Unlock()
			}
			if async {
				p.close(end == bodyBroken)
			} else if end != bodyBroken {
				p.writeAll(q.w)
			}
			q.endResponse(end)
			return true
		}
		if !async && p.n >= int(uc.BuffersSize.V) {
			q.watchStart()
			p.start(q.w)
			async = true
		}
	}
}

// spoolSync is spoolBody's part while the client keeps up: reads go to
// the ring after what it holds, and what it holds goes to the client
// once it is one of proxy_buffers or more and the client's socket is
// writable. It reports false, the ring holding what is not sent, when
// the client's socket is full (or cannot be looked at): the writer is to
// take over.
func (q *request) spoolSync(peer *upstream.Peer, b *upBody, p *eventPipe) bool {
	uc := q.px.uc
	w := q.w
	clientOK := true
	for {
		out, end := q.bodyNext(b, b.pb.roomFor(p.ring[p.n:], b.remain))
		b.pb.advance(len(out))
		p.n += len(out)
		if end != bodyMore {
			q.finishUpstream(peer, end == bodyDone && b.reuse, q.upLength(b))
			if end != bodyBroken && clientOK {
				w.Write(p.ring[:p.n-b.lost()])
			}
			q.endResponse(end)
			return true
		}
		// the bytes of nginx's raw buffer not yet full stay
		ready := p.n - b.pb.held
		if ready < int(uc.BuffersSize.V) {
			continue
		}
		if clientOK {
			if full, ok := q.clientFull(p); full || !ok {
				return false
			}
			if _, err := w.Write(p.ring[:ready]); err != nil {
				clientOK = false
			}
			q.bodyWritten()
		}
		p.n = copy(p.ring, p.ring[ready:p.n])
		if !clientOK && !q.storing() {
			q.finishUpstream(peer, false, q.upLength(b))
			q.clientLeftStatus()
			return true
		}
	}
}

// pipeBufs follows the raw buffers of nginx's event pipe for a body of
// proxy_pass over HTTP/1.x framed by its Content-Length or by the end of
// the connection: the rest of the header buffer (proxy_buffer_size)
// first, then proxy_buffers. ngx_event_pipe_read_upstream reads into the
// buffer at hand alone while it has buffers left to allocate (once all
// are, readv fills the free ones together: no limit), and passes a
// buffer on to the client once it is full, once it holds the rest of the
// body, or when the upstream closes; the bytes of a buffer not yet full
// (held) are lost when the upstream times out. The reads' sizes decide
// how much of an answer longer than its Content-Length is read.
type pipeBufs struct {
	size  int  // proxy_buffers' size; 0: not followed
	left  int  // room left in the current buffer
	held  int  // bytes in the current buffer
	fresh int  // buffers still to be allocated after the current one
	open  bool // all allocated: reads are not limited to one buffer
}

// start follows a body whose first held bytes came with the header,
// room being what is left of the header buffer.
func (pb *pipeBufs) start(uc *config.UpstreamConf, room, held int) {
	*pb = pipeBufs{size: int(uc.BuffersSize.V), left: room, held: held, fresh: int(uc.BuffersNum.V)}
	if pb.size <= 0 {
		pb.size = 0
		return
	}
	if room <= 0 {
		pb.advance(0)
	}
}

// room limits a read's room to the current buffer while reads go one
// buffer at a time.
func (pb *pipeBufs) room(buf []byte) []byte {
	if pb.size == 0 || pb.open || len(buf) <= pb.left {
		return buf
	}
	return buf[:pb.left]
}

// roomFor limits a read's room so that it reads no further than nginx's
// reads, one buffer at a time, would: to the end of the buffer the body's
// last byte falls in (remain bytes from here; -1: until the close, no
// limit). A body within the buffers is still read in one system call
// where the bytes are there; only an answer longer than its
// Content-Length is cut where nginx's reads stop.
func (pb *pipeBufs) roomFor(buf []byte, remain int64) []byte {
	if pb.size == 0 || pb.open || remain < 0 {
		return buf
	}
	lim := int64(pb.left)
	if remain > lim {
		more := (remain - lim + int64(pb.size) - 1) / int64(pb.size)
		if more > int64(pb.fresh) {
			// past the buffers nginx may allocate it reads into all the
			// free ones at once: no bound to follow
			return buf
		}
		lim += more * int64(pb.size)
	}
	if int64(len(buf)) <= lim {
		return buf
	}
	return buf[:lim]
}

// advance counts n bytes read.
func (pb *pipeBufs) advance(n int) {
	if pb.size == 0 {
		return
	}
	for {
		k := min(n, pb.left)
		n -= k
		pb.left -= k
		pb.held += k
		if pb.left > 0 {
			return
		}
		pb.left, pb.held = pb.size, 0
		if pb.fresh > 0 {
			pb.fresh--
		} else {
			pb.open = true
		}
	}
}

// lost is how many of the last bytes read nginx drops at the end of
// the body: those of a raw buffer not yet full, at a read timeout.
func (b *upBody) lost() int {
	if b.timedOut {
		return b.pb.held
	}
	return 0
}

// ringPools pool the event pipe's rings by size class, 4 KiB << k; the
// 32 KiB class (proxy_buffers 8 4k) is bodyBufPool, shared with bodies
// passed read by read.
var ringPools [12]sync.Pool

const ringBodyClass = 3 // 32 KiB

// ringClass is the class of the smallest ring that holds size bytes.
func ringClass(size int) int {
	return bits.Len(uint(size-1) >> 12)
}

// getRing returns a pooled buffer of at least size bytes.
func getRing(size int) *[]byte {
	k := ringClass(size)
	switch {
	case k == ringBodyClass:
		return bodyBufPool.Get().(*[]byte)
	case k >= len(ringPools):
		b := make([]byte, size)
		return &b
	}
	if bp, ok := ringPools[k].Get().(*[]byte); ok {
		return bp
	}
	b := make([]byte, 4096<<k)
	return &b
}

// putRing returns a buffer from getRing to its pool.
func putRing(bp *[]byte) {
	if bp == nil {
		return
	}
	n := len(*bp)
	k := ringClass(n)
	switch {
	case k == ringBodyClass:
		bodyBufPool.Put(bp)
	case k < len(ringPools) && n == 4096<<k:
		ringPools[k].Put(bp)
	}
}

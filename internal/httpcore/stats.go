package httpcore

import "sync/atomic"

// Stats are the process-wide connection and request counters that nginx
// keeps for its stub_status module (ngx_stat_accepted ... ngx_stat_waiting
// in shared memory): they survive reloads, and every Server of the process
// adds to them.
type Stats struct {
	Accepted int64 // connections accepted
	Handled  int64 // of those, not closed at once for want of worker_connections
	Requests int64 // requests begun (HTTP/2 streams included)
	Active   int64 // client connections open
	Reading  int64 // requests whose header is being read
	Writing  int64 // requests past their header, until they end
	Waiting  int64 // idle connections: before a first request, keep-alive, HTTP/2 without streams
}

// stats are the counters; each change is one atomic add.
var stats struct {
	accepted, handled, requests, active, reading, writing, waiting atomic.Int64
}

// ReadStats returns the counters now. As in nginx, each is read on its
// own: they need not add up at one instant.
func ReadStats() Stats {
	return Stats{
		Accepted: stats.accepted.Load(),
		Handled:  stats.handled.Load(),
		Requests: stats.requests.Load(),
		Active:   stats.active.Load(),
		Reading:  stats.reading.Load(),
		Writing:  stats.writing.Load(),
		Waiting:  stats.waiting.Load(),
	}
}

// A request's place in the counters (stream.stat).
const (
	statNone uint8 = iota
	statReading
	statWriting
)

// statBegin counts a request that begins, reading its header, as
// ngx_http_create_request does; the stream's previous request (a
// pipelined one's predecessor) ends first. A request ends when its
// stream is released or begins the next one.
func (s *stream) statBegin() {
	s.statEnd()
	stats.requests.Add(1)
	stats.reading.Add(1)
	s.stat = statReading
}

// statWrite moves a request whose header was read to the writers, as
// ngx_http_process_request does; a request the engine refused stays a
// reader until it ends, as in nginx.
func (s *stream) statWrite() {
	if s.stat == statReading {
		stats.reading.Add(-1)
		stats.writing.Add(1)
		s.stat = statWriting
	}
}

// statEnd takes an ended request out of the counters
// (ngx_http_free_request).
func (s *stream) statEnd() {
	statDrop(s.stat)
	s.stat = statNone
}

// EndStats takes the request out of the reading and writing counters
// now rather than when its stream is released: nginx does it before it
// writes the access log (ngx_http_free_request).
func (w *Response) EndStats() {
	if w.impl.s != nil {
		w.impl.s.statEnd()
	}
}

// statDrop takes a request in state st out of the counters.
func statDrop(st uint8) {
	switch st {
	case statReading:
		stats.reading.Add(-1)
	case statWriting:
		stats.writing.Add(-1)
	}
}

// setWaiting marks the connection idle or not, as ngx_reusable_connection
// does: a connection waiting for its first request, a keep-alive one and
// an HTTP/2 connection without streams are waiting.
func (c *conn) setWaiting(on bool) {
	if c.waiting.Swap(on) != on {
		if on {
			stats.waiting.Add(1)
		} else {
			stats.waiting.Add(-1)
		}
	}
}

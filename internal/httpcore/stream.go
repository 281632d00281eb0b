package httpcore

import (
	"net"
	"sync"
)

// Headers nginx processes as unique: a second one is refused with "client
// sent duplicate header line" (ngx_http_process_unique_header_line).
const (
	uqIfModifiedSince = iota
	uqIfUnmodifiedSince
	uqIfMatch
	uqIfNoneMatch
	uqContentLength
	uqContentRange
	uqIfRange
	uqTransferEncoding
	uqExpect
	uqAuthorization
	numUnique
)

// Connection header values (nginx's headers_in.connection_type).
const (
	connNone = iota
	connClose
	connKeepAlive
)

// stream is the state of one request: the Request and Response handed to
// the handler and the engine's bookkeeping around them. Streams are
// pooled; a connection holds one only while it is not parked.
type stream struct {
	c    *conn
	req  Request
	resp Response
	p    parser
	hdrs []Header // backing array of req.Headers
	whdr []Header // backing array of resp.Header
	path []byte   // decoded path
	host []byte   // lower-cased host
	body bodyReader
	out  outWriter
	h2   *h2Stream // the HTTP/2 stream the request came on, nil for HTTP/1
	stat uint8     // where the request counts in Stats: statNone, statReading, statWriting

	bufArr [6]*buf
	bufs   []*buf // every header buffer of the request, the connection's cur included
	iov    net.Buffers
	iovArr [4][]byte

	hostIdx  int // index in hdrs of the Host header, -1 if none
	keepIdx  int // Keep-Alive
	uniq     [numUnique]int
	connType int
	action   string
	hdrDL    int64 // client_header_timeout deadline, 0 until needed

	clock int64 // a recent time: the request's start, then the header's

	// writeMore's callback state
	moreFn  func(uintptr) bool
	moreBuf []byte
	moreN   int
	moreErr error

	lmSec int64 // cache of the last Last-Modified formatted
	lmBuf [32]byte
	lmLen int
}

var streamPool = sync.Pool{New: func() any {
	s := &stream{
		hdrs: make([]Header, 0, 16),
		whdr: make([]Header, 0, 16),
	}
	s.bufs = s.bufArr[:0]
	s.req.impl.s = s
	s.resp.impl.s = s
	s.body.s = s
	s.out.s = s
	return s
}}

func getStream(c *conn) *stream {
	s := streamPool.Get().(*stream)
	s.c = c
	s.req.Conn = &c.info
	s.body.c = c
	return s
}

func (s *stream) release() {
	s.statEnd()
	s.body.release()
	s.out.release()
	s.c = nil
	s.h2 = nil
	s.req.Conn = nil
	s.body.c = nil
	if cap(s.path) > 64<<10 {
		s.path = nil
	}
	streamPool.Put(s)
}

// begin resets the stream for a new request on the same connection.
func (s *stream) begin() {
	r := &s.req
	conn := r.Conn
	impl := r.impl
	clear(s.hdrs[:cap(s.hdrs)])
	*r = Request{Conn: conn, impl: impl, ContentLength: -1, Headers: s.hdrs[:0]}
	s.hostIdx, s.keepIdx = -1, -1
	for i := range s.uniq {
		s.uniq[i] = -1
	}
	s.connType = connNone
	s.hdrDL = 0
	s.path = s.path[:0]
	s.host = s.host[:0]
	s.body.reset()
	s.out.reset()
	clear(s.whdr[:cap(s.whdr)])
	s.resp.Header = nil
}

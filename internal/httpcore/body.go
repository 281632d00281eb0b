package httpcore

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"
)

// Errors of the request body reader.
var (
	// ErrBodyTooLarge: the body exceeds the limit set with SetBodyLimit
	// (answer 413; nginx logs r.ErrMsg at "error").
	ErrBodyTooLarge = errors.New("httpcore: request body too large")
	// ErrBodyTimeout: client_body_timeout expired between two reads
	// (nginx logs "client timed out" at "info", sends nothing and
	// closes; $status is 408).
	ErrBodyTimeout = errors.New("httpcore: request body timeout")
	// ErrBadChunk: invalid chunked framing (answer 400; nginx logs
	// "client sent invalid chunked body" at "error").
	ErrBadChunk = errors.New("httpcore: invalid chunked body")
	// ErrBodyMismatch: an HTTP/2 body of more or fewer bytes than its
	// content-length said (answer 400; nginx logs r.ErrMsg at "info").
	ErrBodyMismatch = errors.New("httpcore: request body does not match its length")
)

// bodyMismatch is ErrBodyMismatch with nginx's words for the stream.
type bodyMismatch struct{ msg string }

func (e *bodyMismatch) Error() string        { return e.msg }
func (e *bodyMismatch) Is(target error) bool { return target == ErrBodyMismatch }

// bodyReader reads the request body from what is left in the header
// buffer and then from the socket. It never reads past the end of the
// body: for a chunked body it reads at most nginx's ctx->length, the
// fewest bytes that certainly still belong to the body, so a pipelined
// request that follows stays on the socket for the next header read.
type bodyReader struct {
	s *stream
	c *conn

	active  bool // the request has a body
	chunked bool
	remain  int64 // Content-Length bytes still to read
	ch      chunkParser
	done    bool
	discard bool // DiscardBody was called
	touched bool // the handler asked for the body (100 Continue handled)
	// noContinue: no "100 Continue" for this request (ExpectTested)
	noContinue bool
	err        error
	limit      int64
	timeout    time.Duration
	wire       int64 // body bytes taken off the connection, framing included
	decoded    int64 // chunked: data bytes so far

	scratch      *buf // chunked socket reads land here
	spos, slast  int
	checkedLimit bool

	// ReadBodyPart's state: the part ends when the socket has nothing
	// at once (nowait) or room bytes were read into nginx's buffer,
	// whose fill goes on from part to part until it is full
	part         bool
	nowait       bool
	room, filled int64
}

// errPartEnd ends a part of ReadBodyPart: nothing more at once, or the
// buffer is full.
var errPartEnd = errors.New("httpcore: end of the body part")

func (b *bodyReader) reset() {
	s, c := b.s, b.c
	b.release()
	// no body until init says otherwise (HTTP/0.9 and refused requests)
	*b = bodyReader{s: s, c: c, timeout: 60 * time.Second, done: true}
}

func (b *bodyReader) release() {
	if b.scratch != nil {
		b.scratch.free()
		b.scratch = nil
	}
}

func (b *bodyReader) init(r *Request) {
	switch {
	case r.Chunked:
		b.active, b.chunked = true, true
		b.ch.length = 5 // "0" CRLF CRLF
	case r.ContentLength > 0:
		b.active = true
		b.remain = r.ContentLength
	}
	b.done = !b.active
}

// complete reports whether nothing of the body is left on the connection.
func (b *bodyReader) complete() bool { return b.done || !b.active }

func (b *bodyReader) fail(err error, msg string) error {
	b.err = err
	b.s.req.ErrMsg = msg
	return err
}

// touch is ngx_http_test_expect: the first time the handler reads or
// discards the body, "100 Continue" goes out if the client asked for it.
func (b *bodyReader) touch() {
	if b.touched {
		return
	}
	b.touched = true
	if b.s.req.Expect100 && !b.noContinue && b.s.out.sent == 0 && !b.s.out.drop {
		b.s.out.send100()
	}
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.done || b.discard {
		b.touch()
		return 0, io.EOF
	}
	b.touch()
	if !b.checkedLimit {
		b.checkedLimit = true
		if !b.chunked && b.limit > 0 && b.remain > b.limit {
			return 0, b.fail(ErrBodyTooLarge, fmt.Sprintf("client intended to send too large body: %d bytes", b.remain))
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !b.chunked {
		return b.readLength(p)
	}
	return b.readChunked(p)
}

// readLength reads a Content-Length body.
func (b *bodyReader) readLength(p []byte) (int, error) {
	c := b.c
	if int64(len(p)) > b.remain {
		p = p[:b.remain]
	}
	var n int
	if avail := c.last - c.pos; avail > 0 {
		n = copy(p, c.cur.b[c.pos:c.last])
		c.pos += n
	} else {
		var err error
		if n, err = b.readSocket(p); n == 0 {
			return 0, err
		}
	}
	b.remain -= int64(n)
	b.wire += int64(n)
	if b.remain == 0 {
		b.done = true
		return n, io.EOF
	}
	return n, nil
}

// readSocket reads from the connection with client_body_timeout.
func (b *bodyReader) readSocket(p []byte) (int, error) {
	c := b.c
	if b.part {
		if b.filled >= b.room || b.nowait && (c.rc == nil || !c.pending()) {
			return 0, errPartEnd
		}
		p = p[:min(int64(len(p)), b.room-b.filled)]
	}
	n, err := c.read(p, roundUp(nanotime()+int64(b.timeout)))
	if n > 0 {
		if b.part {
			b.filled += int64(n)
		}
		return n, nil
	}
	switch {
	case err == nil || err == io.EOF:
		return 0, b.fail(io.ErrUnexpectedEOF, "client prematurely closed connection")
	case isTimeout(err):
		return 0, b.fail(ErrBodyTimeout, "client timed out (110: Connection timed out)")
	case err == ErrStreamReset:
		return 0, b.fail(err, b.s.h2.peerResetMsg())
	case errors.Is(err, ErrBodyMismatch):
		return 0, b.fail(ErrBodyMismatch, err.Error())
	default:
		return 0, b.fail(err, "recv() failed ("+errnoText(err)+")")
	}
}

// source returns the unread bytes at hand: the rest of the header buffer
// first, then the scratch buffer.
func (b *bodyReader) source() []byte {
	c := b.c
	if c.pos < c.last {
		return c.cur.b[c.pos:c.last]
	}
	if b.scratch == nil {
		return nil
	}
	return b.scratch.b[b.spos:b.slast]
}

func (b *bodyReader) advance(n int) {
	b.skip(n)
	b.wire += int64(n)
}

// skip is advance for discarded bytes, which nginx leaves out of
// $request_length (ngx_http_discard_request_body_filter does not count
// them, up to nginx 1.31 at least).
func (b *bodyReader) skip(n int) {
	c := b.c
	if c.pos < c.last {
		c.pos += n
	} else {
		b.spos += n
	}
}

// fill reads more chunked bytes into the scratch buffer, no more than
// certainly belong to the body.
func (b *bodyReader) fill() error {
	if b.scratch == nil {
		b.scratch = getBuf(b.c.large)
	}
	want := int64(len(b.scratch.b))
	if b.ch.length > 0 && b.ch.length < want {
		want = b.ch.length
	}
	n, err := b.readSocket(b.scratch.b[:want])
	if n == 0 {
		return err
	}
	b.spos, b.slast = 0, n
	return nil
}

// readChunked decodes a chunked body (ngx_http_request_body_chunked_filter).
func (b *bodyReader) readChunked(p []byte) (int, error) {
	for {
		if b.ch.state == chData && b.ch.size > 0 {
			if b.limit > 0 && b.limit-b.decoded < b.ch.size {
				if b.s.h2 != nil {
					// nginx's HTTP/2 module counts the DATA received
					return 0, b.fail(ErrBodyTooLarge, fmt.Sprintf("client intended to send too large chunked body: %d bytes", b.decoded+b.ch.size))
				}
				return 0, b.fail(ErrBodyTooLarge, fmt.Sprintf("client intended to send too large chunked body: %d+%d bytes", b.decoded, b.ch.size))
			}
			src := b.source()
			if len(src) == 0 {
				if len(p) >= 512 {
					// straight into the caller's buffer
					want := int64(len(p))
					if want > b.ch.size {
						want = b.ch.size
					}
					n, err := b.readSocket(p[:want])
					if n == 0 {
						return 0, err
					}
					b.wire += int64(n)
					b.ch.consumed(int64(n))
					b.decoded += int64(n)
					return n, nil
				}
				if err := b.fill(); err != nil {
					return 0, err
				}
				continue
			}
			n := len(src)
			if n > len(p) {
				n = len(p)
			}
			if int64(n) > b.ch.size {
				n = int(b.ch.size)
			}
			copy(p, src[:n])
			b.advance(n)
			b.ch.consumed(int64(n))
			b.decoded += int64(n)
			return n, nil
		}
		src := b.source()
		if len(src) == 0 {
			if err := b.fill(); err != nil {
				return 0, err
			}
			continue
		}
		used, rc := b.ch.parse(src)
		b.advance(used)
		switch rc {
		case chunkInvalid:
			return 0, b.fail(ErrBadChunk, "client sent invalid chunked body")
		case chunkDone:
			b.done = true
			return 0, io.EOF
		}
	}
}

// discardAvailable drops the body bytes already at hand without touching
// the socket (the synchronous part of ngx_http_discard_request_body).
func (b *bodyReader) discardAvailable() error {
	for !b.done && b.err == nil {
		src := b.source()
		if len(src) == 0 {
			return nil
		}
		if err := b.drop(src); err != nil {
			return err
		}
	}
	return b.err
}

// drop consumes body bytes from src, the bytes at hand.
func (b *bodyReader) drop(src []byte) error {
	if !b.chunked {
		n := len(src)
		if int64(n) > b.remain {
			n = int(b.remain)
		}
		b.skip(n)
		b.remain -= int64(n)
		if b.remain == 0 {
			b.done = true
		}
		return nil
	}
	if b.ch.state == chData && b.ch.size > 0 {
		n := len(src)
		if int64(n) > b.ch.size {
			n = int(b.ch.size)
		}
		b.skip(n)
		b.ch.consumed(int64(n))
		b.decoded += int64(n)
		return nil
	}
	used, rc := b.ch.parse(src)
	b.skip(used)
	switch rc {
	case chunkInvalid:
		return b.fail(ErrBadChunk, "client sent invalid chunked body")
	case chunkDone:
		b.done = true
	}
	return nil
}

// finish runs after the response: a body the handler discarded, or never
// looked at, is read and dropped within nginx's lingering limits so the
// connection can be kept alive. It reports whether the body is gone.
func (b *bodyReader) finish() bool {
	if b.done || !b.active {
		return true
	}
	if b.err != nil {
		return false
	}
	if !b.discard {
		if b.touched {
			// read in part: nginx closes (r->reading_body)
			return false
		}
		if b.s.req.Expect100 {
			// the client may be waiting for "100 Continue"
			return false
		}
		b.discard = true
	}
	if b.discardAvailable() != nil {
		return false
	}
	if b.noContinue && b.s.req.Expect100 && !b.done {
		// the client was told no "100 Continue" and may never send the
		// rest of the body: close rather than wait for it
		return false
	}
	c := b.c
	end := nanotime() + int64(lingeringTime)
	for !b.done {
		if b.scratch == nil {
			b.scratch = getBuf(c.large)
		}
		want := int64(len(b.scratch.b))
		if !b.chunked && b.remain < want {
			want = b.remain
		} else if b.chunked && b.ch.length > 0 && b.ch.length < want {
			want = b.ch.length
		}
		now := nanotime()
		if now >= end {
			return false
		}
		d := now + int64(lingeringTimeout)
		if d > end {
			d = end
		}
		n, err := c.read(b.scratch.b[:want], d)
		if n == 0 || err != nil && n == 0 {
			return false
		}
		b.spos, b.slast = 0, n
		for b.spos < b.slast && !b.done {
			if b.drop(b.scratch.b[b.spos:b.slast]) != nil {
				return false
			}
		}
	}
	return true
}

// Body returns the request body reader (Content-Length or chunked). The
// first Read sends "100 Continue" when the client asked for it. Read
// errors: ErrBodyTooLarge (answer 413), ErrBodyTimeout (408, nothing is
// sent, the connection closes), ErrBadChunk (400), io.ErrUnexpectedEOF
// (the client went away; nginx logs "client prematurely closed
// connection" and $status 400). After an error r.ErrMsg holds nginx's log
// text. The reader is valid until Serve returns.
func (r *Request) Body() io.Reader { return &r.impl.s.body }

// ReadBodyPart reads the next part of the body as nginx reads a body it
// does not buffer (ngx_http_do_read_client_request_body with
// request_body_no_buffering) and appends the decoded bytes to dst: what
// is at hand (the rest of the header buffer) and what the socket gives,
// waiting only until a first read gets bytes and then while it has more
// at once, into a buffer of size bytes that is passed on when full and
// then reused from its start. Each part is what nginx's proxy passes on
// at a time, a chunk of its own over HTTP/1.1. io.EOF: the body is
// complete. Over HTTP/2 a part is a plain Read.
func (r *Request) ReadBodyPart(dst []byte, size int64) ([]byte, error) {
	b := &r.impl.s.body
	grow := func() []byte {
		dst = slices.Grow(dst, 4096)
		return dst[len(dst):cap(dst)]
	}
	if b.s.h2 != nil || size <= 0 {
		n, err := b.Read(grow())
		return dst[:len(dst)+n], err
	}
	if b.filled >= size {
		b.filled = 0
	}
	b.part, b.room = true, size
	defer func() { b.part, b.nowait = false, false }()
	wire := b.wire
	for {
		// a wait only for the part's first bytes
		b.nowait = b.wire > wire
		n, err := b.Read(grow())
		dst = dst[:len(dst)+n]
		switch {
		case err == errPartEnd:
			return dst, nil
		case err != nil:
			return dst, err
		case b.filled >= b.room && len(b.source()) == 0:
			return dst, nil
		}
	}
}

// SetBodyLimit sets client_max_body_size; 0 means no limit. The handler
// checks ContentLength against it up front (413 before reading); the
// reader enforces it on chunked bodies as nginx does.
func (r *Request) SetBodyLimit(n int64) { r.impl.s.body.limit = n }

// SetBodyTimeout sets client_body_timeout (default 60s), the longest wait
// between two reads of the body.
func (r *Request) SetBodyTimeout(d time.Duration) {
	if d > 0 {
		r.impl.s.body.timeout = d
	}
}

// TestExpect is ngx_http_test_expect on its own: "100 Continue" goes out
// now if the client asked for it, as when nginx starts reading a body
// that turns out to be empty (ngx_http_read_client_request_body tests
// the expectation before it looks at the length).
func (r *Request) TestExpect() { r.impl.s.body.touch() }

// ExpectTested is nginx's r->expect_tested = 1: "100 Continue" is not
// sent for this request, whatever the handler does with the body later
// (ngx_http_special_response_handler sets it before its answer).
func (r *Request) ExpectTested() { r.impl.s.body.noContinue = true }

// DiscardBody is ngx_http_discard_request_body: the handler does not want
// the body. "100 Continue" is sent when asked for, the bytes already read
// are dropped now, and the rest is read and dropped after the response
// (within lingering_time) so that the connection can stay alive. An error
// (ErrBadChunk) means the framing is broken: answer 400.
func (r *Request) DiscardBody() error {
	b := &r.impl.s.body
	b.touch()
	if b.discard || b.done || !b.active {
		return b.err
	}
	b.discard = true
	if st := b.s.h2; st != nil {
		st.skip()
		return nil
	}
	return b.discardAvailable()
}

// BodyPreread reports, before the body is read, how many bytes came
// after the header in the same buffer (nginx's preread part of
// r->header_in, the start of the body) and how much room that buffer
// has left (header_in->end - header_in->last), where
// ngx_http_read_client_request_body reads a rest that fits. Both are 0
// over HTTP/2.
func (r *Request) BodyPreread() (preread, room int) {
	s := r.impl.s
	if s == nil || s.h2 != nil || s.c == nil || s.c.cur == nil {
		return 0, 0
	}
	c := s.c
	return c.last - c.pos, len(c.cur.b) - c.last
}

// BodyPrereadWhole reports, before the body is read, whether the bytes
// that came with the header hold all of it, a chunked body to its last
// chunk. ngx_http_read_client_request_body then reads it as a buffered
// body even under *_request_buffering off ("the whole request body was
// pre-read"), so a proxy sends it with a Content-Length.
func (r *Request) BodyPrereadWhole() bool {
	s := r.impl.s
	if s == nil || s.h2 != nil || s.c == nil || s.c.cur == nil {
		return false
	}
	b := &s.body
	if !b.active || b.done {
		return false
	}
	src := s.c.cur.b[s.c.pos:s.c.last]
	if !b.chunked {
		return int64(len(src)) >= b.remain
	}
	p := b.ch
	for {
		used, rc := p.parse(src)
		src = src[used:]
		switch rc {
		case chunkDone:
			return true
		case chunkData:
			n := min(int64(len(src)), p.size)
			p.consumed(n)
			src = src[n:]
			if p.size > 0 {
				return false
			}
		default:
			return false
		}
	}
}

// BodyBytes returns the body bytes the handler read so far, chunk
// framing included (for $request_length); discarded bytes do not count.
func (r *Request) BodyBytes() int64 { return r.impl.s.body.wire }

// DiscardedChunked reports whether a chunked body was discarded to its
// end: nginx's discard filter then sets content_length_n to 0, which
// $content_length shows.
func (r *Request) DiscardedChunked() bool {
	b := &r.impl.s.body
	return b.active && b.chunked && b.discard && b.done
}

package http1

import (
	"errors"
	"io"
)

// BodyKind is how a response body is delimited.
type BodyKind uint8

// The kinds of body framing.
const (
	BodyNone       BodyKind = iota // no body: 204, 304, a response to HEAD, Content-Length: 0
	BodyLength                     // Content-Length bytes
	BodyChunked                    // Transfer-Encoding: chunked
	BodyUntilClose                 // everything until the upstream closes (no length, HTTP/0.9)
)

// Body reports how the body of h is framed and, for BodyLength, its
// length, as ngx_http_proxy_input_filter_init decides: 204 and 304
// responses and responses to HEAD (head) have none; then chunked; then a
// Content-Length of 0 means none; then the Content-Length; else the body
// runs until the connection closes. nginx gives 1xx responses no special
// case; a 101 is for the caller to turn into a tunnel.
func (h *ResponseHead) Body(head bool) (BodyKind, int64) {
	switch {
	case h.Status == 204 || h.Status == 304 || head:
		return BodyNone, 0
	case h.Chunked:
		return BodyChunked, -1
	case h.ContentLength == 0:
		return BodyNone, 0
	case h.ContentLength > 0:
		return BodyLength, h.ContentLength
	}
	return BodyUntilClose, -1
}

// BodyReader yields a response body with its framing removed, reading
// from the upstream connection into the caller's buffer and handing out
// views of it, and tells afterwards whether the connection may be kept
// (nginx's u->keepalive).
//
// It reuses the buffer the head was read into: Reset it with that buffer
// once the head is no longer needed (its strings alias the buffer).
type BodyReader struct {
	r       io.Reader
	buf     []byte // the caller's buffer, all of its capacity
	pending []byte // bytes read and not yet decoded
	kind    BodyKind
	remain  int64 // BodyLength: bytes still to come
	dec     ChunkedDecoder
	done    bool
	close   bool   // the head asks to close the connection
	extra   string // a warning about bytes past the body
	err     error  // sticky
	rerr    error  // a read error that came with data, reported next
}

// Reset prepares b for the body of h, read from r into buf. buf is the
// buffer the head was parsed from, its length the bytes read so far and
// n the length of the head (ParseHead's n): buf[n:] already belongs to
// the body. head says the request was HEAD.
func (b *BodyReader) Reset(r io.Reader, h *ResponseHead, head bool, buf []byte, n int) {
	dec := b.dec
	dec.Reset()
	*b = BodyReader{r: r, buf: buf[:cap(buf)], pending: buf[n:len(buf)], dec: dec, close: h.ConnClose}
	b.kind, b.remain = h.Body(head)
	if b.kind == BodyNone {
		b.finish(WarnExtraLength)
	}
}

// Kind returns the framing of the body.
func (b *BodyReader) Kind() BodyKind { return b.kind }

// Done reports whether the whole body has been read.
func (b *BodyReader) Done() bool { return b.done }

// Reusable reports whether the upstream connection may go back to the
// keepalive pool: the body was read completely by its framing, nothing
// followed it, and neither the head nor the protocol version asked to
// close.
func (b *BodyReader) Reusable() bool {
	return b.done && b.err == nil && !b.close && b.extra == "" && b.kind != BodyUntilClose
}

// Extra returns nginx's warning when the upstream sent bytes past the end
// of the body (WarnExtraLength, WarnExtraChunk), or "". The bytes are
// not passed on and the connection is not kept.
func (b *BodyReader) Extra() string { return b.extra }

// Trailers returns the trailer fields of a finished chunked body.
func (b *BodyReader) Trailers() []Header { return b.dec.Trailers() }

// Next returns the next piece of the body: a view of the buffer, valid
// until the next call. At the end of the body it returns io.EOF. A body
// cut short by the upstream closing returns ErrPrematureClose, a bad
// chunked body ErrInvalidChunked, and a failed read its error.
func (b *BodyReader) Next() ([]byte, error) {
	for {
		if b.err != nil {
			return nil, b.err
		}
		if b.done {
			return nil, io.EOF
		}
		if len(b.pending) == 0 {
			if err := b.fill(); err != nil {
				b.err = err
				continue
			}
			if b.done {
				continue
			}
		}
		switch b.kind {
		case BodyLength:
			data := b.pending
			if int64(len(data)) >= b.remain {
				data = data[:b.remain]
			}
			b.pending = b.pending[len(data):]
			b.remain -= int64(len(data))
			if b.remain == 0 {
				b.finish(WarnExtraLength)
			}
			if len(data) > 0 {
				return data, nil
			}
		case BodyChunked:
			data, n, done, err := b.dec.Decode(b.pending)
			b.pending = b.pending[n:]
			if err != nil {
				b.err = err
				return nil, err
			}
			if done {
				b.finish(WarnExtraChunk)
			}
			if len(data) > 0 {
				return data, nil
			}
		default:
			data := b.pending
			b.pending = nil
			return data, nil
		}
	}
}

// finish marks the body done, flagging bytes that followed it.
func (b *BodyReader) finish(warn string) {
	b.done = true
	if len(b.pending) > 0 {
		b.extra = warn
		b.pending = nil
	}
}

// fill reads the next bytes of the connection into the buffer. The end of
// the stream finishes a BodyUntilClose body and is ErrPrematureClose for
// the others.
func (b *BodyReader) fill() error {
	if b.rerr != nil {
		err := b.rerr
		b.rerr = nil
		return b.eof(err)
	}
	for range 100 {
		n, err := b.r.Read(b.buf)
		if n > 0 {
			b.pending = b.buf[:n]
			b.rerr = err
			return nil
		}
		if err != nil {
			return b.eof(err)
		}
	}
	return io.ErrNoProgress
}

func (b *BodyReader) eof(err error) error {
	if !errors.Is(err, io.EOF) {
		return err
	}
	if b.kind == BodyUntilClose {
		b.done = true
		return nil
	}
	return ErrPrematureClose
}

// WriteTo copies the rest of the body to w.
func (b *BodyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		data, err := b.Next()
		if len(data) > 0 {
			m, werr := w.Write(data)
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// ReadHead reads a response head from r into buf[len(buf):cap(buf)] and
// parses it. It returns the filled buffer and the length of the head;
// the bytes after it, buf[n:], are the start of the body. A connection
// closed before the head is complete gives ErrPrematureClose; the errors
// of ParseHead pass through (for ErrNoValidHeader, buf is the filled
// buffer and n is 0).
func ReadHead(r io.Reader, h *ResponseHead, buf []byte) (filled []byte, n int, err error) {
	if len(buf) > 0 {
		n, done, err := ParseHead(h, buf)
		if done || err != nil {
			return buf, n, err
		}
	}
	for {
		if len(buf) == cap(buf) {
			return buf, 0, ErrTooBig
		}
		m, rerr := r.Read(buf[len(buf):cap(buf)])
		if m > 0 {
			buf = buf[:len(buf)+m]
			n, done, err := ParseHead(h, buf)
			if done || err != nil {
				return buf, n, err
			}
		}
		if rerr != nil {
			if errors.Is(rerr, io.EOF) {
				return buf, 0, ErrPrematureClose
			}
			return buf, 0, rerr
		}
	}
}

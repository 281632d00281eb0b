package memcached

// trailer is what follows the value (NGX_HTTP_MEMCACHED_END).
const trailer = "\r\nEND\r\n"

// Body frames the value of a hit as ngx_http_memcached_filter does:
// ContentLength bytes of data, then exactly "\r\nEND\r\n". Init it with
// Head.ContentLength.
type Body struct {
	rest    int64 // data bytes still to come
	trailer int   // trailer bytes seen
	done    bool
}

// Init prepares b for a value of n bytes.
func (b *Body) Init(n int64) { *b = Body{rest: n} }

// Filter takes the next bytes read from the connection (the first time,
// the bytes after the head line) and returns the part of them that is
// data. done reports that the value and its trailer are complete: the
// connection can then be kept if err is nil (nginx's u->keepalive).
//
// ErrInvalidTrailer comes with done: the trailer was wrong, or more bytes
// came after it; data is still the value's bytes in p, which nginx sends,
// but the connection must be closed. Bytes given after done are ignored.
func (b *Body) Filter(p []byte) (data []byte, done bool, err error) {
	if b.done {
		return nil, true, nil
	}
	if b.rest > 0 {
		n := int64(len(p))
		if n <= b.rest {
			b.rest -= n
			return p, false, nil
		}
		data = p[:b.rest]
		p = p[b.rest:]
		b.rest = 0
	}
	want := trailer[b.trailer:]
	if len(p) > len(want) || string(p) != want[:len(p)] {
		b.done = true
		return data, true, ErrInvalidTrailer
	}
	b.trailer += len(p)
	if b.trailer == len(trailer) {
		b.done = true
		return data, true, nil
	}
	return data, false, nil
}

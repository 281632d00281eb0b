package httpcore

import (
	"os"

	"golang.org/x/net/http2"
)

// BodyFilter rewrites the body on its way out, before gzip: nginx's
// sub_filter and charset body filters. Filter is given body bytes and
// returns the bytes to send now; the result may be a buffer of the
// filter's own, valid until its next call. End returns what the filter
// held back (a partial match), once the body is complete.
type BodyFilter interface {
	Filter(p []byte) []byte
	End() []byte
}

// Cutter is a BodyFilter whose output of one call stands for several of
// nginx's calls of the next filter: ssi's text before an include, the
// include's output and the text after it; addition's before-body and the
// body. Cuts gives the offsets in the filter's last output (of Filter or
// End) where such a call begins; each part then goes through the filters
// after it by itself, so that a chunked response frames it as a chunk of
// its own, as nginx's chunked filter frames each call's buffers.
type Cutter interface {
	Cuts() []int
}

// FilterBody passes p through fs and hands each part that comes out to
// emit, in order, until emit returns false (what FilterBody returns).
func FilterBody(fs []BodyFilter, p []byte, emit func([]byte) bool) bool {
	for i, f := range fs {
		if len(p) == 0 {
			return true
		}
		p = f.Filter(p)
		if c, ok := f.(Cutter); ok && len(c.Cuts()) > 0 {
			return cutParts(p, c.Cuts(), func(q []byte) bool { return FilterBody(fs[i+1:], q, emit) })
		}
	}
	if len(p) == 0 {
		return true
	}
	return emit(p)
}

// cutParts hands the non-empty parts of p between cuts to use.
func cutParts(p []byte, cuts []int, use func([]byte) bool) bool {
	from := 0
	for j := 0; j <= len(cuts); j++ {
		to := len(p)
		if j < len(cuts) {
			to = min(cuts[j], len(p))
		}
		if to <= from {
			continue
		}
		if !use(p[from:to]) {
			return false
		}
		from = to
	}
	return true
}

// closeFilters stops the body filters that hold something running (an
// inflater), once the response is finished or cut short.
func (w *Response) closeFilters() {
	for _, f := range w.Filters {
		if c, ok := f.(interface{ Close() }); ok {
			c.Close()
		}
	}
}

// filterFile passes n bytes of f from off through the body filters.
func (w *Response) filterFile(f *os.File, off, n int64) error {
	o := &w.impl.s.out
	return o.readParts(f, off, n, make([]byte, min(n, 32<<10)), func(p []byte) { _, _ = w.Write(p) })
}

// endFilters passes on what each body filter held back, through the
// filters after it.
func (w *Response) endFilters() {
	EndFilters(w.Filters, func(p []byte) { _, _ = w.writeBody(p, len(p)) })
}

// EndFilters takes what each of fs held back at the end of a body
// through the filters after it and hands each non-empty result to emit:
// the end of a response, or of a body a handler runs through filters
// itself (a subrequest's).
func EndFilters(fs []BodyFilter, emit func([]byte)) {
	for i, f := range fs {
		p := f.End()
		if len(p) == 0 {
			continue
		}
		pass := func(q []byte) bool {
			return FilterBody(fs[i+1:], q, func(r []byte) bool { emit(r); return true })
		}
		if c, ok := f.(Cutter); ok && len(c.Cuts()) > 0 {
			cutParts(p, c.Cuts(), pass)
		} else {
			pass(p)
		}
	}
}

// appendTrailers appends the last chunk with the trailer fields.
func appendTrailers(b []byte, hs []Header) []byte {
	b = append(b, "0\r\n"...)
	for _, h := range hs {
		b = append(b, h.Name...)
		b = append(b, ": "...)
		b = append(b, h.Value...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

// h2Trailers sends the trailer fields in a HEADERS frame that ends the
// stream (ngx_http_v2_create_trailers_frame); with none, the stream ends
// as usual.
func (s *stream) h2Trailers(hs []Header) {
	st := s.h2
	hc := st.hc
	if len(hs) == 0 || hc == nil {
		return
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if st.rst || hc.dead || st.ended {
		return
	}
	b := hc.encBuf[:0]
	for _, f := range hs {
		b = h2AppendLiteral(b, &hc.lower, f.Name, f.Value)
	}
	hc.encBuf = b
	hc.appendHeaderBlock(st.id, b, http2.FlagHeadersEndStream|http2.FlagHeadersEndHeaders)
	st.ended = true
	o := &s.out
	// a HEADERS frame: nginx counts it in r->header_size
	// (ngx_http_v2_headers_frame_handler), out of $body_bytes_sent
	size := hc.headerBlockSize(len(b))
	o.sent += size
	o.headerLen += size
}

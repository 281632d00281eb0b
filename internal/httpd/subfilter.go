package httpd

import (
	"strings"
	"time"

	"weir/internal/config"
	"weir/internal/httpcore"
)

// bodyFilters runs the header filters of the modules nginx puts between
// add_header and gzip, in its order: add_trailer's expectation (the
// headers filter), sub_filter, charset. They may install body filters
// and a trailer source on w. ok is whether the status is one add_header
// and add_trailer apply to without "always".
func (q *request) bodyFilters(w *httpcore.Response, ok bool) {
	// a header filter run again (a special response after a first pass
	// that did not send) decides anew
	w.Filters, w.Trailers = nil, nil
	if q.passTrailers {
		w.Trailers = q.trailersFn(ok)
	}
	for _, t := range q.lc.Trailers.V {
		if ok || t.Always {
			w.Trailers = q.trailersFn(ok)
			break
		}
	}
	add := q.additionHeader(w)
	q.subFilterHeader(w)
	q.charsetHeader(w)
	q.ssiHeader(w)
	if add != nil {
		// addition's filter comes first in nginx's chain, but what it
		// adds are subrequests' bodies, which the main request's
		// filters do not see: it is the last here, around what they made
		w.Filters = append(w.Filters, add)
	}
}

// trailersFn returns ngx_http_trailers_filter for the body's end: the
// add_trailer fields that apply to the status, evaluated then, empty
// values left out.
func (q *request) trailersFn(ok bool) func() []httpcore.Header {
	return func() []httpcore.Header {
		hs := q.grpcTrailers() // the upstream's come first
		for _, t := range q.lc.Trailers.V {
			if !ok && !t.Always {
				continue
			}
			if v := q.eval(t.Value); v != "" {
				hs = append(hs, httpcore.Header{Name: t.Name, Value: v})
			}
		}
		return hs
	}
}

// subFilterHeader is ngx_http_sub_header_filter: with sub_filter pairs,
// a body that is not empty and a type of sub_filter_types, the body goes
// through the substitution; Content-Length goes, and Last-Modified and
// ETag too unless sub_filter_last_modified keeps them (the ETag made
// weak).
func (q *request) subFilterHeader(w *httpcore.Response) {
	sf := &q.lc.SubFilter
	if len(sf.Pairs.V) == 0 || w.ContentLength == 0 || !q.typeMatch(sf.Types.V, w.ContentType) {
		return
	}
	f := &subFilter{q: q, once: sf.Once.V}
	for _, p := range sf.Pairs.V {
		m, static := p.Match.Static()
		if !static {
			m = config.LowerASCII(q.eval(p.Match))
			if m == "" {
				continue
			}
		}
		f.pats = append(f.pats, subPattern{match: m, value: p})
	}
	if len(f.pats) == 0 {
		return
	}
	for _, p := range f.pats {
		f.first[p.match[0]] = true
		if c := p.match[0]; c >= 'a' && c <= 'z' {
			f.first[c-32] = true
		}
	}
	w.Filters = append(w.Filters, f)
	w.ContentLength = -1
	keepLastModified(w, sf.LastModified.V)
}

// keepLastModified is what a filter that changes the body does to the
// validators: with *_last_modified on the ETag becomes weak, otherwise
// Last-Modified and ETag go.
func keepLastModified(w *httpcore.Response, keep bool) {
	if keep {
		w.Header = weakETag(w.Header)
		return
	}
	w.LastModified = time.Time{}
	w.Header = withoutField(w.Header, "etag")
	w.Header = withoutField(w.Header, "last-modified")
}

// typeMatch is ngx_http_test_content_type: "*" takes any response, else
// the type (up to its charset parameter for an upstream's, as
// content_type_len) is looked up caselessly.
func (q *request) typeMatch(t config.MIMETypes, ctype string) bool {
	if t.Any {
		return true
	}
	if ctype == "" {
		return false
	}
	n, _ := q.ctypeParts(ctype)
	ctype = ctype[:n]
	for _, x := range t.List {
		if httpcore.EqualFold(x, ctype) {
			return true
		}
	}
	return false
}

// ctypeParts is how nginx holds a Content-Type: the length of the type
// it compares (content_type_len) and the charset. An upstream's is parsed
// as ngx_http_upstream_copy_content_type does: a "charset=" parameter
// ends the type at the ';' before it and gives the charset (to the end
// of the value, quotes dropped); a type set by weir itself is all type.
func (q *request) ctypeParts(ct string) (n int, charset string) {
	if !q.passedHeaders {
		return len(ct), ""
	}
	last := len(ct)
	for p := 0; p < len(ct); p++ {
		if ct[p] != ';' {
			continue
		}
		last = p
		for p+1 < len(ct) && ct[p+1] == ' ' {
			p++
		}
		if p+1 >= len(ct) {
			return len(ct), ""
		}
		if len(ct)-(p+1) < 8 || !httpcore.EqualFold(ct[p+1:p+9], "charset=") {
			continue
		}
		v := ct[p+9:]
		v = strings.TrimPrefix(v, "\"")
		v = strings.TrimSuffix(v, "\"")
		return last, v
	}
	return len(ct), ""
}

// withoutField returns hs without the fields called name.
func withoutField(hs []httpcore.Header, name string) []httpcore.Header {
	out := hs[:0]
	for _, h := range hs {
		if !httpcore.EqualFold(h.Name, name) {
			out = append(out, h)
		}
	}
	return out
}

// weakETag is ngx_http_weak_etag: a strong ETag becomes weak, one that
// is not a quoted string goes.
func weakETag(hs []httpcore.Header) []httpcore.Header {
	for i, h := range hs {
		if !httpcore.EqualFold(h.Name, "etag") {
			continue
		}
		if strings.HasPrefix(h.Value, "W/") && len(h.Value) > 2 {
			return hs
		}
		if !strings.HasPrefix(h.Value, "\"") {
			return append(hs[:i], hs[i+1:]...)
		}
		hs[i].Value = "W/" + h.Value
		return hs
	}
	return hs
}

// subPattern is one search string of a response and its replacement,
// evaluated when first needed.
type subPattern struct {
	match   string
	value   *config.SubPair
	sub     string
	have    bool // sub is evaluated (and, with sub_filter_once, used)
	applied bool
}

// subFilter is ngx_http_sub_body_filter: at each place of the body the
// first search string (in configuration order) found there, compared
// caselessly, is replaced, and the search goes on after it; with
// sub_filter_once each string is replaced once, and once all were the
// rest passes as is. Bytes that may begin a match are held until the
// next part of the body tells.
type subFilter struct {
	q     *request
	pats  []subPattern
	first [256]bool
	once  bool
	done  bool // sub_filter_once and every string replaced
	hold  []byte
	work  []byte
	out   []byte
}

func (f *subFilter) Filter(p []byte) []byte {
	data := p
	if len(f.hold) > 0 {
		f.work = append(append(f.work[:0], f.hold...), p...)
		data = f.work
		f.hold = f.hold[:0]
	}
	if f.done {
		return data
	}
	f.out = f.out[:0]
	from := 0
	for i := 0; i < len(data) && !f.done; {
		if !f.first[data[i]] {
			i++
			continue
		}
		k, partial := f.matchAt(data[i:])
		if partial {
			f.out = append(f.out, data[from:i]...)
			f.hold = append(f.hold, data[i:]...)
			return f.out
		}
		if k < 0 {
			i++
			continue
		}
		pt := &f.pats[k]
		if !pt.have {
			pt.sub, pt.have = f.q.eval(pt.value.Replacement), true
		}
		f.out = append(f.out, data[from:i]...)
		f.out = append(f.out, pt.sub...)
		i += len(pt.match)
		from = i
		if f.once {
			pt.applied = true
			f.done = true
			for j := range f.pats {
				f.done = f.done && f.pats[j].applied
			}
		}
	}
	return append(f.out, data[from:]...)
}

// matchAt returns the first search string found at the start of b, or
// reports that one may be, b ending before it does.
func (f *subFilter) matchAt(b []byte) (k int, partial bool) {
	for j := range f.pats {
		pt := &f.pats[j]
		if pt.applied {
			continue
		}
		m := pt.match
		n := min(len(m), len(b))
		if !lowerEq(b[:n], m[:n]) {
			continue
		}
		if n < len(m) {
			return -1, true
		}
		return j, false
	}
	return -1, false
}

// lowerEq compares b, lower-cased as ngx_tolower does, with lower-case m.
func lowerEq(b []byte, m string) bool {
	for i := range b {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 32
		}
		if c != m[i] {
			return false
		}
	}
	return true
}

func (f *subFilter) End() []byte {
	return f.hold
}

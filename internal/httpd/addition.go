package httpd

import (
	"weir/internal/httpcore"
)

// This file is ngx_http_addition_filter_module: the bodies of the
// add_before_body and add_after_body subrequests go before and after a
// main request's 200 of a type in addition_types.

// additionHeader is ngx_http_addition_header_filter: the length goes,
// and ranges with it, and the ETag becomes weak. It returns the body
// filter to install, if any.
func (q *request) additionHeader(w *httpcore.Response) httpcore.BodyFilter {
	ac := &q.lc.Addition
	if w.Status != 200 || q.main != nil || ac.Before.V == "" && ac.After.V == "" ||
		!q.typeMatch(ac.Types.V, w.ContentType) {
		return nil
	}
	w.ContentLength = -1
	w.Header = withoutField(w.Header, "accept-ranges")
	w.Header = weakETag(w.Header)
	return &additionFilter{q: q}
}

// additionFilter is ngx_http_addition_body_filter: the before-body
// subrequest runs with the first part of the body, the after-body one
// once it is complete; neither has arguments.
type additionFilter struct {
	q      *request
	before bool // sent
	buf    []byte
	// cuts: each subrequest's output and the body go on as calls of
	// their own (httpcore.Cutter)
	cuts []int
}

func (f *additionFilter) Filter(p []byte) []byte {
	f.cuts = f.cuts[:0]
	if f.before {
		return p
	}
	f.before = true
	f.buf = append(f.include(f.q.lc.Addition.Before.V, f.buf[:0]), p...)
	return f.buf
}

func (f *additionFilter) End() []byte {
	f.cuts = f.cuts[:0]
	b := f.buf[:0]
	if !f.before {
		f.before = true
		b = f.include(f.q.lc.Addition.Before.V, b)
	}
	return f.include(f.q.lc.Addition.After.V, b)
}

func (f *additionFilter) Cuts() []int { return f.cuts }

// include appends the output of a subrequest for uri.
func (f *additionFilter) include(uri string, b []byte) []byte {
	if uri == "" {
		return b
	}
	body, cuts, _, s := f.q.subrequestBody(uri, "")
	s.release()
	f.cuts = append(f.cuts, len(b))
	for _, c := range cuts {
		f.cuts = append(f.cuts, len(b)+c)
	}
	b = append(b, body...)
	f.cuts = append(f.cuts, len(b))
	return b
}

// subrequestFilters installs the body filters that also work on a
// subrequest's body (ssi and sub_filter; addition and the header
// filters are for main requests only).
func (q *request) subrequestFilters(w *httpcore.Response) {
	w.Filters = nil
	q.subFilterHeader(w)
	q.ssiHeader(w)
}

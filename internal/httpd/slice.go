package httpd

import (
	"strconv"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// This file is ngx_http_slice_filter_module: with "slice SIZE", the first
// use of $slice_range in a main request (proxy_set_header Range, the
// cache key) starts the slicing: the request's upstream is asked for the
// slice holding the start of the client's range, and every later slice
// is a clone subrequest (the same location, from the content phase)
// asking for the next one, its body going to the client after the main
// request's. Each slice's answer must be a 206 of the expected range and
// of the first one's ETag; its status becomes 200 with the whole length,
// so that the range filter answers the client's Range.

// sliceCtx is the module's ctx, shared by the main request and its slice
// subrequests.
type sliceCtx struct {
	start  int64  // the next slice expected
	end    int64  // where the slices stop (the client's range end, or the length)
	rng    string // $slice_range
	etag   string // the first slice's ETag
	active bool   // the current slice's header was accepted
	failed bool   // a slice's header was refused: the request ends
	ranged bool   // the main request answers a client's range (206)
	from   int64  // that range's start
	length int64  // the whole length, from Content-Range
	offset int64  // where the main request's own slice starts
}

// sliceRange is $slice_range (ngx_http_slice_range_variable): its first
// use in a main request whose header is not out yet, with a slice size,
// starts the slicing at the slice holding the start of the client's
// Range.
func (q *request) sliceRange() (string, bool) {
	ctx := q.slice
	if ctx == nil {
		size := q.lc.Slice.V
		if q.main != nil || q.status != 0 || q.w.HeaderSent() || size == 0 {
			return "", false
		}
		start := size * (sliceStart(q.r) / size)
		ctx = &sliceCtx{start: start, rng: sliceRangeText(start, size)}
		q.slice = ctx
	}
	return ctx.rng, true
}

func sliceRangeText(start, size int64) string {
	return "bytes=" + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(start+size-1, 10)
}

// sliceStart is ngx_http_slice_get_start: the first byte of the client's
// Range when it is one range "bytes=N-..." and there is no If-Range.
func sliceStart(r *httpcore.Request) int64 {
	if _, ok := r.Header("if-range"); ok {
		return 0
	}
	h, ok := r.Header("range")
	if !ok || len(h) < 7 || !httpcore.EqualFold(h[:6], "bytes=") {
		return 0
	}
	p := h[6:]
	for i := 0; i < len(p); i++ {
		if p[i] == ',' {
			return 0
		}
	}
	i := 0
	for i < len(p) && p[i] == ' ' {
		i++
	}
	start := int64(0)
	for ; i < len(p) && p[i] >= '0' && p[i] <= '9'; i++ {
		d := int64(p[i] - '0')
		if start > (1<<63-1-d)/10 {
			return 0
		}
		start = start*10 + d
	}
	return start
}

// contentRange is the result of ngx_http_slice_parse_content_range:
// "bytes START-END/LENGTH" with END made exclusive; length -1 for "*".
type contentRange struct{ start, end, length int64 }

func parseContentRange(v string) (cr contentRange, ok bool) {
	if len(v) < 7 || v[:6] != "bytes " {
		return cr, false
	}
	p := v[6:]
	skip := func() {
		for len(p) > 0 && p[0] == ' ' {
			p = p[1:]
		}
	}
	num := func() (int64, bool) {
		if len(p) == 0 || p[0] < '0' || p[0] > '9' {
			return 0, false
		}
		n := int64(0)
		for len(p) > 0 && p[0] >= '0' && p[0] <= '9' {
			d := int64(p[0] - '0')
			if n > (1<<63-1-d)/10 {
				return 0, false
			}
			n = n*10 + d
			p = p[1:]
		}
		return n, true
	}
	skip()
	if cr.start, ok = num(); !ok {
		return cr, false
	}
	skip()
	if len(p) == 0 || p[0] != '-' {
		return cr, false
	}
	p = p[1:]
	skip()
	if cr.end, ok = num(); !ok {
		return cr, false
	}
	cr.end++
	skip()
	if len(p) == 0 || p[0] != '/' {
		return cr, false
	}
	p = p[1:]
	skip()
	if len(p) > 0 && p[0] == '*' {
		cr.length = -1
		p = p[1:]
	} else if cr.length, ok = num(); !ok {
		return cr, false
	}
	skip()
	return cr, len(p) == 0
}

// sliceHeader is ngx_http_slice_header_filter, on the response an
// upstream (or the cache) gave a request of a slicing: a main request's
// answer other than 206 is passed as it is, the slicing over; a 206 (and
// any subrequest's answer) must carry the slice expected, with the first
// one's ETag and a complete length, else the request ends with nginx's
// error. The 206 becomes a 200 of the whole length, without its
// Content-Range and Accept-Ranges, open to the range filter. It reports
// false when the response was refused.
func (q *request) sliceHeader() bool {
	ctx := q.slice
	if ctx == nil {
		return true
	}
	w := q.w
	if w.Status != 206 {
		if q.main == nil {
			q.slice = nil
			return true
		}
		return q.sliceRefused("unexpected status code %d in slice response", w.Status)
	}
	etag, hasEtag := httpcore.FieldValue(w.Header, "etag")
	if ctx.etag != "" && (!hasEtag || etag != ctx.etag) {
		return q.sliceRefused("etag mismatch in slice response")
	}
	if hasEtag {
		ctx.etag = etag
	}
	v, _ := httpcore.FieldValue(w.Header, "content-range")
	cr, ok := parseContentRange(v)
	if !ok {
		return q.sliceRefused("invalid range in slice response")
	}
	if cr.length == -1 {
		return q.sliceRefused("no complete length in slice response")
	}
	size := q.lc.Slice.V
	end := min(cr.start+size, cr.length)
	if cr.start != ctx.start || cr.end != end {
		return q.sliceRefused("unexpected range in slice response: %d-%d", cr.start, cr.end)
	}
	ctx.start, ctx.active = end, true
	w.Status, w.StatusLine = 200, ""
	w.ContentLength = cr.length
	hs := w.Header[:0]
	for _, x := range w.Header {
		if !httpcore.EqualFold(x.Name, "content-range") && !httpcore.EqualFold(x.Name, "accept-ranges") {
			hs = append(hs, x)
		}
	}
	w.Header = hs
	if q.main == nil {
		ctx.length, ctx.offset, ctx.end = cr.length, cr.start, cr.length
	} else if ctx.ranged {
		// (the range filter makes a slice of a client's range a 206 too,
		// for its log line)
		w.Status = 206
	}
	return true
}

// sliceRefused logs why a slice's header was refused and ends the
// slicing: the request is cut (nginx's NGX_ERROR from a header filter).
func (q *request) sliceRefused(format string, args ...any) bool {
	action := ""
	if q.px != nil {
		action = q.px.action
	}
	q.log().Logf(errlog.Error, q.r.Conn.ID, format+"%s%s", append(args, action, q.logSuffix())...)
	q.slice.failed = true
	// nothing of it is sent: a main request's connection closes without
	// an answer
	status := q.w.Status
	q.closeNow()
	q.status = status
	return false
}

// slicing reports whether the response is a main request's sliced 200,
// open to the range filter.
func (q *request) slicing() bool {
	return q.slice != nil && q.main == nil && q.slice.active
}

// sliceRanged records the client's range the range filter answers: the
// slices stop at its end, and those wholly before its start are not
// fetched. It returns the bytes of the main request's own slice to skip.
func (q *request) sliceRanged(from, length int64) int64 {
	ctx := q.slice
	size := q.lc.Slice.V
	ctx.ranged, ctx.from, ctx.end = true, from, from+length
	if ctx.start+size <= from {
		ctx.start = size * (from / size)
	}
	return max(from-ctx.offset, 0)
}

// sliceRest sends the slices after the main request's own, once its body
// went out whole (ngx_http_slice_body_filter at the last buffer): one
// clone subrequest after another until the end, each checked by
// sliceHeader. It reports false when the response was cut.
func (q *request) sliceRest() bool {
	ctx := q.slice
	if ctx == nil || q.main != nil || !ctx.active || q.w.HeadOnly() {
		return true
	}
	w := q.w
	size := q.lc.Slice.V
	for ctx.start < ctx.end {
		from := ctx.start
		ctx.rng = sliceRangeText(from, size)
		ctx.active = false
		s := q.newSubrequest(q.uri, q.args, q.argsSet, q.method)
		s.w = httpcore.NewSubResponse(true)
		s.headerOnly = false
		s.loc, s.lc = q.loc, q.lc
		s.slice = ctx
		s.runClone()
		ok := ctx.active
		if !ok && !ctx.failed {
			// an answer that did not come from the upstream (an error
			// page)
			s.log().Logf(errlog.Error, s.r.Conn.ID, "unexpected status code %d in slice response%s", s.subStatus(), s.logSuffix())
		}
		var body []byte
		if ok {
			body = s.w.Body()
			if len(s.w.Filters) > 0 {
				body = runFilters(s.w.Filters, body)
			}
		}
		if ok && ctx.ranged {
			w.BodySkip = max(ctx.from-from, 0)
		}
		var err error
		if ok && len(body) > 0 {
			_, err = w.Write(body)
		}
		s.release()
		if !ok {
			// (what is still gathered is lost, as nginx's postponed
			// output of a request it terminates)
			w.Abort(false)
			return false
		}
		if err != nil && err != httpcore.ErrBodyOverflow {
			w.Abort(false)
			return false
		}
	}
	q.slice = nil
	return true
}

// runClone runs a slice subrequest as nginx's NGX_HTTP_SUBREQUEST_CLONE:
// in the main request's location, from the content phase.
func (s *request) runClone() {
	s.updateLocationConfig()
	s.setResponseDefaults()
	if p, tr := s.passHere(); p != nil {
		s.upstreamPass(p, tr)
	} else if !s.moduleContent() {
		s.staticContent()
	}
	s.noLog = s.noLog || !s.lc.LogSubrequest.V
	s.finish()
}

package httpd

import (
	"strconv"
	"strings"
	"syscall"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/static"
)

// gzipFilter is ngx_http_gzip_header_filter, run in the header filter
// after add_header and expires: a response it may compress (gzip on,
// status 200, 403 or 404, no Content-Encoding yet, not shorter than
// gzip_min_length, a gzip_types type, a body to send) earns the Vary of
// gzip_vary; if the client takes gzip (ngx_http_gzip_ok) the body is
// compressed: Content-Encoding is added, Content-Length and Accept-Ranges
// go, and the ETag is made weak. own is how many fields of w.Header came
// before add_header: nginx sees a Content-Encoding only there (add_header
// does not set headers_out.content_encoding). A HEAD request is treated
// as a GET here: r->header_only is not set yet.
func (q *request) gzipFilter(w *httpcore.Response, own int) {
	// a header filter run again (a special response after a first
	// pass that did not send) decides anew
	w.Gzip = 0
	gz := &q.lc.Gzip
	if !gz.On.V {
		return
	}
	switch w.Status {
	case 200, 403, 404:
	default:
		return
	}
	if w.ContentLength >= 0 && w.ContentLength < gz.MinLength.V ||
		hasValue(w.Header[:own], "content-encoding") ||
		!gzipType(gz.Types.V, w.ContentType) {
		return
	}
	if gz.Vary.V {
		w.GzipVary = true
	}
	if len(w.Filters) > 0 {
		if _, ok := w.Filters[0].(*gunzipFilter); ok {
			// ngx_http_gzip_ok said no to gunzip (r->gzip_tested)
			return
		}
	}
	if !q.gzipOK(w) {
		return
	}
	w.Header = append(w.Header, httpcore.Header{Name: "Content-Encoding", Value: "gzip"})
	w.ContentLength = -1
	// ngx_http_clear_accept_ranges and ngx_http_weak_etag
	out := w.Header[:0]
	etagSeen := false
	for _, h := range w.Header {
		if httpcore.EqualFold(h.Name, "accept-ranges") {
			continue
		}
		if !etagSeen && httpcore.EqualFold(h.Name, "etag") {
			etagSeen = true
			if !strings.HasPrefix(h.Value, "W/") || len(h.Value) <= 2 {
				if !strings.HasPrefix(h.Value, "\"") {
					continue
				}
				h.Value = "W/" + h.Value
			}
		}
		out = append(out, h)
	}
	w.Header = out
	w.Gzip = int(gz.CompLevel.V)
}

// gzipType is ngx_http_test_content_type against gzip_types: the type
// without its parameters, compared caselessly.
func gzipType(t config.GzipTypes, ctype string) bool {
	if t.Any {
		return true
	}
	if i := strings.IndexAny(ctype, "; "); i >= 0 {
		ctype = ctype[:i]
	}
	for _, x := range t.List {
		if httpcore.EqualFold(x, ctype) {
			return true
		}
	}
	return false
}

// gzipOK is ngx_http_gzip_ok: whether this client may get a gzipped
// answer. w is the response as far as the header filters made it (for
// gzip_proxied's look at Expires, Cache-Control, Last-Modified, ETag).
func (q *request) gzipOK(w *httpcore.Response) bool {
	ae, ok := q.r.Header("accept-encoding")
	if !ok || len(ae) < 4 {
		return false
	}
	if !strings.HasPrefix(ae, "gzip,") && !acceptsGzip(ae) {
		return false
	}
	gz := &q.lc.Gzip
	if gz.DisableMSIE.V && q.msie6() {
		return false
	}
	if !q.httpAtLeast11() && !gz.HTTP10.V {
		return false
	}
	if _, via := q.r.Header("via"); via && !q.gzipProxiedOK(w, gz.Proxied.V) {
		return false
	}
	if len(gz.Disable.V) > 0 {
		if ua, ok := q.r.Header("user-agent"); ok {
			for _, re := range gz.Disable.V {
				if re.MatchString(ua) {
					return false
				}
			}
		}
	}
	return true
}

// httpAtLeast11 reports whether the request's version is 1.1 or later.
func (q *request) httpAtLeast11() bool {
	p := q.r.Proto
	if p == "" {
		return false
	}
	if strings.HasPrefix(p, "HTTP/1.") {
		return q.r.ProtoMinor >= 1
	}
	return true
}

// gzipProxiedOK is the gzip_proxied part of ngx_http_gzip_ok, for a
// request that came through a proxy (Via).
func (q *request) gzipProxiedOK(w *httpcore.Response, p uint32) bool {
	switch {
	case p&config.GzipProxiedOff != 0:
		return false
	case p&config.GzipProxiedAny != 0:
		return true
	}
	if p&config.GzipProxiedAuth != 0 {
		if _, ok := q.r.Header("authorization"); ok {
			return true
		}
	}
	if e, ok := httpcore.FieldValue(w.Header, "expires"); ok {
		if p&config.GzipProxiedExpired == 0 {
			return false
		}
		exp := static.ParseHTTPTime(e)
		if exp < 0 {
			return false
		}
		date := q.h.Now().Unix()
		if d, ok := httpcore.FieldValue(w.Header, "date"); ok {
			if date = static.ParseHTTPTime(d); date < 0 {
				return false
			}
		}
		return exp < date
	}
	if hasHeader(w.Header, "cache-control") {
		return p&config.GzipProxiedNoCache != 0 && ccToken(w.Header, "no-cache") ||
			p&config.GzipProxiedNoStore != 0 && ccToken(w.Header, "no-store") ||
			p&config.GzipProxiedPrivate != 0 && ccToken(w.Header, "private")
	}
	// a static file's Last-Modified is made by the header filter later
	// (headers_out.last_modified is NULL here); an upstream's counts
	if p&config.GzipProxiedNoLM != 0 && hasHeader(w.Header, "last-modified") {
		return false
	}
	if p&config.GzipProxiedNoETag != 0 && hasHeader(w.Header, "etag") {
		return false
	}
	return true
}

// hasValue reports whether the first field called name is not empty.
func hasValue(hs []httpcore.Header, name string) bool {
	v, _ := httpcore.FieldValue(hs, name)
	return v != ""
}

func hasHeader(hs []httpcore.Header, name string) bool {
	_, ok := httpcore.FieldValue(hs, name)
	return ok
}

// ccToken is ngx_http_parse_multi_header_lines without a value: whether
// some Cache-Control field has tok as one of its comma-separated items.
func ccToken(hs []httpcore.Header, tok string) bool {
	for _, h := range hs {
		if !httpcore.EqualFold(h.Name, "cache-control") {
			continue
		}
		v := h.Value
		for i := 0; i < len(v); {
			if len(v)-i >= len(tok) && httpcore.EqualFold(v[i:i+len(tok)], tok) &&
				(i+len(tok) == len(v) || v[i+len(tok)] == ',') {
				return true
			}
			for i < len(v) && v[i] != ',' {
				i++
			}
			for i < len(v) && (v[i] == ',' || v[i] == ' ') {
				i++
			}
		}
	}
	return false
}

// msie6 is headers_in.msie6 (classifyUserAgent) of the first User-Agent.
func (q *request) msie6() bool {
	ua, ok := q.r.Header("user-agent")
	return ok && classifyUserAgent(ua).msie6
}

// acceptsGzip is ngx_http_gzip_accept_encoding: "gzip" as a token of
// Accept-Encoding (at the start or after a comma or space), followed by
// nothing, a comma, or parameters whose q is not zero.
func acceptsGzip(ae string) bool {
	start := 0
	p := -1
	for {
		k := indexFold(ae[start:], "gzip")
		if k < 0 {
			return false
		}
		k += start
		if k == 0 || ae[k-1] == ',' || ae[k-1] == ' ' {
			p = k + 4
			break
		}
		start = k + 4
	}
	for p < len(ae) {
		c := ae[p]
		p++
		switch c {
		case ',':
			return true
		case ';':
			return gzipQuality(ae[p:])
		case ' ':
		default:
			return false
		}
	}
	return true
}

// gzipQuality reads the parameters after "gzip;": the first must be q=,
// and its value not zero (ngx_http_gzip_quantity).
func gzipQuality(s string) bool {
	p := 0
	for ; p < len(s); p++ {
		switch s[p] {
		case 'q', 'Q':
			p++
			if p+2 > len(s) || s[p] != '=' {
				return false
			}
			return gzipQuantity(s[p+1:]) > 0
		case ' ':
		default:
			return false
		}
	}
	return true
}

// gzipQuantity is ngx_http_gzip_quantity: the q value times 100, 0 for
// one that does not parse (its digits after the point are summed, as
// nginx does).
func gzipQuantity(s string) int {
	if len(s) == 0 || s[0] != '0' && s[0] != '1' {
		return 0
	}
	q := int(s[0]-'0') * 100
	if len(s) == 1 {
		return q
	}
	c := s[1]
	if c == ',' || c == ' ' {
		return q
	}
	if c != '.' {
		return 0
	}
	n := 0
	for _, c := range []byte(s[2:]) {
		if c == ',' || c == ' ' {
			break
		}
		if c < '0' || c > '9' {
			return 0
		}
		q += int(c - '0')
		n++
	}
	if q > 100 || n > 3 {
		return 0
	}
	return q
}

// indexFold is a caseless strings.Index for an ASCII needle.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if httpcore.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// gzipRatio is $gzip_ratio: bytes in over bytes out with two decimals,
// rounded as nginx rounds it; not found when nothing was compressed.
func (q *request) gzipRatio() (string, bool) {
	in, out := q.w.GzipSizes()
	if out == 0 {
		return "", false
	}
	whole := in / out
	frac := in * 100 / out % 100
	if in*1000/out%10 > 4 {
		frac++
		if frac > 99 {
			whole++
			frac = 0
		}
	}
	s := strconv.FormatInt(whole, 10) + "."
	if frac < 10 {
		s += "0"
	}
	return s + strconv.FormatInt(frac, 10), true
}

// gzipStatic is ngx_http_gzip_static_handler, run before the static
// module for a GET or HEAD of a URI not ending in "/": with gzip_static
// on and a client that takes gzip (always: any client), the file's ".gz"
// neighbour is sent with the file's type and Content-Encoding: gzip. It
// reports whether it answered. Once the .gz file opened, gzip_vary's
// Vary goes out with whatever answer follows.
func (q *request) gzipStatic() bool {
	gz := &q.lc.Gzip
	ok := gz.Static.V == "always" || q.gzipOK(q.w)
	if !gz.Vary.V && !ok {
		return false
	}
	orig := q.mapURI()
	path := orig + ".gz"
	f, op, err := q.openPath(path)
	if err != nil {
		switch en := errnoOf(err); en {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
		default:
			lv := errlog.Crit
			if en == syscall.EACCES || en == syscall.EMLINK || en == syscall.ELOOP {
				lv = errlog.Error
			}
			q.log().Logf(lv, q.r.Conn.ID, "%s \"%s\" failed %s%s", op, path, errlog.SysError(err), q.logSuffix())
		}
		return false
	}
	q.w.GzipVary = gz.Vary.V
	fi, err := f.Stat()
	if !ok || err != nil || fi.IsDir() {
		f.Close()
		return false
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "\"%s\" is not a regular file%s", path, q.logSuffix())
		q.respondStatus(404)
		return true
	}
	q.sendStaticFile(f, fi, "gzip")
	return true
}

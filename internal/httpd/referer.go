package httpd

import (
	"strings"

	"weir/internal/config"
)

// invalidReferer is ngx_http_referer_variable: "" when the Referer is
// one valid_referers allows (or the level has none), else "1".
func (q *request) invalidReferer() (string, bool) {
	rs := q.lc.Referer.Valid.V
	if rs == nil || rs.Empty() {
		return "", true
	}
	ref, ok := q.firstHeader("referer")
	if !ok {
		return refererVerdict(rs.None)
	}
	rest, ok := afterScheme(ref)
	if !ok {
		return refererVerdict(rs.Blocked)
	}
	// the host, lower-cased, up to "/" or ":"; longer than 256 bytes it
	// is invalid
	end := strings.IndexAny(rest, "/:")
	if end < 0 {
		end = len(rest)
	}
	if end > 256 {
		return refererVerdict(false)
	}
	host := config.LowerASCII(rest[:end])
	if uri, found := rs.Hash.Find(host); found {
		if uri == nil {
			return refererVerdict(true)
		}
		// the URI given with the name must begin the referer's, which
		// starts at the first "/" after the host (a port is skipped)
		path := rest[end:]
		if i := strings.IndexByte(path, '/'); i >= 0 {
			path = path[i:]
		} else {
			path = ""
		}
		return refererVerdict(strings.HasPrefix(path, uri.Raw))
	}
	for _, re := range rs.ServerRegex {
		if re.MatchString(host) {
			return refererVerdict(true)
		}
	}
	for _, re := range rs.Regex {
		if re.MatchString(rest) {
			return refererVerdict(true)
		}
	}
	return refererVerdict(false)
}

func refererVerdict(valid bool) (string, bool) {
	if valid {
		return "", true
	}
	return "1", true
}

// firstHeader is the first request header called name (with "_" for
// "-"), as nginx keeps it in r->headers_in.
func (q *request) firstHeader(name string) (string, bool) {
	for _, h := range q.r.Headers {
		if headerNameEq(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// afterScheme is the referer after its "http://" or "https://"
// (caseless); a referer without either, or shorter than "http://i.ru",
// is what "blocked" allows.
func afterScheme(ref string) (string, bool) {
	switch {
	case len(ref) < len("http://i.ru"):
		return "", false
	case strings.EqualFold(ref[:7], "http://"):
		return ref[7:], true
	case strings.EqualFold(ref[:8], "https://"):
		return ref[8:], true
	}
	return "", false
}

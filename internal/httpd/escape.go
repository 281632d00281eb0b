package httpd

import "strings"

// escapeTable is one of ngx_escape_uri's bitmaps: bit c is set when byte
// c is written as %XX.
type escapeTable [8]uint32

// escapeURI is NGX_ESCAPE_URI as of nginx 1.21.1 (the tables follow RFC
// 3986 since): " ", "\"", "#", "%", "<", ">", "?", "\\", "^", "`", "{",
// "|", "}", %00-%1F, %7F-%FF.
var escapeURI = escapeTable{0xffffffff, 0xd000002d, 0x50000000, 0xb8000001,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}

// escapeArgs is NGX_ESCAPE_ARGS as of nginx 1.21.1: escapeURI's bytes and
// "&", "+", ";".
var escapeArgs = escapeTable{0xffffffff, 0xd800086d, 0x50000000, 0xb8000001,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}

func (t *escapeTable) has(c byte) bool { return t[c>>5]&(1<<(c&0x1f)) != 0 }

// escape returns s with the bytes of t written as %XX in upper-case hex
// (ngx_escape_uri); s itself when nothing needs escaping.
func (t *escapeTable) escape(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if t.has(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if t.has(c) {
			b = append(b, '%', hex[c>>4], hex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// unescapeRedirect is ngx_unescape_uri with NGX_UNESCAPE_REDIRECT, which
// a rewrite to a redirect runs over its result: up to the first "?"
// (escaped or not), %XX of a printable byte above "%" is decoded, other
// %XX are kept, and a broken escape loses its "%" (and, when the second
// digit is bad, the first digit with it) as in nginx. The rest is copied.
func unescapeRedirect(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	const (
		usual = iota
		quoted
		quotedSecond
	)
	b := make([]byte, 0, len(s))
	state := usual
	var decoded byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch state {
		case usual:
			if ch == '?' {
				return string(append(append(b, ch), s[i+1:]...))
			}
			if ch == '%' {
				state = quoted
				continue
			}
			b = append(b, ch)
		case quoted:
			if d, ok := unhex(ch); ok {
				decoded = d
				state = quotedSecond
				continue
			}
			state = usual
			b = append(b, ch)
		case quotedSecond:
			state = usual
			d, ok := unhex(ch)
			if !ok {
				continue
			}
			c := decoded<<4 + d
			switch {
			case c == '?':
				return string(append(append(b, c), s[i+1:]...))
			case c > '%' && c < 0x7f:
				b = append(b, c)
			default:
				b = append(b, '%', s[i-1], ch)
			}
		}
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return (c | 0x20) - 'a' + 10, true
	}
	return 0, false
}

// parseUnsafeURI is ngx_http_parse_unsafe_uri, which checks a URI that
// an upstream names (X-Accel-Redirect): the args are split off at the
// first "?", a URI with "%" is unescaped (ngx_unescape_uri without
// flags) and checked again. It refuses an empty URI, one that starts
// with "?", a NUL, and a ".." segment; bad is then the URI as nginx
// logs it ("unsafe URI ... was detected").
func parseUnsafeURI(s string) (uri, args, bad string, ok bool) {
	if s == "" || s[0] == '?' {
		return "", "", s, false
	}
	uri = s
	if i := strings.IndexByte(s, '?'); i >= 0 {
		uri, args = s[:i], s[i+1:]
	}
	if strings.IndexByte(uri, 0) >= 0 || hasDotDotSegment(uri) {
		return "", "", s, false
	}
	if !strings.Contains(uri, "%") {
		return uri, args, "", true
	}
	uri = unescapePlain(uri)
	if strings.IndexByte(uri, 0) >= 0 || hasDotDotSegment(uri) {
		return "", "", uri, false
	}
	return uri, args, "", true
}

// hasDotDotSegment reports a ".." segment: at the start, or after a "/",
// followed by a "/" or the end.
func hasDotDotSegment(p string) bool {
	for i := -1; i < len(p); i++ {
		if i >= 0 && p[i] != '/' {
			continue
		}
		r := p[i+1:]
		if strings.HasPrefix(r, "..") && (len(r) == 2 || r[2] == '/') {
			return true
		}
	}
	return false
}

// unescapePlain is ngx_unescape_uri with no flags: every %XX is decoded;
// a broken escape loses its "%" (and, when the second digit is bad, the
// first digit with it).
func unescapePlain(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+1 >= len(s) {
			break
		}
		hi, ok := unhex(s[i+1])
		if !ok {
			i++
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			break
		}
		lo, ok := unhex(s[i+2])
		i += 2
		if ok {
			b = append(b, hi<<4+lo)
		}
	}
	return string(b)
}

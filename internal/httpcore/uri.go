package httpcore

// Complex URI states (ngx_http_parse_complex_uri).
const (
	cuUsual = iota
	cuSlash
	cuDot
	cuDotDot
	cuQuoted
	cuQuotedSecond
)

// parseComplexURI ports ngx_http_parse_complex_uri: it percent-decodes
// src (the URI as sent, from uri_start to uri_end), resolves "." and ".."
// segments, merges slashes when asked and stops at '?' or '#'. The path is
// appended to dst. argsStart is the offset in src just after the '?' that
// starts the arguments (-1 if none); when a '#' ends the arguments,
// argsEnd is its offset, else len(src). ok is false for nginx's
// NGX_HTTP_PARSE_INVALID_REQUEST ("%" not followed by two hex digits,
// "%00", or ".." above the root).
func parseComplexURI(dst, src []byte, emptyPath, mergeSlashes bool) (path []byte, argsStart, argsEnd int, ok bool) {
	u := len(dst)
	base := u
	// at most one byte per source byte, plus the leading "/"
	if cap(dst)-len(dst) < len(src)+1 {
		n := make([]byte, len(dst), len(dst)+len(src)+1)
		copy(n, dst)
		dst = n
	}
	dst = dst[:cap(dst)]
	argsStart, argsEnd = -1, len(src)

	if emptyPath {
		dst[u] = '/'
		u++
	}

	n := len(src)
	if n == 0 {
		return dst[base:u], -1, n, true
	}
	state, quotedState := cuUsual, cuUsual
	var decoded byte
	i := 0
	next := func() byte {
		var c byte
		if i < n {
			c = src[i]
		}
		i++
		return c
	}
	ch := next()

	for i <= n {
		switch state {

		case cuUsual:
			if isUsual(ch) {
				dst[u] = ch
				u++
				ch = next()
				break
			}
			switch ch {
			case '/':
				state = cuSlash
				dst[u] = ch
				u++
			case '%':
				quotedState = state
				state = cuQuoted
			case '?':
				argsStart = i
				goto args
			case '#':
				goto done
			default: // '.', '+' and the rest
				dst[u] = ch
				u++
			}
			ch = next()

		case cuSlash:
			if isUsual(ch) {
				state = cuUsual
				dst[u] = ch
				u++
				ch = next()
				break
			}
			switch ch {
			case '/':
				if !mergeSlashes {
					dst[u] = ch
					u++
				}
			case '.':
				state = cuDot
				dst[u] = ch
				u++
			case '%':
				quotedState = state
				state = cuQuoted
			case '?':
				argsStart = i
				goto args
			case '#':
				goto done
			default:
				state = cuUsual
				dst[u] = ch
				u++
			}
			ch = next()

		case cuDot:
			if isUsual(ch) {
				state = cuUsual
				dst[u] = ch
				u++
				ch = next()
				break
			}
			switch ch {
			case '/':
				state = cuSlash
				u--
			case '.':
				state = cuDotDot
				dst[u] = ch
				u++
			case '%':
				quotedState = state
				state = cuQuoted
			case '?':
				u--
				argsStart = i
				goto args
			case '#':
				u--
				goto done
			default:
				state = cuUsual
				dst[u] = ch
				u++
			}
			ch = next()

		case cuDotDot:
			if isUsual(ch) {
				state = cuUsual
				dst[u] = ch
				u++
				ch = next()
				break
			}
			switch ch {
			case '/', '?', '#':
				u -= 4
				for {
					if u < base {
						return nil, -1, n, false
					}
					if dst[u] == '/' {
						u++
						break
					}
					u--
				}
				if ch == '?' {
					argsStart = i
					goto args
				}
				if ch == '#' {
					goto done
				}
				state = cuSlash
			case '%':
				quotedState = state
				state = cuQuoted
			default:
				state = cuUsual
				dst[u] = ch
				u++
			}
			ch = next()

		case cuQuoted:
			if ch >= '0' && ch <= '9' {
				decoded = ch - '0'
				state = cuQuotedSecond
				ch = next()
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'f' {
				decoded = c - 'a' + 10
				state = cuQuotedSecond
				ch = next()
				break
			}
			return nil, -1, n, false

		case cuQuotedSecond:
			if ch >= '0' && ch <= '9' {
				ch = decoded<<4 + (ch - '0')
				if ch == '%' || ch == '#' {
					state = cuUsual
					dst[u] = ch
					u++
					ch = next()
					break
				} else if ch == 0 {
					return nil, -1, n, false
				}
				state = quotedState
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'f' {
				ch = decoded<<4 + (c - 'a') + 10
				if ch == '?' {
					state = cuUsual
					dst[u] = ch
					u++
					ch = next()
					break
				}
				state = quotedState
				break
			}
			return nil, -1, n, false
		}
	}

	if state == cuQuoted || state == cuQuotedSecond {
		return nil, -1, n, false
	}
	if state == cuDot {
		u--
	} else if state == cuDotDot {
		u -= 4
		for {
			if u < base {
				return nil, -1, n, false
			}
			if dst[u] == '/' {
				u++
				break
			}
			u--
		}
	}

done:
	return dst[base:u], -1, n, true

args:
	for j := argsStart; j < n; j++ {
		if src[j] == '#' {
			argsEnd = j
			break
		}
	}
	return dst[base:u], argsStart, argsEnd, true
}

// validateHost ports ngx_http_validate_host: it returns the host without
// the port and a trailing dot, and whether it must be lower-cased. ok is
// false for an invalid host ("..", "/", a control character or space, or
// an empty name).
func validateHost(h []byte) (host []byte, lower, ok bool) {
	const (
		usual = iota
		literal
		rest
	)
	n := len(h)
	dotPos := n
	hostLen := n
	state := usual
	for i := 0; i < n; i++ {
		ch := h[i]
		switch ch {
		case '.':
			if dotPos == i-1 {
				return nil, false, false
			}
			dotPos = i
		case ':':
			if state == usual {
				hostLen = i
				state = rest
			}
		case '[':
			if i == 0 {
				state = literal
			}
		case ']':
			if state == literal {
				hostLen = i + 1
				state = rest
			}
		default:
			if ch == '/' || ch <= 0x20 || ch == 0x7f {
				return nil, false, false
			}
			if ch >= 'A' && ch <= 'Z' {
				lower = true
			}
		}
	}
	if dotPos == hostLen-1 {
		hostLen--
	}
	if hostLen <= 0 {
		return nil, false, false
	}
	return h[:hostLen], lower, true
}

// atoof ports ngx_atoof: a non-negative decimal off_t, -1 on any other
// byte, on overflow or for an empty string.
func atoof(s string) int64 {
	const max = 1<<63 - 1
	if len(s) == 0 {
		return -1
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		d := int64(c - '0')
		if v >= max/10 && (v > max/10 || d > max%10) {
			return -1
		}
		v = v*10 + d
	}
	return v
}

// containsFold reports whether s contains sub, ASCII case-insensitively
// (ngx_strcasestrn). sub must be lower case.
func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for ; j < n; j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				break
			}
		}
		if j == n {
			return true
		}
	}
	return false
}

package static

const upperHex = "0123456789ABCDEF"

// uriComponent marks the bytes ngx_escape_uri escapes in
// NGX_ESCAPE_URI_COMPONENT mode: everything except the unreserved
// characters of RFC 3986 (letters, digits, "-", ".", "_", "~").
var uriComponent = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		unreserved := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		t[c] = !unreserved
	}
	return t
}()

// appendEscapeURIComponent appends s with every byte but the unreserved
// ones written as %XX in upper-case hex.
func appendEscapeURIComponent(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if uriComponent[c] {
			b = append(b, '%', upperHex[c>>4], upperHex[c&0xf])
		} else {
			b = append(b, c)
		}
	}
	return b
}

// appendEscapeHTML appends s with <, >, & and " as entities, as
// ngx_escape_html does.
func appendEscapeHTML(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '"':
			b = append(b, "&quot;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendEscapeJSON appends s as the inside of a JSON string, as
// ngx_escape_json does: a backslash before " and \, the short escapes for
// \n \r \t \b \f, \u00XX for other control bytes; bytes from 0x20 up,
// including 0x7f and non-UTF-8 bytes, are copied.
func appendEscapeJSON(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0x1f {
			if c == '\\' || c == '"' {
				b = append(b, '\\')
			}
			b = append(b, c)
			continue
		}
		b = append(b, '\\')
		switch c {
		case '\n':
			b = append(b, 'n')
		case '\r':
			b = append(b, 'r')
		case '\t':
			b = append(b, 't')
		case '\b':
			b = append(b, 'b')
		case '\f':
			b = append(b, 'f')
		default:
			b = append(b, 'u', '0', '0', '0'+c>>4, upperHex[c&0xf])
		}
	}
	return b
}

// UTF8Decode decodes the sequence at the start of s as ngx_utf8_decode
// does and returns the code point and the bytes consumed. Values above
// 0x10ffff mean invalid: 0xffffffff for a bad byte, 0xfffffffe for a
// sequence cut short (nothing consumed). nginx is lenient in ways kept
// here: any byte from 0x80 counts as a continuation byte, and surrogates
// and lead bytes above 0xf4 are not refused.
func UTF8Decode(s string) (uint32, int) {
	u := uint32(s[0])
	var valid uint32
	var n int
	switch {
	case u >= 0xf0:
		u, valid, n = u&0x07, 0xffff, 3
	case u >= 0xe0:
		u, valid, n = u&0x0f, 0x7ff, 2
	case u >= 0xc2:
		u, valid, n = u&0x1f, 0x7f, 1
	default:
		return 0xffffffff, 1
	}
	if len(s)-1 < n {
		return 0xfffffffe, 0
	}
	p := 1
	for ; n > 0; n-- {
		c := s[p]
		p++
		if c < 0x80 {
			return 0xffffffff, p
		}
		u = u<<6 | uint32(c&0x3f)
	}
	if u > valid {
		return u, p
	}
	return 0xffffffff, p
}

// utf8Length counts the characters of s as ngx_utf8_length does; for
// invalid UTF-8 it returns the length in bytes.
func utf8Length(s string) int {
	n := 0
	for p := 0; p < len(s); n++ {
		if s[p] < 0x80 {
			p++
			continue
		}
		u, m := UTF8Decode(s[p:])
		if u > 0x10ffff {
			return len(s)
		}
		p += m
	}
	return n
}

// charsPrefix returns the length in bytes of the first k characters of s:
// UTF-8 characters when utf8 is set (s is then known to be valid), else
// bytes.
func charsPrefix(s string, k int, utf8 bool) int {
	if !utf8 {
		return min(k, len(s))
	}
	p := 0
	for ; k > 0 && p < len(s); k-- {
		if s[p] < 0x80 {
			p++
			continue
		}
		_, m := UTF8Decode(s[p:])
		p += m
	}
	return p
}

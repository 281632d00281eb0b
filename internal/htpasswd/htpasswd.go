// Package htpasswd is what nginx's auth_basic module does with a request's
// credentials and a password file: the Basic credentials of an
// Authorization header (ngx_http_auth_basic_user), the scan of the file
// for the user's line (ngx_http_auth_basic_handler), and the password
// schemes nginx checks itself (ngx_crypt: $apr1$, {PLAIN}, {SHA}, {SSHA})
// or through the C library's crypt_r (Debian's libxcrypt: DES, $1$ MD5,
// $5$ SHA-256, $6$ SHA-512, $2a$/$2b$/$2x$/$2y$ bcrypt; not yescrypt,
// scrypt, BSDi DES and the rarer ones, which match nothing here).
package htpasswd

import (
	"bytes"
	"io"
)

// base64Value is the value of a character in the standard base64
// alphabet, -1 for any other byte.
var base64Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// DecodeBase64 decodes as ngx_decode_base64: the text ends at the first
// "=" (whatever follows is ignored), every character before it must be of
// the alphabet, and a length of 4n+1 is refused; the unused bits of the
// last character are not checked.
func DecodeBase64(s string) ([]byte, bool) {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			n = i
			break
		}
		if base64Value[s[i]] < 0 {
			return nil, false
		}
	}
	if n%4 == 1 {
		return nil, false
	}
	out := make([]byte, 0, n*3/4)
	var acc uint32
	bits := 0
	for i := 0; i < n; i++ {
		acc = acc<<6 | uint32(base64Value[s[i]])
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>uint(bits)))
		}
	}
	return out, true
}

// ParseBasic takes the user and password from an Authorization header
// value as ngx_http_auth_basic_user does: "Basic" (any case) and a space,
// more spaces, base64 of "user:password" with a user of at least one
// byte. The password ends at a NUL byte, as the C string crypt sees.
func ParseBasic(v string) (user, password string, ok bool) {
	const scheme = "basic "
	if len(v) < len(scheme) || !equalFold(v[:len(scheme)], scheme) {
		return "", "", false
	}
	v = v[len(scheme):]
	for len(v) > 0 && v[0] == ' ' {
		v = v[1:]
	}
	if v == "" {
		return "", "", false
	}
	raw, good := DecodeBase64(v)
	if !good {
		return "", "", false
	}
	i := bytes.IndexByte(raw, ':')
	if i <= 0 {
		return "", "", false
	}
	pw := raw[i+1:]
	if j := bytes.IndexByte(pw, 0); j >= 0 {
		pw = pw[:j]
	}
	return string(raw[:i]), string(pw), true
}

func equalFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		c := a[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}

// maxHash is where a password field is cut (NGX_HTTP_AUTH_BUF_SIZE: the
// module's buffer holds the field being read).
const maxHash = 2048

// Find scans a password file for user's line as ngx_http_auth_basic_handler
// does and returns the password field: the text after "user:" up to the
// next ":", CR, LF or the end of the file. A line that starts with "#" or
// CR is skipped; a line whose start matches the user but not "user:" is
// skipped with the rest of the line where the mismatch was found, which
// for a line ending right there is the next line (nginx's scanner reads the
// line feed as the mismatching byte). The hash ends at a NUL byte, as the
// C string crypt sees. found is false when no line matched. err is the
// error of a read (ReadAt, nginx's pread).
func Find(f io.ReaderAt, user string) (hash string, found bool, err error) {
	const (
		login = iota
		passwd
		skip
	)
	want := user + ":"
	state, pos := login, 0
	var pw []byte
	var buf [maxHash]byte
	var off int64
	for {
		n, rerr := f.ReadAt(buf[:], off)
		if n == 0 && rerr != nil {
			if rerr == io.EOF {
				break
			}
			return "", false, rerr
		}
		off += int64(n)
		for _, c := range buf[:n] {
			switch state {
			case login:
				if pos == 0 && (c == '#' || c == '\r') {
					state = skip
					continue
				}
				if pos == 0 && c == '\n' {
					continue
				}
				if c != want[pos] {
					state = skip
					continue
				}
				pos++
				if pos == len(want) {
					state = passwd
				}
			case passwd:
				if c == '\n' || c == '\r' || c == ':' {
					return cString(pw), true, nil
				}
				if len(pw) == maxHash {
					return cString(pw), true, nil
				}
				pw = append(pw, c)
			case skip:
				if c == '\n' {
					state, pos = login, 0
				}
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	if state == passwd {
		return cString(pw), true, nil
	}
	return "", false, nil
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

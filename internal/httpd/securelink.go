package httpd

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// secureLink is ngx_http_secure_link_variable: with secure_link and
// secure_link_md5, "1" when the link's hash is the MD5 of the
// secure_link_md5 text and it has not expired, "0" when it has expired,
// else not found; with secure_link_secret, the link after the hash.
func (q *request) secureLink() (string, bool) {
	sl := &q.lc.SecureLink
	if sl.Secret != nil {
		return q.secureLinkSecret(*sl.Secret)
	}
	if sl.Variable == nil || sl.MD5 == nil {
		return "", false
	}
	val := q.eval(sl.Variable)
	var expires int64
	if hash, exp, ok := strings.Cut(val, ","); ok {
		val = hash
		expires = parseTime(exp)
		if expires <= 0 {
			return "", false
		}
		// $secure_link_expires from here on, even if the hash is wrong
		q.slExpires, q.slExpiresSet = exp, true
	}
	if len(val) > 24 {
		return "", false
	}
	hash, ok := decodeBase64URL(val)
	if !ok || len(hash) != md5.Size {
		return "", false
	}
	sum := md5.Sum([]byte(q.eval(sl.MD5)))
	if !bytes.Equal(hash, sum[:]) {
		return "", false
	}
	if expires != 0 && expires < q.h.Now().Unix() {
		return "0", true
	}
	return "1", true
}

// secureLinkSecret is ngx_http_secure_link_old_variable: the request
// URI (its arguments included) is /PREFIX/HASH/LINK, HASH the hex MD5
// of LINK and the secret.
func (q *request) secureLinkSecret(secret string) (string, bool) {
	uri := q.r.RawURI
	if len(uri) < 1 {
		return "", false
	}
	i := strings.IndexByte(uri[1:], '/')
	if i < 0 {
		return "", false
	}
	rest := uri[1+i+1:]
	j := strings.IndexByte(rest, '/')
	if j < 0 {
		return "", false
	}
	hexHash, link := rest[:j], rest[j+1:]
	if len(hexHash) != 2*md5.Size || link == "" {
		return "", false
	}
	want, err := hex.DecodeString(hexHash)
	if err != nil {
		return "", false
	}
	sum := md5.Sum([]byte(link + secret))
	if !bytes.Equal(want, sum[:]) {
		return "", false
	}
	return link, true
}

// parseTime is ngx_atotm: decimal digits only, -1 otherwise or on
// overflow.
func parseTime(s string) int64 {
	if s == "" {
		return -1
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// decodeBase64URL is ngx_decode_base64url: the URL alphabet, decoding
// stops at the first "=", and any other byte fails it (Go's decoder
// would skip new lines).
func decodeBase64URL(s string) ([]byte, bool) {
	if i := strings.IndexByte(s, '='); i >= 0 {
		s = s[:i]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, false
		}
	}
	if len(s)%4 == 1 {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	return b, err == nil
}

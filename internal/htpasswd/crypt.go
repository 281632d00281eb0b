package htpasswd

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"strconv"
	"strings"
)

// Match reports whether password matches the password field hash, as the
// auth_basic module compares ngx_crypt(password, hash) with hash.
func Match(password, hash string) bool {
	return Crypt(password, hash) == hash
}

// Crypt hashes key with the scheme and salt of setting, as ngx_crypt does:
// nginx's own schemes first, then what crypt_r does on Debian. A setting
// crypt_r cannot use gives libxcrypt's failure token ("*0", or "*1" for a
// setting starting with "*0"), which matches nothing.
func Crypt(key, setting string) string {
	switch {
	case strings.HasPrefix(setting, "$apr1$"):
		return md5Crypt(key, setting, "$apr1$")
	case strings.HasPrefix(setting, "{PLAIN}"):
		return "{PLAIN}" + key
	case strings.HasPrefix(setting, "{SSHA}"):
		return ssha(key, setting[len("{SSHA}"):])
	case strings.HasPrefix(setting, "{SHA}"):
		sum := sha1.Sum([]byte(key))
		return "{SHA}" + base64.StdEncoding.EncodeToString(sum[:])
	}
	if out, ok := libcCrypt(key, setting); ok {
		return out
	}
	if strings.HasPrefix(setting, "*0") {
		return "*1"
	}
	return "*0"
}

// libcCrypt is crypt_r for the schemes weir implements.
func libcCrypt(key, setting string) (string, bool) {
	switch {
	case strings.HasPrefix(setting, "$1$"):
		return md5Crypt(key, setting, "$1$"), true
	case strings.HasPrefix(setting, "$5$"):
		return shaCrypt(key, setting, "$5$", sha256.New, sha256Order[:])
	case strings.HasPrefix(setting, "$6$"):
		return shaCrypt(key, setting, "$6$", sha512.New, sha512Order[:])
	case strings.HasPrefix(setting, "$2"):
		return bcryptHash(key, setting)
	}
	return desCrypt(key, setting)
}

// ssha is {SSHA}: base64 of SHA-1(key salt) followed by the salt, the
// salt being what follows the 20 digest bytes of the decoded setting (none
// when it does not decode or is shorter).
func ssha(key, encoded string) string {
	var salt []byte
	if raw, ok := DecodeBase64(encoded); ok && len(raw) > 20 {
		salt = raw[20:]
	}
	h := sha1.New()
	h.Write([]byte(key))
	h.Write(salt)
	out := append(h.Sum(nil), salt...)
	return "{SSHA}" + base64.StdEncoding.EncodeToString(out)
}

// itoa64 is crypt's alphabet.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// to64 appends the n low 6-bit groups of v, lowest first.
func to64(b []byte, v uint32, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, itoa64[v&0x3f])
		v >>= 6
	}
	return b
}

// cryptSalt is the salt of a "$id$salt$..." setting after its magic: up
// to max bytes, ending at "$".
func cryptSalt(rest string, max int) string {
	if i := strings.IndexByte(rest, '$'); i >= 0 {
		rest = rest[:i]
	}
	if len(rest) > max {
		rest = rest[:max]
	}
	return rest
}

// md5Crypt is Poul-Henning Kamp's MD5 crypt, with magic "$1$" or
// Apache's "$apr1$".
func md5Crypt(key, setting, magic string) string {
	salt := cryptSalt(setting[len(magic):], 8)
	k := []byte(key)

	alt := md5.New()
	alt.Write(k)
	alt.Write([]byte(salt))
	alt.Write(k)
	altSum := alt.Sum(nil)

	h := md5.New()
	h.Write(k)
	h.Write([]byte(magic))
	h.Write([]byte(salt))
	for n := len(k); n > 0; n -= 16 {
		h.Write(altSum[:min(n, 16)])
	}
	for i := len(k); i > 0; i >>= 1 {
		if i&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(k[:1])
		}
	}
	sum := h.Sum(nil)

	sum = mixRounds(md5.New(), sum, k, []byte(salt), 1000)

	out := []byte(magic + salt + "$")
	for _, g := range [5][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = to64(out, uint32(sum[g[0]])<<16|uint32(sum[g[1]])<<8|uint32(sum[g[2]]), 4)
	}
	out = to64(out, uint32(sum[11]), 2)
	return string(out)
}

// The byte order of the SHA-crypt encodings: groups of three bytes, the
// last group shorter.
var sha256Order = [...]int{
	0, 10, 20, 21, 1, 11, 12, 22, 2, 3, 13, 23, 24, 4, 14, 15, 25, 5,
	6, 16, 26, 27, 7, 17, 18, 28, 8, 9, 19, 29, 31, 30,
}

var sha512Order = [...]int{
	0, 21, 42, 22, 43, 1, 44, 2, 23, 3, 24, 45, 25, 46, 4, 47, 5, 26,
	6, 27, 48, 28, 49, 7, 50, 8, 29, 9, 30, 51, 31, 52, 10, 53, 11, 32,
	12, 33, 54, 34, 55, 13, 56, 14, 35, 15, 36, 57, 37, 58, 16, 59, 17, 38,
	18, 39, 60, 40, 61, 19, 62, 20, 41, 63,
}

// shaCrypt is Ulrich Drepper's SHA-crypt ($5$, $6$) with libxcrypt's
// rules for "rounds=N$": 1000 to 999999999 rounds, anything else refused.
func shaCrypt(key, setting, magic string, newHash func() hash.Hash, order []int) (string, bool) {
	rest := setting[len(magic):]
	rounds, explicit := 5000, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		i := strings.IndexByte(r, '$')
		if i <= 0 {
			return "", false
		}
		n, err := strconv.Atoi(r[:i])
		if err != nil || r[0] < '1' || r[0] > '9' || n < 1000 || n > 999999999 {
			return "", false
		}
		rounds, explicit, rest = n, true, r[i+1:]
	}
	salt := []byte(cryptSalt(rest, 16))
	k := []byte(key)

	b := newHash()
	b.Write(k)
	b.Write(salt)
	b.Write(k)
	bSum := b.Sum(nil)
	size := len(bSum)

	a := newHash()
	a.Write(k)
	a.Write(salt)
	for n := len(k); n > 0; n -= size {
		a.Write(bSum[:min(n, size)])
	}
	for n := len(k); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(bSum)
		} else {
			a.Write(k)
		}
	}
	sum := a.Sum(nil)

	dp := newHash()
	for range k {
		dp.Write(k)
	}
	p := repeatTo(dp.Sum(nil), len(k))

	ds := newHash()
	for i := 0; i < 16+int(sum[0]); i++ {
		ds.Write(salt)
	}
	s := repeatTo(ds.Sum(nil), len(salt))

	sum = mixRounds(newHash(), sum, p, s, rounds)

	out := []byte(magic)
	if explicit {
		out = append(out, "rounds="+strconv.Itoa(rounds)+"$"...)
	}
	out = append(out, salt...)
	out = append(out, '$')
	i := 0
	for ; i+3 <= len(order); i += 3 {
		out = to64(out, uint32(sum[order[i]])<<16|uint32(sum[order[i+1]])<<8|uint32(sum[order[i+2]]), 4)
	}
	switch len(order) - i {
	case 2:
		out = to64(out, uint32(sum[order[i]])<<8|uint32(sum[order[i+1]]), 3)
	case 1:
		out = to64(out, uint32(sum[order[i]]), 2)
	}
	return string(out), true
}

// mixRounds is the loop both MD5-crypt and SHA-crypt end with: each
// round hashes the previous digest with the key bytes p and the salt
// bytes s, in an order set by the round's number.
func mixRounds(h hash.Hash, sum, p, s []byte, rounds int) []byte {
	for i := 0; i < rounds; i++ {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(sum)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(sum)
		} else {
			h.Write(p)
		}
		sum = h.Sum(sum[:0])
	}
	return sum
}

// repeatTo is sum repeated to n bytes.
func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, sum[:min(len(sum), n-len(out))]...)
	}
	return out
}

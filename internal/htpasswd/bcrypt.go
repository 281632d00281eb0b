package htpasswd

import (
	"math/big"
	"sync"
)

// bcrypt ($2a$, $2b$, $2x$, $2y$), as libxcrypt's crypt_blowfish computes
// it: the expensive key schedule of Blowfish over the password (with its
// NUL, cycled to 72 bytes) and a 16-byte salt, 2^cost rounds, then
// "OrpheanBeholderScryDoubt" encrypted 64 times. $2x$ keeps the old sign
// extension of 8-bit characters and $2a$ refuses to match it (a flipped
// bit when only the buggy key would have differed).

// bfInit is Blowfish's initial state: the P-array and the four S-boxes
// are the hexadecimal digits of pi's fraction, computed once.
var bfInit = sync.OnceValue(func() *[18 + 4*256]uint32 {
	const words = 18 + 4*256
	bits := uint(words*32 + 64)
	one := new(big.Int).Lsh(big.NewInt(1), bits)
	// Machin: pi = 16 atan(1/5) - 4 atan(1/239), in fixed point
	atanInv := func(x int64) *big.Int {
		sum := new(big.Int)
		x2 := big.NewInt(x * x)
		term := new(big.Int).Quo(one, big.NewInt(x))
		t := new(big.Int)
		for k := int64(0); term.Sign() != 0; k++ {
			t.Quo(term, big.NewInt(2*k+1))
			if k&1 == 0 {
				sum.Add(sum, t)
			} else {
				sum.Sub(sum, t)
			}
			term.Quo(term, x2)
		}
		return sum
	}
	pi := new(big.Int).Mul(atanInv(5), big.NewInt(16))
	pi.Sub(pi, new(big.Int).Mul(atanInv(239), big.NewInt(4)))
	pi.Sub(pi, new(big.Int).Mul(big.NewInt(3), one)) // the fraction
	pi.Rsh(pi, 64)                                   // drop the guard bits
	var out [words]uint32
	mask := big.NewInt(0xffffffff)
	w := new(big.Int)
	for i := words - 1; i >= 0; i-- {
		out[i] = uint32(w.And(pi, mask).Uint64())
		pi.Rsh(pi, 32)
	}
	return &out
})

type blowfish struct {
	p [18]uint32
	s [4][256]uint32
}

func (c *blowfish) f(x uint32) uint32 {
	return ((c.s[0][x>>24] + c.s[1][x>>16&0xff]) ^ c.s[2][x>>8&0xff]) + c.s[3][x&0xff]
}

func (c *blowfish) encrypt(l, r uint32) (uint32, uint32) {
	l ^= c.p[0]
	for i := 1; i < 17; i += 2 {
		r ^= c.f(l) ^ c.p[i]
		l ^= c.f(r) ^ c.p[i+1]
	}
	return r ^ c.p[17], l
}

// expand re-encrypts the P-array and the S-boxes in a chain, XORing the
// salt words (when given) into each block before it is encrypted.
func (c *blowfish) expand(salt *[4]uint32) {
	var l, r uint32
	n := 0
	next := func() {
		if salt != nil {
			l ^= salt[n&3]
			r ^= salt[n&3+1]
			n += 2
		}
		l, r = c.encrypt(l, r)
	}
	for i := 0; i < 18; i += 2 {
		next()
		c.p[i], c.p[i+1] = l, r
	}
	for b := range c.s {
		for i := 0; i < 256; i += 2 {
			next()
			c.s[b][i], c.s[b][i+1] = l, r
		}
	}
}

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

var bcryptValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bcryptAlphabet); i++ {
		t[bcryptAlphabet[i]] = int8(i)
	}
	return t
}()

// bcryptDecode decodes n bytes of bcrypt's base64 (big-endian groups).
func bcryptDecode(s string, n int) ([]byte, bool) {
	var out []byte
	var acc uint32
	bits := 0
	for i := 0; i < len(s) && len(out) < n; i++ {
		v := bcryptValue[s[i]]
		if v < 0 {
			return nil, false
		}
		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, byte(acc>>uint(bits)))
		}
	}
	return out, len(out) == n
}

func bcryptEncode(b []byte) []byte {
	var out []byte
	var acc uint32
	bits := 0
	for _, c := range b {
		acc = acc<<8 | uint32(c)
		bits += 8
		for bits >= 6 {
			bits -= 6
			out = append(out, bcryptAlphabet[acc>>uint(bits)&0x3f])
		}
	}
	if bits > 0 {
		out = append(out, bcryptAlphabet[acc<<uint(6-bits)&0x3f])
	}
	return out
}

// bcryptHash checks a "$2?$NN$" setting with its 22 salt characters and
// hashes key.
func bcryptHash(key, setting string) (string, bool) {
	if len(setting) < 29 || setting[0] != '$' || setting[1] != '2' || setting[3] != '$' || setting[6] != '$' {
		return "", false
	}
	var flags int
	switch setting[2] {
	case 'a':
		flags = 2
	case 'x':
		flags = 1
	case 'b', 'y':
	default:
		return "", false
	}
	if setting[4] < '0' || setting[4] > '3' || setting[5] < '0' || setting[5] > '9' {
		return "", false
	}
	cost := int(setting[4]-'0')*10 + int(setting[5]-'0')
	if cost < 4 || cost > 31 {
		return "", false
	}
	raw, ok := bcryptDecode(setting[7:29], 16)
	if !ok {
		return "", false
	}
	var salt [4]uint32
	for i := range salt {
		salt[i] = uint32(raw[4*i])<<24 | uint32(raw[4*i+1])<<16 | uint32(raw[4*i+2])<<8 | uint32(raw[4*i+3])
	}

	// the key words: the key with its NUL, cycled; the 8-bit
	// characters taken as signed for $2x$
	init := bfInit()
	var expanded [18]uint32
	var c blowfish
	var sign, diff uint32
	k := append([]byte(key), 0)
	pos := 0
	for i := range expanded {
		var good, bad uint32
		for j := 0; j < 4; j++ {
			ch := k[pos]
			good = good<<8 | uint32(ch)
			bad = bad<<8 | uint32(int32(int8(ch)))
			if j > 0 {
				sign |= bad & 0x80
			}
			pos = (pos + 1) % len(k)
		}
		diff |= good ^ bad
		if flags&1 != 0 {
			expanded[i] = bad
		} else {
			expanded[i] = good
		}
		c.p[i] = init[i] ^ expanded[i]
	}
	diff |= diff >> 16
	diff &= 0xffff
	diff += 0xffff
	sign <<= 9
	sign &= ^diff & (uint32(flags&2) << 15)
	c.p[0] ^= sign
	for b := range c.s {
		copy(c.s[b][:], init[18+256*b:18+256*(b+1)])
	}

	c.expand(&salt)
	for n := uint64(1) << uint(cost); n > 0; n-- {
		for i := range c.p {
			c.p[i] ^= expanded[i]
		}
		c.expand(nil)
		for i := range c.p {
			c.p[i] ^= salt[i&3]
		}
		c.expand(nil)
	}

	var text [24]byte
	const magic = "OrpheanBeholderScryDoubt"
	for i := 0; i < 24; i += 8 {
		l := uint32(magic[i])<<24 | uint32(magic[i+1])<<16 | uint32(magic[i+2])<<8 | uint32(magic[i+3])
		r := uint32(magic[i+4])<<24 | uint32(magic[i+5])<<16 | uint32(magic[i+6])<<8 | uint32(magic[i+7])
		for j := 0; j < 64; j++ {
			l, r = c.encrypt(l, r)
		}
		text[i], text[i+1], text[i+2], text[i+3] = byte(l>>24), byte(l>>16), byte(l>>8), byte(l)
		text[i+4], text[i+5], text[i+6], text[i+7] = byte(r>>24), byte(r>>16), byte(r>>8), byte(r)
	}
	out := []byte(setting[:28])
	// only the top two bits of the last salt character carry salt
	out = append(out, bcryptAlphabet[bcryptValue[setting[28]]&0x30])
	out = append(out, bcryptEncode(text[:23])...)
	return string(out), true
}

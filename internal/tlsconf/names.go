package tlsconf

import (
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// The helpers below give what nginx's ngx_ssl_get_* functions give for
// the $ssl_* variables.

// Reused is $ssl_session_reused: "r" or ".".
func Reused(st *tls.ConnectionState) string {
	if st.DidResume {
		return "r"
	}
	return "."
}

// CurveName is $ssl_curve's OpenSSL group name (ngx_ssl_get_curve); a
// group OpenSSL has no name for is 0x and four hex digits.
func CurveName(id tls.CurveID) string {
	switch id {
	case 0:
		return ""
	case tls.X25519MLKEM768:
		// OpenSSL 3.5's name; the OpenSSL 3.0 of nginx 1.22 cannot
		// negotiate it
		return "X25519MLKEM768"
	}
	return groupName(id)
}

// opensslGroups are the TLS groups OpenSSL 3 maps to an object (its
// table of group codes and NIDs), by their short names (OBJ_nid2sn):
// the names of $ssl_curves and $ssl_curve. The post-quantum hybrids
// (X25519MLKEM768 and its kin) have no object and are not here.
var opensslGroups = map[tls.CurveID]string{
	1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
	6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
	11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1",
	15: "secp160k1", 16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "prime192v1",
	20: "secp224k1", 21: "secp224r1", 22: "secp256k1", 23: "prime256v1", 24: "secp384r1", 25: "secp521r1",
	26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "X25519", 30: "X448",
	34: "id-tc26-gost-3410-2012-256-paramSetA", 35: "id-tc26-gost-3410-2012-256-paramSetB",
	36: "id-tc26-gost-3410-2012-256-paramSetC", 37: "id-tc26-gost-3410-2012-256-paramSetD",
	38: "id-tc26-gost-3410-2012-512-paramSetA", 39: "id-tc26-gost-3410-2012-512-paramSetB",
	40:  "id-tc26-gost-3410-2012-512-paramSetC",
	256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192",
}

func groupName(id tls.CurveID) string {
	if n, ok := opensslGroups[id]; ok {
		return n
	}
	return hex4(uint16(id))
}

// hex4 is nginx's "0x%04xd": how $ssl_ciphers and $ssl_curves show a
// code OpenSSL has no name for (GREASE values, newer suites and groups).
func hex4(v uint16) string {
	const digits = "0123456789abcdef"
	return string([]byte{'0', 'x', digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// CipherList is $ssl_ciphers (ngx_ssl_get_ciphers): the suites of the
// client's hello in its order, joined by ":", each by its OpenSSL name
// or as hex4 when OpenSSL does not know it.
func CipherList(ids []uint16) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(':')
		}
		if n, ok := opensslCiphers[id]; ok {
			b.WriteString(n)
		} else {
			b.WriteString(hex4(id))
		}
	}
	return b.String()
}

// CurveList is $ssl_curves (ngx_ssl_get_curves): the groups of the
// client's hello in its order, joined by ":", by OpenSSL's names or as
// hex4.
func CurveList(ids []tls.CurveID) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(groupName(id))
	}
	return b.String()
}

// Serial is $ssl_client_serial: the serial number in upper-case hex, two
// digits a byte (i2a_ASN1_INTEGER).
func Serial(n *big.Int) string {
	if n.Sign() == 0 {
		return "00"
	}
	s := strings.ToUpper(hex.EncodeToString(new(big.Int).Abs(n).Bytes()))
	if n.Sign() < 0 {
		return "-" + s
	}
	return s
}

// Fingerprint is $ssl_client_fingerprint: SHA-1 of the DER, lower-case hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw)
	return hex.EncodeToString(sum[:])
}

// RawPEM is $ssl_client_raw_cert.
func RawPEM(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// TabbedPEM is $ssl_client_cert: the PEM without its last newline, every
// other line break followed by a tab (a header continuation).
func TabbedPEM(c *x509.Certificate) string {
	p := strings.TrimSuffix(RawPEM(c), "\n")
	return strings.ReplaceAll(p, "\n", "\n\t")
}

// ASN1Time is $ssl_client_v_start / $ssl_client_v_end
// (ASN1_TIME_print): "Jan  2 15:04:05 2006 GMT".
func ASN1Time(t time.Time) string {
	return t.UTC().Format("Jan _2 15:04:05 2006 GMT")
}

// Remain is $ssl_client_v_remain: whole days until the certificate ends,
// 0 once it has.
func Remain(c *x509.Certificate, now time.Time) string {
	d := c.NotAfter.Unix() - now.Unix() // whole seconds, as ngx_time()
	if d < 0 {
		return "0"
	}
	return strconv.FormatInt(d/86400, 10)
}

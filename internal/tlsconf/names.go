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

// CurveName is $ssl_curve's OpenSSL group name.
func CurveName(id tls.CurveID) string {
	switch id {
	case tls.CurveP256:
		return "prime256v1"
	case tls.CurveP384:
		return "secp384r1"
	case tls.CurveP521:
		return "secp521r1"
	case tls.X25519:
		return "X25519"
	case tls.X25519MLKEM768:
		return "X25519MLKEM768"
	case 0:
		return ""
	}
	return "0x" + strconv.FormatUint(uint64(id), 16)
}

// LegacyDN is the "/C=../O=../CN=.." form of $ssl_client_s_dn_legacy.
func LegacyDN(c *x509.Certificate, issuer bool) string {
	n := c.Subject
	if issuer {
		n = c.Issuer
	}
	var b strings.Builder
	for _, rdn := range n.ToRDNSequence() {
		for _, a := range rdn {
			b.WriteString("/")
			b.WriteString(shortName(a.Type.String()))
			b.WriteString("=")
			if s, ok := a.Value.(string); ok {
				b.WriteString(s)
			}
		}
	}
	return b.String()
}

func shortName(oid string) string {
	switch oid {
	case "2.5.4.3":
		return "CN"
	case "2.5.4.6":
		return "C"
	case "2.5.4.7":
		return "L"
	case "2.5.4.8":
		return "ST"
	case "2.5.4.10":
		return "O"
	case "2.5.4.11":
		return "OU"
	case "1.2.840.113549.1.9.1":
		return "emailAddress"
	}
	return oid
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

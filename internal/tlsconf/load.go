package tlsconf

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"weir/internal/errlog"
	"weir/internal/ossl"
)

// Protocol bits, as nginx's NGX_SSL_* masks (ssl_protocols,
// proxy_ssl_protocols).
const (
	SSLv2  = 1 << 1
	SSLv3  = 1 << 2
	TLSv1  = 1 << 3
	TLSv11 = 1 << 4
	TLSv12 = 1 << 5
	TLSv13 = 1 << 6
)

// ProtocolNames maps the names nginx accepts (compared without case) to
// their bits.
var ProtocolNames = map[string]uint32{
	"sslv2": SSLv2, "sslv3": SSLv3, "tlsv1": TLSv1, "tlsv1.1": TLSv11, "tlsv1.2": TLSv12, "tlsv1.3": TLSv13,
}

// DefaultProtocols is the default of ssl_protocols and
// proxy_ssl_protocols since nginx 1.23.4, weir's parity target: TLSv1.2
// TLSv1.3 (nginx 1.22 had TLSv1 TLSv1.1 TLSv1.2, and so negotiates
// TLSv1.2 where weir negotiates TLSv1.3 with a configuration that sets
// no protocols).
const DefaultProtocols = TLSv12 | TLSv13

// Versions turns a protocol mask into Go's version range. SSLv2 and SSLv3
// are dropped (Go has neither; nor has the OpenSSL 3 nginx is built with
// today). TLSv1 and TLSv1.1 are dropped too when a later version is
// enabled: OpenSSL 3 at its default security level refuses the SHA-1
// signatures they need, so nginx fails every such handshake ("no
// suitable signature algorithm") and in effect serves TLSv1.2 and up.
// What is left is a contiguous range, all Go can enable.
func Versions(mask uint32) (min, max uint16, err error) {
	if mask&(TLSv12|TLSv13) != 0 {
		mask &^= TLSv1 | TLSv11
	}
	order := []struct {
		bit uint32
		v   uint16
	}{{TLSv1, tls.VersionTLS10}, {TLSv11, tls.VersionTLS11}, {TLSv12, tls.VersionTLS12}, {TLSv13, tls.VersionTLS13}}
	for _, o := range order {
		if mask&o.bit == 0 {
			continue
		}
		if min == 0 {
			min = o.v
		}
		max = o.v
	}
	if min == 0 {
		return 0, 0, errors.New("no protocol Go's crypto/tls implements is enabled")
	}
	return min, max, nil
}

// VersionName is $ssl_protocol's text for a version.
func VersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "unknown"
}

// curveNames are the OpenSSL group names of the curves Go offers.
var curveNames = map[string]tls.CurveID{
	"prime256v1": tls.CurveP256, "secp256r1": tls.CurveP256, "p-256": tls.CurveP256,
	"secp384r1": tls.CurveP384, "p-384": tls.CurveP384,
	"secp521r1": tls.CurveP521, "p-521": tls.CurveP521,
	"x25519":         tls.X25519,
	"x25519mlkem768": tls.X25519MLKEM768,
}

// ParseCurves reads ssl_ecdh_curve: "auto" (Go's own list) or names
// separated by ":". A group Go does not implement (X448, ffdhe*) is
// refused rather than left out.
func ParseCurves(s string) ([]tls.CurveID, error) {
	if s == "auto" {
		return nil, nil
	}
	var ids []tls.CurveID
	for _, n := range strings.Split(s, ":") {
		id, ok := curveNames[strings.ToLower(n)]
		if !ok {
			return nil, fmt.Errorf("SSL_CTX_set1_curves_list(\"%s\") failed (group '%s' is not supported by Go's crypto/tls)", s, n)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// readFile reads path with the open() error nginx words.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open() \"%s\" failed %s", path, errlog.SysError(unwrapPath(err)))
	}
	return b, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadPasswords is ngx_ssl_read_password_file: one password a line,
// empty lines skipped; a file without any gives the empty password.
func ReadPasswords(path string) ([]string, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	var pw []string
	for _, l := range strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' || r == '\r' }) {
		pw = append(pw, l)
	}
	if len(pw) == 0 {
		pw = []string{""}
	}
	return pw, nil
}

// LoadKeyPair loads one ssl_certificate / ssl_certificate_key pair as
// ngx_ssl_certificate does: the certificate file holds the leaf and then
// its chain; the key may be encrypted (PEM or PKCS#8), tried with each
// password in turn.
func LoadKeyPair(certPath, keyPath string, passwords []string) (tls.Certificate, error) {
	var c tls.Certificate
	if strings.HasPrefix(certPath, "data:") || strings.HasPrefix(keyPath, "data:") || strings.HasPrefix(keyPath, "engine:") {
		return c, fmt.Errorf("cannot load certificate \"%s\": \"data:\" and \"engine:\" are not supported by weir", certPath)
	}
	cb, err := bioRead(certPath, "r")
	if err != nil {
		return c, fmt.Errorf("cannot load certificate \"%s\": BIO_new_file() failed (%v)", certPath, err)
	}
	for rest := cb; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" || b.Type == "TRUSTED CERTIFICATE" {
			c.Certificate = append(c.Certificate, b.Bytes)
		}
	}
	if len(c.Certificate) == 0 {
		return c, fmt.Errorf("cannot load certificate \"%s\": PEM_read_bio_X509_AUX() failed (SSL: %sTRUSTED CERTIFICATE)", certPath, errNoStartLine)
	}
	leaf, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		return c, fmt.Errorf("cannot load certificate \"%s\": PEM_read_bio_X509_AUX() failed (SSL: %s)", certPath, errASN1X509)
	}
	for _, der := range c.Certificate[1:] {
		if _, err := x509.ParseCertificate(der); err != nil {
			return c, fmt.Errorf("cannot load certificate \"%s\": PEM_read_bio_X509() failed (SSL: %s)", certPath, errASN1X509)
		}
	}
	c.Leaf = leaf
	kb, err := bioRead(keyPath, "r")
	if err != nil {
		return c, fmt.Errorf("cannot load certificate key \"%s\": BIO_new_file() failed (%v)", keyPath, err)
	}
	key, err := parseKey(kb, passwords)
	if err != nil {
		return c, fmt.Errorf("cannot load certificate key \"%s\": PEM_read_bio_PrivateKey() failed (%v)", keyPath, err)
	}
	if !keyMatches(leaf.PublicKey, key) {
		return c, fmt.Errorf("SSL_CTX_use_PrivateKey(\"%s\") failed (SSL: %s)", keyPath, errKeyMismatch)
	}
	if k, ok := key.(*rsa.PrivateKey); ok {
		key = ossl.RSASigner(k)
	}
	c.PrivateKey = key
	return c, nil
}

// keyMatches reports whether priv is the private half of pub.
func keyMatches(pub any, priv crypto.Signer) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := priv.Public().(equaler)
	return ok && e.Equal(pub)
}

// parseKey reads the first private key of a PEM file.
func parseKey(b []byte, passwords []string) (crypto.Signer, error) {
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, errors.New("SSL: " + errNoDecoder)
		}
		der := blk.Bytes
		switch {
		case blk.Type == "ENCRYPTED PRIVATE KEY":
			if passwords == nil {
				return nil, errors.New("the key is encrypted and no ssl_password_file is given")
			}
			var err error
			der, err = decryptPKCS8(der, passwords)
			if err != nil {
				return nil, err
			}
			return parseDER("PRIVATE KEY", der)
		case strings.HasSuffix(blk.Type, "PRIVATE KEY"):
			//lint:ignore SA1019 legacy PEM encryption is what old key files use
			if x509.IsEncryptedPEMBlock(blk) { //nolint:staticcheck
				if passwords == nil {
					return nil, errors.New("the key is encrypted and no ssl_password_file is given")
				}
				var err error
				der, err = decryptLegacy(blk, passwords)
				if err != nil {
					return nil, err
				}
			}
			k, err := parseDER(blk.Type, der)
			if err != nil && blk.Type == "PRIVATE KEY" {
				return nil, errors.New("SSL: " + errNoDecoder + errX509PKCS8Junk)
			} else if err != nil {
				return nil, errors.New("SSL: " + errNoDecoder)
			}
			return k, nil
		}
	}
}

func decryptLegacy(blk *pem.Block, passwords []string) ([]byte, error) {
	for _, p := range passwords {
		der, err := x509.DecryptPEMBlock(blk, []byte(p)) //nolint:staticcheck
		if err == nil {
			return der, nil
		}
	}
	return nil, errors.New("bad decrypt: no password of ssl_password_file fits")
}

func parseDER(typ string, der []byte) (crypto.Signer, error) {
	var k any
	var err error
	switch typ {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(der)
	default:
		k, err = x509.ParsePKCS8PrivateKey(der)
	}
	if err != nil {
		return nil, err
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("unsupported key type %T", k)
}

// LoadCerts reads every certificate of a PEM file (ssl_client_certificate,
// ssl_trusted_certificate, proxy_ssl_trusted_certificate), with the
// function name nginx's message carries.
func LoadCerts(path string) ([]*x509.Certificate, error) {
	b, err := bioRead(path, "r")
	if err != nil {
		return nil, fmt.Errorf("SSL_CTX_load_verify_locations(\"%s\") failed (%v%s)", path, err, errX509SysLib)
	}
	var out []*x509.Certificate
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" && blk.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("SSL_CTX_load_verify_locations(\"%s\") failed (%v)", path, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("SSL_CTX_load_verify_locations(\"%s\") failed (SSL: %s)", path, errNoCertOrCRL)
	}
	return out, nil
}

// LoadCRLs reads the PEM CRLs of an ssl_crl file.
func LoadCRLs(path string) ([]*x509.RevocationList, error) {
	b, err := bioRead(path, "r")
	if err != nil {
		return nil, fmt.Errorf("X509_LOOKUP_load_file(\"%s\") failed (%v%s)", path, err, errX509SysLib)
	}
	var out []*x509.RevocationList
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "X509 CRL" {
			continue
		}
		l, err := x509.ParseRevocationList(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("X509_LOOKUP_load_file(\"%s\") failed (%v)", path, err)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("X509_LOOKUP_load_file(\"%s\") failed (SSL: %s)", path, errNoCertOrCRL)
	}
	return out, nil
}

// ReadTicketKey reads an ssl_session_ticket_key file: 48 or 80 bytes, as
// ngx_ssl_session_ticket_keys requires. Go's ticket keys are 32 bytes:
// the file's bytes are hashed into one, so weir processes sharing a file
// share their tickets (they cannot be nginx's tickets anyway).
func ReadTicketKey(path string) ([32]byte, error) {
	var k [32]byte
	b, err := readFile(path)
	if err != nil {
		return k, err
	}
	if len(b) != 48 && len(b) != 80 {
		return k, fmt.Errorf("\"%s\" must be 48 or 80 bytes", path)
	}
	return ticketKey(b), nil
}

// Pool makes a certificate pool of certs.
func Pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// sameBytes is bytes.Equal, named for what the CRL code compares.
func sameBytes(a, b []byte) bool { return bytes.Equal(a, b) }

// LoadDHParam checks an ssl_dhparam file as ngx_ssl_dhparam reads it:
// the first DH PARAMETERS (or X9.42 DH PARAMETERS) block must be there
// and be DER. Go's TLS has no DHE suites, so the parameters are never
// used.
func LoadDHParam(path string) ([]byte, error) {
	b, err := bioRead(path, "r")
	if err != nil {
		return nil, fmt.Errorf("BIO_new_file(\"%s\") failed (%v)", path, err)
	}
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			return nil, fmt.Errorf("PEM_read_bio_DHparams(\"%s\") failed (SSL: %sDH PARAMETERS)", path, errNoStartLine)
		}
		if blk.Type != "DH PARAMETERS" && blk.Type != "X9.42 DH PARAMETERS" {
			continue
		}
		if !isDERSequence(blk.Bytes) {
			return nil, fmt.Errorf("PEM_read_bio_DHparams(\"%s\") failed (SSL: %s)", path, errASN1DH)
		}
		return b, nil
	}
}

// isDERSequence reports whether b is one whole DER SEQUENCE.
func isDERSequence(b []byte) bool {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(b, &raw)
	return err == nil && len(rest) == 0 && raw.Tag == asn1.TagSequence && raw.IsCompound
}

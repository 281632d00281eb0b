package tlsconf

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"testing"
	"time"
)

// TestForHelloSuite checks that a TLS 1.2 handshake gets the suite
// OpenSSL picks for nginx: the client's first suite the site has
// (ssl_prefer_server_ciphers off), the site's first the client has
// (on), skipping suites the certificate or the client's curves rule
// out; TLS 1.3 keeps Go's configuration.
func TestForHelloSuite(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	self := func(key crypto.Signer) tls.Certificate {
		tpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	rsaCert, ecCert := self(rk), self(ek)
	const (
		r128 = tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		r256 = tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
		rcha = tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
		e128 = tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	)
	tls12 := []uint16{tls.VersionTLS12}
	for _, c := range []struct {
		name    string
		certs   []tls.Certificate
		server  []uint16
		prefer  bool
		client  []uint16
		curves  []tls.CurveID
		version []uint16
		want    []uint16 // nil: the site's own configuration
	}{
		{"client order", []tls.Certificate{rsaCert}, nil, false, []uint16{r256, r128}, nil, tls12, []uint16{r256}},
		{"client order chacha", []tls.Certificate{rsaCert}, nil, false, []uint16{rcha, r128}, nil, tls12, []uint16{rcha}},
		{"server order", []tls.Certificate{rsaCert}, []uint16{r128, r256}, true, []uint16{r256, r128}, nil, tls12, []uint16{r128}},
		{"not configured", []tls.Certificate{rsaCert}, []uint16{r128}, false, []uint16{r256, r128}, nil, tls12, []uint16{r128}},
		{"ecdsa suite without ecdsa certificate", []tls.Certificate{rsaCert}, nil, false, []uint16{e128, r256}, nil, tls12, []uint16{r256}},
		{"ecdsa certificate", []tls.Certificate{rsaCert, ecCert}, nil, false, []uint16{e128, r256}, nil, tls12, []uint16{e128}},
		{"no shared curve", []tls.Certificate{rsaCert}, nil, false, []uint16{r256, r128}, []tls.CurveID{tls.CurveID(30)}, tls12, nil},
		{"nothing shared", []tls.Certificate{rsaCert}, []uint16{r128}, false, []uint16{r256}, nil, tls12, nil},
		{"tls 1.3", []tls.Certificate{rsaCert}, nil, false, []uint16{r256, r128}, nil, []uint16{tls.VersionTLS13, tls.VersionTLS12}, nil},
	} {
		curves := c.curves
		if curves == nil {
			curves = []tls.CurveID{tls.X25519, tls.CurveP256}
		}
		s := NewSite(Options{Certs: c.certs, Ciphers: c.server, PreferServer: c.prefer,
			MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13})
		h := &tls.ClientHelloInfo{CipherSuites: c.client, SupportedCurves: curves, SupportedPoints: []uint8{0},
			SupportedVersions: c.version, SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256, tls.PSSWithSHA256, tls.PKCS1WithSHA256}}
		got := s.ForHello(h)
		if c.want == nil {
			if got != s.Config {
				t.Errorf("%s: a configuration of its own, suites %x", c.name, got.CipherSuites)
			}
			continue
		}
		if len(got.CipherSuites) != 1 || got.CipherSuites[0] != c.want[0] {
			t.Errorf("%s: suites %x, want %x", c.name, got.CipherSuites, c.want)
		}
	}
}

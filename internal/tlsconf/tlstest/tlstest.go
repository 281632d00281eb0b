// Package tlstest makes the certificates TLS tests need, in the test: a
// CA, server certificates for several names (RSA and ECDSA), client
// certificates (good, expired, revoked), a CRL, and a second CA nobody
// trusts. Everything is written as PEM files into a directory.
package tlstest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Cert is one certificate with its key.
type Cert struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// PEM returns the certificate's PEM.
func (c *Cert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
}

// KeyPEM returns the key as PKCS#8 PEM.
func (c *Cert) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(c.Key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// Key kinds.
const (
	ECDSA = "ecdsa"
	RSA   = "rsa"
)

var serial = big.NewInt(1000)

func nextSerial() *big.Int {
	serial = new(big.Int).Add(serial, big.NewInt(1))
	return new(big.Int).Set(serial)
}

func newKey(kind string) crypto.Signer {
	if kind == RSA {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		return k
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// NewCA makes a self-signed CA.
func NewCA(name string) *Cert {
	key := newKey(ECDSA)
	tpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"weir tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &Cert{Cert: c, Key: key}
}

// Intermediate makes a CA signed by ca.
func (ca *Cert) Intermediate(name string) *Cert {
	key := newKey(ECDSA)
	tpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"weir tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &Cert{Cert: c, Key: key}
}

// Server makes a server certificate for names signed by ca.
func (ca *Cert) Server(kind string, names ...string) *Cert {
	return ca.issue(kind, names[0], names, x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// Client makes a client certificate for cn signed by ca.
func (ca *Cert) Client(cn string) *Cert {
	return ca.issue(ECDSA, cn, nil, x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// ExpiredClient makes a client certificate that ended yesterday.
func (ca *Cert) ExpiredClient(cn string) *Cert {
	return ca.issue(ECDSA, cn, nil, x509.ExtKeyUsageClientAuth, time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
}

func (ca *Cert) issue(kind, cn string, names []string, usage x509.ExtKeyUsage, from, to time.Time) *Cert {
	key := newKey(kind)
	tpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"weir tests"}},
		DNSNames:     names,
		NotBefore:    from,
		NotAfter:     to,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		panic(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &Cert{Cert: c, Key: key}
}

// CRL makes ca's CRL revoking certs.
func (ca *Cert) CRL(revoked ...*Cert) []byte {
	var entries []x509.RevocationListEntry
	for _, r := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: r.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    nextSerial(),
		ThisUpdate:                time.Now().Add(-time.Hour),
		NextUpdate:                time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// Write writes name.crt and name.key of c into dir.
func Write(t testing.TB, dir, name string, c *Cert) {
	t.Helper()
	WriteFile(t, dir, name+".crt", c.PEM())
	WriteFile(t, dir, name+".key", c.KeyPEM())
}

// WriteFile writes one file into dir.
func WriteFile(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

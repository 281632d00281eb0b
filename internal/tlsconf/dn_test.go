package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dnValue is one attribute of a test name: its OID, the tag of its
// value and the value's content bytes.
type dnValue struct {
	oid asn1.ObjectIdentifier
	tag int
	val []byte
}

// rawName encodes rdns, each a list of attributes (more than one: a
// multi-valued RDN).
func rawName(t *testing.T, rdns [][]dnValue) []byte {
	t.Helper()
	var seq []dnRDNSET
	for _, rdn := range rdns {
		var set dnRDNSET
		for _, a := range rdn {
			set = append(set, dnATV{Type: a.oid, Value: asn1.RawValue{Tag: a.tag, Bytes: a.val}})
		}
		seq = append(seq, set)
	}
	b, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDNFormats checks $ssl_client_s_dn against `openssl x509 -nameopt
// RFC2253` and $ssl_client_s_dn_legacy against `-nameopt compat` (the
// one-line form) for names with the awkward parts: attributes Go's
// pkix.Name has no field for, multi-valued RDNs, RFC 2253 specials at
// the ends and inside, non-ASCII in each string type, control bytes,
// unknown attribute types and a value that is no string.
func TestDNFormats(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl is not installed")
	}
	oid := func(s ...int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier(s) }
	cn, c, o, ou := oid(2, 5, 4, 3), oid(2, 5, 4, 6), oid(2, 5, 4, 10), oid(2, 5, 4, 11)
	email, dc, uid := oid(1, 2, 840, 113549, 1, 9, 1), oid(0, 9, 2342, 19200300, 100, 1, 25), oid(0, 9, 2342, 19200300, 100, 1, 1)
	names := [][][]dnValue{
		{{{c, asn1.TagPrintableString, []byte("US")}}, {{oid(2, 5, 4, 8), asn1.TagUTF8String, []byte("Some, State")}},
			{{o, asn1.TagUTF8String, []byte("Acme")}, {ou, asn1.TagUTF8String, []byte("Dev")}},
			{{cn, asn1.TagUTF8String, []byte("client one")}}, {{email, asn1.TagIA5String, []byte("c@x.test")}}},
		{{{dc, asn1.TagIA5String, []byte("com")}}, {{dc, asn1.TagIA5String, []byte("example")}},
			{{uid, asn1.TagUTF8String, []byte("u1")}}, {{oid(2, 5, 4, 5), asn1.TagPrintableString, []byte("123")}},
			{{oid(2, 5, 4, 42), asn1.TagUTF8String, []byte("Ann")}}, {{oid(2, 5, 4, 4), asn1.TagUTF8String, []byte("Lee")}}},
		{{{cn, asn1.TagUTF8String, []byte("#lead and trail ")}}, {{cn, asn1.TagUTF8String, []byte(` spaced<>;"\+= `)}}},
		{{{cn, asn1.TagUTF8String, []byte("caf\u00e9 \u03a9")}}, {{cn, asn1.TagT61String, []byte("T\xe9")}},
			{{cn, asn1.TagBMPString, []byte{0, 'B', 0x03, 0xa9}}}, {{cn, asn1.TagUTF8String, []byte("ctl\x01\x1f\x7f.")}}},
		{{{oid(1, 2, 3, 4), asn1.TagUTF8String, []byte("x")}}, {{cn, asn1.TagUTF8String, []byte("a+b/c=d,e")}},
			{{o, asn1.TagUTF8String, []byte("a")}, {ou, asn1.TagUTF8String, []byte("b")}, {cn, asn1.TagUTF8String, []byte("c")}}},
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, n := range names {
		raw := rawName(t, n)
		tpl := &x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: raw, RawIssuer: raw,
			NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "c.pem")
		os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
		for _, f := range []struct {
			opt, got string
		}{{"RFC2253", SubjectDN(cert)}, {"compat", LegacyDN(cert, false)}, {"RFC2253", IssuerDN(cert)}} {
			out, err := exec.Command(openssl, "x509", "-in", file, "-noout", "-subject", "-nameopt", f.opt).Output()
			if err != nil {
				t.Fatal(err)
			}
			want := strings.TrimSuffix(strings.TrimPrefix(string(out), "subject="), "\n")
			if f.got != want {
				t.Errorf("name %d, %s:\n got %q\nwant %q", i, f.opt, f.got, want)
			}
		}
	}
}

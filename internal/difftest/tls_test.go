package difftest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// tlsClient is how a case talks TLS: the server name it sends (none
// when empty), the client certificate it presents (a name of
// testPKI's clients, none when empty) and the versions and TLS 1.2
// suites it offers (Go's defaults when zero).
type tlsClient struct {
	sni      string
	cert     string
	min, max uint16
	ciphers  []uint16
}

// overTLS sends the case over TLS.
func (c tc) overTLS(o tlsClient) tc { c.tls = &o; return c }

// dial connects to addr, with a TLS handshake when the case asks for
// one; a failed handshake is the case's error.
func dial(c tc, addr string) (net.Conn, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil || c.tls == nil {
		return conn, err
	}
	tc := tls.Client(conn, c.tls.config())
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// config is the client's TLS configuration.
func (o *tlsClient) config() *tls.Config {
	return &tls.Config{
		InsecureSkipVerify: true, ServerName: o.sni,
		MinVersion: o.min, MaxVersion: o.max, CipherSuites: o.ciphers,
		// present the certificate whatever CAs the server names
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if o.cert == "" {
				return &tls.Certificate{}, nil
			}
			cert := pkiSet.clients[o.cert]
			return &cert, nil
		},
	}
}

// pkiSet is made once (see testPKI): the PEM files the servers read
// (path under the html tree → content) and the client certificates.
var pkiSet struct {
	once    sync.Once
	files   map[string]string
	clients map[string]tls.Certificate
}

// testPKI makes a CA, the servers' certificates (RSA and ECDSA for
// localhost, ECDSA for b.test), a CRL and the client certificates: good
// (a subject with a multi-valued RDN, an e-mail address, RFC 2253
// specials and non-ASCII), expired, revoked, self-signed and one from
// another CA. It returns the files for a site's tree.
func testPKI(t *testing.T) map[string]string {
	t.Helper()
	pkiSet.once.Do(func() {
		pkiSet.files = map[string]string{}
		pkiSet.clients = map[string]tls.Certificate{}
		ecKey := func() *ecdsa.PrivateKey {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			return k
		}
		start := time.Now().Add(-time.Hour).Truncate(time.Second)
		type made struct {
			cert *x509.Certificate
			key  crypto.Signer
		}
		mk := func(tpl *x509.Certificate, key crypto.Signer, parent *made) made {
			if tpl.NotBefore.IsZero() {
				tpl.NotBefore, tpl.NotAfter = start, start.Add(24*time.Hour)
			}
			p, pk := tpl, key
			if parent != nil {
				p, pk = parent.cert, parent.key
			}
			der, err := x509.CreateCertificate(rand.Reader, tpl, p, key.Public(), pk)
			if err != nil {
				panic(err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				panic(err)
			}
			return made{c, key}
		}
		save := func(name string, m made) {
			kd, err := x509.MarshalPKCS8PrivateKey(m.key)
			if err != nil {
				panic(err)
			}
			pkiSet.files["pki/"+name+".crt"] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: m.cert.Raw}))
			pkiSet.files["pki/"+name+".key"] = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
		}
		client := func(name string, m made) {
			pkiSet.clients[name] = tls.Certificate{Certificate: [][]byte{m.cert.Raw}, PrivateKey: m.key, Leaf: m.cert}
		}
		caTpl := func(cn string, serial int64) *x509.Certificate {
			return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{Country: []string{"US"}, Organization: []string{"Diff CA"}, CommonName: cn},
				NotBefore: start, NotAfter: start.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true,
				KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
		}
		ca := mk(caTpl("Diff Root", 1), ecKey(), nil)
		other := mk(caTpl("Other Root", 2), ecKey(), nil)
		pkiSet.files["pki/ca.crt"] = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
		save("ca", ca) // the key signs the OCSP responder's answers (ocsp_test.go)
		srv := func(serial int64, cn string, key crypto.Signer) made {
			return mk(&x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
				DNSNames: []string{cn}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, key, &ca)
		}
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		save("srv-rsa", srv(10, "localhost", rsaKey))
		save("srv-ec", srv(11, "localhost", ecKey()))
		save("b", srv(12, "b.test", ecKey()))

		oid := func(n ...int) asn1.ObjectIdentifier { return n }
		atv := func(o asn1.ObjectIdentifier, v string) pkix.AttributeTypeAndValue {
			return pkix.AttributeTypeAndValue{Type: o, Value: v}
		}
		subject, err := asn1.Marshal(pkix.RDNSequence{
			{atv(oid(2, 5, 4, 6), "US")},
			{atv(oid(2, 5, 4, 8), "Some, State")},
			{atv(oid(2, 5, 4, 10), "Acme"), atv(oid(2, 5, 4, 11), "Dev+Ops")},
			{atv(oid(2, 5, 4, 3), `client "one" \ caf`+"\u00e9")},
			{atv(oid(1, 2, 840, 113549, 1, 9, 1), "c@x.test")},
		})
		if err != nil {
			panic(err)
		}
		cli := func(serial *big.Int, cn string, raw []byte) *x509.Certificate {
			return &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn}, RawSubject: raw}
		}
		client("good", mk(cli(big.NewInt(0x0a0b0c), "", subject), ecKey(), &ca))
		client("highbit", mk(cli(big.NewInt(0x80ff01), "high bit", nil), ecKey(), &ca))
		expired := cli(big.NewInt(21), "expired", nil)
		expired.NotBefore, expired.NotAfter = start.Add(-72*time.Hour), start.Add(-48*time.Hour)
		client("expired", mk(expired, ecKey(), &ca))
		revoked := mk(cli(big.NewInt(22), "revoked", nil), ecKey(), &ca)
		client("revoked", revoked)
		client("self", mk(cli(big.NewInt(23), "selfie", nil), ecKey(), nil))
		client("other", mk(cli(big.NewInt(24), "other client", nil), ecKey(), &other))
		crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
			Number: big.NewInt(1), ThisUpdate: start, NextUpdate: start.Add(48 * time.Hour),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: revoked.cert.SerialNumber, RevocationTime: start}},
		}, ca.cert, ca.key)
		if err != nil {
			panic(err)
		}
		pkiSet.files["pki/ca.crl"] = string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl}))
	})
	files := map[string]string{}
	for k, v := range pkiSet.files {
		files[k] = v
	}
	return files
}

// tlsVarsBody shows the $ssl_* variables of a request.
const tlsVarsBody = `proto=[$ssl_protocol] cipher=[$ssl_cipher] sni=[$ssl_server_name] reused=[$ssl_session_reused] alpn=[$ssl_alpn_protocol] https=[$https] scheme=[$scheme]\n` +
	`verify=[$ssl_client_verify] serial=[$ssl_client_serial]\nsdn=[$ssl_client_s_dn]\nidn=[$ssl_client_i_dn]\n` +
	`sdnl=[$ssl_client_s_dn_legacy]\nidnl=[$ssl_client_i_dn_legacy]\nfp=[$ssl_client_fingerprint] start=[$ssl_client_v_start] end=[$ssl_client_v_end]\n`

// TestTLSClientCerts covers TLS termination: the $ssl_* variables
// (versions and suites negotiated with ssl_protocols set, as the default
// differs: nginx 1.22's lacks TLSv1.3, current nginx's and weir's have it;
// distinguished
// names in RFC 2253 and legacy form, serials), ssl_verify_client
// optional and on with good, missing, expired, revoked, self-signed and
// foreign client certificates (the 400 pages, the error-log reasons,
// ssl_crl), the choice of RSA or ECDSA certificate, the suite order of
// ssl_prefer_server_ciphers, SNI with several servers and the default
// one, ssl_reject_handshake, and plain HTTP on an HTTPS port.
func TestTLSClientCerts(t *testing.T) {
	files := testPKI(t)
	files["index.html"] = "<p>index</p>\n"
	good := tlsClient{sni: "localhost", cert: "good"}
	runSite(t, &site{
		http: `log_format tlsv '$status "$request" $body_bytes_sent "$ssl_protocol" "$ssl_cipher" "$ssl_server_name" "$ssl_client_verify" "$ssl_client_s_dn" "$ssl_client_serial" "$https" "$scheme" "$host"';
    ssl_certificate {{ROOT}}/pki/srv-rsa.crt;
    ssl_certificate_key {{ROOT}}/pki/srv-rsa.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log tlsv;
        ssl_certificate {{ROOT}}/pki/srv-ec.crt;
        ssl_certificate_key {{ROOT}}/pki/srv-ec.key;
        ssl_certificate {{ROOT}}/pki/srv-rsa.crt;
        ssl_certificate_key {{ROOT}}/pki/srv-rsa.key;
        ssl_client_certificate {{ROOT}}/pki/ca.crt;
        ssl_verify_client optional;
        location = /vars { default_type text/plain; return 200 "` + tlsVarsBody + `"; }
        location = /cert { default_type text/plain; return 200 "[$ssl_client_escaped_cert]\n[$ssl_client_cert]\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name b.test;
        access_log logs/access.log tlsv;
        ssl_certificate {{ROOT}}/pki/b.crt;
        ssl_certificate_key {{ROOT}}/pki/b.key;
        location / { default_type text/plain; return 200 "b: ` + tlsVarsBody + `"; }
    }
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name reject.test;
        ssl_reject_handshake on;
    }
    server {
        listen 127.0.0.1:{{PORT2}} ssl;
        server_name localhost;
        access_log logs/access.log tlsv;
        ssl_client_certificate {{ROOT}}/pki/ca.crt;
        ssl_verify_client on;
        ssl_crl {{ROOT}}/pki/ca.crl;
        ssl_protocols TLSv1.2;
        ssl_prefer_server_ciphers on;
        ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256;
        location / { default_type text/plain; return 200 "on: ` + tlsVarsBody + `"; }
    }`,
		files: files,
		cases: []tc{
			get("vars with a good certificate", "/vars").overTLS(good),
			get("escaped certificate", "/cert").overTLS(good),
			get("high-bit serial", "/vars").overTLS(tlsClient{sni: "localhost", cert: "highbit"}),
			get("vars without a certificate", "/vars").overTLS(tlsClient{sni: "localhost"}),
			get("expired certificate", "/vars").overTLS(tlsClient{sni: "localhost", cert: "expired"}),
			get("self-signed certificate", "/vars").overTLS(tlsClient{sni: "localhost", cert: "self"}),
			get("certificate of another CA", "/vars").overTLS(tlsClient{sni: "localhost", cert: "other"}),
			get("revoked certificate without ssl_crl", "/vars").overTLS(tlsClient{sni: "localhost", cert: "revoked"}),
			get("RSA suites pick the RSA certificate", "/vars").overTLS(tlsClient{sni: "localhost", max: tls.VersionTLS12,
				ciphers: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}),
			get("sni b.test", "/x", "Host: b.test").overTLS(tlsClient{sni: "b.test"}),
			get("no sni", "/vars").overTLS(tlsClient{}),
			get("unknown sni", "/vars", "Host: nope.test").overTLS(tlsClient{sni: "nope.test"}),
			get("host other than sni with client verification", "/vars", "Host: b.test").overTLS(tlsClient{sni: "localhost"}),
			get("sni b.test host localhost", "/vars").overTLS(tlsClient{sni: "b.test"}),
			raw("http/1.0 without host, sni b.test", "GET /vars HTTP/1.0\r\n\r\n").overTLS(tlsClient{sni: "b.test"}),
			raw("http/1.0 without host, sni localhost", "GET /vars HTTP/1.0\r\n\r\n").overTLS(tlsClient{sni: "localhost"}),
			get("rejected handshake", "/vars").overTLS(tlsClient{sni: "reject.test"}),
			get("plain http to https port", "/vars"),
			get("verify on without a certificate", "/").overTLS(tlsClient{sni: "localhost"}).onPort2(),
			get("verify on with a good certificate", "/").overTLS(good).onPort2(),
			get("verify on revoked with ssl_crl", "/").overTLS(tlsClient{sni: "localhost", cert: "revoked"}).onPort2(),
			get("verify on self-signed with ssl_crl", "/").overTLS(tlsClient{sni: "localhost", cert: "self"}).onPort2(),
			get("verify on other CA with ssl_crl", "/").overTLS(tlsClient{sni: "localhost", cert: "other"}).onPort2(),
			get("plain http to verify on port", "/").onPort2(),
			get("TLS 1.3 only to a TLSv1.2 server is refused", "/").overTLS(tlsClient{sni: "localhost", min: tls.VersionTLS13}).onPort2(),
		},
	})
}

package httpd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/tlsconf"
	"weir/internal/tlsconf/tlstest"
)

// pki is the certificates of the TLS tests, made once.
type pki struct {
	ca, other                      *tlstest.Cert
	aRSA, aEC, b, backend          *tlstest.Cert
	client, expired, revoked, self *tlstest.Cert
	inter, viaInter                *tlstest.Cert
	crl, interCRL                  []byte
}

var testPKI *pki

func getPKI() *pki {
	if testPKI != nil {
		return testPKI
	}
	p := &pki{ca: tlstest.NewCA("weir test CA"), other: tlstest.NewCA("untrusted CA")}
	p.aRSA = p.ca.Server(tlstest.RSA, "a.test", "www.a.test")
	p.aEC = p.ca.Server(tlstest.ECDSA, "a.test", "www.a.test")
	p.b = p.ca.Server(tlstest.ECDSA, "b.test")
	p.backend = p.ca.Server(tlstest.ECDSA, "backend.test")
	p.client = p.ca.Client("alice")
	p.expired = p.ca.ExpiredClient("bob")
	p.revoked = p.ca.Client("mallory")
	p.self = p.other.Client("eve")
	p.inter = p.ca.Intermediate("weir test intermediate")
	p.viaInter = p.inter.Client("carol")
	p.crl = p.ca.CRL(p.revoked)
	p.interCRL = p.inter.CRL()
	testPKI = p
	return p
}

// writePKI writes the certificates into dir under the names the
// configurations of these tests use.
func writePKI(t testing.TB, dir string) *pki {
	p := getPKI()
	tlstest.Write(t, dir, "a-rsa", p.aRSA)
	tlstest.Write(t, dir, "a-ec", p.aEC)
	tlstest.Write(t, dir, "b", p.b)
	tlstest.Write(t, dir, "client", p.client)
	tlstest.WriteFile(t, dir, "ca.crt", p.ca.PEM())
	tlstest.WriteFile(t, dir, "ca.crl", p.crl)
	tlstest.WriteFile(t, dir, "ca-inter.crt", append(p.ca.PEM(), p.inter.PEM()...))
	tlstest.WriteFile(t, dir, "both.crl", append(append([]byte(nil), p.crl...), p.interCRL...))
	return p
}

// startTLS serves conf like startPipelineDir, with the certificates in
// the prefix and the listener's connections wrapped as the server
// package wraps those of an ssl address.
func startTLS(t testing.TB, conf string) (addr, dir string) {
	t.Helper()
	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	os.MkdirAll(filepath.Join(dir, "html"), 0o755)
	writePKI(t, dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	conf = strings.NewReplacer("{{PORT}}", port, "{{DIR}}", dir).Replace(conf)
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	cfg, err := config.Load(config.Options{Prefix: dir + "/", ConfFile: filepath.Join(dir, "nginx.conf")})
	if err != nil {
		t.Fatal(err)
	}
	lg, err := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "logs/error.log"), Level: errlog.Info}})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := NewSnapshot(cfg, lg)
	if err != nil {
		t.Fatal(err)
	}
	g := cfg.HTTP.Listens[0]
	srv := &httpcore.Server{Handler: New(snap)}
	done := make(chan struct{})
	go func() { srv.Serve(&wrapListener{ln, g.Addrs[len(g.Addrs)-1]}, g.Addr); close(done) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
		srv.CloseAll()
		snap.Close()
		lg.Close()
	})
	return ln.Addr().String(), dir
}

type wrapListener struct {
	net.Listener
	ac *config.AddrConf
}

func (l *wrapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || !l.ac.SSL() {
		return c, err
	}
	return tlsconf.Server(c, l.ac.Site), nil
}

// tlsGet sends one GET over a new TLS connection and returns the
// response and the connection state.
func tlsGet(t *testing.T, addr string, cfg *tls.Config, host, uri string) (resp, *tls.ConnectionState, error) {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		return resp{}, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", uri, host)
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return resp{}, nil, err
	}
	body, _ := io.ReadAll(r.Body)
	st := c.ConnectionState()
	return resp{status: r.StatusCode, header: r.Header, body: string(body)}, &st, nil
}

func clientConf(p *pki, sni string) *tls.Config {
	roots := x509.NewCertPool()
	roots.AddCert(p.ca.Cert)
	// a.test and b.test are checked; the other names of these tests are
	// virtual servers sharing a.test's certificate
	insecure := sni != "a.test" && sni != "b.test"
	return &tls.Config{RootCAs: roots, ServerName: sni, NextProtos: []string{"http/1.1"}, InsecureSkipVerify: insecure}
}

// withCert makes the client send c whatever CAs the server names (Go's
// client would otherwise keep a certificate of another CA to itself;
// curl and browsers send it).
func withCert(cfg *tls.Config, c *tlstest.Cert, chain ...*tlstest.Cert) *tls.Config {
	cert := &tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert}
	for _, x := range chain {
		cert.Certificate = append(cert.Certificate, x.Cert.Raw)
	}
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	return cfg
}

const sslVarsBody = `"$scheme|$https|$ssl_protocol|$ssl_server_name|$server_name|$ssl_session_reused|$ssl_alpn_protocol|$ssl_client_verify"`

func TestSSLServerNameAndVariables(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		ssl_certificate a-rsa.crt; ssl_certificate_key a-rsa.key;
		ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
		server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test;
			location / { return 200 `+sslVarsBody+`; }
			location /r { return 302 /there; }
			location /s { return 200 "$ssl_cipher"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test;
			ssl_certificate b.crt; ssl_certificate_key b.key;
			location / { return 200 `+sslVarsBody+`; } } }`)
	p := getPKI()
	r, st, err := tlsGet(t, addr, clientConf(p, "a.test"), "a.test", "/")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https|on|TLSv1.3|a.test|a.test|.|http/1.1|NONE"; r.body != want {
		t.Errorf("a.test: %q, want %q", r.body, want)
	}
	if st.PeerCertificates[0].Subject.CommonName != "a.test" {
		t.Errorf("a.test got the certificate of %s", st.PeerCertificates[0].Subject.CommonName)
	}
	r, st, err = tlsGet(t, addr, clientConf(p, "b.test"), "b.test", "/")
	if err != nil {
		t.Fatal(err)
	}
	if want := "https|on|TLSv1.3|b.test|b.test|.|http/1.1|NONE"; r.body != want || st.PeerCertificates[0].Subject.CommonName != "b.test" {
		t.Errorf("b.test: %q (certificate %s)", r.body, st.PeerCertificates[0].Subject.CommonName)
	}
	// without SNI: the default server's certificate
	cfg := clientConf(p, "")
	cfg.InsecureSkipVerify = true
	r, st, err = tlsGet(t, addr, cfg, "b.test", "/")
	if err != nil {
		t.Fatal(err)
	}
	if st.PeerCertificates[0].Subject.CommonName != "a.test" || !strings.HasPrefix(r.body, "https|on|TLSv1.3||b.test|") {
		t.Errorf("no SNI: %q (certificate %s)", r.body, st.PeerCertificates[0].Subject.CommonName)
	}
	// RSA or ECDSA, as the client can take
	for _, c := range []struct {
		suite uint16
		key   x509.PublicKeyAlgorithm
		name  string
	}{
		{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, x509.RSA, "ECDHE-RSA-AES128-GCM-SHA256"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, x509.ECDSA, "ECDHE-ECDSA-AES128-GCM-SHA256"},
	} {
		cfg := clientConf(p, "a.test")
		cfg.MaxVersion = tls.VersionTLS12
		cfg.CipherSuites = []uint16{c.suite}
		r, st, err := tlsGet(t, addr, cfg, "a.test", "/s")
		if err != nil {
			t.Fatal(err)
		}
		if st.PeerCertificates[0].PublicKeyAlgorithm != c.key || r.body != c.name {
			t.Errorf("suite %s: key %v, $ssl_cipher %q", c.name, st.PeerCertificates[0].PublicKeyAlgorithm, r.body)
		}
	}
	r, _, err = tlsGet(t, addr, clientConf(p, "a.test"), "a.test", "/r")
	if err != nil {
		t.Fatal(err)
	}
	if loc := r.header.Get("Location"); loc != "https://a.test:"+addr[strings.LastIndexByte(addr, ':')+1:]+"/there" {
		t.Errorf("Location %q", loc)
	}
}

func TestSSLPlainHTTPOnHTTPSPort(t *testing.T) {
	addr, dir := startTLS(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
			location / { return 200 "$scheme"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name redirect.test;
			error_page 497 =301 https://$host:{{PORT}}$request_uri;
			ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key; } }`)
	r := get(t, addr, "/")
	if r.status != 400 || !strings.Contains(r.body, "<center>The plain HTTP request was sent to HTTPS port</center>") {
		t.Errorf("plain HTTP: %d %q %v", r.status, r.body, r.header)
	}
	r = do(t, addr, "GET /x/y?z HTTP/1.1\r\nHost: redirect.test\r\nConnection: close\r\n\r\n")
	if r.status != 301 || r.header.Get("Location") != "https://redirect.test:"+addr[strings.LastIndexByte(addr, ':')+1:]+"/x/y?z" {
		t.Errorf("error_page 497: %d %v", r.status, r.header)
	}
	if log := waitLog(t, dir, "error.log", 1); !strings.Contains(log, "[info] ") || !strings.Contains(log, "client sent plain HTTP request to HTTPS port while reading client request headers, client: 127.0.0.1") {
		t.Errorf("error log:\n%s", log)
	}
}

func TestSSLRejectHandshake(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} ssl default_server; ssl_reject_handshake on; }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test; ssl_certificate b.crt; ssl_certificate_key b.key;
			location / { return 200 "b"; } } }`)
	p := getPKI()
	if _, _, err := tlsGet(t, addr, clientConf(p, "b.test"), "b.test", "/"); err != nil {
		t.Errorf("b.test: %v", err)
	}
	for _, sni := range []string{"", "unknown.test"} {
		cfg := clientConf(p, sni)
		cfg.InsecureSkipVerify = true
		if _, _, err := tlsGet(t, addr, cfg, "b.test", "/"); err == nil || !strings.Contains(err.Error(), "unrecognized name") {
			t.Errorf("SNI %q: the handshake was not rejected with unrecognized_name: %v", sni, err)
		}
	}
}

func TestSSLClientVerify(t *testing.T) {
	addr, dir := startTLS(t, `events {} http { access_log off;
		ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
		ssl_client_certificate ca.crt; ssl_crl ca.crl;
		server { listen 127.0.0.1:{{PORT}} ssl; server_name on.test; ssl_verify_client on;
			location / { return 200 "$ssl_client_verify|$ssl_client_s_dn|$ssl_client_i_dn|$ssl_client_serial|$ssl_client_fingerprint"; }
			location /cert { return 200 "$ssl_client_escaped_cert"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name optional.test; ssl_verify_client optional;
			location / { return 200 "$ssl_client_verify"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name noca.test; ssl_verify_client optional_no_ca;
			location / { return 200 "$ssl_client_verify"; } } }`)
	p := getPKI()
	fp := func(c *tlstest.Cert) string { return tlsconf.Fingerprint(c.Cert) }
	for _, c := range []struct {
		host   string
		cert   *tlstest.Cert
		status int
		body   string
	}{
		{"on.test", nil, 400, "No required SSL certificate was sent"},
		{"on.test", p.client, 200, "SUCCESS|CN=alice,O=weir tests|CN=weir test CA,O=weir tests|" + tlsconf.Serial(p.client.Cert.SerialNumber) + "|" + fp(p.client)},
		{"on.test", p.expired, 400, "The SSL certificate error"},
		{"on.test", p.revoked, 400, "The SSL certificate error"},
		{"on.test", p.self, 400, "The SSL certificate error"},
		{"optional.test", nil, 200, "NONE"},
		{"optional.test", p.client, 200, "SUCCESS"},
		{"optional.test", p.expired, 400, "The SSL certificate error"},
		{"noca.test", p.self, 200, "FAILED:unable to verify the first certificate"},
		{"noca.test", p.revoked, 400, "The SSL certificate error"},
		{"noca.test", p.client, 200, "SUCCESS"},
	} {
		cfg := clientConf(p, c.host)
		if c.cert != nil {
			withCert(cfg, c.cert)
		}
		r, _, err := tlsGet(t, addr, cfg, c.host, "/")
		if err != nil {
			t.Fatalf("%s: %v", c.host, err)
		}
		if r.status != c.status || !strings.Contains(r.body, c.body) {
			t.Errorf("%s with %v: %d %q, want %d %q", c.host, c.cert != nil, r.status, r.body, c.status, c.body)
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
	for _, want := range []string{
		"client sent no required SSL certificate while reading client request headers",
		"client SSL certificate verify error: (10:certificate has expired) while reading client request headers",
		"client SSL certificate verify error: (23:certificate revoked) while reading client request headers",
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	r, _, err := tlsGet(t, addr, withCert(clientConf(p, "on.test"), p.client), "on.test", "/cert")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(r.body, "-----BEGIN%20CERTIFICATE-----%0A") || !strings.HasSuffix(r.body, "-----END%20CERTIFICATE-----%0A") {
		t.Errorf("$ssl_client_escaped_cert = %q", r.body)
	}
}

func TestSSLSessions(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
		server { listen 127.0.0.1:{{PORT}} ssl; server_name tickets.test; ssl_session_timeout 1s;
			location / { return 200 "$ssl_session_reused"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name cache.test; ssl_session_tickets off; ssl_session_cache shared:S:1m;
			location / { return 200 "$ssl_session_reused"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name none.test; ssl_session_tickets off;
			location / { return 200 "$ssl_session_reused"; } } }`)
	p := getPKI()
	for _, c := range []struct {
		host   string
		second string
	}{{"tickets.test", "r"}, {"cache.test", "r"}, {"none.test", "."}} {
		for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			cfg := clientConf(p, c.host)
			cfg.MaxVersion = v
			cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
			var got []string
			for range 2 {
				r, _, err := tlsGet(t, addr, cfg, c.host, "/")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, r.body)
			}
			if got[0] != "." || got[1] != c.second {
				t.Errorf("%s TLS %x: $ssl_session_reused %q", c.host, v, got)
			}
		}
	}
	// ssl_session_timeout: a session older than 1s is not resumed
	cfg := clientConf(p, "tickets.test")
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(8)
	tlsGet(t, addr, cfg, "tickets.test", "/")
	time.Sleep(2100 * time.Millisecond)
	if r, _, _ := tlsGet(t, addr, cfg, "tickets.test", "/"); r.body != "." {
		t.Errorf("an expired session was resumed: %q", r.body)
	}
}

func TestSSLProtocolsAndCiphers(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate a-rsa.crt; ssl_certificate_key a-rsa.key;
			ssl_protocols TLSv1.2; ssl_ciphers ECDHE+AESGCM:!AES256;
			location / { return 200 "$ssl_protocol $ssl_cipher"; } } }`)
	p := getPKI()
	cfg := clientConf(p, "a.test")
	r, _, err := tlsGet(t, addr, cfg, "a.test", "/")
	if err != nil || r.body != "TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256" {
		t.Errorf("%q %v", r.body, err)
	}
	cfg = clientConf(p, "a.test")
	cfg.MinVersion = tls.VersionTLS13
	if _, _, err := tlsGet(t, addr, cfg, "a.test", "/"); err == nil {
		t.Error("TLSv1.3 was negotiated with ssl_protocols TLSv1.2")
	}
	cfg = clientConf(p, "a.test")
	cfg.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}
	if _, _, err := tlsGet(t, addr, cfg, "a.test", "/"); err == nil {
		t.Error("a suite outside ssl_ciphers was negotiated")
	}
}

// tlsBackend is an HTTPS upstream that counts its handshakes and reports
// the SNI and client certificate of each request.
func tlsBackend(t *testing.T, p *pki) (addr string, handshakes *atomic.Int32) {
	handshakes = new(atomic.Int32)
	roots := x509.NewCertPool()
	roots.AddCert(p.ca.Cert)
	cfg := &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{p.backend.Cert.Raw}, PrivateKey: p.backend.Key}},
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    roots,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			handshakes.Add(1)
			return nil, nil
		},
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := "-"
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		if r.URL.Path == "/resumed" {
			// a new connection (and handshake) for every request
			w.Header().Set("Connection", "close")
			fmt.Fprintf(w, "resumed=%v %s", r.TLS.DidResume, tlsconf.VersionName(r.TLS.Version))
			return
		}
		fmt.Fprintf(w, "sni=%s cert=%s", r.TLS.ServerName, cn)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), handshakes
}

func TestSSLUpstream(t *testing.T) {
	p := getPKI()
	back, handshakes := tlsBackend(t, p)
	addr, dir := proxyTLSEnv(t, `events {} http { access_log off;
		upstream pool { server `+back+`; keepalive 4; }
		upstream once { server `+back+`; keepalive 0; }
		server { listen 127.0.0.1:{{PORT}};
			location /once/ { proxy_pass https://once/; proxy_ssl_verify on; proxy_ssl_trusted_certificate ca.crt;
				proxy_ssl_name backend.test; }
			location /plain/ { proxy_pass https://`+back+`/; }
			location /pool/ { proxy_pass https://pool/; proxy_http_version 1.1; proxy_set_header Connection "";
				proxy_ssl_server_name on; proxy_ssl_name backend.test; }
			location /verify/ { proxy_pass https://`+back+`/; proxy_ssl_verify on; proxy_ssl_trusted_certificate ca.crt;
				proxy_ssl_name backend.test; proxy_ssl_certificate client.crt; proxy_ssl_certificate_key client.key; }
			location /wrong/ { proxy_pass https://`+back+`/; proxy_ssl_verify on; proxy_ssl_trusted_certificate ca.crt;
				proxy_ssl_name other.test; }
			location /reuse/ { proxy_pass https://`+back+`/; }
			location /noreuse/ { proxy_pass https://`+back+`/; proxy_ssl_session_reuse off; }
			location /tls12/ { proxy_pass https://`+back+`/; proxy_ssl_protocols TLSv1.2; }
			location /var/ { set $b `+back+`; proxy_pass https://$b/resumed; } } }`)
	for _, c := range []struct {
		uri    string
		status int
		body   string
	}{
		{"/plain/", 200, "sni= cert=-"},
		{"/once/", 200, "sni= cert=-"}, // a connection that is not pooled: weir's own epoll
		{"/verify/", 200, "sni= cert=alice"},
		{"/wrong/", 502, ""},
	} {
		r := get(t, addr, c.uri)
		if r.status != c.status || c.body != "" && r.body != c.body {
			t.Errorf("%s: %d %q", c.uri, r.status, r.body)
		}
	}
	log := waitLog(t, dir, "error.log", 1)
	if !strings.Contains(log, `[error] `) || !strings.Contains(log, `upstream SSL certificate does not match "other.test" while SSL handshaking to upstream, client: 127.0.0.1`) {
		t.Errorf("error log:\n%s", log)
	}
	for _, c := range []struct{ uri, body string }{
		{"/reuse/resumed", "resumed=false TLSv1.3"},
		{"/reuse/resumed", "resumed=true TLSv1.3"},
		{"/noreuse/resumed", "resumed=false TLSv1.3"},
		{"/noreuse/resumed", "resumed=false TLSv1.3"},
		{"/tls12/resumed", "resumed=false TLSv1.2"},
		{"/var/", "resumed=false TLSv1.3"},
	} {
		if r := get(t, addr, c.uri); r.status != 200 || r.body != c.body {
			t.Errorf("%s: %d %q, want %q", c.uri, r.status, r.body, c.body)
		}
	}
	before := handshakes.Load()
	for range 3 {
		if r := get(t, addr, "/pool/"); r.status != 200 || r.body != "sni=backend.test cert=-" {
			t.Errorf("/pool/: %d %q", r.status, r.body)
		}
	}
	if n := handshakes.Load() - before; n != 1 {
		t.Errorf("%d handshakes for 3 requests over a keep-alive pool", n)
	}
}

// proxyTLSEnv is proxyEnv with the test certificates in the prefix.
func proxyTLSEnv(t *testing.T, conf string) (addr, dir string) {
	return startTLS(t, conf)
}

// startNginxTLS runs the installed nginx (skipping the test without
// one) with conf on a port of its own ({{PORT}}), in a prefix with the
// certificates of writePKI, and returns its address.
func startNginxTLS(t *testing.T, conf string) string {
	t.Helper()
	const nginx = "/usr/sbin/nginx"
	if _, err := os.Stat(nginx); err != nil {
		t.Skip("nginx is not installed")
	}
	ndir := t.TempDir()
	os.MkdirAll(filepath.Join(ndir, "logs"), 0o755)
	writePKI(t, ndir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nport := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	os.WriteFile(filepath.Join(ndir, "nginx.conf"), []byte(strings.ReplaceAll(conf, "{{PORT}}", nport)), 0o644)
	cmd := exec.Command(nginx, "-p", ndir+"/", "-c", ndir+"/nginx.conf", "-e", ndir+"/logs/error.log",
		"-g", "daemon off; master_process off; pid "+ndir+"/logs/nginx.pid;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	naddr := "127.0.0.1:" + nport
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", naddr)
		if err == nil {
			c.Close()
			return naddr
		}
		if i == 100 {
			t.Fatal("nginx did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSSLAgainstNginx serves one configuration with the same
// certificates from weir and from the installed nginx and compares the
// status and the $ssl_* variables each gives to the same clients.
func TestSSLAgainstNginx(t *testing.T) {
	conf := `events {} http { access_log off;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_certificate a-rsa.crt; ssl_certificate_key a-rsa.key;
		ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
		ssl_client_certificate ca.crt; ssl_crl ca.crl;
		server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test; ssl_verify_client optional;
			location / { return 200 "$scheme|$https|$ssl_protocol|$ssl_cipher|$ssl_server_name|$ssl_session_reused|$ssl_client_verify|$ssl_client_s_dn|$ssl_client_i_dn|$ssl_client_s_dn_legacy|$ssl_client_serial|$ssl_client_fingerprint|$ssl_client_v_start|$ssl_client_v_end|$ssl_client_v_remain"; }
			location /cert { return 200 "$ssl_client_escaped_cert|$ssl_client_raw_cert|$ssl_client_cert"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name noca.test; ssl_verify_client optional_no_ca;
			location / { return 200 "$ssl_client_verify"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name on.test; ssl_verify_client on;
			location / { return 200 "$ssl_client_verify"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name depth1.test; ssl_verify_client optional;
			ssl_client_certificate ca-inter.crt; ssl_crl both.crl;
			location / { return 200 "$ssl_client_verify|$ssl_client_i_dn"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name depth2.test; ssl_verify_client optional; ssl_verify_depth 2;
			ssl_client_certificate ca-inter.crt; ssl_crl both.crl;
			location / { return 200 "$ssl_client_verify"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name nocrl.test; ssl_verify_client optional; ssl_verify_depth 2;
			ssl_client_certificate ca-inter.crt;
			location / { return 200 "$ssl_client_verify"; } }
		server { listen 127.0.0.1:{{PORT}} ssl; server_name missingcrl.test; ssl_verify_client optional; ssl_verify_depth 2;
			ssl_client_certificate ca-inter.crt; ssl_crl ca.crl;
			location / { return 200 "$ssl_client_verify"; } } }`
	waddr, _ := startTLS(t, conf)
	naddr := startNginxTLS(t, conf)
	p := getPKI()
	for _, c := range []struct {
		host, uri string
		cert      *tlstest.Cert
		max       uint16
		chain     []*tlstest.Cert
	}{
		{"depth1.test", "/", p.viaInter, 0, nil},
		{"depth2.test", "/", p.viaInter, 0, nil},
		{"depth2.test", "/", p.client, 0, nil},
		{"depth2.test", "/", p.revoked, 0, nil},
		{"nocrl.test", "/", p.viaInter, 0, nil},
		{"missingcrl.test", "/", p.viaInter, 0, nil},
		{"missingcrl.test", "/", p.client, 0, nil},
		{"depth2.test", "/", p.viaInter, 0, []*tlstest.Cert{p.inter}},
		{"a.test", "/", nil, 0, nil},
		{"a.test", "/", p.client, 0, nil},
		{"a.test", "/", p.client, tls.VersionTLS12, nil},
		{"a.test", "/", p.expired, 0, nil},
		{"a.test", "/", p.revoked, 0, nil},
		{"a.test", "/", p.self, 0, nil},
		{"a.test", "/cert", p.client, 0, nil},
		{"noca.test", "/", p.self, 0, nil},
		{"noca.test", "/", p.revoked, 0, nil},
		{"noca.test", "/", p.client, 0, nil},
		{"on.test", "/", nil, 0, nil},
		{"on.test", "/", p.expired, 0, nil},
		{"on.test", "/misdirected", p.client, 0, nil},
		{"a.test", "/misdirected", p.client, 0, nil},
	} {
		var got [2]string
		for i, addr := range []string{waddr, naddr} {
			cfg := clientConf(p, c.host)
			cfg.MaxVersion = c.max
			if c.cert != nil {
				withCert(cfg, c.cert, c.chain...)
			}
			host := c.host
			if c.uri == "/misdirected" {
				// a Host other than the SNI
				host = map[string]string{"on.test": "a.test", "a.test": "on.test"}[c.host]
			}
			r, st, err := tlsGet(t, addr, cfg, host, c.uri)
			if err != nil {
				t.Fatalf("%s%s: %v", c.host, c.uri, err)
			}
			body := r.body
			if r.status != 200 {
				body = ""
			}
			got[i] = fmt.Sprintf("%d %v %s", r.status, st.PeerCertificates[0].PublicKeyAlgorithm, strings.ReplaceAll(body, "weir", "nginx"))
		}
		if got[0] != got[1] {
			t.Errorf("%s%s (max %x):\nweir:  %q\nnginx: %q", c.host, c.uri, c.max, got[0], got[1])
		}
	}
}

// benchHandshakes measures new TLS connections (handshake, one request,
// close) against weir's pipeline with the certificate of kind.
func benchHandshakes(b *testing.B, kind string, maxVersion uint16) {
	addr, _ := startTLS(b, `events {} http { access_log off; ssl_session_tickets off;
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate `+kind+`.crt; ssl_certificate_key `+kind+`.key;
			location / { return 200 "ok"; } } }`)
	cfg := &tls.Config{InsecureSkipVerify: true, MaxVersion: maxVersion}
	req := []byte("GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 1024)
		for pb.Next() {
			c, err := tls.Dial("tcp", addr, cfg)
			if err != nil {
				b.Error(err)
				return
			}
			c.Write(req)
			for {
				if _, err := c.Read(buf); err != nil {
					break
				}
			}
			c.Close()
		}
	})
}

func BenchmarkSSLHandshakeECDSA(b *testing.B)      { benchHandshakes(b, "a-ec", 0) }
func BenchmarkSSLHandshakeRSA(b *testing.B)        { benchHandshakes(b, "a-rsa", 0) }
func BenchmarkSSLHandshakeECDSATLS12(b *testing.B) { benchHandshakes(b, "a-ec", tls.VersionTLS12) }

// BenchmarkSSLKeepalive measures requests over one keep-alive TLS
// connection.
func BenchmarkSSLKeepalive(b *testing.B) {
	addr, _ := startTLS(b, `events {} http { access_log off; keepalive_requests 100000000;
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
			location / { return 200 "ok"; } } }`)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		c.Write(req)
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
}

// BenchmarkSSLStatic1K is BenchmarkStatic1K over one keep-alive TLS
// connection.
func BenchmarkSSLStatic1K(b *testing.B) {
	addr, dir := startTLS(b, `events {} http { access_log off; keepalive_requests 100000000;
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key; root html; } }`)
	os.WriteFile(filepath.Join(dir, "html", "1k.txt"), []byte(strings.Repeat("x", 1024)), 0o644)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET /1k.txt HTTP/1.1\r\nHost: a.test\r\n\r\n")
	for b.Loop() {
		c.Write(req)
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
}

func TestSSLCertificateByServerName(t *testing.T) {
	addr, dir := startTLS(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} ssl;
			ssl_certificate certs/$ssl_server_name.crt; ssl_certificate_key certs/${ssl_server_name}.key;
			location / { return 200 "$ssl_server_name"; } } }`)
	p := getPKI()
	os.MkdirAll(filepath.Join(dir, "certs"), 0o755)
	tlstest.Write(t, filepath.Join(dir, "certs"), "a.test", p.aEC)
	tlstest.Write(t, filepath.Join(dir, "certs"), "b.test", p.b)
	for _, name := range []string{"a.test", "b.test", "A.TEST"} {
		r, st, err := tlsGet(t, addr, clientConf(p, name), name, "/")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cn := st.PeerCertificates[0].Subject.CommonName; cn != strings.ToLower(name) || r.body != name {
			t.Errorf("%s: certificate %s, body %q", name, cn, r.body)
		}
	}
	cfg := clientConf(p, "c.test")
	if _, _, err := tlsGet(t, addr, cfg, "c.test", "/"); err == nil {
		t.Error("a name without certificate files got a handshake")
	}
	// a certificate replaced on disk is taken at the next handshake
	tlstest.Write(t, filepath.Join(dir, "certs"), "b.test", p.aEC)
	future := time.Now().Add(time.Minute)
	os.Chtimes(filepath.Join(dir, "certs", "b.test.crt"), future, future)
	cfg = clientConf(p, "b.test")
	cfg.InsecureSkipVerify = true
	if _, st, err := tlsGet(t, addr, cfg, "b.test", "/"); err != nil || st.PeerCertificates[0].Subject.CommonName != "a.test" {
		t.Errorf("replaced certificate not loaded: %v", err)
	}
}

// BenchmarkSSLProxy proxies GETs over one keep-alive TLS connection to a
// keep-alive plain upstream.
func BenchmarkSSLProxy(b *testing.B) {
	up := startFixedUpstream(b)
	defer up.Close()
	addr, _ := startTLS(b, `events {} http { access_log off; keepalive_requests 100000000;
		upstream u { server `+up.Addr().String()+`; keepalive 4; }
		server { listen 127.0.0.1:{{PORT}} ssl; ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
			location / { proxy_pass http://u; } } }`)
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := []byte("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	for b.Loop() {
		c.Write(req)
		r, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
}

// TestSSLSessionID: $ssl_session_id is 32 bytes in lowercase hex, a new
// one for each session, as nginx with OpenSSL gives it.
func TestSSLSessionID(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
		server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test;
			location / { return 200 "$ssl_session_id"; } } }`)
	p := getPKI()
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		seen := map[string]bool{}
		for range 2 {
			cfg := clientConf(p, "a.test")
			cfg.MaxVersion = v
			r, _, err := tlsGet(t, addr, cfg, "a.test", "/")
			if err != nil {
				t.Fatal(err)
			}
			if !hex64.MatchString(r.body) || seen[r.body] {
				t.Errorf("TLS %x: $ssl_session_id %q (seen before: %v)", v, r.body, seen[r.body])
			}
			seen[r.body] = true
		}
	}
}

package httpd

import (
	"crypto/tls"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/tlsconf"
	"weir/internal/tlsconf/tlstest"
)

// uwsgiTLSApp answers with the method, the path and the X-Test header it
// was given.
const uwsgiTLSApp = `
def application(env, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [('%s|%s|%s' % (env.get('REQUEST_METHOD'), env.get('PATH_INFO'), env.get('HTTP_X_TEST', '-'))).encode()]
`

// TestUWSGIOverTLS runs uwsgi_pass suwsgi:// against a real uWSGI
// serving the uwsgi protocol over TLS (--ssl-socket): plain uwsgi to the
// same socket fails, the upstream's certificate is checked with
// uwsgi_ssl_verify, a client certificate is sent with
// uwsgi_ssl_certificate to a uWSGI that requires one, and a target with
// variables is TLS when it evaluates to "suwsgi://".
func TestUWSGIOverTLS(t *testing.T) {
	cgitest.Need(t, cgitest.UWSGI)
	p := getPKI()
	appDir := t.TempDir()
	cgitest.WriteFile(t, filepath.Join(appDir, "app.py"), uwsgiTLSApp)
	tlstest.Write(t, appDir, "backend", p.backend)
	tlstest.WriteFile(t, appDir, "ca.crt", p.ca.PEM())
	crt, key := filepath.Join(appDir, "backend.crt"), filepath.Join(appDir, "backend.key")
	open := cgitest.StartUWSGITLS(t, appDir, crt, key, "")
	mutual := cgitest.StartUWSGITLS(t, appDir, crt, key, filepath.Join(appDir, "ca.crt"))
	addr, dir := startTLS(t, `events {} http { access_log off;
		uwsgi_param REQUEST_METHOD $request_method; uwsgi_param PATH_INFO $uri;
		server { listen 127.0.0.1:{{PORT}};
			location /tls { uwsgi_pass suwsgi://`+open+`; }
			location /upper { uwsgi_pass SUWSGI://`+open+`; }
			location /plain { uwsgi_pass `+open+`; }
			location /verify { uwsgi_pass suwsgi://`+open+`; uwsgi_ssl_verify on; uwsgi_ssl_trusted_certificate ca.crt;
				uwsgi_ssl_name backend.test; }
			location /wrong { uwsgi_pass suwsgi://`+open+`; uwsgi_ssl_verify on; uwsgi_ssl_trusted_certificate ca.crt;
				uwsgi_ssl_name other.test; }
			location /cert { uwsgi_pass suwsgi://`+mutual+`; uwsgi_ssl_certificate client.crt; uwsgi_ssl_certificate_key client.key; }
			location /nocert { uwsgi_pass suwsgi://`+mutual+`; }
			location /var { set $u suwsgi://`+open+`; uwsgi_pass $u; }
			location /varupper { set $u sUwSgI://`+open+`; uwsgi_pass $u; }
			location /varplain { set $u `+open+`; uwsgi_pass $u; } } }`)
	for _, c := range []struct {
		uri    string
		status int
	}{
		{"/tls", 200}, {"/upper", 200}, {"/plain", 502}, {"/verify", 200}, {"/wrong", 502},
		{"/cert", 200}, {"/nocert", 502}, {"/var", 200}, {"/varupper", 200}, {"/varplain", 502},
	} {
		r := do(t, addr, "GET "+c.uri+" HTTP/1.1\r\nHost: test\r\nX-Test: over-tls\r\nConnection: close\r\n\r\n")
		if r.status != c.status {
			t.Errorf("%s: %d %q, want %d", c.uri, r.status, r.body, c.status)
			continue
		}
		if want := "GET|" + c.uri + "|over-tls"; c.status == 200 && r.body != want {
			t.Errorf("%s: body %q, want %q", c.uri, r.body, want)
		}
	}
	log := readLog(t, dir, "error.log")
	for _, want := range []string{
		`[error] `,
		`upstream SSL certificate does not match "other.test" while SSL handshaking to upstream, client: 127.0.0.1, server: , request: "GET /wrong HTTP/1.1", upstream: "suwsgi://` + open + `"`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error log lacks %q:\n%s", want, log)
		}
	}
	for _, uri := range []string{"/tls", "/verify", "/cert", "/var"} {
		if strings.Contains(log, `request: "GET `+uri+` HTTP/1.1"`) {
			t.Errorf("%s logged an error:\n%s", uri, log)
		}
	}
}

// tlsFront is a TLS terminator in front of a real uWSGI's plain uwsgi
// socket. It reports what uWSGI cannot: the SNI, the protocol version
// and whether the session was resumed, one record a connection.
type tlsFront struct {
	addr string
	mu   sync.Mutex
	seen []string // "sni=NAME version=V resumed=BOOL"
}

func startTLSFront(t *testing.T, p *pki, backend string) *tlsFront {
	f := &tlsFront{}
	cert := tls.Certificate{Certificate: [][]byte{p.backend.Cert.Raw}, PrivateKey: p.backend.Key}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	f.addr = fakeBackend(t, func(c net.Conn) { f.serve(tls.Server(c, cfg), backend) })
	return f
}

func (f *tlsFront) serve(c *tls.Conn, backend string) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := c.Handshake(); err != nil {
		return
	}
	st := c.ConnectionState()
	f.mu.Lock()
	f.seen = append(f.seen, "sni="+st.ServerName+" version="+tlsconf.VersionName(st.Version)+" resumed="+map[bool]string{true: "yes", false: "no"}[st.DidResume])
	f.mu.Unlock()
	b, err := net.DialTimeout("tcp", backend, 5*time.Second)
	if err != nil {
		return
	}
	defer b.Close()
	b.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		io.Copy(b, c)
		b.(*net.TCPConn).CloseWrite()
	}()
	io.Copy(c, b)
}

func (f *tlsFront) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.seen
	f.seen = nil
	return s
}

// TestUWSGIOverTLSSettings checks the uwsgi_ssl_* settings the upstream
// sees in the handshake: SNI with uwsgi_ssl_server_name and
// uwsgi_ssl_name, the version uwsgi_ssl_protocols allows, and session
// reuse on by default and off with uwsgi_ssl_session_reuse off. uWSGI
// does not report these, so a TLS terminator in front of a real uWSGI
// socket records them.
func TestUWSGIOverTLSSettings(t *testing.T) {
	cgitest.Need(t, cgitest.UWSGI)
	p := getPKI()
	appDir := t.TempDir()
	cgitest.WriteFile(t, filepath.Join(appDir, "app.py"), uwsgiTLSApp)
	front := startTLSFront(t, p, cgitest.StartUWSGI(t, appDir, "--uwsgi-socket"))
	addr, _ := startTLS(t, `events {} http { access_log off;
		uwsgi_param REQUEST_METHOD $request_method; uwsgi_param PATH_INFO $uri;
		server { listen 127.0.0.1:{{PORT}};
			location /sni { uwsgi_pass suwsgi://`+front.addr+`; uwsgi_ssl_server_name on; uwsgi_ssl_name backend.test;
				uwsgi_ssl_session_reuse off; }
			location /nosni { uwsgi_pass suwsgi://`+front.addr+`; uwsgi_ssl_name backend.test; uwsgi_ssl_session_reuse off; }
			location /tls12 { uwsgi_pass suwsgi://`+front.addr+`; uwsgi_ssl_protocols TLSv1.2; uwsgi_ssl_session_reuse off; }
			location /reuse { uwsgi_pass suwsgi://`+front.addr+`; } } }`)
	for _, c := range []struct {
		uri  string
		want []string
	}{
		{"/sni", []string{"sni=backend.test version=TLSv1.3 resumed=no"}},
		{"/nosni", []string{"sni= version=TLSv1.3 resumed=no"}},
		{"/tls12", []string{"sni= version=TLSv1.2 resumed=no"}},
		{"/tls12", []string{"sni= version=TLSv1.2 resumed=no"}},
		{"/reuse", []string{"sni= version=TLSv1.3 resumed=no"}},
		{"/reuse", []string{"sni= version=TLSv1.3 resumed=yes"}},
	} {
		r := get(t, addr, c.uri)
		if r.status != 200 || r.body != "GET|"+c.uri+"|-" {
			t.Errorf("%s: %d %q", c.uri, r.status, r.body)
		}
		if got := front.take(); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: handshakes %q, want %q", c.uri, got, c.want)
		}
	}
}

package difftest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// ocspResponder is a real OCSP responder for the tests: OpenSSL's own
// (openssl ocsp -index ... -reqin ... -respout ...) behind a small HTTP
// front on 127.0.0.1, which takes nginx's GET /BASE64 requests. The
// index marks testPKI's certificates: srv-ec (serial 11) and the "good"
// client valid, "revoked" revoked; "highbit" is not listed (unknown).
type ocspResponder struct {
	addr string
	dir  string
	srv  *http.Server

	mu   sync.Mutex
	hits int
}

func startOCSPResponder(t *testing.T, files map[string]string) *ocspResponder {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	r := &ocspResponder{dir: t.TempDir()}
	for _, f := range []string{"ca.crt", "ca.key"} {
		if err := os.WriteFile(filepath.Join(r.dir, f), []byte(files["pki/"+f]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	exp := time.Now().Add(24 * time.Hour).UTC().Format("060102150405Z")
	rev := time.Now().Add(-time.Hour).UTC().Format("060102150405Z")
	index := fmt.Sprintf("V\t%s\t\t0B\tunknown\t/CN=localhost\n", exp) +
		fmt.Sprintf("V\t%s\t\t0A0B0C\tunknown\t/CN=good\n", exp) +
		fmt.Sprintf("R\t%s\t%s\t16\tunknown\t/CN=revoked\n", exp, rev)
	if err := os.WriteFile(filepath.Join(r.dir, "index.txt"), []byte(index), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go r.srv.Serve(ln)
	t.Cleanup(func() { r.srv.Close() })
	return r
}

// ServeHTTP answers one request with openssl's response.
func (r *ocspResponder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.hits++
	r.mu.Unlock()
	var der []byte
	if req.Method == "POST" {
		der, _ = io.ReadAll(io.LimitReader(req.Body, 1<<16))
	} else {
		// nginx escapes the base64's "/" and "+": the last segment is it
		e := req.URL.EscapedPath()
		p, _ := url.PathUnescape(e[strings.LastIndexByte(e, '/')+1:])
		der, _ = base64.StdEncoding.DecodeString(p)
	}
	dir, err := os.MkdirTemp(r.dir, "req")
	if err != nil {
		w.WriteHeader(500)
		return
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "req"), filepath.Join(dir, "resp")
	os.WriteFile(in, der, 0o600)
	cmd := exec.Command("openssl", "ocsp", "-index", filepath.Join(r.dir, "index.txt"), "-CA", filepath.Join(r.dir, "ca.crt"),
		"-rsigner", filepath.Join(r.dir, "ca.crt"), "-rkey", filepath.Join(r.dir, "ca.key"), "-nmin", "60", "-reqin", in, "-respout", out)
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		w.WriteHeader(500)
		return
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
	body, err := os.ReadFile(out)
	if err != nil {
		w.WriteHeader(500)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(body)
}

// TestOCSP covers ssl_ocsp (nginx 1.19.0) against a real OCSP responder:
// $ssl_client_verify and the 400 of a good, revoked and unknown client
// certificate with ssl_ocsp on and leaf, a responder that refuses the
// connection ("certificate status request failed" and nginx's log lines),
// ssl_ocsp_cache; and ssl_stapling: the staple fetched from
// ssl_stapling_responder after the first handshake, verified with
// ssl_trusted_certificate, and ssl_stapling_file's staple.
func TestOCSP(t *testing.T) {
	files := testPKI(t)
	files["index.html"] = "<p>index</p>\n"
	resp := startOCSPResponder(t, files)
	staple := stapleFile(t, resp, files)
	files["pki/staple.der"] = string(staple)
	dead := deadAddr(t)
	good := tlsClient{sni: "localhost", cert: "good"}
	revoked := tlsClient{sni: "localhost", cert: "revoked"}
	unknown := tlsClient{sni: "localhost", cert: "highbit"}
	runSite(t, &site{
		http: `log_format ocsp '$status "$request" "$ssl_client_verify" "$ssl_client_serial" $server_name';
    ssl_certificate {{ROOT}}/pki/srv-ec.crt;
    ssl_certificate_key {{ROOT}}/pki/srv-ec.key;
    ssl_client_certificate {{ROOT}}/pki/ca.crt;
    ssl_verify_client optional;
    ssl_ocsp on;
    ssl_ocsp_responder http://` + resp.addr + `/;
    access_log logs/access.log ocsp;
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name localhost;
        ssl_stapling on;
        ssl_stapling_responder http://` + resp.addr + `/ocsp;
        ssl_stapling_verify on;
        ssl_trusted_certificate {{ROOT}}/pki/ca.crt;
        ssl_ocsp_cache shared:ocsp:1m;
        location / { return 200 "verify=$ssl_client_verify\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name leaf.test;
        ssl_ocsp leaf;
        ssl_stapling on;
        ssl_stapling_file {{ROOT}}/pki/staple.der;
        location / { return 200 "leaf verify=$ssl_client_verify\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name dead.test;
        ssl_ocsp_responder http://` + dead + `;
        ssl_verify_client on;
        location / { return 200 "dead verify=$ssl_client_verify\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}} ssl;
        server_name localhost;
        ssl_ocsp off;
        ssl_stapling on;
        location / { return 200 "off verify=$ssl_client_verify\n"; }
    }`,
		files: files,
		cases: []tc{
			get("good certificate", "/").overTLS(good),
			get("good certificate again (cache)", "/").overTLS(good),
			get("revoked certificate", "/").overTLS(revoked),
			get("revoked certificate again (cache)", "/").overTLS(revoked),
			get("certificate the responder does not know", "/").overTLS(unknown),
			get("no certificate", "/").overTLS(tlsClient{sni: "localhost"}),
			get("certificate of another CA", "/").overTLS(tlsClient{sni: "localhost", cert: "other"}),
			get("leaf: good", "/", "Host: leaf.test").overTLS(tlsClient{sni: "leaf.test", cert: "good"}),
			get("leaf: revoked", "/", "Host: leaf.test").overTLS(tlsClient{sni: "leaf.test", cert: "revoked"}),
			get("responder refuses the connection", "/", "Host: dead.test").overTLS(tlsClient{sni: "dead.test", cert: "good"}),
			get("responder refuses, no certificate", "/", "Host: dead.test").overTLS(tlsClient{sni: "dead.test"}),
			get("ssl_ocsp off: revoked passes", "/").overTLS(revoked).onPort2(),
		},
		after: func(t *testing.T, ng, we *server) {
			for _, s := range []*server{ng, we} {
				// ssl_stapling_file: stapled from the first handshake
				if got := stapleOf(t, s.addr(0), "leaf.test"); !bytes.Equal(got, staple) {
					t.Errorf("%s: ssl_stapling_file staple differs (%d bytes, want %d)", s.name, len(got), len(staple))
				}
				// the responder's staple comes once a handshake asked
				// for it and the answer is in
				var got []byte
				for i := 0; i < 50 && got == nil; i++ {
					if got = stapleOf(t, s.addr(0), "localhost"); got == nil {
						time.Sleep(100 * time.Millisecond)
					}
				}
				if status := ocspStatus(t, got, files); status != "good" {
					t.Errorf("%s: staple from the responder: status %q", s.name, status)
				}
				// no responder URL in the certificate: no staple
				if got := stapleOf(t, s.addr(1), "localhost"); got != nil {
					t.Errorf("%s: a staple without a responder", s.name)
				}
			}
		},
	})
}

// stapleOf handshakes with addr and returns the OCSP response stapled.
func stapleOf(t *testing.T, addr, sni string) []byte {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := tls.Client(conn, &tls.Config{InsecureSkipVerify: true, ServerName: sni})
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.Handshake(); err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	return c.ConnectionState().OCSPResponse
}

// stapleFile asks the responder for srv-ec's status, for ssl_stapling_file.
func stapleFile(t *testing.T, r *ocspResponder, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"ca.crt", "srv-ec.crt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(files["pki/"+f]), 0o600)
	}
	out := filepath.Join(dir, "staple.der")
	cmd := exec.Command("openssl", "ocsp", "-issuer", filepath.Join(dir, "ca.crt"), "-cert", filepath.Join(dir, "srv-ec.crt"),
		"-url", "http://"+r.addr+"/", "-no_nonce", "-noverify", "-respout", out, "-timeout", "10")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl ocsp: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ocspStatus is the certificate status in a DER response, as openssl
// prints it ("" when there is none).
func ocspStatus(t *testing.T, der []byte, files map[string]string) string {
	t.Helper()
	if len(der) == 0 {
		return ""
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "r.der")
	os.WriteFile(in, der, 0o600)
	b, err := exec.Command("openssl", "ocsp", "-respin", in, "-resp_text", "-noverify").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ocsp -respin: %v\n%s", err, b)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "Cert Status: "); ok {
			return v
		}
	}
	return ""
}

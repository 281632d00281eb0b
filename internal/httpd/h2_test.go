package httpd

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// h2Client speaks HTTP/2 over TLS (ALPN h2, http/1.1 as fallback) to the
// test servers, naming sni.
func h2Client(t *testing.T, sni string) *http.Client {
	p := getPKI()
	roots := x509.NewCertPool()
	roots.AddCert(p.ca.Cert)
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: sni},
		ForceAttemptHTTP2: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func h2cClient(t *testing.T) *http.Client {
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: &protos}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func fetch(t *testing.T, cl *http.Client, method, url string, body io.Reader) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return r, string(b)
}

// TestH2TLS: a server with "http2 on" answers HTTP/2 after ALPN h2 —
// static files, return, error pages and the proxy — while another server
// of the same address without it stays HTTP/1.1 for its SNI.
func TestH2TLS(t *testing.T) {
	back := startBackend(t, "back", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Connection", "close, x-gone")
		w.Header().Set("X-Up", "1")
		fmt.Fprintf(w, "%s %s host=%s len=%d te=%v", r.Method, r.RequestURI, r.Host, r.ContentLength, r.TransferEncoding)
	})
	addr, dir := startTLS(t, `events {} http {
		log_format h2 '$request $status $server_protocol $http2 $body_bytes_sent';
		access_log logs/access.log h2;
		server { listen 127.0.0.1:{{PORT}} ssl default_server; server_name a.test; http2 on;
			ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key; root html;
			location = /r { return 301 /elsewhere; }
			location = /t { return 200 "proto=$server_protocol http2=$http2 https=$https host=$host\n"; }
			location /p/ { proxy_pass http://`+back.addr+`/; }
		}
		server { listen 127.0.0.1:{{PORT}} ssl; server_name b.test;
			ssl_certificate b.crt; ssl_certificate_key b.key;
			location / { return 200 "b $server_protocol\n"; } } }`)
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	os.WriteFile(filepath.Join(dir, "html", "big.txt"), []byte(big), 0o644)
	os.WriteFile(filepath.Join(dir, "html", "index.html"), []byte("home\n"), 0o644)

	cl := h2Client(t, "a.test")
	base := "https://" + addr
	r, body := fetch(t, cl, "GET", base+"/t", nil)
	if r.ProtoMajor != 2 || body != "proto=HTTP/2.0 http2=h2 https=on host=127.0.0.1\n" {
		t.Fatalf("%s %q", r.Proto, body)
	}
	r, body = fetch(t, cl, "GET", base+"/big.txt", nil)
	if body != big || r.Header.Get("Content-Length") != "1048576" || r.Header.Get("Accept-Ranges") != "bytes" || r.Header.Get("Etag") == "" {
		t.Errorf("big file: %d bytes, header %v", len(body), r.Header)
	}
	r, _ = fetch(t, cl, "HEAD", base+"/big.txt", nil)
	if r.StatusCode != 200 || r.ContentLength != 1048576 {
		t.Errorf("HEAD: %d %d", r.StatusCode, r.ContentLength)
	}
	r, _ = fetch(t, cl, "GET", base+"/", nil)
	if r.StatusCode != 200 {
		t.Errorf("index: %d", r.StatusCode)
	}
	r, body = fetch(t, cl, "GET", base+"/missing", nil)
	if r.StatusCode != 404 || !strings.Contains(body, "<center><h1>404 Not Found</h1></center>") {
		t.Errorf("404: %d %q", r.StatusCode, body)
	}
	r, _ = fetch(t, cl, "GET", base+"/r", nil)
	if r.StatusCode != 301 || r.Header.Get("Location") != "https://"+addr+"/elsewhere" {
		t.Errorf("redirect: %d %q", r.StatusCode, r.Header.Get("Location"))
	}

	// the proxy: hop-by-hop fields of the upstream do not reach an HTTP/2
	// client; a body of unknown length is buffered and sent with its length
	r, body = fetch(t, cl, "GET", base+"/p/x?y=1", nil)
	if body != "GET /x?y=1 host="+back.addr+" len=0 te=[]" || r.Header.Get("X-Up") != "1" || r.Header.Get("Connection") != "" {
		t.Errorf("proxy GET: %q %v", body, r.Header)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("streamed "))
		time.Sleep(10 * time.Millisecond)
		pw.Write([]byte("body"))
		pw.Close()
	}()
	_, body = fetch(t, cl, "POST", base+"/p/post", pr)
	if body != "POST /post host="+back.addr+" len=13 te=[]" {
		t.Errorf("proxy POST: %q", body)
	}
	if _, got := back.lastRequest(); string(got) != "streamed body" {
		t.Errorf("upstream got body %q", got)
	}

	// several streams at once on one connection
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := 0
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("GET", base+"/big.txt", nil)
			r, err := cl.Do(req)
			if err == nil {
				b, _ := io.ReadAll(r.Body)
				r.Body.Close()
				if r.ProtoMajor == 2 && len(b) == len(big) {
					return
				}
			}
			mu.Lock()
			bad++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if bad > 0 {
		t.Errorf("%d of 20 concurrent streams failed", bad)
	}

	// b.test has no "http2 on": ALPN gives HTTP/1.1
	req, _ := http.NewRequest("GET", base+"/", nil)
	req.Host = "b.test"
	r, err := h2Client(t, "b.test").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if body = string(b); r.ProtoMajor != 1 || body != "b HTTP/1.1\n" {
		t.Errorf("b.test: %s %q", r.Proto, body)
	}

	log := waitLog(t, dir, "access.log", 29)
	for _, want := range []string{
		"GET /t HTTP/2.0 200 HTTP/2.0 h2 ",
		"GET /big.txt HTTP/2.0 200 HTTP/2.0 h2 1048576\n",
		"POST /p/post HTTP/2.0 200 HTTP/2.0 h2 ",
		"GET / HTTP/1.1 200 HTTP/1.1  11\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("access log lacks %q:\n%s", want, log)
		}
	}
}

// TestH2Cleartext: "listen ... http2" without ssl takes HTTP/2 with prior
// knowledge, and HTTP/1.1 on the same socket still works.
func TestH2Cleartext(t *testing.T) {
	addr, _ := startTLS(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} http2;
			client_max_body_size 10;
			location / { return 200 "$server_protocol $http2 $request_method $content_length\n"; }
			location /body { proxy_pass http://127.0.0.1:1; } } }`)
	_, body := fetch(t, h2cClient(t), "GET", "http://"+addr+"/", nil)
	if body != "HTTP/2.0 h2c GET \n" {
		t.Errorf("h2c: %q", body)
	}
	r := get(t, addr, "/")
	if r.body != "HTTP/1.1  GET \n" {
		t.Errorf("HTTP/1.1 on an http2 listener: %q", r.body)
	}
	// client_max_body_size applies to an HTTP/2 body of unknown length
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(strings.Repeat("x", 100)))
		pw.Close()
	}()
	res, _ := fetch(t, h2cClient(t), "POST", "http://"+addr+"/body", pr)
	if res.StatusCode != 413 {
		t.Errorf("too large streamed body: %d", res.StatusCode)
	}
	res, _ = fetch(t, h2cClient(t), "POST", "http://"+addr+"/body", strings.NewReader(strings.Repeat("x", 100)))
	if res.StatusCode != 413 {
		t.Errorf("too large body: %d", res.StatusCode)
	}
}

// TestH2FastCGI: PHP through PHP-FPM over an HTTP/2 connection: the
// script sees HTTP/2.0, a body of unknown length arrives whole with its
// length, and a large output streams back.
func TestH2FastCGI(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	addr, _ := gatewayEnv(t, `events {} http { access_log off;
		server { listen 127.0.0.1:{{PORT}} http2; root {{ROOT}};
			location ~ \.php$ {
				include fastcgi_params;
				fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
				fastcgi_pass {{FPM}};
			} } }`,
		map[string]string{"FPM": fpm},
		map[string]string{
			"env.php":  `<?php echo $_SERVER["SERVER_PROTOCOL"], "|", $_SERVER["HTTP_HOST"], "|", $_SERVER["HTTP_X_TEST"] ?? "-";`,
			"post.php": `<?php echo "len=", strlen(file_get_contents("php://input")), ";cl=", $_SERVER["CONTENT_LENGTH"];`,
			"big.php":  `<?php header("X-Php: 1"); echo str_repeat("0123456789", 100000);`,
		})
	cl := h2cClient(t)
	req, _ := http.NewRequest("GET", "http://"+addr+"/env.php", nil)
	req.Header.Set("X-Test", "yes")
	r, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.ProtoMajor != 2 || string(b) != "HTTP/2.0|"+addr+"|yes" {
		t.Errorf("env: %s %q", r.Proto, b)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(strings.Repeat("p", 3000)))
		pw.Write([]byte(strings.Repeat("q", 3000)))
		pw.Close()
	}()
	if _, body := fetch(t, cl, "POST", "http://"+addr+"/post.php", pr); body != "len=6000;cl=6000" {
		t.Errorf("streamed post: %q", body)
	}
	r, body := fetch(t, cl, "GET", "http://"+addr+"/big.php", nil)
	if len(body) != 1000000 || r.Header.Get("X-Php") != "1" {
		t.Errorf("big: %d bytes %v", len(body), r.Header)
	}
}

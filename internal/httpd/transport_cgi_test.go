package httpd

import (
	"bufio"
	"crypto/md5"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/proto/fastcgi"
)

// gatewayEnv starts weir with conf after copying the shipped parameter
// files next to nginx.conf, with PHP scripts (or other files) in the html
// root.
func gatewayEnv(t testing.TB, conf string, addrs map[string]string, files map[string]string) (addr, dir string) {
	t.Helper()
	for k, v := range addrs {
		conf = strings.ReplaceAll(conf, "{{"+k+"}}", v)
	}
	// the parameter files go where include finds them: the directory
	// of nginx.conf, which startPipelineDir makes; copy them once it
	// exists, before the config is loaded, by including absolute paths
	for _, f := range []string{"fastcgi_params", "fastcgi.conf", "uwsgi_params", "scgi_params"} {
		abs, err := filepath.Abs(filepath.Join("..", "..", "conf", f))
		if err != nil {
			t.Fatal(err)
		}
		conf = strings.ReplaceAll(conf, "include "+f+";", "include "+abs+";")
	}
	addr, dir = startPipelineDir(t, conf)
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, "html", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return addr, dir
}

// TestFastCGIPHPFPM runs real PHP scripts through weir and PHP-FPM:
// variables, POST bodies (length, chunked, spilled to a temp file), status
// and Location set by PHP, stderr in the error log, large output.
func TestFastCGIPHPFPM(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	addr, dir := gatewayEnv(t, `events {} http {
		error_log logs/error.log info;
		client_body_buffer_size 1k;
		upstream php { server {{FPM}}; keepalive 8; }
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}}; index index.php;
			location ~ [^/]\.php(/|$) {
				fastcgi_split_path_info ^(.+?\.php)(/.*)$;
				include fastcgi_params;
				fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
				fastcgi_param PATH_INFO $fastcgi_path_info;
				fastcgi_keep_conn on;
				fastcgi_pass php;
			} } }`,
		map[string]string{"FPM": fpm},
		map[string]string{
			"env.php": `<?php header("Content-Type: text/plain");
echo $_SERVER["REQUEST_METHOD"], "|", $_SERVER["QUERY_STRING"], "|", $_SERVER["HTTP_X_TEST"] ?? "-", "|",
  $_SERVER["SCRIPT_NAME"], "|", $_SERVER["PATH_INFO"], "|", $_SERVER["REQUEST_URI"], "|", $_SERVER["SERVER_PROTOCOL"];`,
			"post.php":  `<?php echo "len=", strlen(file_get_contents("php://input")), ";md5=", md5(file_get_contents("php://input")), ";cl=", $_SERVER["CONTENT_LENGTH"];`,
			"code.php":  `<?php http_response_code(404); echo "not here";`,
			"moved.php": `<?php header("Location: /elsewhere"); echo "moved";`,
			"warn.php":  `<?php error_log("something odd"); echo "warned";`,
			"big.php":   `<?php echo str_repeat("0123456789", 100000);`,
		})
	r := do(t, addr, "GET /env.php/extra/path?a=1 HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\nConnection: close\r\n\r\n")
	if r.status != 200 || r.body != "GET|a=1|yes|/env.php|/extra/path|/env.php/extra/path?a=1|HTTP/1.1" {
		t.Fatalf("env: %d %q", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/plain;charset=UTF-8" && ct != "text/plain" {
		t.Errorf("content type %q", ct)
	}
	for _, body := range []string{"hello", strings.Repeat("x", 50000)} {
		r = do(t, addr, "POST /post.php HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
		want := fmt.Sprintf("len=%d;", len(body))
		if r.status != 200 || !strings.HasPrefix(r.body, want) || !strings.HasSuffix(r.body, ";cl="+strconv.Itoa(len(body))) {
			t.Fatalf("post %d bytes: %d %q", len(body), r.status, r.body)
		}
	}
	r = do(t, addr, "POST /post.php HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
	if r.status != 200 || !strings.HasPrefix(r.body, "len=11;") || !strings.HasSuffix(r.body, ";cl=11") {
		t.Fatalf("chunked post: %d %q", r.status, r.body)
	}
	if r = get(t, addr, "/code.php"); r.status != 404 || r.body != "not here" {
		t.Fatalf("code: %d %q", r.status, r.body)
	}
	if r = get(t, addr, "/moved.php"); r.status != 302 || r.header.Get("Location") != "/elsewhere" {
		t.Fatalf("moved: %d %v", r.status, r.header)
	}
	if r = get(t, addr, "/warn.php"); r.status != 200 || r.body != "warned" {
		t.Fatalf("warn: %d %q", r.status, r.body)
	}
	if r = get(t, addr, "/big.php"); r.status != 200 || len(r.body) != 1000000 {
		t.Fatalf("big: %d %d bytes", r.status, len(r.body))
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(readLog(t, dir, "error.log"), `FastCGI sent in stderr: "PHP message: something odd"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no stderr line in the error log:\n%s", readLog(t, dir, "error.log"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(readLog(t, dir, "error.log"), `upstream: "fastcgi://`+fpm+`"`) {
		t.Errorf("error log context:\n%s", readLog(t, dir, "error.log"))
	}
}

// TestFastCGIResponseLength pins $upstream_response_length of FastCGI
// answers from a real PHP-FPM to what nginx counts: every byte read from
// the connection after the end of the response head, the record framing
// included. The scripts send one header line, "Content-Type: a/b" (no
// charset added, no X-Powered-By), so that each figure can be worked out:
// PHP-FPM sends the head and a small body in one STDOUT record padded to
// 8 bytes, then END_REQUEST (16 bytes); $upstream_bytes_received is that
// and the record's 8-byte header and the head.
func TestFastCGIResponseLength(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	addr, dir := gatewayEnv(t, `events {} http {
		error_log logs/error.log warn;
		log_format len '$request_uri $status $upstream_response_length $upstream_bytes_received';
		access_log logs/access.log len;
		upstream phpka { server {{FPM}}; keepalive 2; }
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location /b/ { include fastcgi_params; fastcgi_param SCRIPT_FILENAME $document_root/len.php; fastcgi_pass {{FPM}}; }
			location /u/ { include fastcgi_params; fastcgi_param SCRIPT_FILENAME $document_root/len.php; fastcgi_buffering off; fastcgi_pass {{FPM}}; }
			location /k/ { include fastcgi_params; fastcgi_param SCRIPT_FILENAME $document_root/len.php; fastcgi_keep_conn on; fastcgi_pass phpka; }
		} }`,
		map[string]string{"FPM": fpm},
		map[string]string{"len.php": `<?php header_remove("X-Powered-By"); header("Content-Type: a/b");
switch ($_GET["do"] ?? "") {
case "body": echo "warned\n"; break;
case "204": http_response_code(204); break;
case "204body": http_response_code(204); echo "oops"; break;
case "late": echo "x\n"; flush(); error_log("late"); break;
}`})
	head := len("Content-Type: a/b\r\n\r\n")
	status := len("Status: 204 No Content\r\n")
	pad := func(n int) int { return (8 - n%8) % 8 }
	cases := []struct {
		uri    string
		status int
		length int // the rest of the STDOUT record, its padding, END_REQUEST
		recv   int
	}{
		{"/b/?do=body", 200, 7 + pad(head+7) + 16, 8 + head + 7 + pad(head+7) + 16},
		{"/b/?do=empty", 200, pad(head) + 16, 8 + head + pad(head) + 16},
		// a 204 is read on to END_REQUEST (nginx 1.22 makes it
		// header-only only for a status line of its own)
		{"/b/?do=204", 204, pad(status+head) + 16, 8 + status + head + pad(status+head) + 16},
		// the body sent anyway is dropped with a warning, the reading
		// ends with it
		{"/b/?do=204body", 204, 4 + pad(status+head+4) + 16, 8 + status + head + 4 + pad(status+head+4) + 16},
		{"/u/?do=body", 200, 7 + pad(head+7) + 16, 8 + head + 7 + pad(head+7) + 16},
		{"/u/?do=empty", 200, pad(head) + 16, 8 + head + pad(head) + 16},
		{"/k/?do=body", 200, 7 + pad(head+7) + 16, 8 + head + 7 + pad(head+7) + 16},
		{"/k/?do=body", 200, 7 + pad(head+7) + 16, 8 + head + 7 + pad(head+7) + 16},
		// STDERR after the head counts: whatever its size, the figure
		// is all that was received less the first record's header and
		// the head
		{"/b/?do=late", 200, -1, -1},
	}
	for _, c := range cases {
		if r := get(t, addr, c.uri); r.status != c.status {
			t.Fatalf("%s: %d %q", c.uri, r.status, r.body)
		}
	}
	lines := strings.Split(strings.TrimSpace(waitLog(t, dir, "access.log", len(cases))), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("access log:\n%s", strings.Join(lines, "\n"))
	}
	// a line is written once the response went out: the next request
	// may be logged first
	type figures struct{ length, recv int }
	logged := map[string][]figures{}
	for _, l := range lines {
		var uri string
		var st, length, recv int
		if _, err := fmt.Sscan(l, &uri, &st, &length, &recv); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		logged[uri] = append(logged[uri], figures{length, recv})
	}
	for _, c := range cases {
		if len(logged[c.uri]) == 0 {
			t.Fatalf("no line for %s:\n%s", c.uri, strings.Join(lines, "\n"))
		}
		length, recv := logged[c.uri][0].length, logged[c.uri][0].recv
		logged[c.uri] = logged[c.uri][1:]
		if c.length < 0 {
			if length != recv-8-head || length <= 2+pad(head+2)+16 {
				t.Errorf("%s: length %d, received %d", c.uri, length, recv)
			}
			continue
		}
		if length != c.length || recv != c.recv {
			t.Errorf("%s: length %d, received %d; want %d, %d", c.uri, length, recv, c.length, c.recv)
		}
	}
	elog := readLog(t, dir, "error.log")
	if n := strings.Count(elog, `upstream sent more data than specified in "Content-Length" header while reading upstream`); n != 1 {
		t.Errorf("%d warnings about the 204's body:\n%s", n, elog)
	}
}

// TestFastCGIFailover: a dead FastCGI server is skipped for the next one,
// with nginx's log line.
func TestFastCGIFailover(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	dead := deadAddr(t)
	addr, dir := gatewayEnv(t, `events {} http {
		upstream php { server {{DEAD}}; server {{FPM}}; }
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ { include fastcgi.conf; fastcgi_pass php; } } }`,
		map[string]string{"FPM": fpm, "DEAD": dead},
		map[string]string{"hi.php": `<?php echo "hi";`})
	for i := 0; i < 3; i++ {
		if r := get(t, addr, "/hi.php"); r.status != 200 || r.body != "hi" {
			t.Fatalf("%d: %d %q", i, r.status, r.body)
		}
	}
	if elog := readLog(t, dir, "error.log"); !strings.Contains(elog, `connect() failed (111: Connection refused) while connecting to upstream`) || !strings.Contains(elog, `upstream: "fastcgi://`+dead+`"`) {
		t.Fatalf("error log:\n%s", elog)
	}
}

// TestUWSGIAndSCGI runs a WSGI application under a real uWSGI, spoken to
// with the uwsgi protocol and with SCGI.
func TestUWSGIAndSCGI(t *testing.T) {
	appDir := t.TempDir()
	cgitest.WriteFile(t, filepath.Join(appDir, "app.py"), `
def application(env, start_response):
    body = env.get('wsgi.input').read()
    status = '404 Not Found' if env['PATH_INFO'] == '/missing' else '200 OK'
    start_response(status, [('Content-Type', 'text/plain'), ('X-App', 'wsgi')])
    out = '%s|%s|%s|%s|%d' % (env['REQUEST_METHOD'], env['PATH_INFO'], env['QUERY_STRING'], env.get('HTTP_X_TEST', '-'), len(body))
    return [out.encode()]
`)
	uw := cgitest.StartUWSGI(t, appDir, "--uwsgi-socket")
	sc := cgitest.StartUWSGI(t, appDir, "--scgi-socket")
	addr, _ := gatewayEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location /u/ { include uwsgi_params; uwsgi_param PATH_INFO $uri; uwsgi_pass {{UW}}; }
			location /s/ { include scgi_params; scgi_param PATH_INFO $uri; scgi_pass {{SC}}; } } }`,
		map[string]string{"UW": uw, "SC": sc}, nil)
	for _, p := range []string{"/u/", "/s/"} {
		r := do(t, addr, "POST "+p+"x?q=2 HTTP/1.1\r\nHost: x\r\nX-Test: t\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody")
		if r.status != 200 || r.body != "POST|"+p+"x|q=2|t|4" || r.header.Get("X-App") != "wsgi" {
			t.Fatalf("%s: %d %q %v", p, r.status, r.body, r.header)
		}
	}
}

// TestMemcached: a hit is the value, a miss is 404 through error_page, and
// the connection to memcached is kept.
func TestMemcached(t *testing.T) {
	mc := cgitest.StartMemcached(t)
	c, err := net.Dial("tcp", mc)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("set /page?a=1 0 0 11\r\nhello cache\r\n"))
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _ := c.Read(buf); string(buf[:n]) != "STORED\r\n" {
		t.Fatalf("set: %q", buf[:n])
	}
	c.Close()
	addr, _ := gatewayEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}};
			location / { set $memcached_key "$uri?$args"; default_type text/html; memcached_pass {{MC}}; error_page 404 = @fallback; }
			location @fallback { return 200 "fallback\n"; } } }`,
		map[string]string{"MC": mc}, nil)
	r := get(t, addr, "/page?a=1")
	if r.status != 200 || r.body != "hello cache" || r.header.Get("Content-Type") != "text/html" {
		t.Fatalf("hit: %d %q %v", r.status, r.body, r.header)
	}
	if r = get(t, addr, "/nothing?a=1"); r.status != 200 || r.body != "fallback\n" {
		t.Fatalf("miss: %d %q", r.status, r.body)
	}
}

// TestFastCGICatchStderr: stderr text named by fastcgi_catch_stderr makes
// the answer invalid, so the next server is tried.
func TestFastCGICatchStderr(t *testing.T) {
	fpm1, fpm2 := cgitest.StartPHPFPM(t), cgitest.StartPHPFPM(t)
	addr, _ := gatewayEnv(t, `events {} http {
		upstream php { server {{A}}; server {{B}}; }
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ { include fastcgi.conf; fastcgi_catch_stderr "broken"; fastcgi_pass php; } } }`,
		map[string]string{"A": fpm1, "B": fpm2},
		map[string]string{"x.php": `<?php if ($_SERVER["SERVER_PORT"] !== "") { error_log("broken thing"); flush(); } echo "done";`})
	if r := get(t, addr, "/x.php"); r.status != 502 {
		t.Fatalf("%d %q", r.status, r.body)
	}
}

// TestFastCGIRequestBufferingOff: a body streamed to PHP-FPM as it
// arrives goes in STDIN records, small or spread over many reads.
func TestFastCGIRequestBufferingOff(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	addr, _ := gatewayEnv(t, `events {} http {
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ { include fastcgi.conf; fastcgi_request_buffering off; fastcgi_pass {{FPM}}; } } }`,
		map[string]string{"FPM": fpm},
		map[string]string{"post.php": `<?php $b = file_get_contents("php://input"); echo strlen($b), ":", md5($b);`})
	for _, body := range []string{"hello", strings.Repeat("0123456789", 20000)} {
		r := do(t, addr, "POST /post.php HTTP/1.1\r\nHost: x\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\nConnection: close\r\n\r\n"+body)
		want := fmt.Sprintf("%d:%x", len(body), md5.Sum([]byte(body)))
		if r.status != 200 || r.body != want {
			t.Fatalf("%d bytes: %d %q, want %q", len(body), r.status, r.body, want)
		}
	}
}

// startFixedFastCGI starts a minimal FastCGI application on 127.0.0.1
// that answers every request on a connection as PHP-FPM answers the
// weirbench page (one STDOUT record and END_REQUEST in one write), with
// a Content-Length for benchKeepalive, and keeps the connection when the
// request asks for it.
func startFixedFastCGI(b *testing.B) net.Listener {
	out := "X-Powered-By: PHP/8.2\r\nContent-type: text/plain;charset=UTF-8\r\nContent-Length: 26\r\n\r\nhello from php /hello.php\n"
	answer := fastcgi.AppendRecordHeader(nil, fastcgi.TypeStdout, 1, len(out), fastcgi.Padding(len(out)))
	answer = append(append(answer, out...), make([]byte, fastcgi.Padding(len(out)))...)
	answer = fastcgi.AppendRecordHeader(answer, fastcgi.TypeEndRequest, 1, 8, 0)
	answer = append(answer, 0, 0, 0, 0, 0, 0, 0, 0)
	return startLoopback(b, func(c net.Conn) {
		br := bufio.NewReader(c)
		var h [fastcgi.HeaderLen]byte
		keep := false
		for {
			if _, err := io.ReadFull(br, h[:]); err != nil {
				return
			}
			n := int(h[4])<<8 | int(h[5]) + int(h[6])
			if h[1] == fastcgi.TypeBeginRequest {
				p, err := br.Peek(3)
				if err != nil {
					return
				}
				keep = p[2]&fastcgi.FlagKeepConn != 0
			}
			if _, err := br.Discard(n); err != nil {
				return
			}
			if h[1] != fastcgi.TypeStdin || n != 0 {
				continue
			}
			if _, err := c.Write(answer); err != nil || !keep {
				return
			}
		}
	})
}

// BenchmarkFastCGI is one GET through fastcgi_pass with nginx's
// fastcgi_params over keep-alive on both sides (fastcgi_keep_conn on),
// to a minimal FastCGI application on 127.0.0.1, so the figure is
// weir's own cost per FastCGI request.
func BenchmarkFastCGI(b *testing.B) {
	ln := startFixedFastCGI(b)
	defer ln.Close()
	addr, _ := gatewayEnv(b, `events {} http { access_log off; keepalive_requests 100000000;
		upstream php { server {{APP}}; keepalive 8; }
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ {
				include fastcgi_params;
				fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
				fastcgi_keep_conn on;
				fastcgi_pass php;
			} } }`, map[string]string{"APP": ln.Addr().String()}, nil)
	benchKeepalive(b, addr, "GET /hello.php HTTP/1.1\r\nHost: localhost\r\nUser-Agent: wrk\r\n\r\n")
}

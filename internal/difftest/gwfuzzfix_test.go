package difftest

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// TestGatewayAnswers pins what TestFuzzGateway found in gateway answers:
// a "Status: 1xx" from FastCGI is the answer's status, with its body (not
// an interim answer); an upstream's X-Accel-Charset holds for the page
// of an intercepted error too, and for the error page of a head that
// failed after its line; the records of a FastCGI head are read into one
// fastcgi_buffer_size ($upstream_bytes_received); a FastCGI body past its
// Content-Length ends the answer (a later STDERR is not read); an
// X-Accel-Charset holds after the next server answers; an intercepted
// error goes to its error page before an X-Accel-Redirect is followed;
// unbuffered, the records that came with the head go out together; an
// unbuffered uwsgi or SCGI body read on while its first bytes are sent;
// a bad record after the head of a buffered 304 or 204 loses the head.
func TestGatewayAnswers(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	gw := rawGateway(t)
	// a FastCGI server that answers 200 to all, the backup of /fn/
	backup := cgitest.Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		defer c.Close()
		readFastCGIRequest(bufio.NewReader(c))
		c.Write(fastcgiAnswer(map[string]string{"QUERY_STRING": "r=" + url.QueryEscape("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nbackup\n")}))
		time.Sleep(50 * time.Millisecond)
	})
	q := rawGatewayURI
	const (
		s100    = "Status: 100 Continue\r\nContent-Type: text/plain\r\n\r\nbody after 100\n"
		s1000   = "Status: 1000 Big\r\nContent-Type: text/plain\r\n\r\nbig\n"
		s199    = "Status: 199\r\nContent-Type: text/plain\r\n\r\nodd\n"
		charset = "Status: 503 Busy\r\nContent-Type: text/plain\r\nX-Accel-Charset: %s\r\n\r\nbusy\n"
	)
	cases := []tc{
		get("fastcgi status 100", q("f", s100)),
		get("fastcgi status 1000", q("f", s1000)),
		get("fastcgi status 199", q("f", s199)),
		get("fastcgi unbuffered status 100", q("fb", s100)),
		get("fastcgi keep conn status 100", q("fk", s100)),
		get("uwsgi status 100", q("u", s100)),
		get("scgi status 199", q("s", s199)),
		get("fastcgi intercepted with unknown charset", q("fi", fmt.Sprintf(charset, "utf-8"))),
		get("fastcgi intercepted with known charset", q("fi", fmt.Sprintf(charset, "koi8-r"))),
		get("uwsgi intercepted with unknown charset", q("ui", fmt.Sprintf(charset, "utf-8"))),
		get("fastcgi not intercepted with unknown charset", q("f", fmt.Sprintf(charset, "utf-8"))),
		get("fastcgi charset then invalid status", q("f", "Status: abc\r\nX-Accel-Charset: utf-8\r\n\r\nx\n")),
		get("fastcgi charset then invalid line", q("f", "X-Accel-Charset: utf-8\r\n folded\r\n\r\nx\n")),
		get("fastcgi charset then invalid line, error page", q("fi", "X-Accel-Charset: utf-8\r\n folded\r\n\r\nx\n")),
		get("uwsgi charset then closed in the head", q("u", "Status: 200 OK\r\nX-Accel-Charset: utf-8\r\nX-Cut")),
		get("fastcgi head too big for the buffer", q("fs", "Status: 200 OK\r\nX-Long: "+strings.Repeat("l", 2000)+"\r\n\r\nx\n")),
		get("fastcgi body past its length in the first read", q("f", "Status: 200 OK\r\nContent-Length: 3\r\nX-Pad: "+strings.Repeat("p", 1000)+"\r\n\r\n"+strings.Repeat("b", 6000))),
		get("fastcgi stderr after a body past its length", q("f", "Status: 200 OK\r\nContent-Length: 2\r\n\r\nlonger\n", "e2=late")),
		get("fastcgi unbuffered stderr after a body past its length", q("fb", "Status: 200 OK\r\nContent-Length: 2\r\n\r\nlonger\n", "e2=late")),
		get("fastcgi unbuffered, bad record type in the read of the head", q("fb", "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nbody\n", "bt=11")),
		get("fastcgi unbuffered, wrong request id in the read of the head", q("fb", "Status: 404 Gone\r\nContent-Type: text/plain\r\n\r\nbody\n", "bt=-2")),
		get("fastcgi buffered, bad record type in the read of the head", q("f", "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nbody\n", "bt=11")),
		get("fastcgi unbuffered, request closed short of its length, read after the head", q("fbs", "Status: 200 OK\r\nContent-Length: 3010\r\n\r\n"+strings.Repeat("b", 3000))),
		// unbuffered uwsgi and SCGI as proxy_pass: the reads that follow
		// the head's while bytes are there are "while sending to client"
		// (the warning about the bytes past the Content-Length)
		get("uwsgi unbuffered body past its length, read after the head", q("ub", "Status: 200 OK\r\nContent-Length: 2000\r\n\r\n"+strings.Repeat("b", 5000))),
		get("scgi unbuffered body past its length, read after the head", q("sb", "Status: 200 OK\r\nContent-Length: 2000\r\n\r\n"+strings.Repeat("b", 5000))),
		get("fastcgi unbuffered body past its length, 1k buffer", q("fbs", "Status: 200 OK\r\nContent-Length: 1151\r\n\r\n"+strings.Repeat("b", 2560))),
		get("fastcgi charset in a 404 the backup replaces", q("fn", "Status: 404 Gone\r\nContent-Type: text/plain\r\nX-Accel-Charset: utf-8\r\n\r\ngone\n")),
		get("fastcgi known charset in a 404 the backup replaces", q("fn", "Status: 404 Gone\r\nContent-Type: text/plain\r\nX-Accel-Charset: koi8-r\r\n\r\ngone\n")),
		get("fastcgi intercepted error with X-Accel-Redirect", q("fi", "Status: 503 Busy\r\nX-Accel-Redirect: /err/page.html\r\n\r\nbusy\n")),
		get("fastcgi not intercepted error with X-Accel-Redirect", q("f", "Status: 503 Busy\r\nX-Accel-Redirect: /err/page.html\r\n\r\nbusy\n")),
		get("fastcgi X-Accel-Redirect to nothing with an unknown charset", q("f", "X-Accel-Charset: x-unknown\r\nX-Accel-Redirect: /nowhere\r\n\r\nx\n")),
		get("fastcgi 304 with a length and no body, stdout ended", q("f", "Status: 304 Not Modified\r\nContent-Length: 4\r\n\r\n")),
		// the application's status line keeps a 304 or 204 from being
		// header-only: buffered, its header waits for the end of the
		// body, and a bad record loses it (TestFuzzGateway seed 1661)
		get("fastcgi buffered 304, bad record type after the head", q("f", "Status: 304 Not Modified\r\nContent-Type: text/plain\r\n\r\n", "bt=9")),
		get("fastcgi buffered 204, bad record type after the head", q("f", "Status: 204 No Content\r\nX-A: b\r\n\r\n", "e2=warn", "bt=9")),
		get("fastcgi unbuffered 304, bad record type after the head", q("fb", "Status: 304 Not Modified\r\nContent-Type: text/plain\r\n\r\n", "bt=9")),
		get("fastcgi 204 with a length and no body, stdout ended", q("f", "Status: 204 No Content\r\nContent-Length: 4\r\n\r\n")),
		get("fastcgi 200 with a length and no body, stdout ended", q("f", "Status: 200 OK\r\nContent-Length: 4\r\n\r\n")),
		func() tc {
			c := req("fastcgi HEAD with a length and no body, stdout ended", "HEAD", q("f", "Status: 200 OK\r\nContent-Length: 4\r\n\r\n"))
			c.head = true
			return c
		}(),
	}
	runSite(t, &site{
		backends: func(*testing.T, string) []string { return []string{gw, backup} },
		files:    map[string]string{"err/page.html": "error page\n"},
		http: `
    log_format gw '$status "$request" $body_bytes_sent "up=[$upstream_addr] st=[$upstream_status] len=[$upstream_response_length] ubr=[$upstream_bytes_received]"';
    upstream ka { server {{B0}}; keepalive 2; }
    upstream nx { server {{B0}}; server {{B1}} backup; }
    charset_map koi8-r utf-8 { }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gw;
        location /err/ { }
        location /f/ { fastcgi_param QUERY_STRING $query_string; fastcgi_pass {{B0}}; }
        location /fb/ { fastcgi_param QUERY_STRING $query_string; fastcgi_buffering off; fastcgi_pass {{B0}}; }
        location /fk/ { fastcgi_param QUERY_STRING $query_string; fastcgi_keep_conn on; fastcgi_pass ka; }
        location /fi/ {
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_intercept_errors on;
            error_page 502 503 /err/page.html;
            fastcgi_pass {{B0}};
        }
        location /fbs/ { fastcgi_param QUERY_STRING $query_string; fastcgi_buffering off; fastcgi_buffer_size 1k; fastcgi_pass {{B0}}; }
        location /fn/ { fastcgi_param QUERY_STRING $query_string; fastcgi_next_upstream http_404; fastcgi_pass nx; }
        location /fs/ { fastcgi_param QUERY_STRING $query_string; fastcgi_buffer_size 1k; fastcgi_pass {{B0}}; }
        location /u/ { uwsgi_param QUERY_STRING $query_string; uwsgi_pass {{B0}}; }
        location /ui/ {
            uwsgi_param QUERY_STRING $query_string;
            uwsgi_intercept_errors on;
            error_page 503 /err/page.html;
            uwsgi_pass {{B0}};
        }
        location /s/ { scgi_param QUERY_STRING $query_string; scgi_pass {{B0}}; }
        location /ub/ { uwsgi_param QUERY_STRING $query_string; uwsgi_buffering off; uwsgi_buffer_size 1k; uwsgi_pass {{B0}}; }
        location /sb/ { scgi_param QUERY_STRING $query_string; scgi_buffering off; scgi_buffer_size 1k; scgi_pass {{B0}}; }
    }`,
		cases: cases,
	})
}

package difftest

import (
	"fmt"
	"net/url"
	"testing"
)

// TestGatewayAnswers pins what TestFuzzGateway found in gateway answers:
// a "Status: 1xx" from FastCGI is the answer's status, with its body (not
// an interim answer); an upstream's X-Accel-Charset holds for the page
// of an intercepted error too.
func TestGatewayAnswers(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	gw := rawGateway(t)
	q := func(loc, resp string, extra ...string) string {
		u := "/" + loc + "/x?r=" + url.QueryEscape(resp)
		for _, e := range extra {
			u += "&" + e
		}
		return u
	}
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
	}
	runSite(t, &site{
		backends: func(*testing.T, string) []string { return []string{gw} },
		files:    map[string]string{"err/page.html": "error page\n"},
		http: `
    log_format gw '$status "$request" $body_bytes_sent "up=[$upstream_addr] st=[$upstream_status] len=[$upstream_response_length]"';
    upstream ka { server {{B0}}; keepalive 2; }
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
            error_page 503 /err/page.html;
            fastcgi_pass {{B0}};
        }
        location /u/ { uwsgi_param QUERY_STRING $query_string; uwsgi_pass {{B0}}; }
        location /ui/ {
            uwsgi_param QUERY_STRING $query_string;
            uwsgi_intercept_errors on;
            error_page 503 /err/page.html;
            uwsgi_pass {{B0}};
        }
        location /s/ { scgi_param QUERY_STRING $query_string; scgi_pass {{B0}}; }
    }`,
		cases: cases,
	})
}

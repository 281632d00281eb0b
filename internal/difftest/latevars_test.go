package difftest

import (
	"strings"
	"testing"
)

// TestConnectionSerial: $connection counts the upstream connections
// too (ngx_event_connect_peer numbers them from the same counter, failed
// connects included), so the client connection after a proxied request
// is two on, three after a failed try and a good one; a connection
// taken from the keepalive pool takes none.
func TestConnectionSerial(t *testing.T) {
	runSite(t, &site{
		backends: func(t *testing.T, name string) []string { return append(echoBackend(t, name), deadAddr(t)) },
		http: `
    log_format cs '$status "$request" $body_bytes_sent "c=$connection cr=$connection_requests"';
    upstream two { server {{B1}}; server {{B0}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        access_log logs/access.log cs;
        location /p/ { proxy_pass http://{{B0}}; }
        location /two/ { proxy_pass http://two; }
        location / { return 200 "c=$connection\n"; }
    }`,
		cases: []tc{
			get("first", "/"),
			get("proxied", "/p/a"),
			get("after proxied", "/"),
			get("two upstreams, one down", "/two/a"),
			get("after two", "/"),
			rawN("keep-alive proxied twice", 2, "GET /p/b HTTP/1.1\r\nHost: localhost\r\n\r\nGET /p/c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			get("after keep-alive", "/"),
		},
	})
}

// TestLateVariables: $limit_rate is 0 until the header went out
// (add_header, return's text) unless set; $sent_http_transfer_encoding
// is "chunked" only where the chunked filter chose it (not for HTTP/1.0,
// HEAD, 444 or HTTP/2); $request_length of a request refused after its
// request line counts the line and the header lines read.
func TestLateVariables(t *testing.T) {
	runSite(t, &site{
		backends: echoBackend,
		http: `
    log_format lv '$status "$request" $body_bytes_sent "lr=$limit_rate te=[$sent_http_transfer_encoding] rl=$request_length"';
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        access_log logs/access.log lv;
        location /lr/ { limit_rate 100k; add_header X-LR $limit_rate; return 200 "$limit_rate\n"; }
        location /lrset/ { limit_rate 100k; set $limit_rate 5k; add_header X-LR $limit_rate; return 200 "$limit_rate\n"; }
        location = /r444 { limit_rate 10k; return 444; }
        location /ch/ { proxy_pass http://{{B0}}; proxy_hide_header Content-Length; }
        location / { return 200 "ok\n"; }
    }`,
		cases: []tc{
			get("limit_rate in header", "/lr/"),
			get("limit_rate set", "/lrset/"),
			get("444", "/r444"),
			get("chunked", "/ch/a"),
			req("chunked head", "HEAD", "/ch/a"),
			raw("chunked http/1.0", "GET /ch/a HTTP/1.0\r\n\r\n"),
			get("chunked h2", "/ch/a").overH2().onPort2(),
			raw("bad uri", "GET /../x HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("bad header line", "GET /x HTTP/1.1\r\nHost: localhost\r\nBad\x01Name: y\r\n\r\n"),
			raw("duplicate host", "GET /x HTTP/1.1\r\nHost: localhost\r\nHost: y\r\n\r\n"),
			raw("bad host header", "GET /x HTTP/1.1\r\nHost: a..b\r\n\r\n"),
			raw("bad host in line", "GET http://a..b/x HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("too large header", "GET /x HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("a", 9000)+"\r\n\r\n"),
		},
	})
}

package difftest

import "testing"

// TestProxyURIEscape: the URI in the upstream's request line is escaped
// only when the client's URI had a %-escape or the request is internal
// (ngx_http_proxy_create_request's r->quoted_uri || r->internal); a raw
// byte above 0x7f otherwise goes as it came.
func TestProxyURIEscape(t *testing.T) {
	runSite(t, &site{
		backends: echoBackend,
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        location /u/ { proxy_pass http://{{B0}}/echo/; }
        location /n/ { proxy_pass http://{{B0}}; }
        location /rw/ { rewrite ^/rw/(.*)$ /n/$1 break; proxy_pass http://{{B0}}; }
        location /rwu/ { rewrite ^/rwu/(.*)$ /u/$1 break; proxy_pass http://{{B0}}/echo/; }
    }`,
		cases: []tc{
			raw("uri part, raw byte", "GET /u/a\x80b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("uri part, raw byte and a quote", "GET /u/a\x80b\"c HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("uri part, raw byte and an escape", "GET /u/a\x80b%41 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("uri part, escape in args only", "GET /u/a\x80b?x=%41 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("uri part, post", "POST /u/body\x80 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi"),
			raw("no uri part, raw byte", "GET /n/a\x80b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("rewrite break, raw byte", "GET /rw/a\x80b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("rewrite break to a uri part, raw byte", "GET /rwu/a\x80b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
		},
	})
}

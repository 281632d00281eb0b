package difftest

import "testing"

// TestBodyReadEnds covers a request body that never arrives whole: the
// client stops sending (client_body_timeout: 408, the connection closed,
// and nginx 1.22 logs nothing for it over HTTP/1.x) or closes the
// connection in the middle ("client prematurely closed connection",
// with no action: nginx sets none while it reads a body).
func TestBodyReadEnds(t *testing.T) {
	runSite(t, &site{
		http: `
    client_body_timeout 1s;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        location /p/ { proxy_pass http://127.0.0.1:{{PORT}}/r; proxy_http_version 1.0; }
        location /pu/ { proxy_pass http://127.0.0.1:{{PORT}}/r; proxy_http_version 1.1; proxy_request_buffering off; }
        location /r { return 200 "r\n"; }
    }`,
		cases: []tc{
			raw("length, the client stops", "POST /p/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhel"),
			raw("chunked, the client stops", "POST /p/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"),
			raw("length, the client closes", "POST /p/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nhel").hangup(),
			raw("chunked, the client closes", "POST /p/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel").hangup(),
		},
	})
}

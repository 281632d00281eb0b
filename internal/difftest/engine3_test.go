package difftest

import (
	"strings"
	"testing"
)

// TestEngineDeep covers the request line and keep-alive corners: odd
// whitespace, keepalive_requests, pipelines mixing errors, small header
// buffers.
func TestEngineDeep(t *testing.T) {
	g := func(path, extra string) string {
		return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n"
	}
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        keepalive_requests 3;
        location / { return 200 "uri=$uri req=[$request] proto=$server_protocol conn=$connection_requests\n"; }
        location /f/ { }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        client_header_buffer_size 64;
        large_client_header_buffers 2 512;
        default_type text/plain;
        location / { return 200 "uri=$uri h=$http_x_h\n"; }
    }`,
		files: map[string]string{"f/a.txt": "a\n"},
		cases: []tc{
			raw("tab in request line", "GET\t/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("two spaces after method", "GET  /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("two spaces before version", "GET /x  HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("trailing space after version", "GET /x HTTP/1.1 \r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("leading empty lines", "\r\n\r\nGET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("lowercase http version", "GET /x http/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("version 1.10", "GET /x HTTP/1.10\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("version 2.0", "GET /x HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("version 0.9 with space", "GET /x HTTP/0.9\r\nHost: localhost\r\n\r\n"),
			raw("header name with space inside", "GET /x HTTP/1.1\r\nHost: localhost\r\nX Y: z\r\nConnection: close\r\n\r\n"),
			// known: current nginx skips tabs around header values
			// (ngx_http_parse_header_line, sw_space_before_value and
			// sw_space_after_value), nginx 1.22 only spaces.
			raw("header value leading tabs", "GET /x HTTP/1.1\r\nHost: \t localhost \t\r\nConnection: close\r\n\r\n").
				known("nginx 1.22 keeps tabs around header values; current nginx strips them, as weir does"),
			raw("header empty name", "GET /x HTTP/1.1\r\nHost: localhost\r\n: v\r\nConnection: close\r\n\r\n"),
			raw("host with userinfo", "GET /x HTTP/1.1\r\nHost: user@localhost\r\nConnection: close\r\n\r\n"),
			raw("absolute uri https scheme", "GET https://localhost/x HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"),
			raw("absolute uri no path", "GET http://localhost HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"),
			raw("absolute uri with query no path", "GET http://localhost?a=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n"),
			rawN("keepalive_requests reached", 3, g("/a", "")+g("/b", "")+g("/c", "")).keep(),
			rawN("keepalive_requests then more", 4, g("/a", "")+g("/b", "")+g("/c", "")+g("/d", "")).keep(),
			rawN("pipeline error in middle", 3, g("/a", "")+"GET /b HTTP/1.1\r\nHost: bad/host\r\n\r\n"+g("/c", "")).keep(),
			rawN("pipeline 404 then file", 3, g("/f/nope", "")+g("/f/a.txt", "")+g("/x", "Connection: close\r\n")),
			rawN("pipeline head 404 then get", 2, "HEAD /f/nope HTTP/1.1\r\nHost: localhost\r\n\r\n"+g("/x", "Connection: close\r\n")),
			rawN("pipeline http10 then http11", 2, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"+g("/b", "Connection: close\r\n")),
			raw("small buffer fits", "GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").onPort2(),
			raw("small buffer long header", "GET /x HTTP/1.1\r\nHost: localhost\r\nX-H: "+strings.Repeat("h", 400)+"\r\nConnection: close\r\n\r\n").onPort2(),
			raw("small buffer header too long", "GET /x HTTP/1.1\r\nHost: localhost\r\nX-H: "+strings.Repeat("h", 600)+"\r\nConnection: close\r\n\r\n").onPort2(),
			raw("small buffer uri too long", "GET /"+strings.Repeat("u", 600)+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").onPort2(),
			raw("small buffer uri fits large", "GET /"+strings.Repeat("u", 400)+" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").onPort2(),
			raw("small buffer many headers", "GET /x HTTP/1.1\r\nHost: localhost\r\nX-A: "+strings.Repeat("a", 400)+"\r\nX-B: "+strings.Repeat("b", 400)+"\r\nX-C: "+strings.Repeat("c", 400)+"\r\nConnection: close\r\n\r\n").onPort2(),
		},
	})
}

package difftest

import (
	"strings"
	"testing"
)

// TestEngineSettings covers the engine's per-server settings:
// ignore_invalid_headers, underscores_in_headers, header buffer sizes,
// and many pipelined requests.
func TestEngineSettings(t *testing.T) {
	var pipeline strings.Builder
	for i := 0; i < 8; i++ {
		pipeline.WriteString("GET /echo/" + strings.Repeat("x", i) + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
	}
	pipeline.WriteString("GET /echo/last HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        ignore_invalid_headers off;
        underscores_in_headers on;
        client_header_buffer_size 128;
        large_client_header_buffers 2 512;
        default_type text/plain;
        location /echo/ { return 200 "uri=$uri x_a=$http_x_a bad=$http_x_bad_ len=$request_length\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        default_type text/plain;
        location /echo/ { return 200 "uri=$uri x_a=$http_x_a\n"; }
    }`,
		cases: []tc{
			get("underscore header allowed", "/echo/", "X_A: one"),
			get("invalid header kept", "/echo/", "X@Bad: two"),
			get("header over small buffer", "/echo/", "X-Pad: "+strings.Repeat("p", 150)),
			get("header line over large buffer", "/echo/", "X-Pad: "+strings.Repeat("p", 600)),
			get("uri over large buffer", "/echo/"+strings.Repeat("u", 600)),
			get("headers fill both buffers", "/echo/", "X-A: "+strings.Repeat("a", 400), "X-B: "+strings.Repeat("b", 400), "X-C: "+strings.Repeat("c", 400)),
			rawN("nine pipelined", 9, pipeline.String()),
			get("underscore header dropped", "/echo/", "X_A: one").onPort2(),
			get("invalid header dropped", "/echo/", "X@Bad: two").onPort2(),
		},
	})
}

package difftest

import (
	"strings"
	"testing"
)

// TestConnection covers keep-alive settings, redirects built from the
// request (HTTP/1.0, second port), chunked framing and error_page for
// the engine's own errors.
func TestConnection(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        root {{ROOT}};
        keepalive_timeout 30 25;
        client_max_body_size 10;
        error_page 413 /err/413.txt;
        error_page 400 494 /err/400.txt;
        large_client_header_buffers 2 1k;

        location / { }
        location /err/ { internal; }
        location /ka0/ { keepalive_timeout 0; }
        location /kr1/ { keepalive_requests 1; }
        location /auto/ { autoindex on; }
        location /nochunk/ { autoindex on; chunked_transfer_encoding off; }
        location /quiet/ { log_not_found off; }
        location /mr1/ { max_ranges 1; }
        location /mr0/ { max_ranges 0; }
        location /ret/ { return 301 /f.txt; }
        location /ret-noabs/ { absolute_redirect off; return 302 /f.txt; }
        location /ret-noport/ { port_in_redirect off; return 302 /f.txt; }
        location /ret-sname/ { server_name_in_redirect on; return 302 /f.txt; }
        location /ret-rel/ { return 302 relative; }
        location /echo/ { default_type text/plain; return 200 "ok\n"; }
    }`,
		files: map[string]string{
			"f.txt":         "0123456789\n",
			"dir/":          "",
			"err/413.txt":   "custom 413\n",
			"err/400.txt":   "custom 400\n",
			"ka0/f.txt":     "f\n",
			"kr1/f.txt":     "f\n",
			"auto/a.txt":    "a\n",
			"nochunk/a.txt": "a\n",
			"mr1/f.txt":     "0123456789\n",
			"mr0/f.txt":     "0123456789\n",
			"quiet/":        "",
		},
		cases: []tc{
			get("keep-alive header", "/f.txt", "Connection: keep-alive").keep(),
			get("keepalive_timeout 0", "/ka0/f.txt", "Connection: keep-alive"),
			rawN("keepalive_requests 1", 1, "GET /kr1/f.txt HTTP/1.1\r\nHost: localhost\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("http10 default close", "GET /f.txt HTTP/1.0\r\nHost: localhost\r\n\r\n"),
			raw("http10 keep-alive header", "GET /f.txt HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("http11 connection close", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("connection header list", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: foo, close\r\n\r\n"),
			raw("connection upgrade ignored", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n").keep(),
			get("dir redirect port2", "/dir").onPort2(),
			raw("dir redirect http10", "GET /dir HTTP/1.0\r\n\r\n"),
			raw("dir redirect http10 host", "GET /dir HTTP/1.0\r\nHost: example.com\r\n\r\n"),
			get("return redirect", "/ret/"),
			get("return redirect absolute_redirect off", "/ret-noabs/"),
			get("return redirect port_in_redirect off", "/ret-noport/").onPort2(),
			get("return redirect server_name_in_redirect", "/ret-sname/", "Host: other"),
			get("return redirect relative", "/ret-rel/"),
			raw("return redirect http10 no host", "GET /ret/ HTTP/1.0\r\n\r\n"),
			get("autoindex chunked", "/auto/"),
			raw("autoindex http10", "GET /auto/ HTTP/1.0\r\n\r\n"),
			get("autoindex no chunked encoding", "/nochunk/"),
			get("log_not_found off", "/quiet/nope"),
			get("max_ranges 1 multi", "/mr1/f.txt", "Range: bytes=0-1,3-4"),
			get("max_ranges 1 single", "/mr1/f.txt", "Range: bytes=0-1"),
			get("max_ranges 0", "/mr0/f.txt", "Range: bytes=0-1"),
			raw("error_page for 413", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhello world"),
			raw("error_page for 400", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n"),
			raw("error_page for 494", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: "+strings.Repeat("b", 1100)+"\r\n\r\n"),
			raw("error_page for bad request line", "BAD\r\n\r\n"),
		},
	})
}

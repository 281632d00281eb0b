package difftest

import (
	"fmt"
	"strings"
	"testing"
)

// TestUpstreamKept: upstream answers cut short on a connection the
// upstream keeps open, so that the proxy's read timeout ends them, and
// answers read past their framing, buffered (the event pipe's buffers
// decide what the client gets and what is read) and not.
func TestUpstreamKept(t *testing.T) {
	lines := strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopq\n", 200)
	answers := map[string]*upAnswer{}
	add := func(id, text string) {
		answers[id] = &upAnswer{bytes: []byte(text)}
	}
	add("cl-short", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly a part\n")
	add("cl-short3k", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9000\r\n\r\n"+lines[:3000])
	add("cl-short6k", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12000\r\n\r\n"+lines[:6000])
	add("chunk-short", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n20\r\nonly a part")
	add("chunk-edge", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	add("eof-kept", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nno length\n")
	add("http09", "GARBAGE\r\n\r\nsome bytes\n")
	add("http09-5k", "GARBAGE\r\n\r\n"+lines[:5000])
	add("http09-icy", "ICY 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")
	add("long9k", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9000\r\n\r\n"+lines[:12000])
	var cases []tc
	for _, id := range []string{"http09", "cl-short"} {
		for _, l := range []string{"b", "u"} {
			cases = append(cases, raw(fmt.Sprintf("%s %s client leaves", id, l), fmt.Sprintf("GET /%s/x?g=%s HTTP/1.0\r\nHost: localhost\r\n\r\n", l, id)).hangup())
		}
	}
	for _, id := range []string{"cl-short", "cl-short3k", "cl-short6k", "chunk-short", "chunk-edge", "eof-kept", "long9k", "http09", "http09-5k", "http09-icy"} {
		for _, l := range []string{"b", "b1k", "u"} {
			cases = append(cases, raw(fmt.Sprintf("%s %s", id, l), fmt.Sprintf("GET /%s/x?g=%s HTTP/1.0\r\nHost: localhost\r\n\r\n", l, id)))
		}
	}
	runSite(t, &site{
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status url=$upstream_response_length ubr=$upstream_bytes_received"';
    upstream kept { server {{B0}}; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        proxy_read_timeout 300ms;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /b/ { proxy_pass http://kept; }
        location /b1k/ { proxy_pass http://kept; proxy_buffer_size 1k; }
        location /u/ { proxy_pass http://kept; proxy_buffering off; }
    }`,
		backends: func(t *testing.T, name string) []string {
			return []string{newUpBackend(t, "k", answers, false).addr}
		},
		cases: cases,
	})
}

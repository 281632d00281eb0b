package difftest

import "testing"

// Canned upstream answers for TestUpstreamAnswers, minimised from
// TestFuzzUpstream.
func init() {
	for k, v := range map[string]string{
		"u3-http19":     "HTTP/1.9 200 Nine\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n",
		"u3-http29":     "HTTP/2.9 404 Odd\r\nContent-Length: 3\r\n\r\nok\n",
		"u3-204-type":   "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\nX-Up: 1\r\n\r\n",
		"u3-204-noreas": "HTTP/1.1 204\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
		"u3-304-extra":  "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\nstray bytes",
		"u3-204-extra":  "HTTP/1.1 204 No Content\r\nContent-Type: text/plain\r\n\r\nstray",
		"u3-badchunk":   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n",
		"u3-afterlast":  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nEXTRA",
		"u3-longer":     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1500\r\n\r\n{{BIGBODY}}",
	} {
		canned[k] = v
	}
}

// TestUpstreamAnswers: odd but readable upstream answers, with the
// upstream variables logged, buffered (/b/) and not (/u/).
func TestUpstreamAnswers(t *testing.T) {
	ans := []string{"u3-http19", "u3-http29", "u3-204-type", "u3-204-noreas", "u3-304-extra", "u3-204-extra", "u3-badchunk", "u3-afterlast"}
	var cases []pcase
	for _, a := range ans {
		cases = append(cases, pc(get(a+" buffered", "/b/?r="+a)), pc(get(a+" unbuffered", "/u/?r="+a)))
	}
	cases = append(cases,
		// more than the Content-Length, past proxy_buffer_size: the
		// reads that follow the header's (whose bytes are all there)
		// are "while sending to client", each of the buffer's size
		pc(get("u3-longer unbuffered 1k", "/u1k/?r=u3-longer")),
		// buffered: the event pipe reads the rest of the header buffer,
		// then into proxy_buffers (4k) one at a time, and stops at the
		// Content-Length: $upstream_bytes_received is 5120
		pc(get("u3-longer buffered 1k", "/b1k/?r=u3-longer")),
		pc(req("u3-304-extra head", "HEAD", "/b/?r=u3-304-extra")),
		pc(raw("u3-204-type http/1.0", "GET /b/?r=u3-204-type HTTP/1.0\r\nHost: localhost\r\n\r\n")),
	)
	runProxy(t, newPool(1), &site{
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status url=$upstream_response_length ubr=$upstream_bytes_received"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        proxy_http_version 1.0;
        location /b/ { proxy_pass http://{{B0}}; }
        location /u/ { proxy_pass http://{{B0}}; proxy_buffering off; }
        location /u1k/ { proxy_pass http://{{B0}}; proxy_buffering off; proxy_buffer_size 1k; }
        location /b1k/ { proxy_pass http://{{B0}}; proxy_buffer_size 1k; }
    }`,
	}, cases...)
}

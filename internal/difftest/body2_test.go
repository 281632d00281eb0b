package difftest

import (
	"strings"
	"testing"
)

// TestBodyDiscard compares how request bodies are discarded: large
// bodies followed by a pipelined request, chunk extensions and trailers,
// Expect with the body already sent or not, limits on chunked bodies.
func TestBodyDiscard(t *testing.T) {
	big := strings.Repeat("b", 70000)
	hex := itox
	runSite(t, &site{
		http: `
    log_format body '$status $request_length [$content_length] $request_method $uri';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log body;
        client_max_body_size 100k;
        location /r/ { return 200 "ok\n"; }
        location /small/ { client_max_body_size 10; return 200 "small\n"; }
        location /nolimit/ { client_max_body_size 0; return 200 "nolimit\n"; }
        location /psmall/ { client_max_body_size 10; proxy_pass http://127.0.0.1:{{PORT}}/r/; }
    }`,
		files: map[string]string{"f.txt": "file\n"},
		cases: []tc{
			rawN("big body then pipelined", 2, "POST /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n"+big+"GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			// known: see the reason below.
			rawN("big chunked then pipelined", 2, "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"+hex(70000)+"\r\n"+big+"\r\n0\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").
				known("nginx logs after the discarded body is drained ($content_length 0) and subtracts the pipelined request from $request_length once a chunked body outgrew the header buffer (nginx/nginx#1546, open in 1.31); weir logs before draining and does not copy the subtraction"),
			rawN("big body to static then pipelined", 2, "POST /f.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 70000\r\n\r\n"+big+"GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			rawN("chunk extension and trailer", 2, "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("chunk size upper hex", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"),
			raw("chunk size with spaces", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3 \r\nabc\r\n0\r\n\r\n"),
			raw("chunk missing crlf after data", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabcd\r\n0\r\n\r\n"),
			raw("chunk size overflow", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n"),
			raw("chunked over limit", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n"),
			raw("chunked over limit proxied", "POST /psmall/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcde\r\n6\r\nfghijk\r\n0\r\n\r\n").
				known("the error log line matches; in the access log nginx shows the decoded part as $content_length (its chunked filter adds each chunk to content_length_n) and leaves the preread body bytes out of $request_length when the body is refused; weir shows no $content_length for a chunked body and counts the bytes it read"),
			raw("chunked at limit", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcde\r\n5\r\nfghij\r\n0\r\n\r\n"),
			raw("length over server limit", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 200000\r\nConnection: close\r\n\r\n"),
			raw("length no limit", "POST /nolimit/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde"),
			raw("expect with body sent", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			raw("expect other value", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nExpect: something\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			raw("expect over limit", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 30\r\nConnection: close\r\n\r\n"),
			raw("expect http10", "POST /r/ HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"),
			raw("negative length", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\nConnection: close\r\n\r\n"),
			raw("length with plus", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: +3\r\nConnection: close\r\n\r\nabc"),
			raw("length with space inside", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1 2\r\nConnection: close\r\n\r\nabc"),
			raw("get with body", "GET /r/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			raw("te chunked uppercase", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: Chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"),
			raw("te gzip chunked", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"),
			raw("te identity", "POST /r/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: identity\r\nConnection: close\r\n\r\n"),
		},
	})
}

func itox(n int) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%16]}, b...)
		n /= 16
	}
	return string(b)
}

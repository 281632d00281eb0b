package difftest

import (
	"strings"
	"testing"
)

// TestEngine covers the HTTP/1.x engine as nginx answers it: malformed
// request lines, limits, Host checks, bodies, keep-alive, pipelining and
// URI normalisation.
func TestEngine(t *testing.T) {
	long := strings.Repeat("a", 9000)
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        client_max_body_size 100;
        keepalive_timeout 5;

        location / { }
        location /echo/ { default_type text/plain; return 200 "uri=$uri args=$args request_uri=$request_uri\n"; }
        location /small/ { client_max_body_size 10; default_type text/plain; return 200 "ok\n"; }
        location /unlimited/ { client_max_body_size 0; default_type text/plain; return 200 "ok\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name other.test;
        return 200 "other\n";
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        root {{ROOT}};
        merge_slashes off;
        location / { }
        location /echo/ { default_type text/plain; return 200 "uri=$uri\n"; }
    }`,
		files: map[string]string{
			"f.txt":          "file\n",
			"dir/g.txt":      "g\n",
			"a b.txt":        "space\n",
			"pct%41.txt":     "literal percent\n",
			"A.txt":          "capital\n",
			"echo/x.txt":     "x\n",
			"small/f.txt":    "small\n",
			"..hidden.txt":   "dots\n",
			"dir/.dot/h.txt": "dotdir\n",
		},
		cases: []tc{
			raw("bad request line", "GARBAGE\r\n\r\n"),
			// the virtual server of an absolute URI is set with the
			// request line: the header's notes name it
			raw("invalid header line after an absolute URI", "GET http://other.test/x HTTP/1.1\r\nB\xe4d: x\r\nConnection: close\r\n\r\n"),
			raw("invalid header line before the Host", "GET /echo/ HTTP/1.1\r\nB\xe4d: x\r\nHost: other.test\r\nConnection: close\r\n\r\n"),
			raw("lowercase method", "get /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("unknown method", "FOO /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("method with digits", "GE7 /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("bad version", "GET /f.txt HTTP/2.0\r\nHost: localhost\r\n\r\n"),
			raw("version 1.2", "GET /f.txt HTTP/1.2\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("version garbage", "GET /f.txt HTTX/1.1\r\nHost: localhost\r\n\r\n"),
			raw("uri without slash", "GET f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("space in uri", "GET /a b.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("bare lf", "GET /f.txt HTTP/1.1\nHost: localhost\nConnection: close\n\n"),
			raw("header without colon", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nBroken\r\n\r\n"),
			raw("header with space before colon", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX-A : b\r\nConnection: close\r\n\r\n"),
			raw("header with underscore", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX_A: b\r\nConnection: close\r\n\r\n"),
			raw("obs fold", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX-A: b\r\n c\r\nConnection: close\r\n\r\n"),
			raw("too long uri", "GET /"+long+" HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("too large header", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX-Big: "+long+"\r\n\r\n"),
			raw("many headers too large in total", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\n"+strings.Repeat("X-Fill: "+strings.Repeat("b", 4000)+"\r\n", 9)+"\r\n"),
			raw("cookie too large", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nCookie: "+long+"\r\n\r\n"),
			raw("http11 without host", "GET /f.txt HTTP/1.1\r\nConnection: close\r\n\r\n"),
			raw("invalid host", "GET /f.txt HTTP/1.1\r\nHost: bad/host\r\n\r\n"),
			raw("duplicate host", "GET /f.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
			raw("host with space", "GET /f.txt HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n"),
			raw("http10 without host", "GET /f.txt HTTP/1.0\r\n\r\n"),
			raw("http10 keep-alive", "GET /f.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("http10 keep-alive on 404", "GET /missing HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("http11 keep-alive default", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n").keep(),
			rawN("keep-alive two requests", 2, "GET /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\nGET /dir/g.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			rawN("pipelined with 404", 2, "GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			rawN("pipelined head then get", 2, "HEAD /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").headOnly(),
			rawN("pipelined after bad request", 1, "BAD\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			rawN("pipelined post with body", 2, "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhelloGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			split("request line in pieces", "GE", "T /f.txt HT", "TP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			split("header in pieces", "GET /f.txt HTTP/1.1\r\nHo", "st: localhost\r", "\nConnection: close\r\n", "\r\n"),
			split("body in pieces", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello", "world"),
			split("chunked body in pieces", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhel", "lo\r\n0\r\n", "\r\n"),
			split("big header over buffers", "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nX-A: "+strings.Repeat("a", 900), strings.Repeat("b", 900)+"\r\nConnection: close\r\n\r\n"),
			raw("post content-length to static", "POST /f.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"),
			raw("post chunked to static", "POST /f.txt HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
			rawN("post chunked keep-alive", 2, "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("bad chunk size", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
			raw("content-length and chunked", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
			raw("unknown transfer-encoding", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\n\r\n"),
			raw("transfer-encoding in http10", "POST /echo/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
			raw("invalid content-length", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n"),
			raw("duplicate content-length", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"),
			raw("body too large", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 101\r\n\r\n"),
			raw("body too large small location", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\nhello world"),
			raw("body within limit", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhelloworld"),
			raw("body unlimited", "POST /unlimited/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n"+strings.Repeat("x", 1000)),
			raw("chunked body too large", "POST /small/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n14\r\n01234567890123456789\r\n0\r\n\r\n"),
			raw("expect 100-continue", "POST /echo/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nhello"),
			raw("trace", "TRACE / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
			raw("connect", "CONNECT localhost:80 HTTP/1.1\r\nHost: localhost\r\n\r\n").
				known("nginx 1.22 cannot parse the authority form (400, request line invalid); weir follows the newer nginx parser, which reads it and refuses CONNECT with 405"),
			raw("connect with path", "CONNECT / HTTP/1.1\r\nHost: localhost\r\n\r\n").
				known("nginx 1.22 parses it and refuses CONNECT with 405; the newer parser weir follows wants the authority form and answers 400"),
			get("merge slashes", "//dir///g.txt"),
			get("merge slashes off", "//echo//x").onPort2(),
			get("dot segments", "/dir/./g.txt"),
			get("dotdot inside", "/dir/../f.txt"),
			get("dotdot above root", "/../f.txt"),
			get("dotdot above root deep", "/dir/../../etc/passwd"),
			get("encoded dotdot", "/%2e%2e/f.txt"),
			get("encoded slash dotdot", "/dir/..%2ff.txt"),
			get("dot file", "/..hidden.txt"),
			get("dot dir", "/dir/.dot/h.txt"),
			get("percent encoded", "/%66.txt"),
			get("percent encoded space", "/a%20b.txt"),
			get("percent encoded percent", "/pct%2541.txt"),
			get("percent encoded upper case", "/%41.txt"),
			get("bad percent encoding", "/%zz.txt"),
			get("truncated percent", "/f.txt%"),
			get("percent nul", "/f.txt%00"),
			get("percent nul in args", "/echo/?a=%00"),
			get("args kept raw", "/echo/a%20b?x=%20y&z"),
			get("encoded question mark", "/echo/a%3Fb"),
			get("hash in uri", "/echo/a#frag"),
			get("absolute uri", "http://localhost/echo/abs?q"),
			get("absolute uri other host", "http://other/echo/abs"),
			get("asterisk uri", "*"),
			get("utf-8 uri", "/echo/caf\xc3\xa9"),
			get("control char in uri", "/echo/a\x01b"),
			get("backslash in uri", "/echo/a\\b"),
		},
	})
}

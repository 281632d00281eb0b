package difftest

import (
	"strconv"
	"strings"
	"testing"
)

// postBody is a POST with a Content-Length body.
func postBody(name, uri, body string, hdr ...string) tc {
	c := req(name, "POST", uri, append(hdr, "Content-Length: "+itoa(len(body)))...)
	c.req += body
	return c
}

// postChunked is a POST with a chunked body in two chunks.
func postChunked(name, uri, a, b string, hdr ...string) tc {
	c := req(name, "POST", uri, append(hdr, "Transfer-Encoding: chunked")...)
	c.req += hex(len(a)) + "\r\n" + a + "\r\n" + hex(len(b)) + "\r\n" + b + "\r\n0\r\n\r\n"
	return c
}

func itoa(n int) string { return strconv.Itoa(n) }
func hex(n int) string  { return strconv.FormatInt(int64(n), 16) }

// TestProxyForward covers the request nginx builds for the upstream: the
// URI with and without a URI part in proxy_pass, in every kind of
// location, after rewrites, with variables; the headers it adds, drops and
// sets; the body. The backend echoes the request byte for byte.
func TestProxyForward(t *testing.T) {
	runProxy(t, newPool(1), &site{
		http: `
    proxy_http_version 1.0;
    upstream grp { server {{B0}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        proxy_set_header X-Srv srv-level;
        location /plain/ { proxy_pass http://{{B0}}; }
        location /uri/ { proxy_pass http://{{B0}}/other/; }
        location /uri-noslash { proxy_pass http://{{B0}}/x; }
        location = /exact { proxy_pass http://{{B0}}/e; }
        location /grp/ { proxy_pass http://grp; }
        location /grpuri/ { proxy_pass http://grp/g/; }
        location ~ ^/re/(.*)$ { proxy_pass http://{{B0}}; }
        location ~ ^/recap/(.*)$ { proxy_pass http://{{B0}}/cap/$1$is_args$args; }
        location @named { proxy_pass http://{{B0}}; }
        location /to-named/ { try_files /nonexistent @named; }
        location /if/ {
            if ($arg_x) { proxy_pass http://{{B0}}; }
            default_type text/plain;
            return 200 "no x\n";
        }
        location /var/ { set $grp grp; proxy_pass http://$grp; }
        location /varuri/ { set $grp grp; proxy_pass http://$grp/fixed$is_args$args; }
        location /varaddr/ { proxy_pass http://{{B0}}$request_uri; }
        location /varhostport/ { set $h 127.0.0.1; set $p {{B0PORT}}; proxy_pass http://$h:$p; }
        location /rwbreak/ { rewrite ^/rwbreak/(.*)$ /changed/$1 break; proxy_pass http://{{B0}}/ignored/; }
        location /rwbreak-args/ { rewrite ^/rwbreak-args/(.*)$ /changed/$1?added=1 break; proxy_pass http://{{B0}}; }
        location /rwlast/ { rewrite ^/rwlast/(.*)$ /plain/$1 last; }
        location /hdr/ {
            proxy_set_header Host $host;
            proxy_set_header X-Empty "";
            proxy_set_header User-Agent "";
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-FF $proxy_add_x_forwarded_for;
            proxy_set_header X-Proxy "$proxy_host $proxy_port";
            proxy_set_header X-Var $arg_v;
            proxy_pass http://{{B0}};
        }
        location /hostport/ { proxy_set_header Host $host:$server_port; proxy_pass http://{{B0}}; }
        location /conn/ { proxy_set_header Connection "upgrade"; proxy_set_header Upgrade $http_upgrade; proxy_pass http://{{B0}}; }
        location /nohdrs/ { proxy_pass_request_headers off; proxy_pass http://{{B0}}; }
        location /nobody/ { proxy_pass_request_body off; proxy_pass http://{{B0}}; }
        location /nobody-nolen/ { proxy_pass_request_body off; proxy_set_header Content-Length ""; proxy_pass http://{{B0}}; }
        location /setbody/ { proxy_set_body "body=$arg_v"; proxy_pass http://{{B0}}; }
        location /method/ { proxy_method PUT; proxy_pass http://{{B0}}; }
        location /unbuf/ { proxy_request_buffering off; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://{{B0}}; }
        location /unbuf10/ { proxy_request_buffering off; proxy_pass http://{{B0}}; }
        location /ws/ {
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_pass http://{{B0}};
        }
        location /varnone/ { proxy_pass http://$arg_g; }
        location /http11/ { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://{{B0}}; }
    }`,
	},
		pc(get("prefix without uri", "/plain/a?b=1&c")),
		pc(get("prefix with uri", "/uri/a/b?q=1")),
		pc(get("prefix with uri exact", "/uri/")),
		pc(get("uri without slash", "/uri-noslash/y?z")),
		pc(get("uri without slash 2", "/uri-nosla")),
		pc(get("exact with uri", "/exact?a=1")),
		pc(get("upstream group", "/grp/x?y=2")),
		pc(get("upstream group with uri", "/grpuri/x")),
		pc(get("regex location", "/re/a%20b?x=1")),
		pc(get("regex with captures", "/recap/a%20b/c?z=1")),
		pc(get("regex with captures no args", "/recap/a+b")),
		pc(get("named location", "/to-named/x?n=1")),
		pc(get("if location", "/if/x?x=1")),
		pc(get("if location not taken", "/if/x")),
		pc(get("variable group", "/var/v?a=1")),
		pc(get("variable group with uri", "/varuri/v?a=1")),
		pc(get("variable address request_uri", "/varaddr/a%2Fb?c=%20")),
		pc(get("variable host and port", "/varhostport/z?k")),
		pc(get("rewrite break", "/rwbreak/a?b=1")),
		pc(get("rewrite break encoded", "/rwbreak/a%20b%2Fc?b=1")),
		pc(get("rewrite break added args", "/rwbreak-args/a?b=1")),
		pc(get("rewrite last", "/rwlast/a?b=1")),
		pc(get("encoded space", "/plain/a%20b")),
		pc(get("encoded slash", "/plain/a%2Fb")),
		pc(get("plus sign", "/plain/a+b?c=d+e")),
		pc(get("encoded with uri part", "/uri/a%20b/%2F+x?q=a%20b")),
		pc(get("dot segments with uri part", "/uri/a/../b/./c")),
		pc(get("double slash", "/plain//a//b")),
		pc(get("unsafe chars", "/uri/a\"b<c>")),
		pc(get("utf8 encoded", "/uri/%D0%B6")),
		pc(get("client headers", "/plain/h",
			"User-Agent: ua/1", "Accept: */*", "X-Custom: v", "x-lower-case: a", "X-Dup: 1", "X-Dup: 2",
			"Cookie: a=1", "Cookie: b=2", "Keep-Alive: 300", "TE: trailers", "Upgrade: websocket",
			"Proxy-Connection: keep-alive", "X-Forwarded-For: 10.0.0.1")),
		pc(get("connection keep-alive from client", "/plain/ka", "Connection: keep-alive").keep()),
		pc(get("connection custom token", "/plain/ct", "Connection: close, X-Foo", "X-Foo: bar")),
		pc(get("headers set", "/hdr/h?v=val", "Host: Example.TEST:81", "User-Agent: ua", "X-Empty: client", "X-Forwarded-For: 10.0.0.1")),
		pc(get("headers set no xff", "/hdr/h", "X-Real-IP: spoof")),
		pc(get("headers set empty var", "/hdr/h")),
		pc(get("host with port", "/hostport/x", "Host: a.test")),
		pc(get("connection upgrade set", "/conn/x", "Upgrade: websocket")),
		pc(get("no request headers", "/nohdrs/x", "X-Custom: dropped", "User-Agent: ua")),
		pc(postBody("no request headers post", "/nohdrs/p", "hello", "X-A: 1")),
		// nginx keeps the client's Content-Length without sending the body
		// (the backend waits for it, then closes: 502); the usual idiom
		// drops the header.
		pc(postBody("no request body", "/nobody/p", "hello", "Content-Type: text/plain")),
		pc(get("no request body get", "/nobody/g")),
		pc(postBody("no request body no length", "/nobody-nolen/p", "hello", "Content-Type: text/plain")),
		pc(postBody("set body", "/setbody/p?v=42", "original", "Content-Type: text/plain")),
		pc(get("set body on get", "/setbody/g?v=1")),
		pc(get("method changed", "/method/m")),
		pc(postBody("method changed post", "/method/m", "data")),
		pc(postBody("post content-length", "/plain/p?x", "a=1&b=2", "Content-Type: application/x-www-form-urlencoded")),
		pc(postBody("post empty", "/plain/p", "")),
		pc(postChunked("post chunked", "/plain/c", "hello ", "world")),
		pc(postBody("post expect continue", "/plain/e", "abc", "Expect: 100-continue")),
		pc(postBody("put", "/plain/put", "xyz")),
		pc(req("delete", "DELETE", "/plain/d")),
		pc(req("options", "OPTIONS", "/plain/o")),
		pc(req("head", "HEAD", "/plain/h")),
		pc(req("custom method", "PROPFIND", "/plain/pf")),
		pc(raw("http/1.0 client", "GET /plain/10 HTTP/1.0\r\nHost: localhost\r\nX-A: 1\r\n\r\n")),
		pc(raw("no host header http/1.0", "GET /plain/10 HTTP/1.0\r\n\r\n")),
		pc(raw("absolute uri", "GET http://abs.test/plain/abs?q HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")),
		pc(raw("header with odd spacing", "GET /plain/sp HTTP/1.1\r\nHost: localhost\r\nX-Sp:   lots of space   \r\nX-Tab:\tt\r\nConnection: close\r\n\r\n").known("nginx 1.22 keeps a tab before a header value; current nginx skips it as white space, as weir does")),
		pc(get("http 1.1 upstream", "/http11/x")),
		pc(get("variable naming no group", "/varnone/x?g=nosuch")),
		pc(get("variable naming a group", "/varnone/x?g=grp")),
		pc(get("large response", "/plain/x?r=big")),
		pc(postChunked("http 1.1 upstream chunked body", "/http11/c", "hello ", "world")),
		pc(postChunked("unbuffered chunked body http 1.1", "/unbuf/c", "hello ", "world").known("nginx sends a chunked body that arrived whole with the header with a Content-Length even when proxy_request_buffering is off (it was never reading_body); weir streams it chunked as it does any unbuffered chunked body")),
		pc(postBody("unbuffered body http 1.1", "/unbuf/p", "hello")),
		pc(postChunked("unbuffered chunked body http 1.0", "/unbuf10/c", "hello ", "world")),
		pc(postBody("large body to temp file", "/plain/big", strings.Repeat("0123456789abcdef", 1500))),
		pc(postChunked("large chunked body", "/plain/bigc", strings.Repeat("x", 9000), strings.Repeat("y", 9000))),
		pc(get("websocket upgrade", "/ws/?r=ws", "Upgrade: websocket", "Sec-WebSocket-Key: abc", "Connection: Upgrade")),
	)
}

// TestProxyResponse covers what nginx makes of the upstream's response:
// the status line, the headers it hides and passes, Location and Refresh
// rewriting, Set-Cookie rewriting, intercepted errors, X-Accel-Redirect,
// the ways a response can end, and broken responses.
func TestProxyResponse(t *testing.T) {
	runProxy(t, newPool(1), &site{
		files: map[string]string{
			"files/a.txt":   "file a\n",
			"err404.html":   "custom 404 page\n",
			"internal.html": "internal page\n",
		},
		http: `
    proxy_http_version 1.0;
    upstream grp { server {{B0}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        location /r/ { proxy_pass http://{{B0}}; }
        location /hide/ {
            proxy_hide_header X-Foo;
            proxy_hide_header x-bar;
            proxy_pass_header Server;
            proxy_pass_header X-Accel-Expires;
            proxy_pass http://{{B0}};
        }
        location /passdate/ { proxy_pass_header Date; proxy_pass http://{{B0}}; }
        location /app/ { proxy_pass http://{{B0}}/app/; }
        location /front/ { proxy_pass http://{{B0}}/app/; }
        location /app-off/ { proxy_redirect off; proxy_pass http://{{B0}}/app/; }
        location /app-custom/ {
            proxy_redirect http://{{B0}}/app/ http://custom.test/c/;
            proxy_redirect http://other.test/ /o/;
            proxy_pass http://{{B0}}/app/;
        }
        location /app-regex/ { proxy_redirect ~^http://[^/]+/app/(.*)$ /rx/$1; proxy_pass http://{{B0}}/app/; }
        location /app-regex-i/ { proxy_redirect ~*^HTTP://OTHER\.TEST/(.*)$ http://$host/i/$1; proxy_pass http://{{B0}}/app/; }
        location /app-var/ { proxy_redirect http://$proxy_host/app/ /v/; proxy_pass http://{{B0}}/app/; }
        location /app-default-and/ { proxy_pass http://{{B0}}/app/; proxy_redirect default; proxy_redirect http://other.test/ /o2/; }
        location /app-grp/ { proxy_pass http://grp/app/; }
        location /app-norel/ { absolute_redirect off; proxy_pass http://{{B0}}/app/; }
        location /cookie/ {
            proxy_cookie_domain backend.test front.test;
            proxy_cookie_path /app/ /front/;
            proxy_pass http://{{B0}};
        }
        location /cookie-re/ {
            proxy_cookie_domain ~\.?(?<d>[a-z]+)\.test$ $d.example;
            proxy_cookie_path ~*^/APP(.*)$ /x$1;
            proxy_pass http://{{B0}};
        }
        location /cookie-off/ { proxy_cookie_domain off; proxy_cookie_path off; proxy_pass http://{{B0}}; }
        location /intercept/ {
            proxy_intercept_errors on;
            error_page 404 /err404.html;
            error_page 500 = @fallback;
            error_page 503 =200 /internal.html;
            proxy_pass http://{{B0}};
        }
        location /nointercept/ { error_page 404 /err404.html; proxy_pass http://{{B0}}; }
        location /intercept-noerrpage/ { proxy_intercept_errors on; proxy_pass http://{{B0}}; }
        location @fallback { return 200 "fallback uri=$uri status=$status up=$upstream_status\n"; }
        location /files/ { internal; }
        location @named { return 200 "named uri=$uri args=$args\n"; }
        location /show { return 200 "show uri=$uri args=$args\n"; }
        location /internal-proxy/ { internal; proxy_pass http://{{B0}}/; }
        location /xaccel-ignored/ { proxy_ignore_headers X-Accel-Redirect; proxy_pass http://{{B0}}; }
        location /unbuffered/ { proxy_buffering off; proxy_pass http://{{B0}}; }
        location /small/ { proxy_buffer_size 1k; proxy_pass http://{{B0}}; }
    }`,
	},
		pc(get("reason text passed", "/r/?r=fine")),
		pc(get("no reason text", "/r/?r=noreason")),
		pc(get("hidden by default", "/r/?r=hidden")),
		pc(get("hide and pass header", "/hide/?r=hidden")),
		pc(get("pass date", "/passdate/?r=hidden")),
		pc(get("repeated headers", "/r/?r=multi")),
		pc(get("hop by hop from upstream", "/r/?r=upgrade")),
		pc(get("validators and encoding", "/r/?r=gzip")),
		pc(get("expires passed", "/r/?r=expires")),
		pc(get("redirect default", "/app/x?r=loc-self")),
		pc(get("redirect default other prefix", "/front/x?r=loc-self")),
		pc(get("redirect default refresh", "/app/x?r=loc-other")),
		pc(get("redirect default relative", "/app/x?r=loc-relative")),
		pc(get("redirect default 201", "/app/x?r=loc-201")),
		pc(get("redirect off", "/app-off/x?r=loc-self")),
		pc(get("redirect custom", "/app-custom/x?r=loc-self")),
		pc(get("redirect custom other", "/app-custom/x?r=loc-other")),
		pc(get("redirect regex", "/app-regex/x?r=loc-self")),
		pc(get("redirect regex caseless", "/app-regex-i/x?r=loc-other")),
		pc(get("redirect with variable", "/app-var/x?r=loc-self")),
		pc(get("redirect default and custom", "/app-default-and/x?r=loc-other")),
		pc(get("redirect default and custom self", "/app-default-and/x?r=loc-self")),
		pc(get("redirect group name", "/app-grp/x?r=loc-group")),
		pc(get("redirect without absolute_redirect", "/app-norel/x?r=loc-self")),
		pc(get("cookie domain and path", "/cookie/?r=cookies")),
		pc(get("cookie regex", "/cookie-re/?r=cookies")),
		pc(get("cookie off", "/cookie-off/?r=cookies")),
		pc(get("intercept 404 to error page", "/intercept/?r=s404")),
		pc(get("intercept 500 to named", "/intercept/?r=s500")),
		pc(get("intercept 503 to 200", "/intercept/?r=s503")),
		pc(get("intercept code without error page", "/intercept/?r=s502")),
		pc(get("intercept 200 untouched", "/intercept/x")),
		pc(get("no intercept", "/nointercept/?r=s404")),
		pc(get("intercept without error pages", "/intercept-noerrpage/?r=s404")),
		pc(get("x-accel-redirect to file", "/r/?r=xaccel-file")),
		pc(get("x-accel-redirect to named", "/r/?r=xaccel-named")),
		pc(get("x-accel-redirect with args", "/r/?r=xaccel-args")),
		pc(get("x-accel-redirect to proxy", "/r/?r=xaccel-proxy")),
		pc(get("x-accel-redirect ignored", "/xaccel-ignored/?r=xaccel-file")),
		pc(req("x-accel-redirect head", "HEAD", "/r/?r=xaccel-file")),
		pc(get("http/1.0 response without length", "/r/?r=http10")),
		pc(get("http/1.1 response without length", "/r/?r=nolength")),
		pc(get("chunked response", "/r/?r=chunked")),
		pc(req("head echo", "HEAD", "/r/h")),
		pc(req("head chunked", "HEAD", "/r/?r=chunked")),
		pc(get("204 from upstream", "/r/?r=s204")),
		pc(get("304 from upstream", "/r/?r=s304")),
		pc(get("404 from upstream", "/r/?r=s404")),
		pc(get("503 from upstream", "/r/?r=s503")),
		pc(get("100 continue then 200", "/r/?r=continue").known("nginx 1.22 takes an upstream's 100 for the final answer and passes the real one as its body; weir drops interim 1xx answers (not 101) and passes the final one, as RFC 9110 asks of a proxy")),
		pc(get("too big header", "/small/?r=bigheader")),
		pc(get("garbage instead of status line", "/r/?r=garbage")),
		pc(get("invalid header line", "/r/?r=badheader")),
		pc(get("header with empty name", "/r/?r=badheader2")),
		pc(get("invalid status code", "/r/?r=badstatus")),
		pc(get("no status line http/0.9", "/r/?r=http09")),
		pc(get("duplicate content-length", "/r/?r=dupcl").known("nginx 1.23.0 rejects a duplicate Content-Length from upstream with 502 \"upstream sent duplicate header line\"; 1.22 takes the first and then finds the body short")),
		pc(get("transfer-encoding identity", "/r/?r=te-identity").known("nginx 1.23.0 rejects a Transfer-Encoding other than chunked with 502 \"upstream sent unknown Transfer-Encoding\"; 1.22 ignores it")),
		pc(get("transfer-encoding and content-length", "/r/?r=te-and-cl").known("nginx 1.23.0 rejects Content-Length with Transfer-Encoding from upstream with 502; 1.22 uses the chunked framing")),
		pc(get("close mid body", "/r/?r=midbody")),
		pc(get("close mid chunk", "/r/?r=midchunk")),
		pc(get("invalid chunk", "/r/?r=badchunk")),
		// X-Accel-Buffering: "yes" or "no" in any case, the last one
		// counts, other values change nothing (the error's action tells
		// a buffered answer, "reading upstream", from an unbuffered one)
		pc(get("x-accel-buffering off is no value", "/unbuffered/?r=xab-off")),
		pc(get("x-accel-buffering no then YES", "/unbuffered/?r=xab-noyes")),
		pc(get("x-accel-buffering yes then no", "/r/?r=xab-yesno")),
		pc(get("close inside header", "/r/?r=headeronly")),
		with(get("close before header", "/r/close"), 0, modeClose),
		with(get("reset before header", "/r/reset"), 0, modeReset),
	)
}

// TestProxyForceRanges: proxy_force_ranges makes the range filter cut one
// range out of an upstream's 200 (the upstream's own Accept-Ranges
// dropped); several ranges, an If-Range that does not match, or a status
// other than 200 give the whole response; an unsatisfiable range gives
// 416.
func TestProxyForceRanges(t *testing.T) {
	runProxy(t, newPool(1), &site{
		http: `
    proxy_http_version 1.0;
    server {
        listen 127.0.0.1:{{PORT}};
        location /on/ { proxy_pass http://{{B0}}; proxy_force_ranges on; add_header X-Added yes; }
        location /unbuf/ { proxy_pass http://{{B0}}; proxy_force_ranges on; proxy_buffering off; }
        location /off/ { proxy_pass http://{{B0}}; }
        location /max0/ { proxy_pass http://{{B0}}; proxy_force_ranges on; max_ranges 0; }
    }`,
	},
		pc(get("no range", "/on/a?r=ranged")),
		pc(get("one range", "/on/a?r=ranged", "Range: bytes=0-5")),
		pc(get("suffix range", "/on/a?r=ranged", "Range: bytes=-4")),
		pc(get("open range", "/on/a?r=ranged", "Range: bytes=3-")),
		pc(get("two ranges", "/on/a?r=ranged", "Range: bytes=0-1,4-5")),
		pc(get("unsatisfiable", "/on/a?r=ranged", "Range: bytes=100000-")),
		pc(get("bad range", "/on/a?r=ranged", "Range: bytes=x-y")),
		pc(get("if-range etag", "/on/a?r=ranged", "Range: bytes=0-5", `If-Range: "r1"`)),
		pc(get("if-range other etag", "/on/a?r=ranged", "Range: bytes=0-5", `If-Range: "r2"`)),
		pc(get("if-range date", "/on/a?r=ranged", "Range: bytes=0-5", "If-Range: Thu, 01 Jan 2015 00:00:00 GMT")),
		pc(get("if-range other date", "/on/a?r=ranged", "Range: bytes=0-5", "If-Range: Fri, 02 Jan 2015 00:00:00 GMT")),
		pc(get("range of a 404", "/on/a?r=s404", "Range: bytes=0-5")),
		pc(get("unbuffered range", "/unbuf/a?r=ranged", "Range: bytes=2-9")),
		pc(req("range head", "HEAD", "/on/a?r=ranged", "Range: bytes=0-5")),
		pc(get("range kept alive", "/on/a?r=ranged", "Range: bytes=0-2").keep()),
		pc(get("without force_ranges", "/off/a?r=ranged", "Range: bytes=0-5")),
		pc(get("max_ranges 0", "/max0/a?r=ranged", "Range: bytes=0-5")),
	)
}

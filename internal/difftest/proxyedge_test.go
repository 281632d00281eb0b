package difftest

import "testing"

// Canned upstream answers for TestProxyEdges: odd framings and headers.
func init() {
	for k, v := range map[string]string{
		"e-obsfold":    "HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\nContent-Length: 3\r\n\r\nok\n",
		"e-spacecolon": "HTTP/1.1 200 OK\r\nX-A : v\r\nContent-Length: 3\r\n\r\nok\n",
		"e-underscore": "HTTP/1.1 200 OK\r\nX_Under: v\r\nX-Nosp:v\r\nX-Trail: v  \r\nContent-Length: 3\r\n\r\nok\n",
		"e-twospace":   "HTTP/1.1 200  Two Spaces\r\nContent-Length: 3\r\n\r\nok\n",
		"e-999":        "HTTP/1.1 999 Odd\r\nContent-Length: 3\r\n\r\nok\n",
		"e-099":        "HTTP/1.1 099 Low\r\nContent-Length: 3\r\n\r\nok\n",
		"e-http2":      "HTTP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n",
		"e-lower":      "http/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n",
		"e-101":        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nhello tunnel\n",
		"e-102":        "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n",
		"e-cl-bad":     "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok\n",
		"e-cl-neg":     "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok\n",
		"e-cl-space":   "HTTP/1.1 200 OK\r\nContent-Length:  3  \r\n\r\nok\n",
		"e-204-body":   "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello",
		"e-304-cl":     "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\n",
		"e-charset":    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Accel-Charset: koi8-r\r\nContent-Length: 3\r\n\r\nok\n",
		"e-charset-ct": "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nX-Accel-Charset: koi8-r\r\nContent-Length: 3\r\n\r\nok\n",
		"e-xa-hdrs": "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/a.txt\r\nSet-Cookie: s=1\r\nCache-Control: no-store\r\n" +
			"Expires: Thu, 01 Jan 2015 00:00:00 GMT\r\nContent-Type: text/html\r\nLast-Modified: Thu, 01 Jan 2015 00:00:00 GMT\r\n" +
			"ETag: \"up\"\r\nWWW-Authenticate: Basic\r\nContent-Disposition: inline\r\nLocation: /loc\r\nRefresh: 3\r\nLink: <x>\r\nContent-Length: 0\r\n\r\n",
		"e-xa-unsafe":   "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/../a.txt\r\nContent-Length: 0\r\n\r\n",
		"e-xa-enc":      "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/a%2Etxt\r\nContent-Length: 0\r\n\r\n",
		"e-xa-proxy":    "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /back/deep?r=fine\r\nContent-Length: 0\r\n\r\n",
		"e-xa-404":      "HTTP/1.1 404 Not Found\r\nX-Accel-Redirect: /files/a.txt\r\nContent-Length: 0\r\n\r\n",
		"e-xa-302":      "HTTP/1.1 302 Found\r\nLocation: http://x.test/\r\nX-Accel-Redirect: /files/a.txt\r\nContent-Length: 0\r\n\r\n",
		"e-xa-dotdot":   "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/..\r\nContent-Length: 0\r\n\r\n",
		"e-xa-encdots":  "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/%2E%2E/a.txt?x=1\r\nContent-Length: 0\r\n\r\n",
		"e-xa-nul":      "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/a%00.txt\r\nContent-Length: 0\r\n\r\n",
		"e-xa-qmark":    "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /back/q?\r\nContent-Length: 0\r\n\r\n",
		"e-xa-lead":     "HTTP/1.1 200 OK\r\nX-Accel-Redirect: ?a=1\r\nContent-Length: 0\r\n\r\n",
		"e-xa-argdots":  "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /back/a%20b?p=/../x\r\nContent-Length: 0\r\n\r\n",
		"e-xa-empty":    "HTTP/1.1 200 OK\r\nX-Accel-Redirect: \r\nContent-Length: 3\r\n\r\nok\n",
		"e-xa-relative": "HTTP/1.1 200 OK\r\nX-Accel-Redirect: files/a.txt\r\nContent-Length: 3\r\n\r\nok\n",
		"e-cookies": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
			"Set-Cookie: a=1;path=/app/;  Domain=backend.test ;HttpOnly\r\n" +
			"Set-Cookie: b=2; Domain=backend.test; domain=.BACKEND.test; Path=/app; secure\r\n" +
			"Set-Cookie: c=3; path=/app/x;\r\n" +
			"Set-Cookie: noequals; path=/app/\r\n" +
			"Set-Cookie: e = 5 ; SameSite=lax; Path=/other\r\n" +
			"Content-Length: 3\r\n\r\nok\n",
		"e-cookies2": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
			"Set-Cookie: a=1; Secure; secure\r\n" +
			"Set-Cookie: d=4; SameSite\r\n" +
			"Set-Cookie: f=6;SameSite=STRICT; HTTPONLY\r\n" +
			"Set-Cookie: g=7; path=/app/; samesite=none;\r\n" +
			"Content-Length: 3\r\n\r\nok\n",
		"e-loc-multi": "HTTP/1.1 302 Found\r\nLocation: http://{{ADDR}}/app/one\r\nLocation: http://{{ADDR}}/app/two\r\nContent-Length: 0\r\n\r\n",
		"e-refresh":   "HTTP/1.1 200 OK\r\nRefresh: 0;URL=http://{{ADDR}}/app/r\r\nContent-Length: 3\r\n\r\nok\n",
	} {
		canned[k] = v
	}
}

// TestProxyEdges: odd upstream answers, X-Accel-* headers, cookies.
func TestProxyEdges(t *testing.T) {
	runProxy(t, newPool(1), &site{
		files: map[string]string{"files/a.txt": "file a\n"},
		http: `
    proxy_http_version 1.0;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        proxy_set_header X-Srv srv;
        location /r/ { proxy_pass http://{{B0}}; add_header X-US "$upstream_status|$upstream_addr" always; }
        location /files/ { internal; add_header X-US "$upstream_status" always; }
        location /back/ { internal; proxy_pass http://{{B0}}/; add_header X-US "$upstream_status|$upstream_addr" always; }
        location /app/ {
            proxy_cookie_domain backend.test front.test;
            proxy_cookie_path /app/ /front/;
            proxy_pass http://{{B0}}/app/;
        }
        location /cf/ {
            proxy_cookie_flags a secure httponly samesite=strict;
            proxy_cookie_flags ~^b nosecure samesite=lax;
            proxy_cookie_flags C nohttponly;
            proxy_cookie_flags D samesite=strict;
            proxy_cookie_flags ~ nosamesite samesite=none;
            proxy_pass http://{{B0}}/app/;
        }
        location /cf2/ {
            proxy_cookie_flags a nosecure;
            proxy_cookie_flags f samesite=strict nohttponly;
            proxy_cookie_flags ~^[dg]$ nosamesite;
            proxy_cookie_path /app/ /;
            proxy_pass http://{{B0}}/app/;
        }
        location /cfvar/ { proxy_cookie_flags $arg_c $arg_f; proxy_pass http://{{B0}}/app/; }
        location /cfi/ {
            proxy_cookie_flags ~ secure;
            location /cfi/in/ { proxy_pass http://{{B0}}/app/; }
            location /cfi/off/ { proxy_cookie_flags off; proxy_pass http://{{B0}}/app/; }
            location /cfi/own/ { proxy_cookie_flags e httponly; proxy_pass http://{{B0}}/app/; }
        }
        location /inh/ { proxy_pass http://{{B0}}; }
        location /own/ { proxy_set_header X-Own own; proxy_pass http://{{B0}}; }
        location /nohost/ { proxy_set_header Host ""; proxy_pass http://{{B0}}; }
        location /nohdrs/ { proxy_pass_request_headers off; proxy_set_header X-Set set; proxy_pass http://{{B0}}; }
        location /meth/ { proxy_method $arg_m; proxy_pass http://{{B0}}; }
        location /xff/ { proxy_set_header X-FF $proxy_add_x_forwarded_for; proxy_pass http://{{B0}}; }
        location /setbody/ { proxy_set_body "b=$arg_v"; proxy_pass http://{{B0}}; }
        location /novar/ { proxy_pass http://$arg_h; }
        location /ep/ { proxy_pass http://{{B0}}; proxy_intercept_errors on; error_page 404 = @ep; }
        location @ep { proxy_pass http://{{B0}}; add_header X-US "$upstream_status" always; }
    }`,
	},
		pc(get("obs-fold header", "/r/?r=e-obsfold")),
		pc(get("space before colon", "/r/?r=e-spacecolon")),
		pc(get("underscore and spacing", "/r/?r=e-underscore")),
		pc(get("two spaces in status", "/r/?r=e-twospace")),
		pc(get("status 999", "/r/?r=e-999")),
		pc(get("status 099", "/r/?r=e-099")),
		pc(get("http/2.0 status line", "/r/?r=e-http2")),
		pc(get("lower case status line", "/r/?r=e-lower")),
		pc(get("101 without upgrade", "/r/?r=e-101")),
		pc(get("102 then 200", "/r/?r=e-102").known("nginx 1.22 takes an upstream's 1xx for the final answer; weir skips interim answers as nginx does since 1.29.0 (early hints)")),
		pc(get("bad content-length", "/r/?r=e-cl-bad").known("nginx 1.23.0 rejects an invalid Content-Length from upstream with 502; 1.22 ignores it")),
		pc(get("negative content-length", "/r/?r=e-cl-neg").known("nginx 1.23.0 rejects an invalid Content-Length from upstream with 502; 1.22 ignores it")),
		pc(get("content-length with spaces", "/r/?r=e-cl-space")),
		pc(get("204 with body", "/r/?r=e-204-body")),
		pc(get("304 with length", "/r/?r=e-304-cl")),
		pc(get("x-accel-charset", "/r/?r=e-charset")),
		pc(get("x-accel-redirect headers kept", "/r/?r=e-xa-hdrs")),
		pc(get("x-accel-redirect unsafe", "/r/?r=e-xa-unsafe")),
		pc(get("x-accel-redirect encoded", "/r/?r=e-xa-enc")),
		pc(get("x-accel-redirect to proxy upstream_status", "/r/?r=e-xa-proxy")),
		pc(postBody("x-accel-redirect post becomes get", "/r/?r=e-xa-proxy", "data")),
		pc(get("x-accel-redirect on 404", "/r/?r=e-xa-404")),
		pc(get("x-accel-redirect on 302", "/r/?r=e-xa-302")),
		pc(get("x-accel-redirect empty", "/r/?r=e-xa-empty")),
		pc(get("x-accel-redirect dot dot at the end", "/r/?r=e-xa-dotdot")),
		pc(get("x-accel-redirect encoded dot dot", "/r/?r=e-xa-encdots")),
		pc(get("x-accel-redirect encoded nul", "/r/?r=e-xa-nul")),
		pc(get("x-accel-redirect empty args", "/r/?r=e-xa-qmark")),
		pc(get("x-accel-redirect args only", "/r/?r=e-xa-lead")),
		pc(get("x-accel-redirect dots in args", "/r/?r=e-xa-argdots")),
		pc(postBody("post body sent again after error_page", "/ep/?r=s404", "data=1")),
		pc(postChunked("chunked body sent again after error_page", "/ep/?r=s404", "ab", "cd")),
		pc(get("x-accel-redirect relative", "/r/?r=e-xa-relative")),
		pc(get("refresh upper url", "/app/?r=e-refresh")),
		pc(get("cookies reformatted", "/app/?r=e-cookies")),
		pc(get("cookie flags", "/cf/?r=e-cookies")),
		pc(get("cookie flags 2", "/cf/?r=e-cookies2")),
		pc(get("cookie flags with path", "/cf2/?r=e-cookies")),
		pc(get("cookie flags with path 2", "/cf2/?r=e-cookies2")),
		pc(get("cookie flags from variables", "/cfvar/?r=e-cookies2&c=F&f=samesite=Lax")),
		pc(get("cookie flags unknown flag", "/cfvar/?r=e-cookies2&c=a&f=bogus")),
		pc(get("cookie flags empty flag", "/cfvar/?r=e-cookies2&c=a")),
		pc(get("cookie flags inherited", "/cfi/in/?r=e-cookies")),
		pc(get("cookie flags off", "/cfi/off/?r=e-cookies")),
		pc(get("cookie flags own level", "/cfi/own/?r=e-cookies")),
		pc(get("two locations", "/app/?r=e-loc-multi").known("nginx 1.23.0 ignores a repeated Location (and the other single headers) with a warning, as weir does (TestProxyRepeatedHeaders); 1.22 passes both")),
		pc(get("set header inherited", "/inh/x")),
		pc(get("set header own level", "/own/x")),
		pc(get("empty host", "/nohost/x")),
		pc(get("no request headers with set", "/nohdrs/x", "X-Client: c")),
		pc(get("method from variable", "/meth/x?m=PATCH")),
		pc(get("method from empty variable", "/meth/x")),
		pc(get("xff two lines", "/xff/x", "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2")),
		pc(get("xff empty", "/xff/x", "X-Forwarded-For:")),
		pc(postChunked("set body chunked", "/setbody/x?v=1", "abc", "def")),
		pc(get("variable host no resolver", "/novar/x?h=nosuch.test")),
		pc(get("variable host ip", "/novar/x?h=127.0.0.1:1")),
		pc(get("variable host empty", "/novar/x")),
	)
}

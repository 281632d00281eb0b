package difftest

import (
	"strconv"
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
		pc(raw("header with odd spacing", "GET /plain/sp HTTP/1.1\r\nHost: localhost\r\nX-Sp:   lots of space   \r\nX-Tab:\tt\r\nConnection: close\r\n\r\n")),
		pc(get("http 1.1 upstream", "/http11/x")),
	)
}

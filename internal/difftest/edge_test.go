package difftest

import "testing"

// TestEscaping covers what happens to encoded characters on their way
// through rewrite captures, redirects and Location headers.
func TestEscaping(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;

        location / { }
        location /show/ { return 200 "uri=$uri args=$args arg_v=$arg_v request_uri=$request_uri\n"; }
        location /cap-args/ { rewrite ^/cap-args/(.*)$ /show/x?v=$1 last; }
        location /cap-uri/ { rewrite ^/cap-uri/(.*)$ /show/$1 last; }
        location /cap-redirect/ { rewrite ^/cap-redirect/(.*)$ /show/$1 redirect; }
        location /cap-redirect-args/ { rewrite ^/cap-redirect-args/(.*)$ /show/x?v=$1 redirect; }
        location /ret-uri/ { return 302 /show$uri; }
        location /ret-request-uri/ { return 302 $request_uri/x; }
        location /ret-text/ { return 200 "$uri\n"; }
        location /tf/ { try_files /nope /show/tf?u=$uri; }
        location /alias/ { alias "{{ROOT}}/dir with space/"; }
        location ~ ^/re/(.*)$ { alias "{{ROOT}}/dir with space/$1"; }
        location /plus/ { rewrite ^/plus/(.*)$ /show/x?v=$1 last; }
        location /ep/ { error_page 404 /show/ep?u=$uri; }
        location /lit-redirect/ { rewrite ^ /a%41b%20c%3Fd?e=%41 redirect; }
        location /bad-escape-redirect/ { rewrite ^ /x%zzy%4 redirect; }
        location /percent-redirect/ { rewrite ^ /x%25y%7Fz redirect; }
        location /px/ { proxy_pass http://127.0.0.1:{{PORT}}/show/; proxy_http_version 1.1; }
    }`,
		files: map[string]string{
			"dir with space/f.txt":  "spaced dir\n",
			"dir with space/inner/": "",
			"a b/":                  "",
			"pct%/":                 "",
			"q?/":                   "",
			"dq\"{x}/":              "",
		},
		cases: []tc{
			get("capture into args", "/cap-args/a%20b"),
			get("capture into args plus", "/cap-args/a+b"),
			get("capture into args ampersand", "/cap-args/a%26b"),
			get("capture into uri", "/cap-uri/a%20b"),
			get("capture into redirect", "/cap-redirect/a%20b"),
			get("capture into redirect plain", "/cap-redirect/ab"),
			get("capture into redirect unquoted ampersand", "/cap-redirect-args/a&b"),
			get("literal escapes in redirect", "/lit-redirect/"),
			get("broken escapes in redirect", "/bad-escape-redirect/"),
			get("kept escapes in redirect", "/percent-redirect/"),
			get("capture into redirect args", "/cap-redirect-args/a%20b"),
			get("capture plus in uri", "/plus/a+b"),
			get("return with uri", "/ret-uri/a%20b"),
			get("return with request_uri", "/ret-request-uri/a%20b?q=%20"),
			get("return text with decoded uri", "/ret-text/a%20b%2Fc"),
			get("try_files fallback with uri in args", "/tf/a%20b"),
			get("error_page with uri in args", "/ep/a%20b"),
			get("dir redirect with space", "/a%20b"),
			get("dir redirect with percent", "/pct%25"),
			get("dir redirect with question mark", "/q%3F"),
			get("dir redirect with space and args", "/a%20b?x=1"),
			get("alias with space", "/alias/f.txt"),
			get("alias dir redirect with space", "/alias/inner"),
			get("regex alias with space", "/re/f.txt"),
			get("regex alias dir redirect", "/re/inner"),
			// the bytes nginx 1.21.1+ escapes too (RFC 3986): " < > \ ^ ` { | }
			get("proxied uri with the RFC 3986 bytes", "/px/a%5Cb%22%7B%7C%7D%5E%60%3C%3E%27~"),
			get("capture into args with the RFC 3986 bytes", "/cap-args/a%5C%22%7B%7C%7D%5E%60%3C%3E%27~"),
			get("dir redirect with quote and braces", "/dq%22%7Bx%7D"),
		},
	})
}

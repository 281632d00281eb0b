package difftest

import "testing"

// TestHeaders covers add_header (with and without always, inheritance)
// and expires, and the access module (allow/deny).
func TestHeaders(t *testing.T) {
	runSite(t, &site{
		http: `
    add_header X-Http http-level;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        add_header X-Server srv;
        add_header X-Server-Always srv-always always;

        location / { }
        location /inherit-http/ { }
        location /own/ { add_header X-Own own; }
        location /own/nested/ { }
        location /always/ { add_header X-Always yes always; add_header X-Not no; }
        location /ah-return/ { add_header X-R r; default_type text/plain; return 200 "ok\n"; }
        location /ah-404/ { add_header X-R r; return 404; }
        location /ah-301/ { add_header X-R r; return 301 /x; }
        location /ah-500/ { add_header X-R r; add_header X-RA ra always; return 500; }
        location /ah-var/ { add_header X-Uri $uri; add_header X-Empty $http_x_nothing; add_header X-Args "a=$arg_a"; }
        location /ah-dup/ { add_header X-Dup one; add_header X-Dup two; }
        location /ah-cc/ { add_header Cache-Control no-store; }
        location /ah-if/ {
            add_header X-Outer outer;
            if ($arg_x) { add_header X-Inner inner; }
        }
        location /exp30/ { expires 30s; }
        location /expmax/ { expires max; }
        location /expepoch/ { expires epoch; }
        location /expoff/ { expires off; }
        location /expneg/ { expires -1; }
        location /exp1h/ { expires 1h; add_header Cache-Control private; }
        location /exp-return/ { expires 30s; default_type text/plain; return 200 "ok\n"; }
        location /exp-dir/ { expires 30s; }

        location /allow-local/ { allow 127.0.0.1; deny all; }
        location /deny-local/ { deny 127.0.0.1; allow all; }
        location /deny-all/ { deny all; }
        location /deny-net/ { deny 127.0.0.0/8; }
        location /allow-other/ { allow 10.0.0.0/8; deny all; }
        location /deny-nested/ {
            deny all;
            location /deny-nested/open/ { allow all; }
        }
        location /deny-return/ { deny all; return 200 "not reached\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name tokens;
        root {{ROOT}};
        server_tokens off;
        location / { }
    }`,
		files: map[string]string{
			"f.txt":                    "file\n",
			"inherit-http/f.txt":       "file\n",
			"own/f.txt":                "file\n",
			"own/nested/f.txt":         "file\n",
			"always/f.txt":             "file\n",
			"ah-var/f.txt":             "file\n",
			"ah-dup/f.txt":             "file\n",
			"ah-cc/f.txt":              "file\n",
			"ah-if/f.txt":              "file\n",
			"exp30/f.txt":              "file\n",
			"expmax/f.txt":             "file\n",
			"expepoch/f.txt":           "file\n",
			"expoff/f.txt":             "file\n",
			"expneg/f.txt":             "file\n",
			"exp1h/f.txt":              "file\n",
			"exp-dir/sub/":             "",
			"allow-local/f.txt":        "file\n",
			"deny-local/f.txt":         "file\n",
			"deny-all/f.txt":           "file\n",
			"deny-net/f.txt":           "file\n",
			"allow-other/f.txt":        "file\n",
			"deny-nested/open/f.txt":   "file\n",
			"deny-nested/closed/f.txt": "file\n",
		},
		cases: []tc{
			get("server headers", "/f.txt"),
			get("server headers on 404", "/missing"),
			get("server headers on 304", "/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("server headers on 206", "/f.txt", "Range: bytes=0-1"),
			get("server headers on 416", "/f.txt", "Range: bytes=100-"),
			get("server headers dir redirect", "/own"),
			get("inherit from server", "/inherit-http/f.txt"),
			get("own drops parent", "/own/f.txt"),
			get("nested inherits own", "/own/nested/f.txt"),
			get("always on 200", "/always/f.txt"),
			get("always on 404", "/always/missing"),
			get("add_header on return 200", "/ah-return/"),
			get("add_header on return 404", "/ah-404/"),
			get("add_header on return 301", "/ah-301/"),
			get("add_header on return 500", "/ah-500/"),
			get("add_header variables", "/ah-var/f.txt?a=1"),
			get("add_header twice", "/ah-dup/f.txt"),
			get("add_header cache-control", "/ah-cc/f.txt"),
			get("add_header in if", "/ah-if/f.txt?x=1"),
			get("add_header if false", "/ah-if/f.txt"),
			get("expires 30s", "/exp30/f.txt"),
			get("expires max", "/expmax/f.txt"),
			get("expires epoch", "/expepoch/f.txt"),
			get("expires off", "/expoff/f.txt"),
			get("expires -1", "/expneg/f.txt"),
			get("expires with cache-control", "/exp1h/f.txt"),
			get("expires on 404", "/exp30/missing"),
			get("expires on 304", "/exp30/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("expires on return", "/exp-return/"),
			get("expires on dir redirect", "/exp-dir/sub"),
			get("allow local", "/allow-local/f.txt"),
			get("deny local", "/deny-local/f.txt"),
			get("deny all", "/deny-all/f.txt"),
			get("deny all missing file", "/deny-all/missing"),
			get("deny net", "/deny-net/f.txt"),
			get("allow other only", "/allow-other/f.txt"),
			get("nested allow", "/deny-nested/open/f.txt"),
			get("nested deny", "/deny-nested/closed/f.txt"),
			get("deny with return", "/deny-return/"),
			get("server_tokens off", "/f.txt").onPort2(),
			get("server_tokens off 404", "/missing").onPort2(),
			req("server_tokens off head 404", "HEAD", "/missing").onPort2(),
			// msie_padding: MSIE and Chrome (not Opera, not Gecko) get the
			// padding comment after a 4xx/5xx page
			get("msie_padding msie 404", "/missing", "User-Agent: Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1)"),
			get("msie_padding chrome 404", "/missing", "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"),
			get("msie_padding firefox 404", "/missing", "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"),
			get("msie_padding opera 404", "/missing", "User-Agent: Opera/9.80 (compatible; MSIE 6.0)"),
			get("msie_padding chrome 301", "/exp-dir/sub", "User-Agent: Chrome/120.0"),
			get("msie_padding chrome server_tokens off", "/missing", "User-Agent: Chrome/120.0").onPort2(),
		},
	})
}

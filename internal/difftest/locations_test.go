package difftest

import "testing"

// TestLocations covers location selection: "=", "^~", the longest
// prefix, "~" and "~*" in order, nested locations, named locations,
// internal, and regex captures used by return.
func TestLocations(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        default_type text/plain;
        location = / { return 200 "exact root\n"; }
        location / { return 200 "prefix / uri=$uri\n"; }
        location /docs/ { return 200 "prefix /docs/\n"; }
        location /docs/api/ { return 200 "prefix /docs/api/\n"; }
        location ^~ /static/ { return 200 "no-regex /static/\n"; }
        location /static/deep/ { return 200 "longer prefix wins over ^~\n"; }
        location ~ \.php$ { return 200 "regex php\n"; }
        location ~* \.(jpg|png)$ { return 200 "iregex image $1\n"; }
        location ~ ^/docs/.*\.txt$ { return 200 "regex docs txt\n"; }
        location ~ \.txt$ { return 200 "regex any txt\n"; }
        location = /exact { return 200 "exact /exact\n"; }
        location /exact { return 200 "prefix /exact\n"; }
        location /outer/ {
            location /outer/inner/ { return 200 "nested inner\n"; }
            location ~ \.x$ { return 200 "nested regex\n"; }
            return 200 "outer\n";
        }
        location ~ ^/cap/(\w+)/(\d+)$ { return 200 "cap $1 $2\n"; }
        location ~ ^/named/(?<word>\w+)$ { return 200 "named $word\n"; }
        location ~ ^/redir/(.*)$ { return 301 /to/$1; }
        location /int/ { internal; return 200 "internal\n"; }
        location /to-int/ { rewrite ^/to-int/(.*)$ /int/$1 last; }
        location /go-named/ { try_files /nonexistent @fallback; }
        location @fallback { return 200 "named fallback uri=$uri\n"; }
        location /Case/ { return 200 "prefix /Case/\n"; }
        location ~ ^/seq/ { return 200 "first regex\n"; }
        location ~ ^/seq/b { return 200 "second regex\n"; }
    }`,
		cases: []tc{
			get("exact root", "/"),
			get("root with args", "/?a=1"),
			get("prefix root", "/other"),
			get("prefix docs", "/docs/"),
			get("longest prefix", "/docs/api/x"),
			get("prefix without slash", "/docs"),
			get("regex beats prefix", "/docs/a.php"),
			get("first regex in order", "/docs/a.txt"),
			get("regex other txt", "/a.txt"),
			get("no-regex prefix", "/static/a.php"),
			get("longer prefix than no-regex", "/static/deep/a.php"),
			get("case insensitive regex", "/pic.JPG"),
			get("case insensitive regex lower", "/pic.png"),
			get("case sensitive regex", "/a.PHP"),
			get("exact", "/exact"),
			get("exact not for longer", "/exact/more"),
			get("exact with args", "/exact?x=y"),
			get("nested prefix", "/outer/inner/a"),
			get("nested regex", "/outer/a.x"),
			get("nested parent", "/outer/a"),
			get("nested regex wins over nested prefix", "/outer/inner/a.x"),
			get("regex captures", "/cap/abc/123"),
			get("regex captures no match", "/cap/abc/xyz"),
			get("named captures", "/named/hello"),
			get("return with capture", "/redir/a/b?q=1"),
			get("internal from outside", "/int/x"),
			get("internal after rewrite", "/to-int/x"),
			get("named location", "/go-named/x"),
			get("named location direct", "/@fallback"),
			get("prefix case sensitive", "/case/x"),
			get("prefix case match", "/Case/x"),
			get("regex order first", "/seq/b"),
			get("encoded uri matches decoded", "/%64ocs/api/"),
			get("dot segments resolved", "/docs/../docs/api/x"),
		},
	})
}

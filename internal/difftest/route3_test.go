package difftest

import "testing"

// TestRoute3 holds the differences the routing fuzzer (fuzzroute_test.go)
// found, each cut down to a few lines.
func TestRoute3(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;

        # an internal redirect (try_files, error_page, index) runs the
        # server's rewrites again; "rewrite ... last" and named locations
        # do not
        rewrite ^/tgt$ /e.txt;
        rewrite /(\d+) /never/$1;
        if ($uri = /tgt2) { return 200 "server if uri=$uri\n"; }
        location /tf/ { try_files /nope /tgt; }
        location /tf2/ { try_files /nope /tgt2; }
        location /ep/ { error_page 404 /tgt; }
        location /idx/ { index /tgt; }
        location /last/ { rewrite ^ /tgt last; }
        location /named/ { try_files /nope @n; }
        location @n { rewrite ^ /tgt last; }
        location ~ ^/cap/(.*)$ { try_files /nope /show/$1; }
        location = /tgt { return 200 "tgt\n"; }
        location = /tgt2 { return 200 "tgt2\n"; }
        location /show/ { return 200 "show uri=$uri 1=[$1]\n"; }
    }`,
		files: map[string]string{"e.txt": "e\n", "idx/": ""},
		cases: []tc{
			get("try_files fallback through server rewrite", "/tf/x"),
			get("try_files fallback through server if", "/tf2/x"),
			get("error_page uri through server rewrite", "/ep/x"),
			get("index uri through server rewrite", "/idx/"),
			get("rewrite last skips server rewrite", "/last/x"),
			get("named location then last skips server rewrite", "/named/x"),
			get("failed server rewrite forgets location captures", "/cap/x/y"),
		},
	})
}

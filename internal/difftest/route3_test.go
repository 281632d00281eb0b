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
        # "internal" is merged down to nested locations
        location /in/ {
            internal;
            location ~ ^/in/re { return 200 "nested regex uri=$uri\n"; }
            location /in/pre/ { return 200 "nested prefix uri=$uri\n"; }
        }
        location /toin/ { error_page 404 /in/re; }
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
        location /show/ { return 200 "show uri=$uri args=$args 1=[$1]\n"; }

        # rewrite_log: "matches", "does not match" (rewrite and if
        # regexes), "rewritten data" and "rewritten redirect"; the switch
        # is read once, where the rewrite phase starts
        location /rl/ {
            rewrite_log on;
            rewrite ^/rl/nomatch$ /x;
            if ($uri ~* ^/RL/(if)/) { set $a $1; }
            if ($args !~ zz) { set $b 1; }
            rewrite ^/rl/(.*)$ /show/$1 last;
        }
        location /rlq/ { rewrite_log on; rewrite ^/rlq/(.*)$ /show/$1?n=1; }
        location /rlr/ { rewrite_log on; rewrite ^/rlr/(.*)$ /new/$1 permanent; }
        location /rlif/ { if ($arg_a) { rewrite_log on; } rewrite ^ /show/rlif; }
        # a "?" from a variable stays in the URI; only the replacement's
        # own "?" starts the args
        location /qv/ { rewrite_log on; rewrite ^/qv/(.*)$ /show/$1$is_args$args last; }
        location /qr/ { rewrite ^/qr/(.*)$ /show/$1$request_uri last; }
        # an empty URI is refused
        location /zl/ { rewrite ^ $arg_x; return 200 "uri=[$uri]\n"; }
        location /zl2/ { rewrite ^ $arg_x?a=1 last; }
        # try_files is not inherited: an if block that matched has none
        location /tfif/ { if ($uri) { } try_files /nope /e.txt; }
        location /tfif2/ { if ($arg_n) { set $x 1; } try_files /nope /e.txt; }
        # alias cannot map a URI changed by "rewrite ... break" or by a
        # rewrite and then break: an alert and 500, until an internal
        # redirect makes the location valid again
        location ~ ^/alre/(.+)$ { alias {{ROOT}}/c/$1; rewrite ^ /e.txt break; }
        location /al/ { alias {{ROOT}}/idx/; rewrite ^ /al/index.html break; }
        location /al2/ { alias {{ROOT}}/idx/; rewrite ^ /al2/; break; }
        location /al3/ { alias {{ROOT}}/idx/; rewrite ^ /al3/index.html break; error_page 500 /e.txt; }
        location /al4/ { alias {{ROOT}}/idx/; rewrite ^ /al4/ break; index /e.txt; }
        location /alrf/ { alias {{ROOT}}/idx/; rewrite ^ /alrf/index.html; return 200 "rf=[$request_filename]\n"; }
        location /alif/ { alias {{ROOT}}/idx/; rewrite ^/alif/x$ /alif/index.html; if (-f $request_filename) { return 200 "file\n"; } }
        location /alto/ { rewrite ^/alto/(.*)$ /al6/$1; }
        location /al6/ { alias {{ROOT}}/idx/; }
        # try_files under the alias of a regex location tests the alias
        # followed by the name; a file found is served from there
        location ~ ^/ra/(.*)$ { alias {{ROOT}}/idx/$1; try_files $uri =404; }
        location ~ ^/rb/(.*)$ { alias {{ROOT}}/; try_files $uri $uri/ =410; }
        location ~ ^/rc/(.*)$ { alias {{ROOT}}/idx/$1; try_files "" =404; }
        location ~ ^/rd/(.*)$ { alias {{ROOT}}/; try_files /idx/index.html =404; }
        location ~ ^/re/(.*)$ { alias {{ROOT}}/; try_files /idx/ =404; }
        location /al5/ { alias {{ROOT}}/idx/; rewrite ^ /al5/x break; return 200 "not reached\n"; }
    }`,
		files: map[string]string{"e.txt": "e\n", "idx/": "", "idx/index.html": "idx\n"},
		cases: []tc{
			get("nested regex in an internal location", "/in/re"),
			get("nested prefix in an internal location", "/in/pre/x"),
			get("nested location reached internally", "/toin/x"),
			get("try_files fallback through server rewrite", "/tf/x"),
			get("try_files fallback through server if", "/tf2/x"),
			get("error_page uri through server rewrite", "/ep/x"),
			get("index uri through server rewrite", "/idx/"),
			get("rewrite last skips server rewrite", "/last/x"),
			get("named location then last skips server rewrite", "/named/x"),
			get("failed server rewrite forgets location captures", "/cap/x/y"),
			get("rewrite_log match, no match, if", "/rl/if/x?k=1"),
			get("rewrite_log negative if", "/rl/zz?zz"),
			get("rewrite_log new args", "/rlq/a?b=1"),
			get("rewrite_log redirect", "/rlr/a%20b?c=1"),
			get("rewrite_log on in if only", "/rlif/?a=1"),
			get("question mark from is_args", "/qv/a?b=1"),
			get("question mark from request_uri", "/qr/a?b=1"),
			get("empty rewritten uri", "/zl/a"),
			get("rewritten uri from arg", "/zl/a?x=/ok"),
			get("empty rewritten uri with args", "/zl2/a?c=1"),
			get("try_files after a matching if", "/tfif/x"),
			get("try_files after an if that did not match", "/tfif2/x"),
			get("try_files after an if with set", "/tfif2/x?n=1"),
			get("regex alias after rewrite break", "/alre/x"),
			get("alias after rewrite break", "/al/x"),
			get("alias after rewrite then break, index", "/al2/x"),
			get("alias after rewrite break, error_page", "/al3/x"),
			get("alias after rewrite break, index uri", "/al4/x"),
			get("alias after rewrite break, return not reached", "/al5/x"),
			get("regex alias try_files uri", "/ra/index.html"),
			get("regex alias try_files uri and dir", "/rb/e.txt"),
			get("regex alias try_files empty name", "/rc/index.html"),
			get("regex alias try_files file", "/rd/x"),
			get("regex alias try_files dir", "/re/x"),
			get("alias request_filename after rewrite", "/alrf/x"),
			get("alias file test after rewrite", "/alif/x").known("nginx caches the failed $request_filename as not found for the rest of the request (ngx_http_get_indexed_variable marks no_cacheable only on success), so the if on the second pass is false and the file is served; weir evaluates it again"),
			get("alias location reached by rewrite", "/alto/index.html"),
		},
	})
}

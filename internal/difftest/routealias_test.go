package difftest

import "testing"

// TestRouteAliasTryFiles: try_files in a prefix location with alias, as
// ngx_http_try_files_handler does it (found by TestFuzzRoute).
func TestRouteAliasTryFiles(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format tf '$status "$request" "$uri" "$args"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log tf;

        # a name built from variables loses the location's prefix when it
        # starts with it; the URI found is the prefix and the rest
        location /al/ {
            alias {{ROOT}}/data/;
            try_files $uri $arg_f =404;
        }
        # a name written without variables is tried whole after the alias
        location /fix/ {
            alias {{ROOT}}/data/;
            try_files /fix/f.txt /sub/g.txt =404;
        }
        # the fallback loses the prefix too: "/app/index.php?$args" is
        # "index.php?..." (no leading slash), which only a regex location
        # matches
        location /app/ {
            alias {{ROOT}}/data/;
            try_files $uri $uri/ /app/index.php?$args;
        }
        location /app2/ {
            alias {{ROOT}}/data/;
            try_files $uri /elsewhere/$arg_x;
        }
        location ~ \.php$ { return 200 "php uri=[$uri] args=[$args]\n"; }
        location /elsewhere/ { return 200 "elsewhere uri=[$uri]\n"; }

        # a fallback that is left empty: nginx's index and static
        # modules read the byte before the URI, the alias's last, so an
        # alias ending in "/" makes it a directory (403 from the index
        # module), another one a file (the static module redirects)
        location /ea/ { alias {{ROOT}}/data/; try_files $uri /ea/$arg_x; }
        location /eb/ { alias {{ROOT}}/data; try_files $uri /eb/$arg_x; }
        location ~ ^/ec/(.*)$ { alias {{ROOT}}/data/$1; try_files $uri $arg_x; }

        # "rewrite ... break" changed the URI: alias cannot map it, and
        # try_files fails with 500 and an alert
        location /brk/ {
            alias {{ROOT}}/data/;
            rewrite ^/brk/(.*)$ /brk/$1.txt break;
            try_files $uri =404;
        }
        location ~ ^/rbrk/(.*)$ {
            alias {{ROOT}}/data/$1;
            rewrite ^/rbrk/(.*)$ /rbrk/$1.txt break;
            try_files $uri $uri/ =404;
        }
    }`,
		files: map[string]string{
			"data/f.txt":         "data f\n",
			"data/sub/g.txt":     "data sub g\n",
			"data/fix/f.txt":     "data fix f\n",
			"data/d/index.html":  "data d index\n",
			"data/x.txt":         "data x\n",
			"fix/f.txt":          "root fix f\n",
			"sub/g.txt":          "root sub g\n",
			"data/brk/f.txt.txt": "never\n",
		},
		cases: []tc{
			get("/al/f.txt", "/al/f.txt"),
			get("/al/none?f=/al/f.txt", "/al/none?f=/al/f.txt"),
			get("/al/none?f=sub/g.txt", "/al/none?f=sub/g.txt"),
			get("/al/none?f=/other/x.txt", "/al/none?f=/other/x.txt"),
			get("/al/none?f=/al/d/", "/al/none?f=/al/d/"),
			get("/fix/none", "/fix/none"),
			get("/app/f.txt", "/app/f.txt"),
			get("/app/none?a=1", "/app/none?a=1"),
			get("/app/d/", "/app/d/"),
			get("/app2/none?x=y", "/app2/none?x=y"),
			get("/ea/none", "/ea/none"),
			get("/ea/none?x=", "/ea/none?x="),
			get("/eb/none", "/eb/none"),
			get("/ec/", "/ec/"),
			get("/brk/f", "/brk/f"),
			get("/rbrk/f", "/rbrk/f"),
		},
	})
}

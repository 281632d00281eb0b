package difftest

import "testing"

// TestInheritance covers settings that flow into nested locations and
// if blocks, server-level rewrite directives and try_files, and index
// into locations that only an internal redirect may enter.
func TestInheritance(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        if ($arg_srv = "stop") { return 403; }
        set $from_server "srv";

        location / { }
        location = /index.html { internal; add_header X-Index internal; }
        location /iff/ {
            if ($arg_root) { root {{ROOT}}/alt; }
            add_header X-Loc iff;
        }
        location /if-header/ {
            add_header X-Outer outer;
            if ($arg_h) { add_header X-If inner; }
        }
        location /if-error/ {
            if ($arg_e) { error_page 404 /err.txt; }
        }
        location /emptytypes/ { types { } default_type text/x-empty; }
        location /srvvar/ { default_type text/plain; return 200 "$from_server\n"; }
        location /outer/ {
            root {{ROOT}}/alt;
            location /outer/inner/ { }
            location ~ \.css$ { default_type text/x-nested; }
        }
        location ~ ^/regex/ {
            location ~ \.txt$ { return 200 "nested regex txt\n"; }
            return 200 "outer regex\n";
        }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name second;
        root {{ROOT}};
        try_files $uri /fallback.txt;
        location /loc/ { }
        location = /fallback.txt { }
    }`,
		files: map[string]string{
			"index.html":            "<p>root index</p>\n",
			"err.txt":               "err page\n",
			"fallback.txt":          "fallback\n",
			"iff/f.txt":             "main root\n",
			"iff/f.unknownext":      "unknown\n",
			"alt/iff/f.txt":         "alt root\n",
			"if-header/f.txt":       "f\n",
			"emptytypes/f.txt":      "f\n",
			"alt/outer/f.txt":       "alt outer\n",
			"alt/outer/inner/f.txt": "alt inner\n",
			"alt/outer/s.css":       "css\n",
			"loc/f.txt":             "loc\n",
		},
		cases: []tc{
			get("index into internal location", "/"),
			get("internal location direct", "/index.html"),
			get("server if", "/iff/f.txt?srv=stop"),
			get("if changes root", "/iff/f.txt?root=1"),
			get("if keeps root", "/iff/f.txt"),
			get("if add_header replaces", "/if-header/f.txt?h=1"),
			get("if add_header false", "/if-header/f.txt"),
			get("if error_page", "/if-error/missing?e=1"),
			get("if error_page false", "/if-error/missing"),
			get("empty types", "/emptytypes/f.txt"),
			get("server set", "/srvvar/"),
			get("nested inherits root", "/outer/inner/f.txt"),
			get("outer root", "/outer/f.txt"),
			get("nested regex in prefix", "/outer/s.css"),
			get("nested regex in regex", "/regex/a.txt"),
			get("outer regex", "/regex/a.html"),
			get("server try_files file", "/loc/f.txt").onPort2(),
			get("server try_files fallback", "/loc/missing").onPort2(),
			get("server try_files no location", "/nolocation").onPort2(),
		},
	})
}

package difftest

import "testing"

// TestVariableLifetime compares variables whose value depends on where
// the request is: after internal redirects, try_files and error_page, and
// user variables carried across them.
func TestVariableLifetime(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format life '$status [$uri] [$document_root] [$request_filename] [$request_method] [$v]';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log life;
        set $v "srv";

        location /r1/ { root {{ROOT}}/one; set $a $document_root; set $v "r1"; rewrite ^ /r2/ last; }
        location /r2/ { root {{ROOT}}/two; return 200 "a=$a now=$document_root file=$request_filename v=$v\n"; }
        location /e1/ { root {{ROOT}}/one; set $b "$document_root|$request_filename"; error_page 404 /r3/; }
        location /r3/ { root {{ROOT}}/two; return 200 "b=$b now=$document_root real=$realpath_root\n"; }
        location /t1/ { root {{ROOT}}/one; try_files $uri /t2/$uri; }
        location /t2/ { root {{ROOT}}/two; }
        location /var/ { root {{ROOT}}/$arg_d; set $c $document_root; set $args "d=two"; return 200 "c=$c now=$document_root\n"; }
        location /m1/ { error_page 404 = /m2/; }
        location /m2/ { return 200 "method=$request_method uri=$uri\n"; }
        location /n1/ { error_page 404 = @n; }
        location @n { return 200 "method=$request_method uri=$uri\n"; }
        location /noreal/ { root {{ROOT}}/nonexistent; return 200 "real=[$realpath_root]\n"; }
        location /idx/ { root {{ROOT}}/one; index i.txt; }
    }`,
		files: map[string]string{
			"one/t1/a.txt":    "one a\n",
			"two/t2/t1/b.txt": "two b\n",
			"one/idx/i.txt":   "index one\n",
			"two/":            "",
		},
		cases: []tc{
			get("document_root across rewrite", "/r1/x"),
			get("document_root across error_page", "/e1/missing"),
			get("try_files fallback to other root", "/t1/b.txt"),
			get("try_files first", "/t1/a.txt"),
			get("root with variable changes with args", "/var/?d=one"),
			req("error_page method post", "POST", "/m1/x", "Content-Length: 0"),
			req("error_page named method post", "POST", "/n1/x", "Content-Length: 0"),
			req("error_page method head", "HEAD", "/m1/x"),
			get("index logged vars", "/idx/"),
			get("realpath of missing root", "/noreal/"),
			get("plain 404 logged vars", "/none"),
		},
	})
}

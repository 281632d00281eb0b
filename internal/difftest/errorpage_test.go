package difftest

import "testing"

// TestErrorPage covers error_page: URIs, "=code", "=", named locations,
// URLs, recursive_error_pages, inheritance and the args of the target.
func TestErrorPage(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        error_page 404 /err/404.html;
        error_page 500 502 503 504 /err/50x.html;

        location / { }
        location /err/ { internal; }
        location /ep-code/ { error_page 404 =200 /err/404.html; }
        location /ep-code-redirect/ { error_page 404 =301 /err/404.html; }
        location /ep-eq/ { error_page 404 = /dyn; }
        location = /dyn { default_type text/plain; return 201 "dynamic uri=$uri args=$args method=$request_method\n"; }
        location /ep-named/ { error_page 404 @ep; }
        location @ep { default_type text/plain; return 200 "named handler uri=$uri\n"; }
        location /ep-named-static/ { error_page 404 @static; }
        location @static { root {{ROOT}}/err; try_files /404.html =404; }
        location /ep-named-code/ { error_page 404 =410 @ep-empty; }
        location @ep-empty { return 404; }
        location /ep-url/ { error_page 404 http://example.com/notfound; }
        location /ep-url301/ { error_page 404 =301 http://example.com/nf; }
        location /ep-url-relative/ { error_page 404 =302 /elsewhere; }
        location /ep-rec/ { recursive_error_pages on; error_page 404 /ep-rec/missing2; }
        location /ep-rec2/ { recursive_error_pages on; error_page 404 /ep-rec2/x; }
        location /ep-norec/ { error_page 404 /ep-norec/missing2; }
        location /ep-403/ { deny all; error_page 403 /err/403.html; }
        location /ep-403-named/ { deny all; error_page 403 = @ep; }
        location /ep-500/ { return 500; }
        location /ep-own-500/ { error_page 500 /err/404.html; return 500; }
        location /ep-return/ { error_page 404 /err/404.html; return 404; }
        location /ep-args/ { error_page 404 /show-args?from=ep; }
        location /ep-noargs/ { error_page 404 /show-args; }
        location = /show-args { default_type text/plain; return 200 "args=$args\n"; }
        location /ep-var/ { error_page 404 /show-args?u=$uri; }
        location /ep-missing-page/ { error_page 404 /err/nope.html; }
        location /ep-inherit/ { }
        location /ep-override/ { error_page 403 /err/403.html; }
        location /ep-400/ { error_page 400 /err/400.html; return 400; }
        location /ep-405/ { error_page 405 =200 $uri; }
        location /ep-head/ { error_page 404 /err/404.html; }
        location /ep-return-text/ { error_page 404 /err/404.html; return 404 "own text\n"; }
    }`,
		files: map[string]string{
			"err/404.html":   "<p>custom 404</p>\n",
			"err/403.html":   "<p>custom 403</p>\n",
			"err/50x.html":   "<p>custom 50x</p>\n",
			"err/400.html":   "<p>custom 400</p>\n",
			"ep-405/f.txt":   "static for post\n",
			"ep-rec2/x.html": "",
		},
		cases: []tc{
			get("server level error_page", "/missing"),
			get("error page internal direct", "/err/404.html"),
			get("error page code 200", "/ep-code/missing"),
			get("error page code 301", "/ep-code-redirect/missing"),
			get("error page equals", "/ep-eq/missing?a=1"),
			req("error page equals post", "POST", "/ep-eq/missing", "Content-Length: 0"),
			get("error page named", "/ep-named/missing"),
			req("error page named post", "POST", "/ep-named-static/missing", "Content-Length: 0"),
			get("error page named with code", "/ep-named-code/missing"),
			get("error page url", "/ep-url/missing"),
			get("error page url 301", "/ep-url301/missing"),
			get("error page relative with 302", "/ep-url-relative/missing"),
			get("recursive error pages", "/ep-rec/missing"),
			get("recursive error pages loop", "/ep-rec2/missing"),
			get("no recursive error pages", "/ep-norec/missing"),
			get("403 error page", "/ep-403/x"),
			get("403 to named", "/ep-403-named/x"),
			get("500 server level page", "/ep-500/x"),
			get("500 own page", "/ep-own-500/x"),
			get("return 404 with page", "/ep-return/x"),
			get("return 404 text ignores page", "/ep-return-text/x"),
			get("error page with args", "/ep-args/missing?orig=1"),
			get("error page clears args", "/ep-noargs/missing?orig=1"),
			get("error page with variable", "/ep-var/missing"),
			get("error page missing page", "/ep-missing-page/missing"),
			get("inherited error page", "/ep-inherit/missing"),
			get("overriding location drops inherited", "/ep-override/missing"),
			get("400 page", "/ep-400/x"),
			req("405 page", "POST", "/ep-405/f.txt", "Content-Length: 0"),
			req("head error page", "HEAD", "/ep-head/missing"),
		},
	})
}

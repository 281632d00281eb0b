package difftest

import "testing"

// TestRewriteDeep covers rewrite and error_page corners: special
// characters in replacements, redirects with args, loops, return inside
// if, and error pages that fail themselves.
func TestRewriteDeep(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format st '$status [$uri] [$args] $request_method';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log st;

        rewrite ^/srv/(\w+)$ /loc/$1;
        location /loc/ { return 200 "loc uri=$uri\n"; }
        location = /show { return 200 "uri=$uri args=$args req=$request_uri\n"; }
        location /sp/ { rewrite ^/sp/(.*)$ /show?v=$1&x=a%20b last; }
        location /spuri/ { rewrite ^/spuri/(.*)$ /show/$1%41 last; }
        location /show/ { return 200 "uri=$uri args=$args\n"; }
        # set copies captures escaped while the path was encoded, until a
        # rewrite matches (the script's e->quote)
        location ~ ^/setcap/(.*)$ { set $v $1; set $w "x$1"; return 200 "v=[$v] w=[$w] 1=[$1]\n"; }
        location ~ ^/setcap2/(.*)$ { rewrite ^/setcap2/(.*)$ /setcap2done/$1; set $v $1; }
        location /setcap2done/ { return 200 "v=[$v] uri=[$uri]\n"; }
        location /redir-args/ { rewrite ^/redir-args/(.*)$ /new/$1?a=1 redirect; }
        location /redir-enc/ { rewrite ^/redir-enc/(.*)$ /new/$1 redirect; }
        location /redir-scheme/ { rewrite ^ $scheme://$host:1234$uri permanent; }
        location /redir-https/ { rewrite ^ https://$host$request_uri? permanent; }
        location /loop1/ { rewrite ^ /loop2/ last; }
        location /loop2/ { rewrite ^ /loop1/ last; }
        location /loopnone/ { rewrite ^/loopnone/(.*)$ /loopnone/x$1; }
        location /ifret/ {
            if ($arg_a) { return 403; }
            if ($arg_b) { return 301 /show?from=if; }
            if ($arg_c) { rewrite ^ /show?c=1 break; }
            return 200 "fallthrough\n";
        }
        location /setif/ {
            set $flag "";
            if ($arg_x = "1") { set $flag "${flag}A"; }
            if ($http_x_y) { set $flag "${flag}B"; }
            if ($flag = "AB") { return 200 "both\n"; }
            return 200 "flag=[$flag]\n";
        }
        location ~* ^/CI/(?<rest>.*)$ { return 200 "ci rest=$rest 1=$1\n"; }
        location /ifcap/ {
            if ($uri ~ ^/ifcap/(\d+)/(\d+)$) { set $s $2$1; }
            return 200 "s=[$s] 1=[$1]\n";
        }
        location /ep-fail/ { error_page 404 /ep-target-missing; }
        location /ep-fail-rec/ { recursive_error_pages on; error_page 404 /ep-fail-rec/again; error_page 500 /show; }
        location /ep-eq-named/ { error_page 404 = @ret; }
        location @ret { return 418; }
        location /ep-eq-named-text/ { error_page 404 = @rettext; }
        location @rettext { return 202 "accepted\n"; }
        location /ep301/ { error_page 301 http://example.com/moved; return 301 /x; }
        location /ep301-uri/ { error_page 301 = /show; return 301 /x; }
        location /ep302-missing/ { error_page 302 /nothing-here; return 302 /x; }
        location /ep302-static/ { error_page 302 /ep405/f.txt; return 302 /x; }
        location /ep302-redirect/ { error_page 302 /ep302-again; return 302 /x; }
        location = /ep302-again { return 307 /y; }
        location /ep-dir/ { error_page 301 /show; }
        location /ep405/ { error_page 405 /show; }
        location /ep413/ { client_max_body_size 1; error_page 413 /show; }
        location /ep413eq/ { client_max_body_size 1; error_page 413 =200 /show; }
        location /ep-loop/ { recursive_error_pages on; error_page 404 /ep-loop/x; }
        location /ep-chain/ { recursive_error_pages on; error_page 404 /ep-chain2/; }
        location /ep-chain2/ { return 503; error_page 503 /show; }
    }`,
		files: map[string]string{"ep405/f.txt": "f\n", "ep-dir/sub/": "", "ep413/f.txt": "f\n"},
		cases: []tc{
			get("server rewrite no flag then location", "/srv/abc?q=1"),
			get("replacement special chars", "/sp/a%20b+c"),
			get("set capture of an encoded path", "/setcap/a%20b?x=1"),
			get("set capture of a path with plus", "/setcap/a+b&c"),
			get("set capture of a plain path", "/setcap/ab"),
			get("set capture after a rewrite", "/setcap2/a%20b"),
			get("replacement literal percent in uri", "/spuri/x"),
			get("replacement ampersand capture", "/sp/a&b"),
			get("redirect with args and old args", "/redir-args/p?old=1"),
			get("redirect with args no old", "/redir-args/p"),
			get("redirect encoded capture", "/redir-enc/a%20b%3F"),
			get("redirect scheme host var", "/redir-scheme/z?k=1"),
			get("redirect https request_uri", "/redir-https/z?k=1"),
			get("last loop cycle", "/loop1/"),
			get("no flag loop cycle", "/loopnone/a"),
			get("return 403 in if", "/ifret/?a=1"),
			get("return 301 in if", "/ifret/?b=1"),
			get("rewrite break in if", "/ifret/?c=1"),
			get("if fallthrough", "/ifret/"),
			get("set accumulate both", "/setif/?x=1", "X-Y: 1"),
			get("set accumulate one", "/setif/?x=1"),
			get("caseless regex named", "/ci/Foo"),
			get("if captures into set", "/ifcap/12/34"),
			get("if captures no match", "/ifcap/ab"),
			get("error page target missing", "/ep-fail/x"),
			get("error page recursive 404 then 500", "/ep-fail-rec/x"),
			get("error page eq named return code", "/ep-eq-named/x"),
			get("error page eq named return text", "/ep-eq-named-text/x"),
			req("error page eq named head", "HEAD", "/ep-eq-named-text/x"),
			get("error page for 301 url", "/ep301/"),
			get("error page for 301 uri", "/ep301-uri/"),
			get("error page for 302 to missing", "/ep302-missing/"),
			get("error page for 302 to static", "/ep302-static/"),
			get("error page for 302 to redirect", "/ep302-redirect/"),
			get("error page for dir redirect", "/ep-dir/sub"),
			req("error page 405 post static", "POST", "/ep405/f.txt", "Content-Length: 0"),
			raw("error page 413", "POST /ep413/f.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789"),
			raw("error page 413 eq 200", "POST /ep413eq/f.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789"),
			get("error page recursive loop", "/ep-loop/a"),
			get("error page chain to return", "/ep-chain/a"),
		},
	})
}

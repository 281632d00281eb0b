package difftest

import "testing"

// TestRewrite covers the rewrite module: rewrite flags, argument
// handling, if conditions, set, break and return with its codes.
func TestRewrite(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;

        rewrite ^/srv-rw/(.*)$ /target/$1 last;

        location /target/ { return 200 "target uri=$uri args=$args\n"; }
        location /files/ { }
        location /rw-last/ { rewrite ^/rw-last/(.*)$ /target/$1 last; return 200 "not reached\n"; }
        location /rw-break/ { rewrite ^/rw-break/(.*)$ /files/$1 break; return 200 "not reached\n"; }
        location /rw-none/ { rewrite ^/rw-none/(.*)$ /target/$1; }
        location /rw-none-chain/ {
            rewrite ^/rw-none-chain/(.*)$ /rw-none-chain/b-$1;
            rewrite ^/rw-none-chain/(b-.*)$ /target/$1;
        }
        location /rw-redirect/ { rewrite ^/rw-redirect/(.*)$ /target/$1 redirect; }
        location /rw-perm/ { rewrite ^/rw-perm/(.*)$ /target/$1 permanent; }
        location /rw-abs/ { rewrite ^ http://example.com/abs; }
        location /rw-args/ { rewrite ^/rw-args/(.*)$ /target/$1?new=1 last; }
        location /rw-drop/ { rewrite ^/rw-drop/(.*)$ /target/$1? last; }
        location /rw-redir-args/ { rewrite ^ /target/r?a=b redirect; }
        location /rw-redir-drop/ { rewrite ^ /target/r? redirect; }
        location /rw-nomatch/ { rewrite ^/nothing$ /target/x last; return 200 "no match uri=$uri\n"; }
        location /rw-cap-args/ { rewrite ^/rw-cap-args/(\w+)$ /target/x?v=$1 last; }
        location /rw-loop/ { rewrite ^ /rw-loop/x last; }
        location /to-internal/ { rewrite ^ /only-internal/ last; }
        location /only-internal/ { internal; return 200 "internal ok\n"; }

        location /if/ {
            if ($arg_x = "yes") { return 200 "x is yes\n"; }
            if ($arg_x != "") { return 200 "x is set: $arg_x\n"; }
            if ($http_user_agent ~ "^curl/(\d+)") { return 200 "curl major $1\n"; }
            if ($http_user_agent ~* "firefox") { return 200 "firefox\n"; }
            if ($http_x_flag) { return 200 "flag set\n"; }
            return 200 "no if matched\n";
        }
        location /iff/ {
            if (-f $request_filename) { return 200 "file exists\n"; }
            if (-d $request_filename) { return 200 "directory\n"; }
            if (!-e $request_filename) { return 200 "does not exist\n"; }
            return 200 "else\n";
        }
        location /if-rewrite/ {
            if ($arg_go) { rewrite ^ /target/from-if last; }
            return 200 "stayed\n";
        }
        location /set/ { set $a "hello"; set $b "$a-world"; return 200 "$b $uri\n"; }
        location /break/ { set $x one; break; set $x two; return 200 "not reached\n"; }
        location /break-after/ { rewrite ^ /files/f.txt; break; return 200 "not reached\n"; }

        location = /r200 { return 200 "two hundred\n"; }
        location = /r200-empty { return 200; }
        location = /r200-var { return 200 "$request_method $request_uri $args\n"; }
        location = /r204 { return 204; }
        location = /r301 { return 301 /target/moved; }
        location = /r301-abs { return 301 http://other.test/x; }
        location = /r302 { return 302 /target/temp; }
        location = /r302-url { return http://example.com/only-url; }
        location = /r307 { return 307 /target/keep; }
        location = /r404 { return 404; }
        location = /r404-text { return 404 "gone\n"; }
        location = /r444 { return 444; }
        location = /r500 { return 500; }
        location = /r503-text { return 503 "busy\n"; }
        location = /r418 { return 418; }
        location = /r200.json { return 200 "{}\n"; }
    }`,
		files: map[string]string{
			"files/f.txt":  "file f\n",
			"iff/real.txt": "real\n",
			"iff/sub/":     "",
		},
		cases: []tc{
			get("server rewrite", "/srv-rw/a?q=1"),
			get("rewrite last", "/rw-last/a"),
			get("rewrite last keeps args", "/rw-last/a?x=1&y=2"),
			get("rewrite break serves file", "/rw-break/f.txt"),
			get("rewrite break missing file", "/rw-break/nope.txt"),
			get("rewrite without flag finds location again", "/rw-none/a?k=v"),
			get("rewrite without flag chain", "/rw-none-chain/a"),
			get("rewrite redirect", "/rw-redirect/a"),
			get("rewrite redirect with args", "/rw-redirect/a?x=1"),
			get("rewrite permanent", "/rw-perm/a"),
			get("rewrite absolute url", "/rw-abs/a?z=9"),
			get("rewrite new args appended", "/rw-args/a?old=2"),
			get("rewrite new args no old", "/rw-args/a"),
			get("rewrite question mark drops args", "/rw-drop/a?old=2"),
			get("rewrite redirect new args", "/rw-redir-args/?old=2"),
			get("rewrite redirect drop args", "/rw-redir-drop/?old=2"),
			get("rewrite no match", "/rw-nomatch/a"),
			get("rewrite capture in args", "/rw-cap-args/abc"),
			get("rewrite capture escaped in args", "/rw-cap-args/a%20b"),
			get("rewrite cycle", "/rw-loop/a"),
			get("rewrite into internal location", "/to-internal/a"),
			get("internal location direct", "/only-internal/"),
			get("if equal", "/if/?x=yes"),
			get("if not equal", "/if/?x=no"),
			get("if regex capture", "/if/", "User-Agent: curl/8.1"),
			get("if case insensitive regex", "/if/", "User-Agent: Mozilla Firefox"),
			get("if variable non-empty", "/if/", "X-Flag: 1"),
			get("if variable zero is false", "/if/", "X-Flag: 0"),
			get("if nothing", "/if/"),
			get("if -f", "/iff/real.txt"),
			get("if -d", "/iff/sub"),
			get("if !-e", "/iff/nope"),
			get("if with rewrite", "/if-rewrite/?go=1"),
			get("if with rewrite false", "/if-rewrite/"),
			get("set", "/set/a"),
			get("break directive", "/break/"),
			get("rewrite then break", "/break-after/"),
			get("return 200 text", "/r200"),
			get("return 200 empty", "/r200-empty"),
			get("return 200 variables", "/r200-var?a=b"),
			get("return variables empty query", "/r200-var?"),
			req("return 200 head", "HEAD", "/r200"),
			get("return 204", "/r204"),
			get("return 301", "/r301"),
			get("return 301 absolute", "/r301-abs"),
			get("return 302", "/r302?x=1"),
			get("return url only", "/r302-url"),
			get("return 307", "/r307"),
			get("return 404", "/r404"),
			get("return 404 text", "/r404-text"),
			get("return 444", "/r444"),
			get("return 500", "/r500"),
			get("return 503 text", "/r503-text"),
			get("return 418", "/r418"),
			get("return type from extension", "/r200.json"),
		},
	})
}

package difftest

import (
	"os"
	"testing"
)

// TestVariablesDeep compares variables after rewrites and internal
// redirects, argument and cookie families, alias and regex-named servers.
func TestVariablesDeep(t *testing.T) {
	ret := func(loc, text string) string {
		return "        location " + loc + " { return 200 \"" + text + "\\n\"; }\n"
	}
	runSite(t, &site{
		http: `
    log_format lens '$status $request_length [$content_length]';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        location /len/ { access_log logs/access.log lens; return 200 "cl=[$content_length] len=$request_length\n"; }
        location /lenstatic/ { access_log logs/access.log lens; }
` + ret("= /show", "uri=$uri doc=$document_uri req=$request_uri args=$args is=$is_args qs=$query_string") +
			ret("/args", "a=[$arg_a] b=[$arg_b] e=[$arg_e] args=[$args] is=[$is_args]") +
			ret("/cookie", "a=[$cookie_a] b=[$cookie_b] c_d=[$cookie_c_d] sp=[$cookie_sp] all=[$http_cookie]") +
			ret("/hdr", "dash=[$http_x_dash_name] ua=[$http_user_agent] cl=[$content_length] ct=[$content_type] len=$request_length") +
			ret("/host", "host=[$host] hh=[$http_host] sn=[$server_name] port=[$server_port]") +
			`
        location /rw/ { rewrite ^/rw/(.*)$ /show?from=$1 last; }
        location /rwkeep/ { rewrite ^/rwkeep/(.*)$ /show last; }
        location /tf/ { try_files /nope /show; }
        location /tfargs/ { try_files /nope /show?t=1; }
        location /ix/ { index idx; }
        location = /ix/idx { return 200 "uri=$uri req=$request_uri\n"; }
        location /ep/ { error_page 404 /show; }
        location /epnamed/ { error_page 404 = @n; }
        location @n { return 200 "named uri=$uri args=$args status=$status\n"; }
        location /epstatus/ { error_page 404 /status; }
        location = /status { return 200 "status=$status uri=$uri\n"; }
        location /nested/ {
            location ~ ^/nested/(?<a>\w+)/(\w+) {
                if ($uri ~ /(?<b>\d+)$) { return 200 "a=$a b=$b 1=$1 2=$2\n"; }
                return 200 "a=$a 1=$1 2=$2\n";
            }
        }
        location ~ ^/re/(\w+)/ {
            rewrite ^/re/(\w+)/(\w+)$ /show?x=$1&y=$2 last;
            return 200 "one=$1\n";
        }
        location /alias/ { alias {{ROOT}}/sub/; location ~ \.txt$ { return 200 "root=$document_root file=$request_filename real=$realpath_root\n"; } }
        location ~ ^/ralias/(.*)$ { alias {{ROOT}}/sub/$1; return 200 "root=$document_root file=$request_filename\n"; }
        location /link/ { root {{ROOT}}/linkdir; return 200 "root=$document_root real=$realpath_root\n"; }
        location /set/ { set $v "abc"; if ($v = abc) { return 200 "eq $v\n"; } return 200 "ne\n"; }
        location /setre/ { set $v "x-12"; if ($v ~ ^x-(?<num>\d+)$) { return 200 "num=$num 1=$1\n"; } return 200 "no\n"; }
        location /ifd/ { if (-d $request_filename) { return 200 "dir\n"; } if (-x $request_filename) { return 200 "exec\n"; } if (!-x $request_filename) { return 200 "not exec\n"; } }
        location /ifbreak/ { set $a 1; if ($arg_b) { set $a 2; break; } set $a 3; return 200 "a=$a\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name ~^(?<sub>[a-z]+)\.(?<dom>example\.com)$ ~^www(\d+)\.test$;
        default_type text/plain;
        location / { return 200 "sn=$server_name sub=$sub dom=$dom 1=$1 host=$host\n"; }
        location ~ ^/(\w+)$ { return 200 "sn=$server_name sub=$sub 1=$1\n"; }
    }`,
		files: map[string]string{"sub/x.txt": "x\n", "sub/dir/": "", "ifd/d/": "", "ifd/f": "f", "ix/idx": "file"},
		setup: func(t *testing.T, root string) {
			symlinkT(t, root+"/sub", root+"/linkdir")
			chmodT(t, root+"/ifd/f", 0o755)
		},
		cases: []tc{
			get("rewrite sets args", "/rw/abc?orig=1"),
			get("rewrite keeps orig args", "/rwkeep/abc?orig=1"),
			get("try_files fallback uri vars", "/tf/x?q=2"),
			get("try_files fallback args vars", "/tfargs/x?q=2"),
			get("index internal redirect vars", "/ix/?z=1"),
			get("error_page uri vars", "/ep/missing?k=1"),
			get("error_page named vars", "/epnamed/missing?k=1"),
			get("error_page status var", "/epstatus/missing"),
			get("args repeated", "/args?a=1&a=2&b=&e"),
			get("args empty first", "/args?&a=x&&b=y&"),
			get("args case", "/args?A=1&B=2"),
			get("args encoded name", "/args?%61=enc&b=%2F"),
			get("args semicolon", "/args?a=1;b=2"),
			get("args only question", "/args?"),
			get("cookie spaces", "/cookie", "Cookie: a = 1 ;b=2;  sp=has space"),
			get("cookie repeated name", "/cookie", "Cookie: a=1; a=2", "Cookie: b=3"),
			get("cookie underscore", "/cookie", "Cookie: c_d=u; c-d=d"),
			get("cookie empty", "/cookie", "Cookie: a=; b"),
			get("http dash var", "/hdr", "X-Dash-Name: d", "User-Agent: ua"),
			get("http underscore header", "/hdr", "X_Dash_Name: u"),
			raw("content length type", "POST /hdr HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\nConnection: close\r\n\r\nab"),
			raw("chunked content length", "POST /hdr HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nab\r\n0\r\n\r\n"),
			raw("request length discarded body", "POST /len/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde"),
			raw("request length discarded chunked", "POST /len/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nabcde\r\n0\r\n\r\n"),
			raw("request length static post", "POST /lenstatic/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde"),
			raw("request length static get body", "GET /lenstatic/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nabcde"),
			rawN("request length keepalive body", 2, "POST /len/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nabcdeGET /len/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			get("host uppercase port", "/host", "Host: LocalHost:1234"),
			get("host trailing dot", "/host", "Host: localhost."),
			get("host unknown", "/host", "Host: Other.Example"),
			get("nested named captures", "/nested/foo/bar/123"),
			get("nested named captures no if", "/nested/foo/bar"),
			get("regex location rewrite captures", "/re/aa/bb"),
			get("regex location capture", "/re/aa/"),
			get("alias nested regex vars", "/alias/x.txt"),
			get("regex alias vars", "/ralias/x.txt"),
			get("realpath symlink", "/link/x"),
			get("set then if", "/set/"),
			get("set then if regex named", "/setre/"),
			get("if -d", "/ifd/d"),
			get("if -x", "/ifd/f"),
			get("if not -x", "/ifd/nothing"),
			get("break in if", "/ifbreak/?b=1"),
			get("no break in if", "/ifbreak/"),
			get("server_name regex named", "/", "Host: foo.example.com").onPort2(),
			get("server_name regex numbered", "/", "Host: www42.test").onPort2(),
			get("server_name regex and location capture", "/abc", "Host: foo.example.com").onPort2(),
			get("server_name regex no match", "/", "Host: nomatch").onPort2(),
		},
	})
}

func symlinkT(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

func chmodT(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

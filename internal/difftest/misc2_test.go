package difftest

import "testing"

// TestScriptCorners compares rewrite-module corners: set $args followed
// by rewrites, variables read before and after the body is discarded,
// if conditions on odd values, return codes with and without text.
func TestScriptCorners(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format corner '$status [$content_length] [$args] [$sent_http_content_type] [$sent_http_x_a]';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log corner;

        location /cl/ { if ($content_length) { } return 200 "cl=[$content_length]\n"; }
        location /sa/ { set $args "a=1&b=2"; rewrite ^ /show; }
        location /sa2/ { set $args ""; rewrite ^ /show?z=1; }
        location /sa3/ { rewrite ^ /show?n=1; set $args "$args&m=2"; }
        location = /show { add_header X-A "$args"; return 200 "args=[$args] is=[$is_args] a=[$arg_a] uri=$uri req=$request_uri\n"; }
        location /ifs/ {
            if ($arg_v = "") { return 200 "empty\n"; }
            if ($arg_v ~ "^\s+$") { return 200 "spaces\n"; }
            if ($arg_v = "a b") { return 200 "decoded\n"; }
            if ($arg_v = "a%20b") { return 200 "raw\n"; }
            return 200 "other [$arg_v]\n";
        }
        location /ifq/ { if ($request_uri ~ "\?(.*)$") { return 200 "q=[$1]\n"; } return 200 "noq\n"; }
        location /r1xx/ { return 101; }
        location /r199/ { return 199 "text"; }
        location /r299/ { return 299; }
        location /r399/ { return 399 "x"; }
        location /r400t/ { return 400 "bad\n"; }
        location /r599/ { return 599; }
        location /r999/ { return 999; }
        location /rurl/ { return 301; }
        location /r302var/ { return 302 $scheme://$host$uri?x=$arg_x; }
        location /r200nl/ { return 200 "line1
line2"; }
    }`,
		cases: []tc{
			raw("content_length chunked read before discard", "POST /cl/ HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
			raw("content_length header", "POST /cl/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			get("set args then rewrite", "/sa/?o=1"),
			get("set empty args then rewrite with args", "/sa2/?o=1"),
			get("rewrite then set args", "/sa3/?o=1"),
			get("if empty arg", "/ifs/?v="),
			get("if missing arg", "/ifs/"),
			get("if spaces", "/ifs/?v=%20%20"),
			get("if encoded value", "/ifs/?v=a%20b"),
			get("if plus value", "/ifs/?v=a+b"),
			get("if request_uri capture", "/ifq/?k=v&z"),
			get("return 101", "/r1xx/"),
			get("return 199 text", "/r199/"),
			get("return 299", "/r299/"),
			get("return 399 text", "/r399/"),
			get("return 400 text", "/r400t/"),
			get("return 599", "/r599/"),
			get("return 999", "/r999/"),
			get("return 301 no url", "/rurl/"),
			get("return 302 with variables", "/r302var/p?x=%2F"),
			get("return text with newline", "/r200nl/"),
		},
	})
}

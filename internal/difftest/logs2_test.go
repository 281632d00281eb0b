package difftest

import "testing"

// TestAccessLogDeep covers log_format escaping with odd request bytes,
// if= conditions, several logs per level and their inheritance.
func TestAccessLogDeep(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format esc_def 'def "$request" "$http_x_v" "$arg_a" $status';
    log_format esc_json escape=json '{"r":"$request","v":"$http_x_v","a":"$arg_a","u":"$http_user_agent"}';
    log_format esc_none escape=none 'none "$request" "$http_x_v" "$arg_a"';
    log_format vars 'vars $status [$uri] [$request_uri] [$args] [$is_args] [$server_name] [$server_port] [$remote_user] [$http_referer] [$sent_http_content_type] [$sent_http_location] [$request_method] [$server_protocol]';
    log_format cond 'cond $status $uri';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log off;
        location /def/ { access_log logs/access.log esc_def; return 200 "ok\n"; }
        location /json/ { access_log logs/access.log esc_json; return 200 "ok\n"; }
        location /none/ { access_log logs/access.log esc_none; return 200 "ok\n"; }
        location /vars/ { access_log logs/access.log vars; }
        location /varsret/ { access_log logs/access.log vars; return 302 /elsewhere; }
        location /cond/ {
            access_log logs/access.log cond if=$http_x_log;
            access_log logs/access.log vars if=$arg_v;
            return 200 "ok\n";
        }
        location /outer/ {
            access_log logs/access.log cond;
            location /outer/inner/ { return 200 "inner\n"; }
            location /outer/own/ { access_log logs/access.log vars; return 200 "own\n"; }
            location /outer/off/ { access_log off; return 200 "off\n"; }
        }
        location /ifblock/ {
            access_log logs/access.log cond;
            if ($arg_x) { return 200 "in if\n"; }
            return 200 "not in if\n";
        }
        location /inherit/ { return 200 "server has off\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        access_log logs/access.log cond;
        default_type text/plain;
        location / { return 200 "srv2\n"; }
        location /loc-off/ { access_log off; return 200 "off\n"; }
        location /loc-two/ { access_log logs/access.log cond; access_log logs/access.log vars; return 200 "two\n"; }
    }`,
		cases: []tc{
			get("escape default quotes", "/def/?a=%22q%22", `X-V: say "hi" \ back`),
			get("escape default control", "/def/?a=x", "X-V: tab\there\x7f"),
			get("escape default utf8", "/def/?a=\xc3\xa9", "X-V: caf\xc3\xa9"),
			get("escape json quotes", "/json/?a=%22q%22", `X-V: say "hi" \ back`, "User-Agent: a/b"),
			get("escape json control", "/json/?a=x", "X-V: tab\there\x01\x7f"),
			get("escape json utf8", "/json/?a=\xc3\xa9", "X-V: caf\xc3\xa9"),
			get("escape json missing", "/json/"),
			get("escape none", "/none/?a=%22q%22", `X-V: say "hi" \ back`),
			raw("escape request with quote in uri", "GET /def/\"x\" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			raw("escape json request with quote in uri", "GET /json/\"x\\ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			get("vars static file", "/vars/nope?x=1", "Referer: http://r.example/"),
			get("vars redirect", "/varsret/?k=v"),
			get("cond none", "/cond/"),
			get("cond header", "/cond/", "X-Log: 1"),
			get("cond header zero", "/cond/", "X-Log: 0"),
			get("cond both", "/cond/?v=yes", "X-Log: yes"),
			get("cond arg only", "/cond/?v=1"),
			get("nested inherits", "/outer/inner/"),
			get("nested own", "/outer/own/"),
			get("nested off", "/outer/off/"),
			get("if block inherits log", "/ifblock/?x=1"),
			get("server off", "/inherit/"),
			get("server2 log", "/").onPort2(),
			get("server2 location off", "/loc-off/").onPort2(),
			get("server2 two logs", "/loc-two/").onPort2(),
			get("server2 404 path", "/loc-two/../nope").onPort2(),
		},
	})
}

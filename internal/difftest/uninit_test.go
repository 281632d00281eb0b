package difftest

import "testing"

// TestUninitializedVariables compares the "using uninitialized" warning
// for set variables read where no set ran: in return, if, the access log,
// with uninitialized_variable_warn off, and for named captures.
func TestUninitializedVariables(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format uv '$status [$u] [$cap]';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        default_type text/plain;
        access_log logs/access.log uv;
        location /set/ { set $u "x"; if ($uri ~ (?<cap>set)) { } return 200 "u=$u\n"; }
        location /ret/ { return 200 "u=[$u]\n"; }
        location /if/ { if ($u) { return 200 "yes\n"; } return 200 "no\n"; }
        location /off/ { uninitialized_variable_warn off; return 200 "u=[$u]\n"; }
        location /static/ { }
    }`,
		cases: []tc{
			get("set", "/set/"),
			get("return", "/ret/"),
			get("if", "/if/"),
			get("warn off", "/off/"),
			get("log only", "/static/nope"),
		},
	})
}

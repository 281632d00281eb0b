package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProxyConfigCheck compares `-t` on configurations with proxy and
// upstream mistakes: the messages, their line numbers and the exit.
func TestProxyConfigCheck(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	srv := func(loc string) string {
		return "server {\n    listen 127.0.0.1:18099;\n    " + loc + "\n}\n"
	}
	cases := []struct{ name, http, known string }{
		{"valid groups", `upstream a { server 127.0.0.1:1 weight=2 max_fails=3 fail_timeout=5s; server 127.0.0.1:2 backup; server 127.0.0.1:3 down; keepalive 4; }
upstream b { ip_hash; server 127.0.0.1:1; server 127.0.0.1:2 down; }
upstream c { hash $uri consistent; server 127.0.0.1:1; server 127.0.0.1:2 max_conns=10; }
upstream d { least_conn; server 127.0.0.1:1; server 127.0.0.1:2 backup; }
upstream e { random two least_conn; server 127.0.0.1:1; server 127.0.0.1:2; }
` + srv(`location / { proxy_pass http://a; proxy_next_upstream error timeout http_503 non_idempotent; proxy_next_upstream_tries 2; proxy_next_upstream_timeout 5s; }
    location /u { proxy_pass http://unix:/tmp/nosuch.sock:/x/; }`), ""},
		{"proxy_redirect default before proxy_pass", srv(`location / { proxy_redirect default; proxy_pass http://127.0.0.1:1; }`), ""},
		{"ip_hash with backup", "upstream u { ip_hash; server 127.0.0.1:1; server 127.0.0.1:2 backup; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"backup then ip_hash", "upstream u { server 127.0.0.1:1; server 127.0.0.1:2 backup; ip_hash; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"hash with backup", "upstream u { hash $uri; server 127.0.0.1:1; server 127.0.0.1:2 backup; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"balancer redefined", "upstream u { ip_hash; least_conn; server 127.0.0.1:1; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"empty upstream", "upstream u { }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"bad weight", "upstream u { server 127.0.0.1:1 weight=abc; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"zero weight", "upstream u { server 127.0.0.1:1 weight=0; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"bad max_fails", "upstream u { server 127.0.0.1:1 max_fails=x; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"bad fail_timeout", "upstream u { server 127.0.0.1:1 fail_timeout=1q; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"unknown server parameter", "upstream u { server 127.0.0.1:1 slow=1; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"duplicate upstream", "upstream u { server 127.0.0.1:1; }\nupstream u { server 127.0.0.1:2; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"unknown host", srv(`location / { proxy_pass http://nosuch.invalid; }`), ""},
		{"uri in regex location", srv(`location ~ ^/x { proxy_pass http://127.0.0.1:1/y; }`), ""},
		{"uri in named location", srv(`location @n { proxy_pass http://127.0.0.1:1/y; }`), ""},
		{"uri in if", srv(`location / { if ($arg_a) { proxy_pass http://127.0.0.1:1/y; } }`), ""},
		{"bad scheme", srv(`location / { proxy_pass ftp://127.0.0.1:1; }`), ""},
		{"no scheme", srv(`location / { proxy_pass 127.0.0.1:1; }`), ""},
		{"duplicate proxy_pass", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_pass http://127.0.0.1:2; }`), ""},
		{"proxy_pass in server", srv(`proxy_pass http://127.0.0.1:1;`), ""},
		{"bad next_upstream", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_next_upstream error bogus; }`), ""},
		{"next_upstream off with others", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_next_upstream off error; }`), ""},
		{"set_header one argument", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_set_header X-A; }`), ""},
		{"bad read timeout", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_read_timeout abc; }`), ""},
		{"bad buffer size", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_buffer_size 1x; }`), ""},
		{"bad port", srv(`location / { proxy_pass http://127.0.0.1:99999; }`), ""},
		{"upstream server with scheme", "upstream u { server http://127.0.0.1:1; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"upstream server with uri", "upstream u { server 127.0.0.1:1/x; }\n" + srv(`location / { proxy_pass http://u; }`), ""},
		{"proxy_http_version 2", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_http_version 2; }`),
			"nginx 1.29.4 accepts proxy_http_version 2 (HTTP/2 to upstreams); 1.22 rejects it"},
		{"cookie_path one argument", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_path /a; }`), ""},
		{"proxy_redirect bad regex", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_redirect ~(unclosed /x; }`), ""},
		{"upstream inside server", srv(`upstream u { server 127.0.0.1:1; }`), ""},
		{"cookie_flags", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags one secure httponly samesite=strict; proxy_cookie_flags ~ nosecure $arg_f; }`), ""},
		{"cookie_flags one argument", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags one; }`), ""},
		{"cookie_flags five arguments", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags a secure httponly nosamesite nohttponly; }`), ""},
		{"cookie_flags off twice", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags off; proxy_cookie_flags off; }`), ""},
		{"cookie_flags after off", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags off; proxy_cookie_flags a secure; }`), ""},
		{"cookie_flags off after rule", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags a secure; proxy_cookie_flags off; }`), ""},
		{"cookie_flags bad regex", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags ~(a secure; }`), ""},
		{"cookie_flags unknown flag", srv(`location / { proxy_pass http://127.0.0.1:1; proxy_cookie_flags a bogus; }`), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.known != "" {
				t.Skip("known: " + c.known)
			}
			conf := "events { }\nhttp {\n" + c.http + "}\n"
			var outs [2]string
			for i, bin := range []string{nginxBin, weirBin} {
				dir := t.TempDir()
				os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
				if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
					t.Fatal(err)
				}
				outs[i] = runDump(t, bin, dir, "-t")
			}
			if os.Getenv("DIFFTEST_SHOW") != "" {
				t.Logf("nginx:\n%s\nweir:\n%s", outs[0], outs[1])
			}
			if outs[0] != outs[1] {
				a, b := strings.Split(outs[0], "\n"), strings.Split(outs[1], "\n")
				t.Errorf("-t differs:%s", sideBySide(a, b, "nginx", "weir"))
			}
		})
	}
}

package difftest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dumpSite is a typical site: a main file with includes of conf.d/*.conf
// (and a glob that matches nothing), mime.types, snippets included twice,
// a CRLF file without a final newline.
var dumpSite = map[string]string{
	"nginx.conf": `user www-data;
worker_processes auto;
pid logs/nginx.pid;
error_log logs/error.log warn;

events {
	worker_connections 768;
	# multi_accept on;
}

http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;
	server_tokens off;

	include mime.types;
	default_type application/octet-stream;

	log_format main '$remote_addr - $remote_user [$time_local] "$request" '
	                '$status $body_bytes_sent "$http_referer" '
	                '"$http_user_agent" "$http_x_forwarded_for"';
	access_log logs/access.log main;

	include conf.d/*.conf;
	include conf.d/missing-*.conf;
}
`,
	"conf.d/a-default.conf": `server {
    listen 127.0.0.1:18080 default_server;
    server_name _;
    root html;   # relative root
    index index.html index.htm;

    location / {
        try_files $uri $uri/ =404;
    }
    location /t/ { include snippets/loc.conf; }
    location /u/ { include snippets/loc.conf; }
    include snippets/errors.conf;
}
`,
	"conf.d/b-site.conf": `server {
	listen 127.0.0.1:18080;
	server_name example.com www.example.com;
	root /var/www/example;

	location ~* \.(jpg|jpeg|png|gif|ico|css|js)$ {
		expires 30d;
		add_header Cache-Control "public, no-transform";
	}
	location = /health { access_log off; return 200 "ok\n"; }
	location /old/ { rewrite ^/old/(.*)$ /new/$1 permanent; }
	if ($http_user_agent ~* "badbot") { return 403; }
	set $x "a;b";
	location /q { return 200 'single \'quoted\' "dq" $x'; }
}
`,
	"conf.d/c-crlf.conf":     "server { listen 127.0.0.1:18081; server_name crlf;\r\n  location / { return 204; }\r\n}",
	"snippets/errors.conf":   "error_page 404 /404.html;\nerror_page 500 502 503 504 /50x.html;\nlocation = /50x.html { root html; }\n",
	"snippets/loc.conf":      "expires 1h; # comment only\n",
	"conf.d/notes.txt":       "not included\n",
	"html/index.html":        "hi\n",
	"logs/.keep":             "",
	"conf.d/d-conflict.conf": "server { listen 127.0.0.1:18080; server_name example.com; }\n",
}

var (
	dumpTimeRe = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: `)
)

// runDump runs `BIN -T` (or -t) on dir and returns its output with the
// program name, timestamps and the directory normalised.
func runDump(t *testing.T, bin, dir, flag string) string {
	t.Helper()
	cmd := exec.Command(bin, flag, "-p", dir+"/", "-c", "nginx.conf", "-e", "stderr")
	out, err := cmd.CombinedOutput()
	s := string(out)
	if err != nil {
		s += "[exit status non-zero]\n"
	}
	s = strings.ReplaceAll(s, dir, "{{DIR}}")
	s = dumpTimeRe.ReplaceAllString(s, "$1 ")
	s = strings.ReplaceAll(s, "weir: ", "nginx: ")
	return s
}

// TestConfigDump compares -t and -T on a realistic configuration tree and
// on broken variants of it: the whole output, modulo names.
func TestConfigDump(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	variants := []struct{ name, file, extra string }{
		{"site", "", ""},
		{"unknown directive in include", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080; server_name y; location / { unknown_thing on; } }\n"},
		{"missing brace at end of include", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080; server_name y;\n"},
		{"duplicate location in include", "snippets/loc.conf", "location /dup/ { } location /dup/ { }\n"},
		{"bad size", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080; server_name z; client_max_body_size 1q; }\n"},
		{"unknown log format", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080; server_name z; access_log logs/a.log nosuch; }\n"},
		{"unknown variable", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080; server_name z; return 200 $nosuch; }\n"},
		{"duplicate default server", "conf.d/b-site.conf", "server { listen 127.0.0.1:18080 default_server; server_name z; }\n"},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			var outs [2]string
			for i, bin := range []string{nginxBin, weirBin} {
				dir := t.TempDir()
				files := map[string]string{"mime.types": string(mimeTypes)}
				for k, c := range dumpSite {
					files[k] = c
				}
				if v.file != "" {
					files[v.file] += v.extra
				}
				for k, c := range files {
					p := filepath.Join(dir, k)
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				outs[i] = runDump(t, bin, dir, "-T")
			}
			if outs[0] != outs[1] {
				a, b := strings.Split(outs[0], "\n"), strings.Split(outs[1], "\n")
				t.Errorf("-T differs:%s", sideBySide(a, b, "nginx", "weir"))
			}
		})
	}
}

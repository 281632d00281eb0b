package conf

import (
	"fmt"
	"strings"
	"testing"
)

// benchConfig returns a configuration of about n lines in the usual mix:
// blocks, quoted strings, variables, regexes and comments.
func benchConfig(n int) string {
	var b strings.Builder
	b.WriteString("user www-data;\nworker_processes auto;\nevents {\n    worker_connections 1024;\n}\nhttp {\n")
	for i := 0; strings.Count(b.String(), "\n") < n-2; i++ {
		fmt.Fprintf(&b, `    # virtual host %d
    server {
        listen 80;
        server_name host%d.example.org www.host%d.example.org;
        access_log /var/log/nginx/host%d.log main;
        location / {
            proxy_pass http://backend%d;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
        }
        location ~ "^/img/(\d{2,4})x(\d+)\.png$" {
            return 200 "size ${1} by $2";
        }
        if ($http_user_agent ~* "(msie|trident)") { return 403; }
    }
`, i, i, i, i, i)
	}
	b.WriteString("}\n")
	return b.String()
}

func BenchmarkParse1000Lines(b *testing.B) {
	text := benchConfig(1000)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseString("/etc/nginx/nginx.conf", text, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

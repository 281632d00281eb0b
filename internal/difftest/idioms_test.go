package difftest

import "testing"

// TestIdioms runs configuration idioms found in real sites: hidden files,
// favicon without logs, SPA fallbacks, trailing-slash removal, https
// redirects, method filters, per-location and conditional access logs.
func TestIdioms(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format short '$status $uri';
    map_hash_bucket_size 64;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        index index.html;
        error_page 404 /404.html;

        if ($request_method !~ ^(GET|HEAD|POST)$) { return 405; }
        if ($http_user_agent ~* (bot|crawl)) { return 403; }

        location = /404.html { internal; }
        location ~ /\. { deny all; }
        location = /favicon.ico { log_not_found off; access_log off; }
        location /app/ { try_files $uri $uri/ /app/index.html; }
        location /slash/ { rewrite ^/(.*)/$ /$1 permanent; }
        location /secure/ { return 301 https://$host$request_uri; }
        location ~* \.(css|js|png)$ { expires 30d; add_header Cache-Control "public"; }
        location /twologs/ { access_log logs/access.log diff; access_log logs/access.log short; }
        location /condlog/ { access_log logs/access.log diff if=$arg_log; }
    }`,
		files: map[string]string{
			"index.html":     "<p>home</p>\n",
			"404.html":       "<p>not here</p>\n",
			".env":           "SECRET=1\n",
			".git/config":    "[core]\n",
			"app/index.html": "<p>spa</p>\n",
			"app/real.js":    "real();\n",
			"style.css":      "body{}\n",
			"twologs/f.txt":  "f\n",
			"condlog/f.txt":  "f\n",
		},
		cases: []tc{
			get("home", "/"),
			get("custom 404", "/missing"),
			req("custom 404 head", "HEAD", "/missing"),
			get("404 page direct", "/404.html"),
			get("hidden file", "/.env"),
			get("hidden dir", "/.git/config"),
			get("favicon missing", "/favicon.ico"),
			get("spa route", "/app/some/route"),
			get("spa asset", "/app/real.js"),
			get("spa dir", "/app/"),
			get("trailing slash removal", "/slash/path/"),
			get("https redirect", "/secure/x?y=1", "Host: example.com"),
			get("static asset expires", "/style.css"),
			req("method filter delete", "DELETE", "/"),
			req("method filter options", "OPTIONS", "/missing"),
			get("bot filter", "/", "User-Agent: Googlebot/2.1"),
			get("two access logs", "/twologs/f.txt"),
			get("conditional log on", "/condlog/f.txt?log=1"),
			get("conditional log off", "/condlog/f.txt"),
			get("conditional log zero", "/condlog/f.txt?log=0"),
		},
	})
}

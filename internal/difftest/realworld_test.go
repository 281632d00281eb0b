package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The configurations people deploy, as the tutorials and the frameworks'
// documentation give them, with the requests browsers, curl and load
// balancers' health checkers send.

// frontPHP is a framework's front controller: it prints what routing
// sees, redirects /old-post, answers 404 for /nothing.
const frontPHP = `<?php
$u = $_SERVER["REQUEST_URI"];
if (strncmp($u, "/old-post", 9) == 0) { header("Location: http://" . $_SERVER["HTTP_HOST"] . "/new-post/", true, 301); exit; }
if (strncmp($u, "/nothing", 8) == 0) { http_response_code(404); echo "app 404\n"; exit; }
echo "front uri=", $u, " qs=", $_SERVER["QUERY_STRING"], " script=", $_SERVER["SCRIPT_NAME"],
  " self=", $_SERVER["PHP_SELF"], " pi=", $_SERVER["PATH_INFO"] ?? "unset", " host=", $_SERVER["HTTP_HOST"] ?? "unset",
  " sn=", $_SERVER["SERVER_NAME"], " get=", json_encode($_GET), " method=", $_SERVER["REQUEST_METHOD"], "\n";
if ($_POST) { echo "post=", json_encode($_POST), "\n"; }
`

// copyParams puts weir's fastcgi_params and uwsgi_params next to the
// configuration, for "include fastcgi_params;".
func copyParams(t *testing.T, root string) {
	for _, f := range []string{"fastcgi_params", "uwsgi_params"} {
		b, err := os.ReadFile(filepath.Join("../../conf", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(root), "conf", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRealWorldPHP runs WordPress's, Laravel's and Drupal's recommended
// server blocks against one PHP-FPM pool, as name-based virtual hosts.
func TestRealWorldPHP(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	files := map[string]string{
		"wp/index.php":                        frontPHP,
		"wp/wp-login.php":                     frontPHP,
		"wp/wp-admin/index.php":               frontPHP,
		"wp/wp-content/uploads/evil.php":      "<?php echo 'evil';",
		"wp/wp-content/uploads/pic.png":       "PNG",
		"wp/wp-content/themes/t/style.css":    "body { color: red }\n",
		"wp/.htaccess":                        "deny\n",
		"wp/readme.html":                      "<p>readme</p>\n",
		"lv/public/index.php":                 frontPHP,
		"lv/public/robots.txt":                "User-agent: *\n",
		"lv/public/css/app.css":               "a{}\n",
		"lv/public/.env":                      "APP_KEY=x\n",
		"lv/public/.well-known/security.txt":  "Contact: x\n",
		"dr/index.php":                        frontPHP,
		"dr/update.php":                       frontPHP,
		"dr/core/install.php":                 frontPHP,
		"dr/sites/default/files/a.txt":        "file\n",
		"dr/sites/default/files/x.php":        "<?php echo 'x';",
		"dr/sites/default/files/styles/s.png": "PNG",
		"dr/sites/default/private/p.txt":      "private\n",
		"dr/misc/drupal.js":                   "js\n",
		"dr/CHANGELOG.txt":                    "changes\n",
		"dr/vendor/autoload.php":              "<?php echo 'vendor';",
		"dr/.git/HEAD":                        "ref\n",
	}
	runSite(t, &site{
		files:    files,
		setup:    copyParams,
		backends: func(*testing.T, string) []string { return []string{fpm} },
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name wp.test www.wp.test;
        root {{ROOT}}/wp;
        index index.php index.html;
        client_max_body_size 2k;
        location = /favicon.ico { log_not_found off; access_log off; }
        location = /robots.txt { allow all; log_not_found off; access_log off; }
        location / { try_files $uri $uri/ /index.php?$args; }
        location ~* /(?:uploads|files)/.*\.php$ { deny all; }
        location ~ \.php$ {
            try_files $uri =404;
            fastcgi_split_path_info ^(.+\.php)(/.+)$;
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_index index.php;
            fastcgi_intercept_errors on;
            fastcgi_pass {{B0}};
        }
        location ~* \.(js|css|png|jpg|jpeg|gif|ico)$ { expires max; log_not_found off; }
        location ~ /\.ht { deny all; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name lv.test;
        root {{ROOT}}/lv/public;
        add_header X-Frame-Options "SAMEORIGIN";
        add_header X-Content-Type-Options "nosniff";
        index index.php;
        charset utf-8;
        location / { try_files $uri $uri/ /index.php?$query_string; }
        location = /favicon.ico { access_log off; log_not_found off; }
        location = /robots.txt  { access_log off; log_not_found off; }
        error_page 404 /index.php;
        location ~ \.php$ {
            fastcgi_pass {{B0}};
            fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
            include fastcgi_params;
        }
        location ~ /\.(?!well-known).* { deny all; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name dr.test;
        root {{ROOT}}/dr;
        location = /favicon.ico { log_not_found off; access_log off; }
        location = /robots.txt { allow all; log_not_found off; access_log off; }
        location ~* \.(txt|log)$ { allow 192.168.0.0/16; deny all; }
        location ~ \..*/.*\.php$ { return 403; }
        location ~ ^/sites/.*/private/ { return 403; }
        location ~ ^/sites/[^/]+/files/.*\.php$ { deny all; }
        location ~* ^/.well-known/ { allow all; }
        location ~ (^|/)\. { return 403; }
        location / { try_files $uri /index.php?$query_string; }
        location @rewrite { rewrite ^ /index.php; }
        location ~ /vendor/.*\.php$ { deny all; return 404; }
        location ~ '\.php$|^/update.php' {
            fastcgi_split_path_info ^(.+?\.php)(|/.*)$;
            try_files $fastcgi_script_name =404;
            include fastcgi_params;
            fastcgi_param HTTP_PROXY "";
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_intercept_errors on;
            fastcgi_pass {{B0}};
        }
        location ~ ^/sites/.*/files/styles/ { try_files $uri @rewrite; }
        location ~ ^(/[a-z\-]+)?/system/files/ { try_files $uri /index.php?$query_string; }
        location ~* \.(js|css|png|jpg|jpeg|gif|ico|svg)$ { try_files $uri @rewrite; expires max; log_not_found off; }
    }`,
		cases: []tc{
			get("wp home", "/", "Host: wp.test"),
			req("wp home head", "HEAD", "/", "Host: wp.test"),
			get("wp query", "/?p=1&preview=true", "Host: wp.test"),
			get("wp pretty permalink", "/hello-world/", "Host: wp.test"),
			get("wp permalink with args", "/2024/03/hello-world/?utm_source=x&a[]=1", "Host: www.wp.test"),
			get("wp utf-8 permalink", "/%E2%9C%93-check/", "Host: wp.test"),
			get("wp encoded space", "/a%20b/?q=a+b", "Host: wp.test"),
			get("wp app redirect", "/old-post/", "Host: wp.test"),
			get("wp app 404 intercepted", "/nothing/here", "Host: wp.test"),
			get("wp admin dir", "/wp-admin", "Host: wp.test"),
			get("wp admin index", "/wp-admin/?x=1", "Host: wp.test"),
			get("wp login", "/wp-login.php?action=lostpassword", "Host: wp.test"),
			postBody("wp login post", "/wp-login.php", "log=admin&pwd=secret", "Host: wp.test", "Content-Type: application/x-www-form-urlencoded"),
			postBody("wp post too large", "/wp-login.php", strings.Repeat("a=1&", 1000), "Host: wp.test", "Content-Type: application/x-www-form-urlencoded"),
			get("wp missing php", "/xmlrpc2.php", "Host: wp.test"),
			get("wp php path info", "/index.php/feed/", "Host: wp.test"),
			get("wp upload php denied", "/wp-content/uploads/evil.php", "Host: wp.test"),
			get("wp upload png", "/wp-content/uploads/pic.png", "Host: wp.test"),
			get("wp theme css", "/wp-content/themes/t/style.css", "Host: wp.test"),
			get("wp css range", "/wp-content/themes/t/style.css", "Host: wp.test", "Range: bytes=0-3"),
			get("wp css not modified", "/wp-content/themes/t/style.css", "Host: wp.test", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("wp missing css", "/wp-content/themes/t/missing.css", "Host: wp.test"),
			get("wp htaccess", "/.htaccess", "Host: wp.test"),
			get("wp favicon", "/favicon.ico", "Host: wp.test"),
			get("wp robots", "/robots.txt", "Host: wp.test"),
			get("wp static html", "/readme.html", "Host: wp.test"),
			get("lv home", "/", "Host: lv.test"),
			get("lv route", "/users/42?sort=name", "Host: lv.test"),
			get("lv css", "/css/app.css", "Host: lv.test"),
			get("lv robots", "/robots.txt", "Host: lv.test"),
			get("lv env denied", "/.env", "Host: lv.test"),
			get("lv well-known", "/.well-known/security.txt", "Host: lv.test"),
			get("lv app 404", "/nothing", "Host: lv.test"),
			get("lv missing php", "/missing.php", "Host: lv.test"),
			req("lv options", "OPTIONS", "/api/x", "Host: lv.test"),
			req("lv delete", "DELETE", "/api/x", "Host: lv.test"),
			get("dr home", "/", "Host: dr.test"),
			get("dr clean url", "/node/1?destination=x", "Host: dr.test"),
			get("dr update", "/update.php/selection", "Host: dr.test"),
			get("dr install", "/core/install.php?langcode=en", "Host: dr.test"),
			get("dr php in dotdir path", "/a.b/x.php", "Host: dr.test"),
			get("dr private", "/sites/default/private/p.txt", "Host: dr.test"),
			get("dr files php", "/sites/default/files/x.php", "Host: dr.test"),
			get("dr style exists", "/sites/default/files/styles/s.png", "Host: dr.test"),
			get("dr style generated", "/sites/default/files/styles/new.png?itok=1", "Host: dr.test"),
			get("dr system files", "/system/files/doc.pdf", "Host: dr.test"),
			get("dr txt denied", "/CHANGELOG.txt", "Host: dr.test"),
			get("dr js", "/misc/drupal.js", "Host: dr.test"),
			get("dr missing js", "/misc/none.js", "Host: dr.test"),
			get("dr dotgit", "/.git/HEAD", "Host: dr.test"),
			get("dr vendor", "/vendor/autoload.php", "Host: dr.test"),
			get("dr missing php", "/none.php", "Host: dr.test"),
			get("dr robots", "/robots.txt", "Host: dr.test"),
		},
	})
}

// manyHeaders is n "X-Hn: vvv..." header lines with values of size bytes.
func manyHeaders(n, size int) []string {
	var hs []string
	for i := 0; i < n; i++ {
		hs = append(hs, "X-H"+itoa(i)+": "+strings.Repeat("v", size))
	}
	return hs
}

// TestRealWorldStatic is a static site as the tutorials set it up: a
// catch-all default server that drops unknown hosts, a canonical-host
// redirect, hardened headers, custom error pages, caching headers, and
// what health checkers and browsers send to it.
func TestRealWorldStatic(t *testing.T) {
	runSite(t, &site{
		files: map[string]string{
			"site/index.html":        "<h1>home</h1>\n",
			"site/404.html":          "<h1>custom not found</h1>\n",
			"site/50x.html":          "<h1>custom error</h1>\n",
			"site/413.html":          "<h1>too large</h1>\n",
			"site/about/index.html":  "<h1>about</h1>\n",
			"site/docs/guide.html":   "<h1>guide</h1>\n",
			"site/docs/page":         "no extension\n",
			"site/new/page.html":     "<h1>new page</h1>\n",
			"site/css/site.css":      "body{margin:0}\n",
			"site/js/app.js":         "console.log(1)\n",
			"site/img/logo.svg":      "<svg/>\n",
			"site/fonts/f.woff2":     "wOF2",
			"site/data.json":         "{\"a\":1}\n",
			"site/.htpasswd":         "u:x\n",
			"site/.well-known/x.txt": "wk\n",
			"site/caf\xc3\xa9.html":  "<p>cafe</p>\n",
			"site/a b.txt":           "space\n",
			"site/health":            "OK\n",
			"site/dl/file.bin":       "0123456789abcdefghij",
			"site/nocache/n.html":    "<p>n</p>\n",
			"site/epoch/e.html":      "<p>e</p>\n",
			"site/sub/sub.html":      "<p>sub</p>\n",
			"spa/index.html":         "<div id=app></div>\n",
			"spa/assets/app.js":      "spa()\n",
		},
		http: `
    server_tokens off;
    server {
        listen 127.0.0.1:{{PORT}} default_server;
        server_name _;
        return 444;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name example.test;
        return 301 http://www.example.test$request_uri;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name www.example.test alias.example.test;
        root {{ROOT}}/site;
        index index.html index.htm;
        charset utf-8;
        etag off;
        if_modified_since before;
        client_max_body_size 16;
        if ($host != 'www.example.test') { return 301 http://www.example.test$request_uri; }
        add_header X-Frame-Options DENY always;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
        add_header X-Plain plain;
        error_page 404 /404.html;
        error_page 500 502 503 504 /50x.html;
        error_page 413 /413.html;
        location = /404.html { internal; }
        location = /50x.html { internal; }
        location = /413.html { internal; }
        location = /favicon.ico { log_not_found off; access_log off; }
        location = /health { access_log off; default_type text/plain; return 200 "healthy\n"; }
        location = /status { default_type application/json; return 200 '{"status":"ok"}'; }
        location ~ /\.(?!well-known) { deny all; }
        location ~* \.(css|js|svg|woff2)$ { expires max; add_header Cache-Control "public, immutable"; }
        location /nocache/ { expires -1; }
        location /epoch/ { expires epoch; }
        location /docs/ { try_files $uri $uri.html $uri/ =404; }
        location /old/ { rewrite ^/old/(.*)$ /new/$1 permanent; }
        location /tmp/ { rewrite ^/tmp/(.*)$ /new/$1 redirect; }
        location = /old-home { return 301 /; }
        location /boom { return 500; }
        location /gone { return 410; }
        location /drop { return 444; }
        location = /r408 { return 408; }
        location = /r408text { return 408 "timed out\n"; }
        location = /r499 { return 499; }
        location = /r494 { return 494; }
        location = /r501 { error_page 501 = @ok; return 501; }
        location = /r400 { error_page 400 /404.html; return 400; }
        location @ok { return 200 "ok\n"; }
        location /dl/ { types { } default_type application/octet-stream; add_header Content-Disposition "attachment"; }
        location = /upload { client_max_body_size 4; return 204; }
        location /json { types { application/json json; } default_type text/plain; }
        location /sub/ { absolute_redirect off; }
        location /api/ {
            if ($request_method = OPTIONS) {
                add_header Access-Control-Allow-Origin "*";
                add_header Access-Control-Allow-Methods "GET, POST, OPTIONS";
                add_header Access-Control-Max-Age 1728000;
                add_header Content-Type "text/plain; charset=utf-8";
                add_header Content-Length 0;
                return 204;
            }
            add_header Access-Control-Allow-Origin "*" always;
            return 404;
        }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name spa.test;
        root {{ROOT}}/spa;
        location / { try_files $uri /index.html; }
        location /assets/ { expires 1y; access_log off; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name www.example.test;
        root {{ROOT}}/site;
        port_in_redirect off;
        server_name_in_redirect on;
        merge_slashes off;
        location / { }
    }`,
		cases: []tc{
			get("unknown host dropped", "/", "Host: unknown.test"),
			get("no host http/1.1", "/", "Host:"),
			raw("http/1.0 without host", "GET / HTTP/1.0\r\n\r\n"),
			raw("http/1.0 with host", "GET / HTTP/1.0\r\nHost: www.example.test\r\n\r\n"),
			get("ip host", "/", "Host: 127.0.0.1"),
			get("apex redirect", "/path?q=1", "Host: example.test"),
			get("alias host redirect", "/x", "Host: alias.example.test"),
			get("host with port", "/", "Host: www.example.test:8080"),
			get("host upper case", "/", "Host: WWW.Example.TEST"),
			get("host trailing dot", "/", "Host: www.example.test."),
			get("home", "/", "Host: www.example.test"),
			req("home head", "HEAD", "/", "Host: www.example.test"),
			req("home options", "OPTIONS", "/", "Host: www.example.test"),
			raw("options star", "OPTIONS * HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			req("home post", "POST", "/", "Host: www.example.test", "Content-Length: 0"),
			get("home not modified exact", "/", "Host: www.example.test", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("home not modified later", "/", "Host: www.example.test", "If-Modified-Since: Wed, 06 Mar 2024 06:07:08 GMT"),
			get("home modified earlier", "/", "Host: www.example.test", "If-Modified-Since: Mon, 04 Mar 2024 06:07:08 GMT"),
			get("home if-none-match etag off", "/", "Host: www.example.test", "If-None-Match: *"),
			get("home range", "/", "Host: www.example.test", "Range: bytes=1-4"),
			get("home range suffix", "/", "Host: www.example.test", "Range: bytes=-3"),
			get("home range multi", "/", "Host: www.example.test", "Range: bytes=0-1,4-5"),
			get("home range unsatisfiable", "/", "Host: www.example.test", "Range: bytes=100-"),
			req("home range head", "HEAD", "/", "Host: www.example.test", "Range: bytes=0-1"),
			get("home if-range date", "/", "Host: www.example.test", "Range: bytes=0-1", "If-Range: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("index.html direct", "/index.html", "Host: www.example.test"),
			get("about no slash", "/about", "Host: www.example.test"),
			get("about no slash with args", "/about?x=1", "Host: www.example.test"),
			get("about slash", "/about/", "Host: www.example.test"),
			get("not found", "/nope", "Host: www.example.test"),
			req("not found head", "HEAD", "/nope", "Host: www.example.test").sitePage(),
			get("404 page direct", "/404.html", "Host: www.example.test"),
			get("favicon missing", "/favicon.ico", "Host: www.example.test"),
			get("health", "/health", "Host: www.example.test"),
			req("health head", "HEAD", "/health", "Host: www.example.test"),
			get("health http/1.0 no host", "/health", "Host:"),
			get("status json", "/status", "Host: www.example.test"),
			get("htpasswd denied", "/.htpasswd", "Host: www.example.test"),
			get("well-known allowed", "/.well-known/x.txt", "Host: www.example.test"),
			get("css immutable", "/css/site.css", "Host: www.example.test"),
			get("js", "/js/app.js", "Host: www.example.test"),
			get("svg", "/img/logo.svg", "Host: www.example.test"),
			get("woff2", "/fonts/f.woff2", "Host: www.example.test"),
			get("missing css", "/css/none.css", "Host: www.example.test"),
			get("expires -1", "/nocache/n.html", "Host: www.example.test"),
			get("expires epoch", "/epoch/e.html", "Host: www.example.test"),
			get("docs try .html", "/docs/guide", "Host: www.example.test"),
			get("docs exact file", "/docs/page", "Host: www.example.test"),
			get("docs dir", "/docs", "Host: www.example.test"),
			get("docs missing", "/docs/none", "Host: www.example.test"),
			get("docs dir without index", "/docs/", "Host: www.example.test"),
			get("dir without index", "/css/", "Host: www.example.test"),
			get("spa dir without index", "/assets/", "Host: spa.test"),
			get("rewrite permanent", "/old/page.html?ref=1", "Host: www.example.test"),
			get("rewrite redirect", "/tmp/page.html", "Host: www.example.test"),
			get("return 301 relative", "/old-home", "Host: www.example.test"),
			get("return 500 error page", "/boom", "Host: www.example.test"),
			get("return 410", "/gone", "Host: www.example.test"),
			get("return 444", "/drop", "Host: www.example.test"),
			get("download", "/dl/file.bin", "Host: www.example.test"),
			get("download range", "/dl/file.bin", "Host: www.example.test", "Range: bytes=5-"),
			get("json types", "/json", "Host: www.example.test"),
			get("json file", "/data.json", "Host: www.example.test"),
			postBody("upload small", "/upload", "abc", "Host: www.example.test"),
			postBody("upload too large", "/upload", "abcdefgh", "Host: www.example.test"),
			postBody("post too large", "/", strings.Repeat("x", 40), "Host: www.example.test"),
			req("too large announced", "POST", "/", "Host: www.example.test", "Content-Length: 100000"),
			req("cors preflight", "OPTIONS", "/api/x", "Host: www.example.test", "Origin: http://a.test", "Access-Control-Request-Method: POST"),
			get("cors get", "/api/x", "Host: www.example.test", "Origin: http://a.test"),
			get("sub dir relative redirect", "/sub", "Host: www.example.test"),
			get("utf-8 file", "/caf%C3%A9.html", "Host: www.example.test"),
			get("utf-8 raw bytes", "/caf\xc3\xa9.html", "Host: www.example.test"),
			get("space file", "/a%20b.txt", "Host: www.example.test"),
			get("dotdot encoded", "/%2e%2e/etc/passwd", "Host: www.example.test"),
			get("dotdot in path", "//a/../about/", "Host: www.example.test"),
			get("dot segment", "/./about/./", "Host: www.example.test"),
			get("encoded slash", "/about%2Findex.html", "Host: www.example.test"),
			get("double slash", "//about//index.html", "Host: www.example.test"),
			get("dotdot above root", "/../../x", "Host: www.example.test"),
			get("odd query", "/?", "Host: www.example.test"),
			get("odd query 2", "/??a=1&&b", "Host: www.example.test"),
			get("query with hash", "/?a=1#frag", "Host: www.example.test"),
			get("bad percent", "/%zz", "Host: www.example.test"),
			get("percent null", "/a%00b", "Host: www.example.test"),
			get("long header", "/", "Host: www.example.test", "X-Long: "+strings.Repeat("v", 6000)),
			get("long cookie", "/", "Host: www.example.test", "Cookie: "+strings.Repeat("c=1; ", 1500)),
			get("too long header", "/", "Host: www.example.test", "X-Long: "+strings.Repeat("v", 9000)),
			get("long uri fits", "/?q="+strings.Repeat("a", 5000), "Host: www.example.test"),
			get("too long uri", "/?q="+strings.Repeat("a", 9000), "Host: www.example.test"),
			get("too long uri path", "/"+strings.Repeat("p", 9000), "Host: www.example.test"),
			get("many headers", "/", append([]string{"Host: www.example.test"}, manyHeaders(100, 80)...)...),
			get("headers over the large buffers", "/", append([]string{"Host: www.example.test"}, manyHeaders(40, 1000)...)...),
			get("two host headers", "/", "Host: www.example.test", "Host: other.test"),
			get("host with underscore", "/", "Host: www_example.test"),
			get("host with bad chars", "/", "Host: www.example.test/x"),
			get("host empty", "/", "Host: "),
			get("host ipv6 literal", "/", "Host: [::1]:80"),
			get("header without colon", "/", "Host: www.example.test", "BadHeader"),
			get("header with space before colon", "/", "Host: www.example.test", "X-Sp : v"),
			get("header with underscore", "/", "Host: www.example.test", "X_Under: v"),
			get("content-length and chunked", "/", "Host: www.example.test", "Content-Length: 3", "Transfer-Encoding: chunked"),
			get("bad content-length", "/", "Host: www.example.test", "Content-Length: abc"),
			get("gzip transfer-encoding", "/", "Host: www.example.test", "Transfer-Encoding: gzip"),
			get("expect continue on get", "/", "Host: www.example.test", "Expect: 100-continue"),
			get("if-none-match with etag off", "/", "Host: www.example.test", "If-None-Match: \"65e6b68c-e\""),
			get("if-match with etag off", "/", "Host: www.example.test", "If-Match: \"x\""),
			get("if-unmodified-since past", "/", "Host: www.example.test", "If-Unmodified-Since: Mon, 04 Mar 2024 06:07:08 GMT"),
			get("keep-alive static", "/about/", "Host: www.example.test", "Connection: keep-alive"),
			get("keep-alive 404", "/nope", "Host: www.example.test", "Connection: keep-alive"),
			get("keep-alive redirect", "/about", "Host: www.example.test", "Connection: keep-alive"),
			get("keep-alive return 500", "/boom", "Host: www.example.test", "Connection: keep-alive"),
			get("keep-alive 403", "/.htpasswd", "Host: www.example.test", "Connection: keep-alive"),
			get("return 408", "/r408", "Host: www.example.test", "Connection: keep-alive"),
			get("return 408 with text", "/r408text", "Host: www.example.test", "Connection: keep-alive"),
			get("return 499", "/r499", "Host: www.example.test", "Connection: keep-alive"),
			get("return 494 keep-alive", "/r494", "Host: www.example.test", "Connection: keep-alive"),
			get("error_page 501 to named keep-alive", "/r501", "Host: www.example.test", "Connection: keep-alive"),
			get("error_page 400 to file keep-alive", "/r400", "Host: www.example.test", "Connection: keep-alive"),
			get("keep-alive http/1.1 default", "/about/", "Host: www.example.test", "Connection:"),
			raw("http/1.0 keep-alive static", "GET /about/ HTTP/1.0\r\nHost: www.example.test\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("http/1.0 keep-alive return", "GET /status HTTP/1.0\r\nHost: www.example.test\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("http/1.0 keep-alive 404", "GET /nope HTTP/1.0\r\nHost: www.example.test\r\nConnection: keep-alive\r\n\r\n").keep(),
			raw("keep-alive 413 with body", "POST /upload HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 10\r\n\r\n0123456789").keep(),
			raw("keep-alive post discarded", "POST /status HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 5\r\n\r\nhello").keep(),
			rawN("pipelined post and get", 2, "POST /status HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 5\r\n\r\nhelloGET /about/ HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			rawN("pipelined chunked post and get", 2, "POST /status HTTP/1.1\r\nHost: www.example.test\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /about/ HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			rawN("pipelined 413 and get", 2, "POST /upload HTTP/1.1\r\nHost: www.example.test\r\nContent-Length: 10\r\n\r\n0123456789GET /about/ HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			get("absolute uri", "http://www.example.test/about/", "Host: other.test"),
			get("absolute uri https", "https://www.example.test/", "Host: www.example.test"),
			get("keep-alive then close", "/", "Host: www.example.test", "Connection: keep-alive"),
			rawN("pipelined", 3, "GET / HTTP/1.1\r\nHost: www.example.test\r\n\r\nHEAD /css/site.css HTTP/1.1\r\nHost: www.example.test\r\n\r\nGET /nope HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			rawN("pipelined http/1.0", 2, "GET / HTTP/1.0\r\nHost: www.example.test\r\nConnection: keep-alive\r\n\r\nGET /about/ HTTP/1.0\r\nHost: www.example.test\r\n\r\n"),
			raw("lowercase method", "get / HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			raw("http/2 preface on http/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
			raw("http/0.9", "GET /\r\n"),
			raw("unknown method", "PURGE /css/site.css HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			raw("trace", "TRACE / HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n"),
			raw("connect", "CONNECT www.example.test:443 HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n").
				known("nginx 1.22 refuses the authority form in the request line (400); weir follows current nginx, which parses it and answers 405 (see httpcore differsFrom122)"),
			get("spa route", "/dashboard/settings", "Host: spa.test"),
			get("spa asset", "/assets/app.js", "Host: spa.test"),
			get("spa missing asset", "/assets/none.js", "Host: spa.test"),
			get("spa root", "/", "Host: spa.test"),
			get("spa encoded route", "/users/%C3%A9?tab=1", "Host: spa.test"),
			{name: "port2 dir redirect no port", req: "GET /about HTTP/1.1\r\nHost: other.test:9999\r\nConnection: close\r\n\r\n", port: 1},
			{name: "port2 merge slashes off", req: "GET //about//index.html HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n", port: 1},
			{name: "port2 forwarded dir redirect", req: "GET /about?x=1 HTTP/1.1\r\nHost: www.example.test\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: pub.test\r\nConnection: close\r\n\r\n", port: 1},
		},
	})
}

// TestRealWorldProxy is a Node.js application behind the reverse proxy
// block the tutorials give (WebSocket upgrade through a map, the
// X-Forwarded-* headers, static files next to it), a load-balanced API
// with a health check, and an application whose error pages nginx
// replaces.
func TestRealWorldProxy(t *testing.T) {
	runProxy(t, newPool(2), &site{
		files: map[string]string{
			"public/robots.txt":   "User-agent: *\n",
			"public/img/a.png":    "PNG",
			"public/50x.html":     "<h1>we will be back</h1>\n",
			"public/maint/on":     "",
			"public/static/s.css": "s{}\n",
		},
		http: `
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    upstream app { server {{B0}}; keepalive 8; }
    upstream api { server {{B0}} max_fails=1 fail_timeout=5s; server {{B1}} backup; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name app.test;
        root {{ROOT}}/public;
        client_max_body_size 1k;
        error_page 502 503 504 /50x.html;
        location = /50x.html { internal; }
        location = /robots.txt { access_log off; }
        location /static/ { expires 7d; try_files $uri =404; }
        location /img/ { try_files $uri @app; }
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-Port $server_port;
            proxy_cache_bypass $http_upgrade;
            proxy_read_timeout 1s;
        }
        location @app { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /api/ {
            proxy_pass http://api/;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_intercept_errors on;
            proxy_next_upstream error timeout http_502;
            proxy_connect_timeout 1s;
            proxy_read_timeout 1s;
        }
        location = /healthz { access_log off; proxy_pass http://app/health; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /cached/ { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; expires 1h; }
        location /epoch/ { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; expires epoch; }
        location /maint/ {
            if (-f $document_root/maint/on) { return 503; }
            proxy_pass http://app;
            proxy_http_version 1.1;
        }
    }`,
	},
		pc(get("app home", "/", "Host: app.test", "User-Agent: Mozilla/5.0", "Accept: text/html")),
		pc(get("app route with query", "/users/1?tab=posts&x=%20", "Host: app.test")),
		pc(get("app host with port", "/", "Host: app.test:8443")),
		pc(get("app forwarded for appended", "/", "Host: app.test", "X-Forwarded-For: 10.0.0.1, 10.0.0.2")),
		pc(get("app websocket", "/socket.io/?EIO=4&transport=websocket&r=ws", "Host: app.test", "Upgrade: websocket",
			"Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13")),
		pc(get("app keep-alive", "/ka", "Host: app.test", "Connection: keep-alive")),
		pc(req("app head", "HEAD", "/", "Host: app.test")),
		pc(req("app options", "OPTIONS", "/api-like", "Host: app.test", "Origin: http://x.test")),
		pc(postBody("app post json", "/items", `{"a":1}`, "Host: app.test", "Content-Type: application/json")),
		pc(postBody("app post too large", "/items", strings.Repeat("x", 2000), "Host: app.test", "Content-Type: application/json")),
		pc(postChunked("app post chunked", "/items", `{"a":`, `1}`, "Host: app.test", "Content-Type: application/json")),
		pc(get("app relative redirect", "/r/?r=loc-relative", "Host: app.test")),
		pc(get("app self redirect", "/r/?r=loc-self", "Host: app.test")),
		pc(get("app 404 passed", "/r/?r=s404", "Host: app.test")),
		with(get("app down", "/", "Host: app.test"), 0, modeDead),
		with(req("app down head", "HEAD", "/", "Host: app.test"), 0, modeDead),
		with(get("app hangs", "/", "Host: app.test"), 0, modeHang),
		with(get("app resets", "/", "Host: app.test"), 0, modeReset),
		pc(get("robots", "/robots.txt", "Host: app.test")),
		pc(get("static css", "/static/s.css", "Host: app.test")),
		pc(get("static missing", "/static/none.css", "Host: app.test")),
		pc(get("static dir", "/static", "Host: app.test")),
		pc(get("img exists", "/img/a.png", "Host: app.test")),
		pc(get("img falls back to app", "/img/resized/a.png?w=10", "Host: app.test")),
		pc(get("api", "/api/v1/users?limit=5", "Host: app.test:8080")),
		pc(get("api intercepted 404", "/api/v1/x?r=s404", "Host: app.test")),
		pc(get("api intercepted 502", "/api/v1/x?r=s502", "Host: app.test")),
		pc(get("api intercepted 503", "/api/v1/x?r=s503", "Host: app.test")),
		with(get("api failover to backup", "/api/v1/y", "Host: app.test"), 0, modeDead),
		pc(get("api root", "/api/", "Host: app.test")),
		pc(get("api no slash", "/api", "Host: app.test")),
		pc(get("healthz", "/healthz", "Host: app.test")),
		pc(req("healthz head", "HEAD", "/healthz", "Host: app.test")),
		pc(raw("healthz http/1.0 no host", "GET /healthz HTTP/1.0\r\n\r\n")),
		pc(get("maintenance", "/maint/x", "Host: app.test")),
		pc(get("expires over upstream cache-control", "/cached/?r=multi", "Host: app.test")),
		pc(get("expires over upstream headers", "/cached/?r=hidden", "Host: app.test")),
		pc(get("expires epoch over upstream cache-control", "/epoch/?r=multi", "Host: app.test")),
		pc(get("expires on upstream 404", "/cached/?r=s404", "Host: app.test")),
	)
}

// TestRealWorldDjango is Django behind uWSGI as its deployment guide sets
// it up: /static/ and /media/ from aliases, everything else to the
// application through "include uwsgi_params".
func TestRealWorldDjango(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	wsgi := startWSGI(t, "--uwsgi-socket")
	runSite(t, &site{
		files: map[string]string{
			"collected/admin/base.css": "admin{}\n",
			"collected/app.js":         "app()\n",
			"collected/sub/index.html": "<p>static index</p>\n",
			"uploads/photo.jpg":        "JPEG",
		},
		setup:    copyParams,
		backends: func(*testing.T, string) []string { return []string{wsgi} },
		http: `
    upstream django { server {{B0}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name dj.test;
        charset utf-8;
        client_max_body_size 75M;
        location /static/ { alias {{ROOT}}/collected/; expires 30d; }
        location /media  { alias {{ROOT}}/uploads; }
        location = /favicon.ico { access_log off; log_not_found off; }
        location / {
            uwsgi_pass django;
            include uwsgi_params;
        }
    }`,
		cases: []tc{
			get("app", "/polls/1/?q=1", "Host: dj.test"),
			req("app head", "HEAD", "/polls/?nolen=1", "Host: dj.test"), // DOCUMENT_ROOT names the prefix: no length
			postBody("app post", "/polls/1/vote/", "choice=2", "Host: dj.test", "Content-Type: application/x-www-form-urlencoded"),
			get("app status", "/x?status=404+Not+Found", "Host: dj.test"),
			get("app encoded", "/caf%C3%A9/%20x/", "Host: dj.test"),
			get("static css", "/static/admin/base.css", "Host: dj.test"),
			get("static js range", "/static/app.js", "Host: dj.test", "Range: bytes=0-2"),
			get("static missing", "/static/none.css", "Host: dj.test"),
			get("static dir", "/static/sub", "Host: dj.test"),
			get("static dir slash", "/static/sub/", "Host: dj.test"),
			get("static root", "/static/", "Host: dj.test"),
			get("static traversal", "/static/../uploads/photo.jpg", "Host: dj.test"),
			get("media", "/media/photo.jpg", "Host: dj.test"),
			get("media no slash", "/media", "Host: dj.test"),
			get("media prefix sibling", "/mediax/photo.jpg", "Host: dj.test"),
			get("favicon", "/favicon.ico", "Host: dj.test"),
		},
	})
}

// TestRealWorldIdioms gathers the snippets that tutorials pass around:
// expires chosen by a map on the response's type, a virtual host per
// subdomain from a regex server name, clean URLs without .html, the
// index.html strip, hotlink protection, user-agent blocks, an
// add_header at server level that a location's own add_header hides,
// and error_page to a named location or with a changed status.
func TestRealWorldIdioms(t *testing.T) {
	runSite(t, &site{
		files: map[string]string{
			"www/index.html":         "<p>www</p>\n",
			"www/about.html":         "<p>about</p>\n",
			"www/blog/index.html":    "<p>blog</p>\n",
			"www/blog/post.html":     "<p>post</p>\n",
			"www/img/pic.jpg":        "JPG",
			"www/css/a.css":          "a{}\n",
			"www/dl/file.zip":        "PK",
			"www/fallback.html":      "<p>fallback</p>\n",
			"users/alice/index.html": "<p>alice</p>\n",
			"users/alice/pub/x.txt":  "x\n",
			"users/bob/index.html":   "<p>bob</p>\n",
			"sites/shop/index.html":  "<p>shop</p>\n",
			"sites/shop/cart/a.html": "<p>cart</p>\n",
			"gallery/images/cat.png": "PNG",
		},
		http: `
    map $sent_http_content_type $expires {
        default off;
        text/html epoch;
        text/css max;
        application/javascript max;
        ~image/ 1h;
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name www.site.test;
        root {{ROOT}}/www;
        expires $expires;
        add_header X-Server-Level yes;
        location / {
            try_files $uri $uri.html $uri/ =404;
        }
        location ~ ^(.*)/index\.html$ { return 301 $1/; }
        location ~ \.html$ { if ($request_uri ~ ^(.*)\.html(\?.*)?$) { return 301 $1$2; } try_files $uri =404; }
        location /img/ {
            valid_referers none blocked server_names *.site.test ~\.google\.;
            if ($invalid_referer) { return 403; }
        }
        location /css/ { add_header X-Loc-Level css; }
        location /dl/ {
            if ($http_user_agent ~* (wget|curl|python-requests)) { return 403; }
            add_header Content-Disposition 'attachment; filename="$arg_name"';
        }
        location /gone/ { error_page 404 = @fallback; }
        location /soft/ { error_page 404 =200 /fallback.html; }
        location /code/ { error_page 404 =302 http://www.site.test/; }
        location /vexp/ { alias {{ROOT}}/www/; expires $arg_e; }
        location /vmod/ { alias {{ROOT}}/www/; expires modified $arg_e; }
        location /mod0/ { alias {{ROOT}}/www/; expires modified 0; }
        location @fallback { return 200 "fallback for $uri\n"; }
        location ~ ^/gallery/(.+\.(?:gif|jpe?g|png))$ { alias {{ROOT}}/gallery/images/$1; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ~^(?<user>[a-z]+)\.users\.test$;
        root {{ROOT}}/users/$user;
        index index.html;
        location / { try_files $uri $uri/ =404; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name ~^(www\.)?(?<domain>.+)\.shop\.test$;
        root {{ROOT}}/sites/$domain;
        location / { }
    }`,
		cases: []tc{
			get("html expires epoch", "/", "Host: www.site.test"),
			get("css expires max", "/css/a.css", "Host: www.site.test"),
			get("image expires 1h", "/img/pic.jpg", "Host: www.site.test"),
			get("zip no expires", "/dl/file.zip", "Host: www.site.test"),
			get("404 expires", "/none", "Host: www.site.test"),
			get("expires var empty", "/vexp/dl/file.zip", "Host: www.site.test"),
			get("expires var time", "/vexp/dl/file.zip?e=2h", "Host: www.site.test"),
			get("expires var plus", "/vexp/dl/file.zip?e=+30m", "Host: www.site.test"),
			get("expires var negative", "/vexp/dl/file.zip?e=-1h", "Host: www.site.test"),
			get("expires var zero", "/vexp/dl/file.zip?e=0", "Host: www.site.test"),
			get("expires var max", "/vexp/dl/file.zip?e=max", "Host: www.site.test"),
			get("expires var off", "/vexp/dl/file.zip?e=off", "Host: www.site.test"),
			get("expires var invalid", "/vexp/dl/file.zip?e=soon", "Host: www.site.test"),
			get("expires var daily too long", "/vexp/dl/file.zip?e=@25h", "Host: www.site.test"),
			get("expires var on a 404", "/vexp/none.zip?e=1h", "Host: www.site.test"),
			get("expires modified var", "/vmod/dl/file.zip?e=1000d", "Host: www.site.test"),
			get("expires modified var past", "/vmod/dl/file.zip?e=1h", "Host: www.site.test"),
			get("expires modified var zero", "/vmod/dl/file.zip?e=0", "Host: www.site.test"),
			get("expires modified var epoch", "/vmod/dl/file.zip?e=epoch", "Host: www.site.test"),
			get("expires modified var daily", "/vmod/dl/file.zip?e=@10h", "Host: www.site.test"),
			get("expires modified 0", "/mod0/dl/file.zip", "Host: www.site.test"),
			get("clean url", "/about", "Host: www.site.test"),
			get("clean url dir", "/blog", "Host: www.site.test"),
			get("clean url dir slash", "/blog/", "Host: www.site.test"),
			get("clean url in dir", "/blog/post", "Host: www.site.test"),
			get("html stripped", "/about.html?x=1", "Host: www.site.test"),
			get("index.html stripped", "/blog/index.html", "Host: www.site.test"),
			get("root index.html stripped", "/index.html", "Host: www.site.test"),
			get("referer none", "/img/pic.jpg", "Host: www.site.test"),
			get("referer own", "/img/pic.jpg", "Host: www.site.test", "Referer: http://www.site.test/page"),
			get("referer sub", "/img/pic.jpg", "Host: www.site.test", "Referer: https://cdn.site.test/x"),
			get("referer google", "/img/pic.jpg", "Host: www.site.test", "Referer: https://www.google.com/"),
			get("referer blocked", "/img/pic.jpg", "Host: www.site.test", "Referer: stripped-by-proxy"),
			get("referer other", "/img/pic.jpg", "Host: www.site.test", "Referer: http://evil.test/"),
			get("server add_header hidden", "/css/a.css", "Host: www.site.test"),
			get("curl blocked", "/dl/file.zip", "Host: www.site.test", "User-Agent: curl/8.0.1"),
			get("download named", "/dl/file.zip?name=a.zip", "Host: www.site.test", "User-Agent: Mozilla/5.0"),
			get("error_page named", "/gone/x?y=1", "Host: www.site.test"),
			get("error_page =200", "/soft/x", "Host: www.site.test"),
			req("error_page =200 head", "HEAD", "/soft/x", "Host: www.site.test"),
			get("error_page =302", "/code/x", "Host: www.site.test"),
			get("regex alias", "/gallery/cat.png", "Host: www.site.test"),
			get("regex alias missing", "/gallery/dog.png", "Host: www.site.test"),
			get("user vhost", "/", "Host: alice.users.test"),
			get("user vhost file", "/pub/x.txt", "Host: alice.users.test"),
			get("user vhost dir", "/pub", "Host: alice.users.test"),
			get("user vhost other", "/", "Host: bob.users.test"),
			get("user vhost missing user", "/", "Host: carol.users.test"),
			get("shop vhost", "/", "Host: www.shop.shop.test"),
			get("shop vhost no www", "/cart/a.html", "Host: shop.shop.test"),
			get("shop vhost dir redirect", "/cart", "Host: shop.shop.test"),
			get("shop vhost missing", "/", "Host: none.shop.test"),
		},
	})
}

// TestRealWorldWordPressCache is the FastCGI cache that WordPress
// hosting guides add in front of PHP-FPM: skip rules for POST, query
// strings, admin pages and logged-in cookies, an X-FastCGI-Cache header,
// and the usual http-level settings of a stock nginx.conf (gzip for
// text types, sendfile, open_file_cache). The log leaves out
// $body_bytes_sent: compressed lengths differ with the deflate library.
func TestRealWorldWordPressCache(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	runSite(t, &site{
		files: map[string]string{
			"index.php":      frontPHP,
			"wp-admin/x.php": frontPHP,
			"session.php":    `<?php session_id("fixedsession1"); session_start(); echo "session\n";`,
			"nocache.php":    `<?php header("Cache-Control: no-cache, must-revalidate, max-age=0"); header("Expires: Wed, 11 Jan 1984 05:00:00 GMT"); echo "no cache\n";`,
			"css/big.css":    strings.Repeat("body { margin: 0; padding: 0; }\n", 100),
			"js/app.js":      strings.Repeat("console.log('x');\n", 100),
			"img/a.png":      strings.Repeat("P", 2000),
		},
		setup:    copyParams,
		backends: func(*testing.T, string) []string { return []string{fpm} },
		http: `
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    types_hash_max_size 2048;
    server_names_hash_bucket_size 64;
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 30s;
    open_file_cache_min_uses 2;
    open_file_cache_errors on;
    gzip on;
    gzip_vary on;
    gzip_proxied any;
    gzip_comp_level 6;
    gzip_buffers 16 8k;
    gzip_http_version 1.1;
    gzip_min_length 256;
    gzip_types text/plain text/css application/json application/javascript text/xml application/xml application/xml+rss text/javascript;
    log_format main '$status "$request" "$remote_addr - $remote_user" "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $upstream_cache_status "$sent_http_content_encoding"';
    fastcgi_cache_path {{PREFIX}}/tmp/wpcache levels=1:2 keys_zone=WORDPRESS:10m inactive=60m;
    fastcgi_cache_key "$scheme$request_method$host$request_uri";
    fastcgi_cache_use_stale error timeout invalid_header http_500;
    fastcgi_ignore_headers Cache-Control Expires Set-Cookie;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        index index.php;
        access_log logs/access.log main;
        set $skip_cache 0;
        if ($request_method = POST) { set $skip_cache 1; }
        if ($query_string != "") { set $skip_cache 1; }
        if ($request_uri ~* "/wp-admin/|/xmlrpc.php|wp-.*.php|/feed/|index.php|sitemap(_index)?.xml") { set $skip_cache 1; }
        if ($http_cookie ~* "comment_author|wordpress_[a-f0-9]+|wp-postpass|wordpress_no_cache|wordpress_logged_in") { set $skip_cache 1; }
        location / { try_files $uri $uri/ /index.php?$args; }
        location ~ \.php$ {
            try_files $uri =404;
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_pass {{B0}};
            fastcgi_cache_bypass $skip_cache;
            fastcgi_no_cache $skip_cache;
            fastcgi_cache WORDPRESS;
            fastcgi_cache_valid 200 301 302 60m;
            add_header X-FastCGI-Cache $upstream_cache_status;
        }
        location ~* \.(css|js|png)$ { expires 30d; add_header Cache-Control "public, no-transform"; }
    }`,
		cases: []tc{
			get("page miss", "/hello/", "Accept-Encoding: gzip, deflate, br"),
			get("page hit", "/hello/", "Accept-Encoding: gzip, deflate, br"),
			get("page hit no gzip", "/hello/"),
			req("page hit head", "HEAD", "/hello/"),
			get("page with query bypass", "/hello/?s=x"),
			get("page logged in bypass", "/hello/", "Cookie: wordpress_logged_in_abc=1"),
			postBody("comment post bypass", "/hello/", "c=1", "Content-Type: application/x-www-form-urlencoded"),
			get("admin bypass", "/wp-admin/x.php"),
			get("redirect cached miss", "/old-post/x"),
			get("redirect cached hit", "/old-post/x"),
			get("404 from app", "/nothing/x"),
			get("404 from app again", "/nothing/x"),
			get("session headers", "/session.php"),
			get("session headers again", "/session.php"),
			get("app cache headers ignored", "/nocache.php"),
			get("app cache headers ignored hit", "/nocache.php"),
			get("css gzip", "/css/big.css", "Accept-Encoding: gzip"),
			get("css gzip http/1.0", "/css/big.css", "Accept-Encoding: gzip", "Connection:"),
			get("js gzip", "/js/app.js", "Accept-Encoding: gzip"),
			get("js gzip via proxy", "/js/app.js", "Accept-Encoding: gzip", "Via: 1.1 proxy"),
			get("png not gzipped", "/img/a.png", "Accept-Encoding: gzip"),
			get("css identity", "/css/big.css", "Accept-Encoding: identity"),
			get("css gzip q=0", "/css/big.css", "Accept-Encoding: gzip;q=0"),
			get("css range with gzip", "/css/big.css", "Accept-Encoding: gzip", "Range: bytes=0-9"),
			get("css missing", "/css/none.css"),
			get("css missing again", "/css/none.css"),
		},
	})
}

package difftest

import (
	"strings"
	"testing"
)

// More real configurations, in the manner of corpus2_test.go: Odoo,
// Moodle, Matomo, phpMyAdmin, Symfony, MinIO, a caching CDN front, a
// rate-limited API, canary routing, ingress-style snippets, Home
// Assistant, Synapse, Gitea and Keycloak, each as published (ports,
// certificates and paths made local), with the requests their users
// send. Each has been checked whole with nginx -t and weir -t too.
//
// Sites that leave proxy_http_version at its default set 1.0 in the http
// block: weir follows nginx 1.29.7 (1.1 and upstream keepalive by
// default), where nginx 1.22 speaks HTTP/1.0 with Connection: close.

// sendParts is a request whose head goes first and each of parts after
// it in a write of its own (a client streaming an upload).
func sendParts(c tc, parts ...string) tc {
	c.parts = append([]string{c.req}, parts...)
	c.req = ""
	return c
}

// chunkedUpload is a request with a chunked body whose chunks are
// written one by one after the head, the last chunk with the last one.
func chunkedUpload(name, method, uri string, chunks []string, hdr ...string) tc {
	c := req(name, method, uri, append(hdr, "Transfer-Encoding: chunked")...)
	var parts []string
	for i, ch := range chunks {
		p := hex(len(ch)) + "\r\n" + ch + "\r\n"
		if i == len(chunks)-1 {
			p += "0\r\n\r\n"
		}
		parts = append(parts, p)
	}
	return sendParts(c, parts...)
}

// TestCorpus3MinIO: MinIO's documented proxy: request and response
// buffering off, no body size limit, invalid header names passed,
// chunked_transfer_encoding off, least_conn upstreams, the console under
// /minio/ui/ with its WebSocket. The uploads come as S3 clients send
// them: a Content-Length body after the head, chunked bodies in several
// writes (nginx passes each read on as a chunk of its own), a large one.
func TestCorpus3MinIO(t *testing.T) {
	p := newPool(3)
	big := strings.Repeat("0123456789abcdef", 2500) // 40000 bytes
	runProxy(t, p, &site{
		http: `upstream minio_s3 { least_conn; server {{B0}}; server {{B1}}; }
    upstream minio_console { least_conn; server {{B2}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name minio.example.net;
      ignore_invalid_headers off;
      client_max_body_size 0;
      proxy_buffering off;
      proxy_request_buffering off;
      location / {
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 300;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        chunked_transfer_encoding off;
        proxy_pass http://minio_s3;
      }
      location /minio/ui/ {
        rewrite ^/minio/ui/(.*) /$1 break;
        proxy_set_header Host $http_host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-NginX-Proxy true;
        real_ip_header X-Real-IP;
        proxy_connect_timeout 300;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        chunked_transfer_encoding off;
        proxy_pass http://minio_console;
      }
    }`,
	},
		pc(get("list buckets", "/", "Host: minio.example.net", "X-Amz-Date: 20240305T060708Z", "X-Amz-Content-Sha256: UNSIGNED-PAYLOAD")),
		pc(req("head object", "HEAD", "/bucket/photo.jpg", "Host: minio.example.net")),
		pc(get("get object", "/bucket/big.bin?r=big", "Host: minio.example.net")),
		pc(get("get object without a length", "/bucket/stream?r=nolength", "Host: minio.example.net")),
		pc(get("get object chunked by minio", "/bucket/chunks?r=chunked", "Host: minio.example.net")),
		pc(get("invalid header names passed", "/bucket/?list-type=2", "Host: minio.example.net", "X-Amz-Meta-my.key: v", "X_Custom: u")),
		pc(sendParts(req("put object", "PUT", "/bucket/a.txt", "Host: minio.example.net", "Content-Length: 11", "Content-Type: text/plain"),
			"hello ", "world")),
		pc(chunkedUpload("put chunked in writes", "PUT", "/bucket/c.txt", []string{"hello ", "chunked ", "world"}, "Host: minio.example.net")),
		pc(chunkedUpload("put chunked large", "PUT", "/bucket/big.txt", []string{big, big[:5000]}, "Host: minio.example.net")),
		pc(sendParts(req("put chunks split inside", "PUT", "/bucket/s.txt", "Host: minio.example.net", "Transfer-Encoding: chunked"),
			"5\r\nhel", "lo\r\n3\r\nabc\r\n4\r\n", "defg\r\n0\r\n\r\n")),
		pc(sendParts(req("put chunked with some at once", "PUT", "/bucket/p.txt", "Host: minio.example.net", "Transfer-Encoding: chunked").
			withBody("5\r\nfirst\r\n"), "6\r\nsecond\r\n", "5\r\nthird\r\n0\r\n\r\n")),
		pc(sendParts(req("large content-length upload", "PUT", "/bucket/l.bin", "Host: minio.example.net", "Content-Length: 1500000"),
			strings.Repeat("z", 700000), strings.Repeat("z", 800000))),
		pc(postBody("multipart upload start", "/bucket/big.iso?uploads", "", "Host: minio.example.net")),
		pc(wsGet("console websocket", "/minio/ui/ws/objectManager?r=ws", "Host: minio.example.net")),
		pc(get("console page", "/minio/ui/browser/bucket", "Host: minio.example.net")),
	)
}

// TestCorpus3Odoo: Odoo's documented front: the HTTP server redirecting
// to HTTPS, the chat server (longpolling and the WebSocket) on its own
// upstream, session cookies given SameSite and Secure, cached static
// files, module static files from disk through try_files to a named
// location, gzip for the application's types.
func TestCorpus3Odoo(t *testing.T) {
	p := newPool(2)
	runProxy(t, p, &site{
		files: map[string]string{
			"odoo/odoo/addons/web/static/img/logo.png": "PNG",
			"odoo/addons/custom/static/src/app.js":     "app();\n",
		},
		http: `proxy_http_version 1.0;
    upstream odoo { server {{B0}}; }
    upstream odoochat { server {{B1}}; }
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server {
      listen 127.0.0.1:{{PORT2}};
      server_name odoo.example.com;
      rewrite ^(.*) https://$host$1 permanent;
    }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name odoo.example.com;
      proxy_read_timeout 720s;
      proxy_connect_timeout 720s;
      proxy_send_timeout 720s;
      location /websocket {
        proxy_pass http://odoochat;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Real-IP $remote_addr;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains";
        proxy_cookie_flags session_id samesite=lax secure;
      }
      location /longpolling {
        proxy_pass http://odoochat;
      }
      location / {
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_redirect off;
        proxy_pass http://odoo;
        add_header Strict-Transport-Security "max-age=31536000; includeSubDomains";
        proxy_cookie_flags session_id samesite=lax secure;
      }
      location ~* /web/static/ {
        proxy_cache_valid 200 90m;
        proxy_buffering on;
        expires 864000;
        proxy_pass http://odoo;
      }
      location @odoo {
        proxy_set_header X-Forwarded-Host $http_host;
        proxy_pass http://odoo;
      }
      location ~ ^/[^/]+/static/.+$ {
        root {{ROOT}}/odoo;
        try_files /odoo/addons$uri /addons$uri @odoo;
        expires 24h;
        add_header Content-Security-Policy "default-src 'none'" always;
      }
      gzip_types text/css text/scss text/plain text/xml application/xml application/json application/javascript;
      gzip on;
    }`,
	},
		pc(get("http redirects to https", "/web/login?db=prod", "Host: odoo.example.com").onPort2()),
		pc(get("login page", "/web/login", "Host: odoo.example.com")),
		pc(postBody("login sets the session cookie", "/web/login?r=session", "login=admin&password=x", "Host: odoo.example.com",
			"Content-Type: application/x-www-form-urlencoded")),
		pc(postBody("json rpc gzipped", "/web/dataset/call_kw/res.partner/read", `{"jsonrpc":"2.0","params":{}}`, "Host: odoo.example.com",
			"Content-Type: application/json", "Accept-Encoding: gzip, deflate, br").
			known("the same body compressed by Go's compress/flate is some bytes longer or shorter than zlib's, so $body_bytes_sent differs (the decompressed bodies and the headers match)")),
		pc(wsGet("websocket", "/websocket?version=17.0-1&r=ws", "Host: odoo.example.com", "Cookie: session_id=abc123")),
		pc(postBody("longpolling", "/longpolling/poll", `{"params":{"channels":[],"last":0}}`, "Host: odoo.example.com", "Content-Type: application/json")),
		pc(get("web static proxied with expires", "/web/static/src/css/bootstrap.css", "Host: odoo.example.com")),
		pc(get("module static from disk", "/custom/static/src/app.js", "Host: odoo.example.com")),
		pc(get("module static missing goes to odoo", "/other/static/src/none.js", "Host: odoo.example.com")),
		pc(get("odoo 404 keeps the header", "/custom/static/src/none.js?r=s404", "Host: odoo.example.com")),
		with(get("odoo down", "/web", "Host: odoo.example.com"), 0, modeDead),
	)
}

// TestCorpus3HomeAssistant: Home Assistant behind nginx: the HTTP
// server's redirect, the application unbuffered with its WebSocket,
// proxy_redirect turning http:// into https://, long event streams.
func TestCorpus3HomeAssistant(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		http: `map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server {
      listen 127.0.0.1:{{PORT2}} default_server;
      server_name _;
      return 301 https://$host$request_uri;
    }
    server {
      listen 127.0.0.1:{{PORT}} default_server;
      server_name ha.example.com;
      add_header Strict-Transport-Security "max-age=31536000; includeSubdomains";
      proxy_buffering off;
      location / {
        proxy_pass http://{{B0}};
        proxy_set_header Host $host;
        proxy_redirect http:// https://;
        proxy_http_version 1.1;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
      }
    }`,
	},
		pc(get("redirect to https", "/lovelace/0?edit=1", "Host: ha.example.com").onPort2()),
		pc(get("frontend", "/", "Host: ha.example.com")),
		pc(wsGet("api websocket", "/api/websocket?r=ws", "Host: ha.example.com")),
		pc(get("auth redirect rewritten", "/auth/authorize?r=loc-self", "Host: ha.example.com")),
		pc(get("other redirect rewritten", "/auth/x?r=loc-other", "Host: ha.example.com")),
		pc(postBody("service call", "/api/services/light/turn_on", `{"entity_id":"light.kitchen"}`, "Host: ha.example.com",
			"Authorization: Bearer eyJ0eXAi", "Content-Type: application/json")),
		pc(get("event stream chunked", "/api/stream?r=chunked", "Host: ha.example.com", "Accept: text/event-stream")),
		pc(get("history large", "/api/history/period?r=big", "Host: ha.example.com")),
		with(get("home assistant restarting", "/", "Host: ha.example.com"), 0, modeDead),
	)
}

// TestCorpus3Synapse: Matrix Synapse's reverse proxy: the client and
// federation APIs by a regex location with a 50M body limit, the
// .well-known answers from return.
func TestCorpus3Synapse(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		http: `server {
      listen 127.0.0.1:{{PORT}};
      listen 127.0.0.1:{{PORT2}} default_server;
      server_name matrix.example.com;
      location ~ ^(/_matrix|/_synapse/client) {
        proxy_pass http://{{B0}};
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Host $host;
        client_max_body_size 50M;
        proxy_http_version 1.1;
        # weir follows nginx 1.29.7's keepalive default here (no
        # "Connection: close" with 1.1): the header is set as 1.29 sends it
        proxy_set_header Connection "";
      }
      location /.well-known/matrix/server {
        default_type application/json;
        return 200 '{"m.server": "matrix.example.com:443"}';
      }
      location /.well-known/matrix/client {
        default_type application/json;
        add_header Access-Control-Allow-Origin *;
        return 200 '{"m.homeserver": {"base_url": "https://matrix.example.com"}}';
      }
    }`,
	},
		pc(get("well-known server", "/.well-known/matrix/server", "Host: matrix.example.com")),
		pc(get("well-known client", "/.well-known/matrix/client", "Host: matrix.example.com", "Origin: https://app.element.io")),
		pc(get("versions", "/_matrix/client/versions", "Host: matrix.example.com")),
		pc(get("long sync", "/_matrix/client/v3/sync?timeout=30000&since=s72594_4483_1934", "Host: matrix.example.com",
			"Authorization: Bearer syt_abc")),
		pc(req("put event", "PUT", "/_matrix/client/v3/rooms/%21abc%3Aexample.com/send/m.room.message/txn1", "Host: matrix.example.com",
			"Content-Type: application/json", "Content-Length: 35").withBody(`{"msgtype":"m.text","body":"hello"}`)),
		pc(postBody("media upload", "/_matrix/media/v3/upload?filename=a.png", strings.Repeat("P", 3000), "Host: matrix.example.com",
			"Content-Type: image/png")),
		pc(get("federation on 8448", "/_matrix/federation/v1/version", "Host: matrix.example.com:8448").onPort2()),
		pc(get("synapse admin client", "/_synapse/client/pick_idp?idp=oidc", "Host: matrix.example.com")),
		pc(get("other paths are nginx's", "/_synapse/admin/v1/users", "Host: matrix.example.com")),
		pc(req("upload too large", "POST", "/_matrix/media/v3/upload", "Host: matrix.example.com", "Content-Length: 60000000")),
	)
}

// TestCorpus3Gitea: Gitea's documented proxy: the WebSocket by the
// client's own Connection header, a sub-path by the raw request URI
// (rewrite ^ $request_uri; then cut), assets from an alias, and a
// push's body over the 8k default buffer going to a temporary file.
func TestCorpus3Gitea(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		files: map[string]string{"gitea/public/assets/css/index.css": "body{}\n"},
		http: `proxy_http_version 1.0;
    server {
      listen 127.0.0.1:{{PORT}};
      server_name git.example.com;
      location / {
        client_max_body_size 512M;
        proxy_pass http://{{B0}};
        proxy_set_header Connection $http_connection;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
      }
      location /git/ {
        rewrite ^ $request_uri;
        rewrite ^/git(/.*) $1 break;
        proxy_pass http://{{B0}}$uri;
      }
      location /_/static/assets/ {
        alias {{ROOT}}/gitea/public/assets/;
      }
    }`,
	},
		pc(get("explore", "/explore/repos?q=&sort=recentupdate", "Host: git.example.com")),
		pc(wsGet("websocket with the client's connection header", "/-/ws?r=ws", "Host: git.example.com")),
		pc(get("sub-path keeps the encoded uri", "/git/user/repo/src/branch/main/a%20b%2Fc.txt", "Host: git.example.com")),
		pc(get("sub-path with arguments", "/git/user/repo/issues?state=open&q=a%26b", "Host: git.example.com")),
		pc(get("asset by alias", "/_/static/assets/css/index.css", "Host: git.example.com")),
		pc(get("missing asset", "/_/static/assets/css/none.css", "Host: git.example.com")),
		pc(postBody("git push over the buffer", "/user/repo.git/git-receive-pack", strings.Repeat("PACK", 3000), "Host: git.example.com",
			"Content-Type: application/x-git-receive-pack-request")),
		pc(chunkedUpload("git push chunked", "POST", "/user/repo.git/git-upload-pack", []string{"0032want abc\n", "00000009done\n"}, "Host: git.example.com",
			"Content-Type: application/x-git-upload-pack-request")),
		pc(get("keep-alive client connection header", "/api/v1/version", "Host: git.example.com", "Connection: keep-alive").keep()),
	)
}

// TestCorpus3Keycloak: Keycloak behind nginx: large proxy buffers for
// its big headers, realms and resources by a regex location, the admin
// console open to some networks only, / redirected to the account page
// and everything else 404.
func TestCorpus3Keycloak(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		http: `proxy_http_version 1.0;
    upstream keycloak { server {{B0}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name auth.example.com;
      proxy_buffer_size 128k;
      proxy_buffers 4 256k;
      proxy_busy_buffers_size 256k;
      location ~ ^/(realms|resources|js)/ {
        proxy_pass http://keycloak;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-Port $server_port;
      }
      location /admin/ {
        allow 10.0.0.0/8;
        allow 127.0.0.1;
        deny all;
        proxy_pass http://keycloak;
      }
      location = / {
        return 302 /realms/master/account/;
      }
      location / {
        return 404;
      }
    }`,
	},
		pc(get("root to the account page", "/", "Host: auth.example.com")),
		pc(get("openid configuration", "/realms/master/.well-known/openid-configuration", "Host: auth.example.com")),
		pc(get("auth with a big header answer", "/realms/master/protocol/openid-connect/auth?client_id=app&r=bigheader", "Host: auth.example.com")),
		pc(postBody("token", "/realms/master/protocol/openid-connect/token", "grant_type=authorization_code&code=abc", "Host: auth.example.com",
			"Content-Type: application/x-www-form-urlencoded", "Cookie: KEYCLOAK_SESSION="+strings.Repeat("s", 3000))),
		pc(get("login redirect with cookies", "/realms/master/login-actions/authenticate?r=multi", "Host: auth.example.com")),
		pc(get("resources", "/resources/abc/login/keycloak/css/login.css", "Host: auth.example.com")),
		pc(get("admin console from localhost", "/admin/master/console/", "Host: auth.example.com")),
		pc(get("anything else is 404", "/auth/realms/master", "Host: auth.example.com")),
		pc(get("large cookie header", "/realms/master/account/", "Host: auth.example.com", "Cookie: AUTH_SESSION_ID="+strings.Repeat("a", 6000))),
	)
}

// phpSite runs a PHP application's server block against one PHP-FPM
// pool (the one the difftests start), with weir's fastcgi_params next to
// the configuration.
func phpSite(t *testing.T, files map[string]string, http string, cases ...tc) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	runSite(t, &site{
		files:    files,
		setup:    copyParams,
		backends: func(*testing.T, string) []string { return []string{fpm} },
		http:     http,
		cases:    cases,
	})
}

// TestCorpus3Moodle: Moodle's documented server block: PHP with
// PATH_INFO from fastcgi_split_path_info (the slash arguments Moodle
// uses for files), an internal dataroot alias for X-Accel-Redirect, and
// the paths Moodle wants hidden answered 404.
func TestCorpus3Moodle(t *testing.T) {
	phpSite(t, map[string]string{
		"moodle/index.php":            frontPHP,
		"moodle/pluginfile.php":       frontPHP,
		"moodle/login/index.php":      frontPHP,
		"moodle/theme/styles.php":     frontPHP,
		"moodle/composer.json":        "{}\n",
		"moodle/lib/upgrade.txt":      "upgrade\n",
		"moodle/vendor/autoload.php":  "<?php echo 'vendor';",
		"moodle/.git/config":          "git\n",
		"moodle/pix/i/loading.gif":    "GIF",
		"moodle/course/":              "",
		"moodledata/filedir/ab/cd/ef": "stored file\n",
	}, `
    server {
      listen 127.0.0.1:{{PORT}};
      server_name moodle.example.com;
      root {{ROOT}}/moodle;
      index index.php;
      client_max_body_size 100M;
      location / {
        try_files $uri $uri/ =404;
      }
      location ~ [^/]\.php(/|$) {
        fastcgi_split_path_info ^(.+\.php)(/.+)$;
        fastcgi_index index.php;
        fastcgi_pass {{B0}};
        include fastcgi_params;
        fastcgi_param PATH_INFO $fastcgi_path_info;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      }
      location /dataroot/ {
        internal;
        alias {{ROOT}}/moodledata/;
      }
      location ~ (/vendor/|/node_modules/|composer\.json|/readme|/README|readme\.txt|/upgrade\.txt|db/install\.xml|/fixtures/|/behat/|phpunit\.xml|\.lock|environment\.xml) {
        deny all;
        return 404;
      }
      location ~ /\.(?!well-known).* {
        return 404;
      }
    }`,
		get("front page", "/", "Host: moodle.example.com"),
		get("login", "/login/index.php", "Host: moodle.example.com"),
		get("slash arguments", "/pluginfile.php/27/mod_resource/content/1/notes.pdf?forcedownload=1", "Host: moodle.example.com"),
		get("theme with path info", "/theme/styles.php/boost/1700000000_1/all", "Host: moodle.example.com"),
		req("login post", "POST", "/login/index.php", "Host: moodle.example.com", "Content-Type: application/x-www-form-urlencoded",
			"Content-Length: 27").withBody("username=admin&password=pw1"),
		get("course directory without index", "/course/", "Host: moodle.example.com"),
		get("image", "/pix/i/loading.gif", "Host: moodle.example.com"),
		get("composer.json hidden", "/composer.json", "Host: moodle.example.com"),
		get("upgrade.txt hidden", "/lib/upgrade.txt", "Host: moodle.example.com"),
		get("vendor php hidden", "/vendor/autoload.php", "Host: moodle.example.com"),
		get("dot directory hidden", "/.git/config", "Host: moodle.example.com"),
		get("dataroot is internal", "/dataroot/filedir/ab/cd/ef", "Host: moodle.example.com"),
		get("missing php", "/nothing.php", "Host: moodle.example.com"),
	)
}

// TestCorpus3Matomo: Matomo's recommended server block: only its entry
// points go to PHP (through Debian's snippets/fastcgi-php.conf), other
// PHP files and its internal directories are 403, static files cached
// for an hour, the tag manager preview never cached, markdown as text.
func TestCorpus3Matomo(t *testing.T) {
	phpSite(t, map[string]string{
		"matomo/index.php":                        frontPHP,
		"matomo/matomo.php":                       frontPHP,
		"matomo/piwik.php":                        frontPHP,
		"matomo/js/index.php":                     frontPHP,
		"matomo/core/Tracker.php":                 "<?php echo 'core';",
		"matomo/config/config.ini.php":            "; <?php exit; ?>\n",
		"matomo/matomo.js":                        "var _paq;\n",
		"matomo/js/container_abc_preview.js":      "preview();\n",
		"matomo/plugins/Morpheus/images/logo.svg": "<svg/>",
		"matomo/CHANGELOG.md":                     "# changes\n",
		"matomo/LEGALNOTICE":                      "legal\n",
		"matomo/.htaccess":                        "deny\n",
		"matomo/misc/user/index.html":             "<p>misc</p>\n",
	}, `
    server {
      listen 127.0.0.1:{{PORT2}};
      server_name matomo.example.com;
      location / {
        return 301 https://$host$request_uri;
      }
    }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name matomo.example.com;
      add_header Referrer-Policy origin always;
      add_header X-Content-Type-Options "nosniff" always;
      add_header X-XSS-Protection "1; mode=block" always;
      root {{ROOT}}/matomo/;
      index index.php;
      location ~ ^/(index|matomo|piwik|js/index|plugins/HeatmapSessionRecording/configs)\.php$ {
        fastcgi_split_path_info ^(.+?\.php)(/.*)$;
        try_files $fastcgi_script_name =404;
        set $path_info $fastcgi_path_info;
        fastcgi_param PATH_INFO $path_info;
        fastcgi_index index.php;
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
        fastcgi_param HTTP_PROXY "";
        fastcgi_pass {{B0}};
      }
      location ~* ^.+\.php$ {
        deny all;
        return 403;
      }
      location / {
        try_files $uri $uri/ =404;
      }
      location ~ ^/(config|tmp|core|lang) {
        deny all;
        return 403;
      }
      location ~ /\.ht {
        deny all;
        return 403;
      }
      location ~ js/container_.*_preview\.js$ {
        expires off;
        add_header Cache-Control 'private, no-cache, no-store';
      }
      location ~ \.(gif|ico|jpg|png|svg|js|css|htm|html|mp3|mp4|wav|ogg|avi|ttf|eot|woff|woff2)$ {
        allow all;
        expires 1h;
        add_header Pragma public;
        add_header Cache-Control "public";
      }
      location ~ ^/(libs|vendor|plugins|misc|node_modules) {
        deny all;
        return 403;
      }
      location ~/(.*\.md|LEGALNOTICE|LICENSE) {
        default_type text/plain;
      }
    }`,
		get("http to https", "/index.php?module=CoreHome", "Host: matomo.example.com").onPort2(),
		get("dashboard", "/index.php?module=CoreHome&action=index&idSite=1&period=day&date=yesterday", "Host: matomo.example.com"),
		get("tracking pixel", "/matomo.php?idsite=1&rec=1&action_name=Home&url=https%3A%2F%2Fexample.com%2F", "Host: matomo.example.com",
			"User-Agent: Mozilla/5.0", "Referer: https://example.com/"),
		req("tracking post", "POST", "/matomo.php", "Host: matomo.example.com", "Content-Type: application/x-www-form-urlencoded",
			"Content-Length: 18").withBody("idsite=1&rec=1&r=1"),
		get("legacy piwik endpoint", "/piwik.php?idsite=1&rec=1", "Host: matomo.example.com"),
		get("tracker script", "/matomo.js", "Host: matomo.example.com"),
		get("tag manager preview not cached", "/js/container_abc_preview.js", "Host: matomo.example.com"),
		get("other php refused", "/core/Tracker.php", "Host: matomo.example.com"),
		get("config refused", "/config/config.ini.php", "Host: matomo.example.com"),
		get("config directory refused", "/config/", "Host: matomo.example.com"),
		get("plugin image is static", "/plugins/Morpheus/images/logo.svg", "Host: matomo.example.com"),
		get("misc refused", "/misc/user/index.html", "Host: matomo.example.com"),
		get("markdown as text", "/CHANGELOG.md", "Host: matomo.example.com"),
		get("legal notice as text", "/LEGALNOTICE", "Host: matomo.example.com"),
		get("htaccess refused", "/.htaccess", "Host: matomo.example.com"),
		get("root index", "/", "Host: matomo.example.com"),
	)
}

// TestCorpus3PhpMyAdmin: phpMyAdmin under /phpmyadmin from
// /usr/share-like root with nested locations, /phpMyAdmin rewritten to
// it, and the /pma/ alias with a nested PHP location whose script is
// $request_filename.
func TestCorpus3PhpMyAdmin(t *testing.T) {
	phpSite(t, map[string]string{
		"share/phpmyadmin/index.php":                     frontPHP,
		"share/phpmyadmin/url.php":                       frontPHP,
		"share/phpmyadmin/themes/pmahomme/css/theme.css": "body{}\n",
		"share/phpmyadmin/favicon.ico":                   "ICO",
		"share/phpmyadmin/doc/html/index.html":           "<p>doc</p>\n",
		"html/index.html":                                "<p>default</p>\n",
	}, `
    server {
      listen 127.0.0.1:{{PORT}} default_server;
      root {{ROOT}}/html;
      index index.php index.html;
      server_name _;
      location /phpmyadmin {
        root {{ROOT}}/share/;
        index index.php index.html index.htm;
        location ~ ^/phpmyadmin/(.+\.php)$ {
          try_files $uri =404;
          root {{ROOT}}/share/;
          fastcgi_pass {{B0}};
          fastcgi_index index.php;
          fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
          include fastcgi_params;
        }
        location ~* ^/phpmyadmin/(.+\.(jpg|jpeg|gif|css|png|js|ico|html|xml|txt))$ {
          root {{ROOT}}/share/;
        }
      }
      location /phpMyAdmin {
        rewrite ^/* /phpmyadmin last;
      }
      location /pma/ {
        alias {{ROOT}}/share/phpmyadmin/;
        location ~ \.php$ {
          include fastcgi_params;
          fastcgi_param SCRIPT_FILENAME $request_filename;
          fastcgi_pass {{B0}};
        }
      }
    }`,
		get("default page", "/"),
		get("phpmyadmin without slash", "/phpmyadmin"),
		get("phpmyadmin index", "/phpmyadmin/"),
		get("phpmyadmin script", "/phpmyadmin/url.php?url=https%3A%2F%2Fwww.phpmyadmin.net%2F"),
		req("phpmyadmin login", "POST", "/phpmyadmin/index.php?route=/", "Content-Type: application/x-www-form-urlencoded",
			"Content-Length: 33").withBody("pma_username=root&pma_password=pw"),
		get("theme css", "/phpmyadmin/themes/pmahomme/css/theme.css"),
		get("favicon", "/phpmyadmin/favicon.ico"),
		get("docs html", "/phpmyadmin/doc/html/index.html"),
		get("missing php", "/phpmyadmin/none.php"),
		get("capitalised name rewritten", "/phpMyAdmin"),
		get("capitalised name with a path", "/phpMyAdmin/index.php"),
		get("pma alias index", "/pma/"),
		get("pma alias script", "/pma/index.php?db=test"),
		get("pma alias css", "/pma/themes/pmahomme/css/theme.css"),
		get("pma alias missing script", "/pma/none.php"),
	)
}

// TestCorpus3Symfony: Symfony's documented server block: everything to
// the front controller by try_files with $is_args$args, the front
// controller internal with $realpath_root, other PHP files 404, its own
// log files.
func TestCorpus3Symfony(t *testing.T) {
	phpSite(t, map[string]string{
		"project/public/index.php":     frontPHP,
		"project/public/config.php":    "<?php echo 'config';",
		"project/public/build/app.css": "a{}\n",
		"project/public/robots.txt":    "User-agent: *\n",
	}, `
    server {
      listen 127.0.0.1:{{PORT}};
      server_name domain.tld www.domain.tld;
      root {{ROOT}}/project/public;
      location / {
        try_files $uri /index.php$is_args$args;
      }
      location ~ ^/index\.php(/|$) {
        fastcgi_pass {{B0}};
        fastcgi_split_path_info ^(.+\.php)(/.*)$;
        include fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $realpath_root$fastcgi_script_name;
        fastcgi_param DOCUMENT_ROOT $realpath_root;
        fastcgi_buffer_size 128k;
        fastcgi_buffers 4 256k;
        fastcgi_busy_buffers_size 256k;
        internal;
      }
      location ~ \.php$ {
        return 404;
      }
      error_log logs/error.log info;
      access_log logs/access.log diff;
    }`,
		get("home", "/", "Host: domain.tld"),
		get("route", "/blog/my-post?page=2&sort=desc", "Host: domain.tld"),
		get("route without arguments", "/admin/dashboard", "Host: www.domain.tld"),
		get("redirecting route", "/old-post/x", "Host: domain.tld"),
		get("app 404", "/nothing/here", "Host: domain.tld"),
		req("form post", "POST", "/login", "Host: domain.tld", "Content-Type: application/x-www-form-urlencoded",
			"Content-Length: 24").withBody("_username=a&_password=b&"),
		get("asset", "/build/app.css", "Host: domain.tld"),
		get("robots", "/robots.txt", "Host: domain.tld"),
		get("front controller is internal", "/index.php/blog", "Host: domain.tld"),
		get("other php 404", "/config.php", "Host: domain.tld"),
		get("encoded route", "/search/caf%C3%A9%20bar?q=%C3%A9", "Host: domain.tld"),
	)
}

// TestCorpus3CDNCache: a caching front for an origin: a cache key with
// the method and host, bypass and no_cache by header, cookie and
// argument, stale answers, the lock, the origin's Set-Cookie and
// Cache-Control ignored and hidden, $upstream_cache_status and the key
// in headers, long-lived static files.
func TestCorpus3CDNCache(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		http: `proxy_http_version 1.0;
    proxy_cache_path {{PREFIX}}/cache_static levels=1:2 keys_zone=static_cache:10m max_size=10g inactive=60m use_temp_path=off;
    map $request_method $purge_method { PURGE 1; default 0; }
    map $http_cookie $no_cache_cookie { default 0; "~*wordpress_logged_in" 1; "~*comment_author" 1; }
    upstream origin { server {{B0}} max_fails=3 fail_timeout=30s; keepalive 16; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name cdn.example.com;
      proxy_cache_key "$scheme$request_method$host$request_uri";
      location / {
        proxy_cache static_cache;
        proxy_cache_valid 200 302 10m;
        proxy_cache_valid 404 1m;
        proxy_cache_valid any 30s;
        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
        proxy_cache_background_update on;
        proxy_cache_lock on;
        proxy_cache_lock_timeout 5s;
        proxy_cache_min_uses 1;
        proxy_cache_revalidate on;
        proxy_cache_methods GET HEAD;
        proxy_cache_bypass $http_pragma $http_authorization $cookie_nocache $arg_nocache $no_cache_cookie;
        proxy_no_cache $http_pragma $http_authorization $no_cache_cookie;
        proxy_ignore_headers Cache-Control Expires Set-Cookie;
        proxy_hide_header Set-Cookie;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        add_header X-Cache-Status $upstream_cache_status always;
        add_header X-Cache-Key "$scheme$request_method$host$request_uri";
        proxy_pass http://origin;
      }
      location ~* \.(jpg|jpeg|png|gif|ico|css|js|woff2?)$ {
        proxy_cache static_cache;
        proxy_cache_valid 200 30d;
        expires 30d;
        add_header Cache-Control "public, immutable";
        add_header X-Cache-Status $upstream_cache_status;
        proxy_pass http://origin;
      }
    }`,
	},
		pc(get("page miss", "/blog/post-1", "Host: cdn.example.com")),
		pc(get("page hit", "/blog/post-1", "Host: cdn.example.com")),
		pc(req("head has its own key", "HEAD", "/blog/post-1", "Host: cdn.example.com")),
		pc(req("head hit", "HEAD", "/blog/post-1", "Host: cdn.example.com")),
		pc(get("bypass by argument", "/blog/post-1?nocache=1", "Host: cdn.example.com")),
		pc(get("bypass and no store by pragma", "/blog/post-2", "Host: cdn.example.com", "Pragma: no-cache")),
		pc(get("not stored after pragma", "/blog/post-2", "Host: cdn.example.com")),
		pc(get("logged in bypasses", "/blog/post-1", "Host: cdn.example.com", "Cookie: wordpress_logged_in_abc=1")),
		pc(get("nocache cookie bypasses but stores", "/blog/post-3", "Host: cdn.example.com", "Cookie: nocache=1")),
		pc(get("stored from the bypass", "/blog/post-3", "Host: cdn.example.com")),
		pc(get("origin cookie hidden and cached", "/account?r=cookies", "Host: cdn.example.com")),
		pc(get("origin cookie answer hit", "/account?r=cookies", "Host: cdn.example.com")),
		pc(get("origin cache-control ignored", "/expiring?r=expires", "Host: cdn.example.com")),
		pc(get("origin cache-control ignored hit", "/expiring?r=expires", "Host: cdn.example.com")),
		pc(get("404 cached", "/gone?r=s404", "Host: cdn.example.com")),
		pc(get("404 hit", "/gone?r=s404", "Host: cdn.example.com")),
		pc(get("500 not stale without a copy", "/broken?r=s500", "Host: cdn.example.com")),
		pc(req("post not cached", "POST", "/api/comment", "Host: cdn.example.com", "Content-Length: 2").withBody("hi")),
		pc(req("purge method passes", "PURGE", "/blog/post-1", "Host: cdn.example.com")),
		pc(get("image miss", "/img/logo.png", "Host: cdn.example.com")),
		pc(get("image hit", "/img/logo.png", "Host: cdn.example.com")),
		with(get("origin down, cached page", "/blog/post-1", "Host: cdn.example.com"), 0, modeDead),
		with(get("origin down, uncached page", "/blog/new", "Host: cdn.example.com"), 0, modeDead),
	)
}

// TestCorpus3RateLimitedAPI: an API behind limit_req and limit_conn:
// zones by address, by server and by a geo/map key that exempts
// networks, burst with nodelay and with delay=, a dry run, 429 through
// an internal JSON error page, warn-level logs. The rates are per
// minute (the published 10r/s, 5r/s and 100r/s) so that the excess in the
// log lines does not depend on the milliseconds between requests (at
// 1r/m nginx's excess drops by 0.001 only after 63 ms).
func TestCorpus3RateLimitedAPI(t *testing.T) {
	p := newPool(2)
	n := func(name string, count int, uri string) pcase {
		return pc(getN(name, count, same(uri), "Host: api.example.com"))
	}
	runProxy(t, p, &site{
		http: `proxy_http_version 1.0;
    limit_req_zone $binary_remote_addr zone=api_limit:10m rate=1r/m;
    limit_req_zone $binary_remote_addr zone=login_limit:10m rate=5r/m;
    limit_req_zone $server_name zone=perserver:10m rate=100r/m;
    limit_conn_zone $binary_remote_addr zone=addr:10m;
    geo $limit { default 1; 10.0.0.0/8 0; 192.168.0.0/24 0; }
    map $limit $limit_key { 0 ""; 1 $binary_remote_addr; }
    limit_req_zone $limit_key zone=req_zone:10m rate=1r/m;
    upstream api_backend { server {{B0}}; server {{B1}} backup; }
    log_format lim '$status "$request" $body_bytes_sent "$limit_req_status" "$upstream_addr" [$time_local]';
    server {
      listen 127.0.0.1:{{PORT}};
      server_name api.example.com;
      access_log logs/access.log lim;
      limit_req_status 429;
      limit_conn_status 429;
      limit_req_log_level warn;
      limit_conn_log_level warn;
      location /api/ {
        limit_req zone=api_limit burst=20 nodelay;
        limit_req zone=perserver burst=50 nodelay;
        limit_conn addr 10;
        proxy_pass http://api_backend;
        proxy_set_header X-Real-IP $remote_addr;
      }
      location = /api/login {
        limit_req zone=login_limit burst=3 delay=2;
        proxy_pass http://api_backend;
      }
      location /search {
        limit_req zone=req_zone burst=10 nodelay;
        limit_req_dry_run on;
        proxy_pass http://api_backend;
      }
      error_page 429 /429.json;
      location = /429.json {
        internal;
        default_type application/json;
        return 429 '{"error":"too many requests"}';
      }
    }`,
	},
		n("api burst then 429s", 24, "/api/v1/items"),
		n("login within burst and delay", 3, "/api/login"),
		n("search dry run", 14, "/search?q=x"),
		with(get("primary down goes to backup", "/search?q=backup", "Host: api.example.com"), 0, modeDead),
	)
}

// TestCorpus3Canary: canary routing: split_clients on the address and
// the User-Agent choosing the pool, a map letting a cookie pin it, a geo
// region with an included file, index files chosen by a split variant.
func TestCorpus3Canary(t *testing.T) {
	p := newPool(3)
	runProxy(t, p, &site{
		files: map[string]string{"www/index.html": "<p>main</p>\n", "www/index.one.html": "<p>one</p>\n", "www/index.two.html": "<p>two</p>\n"},
		setup: func(t *testing.T, root string) {
			writeConf(t, root, "geo_extra.conf", "192.168.0.0/16 lan;\n")
		},
		http: `proxy_http_version 1.0;
    split_clients "${remote_addr}AAA" $variant { 0.5% .one; 2.0% .two; * ""; }
    split_clients "${remote_addr}${http_user_agent}" $upstream_variant { 10% canary; * stable; }
    geo $remote_addr $geo_region {
      default us;
      127.0.0.0/8 local;
      10.0.0.0/8 internal;
      include geo_extra.conf;
    }
    geo $dollar { default "$"; }
    map $cookie_canary $backend_pool { "always" canary; "never" stable; default $upstream_variant; }
    upstream stable { server {{B0}} weight=5; server {{B1}}; }
    upstream canary { server {{B2}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name www.example.com;
      root {{ROOT}}/www;
      location / {
        index index$variant.html;
        add_header X-Variant "$variant" always;
        add_header X-Region $geo_region;
      }
      location /app/ {
        proxy_pass http://$backend_pool;
        proxy_set_header X-Pool $backend_pool;
      }
    }`,
	},
		pc(get("home by variant", "/", "Host: www.example.com")),
		pc(get("missing page keeps the variant header", "/none.html", "Host: www.example.com")),
		pc(get("app by address and agent", "/app/", "Host: www.example.com", "User-Agent: Mozilla/5.0 (X11; Linux x86_64)")),
		pc(get("app other agent", "/app/", "Host: www.example.com", "User-Agent: curl/8.5.0")),
		pc(get("app third agent", "/app/", "Host: www.example.com", "User-Agent: Googlebot/2.1")),
		pc(get("cookie pins canary", "/app/x", "Host: www.example.com", "Cookie: canary=always")),
		pc(get("cookie pins stable", "/app/x", "Host: www.example.com", "Cookie: canary=never")),
		pc(getN("stable weights", 6, same("/app/w"), "Host: www.example.com", "Cookie: canary=never")),
		with(get("canary down", "/app/y", "Host: www.example.com", "Cookie: canary=always"), 2, modeDead),
	)
}

// TestCorpus3Ingress: what ingress-nginx generates, in its essence: the
// forwarded-header maps, $proxy_upstream_name set per location, a regex
// path with rewrite ... break, unbuffered proxying with small buffers,
// the headers it sets, a health check, stub_status for localhost, hash
// settings, and the default backend's placeholder upstream (0.0.0.1)
// that cannot be reached.
func TestCorpus3Ingress(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		http: `geo $literal_dollar { default "$"; }
    map $http_x_forwarded_proto $pass_access_scheme { default $http_x_forwarded_proto; '' $scheme; }
    map $http_x_forwarded_port $pass_server_port { default $http_x_forwarded_port; '' $server_port; }
    map $pass_server_port $pass_port { 443 443; default $pass_server_port; }
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    map $http_x_request_id $req_id { default $http_x_request_id; "" $request_id; }
    server_names_hash_max_size 1024;
    server_names_hash_bucket_size 64;
    variables_hash_bucket_size 256;
    variables_hash_max_size 2048;
    proxy_headers_hash_max_size 512;
    proxy_headers_hash_bucket_size 64;
    underscores_in_headers off;
    ignore_invalid_headers on;
    large_client_header_buffers 4 8k;
    client_header_buffer_size 1k;
    client_body_timeout 60s;
    keepalive_timeout 75s;
    keepalive_requests 1000;
    reset_timedout_connection on;
    server_tokens off;
    limit_req_status 503;
    limit_conn_status 503;
    upstream upstream_balancer {
      server 0.0.0.1;
      keepalive 320;
      keepalive_time 1h;
      keepalive_timeout 60s;
      keepalive_requests 10000;
    }
    upstream app_api { server {{B0}}; keepalive 32; }
    server {
      server_name _;
      listen 127.0.0.1:{{PORT2}} default_server reuseport backlog=4096;
      set $proxy_upstream_name "-";
      location / {
        set $proxy_upstream_name "upstream-default-backend";
        set $proxy_alternative_upstream_name "";
        proxy_pass http://upstream_balancer;
      }
      location /healthz {
        access_log off;
        return 200;
      }
      location /nginx_status {
        allow 127.0.0.1;
        deny all;
        access_log off;
        stub_status on;
      }
    }
    server {
      server_name app.example.com;
      listen 127.0.0.1:{{PORT}};
      set $proxy_upstream_name "-";
      location ~* "^/api(/|$)(.*)" {
        set $namespace "default";
        set $ingress_name "app";
        set $service_name "api";
        set $service_port "80";
        set $location_path "/api(/|${literal_dollar})(.*)";
        set $proxy_upstream_name "default-api-80";
        set $proxy_alternative_upstream_name "";
        client_max_body_size 1m;
        proxy_set_header Host $host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header X-Request-ID $req_id;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-Port $pass_port;
        proxy_set_header X-Forwarded-Proto $pass_access_scheme;
        proxy_set_header X-Scheme $pass_access_scheme;
        proxy_set_header X-Original-Forwarded-For $http_x_forwarded_for;
        proxy_set_header Proxy "";
        proxy_connect_timeout 5s;
        proxy_send_timeout 60s;
        proxy_read_timeout 60s;
        proxy_buffering off;
        proxy_buffer_size 4k;
        proxy_buffers 4 4k;
        proxy_max_temp_file_size 1024m;
        proxy_request_buffering on;
        proxy_http_version 1.1;
        proxy_cookie_domain off;
        proxy_cookie_path off;
        proxy_next_upstream error timeout;
        proxy_next_upstream_timeout 0;
        proxy_next_upstream_tries 3;
        rewrite "(?i)/api(/|$)(.*)" /$2 break;
        proxy_pass http://app_api;
        proxy_redirect off;
      }
    }`,
	},
		pc(get("api path rewritten", "/api/v1/users?limit=10", "Host: app.example.com", "X-Request-ID: 7f1c0e2a")),
		pc(get("api root", "/api", "Host: app.example.com", "X-Request-ID: 7f1c0e2b")),
		pc(get("api case-insensitive", "/API/v1/Users", "Host: app.example.com", "X-Request-ID: 7f1c0e2c")),
		pc(get("forwarded headers from a load balancer", "/api/v1/x", "Host: app.example.com", "X-Request-ID: 7f1c0e2d",
			"X-Forwarded-For: 203.0.113.9", "X-Forwarded-Proto: https", "X-Forwarded-Port: 443", "Proxy: http://evil")),
		pc(wsGet("api websocket", "/api/ws?r=ws", "Host: app.example.com", "X-Request-ID: 7f1c0e2e")),
		pc(get("underscored header dropped", "/api/h", "Host: app.example.com", "X-Request-ID: 7f1c0e2f", "X_Token: t", "X-Ok: 1")),
		pc(req("body over 1m", "POST", "/api/upload", "Host: app.example.com", "Content-Length: 2000000")),
		pc(get("large response unbuffered", "/api/big?r=big", "Host: app.example.com", "X-Request-ID: 7f1c0e30")),
		pc(get("healthz", "/healthz").onPort2()),
		pc(get("no other server for the name", "/api/v1", "Host: unknown.example.com", "X-Request-ID: 7f1c0e31")),
		pc(get("stub status for localhost", "/nginx_status").onPort2()),
	)
}

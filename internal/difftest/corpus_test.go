package difftest

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
)

// The tests of this file take the essence of real configurations that
// both servers load (application sample configs, Docker images', the
// Debian era defaults) and send them the requests their users send.

// echoBackend answers every request with 200 and a body naming the URI
// and the request headers that are not the proxy's Host or Connection,
// sorted.
func echoBackend(t *testing.T, _ string) []string {
	return countingBackend(t, func(conn net.Conn, path string, _ int, hdrs []string) {
		var keep []string
		for _, h := range hdrs {
			k, _, _ := strings.Cut(strings.ToLower(h), ":")
			if k != "host" && k != "connection" {
				keep = append(keep, h)
			}
		}
		sort.Strings(keep)
		body := "backend " + path + "\n" + strings.Join(keep, "\n") + "\n"
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nCache-Control: max-age=60\r\nConnection: close\r\n\r\n%s", len(body), body)
	})
}

// TestCorpusDiscourse: a map of X-Forwarded-Proto with $scheme as the
// default, etag off, an internal prefix, nested regex locations with a
// named capture, try_files to a named location that proxies.
func TestCorpusDiscourse(t *testing.T) {
	runSite(t, &site{
		backends: echoBackend,
		http: `map $http_x_forwarded_proto $thescheme {
      default $scheme;
      https https;
    }
    server {
      listen 127.0.0.1:{{PORT}};
      etag off;
      set $public {{ROOT}};
      location ^~ /backups/ { internal; }
      location /favicon.ico { return 204; access_log off; log_not_found off; }
      location / {
        root $public;
        add_header ETag "";
        location ~* assets/.*\.(eot|ttf|woff|woff2|ico)$ {
          expires 1y;
          add_header Cache-Control public,immutable;
          add_header Access-Control-Allow-Origin *;
        }
        location ~ ^/assets/(?<asset_path>.+)$ {
          expires 1y;
          add_header Cache-Control public,immutable;
          add_header X-Asset $asset_path;
          break;
        }
        try_files $uri @discourse;
      }
      location @discourse {
        proxy_set_header X-Forwarded-Proto $thescheme;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_pass http://{{B0}};
      }
    }`,
		files: map[string]string{"index.html": "<p>home</p>\n", "assets/app.js": "app();\n", "assets/f.woff2": "font", "backups/b.tar": "secret"},
		cases: []tc{
			get("directory through try_files", "/"),
			get("asset with a named capture", "/assets/app.js"),
			get("font asset", "/assets/f.woff2"),
			get("missing asset", "/assets/none.js"),
			get("internal prefix", "/backups/b.tar"),
			get("favicon", "/favicon.ico"),
			get("to the app", "/t/topic/12?page=2", "X-Forwarded-Proto: https"),
			get("to the app without a forwarded proto", "/latest"),
		},
	})
}

// TestCorpusMastodon: a cache in front of the app with stale answers and
// X-Cached, exact and regex locations nested in / for the static files
// with try_files =404, and one error_page for 404 and the 5xx.
func TestCorpusMastodon(t *testing.T) {
	runSite(t, &site{
		backends: echoBackend,
		http: `proxy_cache_path {{PREFIX}}/cache levels=1:2 keys_zone=CACHE:1m inactive=7d max_size=1g;
    server {
      listen 127.0.0.1:{{PORT}};
      root {{ROOT}};
      location / {
        location = /sw.js {
          add_header Cache-Control "public, max-age=604800, must-revalidate";
          try_files $uri =404;
        }
        location ~ ^/(assets|avatars|emoji|headers|packs|shortcuts|sounds)/ {
          add_header Cache-Control "public, max-age=2419200, must-revalidate";
          try_files $uri =404;
        }
        proxy_set_header Proxy "";
        proxy_pass_header Server;
        proxy_pass http://{{B0}};
        proxy_redirect off;
        proxy_http_version 1.1;
        proxy_cache CACHE;
        proxy_cache_valid 200 7d;
        proxy_cache_use_stale error timeout updating http_500 http_502 http_503 http_504;
        add_header X-Cached $upstream_cache_status;
      }
      error_page 404 500 501 502 503 504 /500.html;
    }`,
		files: map[string]string{"sw.js": "self;\n", "packs/a.js": "a;\n", "500.html": "<h1>oops</h1>\n"},
		cases: []tc{
			get("service worker", "/sw.js"),
			get("pack", "/packs/a.js"),
			get("missing pack is the error page", "/packs/none.js"),
			get("app miss", "/api/v1/timelines/public"),
			get("app hit", "/api/v1/timelines/public"),
		},
	})
}

// TestCorpusNextcloud: a map on $arg_v in Cache-Control, an if on the
// user agent in location = /, ^~ /.well-known with absolute_redirect off,
// nested exact locations and a final return, regex 404s and the static
// assets' headers.
func TestCorpusNextcloud(t *testing.T) {
	runSite(t, &site{
		http: `map $arg_v $asset_immutable {
      "" "";
      default ", immutable";
    }
    server {
      listen 127.0.0.1:{{PORT}};
      root {{ROOT}};
      server_tokens off;
      add_header Referrer-Policy "no-referrer" always;
      add_header X-Robots-Tag "noindex, nofollow" always;
      types {
        text/javascript mjs;
        application/wasm wasm;
      }
      index index.php index.html /index.php$request_uri;
      location = / {
        if ( $http_user_agent ~ ^DavClnt ) {
          return 302 /remote.php/webdav/$is_args$args;
        }
      }
      location = /robots.txt { allow all; log_not_found off; access_log off; }
      location ^~ /.well-known {
        absolute_redirect off;
        location = /.well-known/carddav { return 301 /remote.php/dav/; }
        location = /.well-known/caldav  { return 301 /remote.php/dav/; }
        location /.well-known/acme-challenge { try_files $uri $uri/ =404; }
        return 301 /index.php$request_uri;
      }
      location ~ ^/(?:build|tests|config|lib|3rdparty|templates|data)(?:$|/) { return 404; }
      location ~ ^/(?:\.|autotest|occ|issue|indie|db_|console) { return 404; }
      location ~ \.php(?:$|/) { default_type text/plain; return 200 "php $uri $args\n"; }
      location ~ \.(?:css|js|mjs|svg|gif|ico|jpg|png|webp|wasm|tflite|map|ogg|flac)$ {
        try_files $uri /index.php$request_uri;
        add_header Cache-Control "public, max-age=15778463$asset_immutable";
        access_log off;
      }
      location /remote { return 301 /remote.php$request_uri; }
      location / { try_files $uri $uri/ /index.php$request_uri; }
    }`,
		files: map[string]string{"index.html": "<p>cloud</p>\n", "core/app.js": "x;\n", "core/m.mjs": "m;\n", "robots.txt": "User-agent: *\n", ".well-known/acme-challenge/tok": "tok\n"},
		cases: []tc{
			get("root", "/"),
			get("dav client at the root", "/?a=1", "User-Agent: DavClnt"),
			get("carddav", "/.well-known/carddav"),
			get("acme challenge", "/.well-known/acme-challenge/tok"),
			get("other well-known", "/.well-known/webfinger?resource=x"),
			get("hidden directory", "/data/owncloud.log"),
			get("asset with v", "/core/app.js?v=3"),
			get("asset without v", "/core/app.js"),
			get("mjs type", "/core/m.mjs"),
			get("missing asset to the front controller", "/core/none.js"),
			get("pretty url", "/apps/files/"),
			get("remote", "/remote/x?y"),
			get("robots", "/robots.txt"),
		},
	})
}

// TestCorpusSPAAndRateLimit: exact keys of a map on $request_uri in
// Cache-Control, limit_req with burst and nodelay, try_files to
// $uri/index.html, a 404 page, and the canonical-host ifs of a
// certbot-edited server.
func TestCorpusSPAAndRateLimit(t *testing.T) {
	runSite(t, &site{
		http: `map $request_uri $cache_control {
      default "max-age=31557600";
      / "max-age=0, no-cache, no-store, must-revalidate";
      /index.html "max-age=0, no-cache, no-store, must-revalidate";
      /manifest.json "max-age=0, no-cache, no-store, must-revalidate";
    }
    limit_req_zone $binary_remote_addr zone=default:1m rate=40r/s;
    server {
      listen 127.0.0.1:{{PORT}};
      server_name site.test;
      add_header Cache-Control $cache_control;
      root {{ROOT}};
      index index.html;
      error_page 404 /__404/index.html;
      location / {
        limit_req zone=default burst=40 nodelay;
        try_files $uri $uri/index.html =404;
      }
    }
    server {
      if ($host = site.test) { return 301 https://$host$request_uri; }
      if ($host = api.site.test) { return 301 https://$host$request_uri; }
      listen 127.0.0.1:{{PORT2}};
      server_name site.test api.site.test;
      return 404;
    }`,
		files: map[string]string{"index.html": "<p>spa</p>\n", "manifest.json": "{}\n", "blog/index.html": "<p>blog</p>\n", "__404/index.html": "<p>lost</p>\n", "app.js": "a;\n"},
		cases: []tc{
			get("root", "/", "Host: site.test"),
			get("manifest", "/manifest.json", "Host: site.test"),
			get("asset", "/app.js", "Host: site.test"),
			get("directory index through try_files", "/blog", "Host: site.test"),
			get("missing", "/nope", "Host: site.test"),
			get("redirect to https", "/a?b", "Host: site.test").onPort2(),
			get("api redirect", "/v1", "Host: api.site.test").onPort2(),
			get("other host", "/", "Host: other.test").onPort2(),
		},
	})
}

// TestCorpusPeerTube: try_files /dev/null to a named proxying location,
// limit_except with auth_request, a CORS preflight answered in an if with
// Content-Type and Content-Length added, and rewrite ... break before
// try_files.
func TestCorpusPeerTube(t *testing.T) {
	runSite(t, &site{
		backends: echoBackend,
		http: `server {
      listen 127.0.0.1:{{PORT}};
      root {{ROOT}};
      location @api {
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        client_max_body_size 100k;
        proxy_pass http://{{B0}};
      }
      location / { try_files /dev/null @api; }
      location = /check-auth {
        internal;
        proxy_set_header Content-Length "";
        proxy_pass_request_body off;
        try_files /dev/null @api;
      }
      location = /api/v1/videos/upload {
        limit_except POST HEAD { deny all; }
        auth_request /check-auth;
        add_header X-File-Maximum-Size 8G always;
        try_files /dev/null @api;
      }
      location ~ ^/static/(thumbnails|avatars)/ {
        if ($request_method = 'OPTIONS') {
          add_header Access-Control-Allow-Origin '*';
          add_header Access-Control-Allow-Methods 'GET, OPTIONS';
          add_header Access-Control-Max-Age 1728000;
          add_header Content-Type 'text/plain charset=UTF-8';
          add_header Content-Length 0;
          return 204;
        }
        add_header Access-Control-Allow-Origin '*';
        add_header Cache-Control "public, max-age=7200";
        rewrite ^/static/(.*)$ /$1 break;
        try_files $uri @api;
      }
    }`,
		files: map[string]string{"thumbnails/t.jpg": "jpeg"},
		cases: []tc{
			get("to the api", "/api/v1/config"),
			get("upload with GET is denied", "/api/v1/videos/upload"),
			req("upload with POST asks auth then the api", "POST", "/api/v1/videos/upload", "Content-Length: 0"),
			req("preflight", "OPTIONS", "/static/thumbnails/t.jpg"),
			get("thumbnail from disk", "/static/thumbnails/t.jpg"),
			get("missing thumbnail to the api", "/static/avatars/a.png"),
		},
	})
}

// TestCorpusMagento: root from a variable set in the server, an if on a
// set variable, nested regex locations with an if (!-f) rewrite ... last
// to the PHP entry, deny in nested regexes.
func TestCorpusMagento(t *testing.T) {
	runSite(t, &site{
		http: `server {
      listen 127.0.0.1:{{PORT}};
      set $MAGE_ROOT {{ROOT}};
      set $MAGE_MODE production;
      root $MAGE_ROOT/pub;
      index index.php;
      autoindex off;
      charset off;
      location /static/ {
        if ($MAGE_MODE = "production") { expires max; }
        location ~ ^/static/version { rewrite ^/static/(version\d*/)?(.*)$ /static/$2 last; }
        location ~* \.(ico|jpg|jpeg|png|gif|svg|js|css)$ {
          add_header Cache-Control "public";
          add_header X-Frame-Options "SAMEORIGIN";
          expires +1y;
          if (!-f $request_filename) { rewrite ^/static/(version\d*/)?(.*)$ /static.php?resource=$2 last; }
        }
        if (!-f $request_filename) { rewrite ^/static/(version\d*/)?(.*)$ /static.php?resource=$2 last; }
        add_header X-Frame-Options "SAMEORIGIN";
      }
      location /media/ {
        try_files $uri $uri/ /get.php?$args;
        location ~ ^/media/theme_customization/.*\.xml { deny all; }
      }
      location /media/customer/ { deny all; }
      location ~ cron\.php { deny all; }
      location ~ (index|get|static|report|404|503)\.php$ { default_type text/plain; return 200 "php $uri $args $MAGE_MODE\n"; }
      location / { try_files $uri $uri/ /index.php?$args; }
    }`,
		files: map[string]string{"pub/static/frontend/a.css": "a{}\n", "pub/static/readme.txt": "r\n", "pub/media/logo.png": "png", "pub/media/theme_customization/x.xml": "<x/>"},
		cases: []tc{
			get("static file", "/static/frontend/a.css"),
			get("versioned static file", "/static/version1699/frontend/a.css"),
			get("missing static file", "/static/frontend/b.css"),
			get("static text", "/static/readme.txt"),
			get("missing static text", "/static/none.txt"),
			get("media", "/media/logo.png"),
			get("missing media", "/media/none.png?w=1"),
			get("theme xml", "/media/theme_customization/x.xml"),
			get("customer media", "/media/customer/a.pdf"),
			get("cron", "/cron.php"),
			get("catalog", "/women/tops.html?color=red"),
		},
	})
}

// TestCorpusContentTypeMaps: h5bp's maps on $sent_http_content_type:
// expires from a map with regex keys and a default, and headers that are
// empty (so not sent) for the types the map does not name.
func TestCorpusContentTypeMaps(t *testing.T) {
	runSite(t, &site{
		http: `map $sent_http_content_type $expires {
      default                 1M;
      ~*text/css              1y;
      ~*application/json      0;
      ~*text/html             0;
      ~*image/                1M;
    }
    map $sent_http_content_type $x_frame_options {
      ~*text/html DENY;
    }
    map $sent_http_content_type $cors {
      ~*image/ "*";
      ~*font/  "*";
    }
    charset utf-8;
    charset_types text/css application/json;
    server {
      listen 127.0.0.1:{{PORT}};
      root {{ROOT}};
      expires $expires;
      add_header X-Frame-Options $x_frame_options always;
      add_header Access-Control-Allow-Origin $cors;
      error_page 404 /404.html;
    }`,
		files: map[string]string{"index.html": "<p>h</p>\n", "s.css": "a{}\n", "d.json": "{}\n", "i.png": "png", "f.woff2": "w", "404.html": "<p>404</p>\n", "r.txt": "t\n"},
		cases: []tc{
			get("html", "/"),
			get("css", "/s.css"),
			get("json", "/d.json"),
			get("image", "/i.png"),
			get("font", "/f.woff2"),
			get("text", "/r.txt"),
			get("404 page", "/none"),
		},
	})
}

// TestCorpusMatrixSite: a certbot-era site: an if on $request_uri that
// redirects .html to the bare name with its capture, try_files with
// $uri.html, return 200 with JSON and default_type after it, an error page.
func TestCorpusMatrixSite(t *testing.T) {
	runSite(t, &site{
		http: `server {
      listen 127.0.0.1:{{PORT}};
      server_name _ example.test;
      location / {
        root {{ROOT}};
        index index.html index.htm;
        if ($request_uri ~ ^/(.*)\.html) {
          return 302 /$1;
        }
        try_files $uri $uri.html $uri/ =404;
      }
      error_page 404 /404.html;
      location = /404.html { root {{ROOT}}; internal; }
      location /.well-known/matrix/client {
        return 200 '{"m.homeserver": {"base_url": "https://example.test:8448"}}';
        default_type application/json;
        add_header Access-Control-Allow-Origin *;
      }
    }`,
		files: map[string]string{"index.html": "<p>i</p>\n", "about.html": "<p>about</p>\n", "404.html": "<p>nf</p>\n", "docs/index.html": "<p>docs</p>\n"},
		cases: []tc{
			get("root", "/"),
			get("bare name", "/about"),
			get(".html redirects", "/about.html"),
			get(".html with a query redirects", "/about.html?x=1"),
			get("directory", "/docs/"),
			get("missing", "/nope"),
			get("matrix client", "/.well-known/matrix/client"),
		},
	})
}

// TestCorpusJSONAccessLog: log_format escape=json with a map default from
// $request_id-like fallbacks, and access_log if= that leaves the probes
// out.
func TestCorpusJSONAccessLog(t *testing.T) {
	runSite(t, &site{
		http: `log_format json_combined escape=json '{'
      '"remote_addr":"$remote_addr",'
      '"method":"$request_method",'
      '"uri":"$uri",'
      '"status":$status,'
      '"body_bytes_sent":$body_bytes_sent,'
      '"trace_id":"$trace_id",'
      '"user_agent":"$http_user_agent"'
    '}';
    map $http_x_trace_id $trace_id {
      default $http_x_trace_id;
      ""      "none";
    }
    map $request_uri $loggable {
      ~^/(health|ready|metrics) 0;
      default 1;
    }
    server {
      listen 127.0.0.1:{{PORT}};
      access_log logs/access.log json_combined if=$loggable;
      location / { default_type text/plain; return 200 "ok\n"; }
    }`,
		cases: []tc{
			get("health is not logged", "/health"),
			get("logged with a trace id", "/x", "X-Trace-Id: a\"b\\c", "User-Agent: ua\x01"),
			get("logged without a trace id", "/y?z=1"),
		},
	})
}

package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// More real configurations, in the manner of corpus_test.go: the essence
// of what GitLab, Grafana, Jenkins, Jitsi Meet, Odoo, Moodle, Matomo,
// Symfony, Rails, MinIO, a caching CDN front, a rate-limited API, canary
// routing and auth_request gateways deploy, with the requests their users
// send. Each has been checked whole with nginx -t and weir -t too.
//
// Sites that leave proxy_http_version at its default set 1.0 in the http
// block: weir follows nginx 1.29.7 (1.1 and upstream keepalive by
// default), where nginx 1.22 speaks HTTP/1.0 with Connection: close.

func init() {
	// Answers of an auth service (auth_request) and of Odoo's session.
	canned["authok"] = "HTTP/1.1 200 OK\r\nRemote-User: alice\r\nRemote-Groups: admins,dev\r\nContent-Length: 0\r\n\r\n"
	canned["session"] = "HTTP/1.1 303 See Other\r\nLocation: /web\r\nSet-Cookie: session_id=abc123; Expires=Sat, 01 Jan 2033 00:00:00 GMT; Max-Age=604800; HttpOnly; Path=/\r\n" +
		"Set-Cookie: frontend_lang=en_US; Path=/\r\nContent-Length: 0\r\n\r\n"
}

// wsGet is a browser's WebSocket handshake for uri.
func wsGet(name, uri string, hdr ...string) tc {
	return get(name, uri, append([]string{"Upgrade: websocket", "Connection: Upgrade",
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"}, hdr...)...)
}

// TestCorpus2GitLab: the bundled nginx of GitLab: chained maps that hide
// tokens in the access log's request URI and the referer's query, a Host
// defaulted by two ifs, the WebSocket map, an LFS location with request
// buffering off, a cached /assets, and error pages from an internal regex
// location with its own root.
func TestCorpus2GitLab(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		files: map[string]string{"public/404.html": "<h1>gitlab 404</h1>\n", "public/502.html": "<h1>gitlab is not responding</h1>\n",
			"public/500.html": "<h1>gitlab 500</h1>\n"},
		http: `map $http_upgrade $connection_upgrade_gitlab { default upgrade; '' close; }
    map $request_uri $gitlab_temp_request_uri_1 {
      default $request_uri;
      ~(?i)^(?<start>.*)(?<temp>[\?&]private[\-_]token)=[^&]*(?<rest>.*)$ "$start$temp=[FILTERED]$rest";
    }
    map $gitlab_temp_request_uri_1 $gitlab_filtered_request_uri {
      default $gitlab_temp_request_uri_1;
      ~(?i)^(?<start>.*)(?<temp>[\?&]feed[\-_]token)=[^&]*(?<rest>.*)$ "$start$temp=[FILTERED]$rest";
    }
    map $http_referer $gitlab_filtered_http_referer {
      default $http_referer;
      ~^(?<temp>.*)\? $temp;
    }
    log_format gitlab_access '$remote_addr "$request_method $gitlab_filtered_request_uri $server_protocol" $status $body_bytes_sent "$gitlab_filtered_http_referer"';
    proxy_cache_path {{PREFIX}}/cache keys_zone=gitlab:1m levels=1:2;
    upstream gitlab-workhorse { server {{B0}} fail_timeout=0; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name gitlab.example.com;
      server_tokens off;
      client_max_body_size 0;
      access_log logs/access.log gitlab_access;
      add_header Referrer-Policy strict-origin-when-cross-origin;
      if ($http_host = "") { set $http_host_with_default "gitlab.example.com"; }
      if ($http_host != "") { set $http_host_with_default $http_host; }
      proxy_read_timeout 3600;
      proxy_redirect off;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host_with_default;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade_gitlab;
      proxy_set_header X-Forwarded-Proto https;
      location ~ (\.git/gitlab-lfs/objects|\.git/info/lfs/objects/batch$) {
        proxy_cache off;
        proxy_pass http://gitlab-workhorse;
        proxy_request_buffering off;
      }
      location / {
        proxy_cache off;
        proxy_pass http://gitlab-workhorse;
      }
      location /assets {
        add_header X-Content-Type-Options nosniff;
        proxy_cache gitlab;
        proxy_pass http://gitlab-workhorse;
      }
      error_page 404 /404.html;
      error_page 500 /500.html;
      error_page 502 /502.html;
      location ~ ^/(404|500|502)(-custom)?\.html$ {
        root {{ROOT}}/public;
        internal;
      }
    }`,
	},
		pc(get("project page", "/group/project", "Host: gitlab.example.com")),
		pc(get("private token filtered in the log", "/api/v4/projects?private_token=s3cret&per_page=5", "Host: gitlab.example.com")),
		pc(get("feed token filtered in the log", "/dashboard/projects.atom?feed_token=abc", "Host: gitlab.example.com",
			"Referer: https://gitlab.example.com/dashboard?page=2")),
		pc(get("no host header", "/explore").with10()),
		pc(wsGet("action cable", "/-/cable?r=ws", "Host: gitlab.example.com")),
		pc(postBody("lfs batch", "/group/project.git/info/lfs/objects/batch", `{"operation":"download"}`, "Host: gitlab.example.com",
			"Content-Type: application/vnd.git-lfs+json")),
		pc(req("lfs upload", "PUT", "/group/project.git/gitlab-lfs/objects/abc/12", "Host: gitlab.example.com", "Transfer-Encoding: chunked").
			withBody("c\r\nhello world\n\r\n0\r\n\r\n")),
		pc(get("asset first", "/assets/application.css", "Host: gitlab.example.com")),
		pc(get("asset cached", "/assets/application.css", "Host: gitlab.example.com")),
		pc(get("app 404 passes through", "/nope?r=s404", "Host: gitlab.example.com")),
		with(get("workhorse down is the 502 page", "/group/project", "Host: gitlab.example.com"), 0, modeDead),
		pc(get("error page is internal", "/502.html", "Host: gitlab.example.com")),
	)
}

// with10 turns a case into HTTP/1.0 without a Host header.
func (c tc) with10() tc {
	c.req = strings.Replace(c.req, " HTTP/1.1\r\n", " HTTP/1.0\r\n", 1)
	c.req = strings.Replace(c.req, "Host: localhost\r\n", "", 1)
	return c
}

// TestCorpus2GrafanaPrometheus: Grafana under /grafana/ (rewrite ... break
// to an upstream without a URI, its live WebSocket in a longer prefix),
// Prometheus under /prometheus/ behind basic auth, and the bare prefix
// redirected.
func TestCorpus2GrafanaPrometheus(t *testing.T) {
	p := newPool(2)
	runProxy(t, p, &site{
		files: map[string]string{"index.html": "<p>ops</p>\n"},
		setup: func(t *testing.T, root string) {
			writeConf(t, root, "htpasswd", "admin:{PLAIN}secret\n")
		},
		http: `proxy_http_version 1.0;
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    upstream grafana { server {{B0}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      root {{ROOT}};
      index index.html index.htm;
      location /grafana/ {
        rewrite ^/grafana/(.*) /$1 break;
        proxy_set_header Host $http_host;
        proxy_pass http://grafana;
      }
      location /grafana/api/live/ {
        rewrite ^/grafana/(.*) /$1 break;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Host $http_host;
        proxy_pass http://grafana;
      }
      location /prometheus/ {
        auth_basic "Prometheus";
        auth_basic_user_file htpasswd;
        proxy_pass http://{{B1}}/prometheus/;
      }
      location = /prometheus { return 301 /prometheus/; }
    }`,
	},
		pc(get("home", "/")),
		pc(get("dashboard", "/grafana/d/abc/overview?orgId=1&refresh=5s", "Host: ops.example.com")),
		pc(get("grafana root", "/grafana/", "Host: ops.example.com")),
		pc(get("encoded path", "/grafana/api/datasources/name/my%20ds", "Host: ops.example.com")),
		pc(wsGet("live websocket", "/grafana/api/live/ws?r=ws", "Host: ops.example.com")),
		pc(get("live without upgrade", "/grafana/api/live/push", "Host: ops.example.com")),
		pc(get("prometheus without credentials", "/prometheus/graph")),
		pc(get("prometheus wrong password", "/prometheus/graph", "Authorization: Basic YWRtaW46d3Jvbmc=")),
		pc(get("prometheus", "/prometheus/api/v1/query?query=up", "Authorization: Basic YWRtaW46c2VjcmV0")),
		pc(get("prometheus bare prefix", "/prometheus")),
	)
}

// writeConf writes a file next to nginx.conf (the conf directory beside
// the html tree).
func writeConf(t *testing.T, root, name, text string) {
	t.Helper()
	p := filepath.Join(filepath.Dir(root), "conf", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCorpus2Jenkins: Jenkins's recommended front: versioned /static/
// rewritten to the war's root with 'last', /userContent served from disk
// with an if that sends what is not a file back to Jenkins, and the
// application proxied with buffering and request buffering off through a
// keepalive upstream, invalid header names passed on.
func TestCorpus2Jenkins(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		files: map[string]string{"war/css/style.css": "body{}\n", "war/images/logo.png": "PNG", "home/userContent/readme.txt": "user content\n",
			"home/userContent/sub/": ""},
		http: `upstream jenkins { keepalive 32; server {{B0}}; }
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name jenkins.example.com;
      root {{ROOT}}/war/;
      ignore_invalid_headers off;
      location ~ "^/static/[0-9a-fA-F]{8}\/(.*)$" {
        rewrite "^/static/[0-9a-fA-F]{8}\/(.*)" /$1 last;
      }
      location /userContent {
        root {{ROOT}}/home/;
        if (!-f $request_filename) {
          rewrite (.*) /$1 last;
          break;
        }
        sendfile on;
      }
      location / {
        sendfile off;
        proxy_pass http://jenkins;
        proxy_redirect default;
        proxy_http_version 1.1;
        proxy_set_header Connection $connection_upgrade;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Host $host;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_max_temp_file_size 0;
        client_max_body_size 10m;
        client_body_buffer_size 128k;
        proxy_connect_timeout 90;
        proxy_buffering off;
        proxy_request_buffering off;
        proxy_set_header Connection "";
      }
    }`,
	},
		pc(get("dashboard", "/", "Host: jenkins.example.com")),
		pc(get("versioned static css", "/static/a1b2c3d4/css/style.css", "Host: jenkins.example.com")),
		pc(get("versioned static missing goes to jenkins", "/static/a1b2c3d4/adjuncts/x.js", "Host: jenkins.example.com")),
		pc(get("static with a short hash", "/static/abc/css/style.css", "Host: jenkins.example.com")),
		pc(get("user content file", "/userContent/readme.txt", "Host: jenkins.example.com")),
		pc(get("user content directory", "/userContent/sub/", "Host: jenkins.example.com")),
		pc(get("user content missing", "/userContent/none.txt", "Host: jenkins.example.com")),
		pc(get("redirect rewritten", "/job/x/build?r=loc-self", "Host: jenkins.example.com")),
		pc(get("invalid header name passed", "/crumbIssuer/api/json", "Host: jenkins.example.com", "Jenkins_Crumb: abc", "X.Custom: 1")),
		pc(postBody("build with parameters", "/job/x/buildWithParameters?delay=0sec", "BRANCH=main", "Host: jenkins.example.com",
			"Content-Type: application/x-www-form-urlencoded")),
		pc(postChunked("cli over http", "/cli?remoting=false", "chunk one", "chunk two", "Host: jenkins.example.com")),
		pc(wsGet("agent websocket", "/wsagents/?r=ws", "Host: jenkins.example.com")),
		pc(req("body too large", "POST", "/job/x/doUpload", "Host: jenkins.example.com", "Content-Length: 20000000")),
	)
}

// TestCorpus2SetPrefixedNames: 'set' on a name of a variable family
// ($http_host_with_default in GitLab's bundled configuration, $arg_x,
// $cookie_x): the family member is read until a set has run in the
// request, the assigned value after.
func TestCorpus2SetPrefixedNames(t *testing.T) {
	runSite(t, &site{
		http: `server {
      listen 127.0.0.1:{{PORT}};
      if ($arg_set) { set $http_xx "setxx"; set $arg_bar "setarg"; set $cookie_foo "setc"; }
      location /r { return 200 "xx=[$http_xx] bar=[$arg_bar] foo=[$cookie_foo]\n"; }
      location /s { set $arg_bar "$arg_bar-2"; return 200 "bar=[$arg_bar]\n"; }
    }`,
		cases: []tc{
			get("before any set", "/r?bar=q", "Xx: hdr", "Cookie: foo=cookie"),
			get("after the sets", "/r?bar=q&set=1", "Xx: hdr", "Cookie: foo=cookie"),
			get("set from itself", "/s?bar=q"),
		},
	})
}

// TestCorpus2JitsiMeet: Jitsi Meet's site: SSI in the pages, room names
// sent to the index through try_files and a named location's rewrite
// break, config.js from an alias held in a variable, static directories
// by an alias with two captures, BOSH and the XMPP WebSocket proxied to an
// upstream chosen by a map, the 404 page under /static.
func TestCorpus2JitsiMeet(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		files: map[string]string{
			"meet/index.html":       "<html><!--#include virtual=\"/body.html\" --> room=<!--#echo var=\"roomname\" default=\"none\" --></html>\n",
			"meet/body.html":        "<body>meet</body>\n",
			"meet/libs/app.min.js":  "app();\n",
			"meet/static/404.html":  "<h1>jitsi 404</h1>\n",
			"meet/css/all.css":      "a{}\n",
			"meet/libs/external.js": "ext();\n",
			"etc/meet-config.js":    "var config = {};\n",
		},
		http: `proxy_http_version 1.0;
    upstream prosody { server {{B0}}; keepalive 2; }
    map $arg_vnode $prosody_node { default prosody; v1 v1; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name meet.example.com;
      set $prefix "";
      set $custom_index "";
      set $config_js_location {{ROOT}}/etc/meet-config.js;
      root {{ROOT}}/meet;
      ssi on;
      ssi_types application/x-javascript application/javascript;
      index index.html index.htm;
      error_page 404 /static/404.html;
      location = /config.js { alias $config_js_location; }
      location = /external_api.js { alias {{ROOT}}/meet/libs/external.js; }
      location ~ ^/(libs|css|static|images|fonts|lang|sounds|.well-known)/(.*)$ {
        add_header 'Access-Control-Allow-Origin' '*';
        alias {{ROOT}}/meet/$1/$2;
        if ($arg_v) { expires 1y; }
      }
      location = /http-bind {
        proxy_pass http://$prosody_node/http-bind?prefix=$prefix&$args;
        proxy_http_version 1.1;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header Host $http_host;
        proxy_set_header Connection "";
      }
      location = /xmpp-websocket {
        proxy_pass http://$prosody_node/xmpp-websocket?prefix=$prefix&$args;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $http_host;
        tcp_nodelay on;
      }
      location ~ ^/([^/?&:'"]+)$ {
        set $roomname "$1";
        try_files $uri @root_path;
      }
      location @root_path { rewrite ^/(.*)$ /$custom_index break; }
      location ~ ^/([^/?&:'"]+)/(.*)$ {
        set $subdomain "$1.";
        set $subdir "$1/";
        rewrite ^/([^/?&:'"]+)/(.*)$ /$2;
      }
    }`,
	},
		pc(get("home", "/", "Host: meet.example.com")),
		pc(get("room", "/MyStandup", "Host: meet.example.com")),
		pc(get("config js from a variable alias", "/config.js", "Host: meet.example.com")),
		pc(get("external api", "/external_api.js", "Host: meet.example.com")),
		pc(get("lib", "/libs/app.min.js?v=3", "Host: meet.example.com")),
		pc(get("css without version", "/css/all.css", "Host: meet.example.com")),
		pc(get("missing lib is the 404 page", "/libs/none.js", "Host: meet.example.com")),
		pc(postBody("bosh", "/http-bind?room=standup", "<body rid='1'/>", "Host: meet.example.com", "Content-Type: text/xml")),
		pc(postBody("bosh unknown node", "/http-bind?vnode=v1&room=x", "<body/>", "Host: meet.example.com")),
		pc(wsGet("xmpp websocket", "/xmpp-websocket?room=standup&r=ws", "Host: meet.example.com")),
		pc(get("tenant room", "/acme/standup", "Host: meet.example.com")),
	)
}

// TestCorpus2Rails: a Rails application behind Puma as the deployment
// guides set it: try_files at the server level to a named location,
// precompiled assets with gzip_static and expires max, Action Cable over
// WebSocket, the 5xx page from the public directory.
func TestCorpus2Rails(t *testing.T) {
	p := newPool(1)
	runProxy(t, p, &site{
		files: map[string]string{
			"public/index.html": "<p>welcome</p>\n", "public/about/index.html": "<p>about</p>\n", "public/500.html": "<h1>rails 500</h1>\n",
			"public/assets/app-1a2b.css": "body{color:red}\n", "public/assets/app-1a2b.css.gz": "GZIPPED", "public/robots.txt": "User-agent: *\n",
		},
		http: `proxy_http_version 1.0;
    upstream app { server {{B0}} fail_timeout=0; }
    server {
      listen 127.0.0.1:{{PORT}} default_server;
      server_name example.com;
      root {{ROOT}}/public;
      location ^~ /assets/ {
        gzip_static on;
        expires max;
        add_header Cache-Control public;
      }
      try_files $uri/index.html $uri @app;
      location @app {
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_redirect off;
        proxy_pass http://app;
      }
      location /cable {
        proxy_pass http://app;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "Upgrade";
      }
      error_page 500 502 503 504 /500.html;
      client_max_body_size 10M;
      keepalive_timeout 10;
    }`,
	},
		pc(get("home page from disk", "/")),
		pc(get("static page directory", "/about")),
		pc(get("robots", "/robots.txt")),
		pc(get("app route", "/users/42?tab=posts")),
		pc(get("asset gzipped", "/assets/app-1a2b.css", "Accept-Encoding: gzip, deflate")),
		pc(get("asset plain", "/assets/app-1a2b.css")),
		pc(get("missing asset", "/assets/none.css")),
		pc(postBody("form post", "/users", "user[name]=x", "Content-Type: application/x-www-form-urlencoded")),
		pc(wsGet("action cable", "/cable?r=ws")),
		with(get("puma down", "/users/42"), 0, modeDead),
		pc(get("app 500 passes through", "/crash?r=s500")),
	)
}

// TestCorpus2AuthGateway: an app behind an auth_request service (Authelia
// style: user and groups from the answer's headers, a 401 turned into a
// redirect to the portal), an admin area open to a network or to basic
// auth (satisfy any), and public files with both off.
func TestCorpus2AuthGateway(t *testing.T) {
	p := newPool(2)
	runProxy(t, p, &site{
		files: map[string]string{"public/logo.txt": "logo\n"},
		setup: func(t *testing.T, root string) {
			writeConf(t, root, "htpasswd", "admin:{PLAIN}secret\n")
		},
		http: `proxy_http_version 1.0;
    upstream auth_service { server {{B0}}; }
    server {
      listen 127.0.0.1:{{PORT}};
      server_name app.example.com;
      location = /auth {
        internal;
        proxy_pass http://auth_service/api/verify;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
        proxy_set_header X-Forwarded-Host $http_host;
      }
      location / {
        auth_request /auth;
        auth_request_set $user $upstream_http_remote_user;
        auth_request_set $groups $upstream_http_remote_groups;
        proxy_set_header Remote-User $user;
        proxy_set_header Remote-Groups $groups;
        error_page 401 =302 https://auth.example.com/?rd=$scheme://$http_host$request_uri;
        proxy_pass http://{{B1}};
      }
      location /admin/ {
        satisfy any;
        allow 192.168.1.0/24;
        deny all;
        auth_basic "Administrator's Area";
        auth_basic_user_file htpasswd;
        proxy_pass http://{{B1}};
      }
      location /public/ {
        auth_basic off;
        auth_request off;
        root {{ROOT}};
      }
    }`,
	},
		with(get("signed in", "/dashboard?x=1", "Host: app.example.com"), 0, "canned:authok"),
		with(get("not signed in goes to the portal", "/dashboard?x=1", "Host: app.example.com"), 0, "status:401 Unauthorized"),
		with(get("forbidden", "/dashboard", "Host: app.example.com"), 0, "status:403 Forbidden"),
		with(get("auth service down", "/dashboard", "Host: app.example.com"), 0, modeDead),
		with(postBody("post signed in", "/api/items", `{"a":1}`, "Host: app.example.com", "Content-Type: application/json"), 0, "canned:authok"),
		pc(get("admin without credentials", "/admin/", "Host: app.example.com")),
		pc(get("admin with credentials", "/admin/users", "Host: app.example.com", "Authorization: Basic YWRtaW46c2VjcmV0")),
		pc(get("public file", "/public/logo.txt", "Host: app.example.com")),
	)
}

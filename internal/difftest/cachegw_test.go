package difftest

import (
	"fmt"
	"testing"
)

// countPHP numbers the requests for each path, in files of the pool's
// COUNTDIR (one pool per server under test), and answers with the
// headers that decide cacheability as the words in the path say (see
// counter).
const countPHP = `<?php
$path = strtok($_SERVER["REQUEST_URI"], "?");
$f = getenv("COUNTDIR") . "/" . md5($path);
$n = (int)@file_get_contents($f) + 1;
file_put_contents($f, $n);
$has = function ($w) use ($path) { return strpos($path, "/$w/") !== false; };
header("Content-Type: text/plain");
header("X-N: $n");
if ($has("maxage")) header("Cache-Control: public, max-age=100");
if ($has("nocache")) header("Cache-Control: no-cache");
if ($has("cookie")) header("Set-Cookie: a=1");
if ($has("xa0")) header("X-Accel-Expires: 0");
if ($has("expired")) header("X-Accel-Expires: @1");
if ($has("s404")) http_response_code(404);
if ($n > 1 && $has("e500")) http_response_code(500);
if ($has("lm")) { header("Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT"); header("ETag: \"v1\""); }
echo "n=$n ", $_SERVER["REQUEST_METHOD"], " $path\n";
`

// countWSGI is countPHP as a WSGI application (one process: the counts
// are in memory).
const countWSGI = `
seen = {}
def application(env, start_response):
    path = env["REQUEST_URI"].split("?")[0]
    seen[path] = seen.get(path, 0) + 1
    n = seen[path]
    has = lambda w: ("/" + w + "/") in path
    status = "200 OK"
    headers = [("Content-Type", "text/plain"), ("X-N", str(n))]
    if has("maxage"): headers.append(("Cache-Control", "public, max-age=100"))
    if has("nocache"): headers.append(("Cache-Control", "no-cache"))
    if has("cookie"): headers.append(("Set-Cookie", "a=1"))
    if has("s404"): status = "404 Not Found"
    if n > 1 and has("e500"): status = "500 Internal Server Error"
    if has("expired"): headers.append(("X-Accel-Expires", "@1"))
    body = ("n=%d %s %s\n" % (n, env["REQUEST_METHOD"], path)).encode()
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    if env["REQUEST_METHOD"] == "HEAD":
        return [b""]
    return [body]
`

// countPHPPool is the backends hook of countPHP: a PHP-FPM pool per
// server under test, counting in a directory of its own.
func countPHPPool(t *testing.T, name string) []string {
	addr := deadAddr(t)
	startFPMPool(t, addr, "env[COUNTDIR] = "+t.TempDir()+"\n")
	return []string{addr}
}

// countWSGIApp is the backends hook of countWSGI under uWSGI, on the
// socket of socketOpt (--uwsgi-socket, --scgi-socket).
func countWSGIApp(socketOpt string) func(t *testing.T, name string) []string {
	return func(t *testing.T, name string) []string { return []string{startWSGIApp(t, socketOpt, countWSGI)} }
}

// gatewayCacheCases are the cases every gateway module's cache runs.
var gatewayCacheCases = []tc{
	get("miss", "/c/x"),
	get("hit", "/c/x"),
	get("args differ: miss", "/c/x?q=1"),
	get("hit again", "/c/x"),
	req("head on a cached entry", "HEAD", "/c/x"),
	get("max-age", "/c/maxage/x"),
	get("max-age again", "/c/maxage/x"),
	get("no-cache", "/c/nocache/x"),
	get("no-cache again", "/c/nocache/x"),
	get("set-cookie", "/c/cookie/x"),
	get("set-cookie again", "/c/cookie/x"),
	get("404 not cached", "/c/s404/x"),
	get("404 again", "/c/s404/x"),
	get("404 with any", "/any/s404/x"),
	get("404 with any again", "/any/s404/x"),
	get("expired at once", "/c/expired/x"),
	get("expired: fetched again", "/c/expired/x"),
	get("stale 500: store", "/stale/expired/e500/x"),
	get("stale on 500", "/stale/expired/e500/x"),
	get("bypass", "/c/b?skip=1"),
	get("bypass stored", "/c/b"),
	get("no_cache", "/c/n?nostore=1"),
	get("no_cache not stored", "/c/n"),
	get("min_uses 1", "/mu/x"),
	get("min_uses 2", "/mu/x"),
	get("min_uses 3", "/mu/x"),
	req("post not cached", "POST", "/c/p", "Content-Length: 0"),
	req("post not cached again", "POST", "/c/p", "Content-Length: 0"),
	get("zone from a variable", "/var/x?zone=gw"),
	get("zone from a variable: hit", "/var/x?zone=gw"),
	get("zone of another module", "/var/y?zone=px"),
}

// gatewayCacheSite is the configuration of gatewayCacheCases for module
// (fastcgi, uwsgi or scgi) with its params; the zone of another module
// is proxy's.
func gatewayCacheSite(module, params string) string {
	loc := func(path, extra string) string {
		return fmt.Sprintf("location %s { %s %s_pass {{B0}}; %s_cache gw; %s_cache_valid 200 1m; %s }\n",
			path, params, module, module, module, extra)
	}
	return fmt.Sprintf(`%[1]s_cache_path {{PREFIX}}/cache levels=1:2 keys_zone=gw:1m;
proxy_cache_path {{PREFIX}}/pcache keys_zone=px:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_status"';
server {
    listen 127.0.0.1:{{PORT}};
    root {{ROOT}};
    access_log logs/access.log cache;
    %[1]s_cache_key $scheme$request_uri;
`, module) + loc("/c/", module+"_cache_bypass $arg_skip; "+module+"_no_cache $arg_nostore;") +
		loc("/any/", module+"_cache_valid any 1m;") +
		loc("/stale/", module+"_cache_use_stale error timeout http_500;") +
		loc("/mu/", module+"_cache_min_uses 2;") +
		fmt.Sprintf("    location /var/ { %s %s_pass {{B0}}; %s_cache $arg_zone; %s_cache_valid 1m; }\n}\n",
			params, module, module, module)
}

// TestFastCGICache is fastcgi_cache against PHP-FPM (one pool per
// server, which counts its requests), through the code of proxy_cache:
// the cache files are compared with nginx's, FastCGI records and all.
func TestFastCGICache(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	params := fcgiParams + "fastcgi_param SCRIPT_FILENAME $document_root/count.php;"
	cases := append([]tc{}, gatewayCacheCases...)
	cases = append(cases,
		req("head converted: php sees HEAD", "HEAD", "/c/h"),
		get("get after the head: the empty body cached", "/c/h"),
		get("if-none-match on a hit", "/c/lm/x"),
		get("if-none-match on a hit 304", "/c/lm/x", "If-None-Match: \"v1\""),
	)
	runSite(t, &site{
		files:    map[string]string{"count.php": countPHP},
		backends: countPHPPool,
		after:    sameCacheFiles("cache"),
		http:     gatewayCacheSite("fastcgi", params),
		cases:    cases,
	})
}

// TestUWSGICache and TestSCGICache are uwsgi_cache and scgi_cache
// against a WSGI application under uWSGI.
func TestUWSGICache(t *testing.T) { wsgiCacheTest(t, "uwsgi", "--uwsgi-socket", uwsgiParams) }

func TestSCGICache(t *testing.T) { wsgiCacheTest(t, "scgi", "--scgi-socket", scgiParams) }

func wsgiCacheTest(t *testing.T, module, socketOpt, params string) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	runSite(t, &site{
		backends: countWSGIApp(socketOpt),
		after:    sameCacheFiles("cache"),
		http:     gatewayCacheSite(module, params),
		cases:    gatewayCacheCases,
	})
}

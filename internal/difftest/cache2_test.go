package difftest

import (
	"fmt"
	"testing"
)

// counterAndDead is the site.backends hook of the cache cases that need
// a dead upstream too: {{B0}} counts, {{B1}} refuses connections.
func counterAndDead() func(t *testing.T, name string) []string {
	counter := counters()
	return func(t *testing.T, name string) []string {
		return append(counter(t, name), deadAddr(t))
	}
}

// TestProxyCacheErrors: nginx keeps the 502 or 504 of a failed upstream
// in the key's node (no file) for as long as *_cache_valid gives that
// status, and answers it, HIT, without asking the upstream again.
func TestProxyCacheErrors(t *testing.T) {
	loc := func(path, extra string) string {
		return fmt.Sprintf("location %s { proxy_pass http://{{B1}}; proxy_cache one; %s }\n", path, extra)
	}
	runSite(t, &site{
		backends: counterAndDead(),
		files:    map[string]string{"e502.html": "error page\n"},
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_addr"';
server {
    listen 127.0.0.1:{{PORT}};
    root {{ROOT}};
    access_log logs/access.log cache;
    proxy_cache_key $request_uri;
` + loc("/any/", "proxy_cache_valid any 1m;") +
			loc("/only200/", "proxy_cache_valid 200 1m;") +
			loc("/c502/", "proxy_cache_valid 502 1m;") +
			loc("/c504/", "proxy_cache_valid 504 1m;") +
			loc("/page/", "proxy_cache_valid 502 1m; error_page 502 /e502.html;") +
			loc("/bypass/", "proxy_cache_valid any 1m; proxy_cache_bypass $arg_skip;") +
			loc("/mu/", "proxy_cache_valid any 1m; proxy_cache_min_uses 3;") +
			`}
`,
		cases: []tc{
			get("502 with any", "/any/x"),
			get("502 cached", "/any/x"),
			get("502 cached, other args: miss", "/any/x?a=1"),
			get("502 not cached by 200", "/only200/x"),
			get("502 not cached by 200 again", "/only200/x"),
			get("502 by 502", "/c502/x"),
			get("502 by 502 cached", "/c502/x"),
			get("502 by 504: not", "/c504/x"),
			get("502 by 504: not again", "/c504/x"),
			get("502 with an error page", "/page/x"),
			get("502 with an error page cached", "/page/x"),
			req("head on a cached 502", "HEAD", "/any/x"),
			get("bypass: 502 not kept", "/bypass/x?skip=1"),
			get("after bypass", "/bypass/x"),
			get("after bypass cached", "/bypass/x"),
			get("min_uses: scarce 502", "/mu/x"),
			get("min_uses: scarce 502 again", "/mu/x"),
			get("min_uses: third", "/mu/x"),
			get("min_uses: fourth", "/mu/x"),
		},
	})
}

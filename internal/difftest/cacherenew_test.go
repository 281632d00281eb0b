package difftest

import (
	"testing"
	"time"
)

// TestProxyCacheErrorRenew: a 502 kept by "proxy_cache_valid any" (the
// upstream closed without an answer) answers the key until it is over;
// then the key's node starts again from one use (the "renew" of
// ngx_http_file_cache_exists), so with proxy_cache_min_uses 2 the
// request after it is not cached and only the next one keeps its 502.
func TestProxyCacheErrorRenew(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	st := &site{
		backends: staleBackend,
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_key $request_uri;
    proxy_cache_valid any 1s;
    add_header X-Cache $upstream_cache_status always;
    location /mu/ { proxy_pass http://{{B0}}; proxy_cache_min_uses 2; }
}
`,
	}
	ng, we := startPair(t, st)
	run := func(c tc) { t.Run(c.name, func(t *testing.T) { runCase(t, c, ng, we) }) }
	run(get("first use, not stored", "/mu/drop/a"))
	run(get("second use: the 502 is kept", "/mu/drop/a"))
	run(get("the kept 502", "/mu/drop/a"))
	// an entry valid for 1 s is over 2 s later, counted in whole seconds
	time.Sleep(2200 * time.Millisecond)
	run(get("after it: the first use again", "/mu/drop/a"))
	run(get("the second use keeps the 502", "/mu/drop/a"))
	run(get("the kept 502 again", "/mu/drop/a"))
}

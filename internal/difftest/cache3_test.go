package difftest

import "testing"

// TestProxyCacheValidatorVars: $upstream_cache_last_modified and
// $upstream_cache_etag are the stored Last-Modified and ETag of an
// expired entry being revalidated (proxy_cache_revalidate on, status
// EXPIRED), and not found otherwise: on a miss, a hit, after a 304
// (REVALIDATED), or without proxy_cache_revalidate.
func TestProxyCacheValidatorVars(t *testing.T) {
	runSite(t, &site{
		backends: condBackend,
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" "$upstream_cache_status" "$upstream_cache_last_modified" "$upstream_cache_etag"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_valid 200 1m;
    proxy_cache_key $request_uri;
    add_header X-LM "$upstream_cache_last_modified" always;
    add_header X-ET "$upstream_cache_etag" always;
    location /rv/ { proxy_pass http://{{B0}}; proxy_cache_revalidate on; }
    location /own/ { proxy_pass http://{{B0}}; proxy_cache_revalidate on; proxy_set_header If-None-Match "W/$upstream_cache_etag"; }
    location /norv/ { proxy_pass http://{{B0}}; }
}
`,
		cases: []tc{
			get("miss", "/rv/a"),
			get("hit", "/rv/a"),
			get("expired, 200", "/rv/exp/b"),
			get("expired, 200 again", "/rv/exp/b"),
			get("expired, 304: store", "/rv/r304/exp/c"),
			get("expired, 304: revalidated", "/rv/r304/exp/c"),
			get("proxy_set_header with it: store", "/own/exp/d"),
			get("proxy_set_header with it", "/own/exp/d"),
			get("without revalidate: store", "/norv/exp/e"),
			get("without revalidate", "/norv/exp/e"),
		},
	})
}

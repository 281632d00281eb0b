package difftest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

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

// staleBackend counts the requests for each path and answers "n=N PATH";
// the path's parts choose the caching headers: /exp/ expires at once
// (X-Accel-Expires: @1, after the Cache-Control), /swr/ and /sie/ carry
// stale-while-revalidate and stale-if-error that last, /fail/ answers
// 500 after the first request, /drop/ closes without an answer then, /slow/ holds the later ones 300 ms.
func staleBackend(t *testing.T, name string) []string {
	return countingBackend(t, func(conn net.Conn, path string, n int, _ []string) {
		has := func(w string) bool { return strings.Contains(path, "/"+w+"/") }
		if has("slow") && n > 1 {
			time.Sleep(300 * time.Millisecond)
		}
		if has("drop") && n > 1 {
			return
		}
		if has("fail") && n > 1 {
			fmt.Fprintf(conn, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfail\n")
			return
		}
		hdr := ""
		switch {
		case has("swr"):
			hdr += "Cache-Control: max-age=100, stale-while-revalidate=3000000000\r\n"
		case has("sie"):
			hdr += "Cache-Control: max-age=100, stale-if-error=3000000000\r\n"
		}
		if has("exp") {
			hdr += "X-Accel-Expires: @1\r\n"
		}
		body := fmt.Sprintf("n=%d %s\n", n, path)
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", hdr, len(body), body)
	})
}

// countingBackend is a backend whose handler gets the count of the
// requests for each path so far, this one included.
func countingBackend(t *testing.T, handle func(conn net.Conn, path string, n int, hdrs []string)) []string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var mu sync.Mutex
	seen := map[string]int{}
	go serveRequests(ln, func(conn net.Conn, path string, hdrs []string) {
		mu.Lock()
		seen[path]++
		n := seen[path]
		mu.Unlock()
		handle(conn, path, n, hdrs)
	})
	return []string{ln.Addr().String()}
}

// TestProxyCacheBackgroundUpdate: with proxy_cache_background_update and
// an expired entry that may be served while it is updated
// (proxy_cache_use_stale updating, or the stale-while-revalidate it was
// stored with), the stale file is sent at once (STALE) and a background
// subrequest fetches the entry again; the next request on the connection
// is read only once it is done, so it sees the new entry. Without
// background update the expired entry is fetched by the request (EXPIRED);
// stale-if-error serves the stale file when the upstream fails (not for
// its error status).
func TestProxyCacheBackgroundUpdate(t *testing.T) {
	runSite(t, &site{
		backends: staleBackend,
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_valid 200 1m;
    proxy_cache_key $request_uri;
    add_header X-Cache $upstream_cache_status;
    location /bg/ { proxy_pass http://{{B0}}; proxy_cache_use_stale updating; proxy_cache_background_update on; }
    location /bgnostale/ { proxy_pass http://{{B0}}; proxy_cache_background_update on; }
    location /logged/ { proxy_pass http://{{B0}}; proxy_cache_use_stale updating; proxy_cache_background_update on; log_subrequest on; }
    location /plain/ { proxy_pass http://{{B0}}; }
    location /stale/ { proxy_pass http://{{B0}}; proxy_cache_use_stale updating; }
}
`,
		cases: []tc{
			get("bg: store", "/bg/exp/a"),
			get("bg: stale, updated behind", "/bg/exp/a"),
			get("bg: stale again, the update's", "/bg/exp/a"),
			getN("bg: keep-alive waits for the update", 2, same("/bg/exp/slow/b")),
			get("bg: keep-alive: store", "/bg/exp/slow/c"),
			getN("bg: keep-alive", 2, same("/bg/exp/slow/c")),
			get("bg without use_stale: store", "/bgnostale/exp/d"),
			get("bg without use_stale: expired", "/bgnostale/exp/d"),
			get("bg, stale-while-revalidate: store", "/bgnostale/swr/exp/e"),
			get("bg, stale-while-revalidate: stale", "/bgnostale/swr/exp/e"),
			get("bg, stale-while-revalidate: stale again", "/bgnostale/swr/exp/e"),
			get("log_subrequest: store", "/logged/exp/f"),
			{name: "log_subrequest: stale", req: get("", "/logged/exp/f").req,
				skip: "known: nginx logs a subrequest's $body_bytes_sent as the bytes the connection sent so far (c->sent), weir 0"},
			get("no bg: store", "/stale/exp/g"),
			get("no bg: expired", "/stale/exp/g"),
			get("stale-while-revalidate without bg: store", "/plain/swr/exp/h"),
			get("stale-while-revalidate without bg: expired", "/plain/swr/exp/h"),
			get("stale-if-error: store", "/plain/sie/exp/fail/i"),
			get("stale-if-error: not on a 500", "/plain/sie/exp/fail/i"),
			get("stale-if-error: store, then an error", "/plain/sie/exp/drop/l"),
			get("stale-if-error: stale on an error", "/plain/sie/exp/drop/l"),
			get("no stale-if-error: store, then an error", "/plain/exp/drop/m"),
			get("no stale-if-error: the error", "/plain/exp/drop/m"),
			get("no stale-if-error: store", "/plain/exp/fail/j"),
			get("no stale-if-error: the 500", "/plain/exp/fail/j"),
			get("bg, failing update: store", "/bg/exp/fail/k"),
			get("bg, failing update: stale", "/bg/exp/fail/k"),
			get("bg, failing update: stale again", "/bg/exp/fail/k"),
		},
	})
}

// TestProxyCacheErrorOver: an entry whose update failed keeps its file
// while the node answers the cached 502 (HIT); once that is over the node
// starts again ("renew") and, the zone being cold until the cache loader
// has run a minute after start, the file on disk is looked at again:
// EXPIRED, not MISS. The rounds are 2.2 s apart, past the 1 s validities.
func TestProxyCacheErrorOver(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	g := &cacheGen{
		http:     cacheFuzzServer + "location /l/ { proxy_pass http://{{B0}}; proxy_cache_valid any 1s; }\n}\n",
		profiles: []*cacheProfile{{status: "200 OK", later: "close"}},
	}
	r := func(name string) cacheReq { return cacheReq{name: name, c: get(name, "/l/r0")} }
	g.rounds = [][]cacheReq{
		{r("store")},
		{r("expired, the upstream fails: 502 kept"), r("the kept 502")},
		{r("the 502 is over: the file again")},
	}
	runCacheFuzz(t, g)
}

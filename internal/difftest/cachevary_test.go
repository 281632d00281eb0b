package difftest

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

// varyBackend counts the requests for each URI and answers with the
// Vary the request's X-Vary asks for (none without it), expiring at once
// with X-Exp; the body tells the count and the headers varied on.
func varyBackend(t *testing.T, name string) []string {
	return countingBackend(t, func(conn net.Conn, uri string, n int, hdrs []string) {
		val := func(name string) string {
			for _, h := range hdrs {
				k, v, _ := strings.Cut(h, ":")
				if strings.EqualFold(k, name) {
					return strings.TrimSpace(v)
				}
			}
			return ""
		}
		hdr := ""
		if v := val("X-Vary"); v != "" {
			hdr += "Vary: " + v + "\r\n"
		}
		if val("X-Exp") != "" {
			hdr += "X-Accel-Expires: @1\r\n"
		}
		body := fmt.Sprintf("n=%d %s ae=%q ua=%q\n", n, uri, val("Accept-Encoding"), val("User-Agent"))
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", hdr, len(body), body)
	})
}

// TestProxyCacheVary: a response with Vary is stored under the main key
// with the hash of the values of the request headers it names; a request
// whose values hash otherwise is a MISS stored under that hash (a file of
// its own, the main key's file left as it is), so that each variant is a
// HIT afterwards (ngx_http_file_cache_vary, _reopen). A variant's answer
// that varies otherwise, or not at all, goes under the main key
// (ngx_http_file_cache_update_variant). The files are compared with
// nginx's.
func TestProxyCacheVary(t *testing.T) {
	const ae = "X-Vary: Accept-Encoding"
	runSite(t, &site{
		backends: varyBackend,
		after:    sameCacheFiles("cache"),
		http: `proxy_cache_path {{PREFIX}}/cache levels=1:2 keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_valid 200 1m;
    proxy_cache_key $scheme$request_uri;
    add_header X-Cache $upstream_cache_status;
    location / { proxy_pass http://{{B0}}; }
    location /bg/ { proxy_pass http://{{B0}}; proxy_cache_use_stale updating; proxy_cache_background_update on; }
    location /min/ { proxy_pass http://{{B0}}; proxy_cache_min_uses 2; }
    location /lock/ { proxy_pass http://{{B0}}; proxy_cache_lock on; }
}
`,
		cases: []tc{
			get("first variant: miss", "/a", ae, "Accept-Encoding: gzip"),
			get("first variant: hit", "/a", ae, "Accept-Encoding: gzip"),
			get("second variant: miss", "/a", ae),
			get("first variant: still a hit", "/a", ae, "Accept-Encoding: gzip"),
			get("second variant: hit", "/a", ae),
			get("third variant: miss", "/a", ae, "Accept-Encoding: gzip,  deflate"),
			get("third variant: hit, spaces normalised", "/a", ae, "Accept-Encoding: gzip, deflate"),
			get("third variant: hit, commas", "/a", ae, "Accept-Encoding: ,gzip,deflate,"),
			get("other headers do not matter", "/a", ae, "Accept-Encoding: gzip", "User-Agent: x"),
			get("two headers: miss", "/b", "X-Vary: Accept-Encoding, User-Agent", "User-Agent: one"),
			get("two headers: other user agent", "/b", "X-Vary: Accept-Encoding, User-Agent", "User-Agent: two"),
			get("two headers: first again", "/b", "X-Vary: Accept-Encoding, User-Agent", "User-Agent: one"),
			get("two headers: second again", "/b", "X-Vary: Accept-Encoding, User-Agent", "User-Agent: two"),
			get("case of the value matters", "/b", "X-Vary: Accept-Encoding, User-Agent", "User-Agent: ONE"),
			get("variant varying otherwise: main", "/c", ae, "Accept-Encoding: gzip"),
			get("variant varying otherwise: miss, stored under the main key", "/c", "X-Vary: User-Agent", "Accept-Encoding: br", "User-Agent: u"),
			get("variant varying otherwise: the first is gone", "/c", ae, "Accept-Encoding: gzip", "User-Agent: u"),
			get("variant varying otherwise: the main key's", "/c", ae, "Accept-Encoding: br", "User-Agent: u"),
			get("variant without vary: main", "/d", ae, "Accept-Encoding: gzip"),
			get("variant without vary: miss, stored under the main key", "/d", "Accept-Encoding: br"),
			get("variant without vary: any request hits it", "/d", ae, "Accept-Encoding: gzip"),
			get("expired variant: main", "/e", ae, "Accept-Encoding: gzip"),
			get("expired variant: store", "/e", ae, "X-Exp: 1", "Accept-Encoding: br"),
			get("expired variant: expired", "/e", ae, "Accept-Encoding: br"),
			get("expired variant: fetched again", "/e", ae, "Accept-Encoding: br"),
			get("expired variant: main still a hit", "/e", ae, "Accept-Encoding: gzip"),
			get("expired main: store", "/f", ae, "X-Exp: 1", "Accept-Encoding: gzip"),
			get("expired main: other variant", "/f", ae, "Accept-Encoding: br"),
			get("expired main: other variant hit", "/f", ae, "Accept-Encoding: br"),
			get("expired main: expired", "/f", ae, "Accept-Encoding: gzip"),
			get("background update of a variant: main", "/bg/g", ae, "Accept-Encoding: gzip"),
			get("background update of a variant: store", "/bg/g", ae, "X-Exp: 1", "Accept-Encoding: br"),
			get("background update of a variant: stale", "/bg/g", ae, "X-Exp: 1", "Accept-Encoding: br"),
			get("background update of a variant: the update's", "/bg/g", ae, "Accept-Encoding: br"),
			get("background update of a variant: main still a hit", "/bg/g", ae, "Accept-Encoding: gzip"),
			get("min_uses: first", "/min/h", ae, "Accept-Encoding: gzip"),
			get("min_uses: main stored", "/min/h", ae, "Accept-Encoding: gzip"),
			get("min_uses: main hit", "/min/h", ae, "Accept-Encoding: gzip"),
			get("min_uses: variant first", "/min/h", ae, "Accept-Encoding: br"),
			get("min_uses: variant stored", "/min/h", ae, "Accept-Encoding: br"),
			get("min_uses: variant hit", "/min/h", ae, "Accept-Encoding: br"),
			get("lock: main", "/lock/i", ae, "Accept-Encoding: gzip"),
			get("lock: variant", "/lock/i", ae, "Accept-Encoding: br"),
			get("lock: variant hit", "/lock/i", ae, "Accept-Encoding: br"),
			get("vary star not stored", "/j", "X-Vary: *"),
			get("vary star again", "/j", "X-Vary: *"),
		},
	})
}

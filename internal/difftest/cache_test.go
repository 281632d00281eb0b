package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// counter is the upstream of the cache cases: one per server under test,
// it numbers the requests it gets for each path, so that a response from
// the cache (the number does not move) is told from one from the
// upstream. What it answers depends on words in the path:
//
//	nocache private maxage maxage0 cookie varystar expired xa0 pastexp
//	s404 chunked ranges varyua: the headers that decide cacheability
//	close e500: from the second request on, the connection is closed
//	or 500 is answered (for *_cache_use_stale)
type counter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *counter) serve(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go c.handle(conn)
	}
}

func (c *counter) handle(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		return
	}
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			return
		}
		if h == "\r\n" {
			break
		}
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return
	}
	method, uri := f[0], f[1]
	path, _, _ := strings.Cut(uri, "?")
	c.mu.Lock()
	c.seen[path]++
	n := c.seen[path]
	c.mu.Unlock()
	has := func(w string) bool { return strings.Contains(path, "/"+w+"/") }
	if n > 1 && has("close") {
		return
	}
	status := "200 OK"
	if n > 1 && has("e500") {
		status = "500 Internal Server Error"
	}
	if has("s404") {
		status = "404 Not Found"
	}
	hdr := "Content-Type: text/plain\r\nETag: \"v1\"\r\nLast-Modified: Thu, 01 Jan 2015 00:00:00 GMT\r\nX-N: " + fmt.Sprint(n) + "\r\n"
	for _, x := range []struct{ word, line string }{
		{"nocache", "Cache-Control: no-cache"}, {"private", "Cache-Control: private"},
		{"maxage", "Cache-Control: public, max-age=100"}, {"maxage0", "Cache-Control: max-age=0"},
		{"cookie", "Set-Cookie: a=1"}, {"varystar", "Vary: *"}, {"varyua", "Vary: User-Agent"},
		{"expired", "X-Accel-Expires: @1"}, {"xa0", "X-Accel-Expires: 0"},
		{"pastexp", "Expires: Thu, 01 Jan 2015 00:00:00 GMT"}, {"ranges", "Accept-Ranges: bytes"},
	} {
		if has(x.word) {
			hdr += x.line + "\r\n"
		}
	}
	body := fmt.Sprintf("n=%d %s %s\n", n, method, path)
	if method == "HEAD" {
		fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n", status, hdr, len(body))
		return
	}
	if has("chunked") {
		fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", status, hdr, len(body), body)
		return
	}
	fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, hdr, len(body), body)
}

// counters is the site.backends hook: a counter per server under test.
func counters() func(t *testing.T, name string) []string {
	return func(t *testing.T, name string) []string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		c := &counter{seen: map[string]int{}}
		go c.serve(ln)
		return []string{ln.Addr().String()}
	}
}

func TestProxyCache(t *testing.T) {
	loc := func(path, extra string) string {
		return fmt.Sprintf("location %s { proxy_pass http://{{B0}}; proxy_cache one; proxy_cache_valid 200 1m; %s }\n", path, extra)
	}
	runSite(t, &site{
		backends: counters(),
		after:    sameCacheFiles("cache", "cache2"),
		http: `proxy_cache_path {{PREFIX}}/cache levels=1:2 keys_zone=one:1m;
proxy_cache_path {{PREFIX}}/cache2 keys_zone=two:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    # the default key has $proxy_host, the backend's address, which
    # differs between the two servers; the files are compared
    proxy_cache_key $scheme$request_uri;
` + loc("/", "") +
			loc("/any/", "proxy_cache_valid any 1m;") +
			loc("/bypass/", "proxy_cache_bypass $arg_skip; proxy_no_cache $arg_nostore;") +
			loc("/minuses/", "proxy_cache_min_uses 2;") +
			loc("/stale/", "proxy_cache_use_stale error timeout http_500;") +
			loc("/head/", "proxy_cache_convert_head off;") +
			loc("/ign/", "proxy_ignore_headers Cache-Control Set-Cookie Expires X-Accel-Expires Vary;") +
			loc("/nobuf/", "proxy_buffering off;") +
			loc("/post/", "proxy_cache_methods POST;") +
			loc("/key/", "proxy_cache_key $uri;") +
			`    location /var/ { proxy_pass http://{{B0}}; proxy_cache $arg_zone; proxy_cache_valid 1m; }
    location /off/ { proxy_pass http://{{B0}}; proxy_cache off; }
    location /novalid/ { proxy_pass http://{{B0}}; proxy_cache one; }
}
`,
		cases: []tc{
			get("miss", "/a/x"),
			get("hit", "/a/x"),
			get("hit args differ: miss", "/a/x?q=1"),
			get("hit again", "/a/x"),
			req("head on a cached entry", "HEAD", "/a/x"),
			req("head converted to get", "HEAD", "/a/h1"),
			get("get after the head", "/a/h1"),
			req("head not converted", "HEAD", "/head/h2"),
			get("get after the unconverted head", "/head/h2"),
			get("no-cache", "/a/nocache/x"),
			get("no-cache again", "/a/nocache/x"),
			get("private", "/a/private/x"),
			get("private again", "/a/private/x"),
			get("max-age", "/a/maxage/x"),
			get("max-age again", "/a/maxage/x"),
			get("max-age=0", "/a/maxage0/x"),
			get("max-age=0 again", "/a/maxage0/x"),
			get("set-cookie", "/a/cookie/x"),
			get("set-cookie again", "/a/cookie/x"),
			get("vary star", "/a/varystar/x"),
			get("vary star again", "/a/varystar/x"),
			get("x-accel-expires 0", "/a/xa0/x"),
			get("x-accel-expires 0 again", "/a/xa0/x"),
			get("expires in the past", "/a/pastexp/x"),
			get("expires in the past again", "/a/pastexp/x"),
			get("expired at once", "/a/expired/x"),
			get("expired: fetched again", "/a/expired/x"),
			get("ignore headers", "/ign/cookie/nocache/pastexp/x"),
			get("ignore headers again", "/ign/cookie/nocache/pastexp/x"),
			get("404 not cached by default", "/a/s404/x"),
			get("404 again", "/a/s404/x"),
			get("404 with any", "/any/s404/x"),
			get("404 with any again", "/any/s404/x"),
			get("chunked", "/a/chunked/x"),
			get("chunked from the cache", "/a/chunked/x"),
			get("if-none-match on a hit", "/a/x", "If-None-Match: \"v1\""),
			get("if-modified-since on a hit", "/a/x", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT"),
			get("if-none-match on a miss", "/a/inm/x", "If-None-Match: \"v1\""),
			get("after the 304 miss", "/a/inm/x"),
			get("if-none-match, no valid time: 304 not stored", "/novalid/x", "If-None-Match: \"v1\""),
			get("if-modified-since, no valid time: 304 not stored", "/novalid/x", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT"),
			get("if-none-match, proxy_no_cache: 304 not stored", "/bypass/inm/x?nostore=1", "If-None-Match: \"v1\""),
			get("if-none-match, no_cache: not stored", "/bypass/inm/x"),
			get("if-none-match, bypass: 304", "/bypass/inm/y?skip=1", "If-None-Match: \"v1\""),
			get("if-none-match, no-cache from the upstream: 200", "/novalid/nocache/x", "If-None-Match: \"v1\""),
			get("if-none-match, no valid time for a 404", "/novalid/s404/x", "If-None-Match: \"v1\""),
			get("bypass", "/bypass/x?skip=1"),
			get("bypass stored", "/bypass/x"),
			get("no_cache", "/bypass/y?nostore=1"),
			get("no_cache not stored", "/bypass/y"),
			get("min_uses 1", "/minuses/x"),
			get("min_uses 2", "/minuses/x"),
			get("min_uses 3", "/minuses/x"),
			get("stale: store", "/stale/expired/close/x"),
			get("stale on error", "/stale/expired/close/x"),
			get("stale 500: store", "/stale/expired/e500/x"),
			get("stale on 500", "/stale/expired/e500/x"),
			get("no stale: error", "/a/expired/close/x"),
			get("no stale: error again", "/a/expired/close/x"),
			get("unbuffered", "/nobuf/x"),
			get("unbuffered again", "/nobuf/x"),
			req("post", "POST", "/post/x", "Content-Length: 0"),
			req("post cached", "POST", "/post/x", "Content-Length: 0"),
			req("post not a cache method", "POST", "/a/p", "Content-Length: 0"),
			req("post not a cache method again", "POST", "/a/p", "Content-Length: 0"),
			get("key by uri", "/key/x?a=1"),
			get("key by uri: other args hit", "/key/x?a=2"),
			get("zone from a variable", "/var/x?zone=two"),
			get("zone from a variable: hit", "/var/x?zone=two"),
			get("zone from a variable: off", "/var/y?zone=off"),
			get("zone from a variable: unknown", "/var/z?zone=nope"),
			get("cache off", "/off/x"),
			get("cache off again", "/off/x"),
			get("cache off: a 404 keeps its last-modified", "/off/s404/x"),
			get("ranges", "/a/ranges/x", "Range: bytes=0-3"),
			get("ranges from the cache", "/a/ranges/x", "Range: bytes=2-5"),
			get("no ranges without accept-ranges", "/a/x", "Range: bytes=0-3"),
			get("vary", "/a/varyua/x", "User-Agent: one"),
			get("vary same", "/a/varyua/x", "User-Agent: one"),
		},
	})
}

// sameCacheFiles checks that both servers left the same cache files: the
// same paths (the MD5 of the key under the levels) and the same bytes but
// for the times at the head of nginx's header (valid_sec, updating_sec,
// error_sec, last_modified and date: 48 bytes): the file format is
// nginx's, so either server reads the other's files.
func sameCacheFiles(dirs ...string) func(t *testing.T, ng, we *server) {
	return func(t *testing.T, ng, we *server) {
		for _, d := range dirs {
			files := func(s *server) map[string][]byte {
				out := map[string][]byte{}
				root := filepath.Join(s.prefix, d)
				_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
					if err != nil || e.IsDir() {
						return nil
					}
					b, _ := os.ReadFile(p)
					rel, _ := filepath.Rel(root, p)
					out[rel] = b
					return nil
				})
				return out
			}
			fn, fw := files(ng), files(we)
			if len(fn) == 0 {
				t.Errorf("%s: nginx left no cache files", d)
			}
			for name, bn := range fn {
				bw, ok := fw[name]
				if !ok {
					t.Errorf("%s: weir has no %s", d, name)
					continue
				}
				if len(bn) < 48 || len(bw) < 48 || !bytes.Equal(bn[48:], bw[48:]) {
					t.Errorf("%s: %s differs:\nnginx %q\nweir  %q", d, name, bn, bw)
				}
			}
			for name := range fw {
				if _, ok := fn[name]; !ok {
					t.Errorf("%s: weir has %s, nginx not", d, name)
				}
			}
		}
	}
}

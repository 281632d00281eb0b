package difftest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
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

// holdBackend answers every request with a count for its path (X-N and
// the body), after holding it for hold when the path has "/hold/"; it
// reports each arrival on arrived.
type holdBackend struct {
	mu      sync.Mutex
	seen    map[string]int
	hold    time.Duration
	arrived chan string
}

func (b *holdBackend) serve(ln net.Listener) {
	serveRequests(ln, func(conn net.Conn, uri string, _ []string) {
		b.mu.Lock()
		b.seen[uri]++
		n := b.seen[uri]
		b.mu.Unlock()
		select {
		case b.arrived <- uri:
		default:
		}
		if strings.Contains(uri, "/hold/") {
			time.Sleep(b.hold)
		}
		body := fmt.Sprintf("n=%d %s\n", n, uri)
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-N: %d\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", n, len(body), body)
	})
}

// serveRequests accepts connections on ln and reads a request head from
// each; handle gets the URI and the header lines and answers.
func serveRequests(ln net.Listener, handle func(conn net.Conn, uri string, hdrs []string)) {
	serveMethods(ln, func(conn net.Conn, _, uri string, hdrs []string) { handle(conn, uri, hdrs) })
}

// serveMethods is serveRequests with the request's method.
func serveMethods(ln net.Listener, handle func(conn net.Conn, method, uri string, hdrs []string)) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			br := bufio.NewReader(conn)
			line, err := br.ReadString('\n')
			var hdrs []string
			for err == nil {
				var h string
				if h, err = br.ReadString('\n'); h == "\r\n" {
					break
				}
				hdrs = append(hdrs, strings.TrimRight(h, "\r\n"))
			}
			f := strings.Fields(line)
			if err != nil || len(f) < 2 {
				return
			}
			handle(conn, f[0], f[1], hdrs)
		}()
	}
}

// fetch sends a GET for uri and returns the response's status line and
// body, "" on an error.
func fetch(addr, uri string) string {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", uri)
	b, _ := io.ReadAll(c)
	s := string(b)
	status, _, _ := strings.Cut(s, "\r\n")
	_, body, _ := strings.Cut(s, "\r\n\r\n")
	return status + " " + body
}

// TestProxyCacheLock: with proxy_cache_lock, requests for a key that
// another request is fetching wait for it and are answered from the
// cache (one request reaches the upstream); those that wait longer than
// proxy_cache_lock_timeout log "cache lock timeout" at info and go to
// the upstream, and their answers are not cached. Without the lock every
// request goes. The first request is sent alone; the others once the
// backend holds it (for 300 ms, or 800 ms against a 100 ms timeout, so
// that on a loaded machine a late request still gets the same answer
// where it matters).
func TestProxyCacheLock(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	backends := map[string]*holdBackend{}
	var mu sync.Mutex
	st := &site{
		backends: func(t *testing.T, name string) []string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			b := &holdBackend{seen: map[string]int{}, arrived: make(chan string, 16)}
			mu.Lock()
			backends[name] = b
			mu.Unlock()
			go b.serve(ln)
			return []string{ln.Addr().String()}
		},
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_valid 200 1m;
    location /lock/ { proxy_pass http://{{B0}}; proxy_cache_lock on; }
    location /short/ { proxy_pass http://{{B0}}; proxy_cache_lock on; proxy_cache_lock_timeout 100ms; }
    location /zero/ { proxy_pass http://{{B0}}; proxy_cache_lock on; proxy_cache_lock_timeout 0; }
    location /nolock/ { proxy_pass http://{{B0}}; }
}
`,
	}
	ng, we := startPair(t, st)
	for _, c := range []struct {
		uri  string
		hold time.Duration
	}{
		{"/lock/hold/x", 300 * time.Millisecond},
		{"/short/hold/x", 800 * time.Millisecond},
		{"/zero/hold/x", 300 * time.Millisecond},
		{"/nolock/hold/x", 300 * time.Millisecond},
	} {
		t.Run(c.uri, func(t *testing.T) {
			run := func(s *server) (answers, access, errors []string) {
				b := backends[s.name]
				b.hold = c.hold
				out := make([]string, 3)
				var wg sync.WaitGroup
				wg.Add(1)
				go func() { defer wg.Done(); out[0] = fetch(s.addr(0), c.uri) }()
				select {
				case <-b.arrived:
				case <-time.After(5 * time.Second):
					t.Errorf("%s: the first request did not reach the backend", s.name)
				}
				for i := 1; i < 3; i++ {
					wg.Add(1)
					go func(i int) { defer wg.Done(); out[i] = fetch(s.addr(0), c.uri) }(i)
				}
				wg.Wait()
				for len(b.arrived) > 0 {
					<-b.arrived
				}
				sort.Strings(out)
				acc := normAccess(s.newLines("access.log", &s.accessOff), s)
				sort.Strings(acc)
				return out, acc, normError(s.newLines("error.log", &s.errorOff), s)
			}
			an, ac, ae := run(ng)
			wn, wc, wer := run(we)
			for _, x := range []struct {
				what string
				n, w []string
			}{{"answers", an, wn}, {"access log", ac, wc}, {"error log", ae, wer}} {
				if strings.Join(x.n, "\n") != strings.Join(x.w, "\n") {
					t.Errorf("%s differ:\n%s", x.what, sideBySide(x.n, x.w, "nginx", "weir"))
				}
			}
		})
	}
}

// condBackend counts the requests for each path and says in X-Cond which
// conditional and range headers it got. With "/r304/" in the path a
// request with If-None-Match or If-Modified-Since gets a 304 (with
// Cache-Control: max-age=100 when the path has "/max304/"); the 200s
// have an ETag and a Last-Modified, and expire at once with "/exp/".
func condBackend(t *testing.T, name string) []string {
	return countingBackend(t, func(conn net.Conn, path string, n int, hdrs []string) {
		var cond []string
		for _, h := range hdrs {
			k, v, _ := strings.Cut(h, ":")
			switch strings.ToLower(k) {
			case "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "range", "if-range":
				cond = append(cond, strings.ToLower(k)+"="+strings.TrimSpace(v))
			}
		}
		has := func(w string) bool { return strings.Contains(path, "/"+w+"/") }
		hdr := fmt.Sprintf("X-N: %d\r\nX-Cond: %s\r\nETag: \"e1\"\r\nLast-Modified: Thu, 01 Jan 2015 00:00:00 GMT\r\n", n, strings.Join(cond, "; "))
		if has("r304") && len(cond) > 0 {
			if has("max304") {
				hdr += "Cache-Control: max-age=100\r\n"
			}
			fmt.Fprintf(conn, "HTTP/1.1 304 Not Modified\r\n%sConnection: close\r\n\r\n", hdr)
			return
		}
		if has("exp") {
			hdr += "X-Accel-Expires: @1\r\n"
		}
		body := fmt.Sprintf("n=%d %s\n", n, path)
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", hdr, len(body), body)
	})
}

// TestProxyCacheRevalidate: a request that may be cached does not pass
// the client's conditions and ranges (ngx_http_proxy_cache_headers);
// with proxy_cache_revalidate an expired entry is asked for with its
// If-Modified-Since and If-None-Match, and a 304 serves the file,
// REVALIDATED, valid again for what the 304 says, else the stored
// response's headers, else proxy_cache_valid.
func TestProxyCacheRevalidate(t *testing.T) {
	runSite(t, &site{
		backends: condBackend,
		after:    sameCacheFiles("cache"),
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_valid 200 1m;
    proxy_cache_key $request_uri;
    location /rv/ { proxy_pass http://{{B0}}; proxy_cache_revalidate on; }
    location /set/ { proxy_pass http://{{B0}}; proxy_cache_revalidate on; proxy_set_header If-None-Match "mine"; }
    location /norv/ { proxy_pass http://{{B0}}; }
    location /off/ { proxy_pass http://{{B0}}; proxy_cache off; }
}
`,
		cases: []tc{
			get("conditions not passed on a miss", "/norv/a", "If-None-Match: \"e1\"", "Range: bytes=0-2", "If-Modified-Since: Thu, 01 Jan 2015 00:00:00 GMT", "If-Range: \"e1\""),
			get("conditions passed without a cache", "/off/a", "If-None-Match: \"x\"", "Range: bytes=0-2"),
			get("revalidate: store", "/rv/r304/exp/x"),
			get("revalidate: 304", "/rv/r304/exp/x"),
			get("revalidate: 304 again (still expired)", "/rv/r304/exp/x"),
			get("revalidate: client condition on a revalidated", "/rv/r304/exp/x", "If-None-Match: \"e1\""),
			get("revalidate by max-age: store", "/rv/r304/max304/exp/x"),
			get("revalidate by max-age: 304", "/rv/r304/max304/exp/x"),
			get("revalidate by max-age: hit", "/rv/r304/max304/exp/x"),
			get("revalidate: 200", "/rv/exp/y"),
			get("revalidate: 200 again", "/rv/exp/y"),
			get("no revalidate: store", "/norv/r304/exp/x"),
			get("no revalidate: expired", "/norv/r304/exp/x"),
			get("set header: store", "/set/r304/exp/x"),
			get("set header: theirs", "/set/r304/exp/x"),
		},
	})
}

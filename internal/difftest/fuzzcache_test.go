package difftest

import (
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFuzzCache is a differential fuzzer of the proxy cache: from fixed
// seeds it generates a server whose locations draw their cache settings
// from proxy_cache_valid, _min_uses, _methods, _bypass, proxy_no_cache,
// proxy_ignore_headers, _revalidate, _use_stale, _background_update,
// _lock and _convert_head, a backend whose resources answer with random
// caching headers (Cache-Control, Expires, X-Accel-Expires, Set-Cookie,
// Vary, validators, statuses 200 301 302 404 500 503, failures after the
// first answer, 304s to conditional requests), and rounds of requests
// (GET, HEAD, POST, conditional, ranges, the client's own Cache-Control
// and Pragma, bypass and no-cache arguments) separated by waits past the
// 1-second validities. Each request is compared as usual (response,
// access log with $upstream_cache_status and the upstream fields, error
// log), and then how many requests each resource's backend got.
//
// By default a few seeds run (under 30 s). WEIR_FUZZ_SEEDS=n runs seeds
// 1..n, WEIR_FUZZ_SEED=k only seed k. A failure logs the seed, the
// configuration and the resources' profiles.
func TestFuzzCache(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	first, last, _ := fuzzRange(4, 0)
	for seed := first; seed <= last; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			g := &cacheGen{r: rand.New(rand.NewSource(int64(seed)))}
			g.generate()
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d, configuration:\n%s\nresources:\n%s", seed, g.http, g.describe())
				}
			})
			runCacheFuzz(t, g)
		})
	}
}

// cacheProfile is what the backend answers for one resource.
type cacheProfile struct {
	status string   // "200 OK", ...
	hdrs   []string // header lines; {{FUTURE}}, {{FUTURE1}}, {{FUTUREAT}} are filled at answer time
	later  string   // from the second request on: "" as the first, "500", "503", "close"
	r304   bool     // a conditional request gets a 304
	slow   bool     // answers after 200 ms
}

// cacheGen generates one site: locations /l0/ ... and resources
// /lN/rM (the location N, the profile M).
type cacheGen struct {
	r        *rand.Rand
	http     string
	locs     []string // location settings, for the log
	profiles []*cacheProfile
	rounds   [][]cacheReq
}

type cacheReq struct {
	name string
	c    tc
	// pair: a second client sends the same request 50 ms after the
	// first (*_cache_lock, updating), against a slow resource
	pair bool
}

func (g *cacheGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }
func (g *cacheGen) chance(p float64) bool    { return g.r.Float64() < p }

func (g *cacheGen) profile() *cacheProfile {
	p := &cacheProfile{status: "200 OK"}
	if g.chance(0.3) {
		p.status = g.pick("301 Moved Permanently", "302 Found", "404 Not Found", "500 Internal Server Error", "503 Service Unavailable",
			"204 No Content", "304 Not Modified")
	}
	if g.chance(0.4) {
		var cc []string
		for _, d := range []string{g.pick("max-age=0", "max-age=1", "max-age=100"), g.pick("s-maxage=0", "s-maxage=1", "s-maxage=100"),
			"no-cache", "no-store", "private", "public", g.pick("stale-while-revalidate=1", "stale-while-revalidate=100"),
			g.pick("stale-if-error=1", "stale-if-error=100"), "must-revalidate"} {
			if g.chance(0.2) {
				cc = append(cc, d)
			}
		}
		if len(cc) == 0 {
			cc = append(cc, g.pick("max-age=1", "max-age=100", "no-cache"))
		}
		p.hdrs = append(p.hdrs, "Cache-Control: "+strings.Join(cc, ", "))
		if g.chance(0.15) {
			p.hdrs = append(p.hdrs, "Cache-Control: "+g.pick("no-cache", "max-age=100", "private", "stale-while-revalidate=100"))
		}
	}
	if g.chance(0.25) {
		p.hdrs = append(p.hdrs, "Expires: "+g.pick("Thu, 01 Jan 2015 00:00:00 GMT", "{{FUTURE}}", "{{FUTURE1}}", "0", "garbage"))
	}
	if g.chance(0.25) {
		p.hdrs = append(p.hdrs, "X-Accel-Expires: "+g.pick("0", "1", "100", "@1", "{{FUTUREAT}}", "x"))
	}
	if g.chance(0.08) {
		p.hdrs = append(p.hdrs, "Set-Cookie: s=1")
	}
	if g.chance(0.2) {
		p.hdrs = append(p.hdrs, "Vary: "+g.pick("User-Agent", "*", "Accept-Encoding", "X-Foo, User-Agent", "User-Agent"))
	}
	if g.chance(0.6) {
		// {{N}}: the count of the answer, an ETag that changes
		p.hdrs = append(p.hdrs, "ETag: "+g.pick(`"e1"`, `"e1"`, `W/"e1"`, `"e{{N}}"`))
	}
	if g.chance(0.6) {
		p.hdrs = append(p.hdrs, "Last-Modified: Thu, 01 Jan 2015 00:00:00 GMT")
	}
	if strings.HasPrefix(p.status, "30") {
		p.hdrs = append(p.hdrs, "Location: http://ext.test/moved")
	}
	g.r.Shuffle(len(p.hdrs), func(i, j int) { p.hdrs[i], p.hdrs[j] = p.hdrs[j], p.hdrs[i] })
	if g.chance(0.35) {
		p.later = g.pick("500", "503", "close")
	}
	p.r304 = g.chance(0.4)
	p.slow = g.chance(0.15)
	return p
}

func (g *cacheGen) location() string {
	var d []string
	add := func(p float64, s string) {
		if g.chance(p) {
			d = append(d, s)
		}
	}
	for n := g.r.Intn(4) - 1; n > 0; n-- {
		d = append(d, "proxy_cache_valid "+g.pick("200 1s", "any 1s", "1s", "404 1s", "200 302 1s", "301 1m", "500 503 1s", "200 1m", "any 1m")+";")
	}
	add(0.15, "proxy_cache_min_uses 2;")
	add(0.1, "proxy_cache_methods "+g.pick("POST", "GET", "HEAD")+";")
	add(0.25, "proxy_cache_bypass "+g.pick("$http_pragma", "$arg_bypass", "$http_pragma $arg_bypass", "$cookie_nocache")+";")
	add(0.2, "proxy_no_cache "+g.pick("$arg_nostore", "$http_pragma", "$arg_bypass")+";")
	if g.chance(0.3) {
		var ign []string
		for _, h := range []string{"X-Accel-Expires", "Expires", "Cache-Control", "Set-Cookie", "Vary"} {
			if g.chance(0.4) {
				ign = append(ign, h)
			}
		}
		if len(ign) > 0 {
			d = append(d, "proxy_ignore_headers "+strings.Join(ign, " ")+";")
		}
	}
	add(0.3, "proxy_cache_revalidate on;")
	if g.chance(0.4) {
		var us []string
		for _, u := range []string{"error", "timeout", "updating", "http_500", "http_503", "http_404"} {
			if g.chance(0.4) {
				us = append(us, u)
			}
		}
		if len(us) == 0 {
			us = append(us, "off")
		}
		d = append(d, "proxy_cache_use_stale "+strings.Join(us, " ")+";")
	}
	add(0.25, "proxy_cache_background_update on;")
	add(0.2, "proxy_cache_lock on;")
	add(0.1, "proxy_cache_lock_timeout 100ms;")
	add(0.1, "proxy_cache_max_range_offset "+g.pick("0", "2", "100")+";")
	add(0.1, "proxy_buffering off;")
	add(0.2, "proxy_cache_convert_head off;")
	return strings.Join(d, " ")
}

// cacheFuzzServer is the start of the generated configurations: the
// cache, the log line compared, and the server; the locations follow.
// $upstream_response_length and $upstream_bytes_received are left out:
// open differences where the response is header-only (nginx logs a
// length of 0 for a HEAD or a 304 of the not-modified filter, weir the
// body it read; for an uncacheable 304 nginx does not read the body at
// all) and where a 500 or 503 is replaced by a stale entry (nginx counts
// the error's body in the bytes received, weir not).
const cacheFuzzServer = `proxy_cache_path {{PREFIX}}/cache levels=1:2 keys_zone=one:1m;
log_format cache '$status "$request" $body_bytes_sent "$upstream_cache_status" "$upstream_status" "$upstream_addr" "$upstream_http_x_n"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log cache;
    proxy_cache one;
    proxy_cache_key $request_uri;
    add_header X-Cache $upstream_cache_status always;
`

func (g *cacheGen) generate() {
	nloc := 2 + g.r.Intn(3)
	var b strings.Builder
	b.WriteString(cacheFuzzServer)
	if g.chance(0.8) {
		b.WriteString("    proxy_cache_valid " + g.pick("200 301 302 1s", "1s", "any 1s", "200 1s") + ";\n")
	}
	for i := 0; i < nloc; i++ {
		l := g.location()
		g.locs = append(g.locs, l)
		fmt.Fprintf(&b, "    location /l%d/ { proxy_pass http://{{B0}}; %s }\n", i, l)
	}
	b.WriteString("}\n")
	g.http = b.String()

	nres := 2 + g.r.Intn(3)
	type res struct{ path string }
	var rs []res
	for i := 0; i < nres; i++ {
		g.profiles = append(g.profiles, g.profile())
		rs = append(rs, res{fmt.Sprintf("/l%d/r%d", g.r.Intn(nloc), i)})
	}
	nrounds := 2 + g.r.Intn(3)
	k := 0
	for round := 0; round < nrounds; round++ {
		var reqs []cacheReq
		for n := 4 + g.r.Intn(5); n > 0; n-- {
			k++
			uri := rs[g.r.Intn(len(rs))].path
			method := "GET"
			switch {
			case g.chance(0.15):
				method = "HEAD"
			case g.chance(0.05):
				method = "POST"
			}
			var hdr []string
			if method == "POST" {
				hdr = append(hdr, "Content-Length: 0")
			}
			if g.chance(0.12) {
				uri += g.pick("?bypass=1", "?nostore=1", "?a=1")
			}
			for _, h := range []string{
				"If-None-Match: " + g.pick(`"e1"`, `"e1"`, `W/"e1"`, `"e2"`, "*", `"x", "e1"`),
				"If-Modified-Since: " + g.pick("Thu, 01 Jan 2015 00:00:00 GMT", "Thu, 01 Jan 2015 00:00:00 GMT", "Wed, 31 Dec 2014 00:00:00 GMT", "Fri, 01 Jan 2016 00:00:00 GMT"),
				"Range: " + g.pick("bytes=0-3", "bytes=0-3", "bytes=2-", "bytes=0-1,3-4", "bytes=100-"),
				"If-Range: " + g.pick(`"e1"`, "Thu, 01 Jan 2015 00:00:00 GMT"),
				"Pragma: no-cache", "Cache-Control: " + g.pick("no-cache", "max-age=0", "no-store"),
				"User-Agent: " + g.pick("a", "b"), "Cookie: nocache=1", "Accept-Encoding: gzip",
			} {
				if g.chance(0.1) {
					hdr = append(hdr, h)
				}
			}
			pair := g.chance(0.12)
			name := fmt.Sprintf("%02d %s %s", k, method, uri)
			if pair {
				name += " twice"
			}
			if len(hdr) > 0 {
				name += " [" + strings.Join(hdr, "; ") + "]"
			}
			reqs = append(reqs, cacheReq{name: name, c: req(name, method, uri, hdr...), pair: pair})
		}
		g.rounds = append(g.rounds, reqs)
	}
}

func (g *cacheGen) describe() string {
	var b strings.Builder
	for i, p := range g.profiles {
		fmt.Fprintf(&b, "  r%d: %s %q later=%q r304=%v slow=%v\n", i, p.status, p.hdrs, p.later, p.r304, p.slow)
	}
	return b.String()
}

// cacheFuzzBackend answers for the profiles and counts the requests per
// path.
type cacheFuzzBackend struct {
	profiles []*cacheProfile
	mu       sync.Mutex
	seen     map[string]int
}

func (b *cacheFuzzBackend) counts() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for p, n := range b.seen {
		out = append(out, fmt.Sprintf("%s=%d", p, n))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func (b *cacheFuzzBackend) handle(conn net.Conn, method, uri string, hdrs []string) {
	path, _, _ := strings.Cut(uri, "?")
	b.mu.Lock()
	b.seen[path]++
	n := b.seen[path]
	b.mu.Unlock()
	i := strings.LastIndex(path, "/r")
	idx, err := strconv.Atoi(path[i+2:])
	if i < 0 || err != nil || idx >= len(b.profiles) {
		return
	}
	p := b.profiles[idx]
	cond := false
	var seen []string
	for _, h := range hdrs {
		k, v, _ := strings.Cut(h, ":")
		switch strings.ToLower(k) {
		case "if-none-match", "if-modified-since", "range", "if-range", "cache-control", "pragma", "user-agent", "cookie", "accept-encoding":
			seen = append(seen, strings.ToLower(k)+"="+strings.TrimSpace(v))
			if k := strings.ToLower(k); k == "if-none-match" || k == "if-modified-since" {
				cond = true
			}
		}
	}
	if p.slow {
		time.Sleep(200 * time.Millisecond)
	}
	status := p.status
	if n > 1 {
		switch p.later {
		case "close":
			return
		case "500":
			status = "500 Internal Server Error"
		case "503":
			status = "503 Service Unavailable"
		}
	}
	now := time.Now()
	hdr := strings.NewReplacer(
		"{{FUTURE}}", now.Add(100*time.Second).UTC().Format(http.TimeFormat),
		"{{FUTURE1}}", now.Add(time.Second).UTC().Format(http.TimeFormat),
		"{{FUTUREAT}}", "@"+strconv.FormatInt(now.Unix()+100, 10),
		"{{N}}", strconv.Itoa(n),
	).Replace(strings.Join(p.hdrs, "\r\n"))
	if hdr != "" {
		hdr += "\r\n"
	}
	hdr += fmt.Sprintf("Content-Type: text/plain\r\nX-N: %d\r\nX-Seen: %s\r\n", n, strings.Join(seen, "; "))
	if p.r304 && cond && n > 1 && p.later == "" {
		fmt.Fprintf(conn, "HTTP/1.1 304 Not Modified\r\n%sConnection: close\r\n\r\n", hdr)
		return
	}
	body := fmt.Sprintf("n=%d %s %s\n", n, method, uri)
	if st := status[:3]; st == "204" || st == "304" {
		fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sConnection: close\r\n\r\n", status, hdr)
		return
	}
	fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n", status, hdr, len(body))
	if method != "HEAD" {
		fmt.Fprint(conn, body)
	}
}

// runCacheFuzz starts the pair with a backend each and runs the rounds,
// comparing after each request the backends' counts.
func runCacheFuzz(t *testing.T, g *cacheGen) {
	t.Parallel()
	backends := map[string]*cacheFuzzBackend{}
	var mu sync.Mutex
	st := &site{
		http: g.http,
		backends: func(t *testing.T, name string) []string {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			b := &cacheFuzzBackend{profiles: g.profiles, seen: map[string]int{}}
			mu.Lock()
			backends[name] = b
			mu.Unlock()
			go serveMethods(ln, b.handle)
			return []string{ln.Addr().String()}
		},
	}
	ng, we := startPair(t, st)
	t.Run("startup error log", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	// A round stays within 800 ms and the wait between rounds is 2.2 s,
	// so that an entry valid for 1 s (whole seconds, as both servers
	// count) is fresh for the rest of its round and expired in the next
	// on both servers alike; a round that runs longer is split.
	start := time.Now()
	for ri, round := range g.rounds {
		for i, r := range round {
			if ri > 0 && i == 0 || time.Since(start) > 800*time.Millisecond {
				time.Sleep(2200 * time.Millisecond)
				start = time.Now()
			}
			t.Run(r.name, func(t *testing.T) {
				if r.pair {
					runPair(t, r.c, ng, we)
				} else {
					runCase(t, r.c, ng, we)
				}
				// A background update may still be on its way.
				var cn, cw string
				for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
					cn, cw = backends["nginx"].counts(), backends["weir"].counts()
					if cn == cw || time.Now().After(deadline) {
						break
					}
				}
				if cn != cw {
					t.Errorf("backend requests differ:\n  nginx: %s\n  weir:  %s", cn, cw)
				}
			})
		}
	}
}

// expiresDateRe is an Expires date, which may differ by a second between
// the servers.
var expiresDateRe = regexp.MustCompile(`Expires: \w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT`)

// runPair sends the case to each server from two clients, the second
// 50 ms after the first, and compares the two answers in either order
// and the logs.
func runPair(t *testing.T, c tc, ng, we *server) {
	var out [2][2]string
	var lens [2][]int
	for i, s := range []*server{ng, we} {
		var exs [2]*exchange
		var wg sync.WaitGroup
		for j := range exs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				exs[j] = send(c, s.addr(0))
			}()
			time.Sleep(50 * time.Millisecond)
		}
		wg.Wait()
		for j, ex := range exs {
			lines, l := render(ex, s, c, nil)
			lens[i] = append(lens[i], l...)
			out[i][j] = expiresDateRe.ReplaceAllString(strings.Join(lines, "\n"), "Expires: [DATE]")
		}
		sort.Strings(out[i][:])
	}
	if out[0] != out[1] {
		n := strings.Split(out[0][0]+"\n====\n"+out[0][1], "\n")
		w := strings.Split(out[1][0]+"\n====\n"+out[1][1], "\n")
		t.Errorf("responses differ for %q:%s", firstLine(c), sideBySide(n, w, "nginx", "weir"))
	}
	lensOK := map[[2]string]bool{}
	for _, a := range lens[0] {
		for _, b := range lens[1] {
			lensOK[[2]string{strconv.Itoa(a), strconv.Itoa(b)}] = true
		}
	}
	compareLogs(t, c, ng, we, lensOK)
}

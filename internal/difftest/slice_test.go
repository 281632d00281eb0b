package difftest

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// sliceBody is what the slice backend serves: 1050 bytes whose offsets
// can be read off them.
var sliceBody = func() string {
	var b strings.Builder
	for i := 0; b.Len() < 1050; i++ {
		fmt.Fprintf(&b, "%04d|", i*5)
	}
	return b.String()[:1050]
}()

// sliceBackend answers "Range: bytes=A-B" as a file server would (206,
// Content-Range, ETag), with faults chosen by the path's first part,
// most of them on the second request of a path: /ignore/ always sends
// the whole body (200), /etag/ another ETag each time, /noetag/ none
// after the first, /shift/ a range one byte off, /shift1/ so from the
// first, /star/ "bytes A-B/*", /invalid/ a malformed Content-Range,
// /status/ a 200, /notfound/ a 404, /chunked/ its 206 chunked, /short/
// a body of 30 bytes, /large/ one of 315000.
type sliceBackend struct {
	mu   sync.Mutex
	seen map[string]int
}

func sliceBackends() func(t *testing.T, name string) []string {
	return func(t *testing.T, name string) []string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		b := &sliceBackend{seen: map[string]int{}}
		go serveRequests(ln, b.handle)
		return []string{ln.Addr().String()}
	}
}

func (b *sliceBackend) handle(conn net.Conn, uri string, hdrs []string) {
	b.mu.Lock()
	b.seen[uri]++
	n := b.seen[uri]
	b.mu.Unlock()
	kind := strings.Split(uri, "/")[1]
	body := sliceBody
	switch kind {
	case "short":
		body = body[:30]
	case "large":
		body = strings.Repeat(sliceBody, 300)
	}
	rng := ""
	for _, h := range hdrs {
		if k, v, _ := strings.Cut(h, ":"); strings.EqualFold(k, "range") {
			rng = strings.TrimSpace(v)
		}
	}
	etag := `"s1"`
	switch {
	case kind == "etag":
		etag = fmt.Sprintf(`"s%d"`, n)
	case kind == "noetag" && n > 1:
		etag = ""
	}
	head := "Content-Type: text/plain\r\nLast-Modified: Tue, 05 Mar 2024 06:07:08 GMT\r\nAccept-Ranges: bytes\r\nConnection: close\r\n"
	if etag != "" {
		head += "ETag: " + etag + "\r\n"
	}
	a, z, ok := parseBytesRange(rng)
	if kind == "ignore" || !ok || kind == "status" && n > 1 {
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n%s", head, len(body), body)
		return
	}
	if kind == "notfound" && n > 1 {
		fmt.Fprintf(conn, "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 4\r\nConnection: close\r\n\r\ngone")
		return
	}
	if a >= len(body) {
		fmt.Fprintf(conn, "HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Range: bytes */%d\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", len(body))
		return
	}
	z = min(z, len(body)-1)
	cr := fmt.Sprintf("bytes %d-%d/%d", a, z, len(body))
	switch {
	case kind == "shift" && n > 1, kind == "shift1":
		cr = fmt.Sprintf("bytes %d-%d/%d", a+1, z, len(body))
	case kind == "star" && n > 1:
		cr = fmt.Sprintf("bytes %d-%d/*", a, z)
	case kind == "invalid" && n > 1:
		cr = fmt.Sprintf("bytes %d/%d", a, len(body))
	}
	part := body[a : z+1]
	if kind == "chunked" {
		fmt.Fprintf(conn, "HTTP/1.1 206 Partial Content\r\n%sContent-Range: %s\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", head, cr, len(part), part)
		return
	}
	fmt.Fprintf(conn, "HTTP/1.1 206 Partial Content\r\n%sContent-Range: %s\r\nContent-Length: %d\r\n\r\n%s", head, cr, len(part), part)
}

// parseBytesRange reads "bytes=A-B".
func parseBytesRange(v string) (int, int, bool) {
	s, ok := strings.CutPrefix(v, "bytes=")
	if !ok {
		return 0, 0, false
	}
	as, zs, ok := strings.Cut(s, "-")
	a, err1 := strconv.Atoi(as)
	z, err2 := strconv.Atoi(zs)
	return a, z, ok && err1 == nil && err2 == nil && a <= z
}

// TestSlice: ngx_http_slice_filter_module. A request is fetched in
// slices of 100 bytes, each a Range request ($slice_range) to the
// upstream, the first by the main request and the next ones by clone
// subrequests; the client gets one 200 of the whole length, or the 206
// of its own range made from the slices it needs. A 200 to the first
// slice passes as it is; the errors of a slice's answer (status, ETag,
// range) cut the response with nginx's error line.
func TestSlice(t *testing.T) {
	loc := func(path, extra string) string {
		if !strings.Contains(extra, "slice ") {
			extra += " slice 100;"
		}
		return fmt.Sprintf("location %s { proxy_set_header Range $slice_range; proxy_pass http://{{B0}}; %s }\n", path, extra)
	}
	runSite(t, &site{
		backends: sliceBackends(),
		http: `proxy_cache_path {{PREFIX}}/cache keys_zone=one:1m;
log_format slice '$status "$request" $body_bytes_sent "$slice_range" "$upstream_cache_status" "$sent_http_content_range"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log slice;
    add_header X-Slice "$slice_range";
` + loc("/", "") +
			loc("/cached/", "proxy_cache one; proxy_cache_key $uri$is_args$args$slice_range; proxy_cache_valid 200 206 1h; add_header X-Cache $upstream_cache_status;") +
			loc("/off/", "slice 0;") +
			loc("/big/", "slice 2000;") +
			loc("/large/", "slice 64k;") +
			`    location /noslice/ { slice 100; proxy_pass http://{{B0}}; }
}
# (weir's deflate output is not zlib's: the sizes are left out)
log_format slicegz '$status "$request" "$slice_range" "$sent_http_content_encoding"';
server {
    listen 127.0.0.1:{{PORT2}};
    access_log logs/access.log slicegz;
    # (with log_subrequest nginx's main request logs the $sent_http_*
    # its last subrequest cached: left out)
    location /logged/ { slice 100; proxy_set_header Range $slice_range; proxy_pass http://{{B0}}/ok/; log_subrequest on; }
    location /gz/ { slice 100; proxy_set_header Range $slice_range; proxy_pass http://{{B0}}/ok/; gzip on; gzip_types text/plain; gzip_min_length 0; }
}
`,
		cases: []tc{
			get("whole", "/ok/a"),
			get("whole with args", "/ok/a?x=1"),
			get("a range inside one slice", "/ok/b", "Range: bytes=210-250"),
			get("a range across slices", "/ok/c", "Range: bytes=250-449"),
			get("a range to the end", "/ok/d", "Range: bytes=1040-"),
			get("a range past the end", "/ok/e", "Range: bytes=990-5000"),
			get("a suffix range", "/ok/f", "Range: bytes=-120"),
			get("a range beyond the body", "/ok/g", "Range: bytes=5000-"),
			get("two ranges", "/ok/h", "Range: bytes=0-9,500-509"),
			get("if-range that matches", "/ok/i", "Range: bytes=300-309", `If-Range: "s1"`),
			get("if-range that does not", "/ok/j", "Range: bytes=300-309", `If-Range: "zz"`),
			get("if-none-match", "/ok/k", `If-None-Match: "s1"`),
			req("head", "HEAD", "/ok/l"),
			get("not a bytes range", "/ok/m", "Range: items=1-2"),
			get("slice 0", "/off/a"),
			get("one big slice", "/big/a"),
			get("no $slice_range: no slicing", "/noslice/a"),
			get("short body", "/short/a"),
			get("large", "/large/a"),
			get("large, a range", "/large/b", "Range: bytes=100000-200000"),
			getN("keep-alive", 3, same("/ok/n"), "Range: bytes=95-104"),
			onPort2(get("log_subrequest", "/logged/a", "Range: bytes=150-350")),
			onPort2(get("log_subrequest, whole", "/logged/b")),
			get("chunked slices", "/chunked/a"),
			get("backend ignores Range", "/ignore/a"),
			get("backend ignores Range, client range", "/ignore/b", "Range: bytes=10-19"),
			get("etag mismatch", "/etag/a"),
			get("etag gone", "/noetag/a"),
			get("unexpected range", "/shift/a"),
			get("unexpected range at the first slice", "/shift1/a"),
			get("no complete length", "/star/a"),
			get("invalid range", "/invalid/a"),
			get("unexpected status", "/status/a"),
			get("unexpected 404", "/notfound/a"),
			onPort2(get("gzip", "/gz/a", "Accept-Encoding: gzip")),
			get("cached: miss", "/cached/a"),
			get("cached: hit", "/cached/a"),
			get("cached: a range of hits", "/cached/a", "Range: bytes=120-330"),
			get("cached: a range first", "/cached/b", "Range: bytes=620-730"),
			get("cached: then whole", "/cached/b"),
			get("cached: if-none-match", "/cached/a", `If-None-Match: "s1"`),
		},
	})
}

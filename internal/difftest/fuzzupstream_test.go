package difftest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestFuzzUpstream is a differential fuzzer of what upstream servers send
// back: from fixed seeds it generates answers that are random mutations
// of valid HTTP/1.x responses (odd status lines, 1xx interim answers,
// broken header lines, framing by Content-Length, chunked or the close,
// chunked framing errors, bodies shorter or longer than announced, the
// connection closed in the header or the body or kept open) and proxies
// requests for them through locations with random proxy settings
// (proxy_buffering, proxy_http_version 1.0 or 1.1 with keepalive,
// proxy_intercept_errors with error_page, proxy_next_upstream with a
// healthy backup server, a small proxy_buffer_size). The backend writes
// each generated answer in one write and then closes or keeps the
// connection, as generated, so both servers read the same bytes. The
// client's response, the access log (with $upstream_status,
// $upstream_response_length, $upstream_bytes_received) and the error log
// are compared as usual.
//
// By default a few seeds run (well under 30 s). WEIR_FUZZ_SEEDS=n runs
// seeds 1..n, WEIR_FUZZ_SEED=k only seed k, WEIR_FUZZ_REQS=m sends m
// requests per seed. A failure logs the seed, the configuration and the
// answers of the failed cases.
//
// Answers that nginx 1.22 (the oracle) takes differently from the nginx
// weir follows (1.23.0 rejects duplicate and invalid Content-Length,
// Transfer-Encoding other than chunked and both framings at once; 1.29.0
// skips interim 1xx answers) are generated too but marked known.
func TestFuzzUpstream(t *testing.T) {
	runFuzzSeeds(t, 4, 30, func(seed, reqs int) *site {
		g := &upGen{fuzzGen: newFuzzGen(seed), answers: map[string]*upAnswer{}}
		return g.site(reqs)
	})
}

// runFuzzSeeds runs the sites a generating fuzzer makes from its seeds
// (seeds and reqs are the defaults of fuzzRange), each as a subtest that
// logs its configuration when it fails.
func runFuzzSeeds(t *testing.T, seeds, reqs int, gen func(seed, reqs int) *site) {
	first, last, reqs := fuzzRange(seeds, reqs)
	var list []int
	for seed := first; seed <= last; seed++ {
		list = append(list, seed)
	}
	runFuzzSeedList(t, list, reqs, gen)
}

// runFuzzSeedList runs the sites gen makes for the given seeds, each as a
// subtest that logs its configuration when it fails.
func runFuzzSeedList(t *testing.T, seeds []int, reqs int, gen func(seed, reqs int) *site) {
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			st := gen(seed, reqs)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d, configuration:\n%s", seed, st.http)
				}
			})
			runSite(t, st)
		})
	}
}

// upAnswer is one generated upstream answer.
type upAnswer struct {
	bytes []byte
	close bool     // close after writing (else keep the connection)
	short bool     // the body is cut short of its framing
	muts  []string // what was done to the valid answer
	known string   // why nginx 1.22 differs on purpose, if it does
}

// upLoc is the proxy setup of one generated location.
type upLoc struct {
	name      string
	buffering bool
	v10       bool   // proxy_http_version 1.0 (else 1.1 with keepalive)
	intercept bool   // proxy_intercept_errors on
	errorPage bool   // error_page for 404 and 5xx
	next      string // proxy_next_upstream
	backup    bool   // the group has a healthy backup server
	bufSize   string // proxy_buffer_size, "" for the default
}

type upGen struct {
	fuzzGen
	answers map[string]*upAnswer // by id, read-only once generated
	locs    []*upLoc
}

// fuzzGen is the random source of a generating fuzzer, seeded so that a
// seed always generates the same site.
type fuzzGen struct{ r *rand.Rand }

func newFuzzGen(seed int) fuzzGen           { return fuzzGen{rand.New(rand.NewSource(int64(seed)))} }
func (g *fuzzGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }
func (g *fuzzGen) chance(p float64) bool    { return g.r.Float64() < p }

// upStatuses are the valid status lines an answer starts from.
var upStatuses = []string{
	"HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 200 OK", "HTTP/1.1 201 Created",
	"HTTP/1.1 204 No Content", "HTTP/1.1 301 Moved Permanently", "HTTP/1.1 304 Not Modified",
	"HTTP/1.1 404 Not Found", "HTTP/1.1 500 Internal Server Error", "HTTP/1.1 502 Bad Gateway",
	"HTTP/1.1 503 Service Unavailable", "HTTP/1.1 403 Forbidden",
}

// upOddStatuses replace the status line.
var upOddStatuses = []string{
	"HTTP/1.0 200 OK", "HTTP/1.0 404 Not Found", "HTTP/2 200 OK", "HTTP/2.0 200 OK", "HTTP/1.1 200",
	"HTTP/1.1 200 ", "HTTP/1.1 2000 OK", "HTTP/1.1 20 OK", "HTTP/1.1 099 Low", "HTTP/1.1 999 High",
	"HTTP/1.1 600 Six", "HTTP/1.1 abc OK", "HTTP/1.1 200OK", "HTTP/1.1  200 OK", "http/1.1 200 OK",
	"HTTP/1.10 200 OK", "HTTP/9.9 200 Nine", "ICY 200 OK", "GARBAGE", "", "HTTP/1.1 500", "HTTP/1.1 502 ",
	"HTTP/1.1 200 OK\x00", "HTTP/1.1 404 Not\tFound", "HTTP/1.1 -200 OK", "HTTP/1 200 OK", "HTTP/1.1\t200 OK",
	"HTTP/1.1 010 Odd", "HTTP/1.1 199 Odd", "HTTP/1.1 100 Continue",
}

// upHTTP09 are the odd status lines nginx takes for no status line at
// all: the answer is relayed as HTTP/0.9.
var upHTTP09 = map[string]bool{
	"HTTP/2 200 OK": true, "HTTP/1.1 2000 OK": true, "HTTP/1.1 20 OK": true, "HTTP/1.1 abc OK": true,
	"HTTP/1.1 200OK": true, "http/1.1 200 OK": true, "ICY 200 OK": true, "GARBAGE": true, "": true,
	"HTTP/1.1 -200 OK": true, "HTTP/1 200 OK": true, "HTTP/1.1\t200 OK": true,
}

// upInterims are 1xx answers sent before the real one.
var upInterims = []string{
	"HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 102 Processing\r\n\r\n",
	"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n",
}

// upBadHeaders are header lines inserted among the valid ones; known
// marks the ones nginx 1.22 takes differently on purpose.
var upBadHeaders = []struct{ line, known string }{
	{"Bad Header Line", ""}, {"X-Sp : v", ""}, {"X-Sp\t: v", ""}, {"  folded", ""}, {"\tfolded", ""},
	{"X-Nul: a\x00b", ""}, {"X-Huge: " + strings.Repeat("h", 1500), ""}, {"X-Huge: " + strings.Repeat("H", 5000), ""},
	{": noname", ""}, {"X-Empty:", ""}, {"X_Under: v", ""}, {"X-Hi: \x80\xff", ""}, {"X-Ctl: a\x01b", ""},
	{"X-Colon:: v", ""}, {"X-Cr: a\rb", ""}, {"Connection: close", ""}, {"Connection: keep-alive", ""},
	{"Keep-Alive: timeout=5", ""}, {"X-Accel-Buffering: no", ""}, {"X-Accel-Buffering: yes", ""},
	{"Content-Length: 0", "dup-cl"}, {"Content-Length: 99", "dup-cl"},
	{"Transfer-Encoding: chunked", "te-cl"}, {"Transfer-Encoding: gzip, chunked", "te"},
	{"Transfer-Encoding: identity", "te"}, {"Location: /a", ""}, {"Location: /b", "dup-single"},
	{"Content-Type: text/html", "dup-single"}, {"Server: up", ""}, {"Date: x", ""},
	{"X-Lf-Only: v\nX-After-Lf: w", ""}, {"Set-Cookie: a=1", ""}, {"ETag: \"e\"", ""}, {"Trailer: X-T", ""},
	{"Expires: 0", ""}, {"Cache-Control: no-cache", ""}, {"X-Accel-Expires: 5", ""}, {"Vary: *", ""},
}

// upBadLengths replace the value of a Content-Length header.
var upBadLengths = []string{"abc", "-1", "+3", " 3 ", "3, 3", "99999999999999999999", "", "0x10", "1e2", "3 3"}

// upBadSizes replace a chunk size line.
var upBadSizes = []string{"zz", "-1", "0x5", "fffffffffffffffffff", " 5", "5 ", "5;", "5;a=b", "5; a=\"b c\"", "5\t;x", ""}

func (g *fuzzGen) text(n int) string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = letters[g.r.Intn(len(letters))]
	}
	return string(b)
}

// answer generates one upstream answer.
func (g *upGen) answer(id string) *upAnswer {
	a := &upAnswer{close: g.chance(0.7)}
	var known []string
	mut := func(m string) { a.muts = append(a.muts, m) }
	status := upStatuses[g.r.Intn(len(upStatuses))]
	var interim string
	if g.chance(0.15) {
		interim = upInterims[g.r.Intn(len(upInterims))]
		mut(fmt.Sprintf("interim %q", interim))
		known = append(known, "nginx 1.22 takes an upstream's 1xx for the final answer; weir skips interim answers as nginx 1.29.0 does")
	}
	if g.chance(0.2) {
		status = upOddStatuses[g.r.Intn(len(upOddStatuses))]
		mut(fmt.Sprintf("status %q", status))
		if strings.HasPrefix(status, "HTTP/1.1 1") {
			known = append(known, "nginx 1.22 takes an upstream's 1xx for the final answer; weir skips interim answers as nginx 1.29.0 does")
		}
	}
	body := g.text(g.r.Intn(40)) + "\n"
	switch {
	case g.chance(0.1):
		body = ""
	case g.chance(0.08):
		body = strings.Repeat(g.text(63)+"\n", 50)
	}
	framing := g.pick("cl", "cl", "cl", "chunked", "chunked", "none")
	headers := []string{"Content-Type: text/plain", "X-Id: " + id}
	if a.close || g.chance(0.3) {
		// (a close the answer does not announce races with the proxy's
		// next request on the kept connection: nginx then logs the
		// failure and retries, a timing both servers cannot share)
		headers = append(headers, "Connection: close")
	} else if g.chance(0.3) {
		headers = append(headers, "Connection: keep-alive")
	}
	clIndex := -1
	switch framing {
	case "cl":
		clIndex = len(headers)
		headers = append(headers, "Content-Length: "+strconv.Itoa(len(body)))
	case "chunked":
		headers = append(headers, "Transfer-Encoding: chunked")
	}
	if g.r.Intn(2) == 0 {
		// the framing header first, as some servers send it
		last := len(headers) - 1
		headers[1], headers[last] = headers[last], headers[1]
		if clIndex == last {
			clIndex = 1
		}
	}
	insertedTE, insertedCL := false, 0 // (with no framing of its own)
	for n := g.r.Intn(3); n > 0; n-- {
		if g.chance(0.5) {
			break
		}
		h := upBadHeaders[g.r.Intn(len(upBadHeaders))]
		at := g.r.Intn(len(headers) + 1)
		headers = append(headers[:at], append([]string{h.line}, headers[at:]...)...)
		if at <= clIndex {
			clIndex++
		}
		mut(fmt.Sprintf("header %q at %d", trunc(h.line, 30), at))
		switch {
		case h.known == "dup-cl" && framing == "cl":
			known = append(known, "nginx 1.23.0 rejects a duplicate Content-Length from upstream; 1.22 takes one")
		case h.known == "te-cl" && framing == "cl", h.known == "dup-cl" && framing == "chunked":
			known = append(known, "nginx 1.23.0 rejects Content-Length with Transfer-Encoding from upstream; 1.22 uses one of them")
		case h.known == "te":
			known = append(known, "nginx 1.23.0 rejects a Transfer-Encoding other than chunked from upstream; 1.22 ignores it")
		case h.known == "te-cl" && framing == "chunked":
			known = append(known, "nginx 1.23.0 rejects a duplicate Transfer-Encoding; 1.22 takes it")
		case h.known == "dup-single":
			known = append(known, "nginx 1.23.0 ignores a repeated single header from upstream with a warning; 1.22 passes both")
		case h.known == "te-cl":
			insertedTE = true
		case h.known == "dup-cl":
			insertedCL++
		}
	}
	seen := map[string]bool{}
	for _, l := range headers {
		// a single header twice, whichever lines made it so
		name, _, _ := strings.Cut(strings.ToLower(l), ":")
		if gwSingle[name] && seen[name] {
			known = append(known, "nginx 1.23.0 ignores a repeated single header from upstream with a warning; 1.22 passes both")
			break
		}
		seen[name] = true
	}
	if insertedCL > 1 && framing == "none" {
		known = append(known, "nginx 1.23.0 rejects a duplicate Content-Length from upstream; 1.22 takes one")
	}
	if insertedTE && insertedCL > 0 && framing == "none" {
		known = append(known, "nginx 1.23.0 rejects Content-Length with Transfer-Encoding from upstream; 1.22 uses one of them")
	}
	if insertedTE && framing == "none" && strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		// the inserted "Transfer-Encoding: chunked" has the raw body
		// read as chunks: "2c\n" is a chunk size ended by a bare LF
		known = append(known, "nginx 1.22 takes a bare LF in chunked framing; current nginx refuses it, as weir does")
	}
	if clIndex >= 0 && g.chance(0.25) {
		switch g.r.Intn(3) {
		case 0:
			v := upBadLengths[g.r.Intn(len(upBadLengths))]
			headers[clIndex] = "Content-Length: " + v
			mut(fmt.Sprintf("content-length %q", v))
			known = append(known, "nginx 1.23.0 rejects an invalid Content-Length from upstream; 1.22 ignores it")
		case 1:
			n := len(body) + 1 + g.r.Intn(20)
			headers[clIndex] = "Content-Length: " + strconv.Itoa(n)
			mut(fmt.Sprintf("content-length %d, longer than the body", n))
			a.short = true
		default:
			n := g.r.Intn(len(body) + 1)
			headers[clIndex] = "Content-Length: " + strconv.Itoa(n)
			mut(fmt.Sprintf("content-length %d, shorter than the body", n))
		}
	}
	raw := body
	a.short = a.short || framing == "none" // (none: ends with the connection only)
	if framing == "chunked" {
		raw = g.chunked(body, mut, &known)
		a.short = a.short || !strings.HasSuffix(raw, "\r\n\r\n")
	}
	sep := "\r\n"
	if g.chance(0.05) {
		sep = "\n"
		mut("bare LF line ends")
		if framing == "chunked" {
			known = append(known, "nginx 1.22 takes a bare LF in chunked framing; current nginx refuses it, as weir does")
		}
	}
	var b strings.Builder
	b.WriteString(interim)
	b.WriteString(status + sep)
	for _, h := range headers {
		b.WriteString(h + sep)
	}
	b.WriteString(sep)
	head := b.Len()
	b.WriteString(raw)
	out := b.String()
	if g.chance(0.05) {
		out += "EXTRA BYTES AFTER THE ANSWER"
		mut("extra bytes")
	}
	if g.chance(0.12) {
		// close (or stop) in the middle of the header or the body
		var at int
		if g.chance(0.4) || len(out) == head {
			at = len(interim) + g.r.Intn(head-len(interim))
		} else {
			at = head + g.r.Intn(len(out)-head)
		}
		out = out[:at]
		a.short = true
		mut(fmt.Sprintf("cut at %d of %d (head %d)", at, len(b.String()), head))
	}
	if a.close {
		mut("close")
	} else {
		mut("keep")
	}
	a.bytes = []byte(out)
	if len(known) > 0 {
		a.known = known[0]
	}
	return a
}

// chunked frames body in chunks, maybe with framing errors.
func (g *upGen) chunked(body string, mut func(string), known *[]string) string {
	var parts []string
	for rest := body; len(rest) > 0; {
		n := 1 + g.r.Intn(len(rest))
		parts = append(parts, rest[:n])
		rest = rest[n:]
	}
	var b strings.Builder
	bad := -1
	if g.chance(0.3) {
		bad = g.r.Intn(len(parts) + 1)
	}
	for i, p := range parts {
		size := strconv.FormatInt(int64(len(p)), 16)
		if g.chance(0.1) {
			size = strings.ToUpper(size)
		}
		end := "\r\n"
		if i == bad {
			switch g.r.Intn(4) {
			case 0:
				s := upBadSizes[g.r.Intn(len(upBadSizes))]
				if strings.HasPrefix(s, "5") || strings.HasPrefix(s, " 5") {
					s = strings.Replace(s, "5", size, 1)
				}
				size = s
				mut(fmt.Sprintf("chunk %d size %q", i, s))
			case 1:
				end = ""
				mut(fmt.Sprintf("chunk %d without CRLF", i))
			case 2:
				end = "\n"
				mut(fmt.Sprintf("chunk %d ends with LF", i))
				*known = append(*known, "nginx 1.22 takes a bare LF in chunked framing; current nginx refuses it, as weir does")
			default:
				size = "00" + size
				mut(fmt.Sprintf("chunk %d size with zeros", i))
			}
		}
		b.WriteString(size + "\r\n" + p + end)
	}
	switch {
	case bad == len(parts) && g.chance(0.5):
		mut("no last chunk")
	case bad == len(parts):
		b.WriteString("0\r\nX-Trailer: t\r\nX-Other: o\r\n\r\n")
		mut("trailers")
	default:
		b.WriteString("0\r\n\r\n")
	}
	return b.String()
}

// loc generates the proxy setup of a location.
func (g *upGen) loc(i int) *upLoc {
	return g.upstreamLoc(i, "", "", "off", "error timeout invalid_header", "error timeout http_500 http_502 http_503 http_404", "invalid_header http_500")
}

// upstreamLoc generates the upstream settings of a location, with one of
// nexts for *_next_upstream.
func (g *fuzzGen) upstreamLoc(i int, nexts ...string) *upLoc {
	l := &upLoc{
		name:      fmt.Sprintf("l%d", i),
		buffering: g.chance(0.6),
		v10:       g.chance(0.4),
		intercept: g.chance(0.3),
		errorPage: g.chance(0.4),
		backup:    g.chance(0.5),
		next:      g.pick(nexts...),
	}
	if g.chance(0.25) {
		l.bufSize = "1k"
	}
	return l
}

// group is the upstream block of the location.
func (l *upLoc) group() string {
	if l.backup {
		return "withbackup"
	}
	return "solo"
}

// settings writes the module's (p's) directives of the location's
// buffering, error interception and retries.
func (l *upLoc) settings(b *strings.Builder, p string) {
	if !l.buffering {
		fmt.Fprintf(b, "            %s_buffering off;\n", p)
	}
	if l.intercept {
		fmt.Fprintf(b, "            %s_intercept_errors on;\n", p)
	}
	if l.errorPage {
		b.WriteString("            error_page 404 500 502 503 504 /err/page.html;\n")
	}
	if l.next != "" {
		fmt.Fprintf(b, "            %s_next_upstream %s;\n", p, l.next)
	}
	if l.bufSize != "" {
		fmt.Fprintf(b, "            %s_buffer_size %s;\n", p, l.bufSize)
	}
	b.WriteString("        }\n")
}

func (l *upLoc) conf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "        location /%s/ {\n", l.name)
	fmt.Fprintf(&b, "            proxy_pass http://%s;\n", l.group())
	if l.v10 {
		b.WriteString("            proxy_http_version 1.0;\n")
	} else {
		b.WriteString("            proxy_http_version 1.1;\n            proxy_set_header Connection \"\";\n")
	}
	l.settings(&b, "proxy")
	return b.String()
}

func (g *upGen) site(reqs int) *site {
	for i := 0; i < 6; i++ {
		g.locs = append(g.locs, g.loc(i))
	}
	var locs strings.Builder
	for _, l := range g.locs {
		locs.WriteString(l.conf())
	}
	st := &site{
		files:      map[string]string{"err/page.html": "error page\n"},
		errorLevel: "info",
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status url=$upstream_response_length ubr=$upstream_bytes_received ua=$upstream_addr"';
    upstream solo { server {{B0}} max_fails=0; keepalive 4; }
    upstream withbackup { server {{B0}} max_fails=0; server {{B1}} backup; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log up;
        proxy_read_timeout 300ms;
        proxy_send_timeout 1s;
        proxy_connect_timeout 1s;
        location /err/ { }
` + locs.String() + `    }`,
	}
	for i := 0; i < reqs; i++ {
		id := fmt.Sprintf("a%d", i)
		a := g.answer(id)
		g.answers[id] = a
		l := g.locs[g.r.Intn(len(g.locs))]
		uri := fmt.Sprintf("/%s/x?g=%s", l.name, id)
		var c tc
		if g.chance(0.5) || len(a.bytes) > 1000 {
			// (HTTP/1.0 for long answers: where a buffered body is
			// cut into chunks for an HTTP/1.1 client depends on how
			// the reads went, and $body_bytes_sent counts the framing)
			c = raw(id, "GET "+uri+" HTTP/1.0\r\nHost: localhost\r\n\r\n")
		} else {
			c = get(id, uri)
		}
		c.name = fmt.Sprintf("%s %s", id, strings.Join(a.muts, ", "))
		switch {
		case a.known != "":
			c = c.known(a.known)
		}
		st.cases = append(st.cases, c)
	}
	st.backends = twoBackends(func(t *testing.T, name string, healthy bool) string {
		return newUpBackend(t, name, g.answers, healthy).addr
	})
	return st
}

// twoBackends gives each server under test its own two backends, b0
// and b1 (the healthy one), started by serve.
func twoBackends(serve func(t *testing.T, name string, healthy bool) string) func(*testing.T, string) []string {
	backends := map[string][]string{}
	var mu sync.Mutex
	return func(t *testing.T, server string) []string {
		mu.Lock()
		defer mu.Unlock()
		if backends[server] == nil {
			for i := 0; i < 2; i++ {
				backends[server] = append(backends[server], serve(t, fmt.Sprintf("b%d", i), i == 1))
			}
		}
		return backends[server]
	}
}

// upBackend answers each request with the generated answer its g=ID names
// (or, when healthy, with a valid answer of its own).
type upBackend struct {
	name    string
	addr    string
	answers map[string]*upAnswer
	healthy bool
}

func newUpBackend(t *testing.T, name string, answers map[string]*upAnswer, healthy bool) *upBackend {
	b := &upBackend{name: name, answers: answers, healthy: healthy}
	b.addr = serveConns(t, b.handle)
	return b
}

func (b *upBackend) handle(c net.Conn) {
	eachRequest(c, func(_ int, req *rawRequest, r *bufio.Reader) bool {
		id := ""
		if i := strings.Index(req.line, "g="); i >= 0 {
			id, _, _ = strings.Cut(req.line[i+2:], " ")
		}
		a := b.answers[id]
		if b.healthy || a == nil {
			body := fmt.Sprintf("healthy %s: %s\n", b.name, req.line)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			return !req.close
		}
		c.Write(a.bytes)
		if a.close {
			closeApart(c, r)
			return false
		}
		return true
	})
}

// closeApart closes a backend's connection after its answer as an event
// of its own: whether a proxy's first read after the header already finds
// the end would depend on timing (nginx logs a premature close "while
// sending to client" then, "while reading upstream" after a wait). It
// shuts the writing side and lets the proxy read it all before the close.
func closeApart(c net.Conn, r io.Reader) {
	time.Sleep(40 * time.Millisecond)
	lingerClose(c, r)
}

// lingerClose ends a backend's side after its answer and reads from r
// what the proxy still sends (a request body it did not read, which a
// server may send after the header from its temp file) until the proxy
// closes or 2 s pass: a close with unread bytes would be a reset, which
// may reach the proxy before it has read the answer.
func lingerClose(c net.Conn, r io.Reader) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, r)
}

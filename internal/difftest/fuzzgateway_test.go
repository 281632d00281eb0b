package difftest

import (
	"bufio"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFuzzGateway is TestFuzzUpstream for the gateway protocols: from
// fixed seeds it generates the answers of a scripted FastCGI responder,
// as record streams no PHP-FPM would send (STDOUT cut at random places,
// inside the head and its blank line, or one byte a record; padding;
// STDERR before, within and after the head; END_REQUEST with the other
// protocol statuses; records of an unknown type, of another request id,
// of another version; a record longer than what comes; the connection
// closed at any byte), with CGI heads of every kind (Status valid, without
// a reason, invalid, twice; Location relative and absolute; X-Accel-*;
// a Content-Length shorter or longer than the body; lines without a
// colon; very long lines), and, fewer, the answers of uwsgi and SCGI
// applications (an HTTP-like head over a plain stream). The locations
// vary *_buffering, fastcgi_keep_conn with keepalive, *_intercept_errors
// with error_page, *_next_upstream with a healthy backup server and a
// small *_buffer_size. The response, the access log and the error log are
// compared as usual.
// The responder writes each answer in one write; it keeps a FastCGI
// connection when the request asked so (FCGI_KEEP_CONN) and the answer
// was whole, closes a whole answer's connection at once otherwise (as
// PHP-FPM does), and a cut one a moment after (closeApart).
//
// Known, on purpose: what nginx 1.23.0 changed (a repeated single header
// or Transfer-Encoding, Content-Length with Transfer-Encoding), an
// interim 1xx status line from uwsgi or SCGI (weir skips it as nginx
// 1.29.0 does for proxies), and the text nginx quotes for an invalid
// header line split across records (its raw buffer, record headers
// between the parts included).
//
// By default a few seeds run (about 10 s); WEIR_FUZZ_SEEDS,
// WEIR_FUZZ_SEED and WEIR_FUZZ_REQS as for TestFuzzUpstream.
func TestFuzzGateway(t *testing.T) {
	runFuzzSeeds(t, 3, 30, gatewaySite)
}

// gatewaySite is the gateway fuzzer's site for a seed.
func gatewaySite(seed, reqs int) *site {
	g := &gwGen{fuzzGen: newFuzzGen(seed), answers: map[string]*gwAnswer{}}
	return g.site(reqs)
}

// TestFuzzGatewaySeeds runs seeds that once found a difference:
//   - 101: a read that ends just after a STDERR record's header, before
//     the response head; nginx logs an empty 'FastCGI sent in stderr: ""'.
//   - 109: a bad record after a head of 1460 bytes or more (postpone_output)
//     in a buffered answer; nginx had sent the header.
//   - 178: an unbuffered answer in one-byte records whose body came with the
//     head; the wait for the head is not the body's ("while sending to
//     client" until a body read waits).
func TestFuzzGatewaySeeds(t *testing.T) {
	runFuzzSeedList(t, []int{101, 109, 178}, 30, gatewaySite)
}

// gwAnswer is one generated gateway answer.
type gwAnswer struct {
	bytes []byte
	keep  bool     // FastCGI: the connection stays open when the request asked so
	muts  []string // what was done to the valid answer
	known string   // why nginx 1.22 differs on purpose, if it does
}

// gwLoc is the gateway setup of one generated location.
type gwLoc struct {
	*upLoc          // (v10 unused)
	proto    string // fastcgi, uwsgi or scgi
	keepConn bool   // fastcgi_keep_conn on
}

type gwGen struct {
	fuzzGen
	answers map[string]*gwAnswer // by id, read-only once generated
	locs    []*gwLoc
}

// gwStatuses are the Status lines of a CGI head.
var gwStatuses = []string{
	"Status: 200 OK", "Status: 200 OK", "Status: 201 Created", "Status: 204 No Content", "Status: 302 Found",
	"Status: 304 Not Modified", "Status: 404 Not Found", "Status: 500 Oops", "Status: 503 Busy", "Status: 404",
	"Status: 302", "Status: 200", "Status: abc", "Status: 99 Low", "Status: 1000 Big", "Status:", "Status:  200 OK",
	"Status: 20", "Status: 600 Six", "Status: 418 Teapot", "Status: 200OK", "status: 404 lower", "Status: 200 OK ",
}

// gwHeaders are the other lines inserted in a CGI head.
var gwHeaders = []string{
	"Location: /rel/path", "Location: http://example.com/abs", "Location: rel-no-slash", "Location: /err/page.html",
	"X-Accel-Buffering: no", "X-Accel-Buffering: yes", "X-Accel-Expires: 10", "X-Accel-Limit-Rate: 1000",
	"X-Accel-Charset: utf-8", "X-Accel-Redirect: /err/page.html", "X-Accel-Redirect: /nowhere",
	"NoColonLine", "X-Long: " + strings.Repeat("l", 2000), "X-Longer: " + strings.Repeat("L", 5000),
	"X-Empty:", ": noname", "X-Sp : v", "  folded", "X-Under_score: v", "X-Hi: \x80\xff", "X-Nul: a\x00b",
	"Set-Cookie: a=1", "Content-Type: text/html", "Server: app", "Date: x", "Connection: close",
	"Transfer-Encoding: chunked", "Cache-Control: no-cache", "X-Powered-By: PHP/8", "Vary: Accept",
}

// gwInvalidLines are the lines of gwHeaders that make the head invalid.
var gwInvalidLines = []string{"X-Sp : v", "  folded", "X-Nul: a\x00b", ": noname"}

// gwStderrs are the texts of STDERR records.
var gwStderrs = []string{"PHP Warning:  oops in /x.php on line 3", "two\nlines", "trailing newline\n", "", "tab\there", strings.Repeat("e", 300)}

// gwSingle are the headers weir, as nginx 1.23.0, takes once from an
// upstream (ngx_http_upstream_headers_in's single headers).
var gwSingle = map[string]bool{"content-type": true, "date": true, "last-modified": true, "etag": true, "server": true,
	"location": true, "refresh": true, "x-accel-redirect": true, "expires": true, "x-accel-expires": true, "x-accel-limit-rate": true}

// headKnown says why nginx 1.22 takes the head's lines differently from
// weir on purpose, if it does.
func headKnown(lines []string) string {
	seen := map[string]bool{}
	for i, l := range lines {
		name, _, _ := strings.Cut(strings.ToLower(l), ":")
		switch {
		case i == 0 && strings.HasPrefix(l, "HTTP/1.1 1"), i == 0 && strings.HasPrefix(l, "HTTP/1.0 1"):
			return "nginx 1.22 takes an upstream's 1xx for the final answer; weir skips interim answers as nginx 1.29.0 does"
		case gwSingle[name] && seen[name]:
			return "nginx 1.23.0 ignores a repeated single header from upstream with a warning; 1.22 passes both"
		case name == "transfer-encoding" && seen[name]:
			return "nginx 1.23.0 rejects a duplicate Transfer-Encoding; 1.22 takes it"
		}
		seen[name] = true
	}
	if seen["content-length"] && seen["transfer-encoding"] {
		return "nginx 1.23.0 rejects Content-Length with Transfer-Encoding from upstream; 1.22 uses one of them"
	}
	return ""
}

// head generates the CGI head and body an application writes, and the
// reason nginx 1.22 takes it differently on purpose, if it does.
func (g *gwGen) head(proto, id string, mut func(string)) (string, string) {
	body := g.text(g.r.Intn(40)) + "\n"
	switch {
	case g.chance(0.1):
		body = ""
	case g.chance(0.05):
		body = strings.Repeat(g.text(63)+"\n", 40)
	}
	lines := []string{"Content-Type: text/plain", "X-Id: " + id}
	if g.chance(0.6) {
		s := gwStatuses[g.r.Intn(len(gwStatuses))]
		lines = append([]string{s}, lines...)
		mut(fmt.Sprintf("%q", s))
		if g.chance(0.1) {
			s2 := gwStatuses[g.r.Intn(len(gwStatuses))]
			lines = append(lines, s2)
			mut(fmt.Sprintf("and %q", s2))
		}
	}
	if proto != "fastcgi" && g.chance(0.3) {
		s := g.pick(upStatuses...)
		if g.chance(0.3) {
			s = g.pick(upOddStatuses...)
		}
		lines = append([]string{s}, lines...)
		mut(fmt.Sprintf("status line %q", s))
	}
	for n := g.r.Intn(3); n > 0; n-- {
		h := gwHeaders[g.r.Intn(len(gwHeaders))]
		at := g.r.Intn(len(lines) + 1)
		lines = append(lines[:at], append([]string{h}, lines[at:]...)...)
		mut(fmt.Sprintf("%q at %d", trunc(h, 30), at))
	}
	if g.chance(0.2) {
		n := len(body) + 1 + g.r.Intn(10)
		if g.chance(0.5) {
			n = g.r.Intn(len(body) + 1)
		}
		lines = append(lines, "Content-Length: "+strconv.Itoa(n))
		mut(fmt.Sprintf("content-length %d of %d", n, len(body)))
	} else if g.chance(0.3) {
		lines = append(lines, "Content-Length: "+strconv.Itoa(len(body)))
	}
	sep := "\r\n"
	if g.chance(0.1) {
		sep = "\n"
		mut("LF")
	}
	return strings.Join(lines, sep) + sep + sep + body, headKnown(lines)
}

// fcgiRecord is one record of a FastCGI answer.
func fcgiRecord(version, typ byte, id uint16, data string, pad int) []byte {
	b := []byte{version, typ, byte(id >> 8), byte(id), byte(len(data) >> 8), byte(len(data)), byte(pad), 0}
	b = append(b, data...)
	return append(b, make([]byte, pad)...)
}

// records frames the application's output in FastCGI records.
func (g *gwGen) records(out string, a *gwAnswer, mut func(string)) []byte {
	// where STDOUT is cut into records
	var cuts []int
	switch g.r.Intn(6) {
	case 0, 1: // one record
	case 2:
		for i := g.r.Intn(4); i >= 0; i-- {
			cuts = append(cuts, g.r.Intn(len(out)+1))
		}
		mut(fmt.Sprintf("cut at %v", cuts))
	case 3:
		if e := strings.Index(out, "\r\n\r\n"); e >= 0 {
			cuts = append(cuts, e+1+g.r.Intn(3))
			mut(fmt.Sprintf("cut at %d in the blank line", cuts[0]))
		}
	case 4:
		if len(out) < 300 {
			for i := 1; i < len(out); i++ {
				cuts = append(cuts, i)
			}
			mut("a byte a record")
		}
	default:
		if e := strings.Index(out, "\n"); e >= 0 {
			cuts = append(cuts, g.r.Intn(e+1))
			mut(fmt.Sprintf("cut at %d in the first line", cuts[0]))
		}
	}
	var parts []string
	last := 0
	sort.Ints(cuts)
	for _, bad := range gwInvalidLines {
		at := strings.Index(out, bad)
		for _, c := range cuts {
			if at >= 0 && c > at && c <= at+len(bad) {
				a.known = "nginx quotes an invalid header line split across FastCGI records from its raw buffer, the record headers between the parts included; weir quotes the line's text"
			}
		}
	}
	for _, c := range cuts {
		if c > last {
			parts = append(parts, out[last:c])
			last = c
		}
	}
	parts = append(parts, out[last:])
	type rec struct {
		typ  byte
		data string
	}
	var recs []rec
	for _, p := range parts {
		if p != "" {
			recs = append(recs, rec{6, p})
		}
	}
	if g.chance(0.25) {
		at := g.r.Intn(len(recs) + 1)
		e := gwStderrs[g.r.Intn(len(gwStderrs))]
		recs = append(recs[:at], append([]rec{{7, e}}, recs[at:]...)...)
		mut(fmt.Sprintf("stderr %q at %d", trunc(e, 20), at))
	}
	end := true
	switch {
	case g.chance(0.05):
		mut("no end of stdout")
	default:
		recs = append(recs, rec{6, ""})
	}
	if g.chance(0.05) {
		end = false
		mut("no end request")
	}
	var b []byte
	bad, badKind := -1, 0
	if g.chance(0.15) {
		bad, badKind = g.r.Intn(len(recs)+1), g.r.Intn(4)
	}
	for i, r := range recs {
		if i == bad {
			switch badKind {
			case 0:
				typ := byte(g.pick("\x00", "\x0b", "\x0c", "\x09", "\x02")[0])
				b = append(b, fcgiRecord(1, typ, 1, "odd", 0)...)
				mut(fmt.Sprintf("record of type %d at %d", typ, i))
			case 1:
				b = append(b, fcgiRecord(1, r.typ, 2, r.data, 0)...)
				mut(fmt.Sprintf("request id 2 at %d", i))
				continue
			case 2:
				v := byte(g.pick("\x00", "\x02")[0])
				b = append(b, fcgiRecord(v, r.typ, 1, r.data, 0)...)
				mut(fmt.Sprintf("version %d at %d", v, i))
				continue
			default:
				rb := fcgiRecord(1, r.typ, 1, r.data+"MORE", 0)
				b = append(b, rb[:len(rb)-4]...)
				a.bytes, a.keep = b, false
				mut(fmt.Sprintf("record %d longer than what comes", i))
				return b
			}
		}
		pad := 0
		if g.chance(0.2) {
			pad = g.r.Intn(8)
		}
		b = append(b, fcgiRecord(1, r.typ, 1, r.data, pad)...)
	}
	if end {
		st := byte(0)
		if g.chance(0.08) {
			st = byte(1 + g.r.Intn(3))
			mut(fmt.Sprintf("protocol status %d", st))
		}
		b = append(b, fcgiRecord(1, 3, 1, "\x00\x00\x00\x07"+string([]byte{st})+"\x00\x00\x00", 0)...)
	}
	if at := 0; g.chance(0.08) {
		at = g.r.Intn(len(b) + 1)
		// a close after the whole answer is left out: nginx may take
		// the kept connection for the next request before it sees the
		// close (502, 'upstream prematurely closed connection'), where
		// weir looks at a pooled connection before it sends
		if at < len(b) {
			mut(fmt.Sprintf("closed at %d of %d", at, len(b)))
			b = b[:at]
			end = false
		}
	}
	a.keep = end
	return b
}

// answer generates one answer of the protocol.
func (g *gwGen) answer(proto, id string) *gwAnswer {
	a := &gwAnswer{}
	mut := func(m string) { a.muts = append(a.muts, m) }
	out, known := g.head(proto, id, mut)
	if proto == "fastcgi" {
		a.bytes = g.records(out, a, mut)
		if known == "" {
			known = a.known
		}
	} else {
		if g.chance(0.08) {
			at := g.r.Intn(len(out) + 1)
			out = out[:at]
			mut(fmt.Sprintf("closed at %d", at))
		}
		a.bytes = []byte(out)
	}
	a.known = known
	return a
}

func (g *gwGen) loc(i int) *gwLoc {
	l := &gwLoc{upLoc: g.upstreamLoc(i, "", "", "off", "error timeout invalid_header",
		"error timeout http_500 http_503 http_404", "invalid_header http_500")}
	l.proto = g.pick("fastcgi", "fastcgi", "fastcgi", "fastcgi", "uwsgi", "scgi")
	l.keepConn = l.proto == "fastcgi" && g.chance(0.5)
	return l
}

func (l *gwLoc) conf() string {
	var b strings.Builder
	p := l.proto
	fmt.Fprintf(&b, "        location /%s/ {\n", l.name)
	fmt.Fprintf(&b, "            %s_param QUERY_STRING $query_string;\n", p)
	fmt.Fprintf(&b, "            %s_pass %s;\n", p, l.group())
	if l.keepConn {
		b.WriteString("            fastcgi_keep_conn on;\n")
	}
	l.settings(&b, p)
	return b.String()
}

func (g *gwGen) site(reqs int) *site {
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
    log_format gw '$status "$request" $body_bytes_sent "us=$upstream_status url=$upstream_response_length ubr=$upstream_bytes_received ua=$upstream_addr"';
    upstream solo { server {{B0}} max_fails=0; keepalive 4; }
    upstream withbackup { server {{B0}} max_fails=0; server {{B1}} backup; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gw;
        fastcgi_read_timeout 300ms;
        uwsgi_read_timeout 300ms;
        scgi_read_timeout 300ms;
        location /err/ { }
        location /rel/ { return 200 "rel $uri\n"; }
` + locs.String() + `    }`,
	}
	for i := 0; i < reqs; i++ {
		id := fmt.Sprintf("a%d", i)
		l := g.locs[g.r.Intn(len(g.locs))]
		a := g.answer(l.proto, id)
		g.answers[id] = a
		uri := fmt.Sprintf("/%s/x?g=%s", l.name, id)
		c := raw(id, "GET "+uri+" HTTP/1.0\r\nHost: localhost\r\n\r\n")
		c.name = fmt.Sprintf("%s %s %s", id, l.proto, strings.Join(a.muts, ", "))
		if a.known != "" {
			c = c.known(a.known)
		}
		st.cases = append(st.cases, c)
	}
	st.backends = twoBackends(func(t *testing.T, name string, healthy bool) string {
		b := &gwBackend{name: name, answers: g.answers, healthy: healthy}
		return serveConns(t, b.handle)
	})
	return st
}

// gwBackend answers each request with the generated answer its g=ID
// names (or, when healthy, with a valid answer of its own), in the
// protocol the request's first byte tells.
type gwBackend struct {
	name    string
	answers map[string]*gwAnswer
	healthy bool
}

func (b *gwBackend) handle(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for n := 0; n < 100; n++ {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		first, err := br.Peek(1)
		if err != nil {
			return
		}
		var params map[string]string
		keep := false
		switch {
		case first[0] == 1:
			params, keep = readFastCGIKeep(br)
		case first[0] >= '0' && first[0] <= '9':
			params = readSCGIRequest(br)
		default:
			params = readUWSGIRequest(br)
		}
		if params == nil {
			return
		}
		a := b.answers[queryParam(params, "g")]
		whole := true // the answer is complete
		if b.healthy || a == nil {
			out := fmt.Sprintf("Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhealthy %s: %s\n", b.name, params["QUERY_STRING"])
			if first[0] == 1 {
				out = string(fcgiRecord(1, 6, 1, out, 0)) + string(fcgiRecord(1, 6, 1, "", 0)) +
					string(fcgiRecord(1, 3, 1, "\x00\x00\x00\x00\x00\x00\x00\x00", 0))
			}
			c.Write([]byte(out))
		} else {
			c.Write(a.bytes)
			whole = a.keep
		}
		if first[0] == 1 && !keep && whole {
			// a complete answer to a request that did not ask to keep
			// the connection: closed at once, as PHP-FPM does (nginx
			// 1.22 may keep an unbuffered FastCGI connection whose
			// END_REQUEST ends a read even without fastcgi_keep_conn,
			// and would take it for a next request that the
			// application closes a moment later). The FIN goes at
			// once; what the proxy may still send is read before the
			// socket closes, so that the close is never a reset that
			// could overtake the answer (a close with unread bytes
			// sends RST, and the proxy then loses what it had not
			// read yet: 'recv() failed (104)' under load)
			lingerClose(c, br)
			return
		}
		keep = keep && whole
		if !keep {
			closeApart(c, br)
			return
		}
	}
}

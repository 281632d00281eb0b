package difftest

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Deliberate differences: weir names itself in Server headers and in the
// footers of its error pages, with the nginx release it follows. The
// comparison rewrites weir's spelling into nginx's (and fixes the lengths
// that change with it) before comparing.
const (
	nginxName = "nginx/1.22.1"
	weirName  = "weir/1.31.0"
)

var weirNames = strings.NewReplacer(
	weirName, nginxName,
	"<center>weir</center>", "<center>nginx</center>",
)

// normalizer rewrites what depends on the server instance: its ports and
// its prefix directory.
func (s *server) normalizer() normalizer {
	var pairs []string
	ports := map[string]string{}
	port := func(p, name string) {
		if _, ok := ports[p]; !ok {
			ports[p] = name
		}
	}
	for i, b := range s.backends {
		_, p, _ := strings.Cut(b, ":")
		pairs = append(pairs, b, fmt.Sprintf("{{B%d}}", i))
		port(p, fmt.Sprintf("{{B%dPORT}}", i))
	}
	port(strconv.Itoa(s.ports[0]), "{{PORT}}")
	port(strconv.Itoa(s.ports[1]), "{{PORT2}}")
	return normalizer{strings.NewReplacer(append(pairs, s.prefix, "{{PREFIX}}")...), ports}
}

// normalizer replaces a server's prefix, backend addresses and ports with
// placeholders. A port is replaced only as a whole number: the 34567 in a
// body's "0123456789" stays.
type normalizer struct {
	r     *strings.Replacer
	ports map[string]string
}

var digitsRe = regexp.MustCompile(`[0-9]+`)

func (n normalizer) Replace(s string) string {
	return digitsRe.ReplaceAllStringFunc(n.r.Replace(s), func(d string) string {
		if p, ok := n.ports[d]; ok {
			return p
		}
		return d
	})
}

var dateLineRe = regexp.MustCompile(`(?i)Date: [^\r\n]*\r\n`)

var boundaryRe = regexp.MustCompile(`boundary=([0-9A-Za-z]+)`)

// render turns an exchange into the lines that are compared: the status
// line, the headers in the order they came (Date left out; nginx's header
// filter has a fixed order, and HTTP/2 answers come sorted by name from
// h2Response), the body, and how the connection ended. bodyLens records
// the raw body lengths for the access-log comparison ($body_bytes_sent).
func render(ex *exchange, s *server, c tc, peer *exchange) (lines []string, bodyLens []int) {
	norm := s.normalizer()
	if ex.err != "" && len(ex.resps) == 0 && ex.err != "timeout" {
		lines = append(lines, "[read error: "+shortErr(ex.err)+"]")
	}
	if len(ex.resps) == 0 {
		lines = append(lines, "[no response]")
	}
	for i, r := range ex.resps {
		if i > 0 {
			lines = append(lines, "----")
		}
		lines = append(lines, r.statusLine)
		body := norm.Replace(string(decodedBody(r)))
		if ct, _ := r.get("Content-Type"); strings.HasPrefix(ct, "multipart/byteranges") {
			if m := boundaryRe.FindStringSubmatch(ct); m != nil {
				body = strings.ReplaceAll(body, m[1], "{{BOUNDARY}}")
			}
		}
		if s.name == "weir" {
			body = weirNames.Replace(body)
		}
		bodyLens = append(bodyLens, len(r.body))
		var hs []string
		for _, h := range r.header {
			k, v := h[0], h[1]
			switch strings.ToLower(k) {
			case "date":
				continue
			case "server":
				if s.name == "weir" {
					v = strings.Replace(weirNames.Replace(v), "weir", "nginx", 1)
				}
			case "content-length":
				// The length of the body as the other server would send it.
				if n, err := strconv.Atoi(v); err == nil {
					if c.head {
						if s.name == "weir" && isSpecial(r) && !c.ownPage && !sameLength(peer, i, v) {
							n++ // one footer
						}
					} else {
						n += len(body) - len(r.body)
					}
					v = strconv.Itoa(n)
				}
			case "content-type":
				v = boundaryRe.ReplaceAllString(v, "boundary={{BOUNDARY}}")
			case "expires":
				v = expiresNear(v, peer, i)
			}
			hs = append(hs, k+": "+norm.Replace(v))
		}
		lines = append(lines, hs...)
		lines = append(lines, "")
		if len(r.body) > 0 {
			lines = append(lines, bodyLines(body)...)
		}
	}
	if c.h2 && ex.err != "" && len(ex.resps) > 0 {
		// the stream was reset or the connection lost after the header
		lines = append(lines, h2ErrLine(ex))
	}
	if len(ex.tail) > 0 {
		// Unparsed bytes (a head without its end, an HTTP/0.9 body) get
		// the same normalisation as parsed ones: names and the Date.
		tail := norm.Replace(string(ex.tail))
		if s.name == "weir" {
			tail = weirNames.Replace(tail)
		}
		tail = dateLineRe.ReplaceAllString(tail, "Date: [DATE]\r\n")
		lines = append(lines, fmt.Sprintf("[%d unparsed bytes: %q]", len(tail), trunc(tail, 200)))
	}
	if c.keepOpen {
		if ex.closed {
			lines = append(lines, "[closed by the server]")
		} else {
			lines = append(lines, "[kept open]")
		}
	}
	return lines, bodyLens
}

// isSpecial says a HEAD response carries one of the server's own pages,
// whose length includes the server's name: an HTML error or redirect
// without the validators a file would have.
func isSpecial(r *response) bool {
	ct, _ := r.get("Content-Type")
	_, etag := r.get("ETag")
	_, lm := r.get("Last-Modified")
	f := strings.Fields(r.statusLine)
	html := ct == "text/html" || strings.HasPrefix(ct, "text/html; charset=")
	return len(f) > 1 && f[1] >= "300" && html && !etag && !lm
}

// sameLength says the peer's answer i has the Content-Length v: an HTML
// answer of that length to a HEAD is no page of weir's (whose footer is a
// byte shorter than nginx's) but the site's, such as a "return 200" text
// that error_page gave another status.
func sameLength(peer *exchange, i int, v string) bool {
	if peer == nil || i >= len(peer.resps) {
		return false
	}
	pv, ok := peer.resps[i].get("Content-Length")
	return ok && pv == v
}

// expiresNear returns v, or the peer's Expires when the two are at most a
// second apart (the two servers answer at slightly different times).
func expiresNear(v string, peer *exchange, i int) string {
	if peer == nil || i >= len(peer.resps) {
		return v
	}
	pv, ok := peer.resps[i].get("Expires")
	if !ok {
		return v
	}
	a, err1 := http.ParseTime(v)
	b, err2 := http.ParseTime(pv)
	if err1 != nil || err2 != nil {
		return v
	}
	if d := a.Sub(b); d >= -time.Second && d <= time.Second {
		return pv
	}
	return v
}

func shortErr(e string) string {
	if i := strings.LastIndex(e, ": "); i >= 0 {
		return e[i+2:]
	}
	return e
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// bodyLines splits a body for display and comparison; bytes that are not
// printable are quoted.
func bodyLines(body string) []string {
	var out []string
	for _, l := range strings.SplitAfter(body, "\n") {
		if l == "" {
			continue
		}
		q := strconv.Quote(l)
		out = append(out, "| "+q[1:len(q)-1])
	}
	return out
}

// sideBySide prints two renderings in two columns, marking the lines that
// differ.
func sideBySide(a, b []string, an, bn string) string {
	const w = 72
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n  %-*s   %s\n", w, an, bn)
	n := len(a)
	if len(b) > n {
		n = len(b)
	}
	limit := n
	if limit > 80 {
		limit = 80
	}
	for i := 0; i < limit; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		mark := " "
		if x != y || i >= len(a) || i >= len(b) {
			mark = "≠"
		}
		fmt.Fprintf(&sb, "%s %-*s | %s\n", mark, w, trunc(x, w-3), trunc(y, w-3))
	}
	if n > limit {
		fmt.Fprintf(&sb, "  ... %d more lines\n", n-limit)
	}
	// Long lines that differ are cut above; print them whole.
	for i := 0; i < limit; i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y && (len(x) > w-3 || len(y) > w-3) {
			// from a little before the first difference
			d := 0
			for d < len(x) && d < len(y) && x[d] == y[d] {
				d++
			}
			from := max(0, d-120)
			fmt.Fprintf(&sb, "line %d (from byte %d):\n  %s: %s\n  %s: %s\n", i+1, from, an, trunc(x[from:], 400), bn, trunc(y[from:], 400))
		}
	}
	return sb.String()
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sameLinesAnyOrder is equalLines for access logs: a case that proxies
// to its own server logs the inner request and the outer one from two
// connections that end at about the same time, so their order is not
// fixed (nginx, one process, is deterministic; weir's goroutines are
// not). The lines of one connection come out in order anyway.
func sameLinesAnyOrder(a, b []string) bool {
	if equalLines(a, b) {
		return true
	}
	if len(a) != len(b) {
		return false
	}
	sa, sb := slices.Clone(a), slices.Clone(b)
	slices.Sort(sa)
	slices.Sort(sb)
	return equalLines(sa, sb)
}

// runCase sends the case to both servers and compares the responses, the
// new access-log lines and the new error-log messages.
func runCase(t *testing.T, c tc, ng, we *server) {
	if c.h2 {
		if _, err := parseH2Case(c); err != nil {
			t.Fatalf("the case cannot be sent over HTTP/2: %v", err)
		}
	}
	exN := send(c, ng.addr(c.port))
	exW := send(c, we.addr(c.port))
	ln, lensN := render(exN, ng, c, nil)
	lw, lensW := render(exW, we, c, exN)
	if os.Getenv("DIFFTEST_SHOW") != "" {
		t.Logf("%s", sideBySide(ln, lw, "nginx", "weir"))
	}
	if !equalLines(ln, lw) {
		t.Errorf("responses differ for %q:%s", trunc(firstLine(c), 100), sideBySide(ln, lw, "nginx", "weir"))
	}
	lensOK := map[[2]string]bool{}
	for i := range lensN {
		if i < len(lensW) {
			lensOK[[2]string{strconv.Itoa(lensN[i]), strconv.Itoa(lensW[i])}] = true
		}
	}
	// a chunked body's length in the log counts the framing too
	for i, r := range exN.resps {
		if i < len(exW.resps) && r.wire > 0 && exW.resps[i].wire > 0 && r.wire-len(r.body) == exW.resps[i].wire-len(exW.resps[i].body) {
			lensOK[[2]string{strconv.Itoa(r.wire), strconv.Itoa(exW.resps[i].wire)}] = true
		}
	}
	// a HEAD case reads no body, but an answer to what came after the
	// HEAD (an error page to a bad next request) was sent whole: the
	// Content-Lengths, compared with the responses, stand for it
	for i, r := range exN.resps {
		if c.head && i > 0 && i < len(exW.resps) {
			nl, okN := r.get("Content-Length")
			wl, okW := exW.resps[i].get("Content-Length")
			if okN && okW {
				lensOK[[2]string{nl, wl}] = true
			}
		}
	}
	if len(exN.resps) == 0 && len(exW.resps) == 0 && len(exN.tail) > 0 && len(exW.tail) > 0 {
		// an answer without a status line (to an HTTP/0.9 request) is
		// all body
		lensOK[[2]string{strconv.Itoa(len(exN.tail)), strconv.Itoa(len(exW.tail))}] = true
	}
	compareLogs(t, c, ng, we, lensOK)
}

func firstLine(c tc) string {
	r := c.req
	if c.parts != nil {
		r = strings.Join(c.parts, "")
	}
	l, _, _ := strings.Cut(r, "\r\n")
	if c.h2 {
		l = "h2: " + l
	}
	return l
}

// newLines returns the lines appended to a log since the last call.
func (s *server) newLines(file string, off *int64) []string {
	b, err := os.ReadFile(filepath.Join(s.prefix, "logs", file))
	if err != nil || int64(len(b)) < *off {
		return nil
	}
	b = b[*off:]
	// Only whole lines.
	i := strings.LastIndexByte(string(b), '\n')
	if i < 0 {
		return nil
	}
	*off += int64(i + 1)
	return strings.Split(string(b[:i]), "\n")
}

var (
	timeLocalRe = regexp.MustCompile(`\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]`)
	accessRe    = regexp.MustCompile(`^(\d+ ".*") (\d+) (".*)$`)
	errPrefixRe = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d (\[\w+\]) \d+#\d+: (?:\*\d+ )?`)
	// Deliberate: Go's runtime raises the soft RLIMIT_NOFILE to the hard
	// limit minus one before weir's main runs, so weir's startup notice
	// shows (and weir has) more than nginx's when the soft limit is low.
	rlimitRe = regexp.MustCompile(`(getrlimit\(RLIMIT_NOFILE\): )\d+:`)
	// the stream module's lines name the client's and the proxy's
	// ephemeral ports
	streamPortRe = regexp.MustCompile(`^(\[info\] (?:udp )?(?:client|proxy) [0-9.]+:)\d+( connected to )`)
)

func normAccess(lines []string, s *server) []string {
	norm := s.normalizer()
	var out []string
	for _, l := range lines {
		out = append(out, timeLocalRe.ReplaceAllString(norm.Replace(l), "[TIME]"))
	}
	return out
}

func normError(lines []string, s *server) []string {
	norm := s.normalizer()
	var out []string
	for _, l := range lines {
		l = errPrefixRe.ReplaceAllString(l, "$1 ")
		l = rlimitRe.ReplaceAllString(l, "${1}*:")
		l = streamPortRe.ReplaceAllString(l, "${1}*${2}")
		l = norm.Replace(l)
		if s.name == "weir" {
			l = weirNames.Replace(l)
		}
		out = append(out, l)
	}
	return out
}

// fixBodyBytes accepts a weir $body_bytes_sent that differs from nginx's
// only by the length of the server name in an error page footer.
func fixBodyBytes(n, w []string, lensOK map[[2]string]bool) []string {
	out := append([]string(nil), w...)
	fix := func(i, j int, same bool) bool {
		mn := accessRe.FindStringSubmatch(n[j])
		mw := accessRe.FindStringSubmatch(out[i])
		if mn == nil || mw == nil || mn[2] == mw[2] || !lensOK[[2]string{mn[2], mw[2]}] {
			return false
		}
		if same && (mn[1] != mw[1] || mn[3] != mw[3]) {
			return false
		}
		out[i] = mw[1] + " " + mn[2] + " " + mw[3]
		return true
	}
	for i := range out {
		if i < len(n) && (n[i] == out[i] || fix(i, i, false)) {
			continue
		}
		// the lines of several connections may come in another order
		// (sameLinesAnyOrder): the same line elsewhere in nginx's log
		for j := range n {
			if j != i && fix(i, j, true) {
				break
			}
		}
	}
	return out
}

// compareLogs compares what both servers logged for the case. A line may
// be written just after the response went out (the access log always
// is), so a difference is re-read for a short while before it counts.
func compareLogs(t *testing.T, c tc, ng, we *server, lensOK map[[2]string]bool) {
	var an, aw, en, ew []string
	deadline := time.Now().Add(400 * time.Millisecond)
	for {
		an = append(an, normAccess(ng.newLines("access.log", &ng.accessOff), ng)...)
		aw = append(aw, normAccess(we.newLines("access.log", &we.accessOff), we)...)
		en = append(en, normError(ng.newLines("error.log", &ng.errorOff), ng)...)
		ew = append(ew, normError(we.newLines("error.log", &we.errorOff), we)...)
		aw2 := fixBodyBytes(an, aw, lensOK)
		if c.h2 {
			an, aw2 = h2Lengths(an), h2Lengths(aw2)
		}
		okA, okE := sameLinesAnyOrder(an, aw2), equalLines(en, ew)
		// A case is logged at least once (the startup check has none).
		if (okA && okE && (len(an) > 0 || c.name == "")) || time.Now().After(deadline) {
			if os.Getenv("DIFFTEST_SHOW") != "" {
				t.Logf("logs:%s%s", sideBySide(an, aw2, "nginx", "weir"), sideBySide(en, ew, "nginx", "weir"))
			}
			if !okA {
				t.Errorf("access log differs:%s", sideBySide(an, aw2, "nginx", "weir"))
			}
			if !okE {
				t.Errorf("error log differs:%s", sideBySide(en, ew, "nginx", "weir"))
			}
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

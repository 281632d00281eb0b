package difftest

import (
	"fmt"
	"math/rand"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// TestFuzzRoute is a differential fuzzer of request routing: from fixed
// seeds it generates random but mostly valid server blocks out of the
// rewrite module (rewrite with every flag, return, if with every
// operator, set, break), location matching (prefix, exact, ^~, regex
// with and without named captures, nested and named locations),
// try_files, index, error_page (=code, named locations), internal,
// alias, recursive_error_pages, the redirect switches and merge_slashes,
// over a small file tree with odd names, plus random request URIs
// (percent-encoding, dots, double slashes, queries, trailing slashes).
// Each configuration is first given to nginx -t and weir -t (the outputs
// must agree); the accepted ones then run every request through both
// servers with the usual comparison of responses and logs.
//
// By default a few seeds run (the test stays well under 30 s).
// WEIR_FUZZ_SEEDS=n runs seeds 1..n, WEIR_FUZZ_SEED=k only seed k, and
// WEIR_FUZZ_REQS=m sends m requests per configuration. A failure logs
// the seed and the generated configuration.
func TestFuzzRoute(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	first, last, reqs := fuzzRange(6, 24)
	for seed := first; seed <= last; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			st := newRouteGen(int64(seed)).site(reqs)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("seed %d, configuration:\n%s", seed, st.http)
				}
			})
			if !sameConfigTest(t, st) {
				return
			}
			runSite(t, st)
		})
	}
}

// sameConfigTest runs nginx -t and weir -t on the site and compares their
// outputs; it reports whether nginx accepted the configuration.
func sameConfigTest(t *testing.T, st *site) bool {
	t.Helper()
	ports := freePorts(t, 4)
	var outs [2]string
	accepted := false
	for i, name := range []string{"nginx", "weir"} {
		s := prepare(t, name, st, ports[2*i:2*i+2])
		bin := nginxBin
		if name == "weir" {
			bin = weirBin
		}
		cmd := exec.Command(bin, "-t", "-p", s.prefix+"/", "-c", "conf/nginx.conf", "-e", "stderr")
		out, err := cmd.CombinedOutput()
		text := s.normalizer().Replace(string(out))
		if err != nil {
			text += "[exit status non-zero]\n"
		} else if name == "nginx" {
			accepted = true
		}
		text = dumpTimeRe.ReplaceAllString(text, "$1 ")
		outs[i] = strings.ReplaceAll(text, "weir: ", "nginx: ")
	}
	if !accepted {
		t.Logf("nginx -t refuses the configuration: %s", outs[0])
	}
	if outs[0] != outs[1] {
		t.Errorf("-t differs:%s", sideBySide(strings.Split(outs[0], "\n"), strings.Split(outs[1], "\n"), "nginx", "weir"))
	}
	return accepted
}

// routeFiles is the html tree of every generated site: directories with
// and without index files, and names that need escaping.
var routeFiles = map[string]string{
	"index.html":          "root index\n",
	"a/index.html":        "a index\n",
	"a/A.txt":             "a A\n",
	"a/%41.txt":           "a percent41\n",
	"a/x y.txt":           "a space\n",
	"a/semi;colon.txt":    "a semicolon\n",
	"a/plus+sign.txt":     "a plus\n",
	"a/b/c.txt":           "a b c\n",
	"a/b/d.html":          "a b d\n",
	"b/":                  "",
	"c/index.htm":         "c index htm\n",
	"c/d/e.html":          "c d e\n",
	"c/d/f.txt":           "c d f\n",
	"dir.with.dots/f.txt": "dots f\n",
	"err/404.html":        "custom 404\n",
	"err/x.txt":           "err x\n",
	"50x.html":            "custom 50x\n",
	"img/p.PNG":           "png\n",
	"img/q.png":           "png q\n",
	"x/1":                 "x one\n",
	"x/2/":                "",
	"old/new.txt":         "old new\n",
	"new/old.txt":         "new old\n",
	"über.txt":            "umlaut\n",
	"q?.txt":              "question\n",
	"e.txt":               "e\n",
}

// routeGen generates one site from a seed.
type routeGen struct {
	r      *rand.Rand
	label  int
	used   map[string]bool // location keys already generated
	named  []string        // named locations that will exist
	caps   map[string]bool // named captures defined by some regex
	wanted map[string]bool // named captures used in values
	sets   map[string]bool // variables given a value by set
	reads  map[string]bool // set variables read
}

func newRouteGen(seed int64) *routeGen {
	return &routeGen{
		r:      rand.New(rand.NewSource(seed)),
		used:   map[string]bool{},
		caps:   map[string]bool{},
		wanted: map[string]bool{},
		sets:   map[string]bool{},
		reads:  map[string]bool{},
	}
}

func (g *routeGen) pick(xs ...string) string { return xs[g.r.Intn(len(xs))] }
func (g *routeGen) chance(p float64) bool    { return g.r.Float64() < p }

// regex is a pattern with the named captures it defines.
type regex struct {
	re    string
	names []string
}

var routeRegexes = []regex{
	{`^/a/(\w+)$`, nil},
	{`^/(\w+)/(.*)$`, nil},
	{`^(.*)/$`, nil},
	{`\.txt$`, nil},
	{`^/old/(?<rest>.*)$`, []string{"rest"}},
	{`^/(?<seg>[^/]+)/(?<rest>.*)$`, []string{"seg", "rest"}},
	{`^/b(/.*)?$`, nil},
	{`^/x/(\d+)/?$`, nil},
	{`^`, nil},
	{`(.*)`, nil},
	{`^/c/(.+)\.html$`, nil},
	{`^/img/(.*)\.png$`, nil},
	{`"^/a/(.*) (.*)$"`, nil},
	{`^/new/(?<file>[^/]+)$`, []string{"file"}},
	{`/(\d+)`, nil},
	{`\.(htm|html)$`, nil},
}

func (g *routeGen) regex() string {
	x := routeRegexes[g.r.Intn(len(routeRegexes))]
	for _, n := range x.names {
		g.caps[n] = true
	}
	return x.re
}

// echo is a return text that shows where the request ended up.
func (g *routeGen) echo() string {
	g.label++
	return fmt.Sprintf(`"L%d uri=[$uri] args=[$args] 1=[$1] 2=[$2]{{EXTRA}}\n"`, g.label)
}

func (g *routeGen) named1() string {
	if g.chance(0.05) {
		return "@missing"
	}
	return g.named[g.r.Intn(len(g.named))]
}

func (g *routeGen) replacement() string {
	r := g.pick("/a/$1", "/echo?x=$1", "/b/$1?", "$1/", "/c/$2.html", "/x/$1$2",
		"http://ext.test/$1", "https://$host/$1?q=1", "/", "/a/b/c.txt", "/dir.with.dots/",
		"$uri/", "/%41$1", "/echo", "/old/$1", "/new/$2", "/a/x%20y.txt", "/echo?u=$uri",
		"/err/x.txt", "$scheme://$host:$server_port/s", "/e.txt?", "NAMED", "/$args",
		"/echo/$1$is_args$args", "/a$request_uri", "$arg_to")
	if r == "NAMED" {
		n := g.pick("rest", "seg", "file")
		g.wanted[n] = true
		r = "/new/$" + n
	}
	return r
}

func (g *routeGen) rewrite() string {
	flag := g.pick("", "", " last", " break", " redirect", " permanent")
	return fmt.Sprintf("rewrite %s %s%s;", g.regex(), g.replacement(), flag)
}

func (g *routeGen) ret() string {
	switch g.r.Intn(4) {
	case 0, 1:
		return "return 200 " + g.echo() + ";"
	case 2:
		return g.pick("return 301 /a/;", "return 302 $scheme://$host$uri?r=1;", "return 307 /echo;",
			"return 308 http://ext.test$request_uri;", "return 301 x/y;", "return http://ext.test/r;",
			"return 302;", "return 303 $uri/;")
	}
	return g.pick("return 404;", "return 403;", "return 410;", "return 500;", "return 204;",
		"return 444;", `return 418 "teapot\n";`, "return 503;")
}

func (g *routeGen) setVar() string {
	v := g.pick("v1", "v2")
	g.sets[v] = true
	val := g.pick(`"s"`, "$uri", "$1", `"${v1}x"`, "$arg_a", `""`)
	if strings.Contains(val, "v1") {
		g.reads["v1"] = true
	}
	return fmt.Sprintf("set $%s %s;", v, val)
}

func (g *routeGen) cond() string {
	c := g.pick(`$uri ~ ^/a/(\w+)`, `$uri ~* \.TXT$`, `$uri !~ ^/a/`, `$uri !~* ^/A/`,
		`$request_uri ~ (?<q>\?.*)$`, `$arg_a = 1`, `$arg_a != ""`, `$args`,
		`-f $request_filename`, `!-f $request_filename`, `-d $request_filename`,
		`!-d $request_filename`, `-e $request_filename`, `!-e $request_filename`,
		`-x $request_filename`, `!-x $request_filename`, `$uri = /a/`, `$host ~ ^alias`,
		`$v1`, `$v1 = "s"`, `$uri ~ "^/c/(?<cname>.*)"`)
	if strings.Contains(c, "?<q>") {
		g.caps["q"] = true
	}
	if strings.Contains(c, "?<cname>") {
		g.caps["cname"] = true
	}
	if strings.Contains(c, "$v1") {
		g.reads["v1"] = true
	}
	return c
}

func (g *routeGen) ifBlock(inLocation bool) string {
	var body string
	switch g.r.Intn(5) {
	case 0:
		body = g.ret()
	case 1:
		body = g.rewrite()
	case 2:
		body = g.setVar()
	case 3:
		body = "break; " + g.ret()
	default:
		if inLocation && g.chance(0.5) {
			body = g.errorPage()
		} else {
			body = g.rewrite()
		}
	}
	return fmt.Sprintf("if (%s) { %s }", g.cond(), body)
}

func (g *routeGen) errorPage() string {
	e := g.pick("error_page 404 /err/404.html;", "error_page 404 = NAMED;", "error_page 403 404 =200 /echo;",
		"error_page 404 =301 http://ext.test/nf;", "error_page 404 =410 /err/404.html;",
		"error_page 500 502 503 504 /50x.html;", "error_page 404 /nothere;", "error_page 301 302 = /echo;",
		"error_page 404 = /err/;", "error_page 410 /echo?e=410;", "error_page 404 =200 NAMED;",
		"error_page 403 /err/x.txt;", "error_page 404 =/echo;")
	return strings.Replace(e, "NAMED", g.named1(), 1)
}

func (g *routeGen) tryFiles() string {
	t := g.pick("$uri $uri/ =404", "$uri $uri/index.html /index.html", "$uri NAMED",
		"/nonexist $uri =410", "$uri/ $uri =404", "$uri /echo?from=tf", "$1 =404",
		"$uri.txt $uri =404", "$uri $uri/ /a/$1", "$uri =418")
	return "try_files " + strings.Replace(t, "NAMED", g.named1(), 1) + ";"
}

var routePrefixes = []string{"/", "/a/", "/a/b/", "/b", "/c/", "/img/", "/x/", "/old/",
	"/new/", "/dir.with.dots/", "/err/", "/c/d/", "/a", "/ü", "/q"}

// location generates one location (and its nested ones) under parent,
// the prefix of the enclosing location ("" at server level).
func (g *routeGen) location(b *strings.Builder, parent string, depth int) {
	var mod, key string
	kind := g.r.Intn(10)
	for tries := 0; ; tries++ {
		if tries == 20 {
			return
		}
		switch {
		case kind < 4:
			mod, key = "", g.pick(routePrefixes...)
		case kind < 5:
			mod, key = "= ", g.pick(routePrefixes...)+g.pick("", "e.txt", "index.html", "1")
		case kind < 6:
			mod, key = "^~ ", g.pick(routePrefixes...)
		case kind < 9:
			mod, key = g.pick("~ ", "~ ", "~* "), g.regex()
		default:
			mod, key = "= ", "/echo"
		}
		if parent != "" && mod != "~ " && mod != "~* " && !strings.HasPrefix(key, parent) {
			continue
		}
		if parent == "" && depth > 0 && mod != "~ " && mod != "~* " && g.chance(0.97) {
			continue // inside a regex location, mostly regex ones
		}
		k := mod + key
		if mod == "^~ " {
			k = key // ^~ and plain prefixes share a key
		}
		if !g.used[k] {
			g.used[k] = true
			break
		}
	}
	regexLoc := strings.HasPrefix(mod, "~")
	pad := strings.Repeat("    ", depth+2)
	fmt.Fprintf(b, "%slocation %s%s {\n", pad, mod, key)
	g.locationBody(b, pad+"    ", regexLoc, mod == "= ", depth, key)
	fmt.Fprintf(b, "%s}\n", pad)
}

func (g *routeGen) locationBody(b *strings.Builder, pad string, regexLoc, exact bool, depth int, key string) {
	line := func(s string) { b.WriteString(pad + s + "\n") }
	switch {
	case g.chance(0.15):
		if regexLoc {
			line(g.pick("alias {{ROOT}}/a/$1;", "alias {{ROOT}}/c/d/e.html;", "alias {{ROOT}}/c/$1;", "alias {{ROOT}}/;"))
		} else {
			line(g.pick("alias {{ROOT}}/c/;", "alias {{ROOT}}/a;", "alias {{ROOT}}/a/b/;", "alias {{ROOT}}/e.txt;"))
		}
	case g.chance(0.1):
		line(g.pick("root {{ROOT}}/a;", "root {{ROOT}}/c/;", "root {{ROOT}}/nonexistent;"))
	}
	if g.chance(0.2) {
		line(g.pick("index d.html index.html;", "index index.htm;", "index nothere.html /index.html;", "index e.txt;"))
	}
	if g.chance(0.07) {
		line("internal;")
	}
	if g.chance(0.3) {
		line(g.errorPage())
	}
	if g.chance(0.1) {
		line(g.pick("recursive_error_pages on;", "absolute_redirect off;", "port_in_redirect off;", "server_name_in_redirect on;"))
	}
	for n := g.r.Intn(3); n > 0 && g.chance(0.6); n-- {
		line(g.rewrite())
	}
	if g.chance(0.25) {
		line(g.ifBlock(true))
	}
	if g.chance(0.15) {
		line(g.setVar())
	}
	switch x := g.r.Intn(20); {
	case x < 7:
		line("return 200 " + g.echo() + ";")
	case x < 10:
		line(g.ret())
	case x < 15:
		line(g.tryFiles())
	}
	if depth == 0 && !exact && g.chance(0.25) {
		parent := key
		if regexLoc {
			parent = ""
		}
		for n := 1 + g.r.Intn(2); n > 0; n-- {
			g.location(b, parent, depth+1)
		}
	}
}

// site generates the server block and reqs requests.
func (g *routeGen) site(reqs int) *site {
	g.named = []string{"@fb"}
	if g.chance(0.5) {
		g.named = append(g.named, "@n2")
	}
	var b strings.Builder
	b.WriteString("    server {\n        listen 127.0.0.1:{{PORT}};\n        server_name localhost alias.test;\n")
	b.WriteString("        root {{ROOT}};\n        default_type text/plain;\n")
	line := func(s string) { b.WriteString("        " + s + "\n") }
	for _, opt := range []string{"merge_slashes off;", "absolute_redirect off;", "port_in_redirect off;",
		"server_name_in_redirect on;", "recursive_error_pages on;", "rewrite_log on;"} {
		if g.chance(0.2) {
			line(opt)
		}
	}
	if g.chance(0.3) {
		line(g.pick("index index.htm index.html;", "index e.txt;", "index nothere /echo;"))
	}
	if g.chance(0.3) {
		line(g.errorPage())
	}
	if g.chance(0.3) {
		line(g.rewrite())
	}
	if g.chance(0.2) {
		line(g.ifBlock(false))
	}
	if g.chance(0.2) {
		line(g.setVar())
	}
	for n := 3 + g.r.Intn(5); n > 0; n-- {
		g.location(&b, "", 0)
	}
	if !g.used["= /echo"] {
		g.used["= /echo"] = true
		line("location = /echo { return 200 " + g.echo() + "; }")
	}
	for _, n := range g.named {
		b.WriteString("        location " + n + " {\n")
		if g.chance(0.3) {
			line("    " + g.rewrite())
		}
		if g.chance(0.2) {
			line("    " + g.tryFiles())
		}
		line("    return 200 " + g.echo() + ";")
		b.WriteString("        }\n")
	}
	// Names used but never defined by a regex or set are defined here,
	// where they cannot match, so that the configuration stays valid.
	var extra []string
	var defs []string
	for n := range g.wanted {
		if !g.caps[n] {
			defs = append(defs, "(?<"+n+">)")
		}
	}
	for n := range g.reads {
		if !g.sets[n] {
			g.sets[n] = true
			extra = append(extra, "set $"+n+" init;")
		}
	}
	sort.Strings(defs)
	sort.Strings(extra)
	if len(defs) > 0 || len(extra) > 0 {
		line(fmt.Sprintf("location ~ ^/never/%s$ { %s return 404; }", strings.Join(defs, ""), strings.Join(extra, " ")))
	}
	b.WriteString("    }\n")
	// What the echo texts show besides the captures.
	var show []string
	for _, n := range []string{"rest", "seg", "file", "q", "cname"} {
		if g.caps[n] || g.wanted[n] {
			show = append(show, " "+n+"=[$"+n+"]")
		}
	}
	for _, n := range []string{"v1", "v2"} {
		if g.sets[n] {
			show = append(show, " "+n+"=[$"+n+"]")
		}
	}
	http := strings.ReplaceAll(b.String(), "{{EXTRA}}", strings.Join(show, ""))
	st := &site{http: http, files: routeFiles}
	for i := 0; i < reqs; i++ {
		uri, hdr := g.request()
		method := "GET"
		if g.chance(0.05) {
			method = "HEAD"
		}
		st.cases = append(st.cases, req(fmt.Sprintf("%02d %s %s", i, method, uri), method, uri, hdr...))
	}
	return st
}

var routeRequestPaths = []string{"/", "/a/", "/a", "/a/A.txt", "/a/%41.txt", "/a/x%20y.txt",
	"/a/semi;colon.txt", "/a/plus+sign.txt", "/a/b/c.txt", "/a/b/", "/a/b", "/a/b/d.html", "/b/", "/b",
	"/c/", "/c", "/c/d/e.html", "/c/d/", "/c/d/f.txt", "/dir.with.dots/f.txt", "/dir.with.dots",
	"/err/404.html", "/50x.html", "/img/p.PNG", "/img/q.png", "/img/p.png", "/x/1", "/x/2", "/x/12",
	"/old/new.txt", "/new/old.txt", "/%C3%BCber.txt", "/q%3F.txt", "/e.txt", "/echo", "/nonexist",
	"/old/x/y", "/never/", "/index.html", "/a/b/c.txt/", "/A/B.TXT", "/E.TXT"}

// request generates one request URI and its extra headers.
func (g *routeGen) request() (string, []string) {
	u := g.pick(routeRequestPaths...)
	if g.chance(0.2) {
		u = g.pick(routePrefixes...) + g.pick("", "e.txt", "z", "1/", "c.txt", "index.html")
		u = strings.ReplaceAll(u, "ü", "%C3%BC")
	}
	if g.chance(0.15) && len(u) > 1 {
		// percent-encode one letter
		i := 1 + g.r.Intn(len(u)-1)
		if c := u[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '/' {
			enc := fmt.Sprintf("%%%02X", c)
			if g.chance(0.3) {
				enc = strings.ToLower(enc)
			}
			u = u[:i] + enc + u[i+1:]
		}
	}
	if g.chance(0.12) {
		if i := strings.LastIndexByte(u, '/'); i >= 0 {
			u = u[:i] + "/" + u[i:]
		}
	}
	if g.chance(0.1) {
		u = strings.Replace(u, "/", g.pick("/./", "/a/../", "/x/..//", "/%2e/", "/.%2E/../"), 1)
	}
	if g.chance(0.05) {
		u = "/../" + u[1:]
	}
	if g.chance(0.1) && !strings.HasSuffix(u, "/") {
		u += "/"
	}
	if g.chance(0.3) {
		u += g.pick("?a=1", "?a=&b=2", "?x=%20y", "?", "?a=1&a=2", "?a=1#frag", "?v=%2F..", "?to=/e.txt", "?to=/a/b/")
	}
	var hdr []string
	if g.chance(0.15) {
		hdr = append(hdr, "Host: "+g.pick("alias.test", "ALIAS.test:8080", "other.test"))
	}
	return u, hdr
}

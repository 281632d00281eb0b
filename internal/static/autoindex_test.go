//go:build linux

package static

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

const aiMtime = 1672628645 // Mon, 02 Jan 2023 03:04:05 GMT

// autoindexTree builds the directories both servers list: names that
// exercise truncation, escaping, sorting, sizes and file kinds.
func autoindexTree(t testing.TB) string {
	root := t.TempDir()
	ai := filepath.Join(root, "ai")
	aiu := filepath.Join(root, "aiu")
	mt := time.Unix(aiMtime, 0)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	file := func(dir, name string, size int64) {
		p := filepath.Join(dir, name)
		f, err := os.Create(p)
		must(err)
		must(f.Truncate(size))
		f.Close()
		must(os.Chtimes(p, mt, mt))
	}
	mkdir := func(dir, name string) {
		p := filepath.Join(dir, name)
		must(os.MkdirAll(p, 0o755))
		must(os.Chtimes(p, mt, mt))
	}
	mkdir(root, "ai")
	mkdir(root, "aiu")
	for _, d := range []string{strings.Repeat("D", 50), strings.Repeat("F", 49), "Zdir", "subdir", "empty"} {
		mkdir(ai, d)
	}
	for name, size := range map[string]int64{
		strings.Repeat("&", 55): 0, strings.Repeat("E", 50): 0, strings.Repeat("L", 60): 0,
		"a&b<c>.txt": 3, "big12345": 12345, "ctl\x01\ttab\"q\\": 0, "g15": 1610612736,
		"m15": 1572864, "n10000": 10000, "n9999": 9999, "n10239": 10239, "n10240": 10240,
		"n1048575": 1048575, "n1048576": 1048576, "sp ace%#?.txt": 1,
		strings.Repeat("é", 20): 0, strings.Repeat("é", 60): 0, ".hidden": 0,
		"bad\xff\xfename": 2, "n!$'()*+,-.x:;=@[]^_`{|}~\x7f": 0,
	} {
		file(ai, name, size)
	}
	must(syscall.Mkfifo(filepath.Join(ai, "fifo"), 0o644))
	must(os.Chtimes(filepath.Join(ai, "fifo"), mt, mt))
	must(os.Symlink("subdir", filepath.Join(ai, "linkdir")))
	must(os.Symlink("big12345", filepath.Join(ai, "linkfile")))
	must(os.Symlink("nowhere", filepath.Join(ai, "broken")))
	must(os.Symlink("loop2", filepath.Join(ai, "loop1")))
	must(os.Symlink("loop1", filepath.Join(ai, "loop2")))

	file(aiu, strings.Repeat("é", 60), 1)
	file(aiu, strings.Repeat("ab&é", 20), 0)
	file(aiu, strings.Repeat("é", 49), 0)
	file(aiu, strings.Repeat("é", 50), 0)
	file(aiu, strings.Repeat("é", 51), 0)
	file(aiu, strings.Repeat("<é", 30), 0)
	file(aiu, "bad\xff\xfename", 0)
	file(aiu, "short\xc3", 0)
	file(aiu, strings.Repeat("\xc3\xc3", 55), 0)
	file(aiu, strings.Repeat("\xed\xa0\x80", 52), 0)
	mkdir(aiu, strings.Repeat("ü", 50))
	mkdir(aiu, strings.Repeat("ü", 49))
	mkdir(aiu, "d")
	return root
}

type aiLocation struct {
	prefix, dir, nginx string
	opt                AutoindexOptions
}

// aiZone is the time zone nginx gets through TZ for autoindex_localtime.
var aiZone = time.FixedZone("XST", 5*3600+1800)

func aiLocations() []aiLocation {
	d := DefaultAutoindexOptions
	with := func(f func(*AutoindexOptions)) AutoindexOptions { o := d; f(&o); return o }
	return []aiLocation{
		{"/ai/", "ai", "", d},
		{"/aie/", "ai", "autoindex_exact_size off;", with(func(o *AutoindexOptions) { o.ExactSize = false })},
		{"/ail/", "ai", "autoindex_localtime on;", with(func(o *AutoindexOptions) { o.Localtime = true; o.Location = aiZone })},
		{"/aij/", "ai", "autoindex_format json;", with(func(o *AutoindexOptions) { o.Format = FormatJSON })},
		{"/aijp/", "ai", "autoindex_format jsonp;", with(func(o *AutoindexOptions) { o.Format = FormatJSONP })},
		{"/aix/", "ai", "autoindex_format xml;", with(func(o *AutoindexOptions) { o.Format = FormatXML })},
		{"/aic/", "ai", "charset koi8-r;", with(func(o *AutoindexOptions) { o.Charset = "koi8-r" })},
		{"/aiu/", "aiu", "charset utf-8;", with(func(o *AutoindexOptions) { o.Charset = "utf-8" })},
		{"/aiue/", "aiu", "charset utf-8; autoindex_exact_size off;", with(func(o *AutoindexOptions) { o.Charset = "utf-8"; o.ExactSize = false })},
		{"/aiub/", "aiu", "", d},
		{"/aiujp/", "aiu", "charset utf-8; autoindex_format jsonp;", with(func(o *AutoindexOptions) { o.Charset = "utf-8"; o.Format = FormatJSONP })},
		{"/aiux/", "aiu", "charset utf-8; autoindex_format xml;", with(func(o *AutoindexOptions) { o.Format = FormatXML })},
	}
}

func aiNginxServer(root string) string {
	var b strings.Builder
	for _, l := range aiLocations() {
		fmt.Fprintf(&b, "        location %s { alias %s/%s/; autoindex on; %s }\n", l.prefix, root, l.dir, l.nginx)
	}
	return b.String()
}

// fakeAutoindex drives autoindex() directly, laying the header out as the
// engine does.
func fakeAutoindex(root string) weirFunc {
	return func(t *testing.T, c diffCase) *rawResp {
		path, args, _ := strings.Cut(c.uri, "?")
		for _, l := range aiLocations() {
			if !strings.HasPrefix(path, l.prefix) {
				continue
			}
			dir := root + "/" + l.dir + "/" + path[len(l.prefix):]
			r := &httpcore.Request{Method: c.method, Args: args}
			w := &httpcore.Response{}
			out := &fakeOut{w: w}
			status, logs := autoindex(w, out, r, dir, path, &l.opt)
			for _, e := range logs {
				t.Logf("log [%v] %s", e.Level, e.Error())
			}
			resp := &rawResp{status: status}
			if !out.sent {
				return resp
			}
			if out.ctype != "" {
				resp.header = append(resp.header, [2]string{"Content-Type", out.ctype})
			}
			resp.body = out.body.Bytes()
			return resp
		}
		panic("no location")
	}
}

func autoindexCases() []diffCase {
	var cs []diffCase
	for _, l := range aiLocations() {
		cs = append(cs, diffCase{name: "list", method: "GET", uri: l.prefix})
	}
	for _, q := range []string{"callback=foo.bar_1", "callback=a-b", "x=1&callback=", "CALLBACK=abc",
		"xcallback=zz&Callback=abc&callback=def", "callback=" + strings.Repeat("a", 128), "callback=" + strings.Repeat("a", 129)} {
		cs = append(cs, diffCase{name: "jsonp", method: "GET", uri: "/aijp/?" + q})
	}
	cs = append(cs,
		diffCase{name: "head", method: "HEAD", uri: "/ai/"},
		diffCase{name: "subdir", method: "GET", uri: "/ai/subdir/"},
		diffCase{name: "empty", method: "GET", uri: "/ai/empty/"},
		diffCase{name: "empty json", method: "GET", uri: "/aij/empty/"},
		diffCase{name: "empty jsonp", method: "GET", uri: "/aijp/empty/?callback=cb"},
		diffCase{name: "empty xml", method: "GET", uri: "/aix/empty/"},
		diffCase{name: "missing", method: "GET", uri: "/ai/nope/"},
		diffCase{name: "missing jsonp bad callback", method: "GET", uri: "/aijp/nope/?callback=a-b"},
	)
	return cs
}

// TestDifferentialAutoindex compares the listings byte for byte with the
// real nginx's.
func TestDifferentialAutoindex(t *testing.T) {
	nginxBinary(t)
	root := autoindexTree(t)
	addr := startNginx(t, aiNginxServer(root), "TZ=XST-5:30")
	runDiff(t, addr, autoindexCases(), fakeAutoindex(root))
}

func TestAutoindexErrors(t *testing.T) {
	root := autoindexTree(t)
	w := &httpcore.Response{}
	out := &fakeOut{w: w}
	status, logs := autoindex(w, out, &httpcore.Request{Method: "GET"}, root+"/nope/", "/nope/", &DefaultAutoindexOptions)
	if status != 404 || len(logs) != 1 || logs[0].Level != errlog.Error ||
		logs[0].Error() != `opendir() "`+root+`/nope" failed (2: No such file or directory)` {
		t.Fatalf("%d %v", status, logs)
	}
	opt := DefaultAutoindexOptions
	opt.Format = FormatJSONP
	status, logs = autoindex(w, out, &httpcore.Request{Method: "GET", Args: "callback=a-b"}, root+"/ai/", "/ai/", &opt)
	if status != 400 || len(logs) != 1 || logs[0].Level != errlog.Info || logs[0].Error() != `client sent invalid callback name: "a-b"` {
		t.Fatalf("%d %v", status, logs)
	}
	if out.sent {
		t.Fatal("header sent")
	}
}

func TestUTF8Length(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want int
	}{
		{"abc", 3},
		{"é", 1},
		{"ééé", 3},
		{"a€b", 3},
		{"😀", 1},
		{"\xff", 1},
		{"a\xc3", 2},        // cut short: invalid, counted in bytes
		{"\xc0\x80", 2},     // overlong
		{"\xe0\x80\x80", 3}, // overlong
		{"\xed\xa0\x80", 1}, // a surrogate passes in nginx
		{"\xc3\xc3", 1},     // any byte >= 0x80 continues: this decodes to 0xc3
		{"é\xff", 3},
	} {
		if got := utf8Length(tc.s); got != tc.want {
			t.Errorf("utf8Length(%q) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

func TestEscapes(t *testing.T) {
	if got := string(appendEscapeURIComponent(nil, "a b/é~_-.!")); got != "a%20b%2F%C3%A9~_-.%21" {
		t.Errorf("uri %q", got)
	}
	if got := string(appendEscapeHTML(nil, `<a href="x">&amp;'`)); got != "&lt;a href=&quot;x&quot;&gt;&amp;amp;'" {
		t.Errorf("html %q", got)
	}
	if got := string(appendEscapeJSON(nil, "q\"b\\\n\r\t\b\f\x01\x1f\x7f\xff")); got != `q\"b\\\n\r\t\b\f\u0001\u001F`+"\x7f\xff" {
		t.Errorf("json %q", got)
	}
}

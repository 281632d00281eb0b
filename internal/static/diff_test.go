//go:build linux

package static

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"weir/internal/httpcore"
)

// diffLocation is one location of the differential fixture, configured
// the same way on both servers.
type diffLocation struct {
	prefix   string
	nginx    string // directives inside the location block (after alias)
	opt      func(*Options)
	open     OpenOptions
	onHeader func(*httpcore.Response)
	errPage  string // error_page 404 URI
}

var diffLocations = []diffLocation{
	{prefix: "/noetag/", nginx: "etag off;", opt: func(o *Options) { o.ETag = false }},
	{prefix: "/before/", nginx: "if_modified_since before;", opt: func(o *Options) { o.IfModifiedSince = IMSBefore }},
	{prefix: "/imsoff/", nginx: "if_modified_since off;", opt: func(o *Options) { o.IfModifiedSince = IMSOff }},
	{prefix: "/mr1/", nginx: "max_ranges 1;", opt: func(o *Options) { o.MaxRanges = 1 }},
	{prefix: "/mr0/", nginx: "max_ranges 0;", opt: func(o *Options) { o.MaxRanges = 0 }},
	{prefix: "/ah/", nginx: "add_header X-A a;", onHeader: func(w *httpcore.Response) {
		switch w.Status {
		case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
			w.Header = append(w.Header, httpcore.Header{Name: "X-A", Value: "a"})
		}
	}},
	{prefix: "/ds/", nginx: "disable_symlinks on;", open: OpenOptions{DisableSymlinks: SymlinksOn}},
	{prefix: "/sf/", nginx: "sendfile on;", opt: func(o *Options) { o.Sendfile = true }},
	{prefix: "/ep/", nginx: "error_page 404 /f.txt;", errPage: "/f.txt"},
	{prefix: "/", nginx: ""},
}

// diffTree builds the files both servers serve.
func diffTree(t testing.TB) string {
	root := t.TempDir()
	writeFile(t, root, "f.txt", testBody, testMtime)
	writeFile(t, root, "empty.txt", "", testMtime)
	writeFile(t, root, "page.html", "<p>hi</p>\n", testMtime-86400*400)
	big := bytes.Repeat([]byte("0123456789abcdef"), 8192) // 128 KiB: several read buffers
	if err := os.WriteFile(filepath.Join(root, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Unix(testMtime, 0)
	os.Chtimes(filepath.Join(root, "big.bin"), mt, mt)
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f.txt", filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	return root
}

func diffNginxServer(root string) string {
	var b strings.Builder
	for _, l := range diffLocations {
		if l.prefix == "/" {
			fmt.Fprintf(&b, "        location / { root %s; }\n", root)
			continue
		}
		fmt.Fprintf(&b, "        location %s { alias %s/; %s }\n", l.prefix, root, l.nginx)
	}
	return b.String()
}

type diffCase struct {
	name   string
	method string
	uri    string
	hdr    [][2]string
}

func diffCases() []diffCase {
	const lm = testLM
	var cs []diffCase
	add := func(name, method, uri string, kv ...string) {
		var hdr [][2]string
		for i := 0; i < len(kv); i += 2 {
			hdr = append(hdr, [2]string{kv[i], kv[i+1]})
		}
		cs = append(cs, diffCase{name, method, uri, hdr})
	}
	for _, p := range []string{"/", "/sf/"} {
		add("get", "GET", p+"f.txt")
		add("head", "HEAD", p+"f.txt")
		add("html", "GET", p+"page.html")
		add("big", "GET", p+"big.bin")
		add("big range", "GET", p+"big.bin", "Range", "bytes=1000-70000")
		add("big multipart", "GET", p+"big.bin", "Range", "bytes=0-99,40000-90000,-10")
	}
	for _, spec := range []string{
		"bytes=0-4", "bytes=-3", "bytes=15-", "bytes=0-", "bytes=0-100", "bytes=19-19",
		"bytes=0-1,5-6", "bytes=0-1,5-6,10-", "bytes=5-6,0-1", "bytes=0-15,5-19", "bytes=0-9,10-19",
		"bytes=30-", "bytes=20-", "bytes=5-4", "bytes=-0", "bytes=1-x", "bytes=x", "bytes=",
		"bytes= 1 - 2 , 4 - 5", "BYTES=1-2", "bytes=1-2,", "items=1-2", "bytes=0-0,-1",
		"bytes=30-40,1-2", "bytes=99999999999999999999-", "bytes=1-2, 30-",
	} {
		add("range "+spec, "GET", "/f.txt", "Range", spec)
	}
	add("range head multipart", "HEAD", "/f.txt", "Range", "bytes=0-1,3-4")
	add("range head single", "HEAD", "/f.txt", "Range", "bytes=3-4")
	add("range empty file", "GET", "/empty.txt", "Range", "bytes=0-")
	add("range empty file past", "GET", "/empty.txt", "Range", "bytes=5-")
	add("range empty file suffix", "GET", "/empty.txt", "Range", "bytes=-5")
	for _, v := range []string{testETag, `"65e6b68c-15"`, lm, "Tue, 05 Mar 2024 06:07:09 GMT", "garbage", `W/` + testETag, "",
		"Xyz, 05 Mar 2024 06:07:08 GMT", "Tue, 05 Mxr 2024 06:07:08 GMT", "Tue, 05 Mar 2024 06:07:08 whatever",
		"Tue,    05 Mar 2024 06:07:08 GMT", "Tuesday, 05-Mar-24 06:07:08 GMT", "Tue Mar  5 06:07:08 2024",
		"Tue, 05 Mar 2024 06:07:08", "Tue, 5 Mar 2024 06:07:08 GMT", "Tue, 05 mar 2024 06:07:08 GMT"} {
		add("if-range "+v, "GET", "/f.txt", "Range", "bytes=3-4", "If-Range", v)
	}
	for _, v := range []string{lm, "Tuesday, 05-Mar-24 06:07:08 GMT", "Tue Mar  5 06:07:08 2024",
		"Tue, 05 Mar 2024 06:07:09 GMT", "Tue, 05 Mar 2024 06:07:07 GMT", "garbage"} {
		add("ims "+v, "GET", "/f.txt", "If-Modified-Since", v)
		add("ims before "+v, "GET", "/before/f.txt", "If-Modified-Since", v)
		add("ims off "+v, "GET", "/imsoff/f.txt", "If-Modified-Since", v)
		add("ius "+v, "GET", "/f.txt", "If-Unmodified-Since", v)
	}
	for _, v := range []string{testETag, "W/" + testETag, `"a", ` + testETag, `"a",` + testETag + ` , "b"`, "*", `"x"`, `"a", *`} {
		add("inm "+v, "GET", "/f.txt", "If-None-Match", v)
		add("inm noetag "+v, "GET", "/noetag/f.txt", "If-None-Match", v)
		add("inm ah "+v, "GET", "/ah/f.txt", "If-None-Match", v)
		add("im "+v, "GET", "/f.txt", "If-Match", v)
		add("im noetag "+v, "GET", "/noetag/f.txt", "If-Match", v)
	}
	add("ims and inm mismatch", "GET", "/f.txt", "If-Modified-Since", lm, "If-None-Match", `"x"`)
	add("ims later and inm match", "GET", "/f.txt", "If-Modified-Since", "Tue, 05 Mar 2024 06:07:09 GMT", "If-None-Match", testETag)
	add("imsoff and inm match", "GET", "/imsoff/f.txt", "If-Modified-Since", lm, "If-None-Match", testETag)
	add("ius ok and range", "GET", "/f.txt", "If-Unmodified-Since", lm, "Range", "bytes=1-2")
	add("inm and range", "GET", "/f.txt", "If-None-Match", testETag, "Range", "bytes=1-2")
	add("noetag if-range", "GET", "/noetag/f.txt", "Range", "bytes=3-4", "If-Range", testETag)
	add("mr1 two", "GET", "/mr1/f.txt", "Range", "bytes=1-2,4-5")
	add("mr1 one", "GET", "/mr1/f.txt", "Range", "bytes=1-2")
	add("mr0", "GET", "/mr0/f.txt", "Range", "bytes=1-2")
	add("ah get", "GET", "/ah/f.txt")
	add("ah range", "GET", "/ah/f.txt", "Range", "bytes=0-1")
	add("ah multipart", "GET", "/ah/f.txt", "Range", "bytes=0-1,4-5")
	add("ah unsatisfiable", "GET", "/ah/f.txt", "Range", "bytes=40-")
	add("ah precondition", "GET", "/ah/f.txt", "If-Match", `"zz"`)
	add("post", "POST", "/f.txt")
	add("put", "PUT", "/f.txt")
	add("delete", "DELETE", "/f.txt")
	add("missing", "GET", "/nope.txt")
	add("post missing", "POST", "/nope.txt")
	add("not a directory", "GET", "/f.txt/x")
	add("directory", "GET", "/dir")
	add("directory args", "GET", "/dir?a=1")
	add("symlink", "GET", "/link.txt")
	add("disable_symlinks", "GET", "/ds/link.txt")
	add("disable_symlinks file", "GET", "/ds/f.txt")
	add("octet-stream", "GET", "/big.bin", "Range", "bytes=0-1,3-4")
	add("error page", "GET", "/ep/nope", "Range", "bytes=1-2", "If-None-Match", "*")
	add("error page post", "POST", "/ep/nope")
	add("error page head", "HEAD", "/ep/nope")
	return cs
}

// weirFunc answers one request on weir's side.
type weirFunc func(t *testing.T, c diffCase) *rawResp

var boundaryRE = regexp.MustCompile(`[0-9]{20}`)

// engineHeaders are written by the engine or differ by nature.
var engineHeaders = map[string]bool{"server": true, "date": true, "connection": true, "keep-alive": true, "transfer-encoding": true}

func normalize(r *rawResp) (hdr []string, body string) {
	special := r.status >= 300 && r.status != 304
	for _, h := range r.header {
		name := strings.ToLower(h[0])
		if engineHeaders[name] {
			continue
		}
		if special && (name == "content-type" || name == "content-length" || name == "location") {
			continue // the caller's special response
		}
		hdr = append(hdr, h[0]+": "+boundaryRE.ReplaceAllString(h[1], "B"))
	}
	if special {
		return hdr, ""
	}
	return hdr, boundaryRE.ReplaceAllString(string(r.body), "B")
}

func runDiff(t *testing.T, addr string, cases []diffCase, weir weirFunc) {
	for _, c := range cases {
		t.Run(c.name+" "+c.uri, func(t *testing.T) {
			want := rawRequest(t, addr, c.method, c.uri, c.hdr)
			got := weir(t, c)
			if got.status != want.status {
				t.Fatalf("status %d, nginx %d", got.status, want.status)
			}
			wh, wb := normalize(want)
			gh, gb := normalize(got)
			if strings.Join(gh, "\n") != strings.Join(wh, "\n") {
				t.Errorf("header\n%s\nnginx\n%s", strings.Join(gh, "\n"), strings.Join(wh, "\n"))
			}
			if gb != wb {
				t.Errorf("body %d bytes %.200q\nnginx %d bytes %.200q", len(gb), gb, len(wb), wb)
			}
		})
	}
}

// locate applies the fixture's locations to a URI as nginx would.
func locate(root, uri string) (string, *diffLocation, Options) {
	path, _, _ := strings.Cut(uri, "?")
	for i := range diffLocations {
		l := &diffLocations[i]
		if strings.HasPrefix(path, l.prefix) {
			opt := DefaultOptions
			if l.opt != nil {
				l.opt(&opt)
			}
			switch LookupExt(path) {
			case "txt":
				opt.ContentType = "text/plain"
			case "html":
				opt.ContentType = "text/html"
			default:
				opt.ContentType = "application/octet-stream"
			}
			return root + "/" + path[len(l.prefix):], l, opt
		}
	}
	panic("no location")
}

// fakeWeir drives serveFile directly and lays the header out as the
// engine does (Content-Type, Content-Length, Last-Modified, then
// Response.Header).
func fakeWeir(root string) weirFunc {
	return func(t *testing.T, c diffCase) *rawResp {
		path, loc, opt := locate(root, c.uri)
		f, fi, oerr := Open(path, loc.open)
		if oerr != nil && oerr.Status == 404 && loc.errPage != "" {
			path, loc, opt = locate(root, loc.errPage)
			opt.ErrStatus = 404
			f, fi, oerr = Open(path, loc.open)
		}
		if oerr != nil {
			return &rawResp{status: oerr.Status}
		}
		if fi.IsDir() {
			return &rawResp{status: 301}
		}
		defer f.Close()
		var hs []httpcore.Header
		for _, h := range c.hdr {
			hs = append(hs, httpcore.Header{Name: h[0], Value: h[1]})
		}
		r := &httpcore.Request{Method: c.method, Headers: hs}
		w := &httpcore.Response{OnHeader: loc.onHeader}
		out := &fakeOut{w: w}
		status, err := serveFile(w, out, r, f, fi, &opt)
		if err != nil {
			t.Fatal(err)
		}
		resp := &rawResp{status: status}
		if !out.sent {
			for _, h := range w.Header {
				resp.header = append(resp.header, [2]string{h.Name, h.Value})
			}
			return resp
		}
		if out.ctype != "" {
			resp.header = append(resp.header, [2]string{"Content-Type", out.ctype})
		}
		if out.clen >= 0 {
			resp.header = append(resp.header, [2]string{"Content-Length", fmt.Sprint(out.clen)})
		}
		if !out.lm.IsZero() {
			resp.header = append(resp.header, [2]string{"Last-Modified", out.lm.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")})
		}
		for _, h := range out.hdr {
			resp.header = append(resp.header, [2]string{h.Name, h.Value})
		}
		if c.method != "HEAD" {
			resp.body = out.body.Bytes()
		}
		return resp
	}
}

// TestDifferentialStatic compares ServeFile with the real nginx, request
// by request, on the same files.
func TestDifferentialStatic(t *testing.T) {
	nginxBinary(t)
	root := diffTree(t)
	addr := startNginx(t, diffNginxServer(root))
	runDiff(t, addr, diffCases(), fakeWeir(root))
}

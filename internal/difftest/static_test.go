package difftest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStatic covers static files: root, alias (prefix and regex),
// index, try_files, directory redirects, types, conditional requests,
// ranges, methods, permissions and autoindex.
func TestStatic(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        index index.html index.htm;

        location / { }
        location /alias/ { alias {{ROOT}}/sub/; }
        location /alias-noslash { alias {{ROOT}}/sub; }
        location ~ ^/re-alias/(.+\.txt)$ { alias {{ROOT}}/sub/$1; }
        location /multi-index/ { index missing.html second.html; }
        location /no-index/ { index missing.html; }
        location /abs-index/ { index /target.txt; }
        location /tf/ { try_files $uri $uri/ =404; }
        location /tf-named/ { try_files $uri @tfnamed; }
        location @tfnamed { default_type text/plain; return 200 "tfnamed uri=$uri args=$args\n"; }
        location /tf-uri/ { try_files $uri /fallback.txt?from=$uri; }
        location /tf-uri-noargs/ { try_files $uri /fallback.txt; }
        location = /fallback.txt { default_type text/plain; return 200 "fallback uri=$uri args=$args\n"; }
        location /auto/ { autoindex on; }
        location /auto-html/ { autoindex on; autoindex_exact_size off; }
        location /auto-json/ { alias {{ROOT}}/auto/; autoindex on; autoindex_format json; }
        location /auto-xml/ { alias {{ROOT}}/auto/; autoindex on; autoindex_format xml; }
        location /auto-jsonp/ { alias {{ROOT}}/auto/; autoindex on; autoindex_format jsonp; }
        location /auto-local/ { alias {{ROOT}}/auto/; autoindex on; autoindex_localtime on; }
        location /types/ {
            types { text/x-custom cst; application/x-two two TWO; }
            default_type text/x-default;
        }
        location /noabs/ { absolute_redirect off; }
        location /noport/ { port_in_redirect off; }
        location /sname/ { server_name_in_redirect on; }
        location /noetag/ { etag off; }
        location /ims-before/ { if_modified_since before; }
    }`,
		files: map[string]string{
			"index.html":              "<p>root index</p>\n",
			"a.txt":                   "hello\n",
			"b.html":                  "<b>b</b>\n",
			"c.css":                   "body{}\n",
			"d.js":                    "var d;\n",
			"e.json":                  "{}\n",
			"f.JPG":                   "jpeg?\n",
			"g.unknownext":            "?\n",
			"noext":                   "no extension\n",
			"big.bin":                 big,
			"target.txt":              "absolute index target\n",
			"space name.txt":          "spaces\n",
			"sub/s.txt":               "in sub\n",
			"sub/index.html":          "<p>sub index</p>\n",
			"sub/deeper/d.txt":        "deeper\n",
			"dir/file.txt":            "dir file\n",
			"dir2/index.htm":          "<p>htm index</p>\n",
			"multi-index/second.html": "second\n",
			"no-index/x.txt":          "x\n",
			"abs-index/":              "",
			"tf/file.txt":             "tf file\n",
			"tf/dir/index.html":       "tf dir index\n",
			"tf/emptydir/":            "",
			"auto/a.txt":              "a\n",
			"auto/b b.txt":            "b\n",
			"auto/sub/":               "",
			"auto/<tag>&.txt":         "escape me\n",
			"auto/" + strings.Repeat("long", 20) + ".txt": "long\n",
			"auto-html/big.bin":                           big,
			"auto-html/small.txt":                         "small\n",
			"types/x.cst":                                 "custom\n",
			"types/y.zzz":                                 "default\n",
			"types/z.TWO":                                 "upper\n",
			"types/w.txt":                                 "not in types{}\n",
			"noabs/dir/":                                  "",
			"noport/dir/":                                 "",
			"sname/dir/":                                  "",
			"noetag/n.txt":                                "no etag\n",
			"ims-before/i.txt":                            "ims before\n",
			"secret.txt":                                  "secret\n",
			"closed/":                                     "",
		},
		setup: func(t *testing.T, root string) {
			if err := os.Chmod(filepath.Join(root, "secret.txt"), 0); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(filepath.Join(root, "closed"), 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(filepath.Join(root, "closed"), 0o755) })
		},
		cases: []tc{
			get("file", "/a.txt"),
			req("head file", "HEAD", "/a.txt"),
			get("index", "/"),
			get("index with args", "/?x=1"),
			get("explicit index", "/index.html"),
			get("html type", "/b.html"),
			get("css type", "/c.css"),
			get("js type", "/d.js"),
			get("json type", "/e.json"),
			get("upper case extension", "/f.JPG"),
			get("unknown extension", "/g.unknownext"),
			get("no extension", "/noext"),
			get("missing file", "/missing.txt"),
			get("missing dir", "/missing/"),
			get("space in name", "/space%20name.txt"),
			get("big file", "/big.bin"),
			get("alias file", "/alias/s.txt"),
			get("alias index", "/alias/"),
			get("alias deeper", "/alias/deeper/d.txt"),
			get("alias dir redirect", "/alias/deeper"),
			get("alias missing", "/alias/nope.txt"),
			get("alias without slash", "/alias-noslash/s.txt"),
			get("regex alias capture", "/re-alias/s.txt"),
			get("regex alias missing", "/re-alias/nope.txt"),
			get("second index", "/dir2/"),
			get("several index first missing", "/multi-index/"),
			get("index missing forbidden", "/no-index/"),
			get("absolute index", "/abs-index/?k=v"),
			get("dir without index", "/dir/"),
			get("dir redirect", "/dir"),
			get("dir redirect with args", "/dir?a=1&b=2"),
			req("dir redirect head", "HEAD", "/dir"),
			get("dir redirect absolute_redirect off", "/noabs/dir?x=y"),
			get("dir redirect port_in_redirect off", "/noport/dir"),
			get("dir redirect server_name_in_redirect", "/sname/dir", "Host: other.test"),
			get("dir redirect host with port", "/dir", "Host: example.com:8080"),
			raw("dir redirect http10 no host", "GET /dir HTTP/1.0\r\n\r\n"),
			get("try_files file", "/tf/file.txt"),
			get("try_files dir", "/tf/dir"),
			get("try_files dir slash", "/tf/dir/"),
			get("try_files empty dir", "/tf/emptydir/"),
			get("try_files 404", "/tf/nope"),
			get("try_files named", "/tf-named/nope?q=1"),
			get("try_files fallback uri args", "/tf-uri/nope?orig=1"),
			get("try_files fallback clears args", "/tf-uri-noargs/nope?orig=1"),
			get("types custom", "/types/x.cst"),
			get("types default_type", "/types/y.zzz"),
			get("types upper case", "/types/z.TWO"),
			get("types replaced", "/types/w.txt"),
			get("if-modified-since equal", "/a.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("if-modified-since older", "/a.txt", "If-Modified-Since: Mon, 04 Mar 2024 06:07:08 GMT"),
			get("if-modified-since newer", "/a.txt", "If-Modified-Since: Wed, 06 Mar 2024 06:07:08 GMT"),
			get("if-modified-since garbage", "/a.txt", "If-Modified-Since: yesterday"),
			get("if-modified-since before newer", "/ims-before/i.txt", "If-Modified-Since: Wed, 06 Mar 2024 06:07:08 GMT"),
			get("if-none-match equal", "/a.txt", `If-None-Match: "65e6b68c-6"`),
			get("if-none-match weak", "/a.txt", `If-None-Match: W/"65e6b68c-6"`),
			get("if-none-match list", "/a.txt", `If-None-Match: "x", "65e6b68c-6"`),
			get("if-none-match star", "/a.txt", "If-None-Match: *"),
			get("if-none-match other", "/a.txt", `If-None-Match: "nope"`),
			get("if-match fails", "/a.txt", `If-Match: "nope"`),
			get("if-unmodified-since fails", "/a.txt", "If-Unmodified-Since: Mon, 04 Mar 2024 06:07:08 GMT"),
			get("etag off", "/noetag/n.txt"),
			get("range single", "/a.txt", "Range: bytes=0-2"),
			get("range suffix", "/a.txt", "Range: bytes=-2"),
			get("range open", "/a.txt", "Range: bytes=3-"),
			get("range multi", "/a.txt", "Range: bytes=0-0,2-3"),
			get("range big multi", "/big.bin", "Range: bytes=0-99,40000-40099"),
			get("range unsatisfiable", "/a.txt", "Range: bytes=100-200"),
			get("range invalid", "/a.txt", "Range: bytes=x-y"),
			get("range with if-range etag", "/a.txt", "Range: bytes=0-1", `If-Range: "65e6b68c-6"`),
			get("range with stale if-range", "/a.txt", "Range: bytes=0-1", `If-Range: "old"`),
			req("range head", "HEAD", "/a.txt", "Range: bytes=0-2"),
			raw("post to file", "POST /a.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			req("put to file", "PUT", "/a.txt", "Content-Length: 0"),
			req("delete file", "DELETE", "/a.txt"),
			req("options", "OPTIONS", "/a.txt"),
			req("post to dir index", "POST", "/", "Content-Length: 0"),
			req("put to dir", "PUT", "/dir/", "Content-Length: 0"),
			get("unreadable file", "/secret.txt").nonRoot(),
			get("unreadable dir", "/closed/").nonRoot(),
			get("file in unreadable dir", "/closed/x.txt").nonRoot(),
			get("file as directory", "/a.txt/"),
			get("file below file", "/a.txt/more"),
			get("autoindex", "/auto/"),
			get("autoindex no slash", "/auto"),
			req("autoindex head", "HEAD", "/auto/"),
			get("autoindex sub", "/auto/sub/"),
			get("autoindex approximate sizes", "/auto-html/"),
			req("autoindex post", "POST", "/auto/", "Content-Length: 0"),
			get("autoindex json", "/auto-json/"),
			get("autoindex xml", "/auto-xml/"),
			get("autoindex jsonp", "/auto-jsonp/?callback=cb"),
			get("autoindex jsonp no callback", "/auto-jsonp/"),
			get("autoindex localtime", "/auto-local/"),
			get("autoindex missing dir", "/auto/nope/"),
		},
	})
}

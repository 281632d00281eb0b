package difftest

import (
	"strings"
	"testing"
)

// h2 marks every case as sent over HTTP/2.
func h2(cases ...tc) []tc {
	for i := range cases {
		cases[i] = cases[i].overH2()
	}
	return cases
}

// h2LogFormat logs what HTTP/2 changes in a request's variables. It
// starts like the harness's "diff" format ($status "$request"
// $body_bytes_sent) so that the body length check applies.
const h2LogFormat = `log_format h2 '$status "$request" $body_bytes_sent "$server_protocol" "$http2" "$host" ` +
	`"$http_host" "$request_uri" "$uri" "$args" "$http_cookie" "$content_length" "$http_user_agent"';`

// TestH2Static covers static files over HTTP/2: the file, HEAD,
// conditional requests, ranges, index, autoindex, errors and directory
// redirects.
func TestH2Static(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 4096) // 64 KiB
	runSite(t, &site{
		http: h2LogFormat + `
    server {
        listen 127.0.0.1:{{PORT}} http2;
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log h2;
        location / { }
        location /auto/ { autoindex on; }
        location /auto-json/ { alias {{ROOT}}/auto/; autoindex on; autoindex_format json; }
        location /noabs/ { absolute_redirect off; }
    }`,
		files: map[string]string{
			"index.html":     "<p>root index</p>\n",
			"a.txt":          "hello\n",
			"b.html":         "<b>b</b>\n",
			"big.bin":        big,
			"dir/file.txt":   "dir file\n",
			"sub/index.html": "<p>sub index</p>\n",
			"auto/a.txt":     "a\n",
			"auto/sub/":      "",
			"noabs/dir/":     "",
			"secret.txt":     "secret\n",
		},
		cases: h2(
			get("file", "/a.txt"),
			req("head file", "HEAD", "/a.txt"),
			get("html", "/b.html"),
			get("big file", "/big.bin"),
			req("head big file", "HEAD", "/big.bin"),
			get("index", "/"),
			get("index with args", "/?x=1"),
			get("sub index", "/sub/"),
			get("missing file", "/missing.txt"),
			req("head missing file", "HEAD", "/missing.txt"),
			get("dir without index", "/dir/"),
			get("dir redirect", "/dir"),
			get("dir redirect with args", "/dir?a=1&b=2"),
			req("dir redirect head", "HEAD", "/dir"),
			get("dir redirect other host", "/dir", "Host: example.com:8080"),
			get("dir redirect absolute_redirect off", "/noabs/dir?x=y"),
			get("if-none-match", "/a.txt", `If-None-Match: "65e6b68c-6"`),
			get("if-none-match other", "/a.txt", `If-None-Match: "nope"`),
			get("if-modified-since equal", "/a.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("if-modified-since older", "/a.txt", "If-Modified-Since: Mon, 04 Mar 2024 06:07:08 GMT"),
			get("if-match fails", "/a.txt", `If-Match: "nope"`),
			get("range single", "/a.txt", "Range: bytes=0-2"),
			get("range suffix", "/a.txt", "Range: bytes=-2"),
			get("range multi", "/a.txt", "Range: bytes=0-0,2-3"),
			get("range big multi", "/big.bin", "Range: bytes=0-99,40000-40099"),
			get("range unsatisfiable", "/a.txt", "Range: bytes=100-200"),
			req("range head", "HEAD", "/a.txt", "Range: bytes=0-2"),
			postBody("post to file", "/a.txt", "abc"),
			req("delete file", "DELETE", "/a.txt"),
			get("autoindex", "/auto/"),
			get("autoindex no slash", "/auto"),
			req("autoindex head", "HEAD", "/auto/"),
			get("autoindex json", "/auto-json/"),
			get("file as directory", "/a.txt/"),
		),
	})
}

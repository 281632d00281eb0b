package difftest

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestGzip compares the gzip filter (ngx_http_gzip_header_filter and
// ngx_http_gzip_ok): which responses are compressed, the headers that
// change, gzip_vary, and every content source. Bodies are compared
// decompressed (decodedBody).
func TestGzip(t *testing.T) {
	big := strings.Repeat("<p>hello gzip, hello world</p>", 40) + "\n"
	ae := "Accept-Encoding: gzip"
	runSite(t, &site{
		http: `
    log_format gz '$status "$request" "$sent_http_content_encoding" "$sent_http_vary" $gzip_ratio_set';
    map $gzip_ratio $gzip_ratio_set { "" none; default set; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gz;
        gzip on;
        gzip_types text/plain application/json;
        location / { }
        location /vary/ { gzip_vary on; }
        location /min/ { gzip_min_length 10k; }
        location /off/ { gzip off; }
        location /star/ { gzip_types *; }
        location /h10/ { gzip_http_version 1.0; }
        location /ret { return 200 "` + strings.Repeat("returned text ", 20) + `\n"; }
        location /ret404 { gzip_vary on; return 404; }
        location /ret403 { return 403; }
        location /ret500 { return 500; }
        location /redir { return 302 /x; }
        location /dis/ { gzip_disable "curl|wget"; gzip_vary on; }
        location /msie/ { gzip_disable msie6; }
        location /exp/ { expires 1h; gzip_proxied expired; }
        location /expneg/ { expires -1h; gzip_proxied expired; }
        location /pany/ { gzip_proxied any; }
        location /pauth/ { gzip_proxied auth; }
        location /pnolm/ { gzip_proxied no_last_modified; }
        location /pnoetag/ { gzip_proxied no_etag; etag off; }
        location /pcc/ { add_header Cache-Control "max-age=0, private"; gzip_proxied private; }
        location /pcc2/ { add_header Cache-Control "no-cache=foo"; gzip_proxied no-cache; }
        location /ce/ { add_header Content-Encoding br; }
        location /p/ { proxy_pass http://127.0.0.1:{{PORT2}}/; gzip_vary on; }
        location /pnb/ { proxy_pass http://127.0.0.1:{{PORT2}}/; proxy_buffering off; }
        location /pfr/ { proxy_pass http://127.0.0.1:{{PORT2}}/; proxy_force_ranges on; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        root {{ROOT}};
        access_log off;
        log_not_found off;
        location /etag-unquoted { add_header ETag abc; return 200 "` + strings.Repeat("unquoted etag ", 10) + `"; }
        location /etag-weak { add_header ETag 'W/"x"'; return 200 "` + strings.Repeat("weak etag here ", 10) + `"; }
        location /ce { add_header Content-Encoding identity; return 200 "` + strings.Repeat("encoded ", 10) + `"; }
    }
`,
		files: map[string]string{
			"big.html":         big,
			"small.html":       "<p>tiny</p>",
			"data.json":        `{"a":"` + strings.Repeat("x", 200) + `"}`,
			"style.css":        strings.Repeat("body { color: red }\n", 50),
			"vary/big.html":    big,
			"vary/style.css":   strings.Repeat("body { color: red }\n", 50),
			"vary/small.html":  "<p>tiny</p>",
			"min/big.html":     big,
			"off/big.html":     big,
			"star/style.css":   strings.Repeat("body { color: red }\n", 50),
			"h10/big.html":     big,
			"dis/big.html":     big,
			"msie/big.html":    big,
			"exp/big.html":     big,
			"expneg/big.html":  big,
			"pany/big.html":    big,
			"pauth/big.html":   big,
			"pnolm/big.html":   big,
			"pnoetag/big.html": big,
			"pcc/big.html":     big,
			"pcc2/big.html":    big,
			"ce/big.html":      big,
		},
		cases: []tc{
			get("no accept-encoding", "/big.html"),
			get("gzip", "/big.html", ae),
			get("gzip deflate", "/big.html", "Accept-Encoding: gzip, deflate"),
			get("deflate gzip", "/big.html", "Accept-Encoding: deflate, gzip"),
			get("GZIP upper", "/big.html", "Accept-Encoding: GZIP"),
			get("x-gzip", "/big.html", "Accept-Encoding: x-gzip"),
			get("gzipx", "/big.html", "Accept-Encoding: gzipx"),
			get("gzip q0", "/big.html", "Accept-Encoding: gzip;q=0"),
			get("gzip q0.0", "/big.html", "Accept-Encoding: gzip;q=0.0, deflate"),
			get("gzip q0.5", "/big.html", "Accept-Encoding: gzip; q=0.5"),
			get("gzip q1.5", "/big.html", "Accept-Encoding: gzip;q=1.5"),
			get("gzip q=0.001", "/big.html", "Accept-Encoding: gzip;q=0.001"),
			get("gzip q bad", "/big.html", "Accept-Encoding: gzip;q=x"),
			get("gzip level", "/big.html", "Accept-Encoding: gzip;level=1"),
			get("gzip star", "/big.html", "Accept-Encoding: *"),
			get("second gzip token", "/big.html", "Accept-Encoding: br, xgzip, gzip"),
			get("two headers", "/big.html", "Accept-Encoding: br", "Accept-Encoding: gzip"),
			get("range", "/big.html", ae, "Range: bytes=0-9"),
			get("range no gzip", "/big.html", "Range: bytes=0-9"),
			get("if-none-match", "/big.html", ae, `If-None-Match: "65e6b6c4-3070"`),
			req("head", "HEAD", "/big.html", ae),
			get("small", "/small.html", ae),
			get("json", "/data.json", ae),
			get("css not in types", "/style.css", ae),
			get("vary css", "/vary/style.css", ae),
			get("vary small", "/vary/small.html", ae),
			get("vary no ae", "/vary/big.html"),
			get("vary gzip", "/vary/big.html", ae),
			get("vary 404", "/vary/missing.html", ae),
			get("min length", "/min/big.html", ae),
			get("off", "/off/big.html", ae),
			get("star types", "/star/style.css", ae),
			get("404 page", "/missing", ae),
			get("return", "/ret", ae),
			get("return 404", "/ret404", ae),
			get("return 403", "/ret403", ae),
			get("return 500", "/ret500", ae),
			get("redirect", "/redir", ae),
			{name: "http/1.0", req: "GET /big.html HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"},
			{name: "http/1.0 allowed", req: "GET /h10/big.html HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"},
			get("disable match", "/dis/big.html", ae, "User-Agent: curl/8"),
			get("disable no match", "/dis/big.html", ae, "User-Agent: Mozilla"),
			get("msie6", "/msie/big.html", ae, "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"),
			get("msie6 sv1", "/msie/big.html", ae, "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"),
			get("msie7", "/msie/big.html", ae, "User-Agent: Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1)"),
			get("via off", "/big.html", ae, "Via: 1.1 proxy"),
			get("via any", "/pany/big.html", ae, "Via: 1.1 proxy"),
			get("via auth none", "/pauth/big.html", ae, "Via: 1.1 proxy"),
			get("via auth", "/pauth/big.html", ae, "Via: 1.1 proxy", "Authorization: Basic eDp5"),
			get("via expired", "/exp/big.html", ae, "Via: 1.1 proxy"),
			get("via expired neg", "/expneg/big.html", ae, "Via: 1.1 proxy"),
			get("via no_last_modified", "/pnolm/big.html", ae, "Via: 1.1 proxy"),
			get("via no_etag", "/pnoetag/big.html", ae, "Via: 1.1 proxy"),
			get("via private", "/pcc/big.html", ae, "Via: 1.1 proxy"),
			get("via no-cache=", "/pcc2/big.html", ae, "Via: 1.1 proxy"),
			get("content-encoding set", "/ce/big.html", ae),
			get("proxied", "/p/big.html", ae),
			get("proxied no ae", "/p/big.html"),
			get("proxied unquoted etag", "/p/etag-unquoted", ae),
			get("proxied weak etag", "/p/etag-weak", ae),
			get("proxied content-encoding", "/p/ce", ae),
			get("proxied 404", "/p/nothere", ae),
			get("proxy unbuffered", "/pnb/big.html", ae),
			get("proxy force ranges", "/pfr/big.html", ae, "Range: bytes=0-9"),
		},
	})
}

// gzipped returns s compressed, for the .gz files of gzip_static.
func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

// TestGzipStatic compares ngx_http_gzip_static_module: the .gz file
// sent for a client that takes gzip (any client with "always"), with the
// original's type and the .gz file's ETag and Last-Modified; a missing
// .gz, a directory .gz, index files, ranges and conditional requests.
func TestGzipStatic(t *testing.T) {
	page := strings.Repeat("<p>static gzip page</p>", 30) + "\n"
	ae := "Accept-Encoding: gzip"
	runSite(t, &site{
		http: `
    log_format gzs '$status "$request" "$sent_http_content_encoding" "$sent_http_vary" "$server_protocol"';
    server {
        listen 127.0.0.1:{{PORT2}} http2;
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gzs;
        gzip_static on;
        gzip on;
        gzip_vary on;
        location /ret { return 200 "` + page + `"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gzs;
        gzip_static on;
        location / { }
        location /always/ { gzip_static always; }
        location /vary/ { gzip_vary on; }
        location /both/ { gzip on; gzip_vary on; }
        location /hdr/ { add_header X-A a; expires 1h; }
    }
`,
		files: map[string]string{
			"a.html":            page,
			"a.html.gz":         gzipped(page),
			"plain.txt":         page,
			"only.css.gz":       gzipped(page),
			"dir/index.html":    page,
			"dir/index.html.gz": gzipped(page),
			"d.html":            page,
			"d.html.gz/":        "",
			"always/a.html":     page,
			"always/a.html.gz":  gzipped(page),
			"vary/a.html":       page,
			"vary/a.html.gz":    gzipped(page),
			"vary/b.html":       page,
			"both/a.html":       page,
			"both/a.html.gz":    gzipped(page),
			"both/b.html":       page,
			"hdr/a.html":        page,
			"hdr/a.html.gz":     gzipped(page),
		},
		setup: func(t *testing.T, root string) {
			// the .gz differs in time from the original
			old := mtime.Add(-time.Hour)
			os.Chtimes(filepath.Join(root, "a.html.gz"), old, old)
		},
		cases: []tc{
			get("gz", "/a.html", ae),
			get("no ae", "/a.html"),
			get("q0", "/a.html", "Accept-Encoding: gzip;q=0"),
			req("head", "HEAD", "/a.html", ae),
			get("range", "/a.html", ae, "Range: bytes=0-9"),
			get("inm", "/a.html", ae, `If-None-Match: "65e6a87c-`+strconv.FormatInt(int64(len(gzipped(page))), 16)+`"`),
			get("no gz file", "/plain.txt", ae),
			get("only gz", "/only.css", ae),
			get("only gz no ae", "/only.css"),
			get("index", "/dir/", ae),
			get("gz is dir", "/d.html", ae),
			req("post", "POST", "/a.html", ae),
			get("always no ae", "/always/a.html"),
			get("vary no ae", "/vary/a.html"),
			get("vary gz", "/vary/a.html", ae),
			get("vary no gz file", "/vary/b.html", ae),
			get("both", "/both/a.html", ae),
			get("both no ae", "/both/a.html"),
			get("both filter", "/both/b.html", ae),
			get("headers", "/hdr/a.html", ae),
			get("via", "/a.html", ae, "Via: 1.1 p"),
			get("http/1.0", "/a.html", ae, "Connection: keep-alive"),
			{name: "http/1.0 request", req: "GET /a.html HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"},
			{name: "h2 static", port: 1, req: "GET /a.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n", h2: true},
			{name: "h2 filter", port: 1, req: "GET /plain.txt HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n", h2: true},
			{name: "h2 return", port: 1, req: "GET /ret HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n", h2: true},
			{name: "h2 no ae", port: 1, req: "GET /ret HTTP/1.1\r\nHost: localhost\r\n\r\n", h2: true},
		},
	})
}

// TestGzipFastCGI compares the gzip filter on FastCGI answers, buffered
// and unbuffered, with PHP's own Content-Encoding and Vary.
func TestGzipFastCGI(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	ae := "Accept-Encoding: gzip"
	runSite(t, &site{
		files: map[string]string{
			"g.php":  `<?php echo str_repeat("<p>from php</p>", 50), "\n"; flush(); echo str_repeat("<p>more</p>", 50), "\n";`,
			"ce.php": `<?php header("Content-Encoding: identity"); echo str_repeat("<p>x</p>", 50);`,
			"j.php":  `<?php header("Content-Type: application/json"); echo "{\"a\": \"", str_repeat("y", 100), "\"}";`,
			"s.php":  `<?php echo "short";`,
			"e.php":  `<?php http_response_code(404); echo str_repeat("<p>gone</p>", 20);`,
			"r.php":  `<?php http_response_code(500); echo str_repeat("<p>err</p>", 20);`,
		},
		backends: func(*testing.T, string) []string { return []string{fpm} },
		http: `
    log_format gzf '$status "$request" "$sent_http_content_encoding"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log gzf;
        gzip on;
        gzip_vary on;
        gzip_types application/json;
        location ~ \.php$ { ` + fcgiParams + ` fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name; fastcgi_pass {{B0}}; }
        location /nb/ { ` + fcgiParams + ` fastcgi_param SCRIPT_FILENAME $document_root/g.php; fastcgi_buffering off; fastcgi_pass {{B0}}; }
    }
`,
		cases: []tc{
			get("php", "/g.php", ae),
			get("php no ae", "/g.php"),
			get("php unbuffered", "/nb/x", ae),
			get("php ce", "/ce.php", ae),
			get("php json", "/j.php", ae),
			get("php short", "/s.php", ae),
			get("php 404", "/e.php", ae),
			get("php 500", "/r.php", ae),
			req("php head", "HEAD", "/g.php", ae),
		},
	})
}

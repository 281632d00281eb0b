package difftest

import (
	"strings"
	"testing"
)

// charsetMaps are small charset_map blocks, the same text for both
// servers (the shipped koi-utf, win-utf and koi-win differ from nginx's).
const charsetMaps = `
    charset_map koi8-r utf-8 { C1 D0B0; C2 D0B1; E1 D090; A3 D191; }
    charset_map windows-1251 utf-8 { E0 D0B0; E1 D0B1; C0 D090; }
    charset_map koi8-r windows-1251 { C1 E0; C2 E1; E1 C0; }
`

// TestCharset compares the charset filter: the charset named on the
// types of charset_types (not on redirects), charset variables, an
// upstream's charset with override_charset, X-Accel-Charset, and the
// recoding between single-byte charsets and to and from UTF-8.
func TestCharset(t *testing.T) {
	koi := "<p>\xc1\xc2\xe1\xa3 \xd5 plain</p>\n"
	utf := "<p>\u0430\u0431\u0410 \u20ac \xff\xc3 \xe2\x82 \U0001F600 end</p>\n"
	runSite(t, &site{
		errorLevel: "error",
		http: charsetMaps + `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        charset utf-8;
        location / { }
        location /types/ { charset_types text/css; }
        location /star/ { charset_types *; }
        location /off/ { charset off; }
        location /var/ { charset $arg_cs; }
        location /ret { return 200 "text\n"; }
        location /r301 { return 301 /x; }
        location /r302 { return 302 /x; }
        location /r307 { return 307 /x; }
        location /koi/ { source_charset koi8-r; }
        location /koiwin/ { charset windows-1251; source_charset koi8-r; }
        location /utf/ { charset windows-1251; source_charset utf-8; }
        location /same/ { charset UTF-8; source_charset utf-8; }
        location /unknown/ { charset iso-8859-5; source_charset $arg_src; }
        location /p/ { proxy_pass http://127.0.0.1:{{PORT2}}/; }
        location /po/ { override_charset on; proxy_pass http://127.0.0.1:{{PORT2}}/; }
        location /pn/ { charset off; proxy_pass http://127.0.0.1:{{PORT2}}/; }
        location /pi/ { charset off; proxy_ignore_headers X-Accel-Charset; proxy_pass http://127.0.0.1:{{PORT2}}/; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        root {{ROOT}};
        access_log off;
        location /ckoi { default_type "text/html; charset=koi8-r"; return 200 "` + koi + `"; }
        location /cq { add_header X-Q 1; default_type "text/html; charset=\"windows-1251\""; return 200 "\xe0\xe1\n"; }
        location /cparam { default_type "text/html; q=1"; return 200 "x\n"; }
        location /xa { add_header X-Accel-Charset koi8-r; default_type text/html; return 200 "` + koi + `"; }
        location /xu { add_header X-Accel-Charset bogus; default_type text/html; return 200 "x\n"; }
        location /png { default_type image/png; return 200 "x"; }
    }
`,
		files: map[string]string{
			"a.html":         "<p>hi</p>\n",
			"a.txt":          "hi\n",
			"a.css":          "p{}\n",
			"a.png":          "png",
			"a.js":           "var a;\n",
			"types/a.css":    "p{}\n",
			"star/a.png":     "png",
			"off/a.html":     "<p>hi</p>\n",
			"var/a.html":     "<p>hi</p>\n",
			"koi/a.html":     koi,
			"koi/a.css":      koi,
			"koiwin/a.html":  koi,
			"utf/a.html":     utf,
			"same/a.html":    utf,
			"unknown/a.html": "<p>hi</p>\n",
		},
		cases: []tc{
			get("html", "/a.html"),
			get("txt", "/a.txt"),
			get("css", "/a.css"),
			get("js", "/a.js"),
			get("png", "/a.png"),
			get("types css", "/types/a.css"),
			get("types html still", "/types/a.html"),
			get("star png", "/star/a.png"),
			get("off", "/off/a.html"),
			get("var", "/var/a.html?cs=koi8-r"),
			get("var unknown name", "/var/a.html?cs=foo"),
			get("404", "/missing.html"),
			get("return", "/ret"),
			get("301", "/r301"),
			get("302", "/r302"),
			get("307", "/r307"),
			get("304", "/a.html", `If-None-Match: "65e6b6c4-a"`),
			get("range", "/a.html", "Range: bytes=0-3"),
			req("head", "HEAD", "/a.html"),
			get("koi to utf", "/koi/a.html"),
			get("koi to utf range", "/koi/a.html", "Range: bytes=0-4"),
			get("koi css not in types", "/koi/a.css"),
			get("koi to win", "/koiwin/a.html"),
			get("koi to win range", "/koiwin/a.html", "Range: bytes=3-5"),
			get("utf to win", "/utf/a.html"),
			get("same", "/same/a.html"),
			get("no map", "/unknown/a.html?src=koi8-r"),
			get("no map unknown", "/unknown/a.html?src=x"),
			get("proxied charset kept", "/p/ckoi"),
			get("proxied override", "/po/ckoi"),
			get("proxied quoted", "/po/cq"),
			get("proxied other param", "/p/cparam"),
			get("proxied png", "/p/png"),
			get("x-accel-charset", "/pn/xa"),
			get("x-accel-charset unknown", "/pn/xu"),
			get("x-accel-charset ignored", "/pi/xa"),
			{name: "http/1.0 recode", req: "GET /koi/a.html HTTP/1.0\r\n\r\n"},
		},
	})
}

// TestSubFilter compares ngx_http_sub_filter_module: one and several
// strings, caseless matching, sub_filter_once, variables in the
// replacement and in the search string, types, the headers it drops,
// error pages, proxied bodies that arrive in pieces (a match across two
// reads) and gzip after it.
func TestSubFilter(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 256) // 4k
	piece := long[:4090] + "NEEDLE" + long + "needle-end"
	runSite(t, &site{
		errorLevel: "error",
		http: `
    log_format bf '$status "$request" "$uri" "$sent_http_content_type"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log bf;
        sub_filter foo bar;
        location / { }
        location /all/ { sub_filter_once off; }
        location /multi/ { sub_filter_once off; sub_filter ab X; sub_filter abc Y; sub_filter b Z; }
        location /multionce/ { sub_filter ab X; sub_filter cd "[$uri]"; }
        location /var/ { sub_filter_once off; sub_filter $arg_s "<$arg_r>"; }
        location /types/ { sub_filter_types text/plain; }
        location /star/ { sub_filter_types *; }
        location /lm/ { sub_filter_last_modified on; }
        location /err/ { sub_filter_once off; sub_filter "</center>" "!</center>"; }
        location /nginx/ { sub_filter_once off; sub_filter "<hr>" "<hr/>"; return 404; }
        location /ret { sub_filter_once off; sub_filter ret RET; return 200 "ret ret\n"; }
        location /p/ { sub_filter_once off; sub_filter needle N; proxy_buffering off; proxy_pass http://127.0.0.1:{{PORT2}}/; }
        location /pb/ { sub_filter_once off; sub_filter needle N; proxy_buffer_size 1k; proxy_buffers 4 1k; proxy_pass http://127.0.0.1:{{PORT2}}/; }
        location /gz/ { gzip on; gzip_min_length 1; sub_filter_once off; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        root {{ROOT}};
        access_log off;
    }
`,
		files: map[string]string{
			"a.html":           "<p>foo Foo FOO foo</p>\n",
			"a.txt":            "foo foo\n",
			"empty.html":       "",
			"all/a.html":       "<p>foo Foo fOo xfooy fofoo</p>\n",
			"multi/a.html":     "abc abcd ab b bab zzz\n",
			"multionce/a.html": "cd ab cd ab\n",
			"var/a.html":       "one two three two\n",
			"types/a.txt":      "foo foo\n",
			"types/a.html":     "foo foo\n",
			"star/a.png":       "foo",
			"lm/a.html":        "foo\n",
			"gz/a.html":        strings.Repeat("foo bar baz ", 50),
			"big.html":         piece,
		},
		cases: []tc{
			get("once", "/a.html"),
			get("txt not in types", "/a.txt"),
			get("empty file", "/empty.html"),
			get("all", "/all/a.html"),
			get("multi", "/multi/a.html"),
			get("multi once", "/multionce/a.html"),
			get("var", "/var/a.html?s=TWO&r=2"),
			get("var empty search", "/var/a.html?r=2"),
			get("types txt", "/types/a.txt"),
			get("types html", "/types/a.html"),
			get("star png", "/star/a.png"),
			get("last modified", "/lm/a.html"),
			get("range", "/a.html", "Range: bytes=0-3"),
			get("304", "/a.html", `If-None-Match: "65e6b6c4-17"`),
			req("head", "HEAD", "/a.html"),
			get("404 page", "/err/missing"),
			get("return 404", "/nginx/x"),
			get("return", "/ret"),
			get("proxied unbuffered", "/p/big.html"),
			get("proxied small buffers", "/pb/big.html"),
			get("gzip", "/gz/a.html", "Accept-Encoding: gzip"),
			{name: "http/1.0", req: "GET /a.html HTTP/1.0\r\n\r\n"},
		},
	})
}

// TestAddTrailer compares add_trailer: trailers on chunked HTTP/1.1
// answers (a known length becomes chunked), only for the statuses
// add_header takes unless "always", none for HTTP/1.0 or HEAD, an empty
// value left out.
func TestAddTrailer(t *testing.T) {
	runSite(t, &site{
		errorLevel: "error",
		http: `
    log_format bf '$status "$request" "$uri" "$sent_http_content_type"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log bf;
        add_trailer X-Uri $uri;
        add_trailer X-Empty $arg_none;
        location / { }
        location /always/ { add_trailer X-A "a $status" always; add_trailer X-B b; }
        location /ret { return 200 "text\n"; }
        location /r404 { return 404; }
        location /r302 { return 302 /x; }
        location /none/ { add_trailer X-E $arg_e; }
        location /sub/ { sub_filter a b; add_trailer X-S s; }
    }
`,
		files: map[string]string{
			"a.html":        "<p>hi</p>\n",
			"always/a.html": "<p>hi</p>\n",
			"none/a.html":   "<p>hi</p>\n",
			"sub/a.html":    "aaa\n",
		},
		cases: []tc{
			get("static", "/a.html"),
			get("return", "/ret"),
			get("404", "/missing"),
			get("return 404", "/r404"),
			get("302", "/r302"),
			get("always 200", "/always/a.html"),
			get("always 404", "/always/missing"),
			get("empty value", "/none/a.html"),
			get("value", "/none/a.html?e=1"),
			get("sub", "/sub/a.html"),
			get("304", "/a.html", `If-None-Match: "65e6b6c4-a"`),
			req("head", "HEAD", "/a.html"),
			{name: "http/1.0", req: "GET /a.html HTTP/1.0\r\n\r\n"},
		},
	})
}

package difftest

import (
	"net"
	"testing"
	"time"
)

// ssiHTTP is the configuration of TestSSI; B0 is a backend that sends an
// SSI page in pieces cut inside commands (ssiPieces). $body_bytes_sent in
// the access log pins the chunks: nginx sends the text before an include,
// each include's output and the text after as chunks of their own.
const ssiHTTP = `
    log_format ssi '$status "$request" $body_bytes_sent "$uri" "$args" $request_method';
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log ssi;
        ssi on;
        location /p { return 200 "ret\n"; }
        location /e { return 204; }
        location /r { return 302 /x; }
        location /silent/ { ssi_silent_errors on; }
        location /lm/ { ssi_last_modified on; }
        location /types/ { ssi_types text/plain; }
        location /off/ { ssi off; }
        location /short/ { ssi_value_length 8; }
        location /px/ { proxy_pass http://{{B0}}; }
        location /setv { set $sv "from-set"; return 200 "setv\n"; }
        location /add/ { add_before_body /hdr.html; add_after_body /ftr.html; }
        location /addb/ { add_before_body /hdr.html; }
        location /adda/ { add_after_body /missing.html; }
        location /addtypes/ { add_after_body /ftr.html; addition_types text/plain; }
        location /addret/ { add_before_body /hdr.html; return 200 "body\n"; }
        location /add404/ { add_before_body /hdr.html; }
        location /addssi/ { add_before_body /inc/echo.html; }
    }`

var ssiFiles = map[string]string{
	"index.html": `A<!--# include virtual="/inc/a.html" -->B<!--# include virtual="/missing" -->C<!--# echo var="uri" -->D` +
		`<!--# echo var="nope" -->E<!--# echo var="nope" default="dd" -->F<!--# foo -->G` +
		`<!--# set var="x" value="<b>&$uri" --><!--# echo var="x" --><!--# echo var="x" encoding="url" -->` +
		`<!--# echo var="x" encoding="none" -->H<!--# echo var="x" -->` + "\n" +
		`<!--# if expr="$x = /(b)>/" -->yes $1=<!--# echo var="1" --><!--# else -->no<!--# endif -->` + "\n" +
		`<!--# include virtual="/p" -->|<!--# include file="inc/a.html" -->|` + "\n",
	"inc/a.html":    "inc-a\n",
	"inc/echo.html": `echo:<!--# echo var="uri" -->` + "\n",
	"nest.html":     `nest:<!--# echo var="uri" -->:<!--# set var="x" value="fromnest" -->`,
	"stub.html": `<!--# block name="one" -->STUB<!--# echo var="uri" --><!--# endblock -->[<!--# include virtual="/missing" stub="one" -->]` +
		`[<!--# include virtual="/inc/a.html" stub="one" -->][<!--# include virtual="/e" stub="one" -->][<!--# include virtual="/r" stub="one" -->]` + "\n" +
		`[<!--# include virtual="/p" set="v" --><!--# echo var="v" -->][<!--# include virtual="/missing" set="w" --><!--# echo var="w" -->]` + "\n" +
		`[<!--# include virtual="/nest.html" --><!--# echo var="x" -->][<!--# include virtual="/p" wait="yes" -->][<!--# include virtual="/p" wait="No" -->]` + "\n" +
		`[<!--# include virtual="/setv" --><!--# echo var="sv" -->][<!--# include virtual="/p?a=1&b=2" -->]` + "\n",
	"errors.html": `[<!--# include virtual="/p" wait="maybe" -->][<!--# include file="/inc/a.html" wait="yes" -->]` + "\n" +
		`[<!--# include virtual="../x" -->][<!--# include -->][<!--# include virtual="/p" file="/p" -->][<!--# include virtual="/p" set="a" stub="b" -->]` + "\n" +
		`[<!--# include virtual="/p" stub="none" -->][<!--# else -->][<!--# endif -->][<!--# elif expr="1" -->]` + "\n" +
		`[<!--# if expr="1" --><!--# if expr="2" -->in<!--# endif -->]` + "\n" +
		`[<!--# config errmsg="ERR" --><!--# bad --><!--# echo var="x" bad="1" --><!--# echo -->]` + "\n" +
		`[<!--# echo var="x" var="y" --><!--# echo var="x" encoding="b64" --><!--# set var="a" -->]` + "\n" +
		`[<!--# echo var -->][<!--# echo var x -->][<!--# echo var=x -->][<!--# echo var="x"x -->][<!--# echo var="x" -x-->]` + "\n" +
		`[<!--# abcdefghijabcdefghijabcdefghijabc --><!--# echo abcdefghijabcdefghijabcdefghijabc="1" -->]` + "\n" +
		`[<!--# set var="a" value="$" --><!--# set var="a" value="${uri" --><!--# set var="a" value="${}" -->]` + "\n" +
		`[<!--# if expr="$uri = /(/" -->x<!--# endif --><!--# if expr="$uri ~ x" -->x<!--# endif --><!--# if expr="$uri = /x" -->x<!--# endif -->]` + "\n" +
		`[<!--# echo var="x" a="1" b="2" c="3" d="4" e="5" f="6" g="7" h="8" i="9" j="10" k="11" l="12" m="13" n="14" o="15" p="16" q="17" -->]` + "\n" +
		`[<!--#-->][<!--#  -- >][<!-- # echo var="uri" -->][<!--#echo var="uri"-->][<!--# echo var='uri' -->]` + "\n",
	"expr.html": `<!--# set var="a" value="Hello" --><!--# set var="b" value="\$a \" \x \\" --><!--# echo var="b" encoding="none" -->` + "\n" +
		`<!--# if expr="$a" -->1<!--# endif --><!--# if expr="$none" -->2<!--# else -->3<!--# endif -->` + "\n" +
		`<!--# if expr="$a = Hello" -->4<!--# endif --><!--# if expr="$a != Hello" -->5<!--# elif expr="$a = /^H(?<rest>.*)o$/" -->6<!--# echo var="rest" --><!--# else -->7<!--# endif -->` + "\n" +
		`<!--# if expr="$A = /L/" -->8<!--# else -->9<!--# endif --><!--# if expr="$a = \/x" -->10<!--# endif --><!--# if expr="${a}x = Hellox" -->11<!--# endif -->` + "\n" +
		`<!--# if expr="0" -->no<!--# if expr="1" -->nested<!--# endif -->after<!--# endif -->` + "\n" +
		`<!--# if expr="$a = /(x)?(H)/" -->[<!--# echo var="0" -->][<!--# echo var="1" -->][<!--# echo var="2" -->][<!--# echo var="3" -->]<!--# endif -->` + "\n" +
		`<!--# echo var="a" encoding="url" --><!--# echo var="uri" -->|<!--# echo var="date_gmt" encoding="none" -->|` +
		`<!--# config timefmt="%Y" --><!--# echo var="date_gmt" -->|<!--# echo var="http_host" -->|<!--# echo var="arg_q" -->` + "\n",
	"partial.html":        "text<!-- plain comment --><<!<!-<!--<!--# echo var=\"uri\" -->end<!-",
	"unfinished.html":     "text<!--# echo var=\"uri\" ",
	"empty.html":          "",
	"urlenc.html":         `<!--# echo var="arg_v" encoding="url" -->` + "\n",
	"silent/index.html":   `a<!--# bad -->b<!--# echo var="uri" -->` + "\n",
	"lm/index.html":       `lm<!--# echo var="uri" -->` + "\n",
	"types/f.txt":         `txt<!--# echo var="uri" -->` + "\n",
	"types/f.html":        `html<!--# echo var="uri" -->` + "\n",
	"off/index.html":      `off<!--# echo var="uri" -->` + "\n",
	"short/index.html":    `<!--# echo var="12345678" --><!--# echo var="123456789" -->` + "\n",
	"hdr.html":            "HEADER\n",
	"ftr.html":            "FOOTER\n",
	"add/index.html":      "add body\n",
	"add/f.txt":           "text body\n",
	"add/empty.html":      "",
	"addb/index.html":     "addb body\n",
	"adda/index.html":     "adda body\n",
	"addtypes/f.txt":      "text\n",
	"addtypes/index.html": "html\n",
	"addssi/index.html":   `main <!--# echo var="uri" -->` + "\n",
}

// ssiPieces is the proxied page of TestSSI, written in these pieces.
var ssiPieces = []string{
	"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 95\r\nLast-Modified: Tue, 05 Mar 2024 06:07:08 GMT\r\nETag: \"abc\"\r\n\r\n",
	"up:<", "!-", "-# ech", `o var="u`, `ri" -`, "-><!--# include virtual=\"/p\" -->", "<!--", "#", ` set var="y" value="v" `,
	`--><!--# echo var="y" -->`, "[<", "x]<!-", "-#",
}

// ssiBackend serves ssiPieces on every connection.
func ssiBackend(t *testing.T, _ string) []string {
	return headBackend(t, func(c net.Conn) {
		for _, p := range ssiPieces {
			c.Write([]byte(p))
			time.Sleep(30 * time.Millisecond)
		}
	})
}

// TestSSI compares the ssi filter with nginx: include virtual (in order,
// a missing one's 404 page, nested SSI in a subrequest, args, wait, set,
// stub with block for errors and empty answers), include file, echo
// (var, default, the three encodings and their persistence, captures),
// set with escapes and variables, if/elif/else/endif with string and
// regex comparisons (captures, named captures), config errmsg/timefmt,
// $date_gmt, every command and parse error with its error-log line,
// ssi_silent_errors, ssi_last_modified, ssi_types, ssi_value_length, the
// headers (no Content-Length, Last-Modified, ETag, Accept-Ranges), a
// Range request, HEAD, an empty file, a held "<!--" and an unfinished
// command at the end, and a proxied page whose commands arrive cut in
// pieces.
func TestSSI(t *testing.T) {
	runSite(t, &site{http: ssiHTTP, files: ssiFiles, backends: ssiBackend, cases: []tc{
		get("page", "/index.html"),
		get("stubs set wait nest", "/stub.html"),
		get("errors", "/errors.html"),
		get("expressions", "/expr.html?q=%3Cq%3E", "Host: ssi.example"),
		get("held bytes", "/partial.html"),
		get("unfinished command", "/unfinished.html"),
		get("empty file", "/empty.html"),
		get("url encoding of the RFC 3986 bytes", "/urlenc.html?v=a\\b^`{|}\"<>'%22~"),
		get("silent errors", "/silent/"),
		get("last modified kept", "/lm/"),
		get("types text", "/types/f.txt"),
		get("types html no longer", "/types/f.html"),
		get("off", "/off/"),
		get("value length", "/short/"),
		get("range", "/index.html", "Range: bytes=0-3"),
		get("if-modified-since", "/lm/", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
		req("head", "HEAD", "/index.html"),
		get("proxied in pieces", "/px/x"),
		get("addition", "/add/"),
		get("addition text not in types", "/add/f.txt"),
		get("addition empty body", "/add/empty.html"),
		get("addition before only", "/addb/"),
		get("addition after missing", "/adda/"),
		get("addition types", "/addtypes/f.txt"),
		get("addition types html no longer", "/addtypes/index.html"),
		get("addition return", "/addret/"),
		get("addition 404", "/add404/nope.html"),
		get("addition with ssi", "/addssi/"),
		get("addition range", "/add/", "Range: bytes=0-3"),
		req("addition head", "HEAD", "/add/"),
	}})
}

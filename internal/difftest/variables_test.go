package difftest

import "testing"

// TestVariables compares the values of nginx's variables through return
// and the access log.
func TestVariables(t *testing.T) {
	ret := func(loc, text string) string {
		return "        location " + loc + " { return 200 \"" + text + "\\n\"; }\n"
	}
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}};
        server_name localhost alias.test;
        root {{ROOT}};
        default_type text/plain;
` + ret("/v/req", "$request|$request_method|$request_uri|$uri|$document_uri|$args|$query_string|$is_args|$server_protocol") +
			ret("/v/host", "$host|$http_host|$server_name|$server_port|$server_addr|$scheme|$https|$remote_addr") +
			ret("/v/hdr", "$http_user_agent|$http_x_multi|$http_cookie|$cookie_a|$cookie_b|$content_length|$content_type|$http_x_under_score") +
			ret("/v/arg", "$arg_a|$arg_b|$arg_A|$arg_empty|$arg_missing|$args") +
			ret("/v/file", "$document_root|$realpath_root|$request_filename|$uri") +
			ret("/v/misc", "$connection_requests|$request_length|$status|$body_bytes_sent|$request_body|$remote_user") +
			`
        location /v/set { set $x "a$arg_a"; set $y $x$x; return 200 "$x|$y|${x}z\n"; }
        location /v/setargs { set $args "n=1"; return 200 "$args|$arg_n|$is_args|$request_uri\n"; }
        location /v/seturi { rewrite ^ /v/after?k=v; }
        location = /v/after { return 200 "$uri|$args|$request_uri|$document_uri\n"; }
        location ~ ^/v/cap/(?<first>[a-z]+)/(\d+) { return 200 "$1|$2|$first|$3\n"; }
        location /v/alias/ { alias {{ROOT}}/sub/; return 200 "$document_root|$request_filename\n"; }
    }`,
		files: map[string]string{"sub/x.txt": "x\n"},
		cases: []tc{
			get("request variables", "/v/req/a%20b?x=1&y=%20"),
			get("request variables no args", "/v/req/a"),
			get("request variables empty args", "/v/req/a?"),
			raw("request variables http10", "GET /v/req HTTP/1.0\r\n\r\n"),
			get("host variables", "/v/host", "Host: Alias.Test:8080"),
			get("host variables ip host", "/v/host", "Host: 127.0.0.1"),
			get("host variables port2", "/v/host").onPort2(),
			raw("host variables no host", "GET /v/host HTTP/1.0\r\n\r\n"),
			get("host variables absolute uri", "http://Abs.Test:99/v/host", "Host: other"),
			get("header variables", "/v/hdr", "User-Agent: test/1.0", "X-Multi: one",
				"Cookie: a=1; b=2", "Cookie: c=3", "Content-Type: text/x-test", "X-Under_Score: u"),
			get("repeated header variable", "/v/hdr", "X-Multi: one", "X-Multi: two").
				known("nginx 1.22 gives the first of repeated headers in $http_*; weir joins them with \", \" as nginx 1.23 and later do"),
			raw("header variables body", "POST /v/hdr HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
			get("arg variables", "/v/arg?a=1&b=x%20y&A=upper&empty=&a=second"),
			get("arg variables plus", "/v/arg?a=1+2&b"),
			get("file variables", "/v/file/x.txt"),
			get("file variables dir", "/v/file/"),
			get("set variables", "/v/set?a=Q"),
			get("set args", "/v/setargs?old=1"),
			get("rewrite variables", "/v/seturi?o=1"),
			get("regex capture variables", "/v/cap/abc/42"),
			get("alias variables", "/v/alias/x.txt"),
			get("misc variables", "/v/misc", "X-Pad: 12345"),
			rawN("misc variables second request", 2, "GET /v/misc HTTP/1.1\r\nHost: localhost\r\n\r\nGET /v/misc HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
		},
	})
}

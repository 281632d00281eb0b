package difftest

import (
	"encoding/base64"
	"testing"
)

// authLog shows $remote_user in the access log.
const authLog = `log_format auth '$status "$request" user=$remote_user';`

// htpasswd has a line of each scheme nginx takes on Debian (crypt_r's
// DES, MD5, SHA-256, SHA-512, bcrypt, yescrypt; nginx's own $apr1$,
// {PLAIN}, {SHA}, {SSHA}), every password "secret", and the odd lines: comments, a line
// without a colon, fields after the password, CRLF, an empty password
// field, a prefix line that hides the next one.
const htpasswd = "# comment line\n" +
	"des:abNANd1rDfiNc\n" +
	"md5:$1$saltsalt$9xy1btjgzLYfb7hivXtC//\n" +
	"sha256:$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA\n" +
	"sha512:$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1\n" +
	"sha512r:$6$rounds=5000$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5knV8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1\n" +
	"sha256r:$5$rounds=1000$saltsalt$eKLZU9t9OoPWrqOQsoTIKG0aYkZ5rGOoOQhiIvoSWX2\n" +
	"apr1:$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0\n" +
	"bcrypt:$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a\n" +
	"bcrypta:$2a$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW\n" +
	"yescrypt:$y$j9T$F5Jx5fExrKuPp53xLKQ..1$GmcwIgvdUC9qLWcKCi6gklUa1dM3ziD43YxYNURLKy0\n" +
	"plain:{PLAIN}secret\n" +
	"sha:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n" +
	"ssha:{SSHA}gVK8WC9YyFT1gMsQHTGCgT3sSv5zYWx0\n" +
	"nocolon\n" +
	"extra:{PLAIN}secret:comment:more\n" +
	"empty:\n" +
	"bang:!\n" +
	"crlf:{PLAIN}secret\r\n" +
	"  spaced:{PLAIN}secret\n" +
	"#hidden:{PLAIN}secret\n" +
	"dup:{PLAIN}first\n" +
	"dup:{PLAIN}secret\n" +
	"da\n" +
	"dave:{PLAIN}secret\n" +
	"last:{PLAIN}secret"

// authServer opens a server with the access log showing $remote_user
// and the password file set.
const authServer = authLog + `
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log auth;
        auth_basic_user_file {{ROOT}}/htpasswd;
`

func basic(userPass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(userPass))
}

// TestAuthBasic covers auth_basic and auth_basic_user_file: every hash
// scheme, right and wrong passwords, unknown users and the file's odd
// lines, malformed Authorization headers, the realm with variables and
// "off", the file relative to the configuration directory, a missing file
// (403) and a directory (500), inheritance, error_page 401 (the challenge
// stays), HEAD, and $remote_user in the access log.
func TestAuthBasic(t *testing.T) {
	cases := []tc{
		get("no credentials", "/a/f.txt"),
		req("no credentials HEAD request", "HEAD", "/a/f.txt").headOnly(),
	}
	for _, u := range []string{"des", "md5", "sha256", "sha512", "sha512r", "sha256r", "apr1", "bcrypt", "bcrypta", "plain", "sha", "ssha", "extra", "crlf", "last"} {
		cases = append(cases,
			get(u+" right", "/a/f.txt", basic(u+":secret")),
			get(u+" wrong", "/a/f.txt", basic(u+":Secret")))
	}
	cases = append(cases,
		get("yescrypt right", "/a/f.txt", basic("yescrypt:secret")).known("weir has no yescrypt ($y$, libxcrypt's): the password does not match"),
		get("yescrypt wrong", "/a/f.txt", basic("yescrypt:Secret")),
		get("des only eight characters count", "/a/f.txt", basic("des:secret12")),
		get("line without colon", "/a/f.txt", basic("nocolon:secret")),
		get("empty password field", "/a/f.txt", basic("empty:")),
		get("bang password field", "/a/f.txt", basic("bang:!")),
		get("indented line", "/a/f.txt", basic("spaced:secret")),
		get("commented line", "/a/f.txt", basic("#hidden:secret")),
		get("first line of a user counts", "/a/f.txt", basic("dup:secret")),
		get("prefix line hides the next", "/a/f.txt", basic("dave:secret")),
		get("unknown user", "/a/f.txt", basic("nobody:secret")),
		get("empty password", "/a/f.txt", basic("plain:")),
		get("password with colon", "/a/f.txt", basic("plain:sec:ret")),
		get("NUL ends the password", "/a/f.txt", "Authorization: Basic cGxhaW46c2VjcmV0AA"),
		get("scheme any case", "/a/f.txt", "Authorization: bAsIc cGxhaW46c2VjcmV0"),
		get("several spaces", "/a/f.txt", "Authorization: Basic    cGxhaW46c2VjcmV0"),
		get("text after padding ignored", "/a/f.txt", "Authorization: Basic cGxhaW46c2VjcmV0=x!"),
		get("base64 4n+1", "/a/f.txt", "Authorization: Basic cGxhaW46c2VjcmV0Z"),
		get("base64 bad character", "/a/f.txt", "Authorization: Basic cGxhaW46c2VjcmV0_-"),
		get("base64 inner space", "/a/f.txt", "Authorization: Basic cGxh aW46c2VjcmV0"),
		get("no colon", "/a/f.txt", "Authorization: Basic cGxhaW4="),
		get("empty user", "/a/f.txt", "Authorization: Basic OnNlY3JldA=="),
		get("scheme alone", "/a/f.txt", "Authorization: Basic"),
		get("other scheme", "/a/f.txt", "Authorization: Bearer cGxhaW46c2VjcmV0"),
		get("tab after scheme", "/a/f.txt", "Authorization: Basic\tcGxhaW46c2VjcmV0"),
		get("realm from variable", "/v/f.txt?realm=Zone%201", basic("plain:x")),
		get("realm variable empty", "/v/f.txt"),
		get("realm variable off", "/v/f.txt?realm=off"),
		get("realm off", "/off/f.txt"),
		get("file relative to conf", "/rel/f.txt", basic("plain:secret")),
		get("file from variable", "/var/f.txt?file=htpasswd", basic("plain:secret")),
		get("file from variable relative", "/var/f.txt?file=../html/htpasswd", basic("plain:secret")),
		get("missing file", "/missing/f.txt", basic("plain:secret")),
		get("missing file no credentials", "/missing/f.txt"),
		get("directory as file", "/dir/f.txt", basic("plain:secret")),
		get("inherited from server", "/f.txt", "Host: inh"),
		get("inherited with credentials", "/f.txt", "Host: inh", basic("plain:secret")),
		get("error_page 401", "/ep/f.txt"),
		get("error_page 401 =200", "/ep200/f.txt"),
		get("remote_user without auth", "/f.txt", basic("someone:x")),
		get("remote_user malformed", "/f.txt", "Authorization: Basic !!"),
		get("auth after return", "/ret/"),
		onPort2(get("over HTTP/2", "/a/f.txt", basic("plain:secret")).overH2()),
		onPort2(get("over HTTP/2 no credentials", "/a/f.txt").overH2()),
	)
	runSite(t, &site{
		http: authLog + `
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        root {{ROOT}};
        access_log logs/access.log auth;
        auth_basic_user_file {{ROOT}}/htpasswd;
        location / { }
        location /a/ { auth_basic "Restricted area"; alias {{ROOT}}/s/; }
        location /v/ { auth_basic $arg_realm; alias {{ROOT}}/s/; }
        location /off/ { auth_basic off; alias {{ROOT}}/s/; }
        location /rel/ { auth_basic x; auth_basic_user_file ../html/htpasswd; alias {{ROOT}}/s/; }
        location /var/ { auth_basic x; auth_basic_user_file {{ROOT}}/$arg_file; alias {{ROOT}}/s/; }
        location /missing/ { auth_basic x; auth_basic_user_file ../html/nope; alias {{ROOT}}/s/; }
        location /dir/ { auth_basic x; auth_basic_user_file {{ROOT}}; alias {{ROOT}}/s/; }
        location /ep/ { auth_basic x; error_page 401 /e401.html; alias {{ROOT}}/s/; }
        location /ep200/ { auth_basic x; error_page 401 =200 /e401.html; alias {{ROOT}}/s/; }
        location /ret/ { auth_basic x; return 200 "returned\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name inh;
        root {{ROOT}};
        auth_basic "server";
        auth_basic_user_file {{ROOT}}/htpasswd;
        location / { }
    }`,
		files: map[string]string{"htpasswd": htpasswd, "s/f.txt": "file\n", "f.txt": "top\n", "e401.html": "custom 401\n"},
		cases: cases,
	})
}

// TestSatisfy covers satisfy all and any over allow/deny and auth_basic:
// with all the first refusal answers (deny before auth_basic), with any
// one module allowing is enough, a 401 wins over a 403 and its
// challenge goes out, and a deny alone logs "access forbidden by rule"
// from the phase; satisfy is inherited.
func TestSatisfy(t *testing.T) {
	ok, bad := basic("plain:secret"), basic("plain:nope")
	runSite(t, &site{
		http: authServer + `
        location /all-deny/ { deny all; auth_basic x; alias {{ROOT}}/s/; }
        location /all-allow/ { allow all; auth_basic x; alias {{ROOT}}/s/; }
        location /any-deny/ { satisfy any; deny all; auth_basic x; alias {{ROOT}}/s/; }
        location /any-allow/ { satisfy any; allow 127.0.0.1; deny all; auth_basic x; alias {{ROOT}}/s/; }
        location /any-deny-only/ { satisfy any; deny all; alias {{ROOT}}/s/; }
        location /any-auth-only/ { satisfy any; auth_basic x; alias {{ROOT}}/s/; }
        location /any-nomatch/ { satisfy any; deny 10.0.0.1; auth_basic x; alias {{ROOT}}/s/; }
        location /any-off/ { satisfy any; deny all; auth_basic off; alias {{ROOT}}/s/; }
        location /any-missing/ { satisfy any; deny all; auth_basic x; auth_basic_user_file {{ROOT}}/nope; alias {{ROOT}}/s/; }
        location /any-dir/ { satisfy any; deny all; auth_basic x; auth_basic_user_file {{ROOT}}; alias {{ROOT}}/s/; }
        location /any-ep/ { satisfy any; deny all; auth_basic x; error_page 401 403 /e.html; alias {{ROOT}}/s/; }
        location /inh/ {
            satisfy any;
            deny all;
            location /inh/in/ { auth_basic x; alias {{ROOT}}/s/; }
        }
    }`,
		files: map[string]string{"htpasswd": htpasswd, "s/f.txt": "file\n", "e.html": "error page\n"},
		cases: []tc{
			get("all: deny first", "/all-deny/f.txt", ok),
			get("all: allowed then 401", "/all-allow/f.txt"),
			get("all: allowed and authenticated", "/all-allow/f.txt", ok),
			get("all: allowed, wrong password", "/all-allow/f.txt", bad),
			get("any: denied, no credentials", "/any-deny/f.txt"),
			get("any: denied, authenticated", "/any-deny/f.txt", ok),
			get("any: denied, wrong password", "/any-deny/f.txt", bad),
			get("any: allowed without credentials", "/any-allow/f.txt"),
			get("any: allowed, wrong password not checked", "/any-allow/f.txt", bad),
			get("any: deny alone", "/any-deny-only/f.txt"),
			get("any: auth alone", "/any-auth-only/f.txt"),
			get("any: auth alone ok", "/any-auth-only/f.txt", ok),
			get("any: no rule matches", "/any-nomatch/f.txt"),
			get("any: auth off", "/any-off/f.txt", ok),
			get("any: missing file is 403", "/any-missing/f.txt", ok),
			get("any: directory file is 500", "/any-dir/f.txt", ok),
			get("any: error_page keeps the challenge", "/any-ep/f.txt"),
			get("any: inherited", "/inh/in/f.txt"),
			get("any: inherited ok", "/inh/in/f.txt", ok),
		},
	})
}

// TestLimitExcept covers limit_except: the methods named (GET brings
// HEAD) keep the location's settings, any other method, unknown ones
// too, gets the block's allow/deny and auth_basic; for those methods the
// location's rewrite directives (return, if) and try_files do not run;
// proxy_pass is inherited into the block or set in it, memcached_pass is
// not; error_page and
// access_log of the location apply.
func TestLimitExcept(t *testing.T) {
	ok := basic("plain:secret")
	runSite(t, &site{
		http: authServer + `
        location /le/ { limit_except GET { deny all; } alias {{ROOT}}/s/; }
        location /allow/ { limit_except GET { allow 127.0.0.1; deny all; } alias {{ROOT}}/s/; }
        location /ret/ { return 200 "returned\n"; limit_except GET { allow all; } }
        location /if/ { if ($arg_x) { return 202 "if\n"; } limit_except GET { allow all; } alias {{ROOT}}/s/; }
        location /tf/ { try_files /nothing /s/f.txt; limit_except GET { allow all; } }
        location /auth/ { limit_except GET POST { auth_basic "le"; } alias {{ROOT}}/s/; }
        location /outer/ { deny all; limit_except GET { allow all; } alias {{ROOT}}/s/; }
        location /ep/ { error_page 403 /e.html; limit_except OPTIONS { deny all; } alias {{ROOT}}/s/; }
        proxy_http_version 1.1; # weir's default, nginx's since 1.29
        location /px/ { proxy_pass http://127.0.0.1:{{PORT}}/echo/; limit_except GET { allow all; } }
        location /px2/ { limit_except GET { proxy_pass http://127.0.0.1:{{PORT}}; } alias {{ROOT}}/s/; }
        location /echo/ { return 200 "echo $request_method $uri\n"; }
        location /px2/f.txt { return 200 "px2 $request_method\n"; }
        location /mc/ { set $memcached_key x; memcached_pass 127.0.0.1:1; limit_except GET { allow all; } }
        location /log/ { limit_except GET { access_log off; } alias {{ROOT}}/s/; }
        location /lower/ { limit_except get { deny all; } alias {{ROOT}}/s/; }
    }`,
		files: map[string]string{"htpasswd": htpasswd, "s/f.txt": "file\n", "e.html": "error page\n"},
		cases: []tc{
			get("GET passes", "/le/f.txt"),
			req("HEAD passes with GET", "HEAD", "/le/f.txt").headOnly(),
			req("POST denied", "POST", "/le/f.txt", "Content-Length: 0"),
			req("PUT denied", "PUT", "/le/f.txt", "Content-Length: 0"),
			req("unknown method denied", "FOO", "/le/f.txt"),
			req("allowed address", "DELETE", "/allow/f.txt"),
			get("return runs for GET", "/ret/"),
			req("return skipped for POST", "POST", "/ret/", "Content-Length: 0"),
			get("if runs for GET", "/if/f.txt?x=1"),
			req("if skipped for DELETE", "DELETE", "/if/f.txt?x=1"),
			get("try_files for GET", "/tf/x"),
			req("try_files skipped for POST", "POST", "/tf/x", "Content-Length: 0"),
			get("no auth for GET", "/auth/f.txt"),
			req("no auth for POST", "POST", "/auth/f.txt", "Content-Length: 0"),
			req("auth for PUT", "PUT", "/auth/f.txt", "Content-Length: 0"),
			req("auth for PUT with credentials", "PUT", "/auth/f.txt", "Content-Length: 0", ok),
			get("outer deny for GET", "/outer/f.txt"),
			req("block's allow for POST", "POST", "/outer/f.txt", "Content-Length: 0"),
			req("error_page of the location", "PATCH", "/ep/f.txt"),
			req("proxy_pass inherited", "POST", "/px/a", "Content-Length: 0"),
			get("proxy_pass outside", "/px/b"),
			req("proxy_pass in the block", "PUT", "/px2/f.txt", "Content-Length: 0"),
			get("proxy_pass not for GET", "/px2/f.txt"),
			req("memcached_pass not inherited", "POST", "/mc/x", "Content-Length: 0"),
			req("access_log off in the block", "POST", "/log/f.txt", "Content-Length: 0"),
			get("access_log of the location", "/log/f.txt"),
			req("method names caseless", "POST", "/lower/f.txt", "Content-Length: 0"),
		},
	})
}

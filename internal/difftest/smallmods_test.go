package difftest

import (
	"crypto/md5"
	"encoding/base64"
	hexenc "encoding/hex"
	"testing"
)

// TestStubStatus covers stub_status and the $connections_* variables:
// the body's exact text and counters (each case is a new connection, so
// accepts, handled and requests grow alike on both servers), keep-alive
// and pipelined requests, HTTP/2 streams, the methods (405), HEAD, the
// not-modified filter without Last-Modified (If-Unmodified-Since and
// If-Match fail, If-None-Match: * is a 304), error_page to it, the
// server level, and which of stub_status and proxy_pass is last.
func TestStubStatus(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format st '$status "$request" a=$connections_active r=$connections_reading w=$connections_writing wt=$connections_waiting';
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        access_log logs/access.log st;
        stub_status;
        location /st { stub_status; }
        location /st1 { stub_status on; add_header X-St 1; }
        location /v { return 200 "a=$connections_active r=$connections_reading w=$connections_writing wt=$connections_waiting\n"; }
        location /last { proxy_pass http://127.0.0.1:9; stub_status; }
        location /sti { stub_status; if ($arg_x) { add_header X-If $arg_x; } }
        location /e404 { error_page 404 /st; return 404; }
        location /files/ { root {{ROOT}}; }
    }`,
		files: map[string]string{"files/a.txt": "a\n"},
		cases: []tc{
			get("status", "/st"),
			get("status again", "/st"),
			req("HEAD", "HEAD", "/st"),
			req("POST is not allowed", "POST", "/st"),
			req("DELETE is not allowed", "DELETE", "/st"),
			func() tc {
				c := postBody("POST with a body", "/st", "abc")
				c.skip = "known: nginx logs a request whose connection lingers after the lingering " +
					"(the connection counts in $connections_waiting then); weir logs it before"
				return c
			}(),
			get("variables", "/v"),
			get("argument ignored, add_header", "/st1"),
			get("server level", "/nowhere"),
			get("after proxy_pass", "/last"),
			get("in an if", "/sti?x=yes"),
			get("through error_page", "/e404"),
			get("If-None-Match star", "/st", "If-None-Match: *"),
			get("If-None-Match other", "/st", `If-None-Match: "x"`),
			get("If-Match star", "/st", "If-Match: *"),
			get("If-Match fails without ETag", "/st", `If-Match: "x"`),
			get("If-Unmodified-Since fails without Last-Modified", "/st", "If-Unmodified-Since: Mon, 28 Sep 2020 06:00:00 GMT"),
			get("If-Modified-Since ignored", "/st", "If-Modified-Since: Mon, 28 Sep 2020 06:00:00 GMT"),
			// one after another: a pipelined request that closes makes
			// the connection linger, which nginx logs after (known)
			{name: "keep-alive", n: 3, parts: []string{"GET /files/a.txt HTTP/1.1\r\nHost: a\r\n\r\n",
				"GET /v HTTP/1.1\r\nHost: a\r\n\r\n", "GET /st HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"}},
			get("after keep-alive", "/st"),
			get("HTTP/2", "/st").overH2().onPort2(),
			get("HTTP/2 variables", "/v").overH2().onPort2(),
			get("after HTTP/2", "/st"),
		},
	})
}

// TestEmptyGIF covers empty_gif: the 43-byte GIF with its fixed
// Last-Modified (28 Sep 1970), HEAD, the methods it refuses, the
// not-modified filter (If-Modified-Since, If-Unmodified-Since, If-Match,
// If-None-Match), no ranges, add_header, HTTP/2, and the last of
// empty_gif and proxy_pass winning.
func TestEmptyGIF(t *testing.T) {
	const lm = "Mon, 28 Sep 1970 06:00:00 GMT"
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        location /gif { empty_gif; add_header X-A b; }
        location /exact/ { empty_gif; if_modified_since before; }
        location /imsoff/ { empty_gif; if_modified_since off; }
        location /last { proxy_pass http://127.0.0.1:9; empty_gif; }
        location /e404 { error_page 404 /gif; return 404; }
    }`,
		cases: []tc{
			get("gif", "/gif"),
			get("any URI in the location", "/gif/x.html"),
			req("HEAD", "HEAD", "/gif"),
			req("POST not allowed", "POST", "/gif"),
			postBody("POST with a body", "/gif", "abc"),
			req("PUT not allowed", "PUT", "/gif"),
			get("If-Modified-Since equal", "/gif", "If-Modified-Since: "+lm),
			get("If-Modified-Since later", "/gif", "If-Modified-Since: Mon, 28 Sep 1980 06:00:00 GMT"),
			get("If-Modified-Since later, before", "/exact/", "If-Modified-Since: Mon, 28 Sep 1980 06:00:00 GMT"),
			get("If-Modified-Since equal, off", "/imsoff/", "If-Modified-Since: "+lm),
			get("If-Modified-Since invalid", "/gif", "If-Modified-Since: yesterday"),
			get("If-Unmodified-Since earlier", "/gif", "If-Unmodified-Since: Mon, 28 Sep 1960 06:00:00 GMT"),
			get("If-Unmodified-Since equal", "/gif", "If-Unmodified-Since: "+lm),
			get("If-None-Match star", "/gif", "If-None-Match: *"),
			get("If-Match other", "/gif", `If-Match: "x"`),
			get("Range ignored", "/gif", "Range: bytes=0-5"),
			get("after proxy_pass", "/last"),
			get("through error_page", "/e404"),
			get("HTTP/2", "/gif").overH2().onPort2(),
			get("HTTP/2 not modified", "/gif", "If-Modified-Since: "+lm).overH2().onPort2(),
		},
	})
}

// TestReferer covers valid_referers and $invalid_referer: none, blocked,
// server_names (exact, wildcard and regex server names), exact names, a
// leading and a trailing wildcard, a name with a URI, regexes (caseless,
// matched against the referer after its scheme), the scheme's case, a
// port, the first of two Referer fields, inheritance (a level with its
// own list replaces the outer one) and a level without any list.
func TestReferer(t *testing.T) {
	ref := func(name, uri, referer string) tc {
		if referer == "" {
			return get(name, uri)
		}
		return get(name, uri, "Referer: "+referer)
	}
	runSite(t, &site{
		http: `
    log_format ref '$status "$request" inv=[$invalid_referer]';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name example.com *.wild.org ~^re\d+\.net$;
        access_log logs/access.log ref;
        valid_referers srv.example;
        location /r {
            valid_referers none blocked server_names foo.com *.bar.com baz.* .dot.com qux.com/path/ ~\.google\.;
            valid_referers more.com;
            return 200 "inv=[$invalid_referer]\n";
        }
        location /guard {
            valid_referers foo.com;
            if ($invalid_referer) { return 403; }
            return 200 "ok\n";
        }
        location /inherit { return 200 "inv=[$invalid_referer]\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        location / { return 200 "inv=[$invalid_referer]\n"; }
    }`,
		cases: []tc{
			ref("none", "/r", ""),
			ref("blocked: no scheme", "/r", "x"),
			ref("blocked: too short", "/r", "http://i.r"),
			ref("shortest", "/r", "http://i.ru"),
			ref("server name", "/r", "http://example.com"),
			ref("server name, port, case", "/r", "HTTP://EXAMPLE.COM:8080/a"),
			ref("server wildcard", "/r", "http://a.wild.org/"),
			ref("server regex", "/r", "http://re12.net/"),
			ref("server regex mismatch", "/r", "http://re12.net.x/"),
			ref("https", "/r", "https://foo.com"),
			ref("leading wildcard", "/r", "http://a.b.bar.com/"),
			ref("leading wildcard needs a label", "/r", "http://bar.com/"),
			ref("dot wildcard", "/r", "http://dot.com/"),
			ref("dot wildcard subdomain", "/r", "http://x.dot.com/"),
			ref("trailing wildcard", "/r", "http://baz.co.uk/"),
			ref("trailing wildcard needs a label", "/r", "http://baz/"),
			ref("URI missing", "/r", "http://qux.com/"),
			ref("URI prefix", "/r", "http://qux.com/path/x"),
			ref("URI after a port", "/r", "http://qux.com:81/path/x"),
			ref("URI not a prefix", "/r", "http://qux.com/pathx"),
			ref("regex", "/r", "http://www.google.com/"),
			ref("regex caseless, after the scheme", "/r", "https://GOOGLE.com/x.google.y"),
			ref("second valid_referers", "/r", "http://more.com/"),
			ref("other scheme is blocked", "/r", "ftp://foo.com"),
			ref("longer name", "/r", "http://foo.com.evil"),
			ref("lookalike", "/r", "http://fooXcom"),
			get("first Referer counts", "/r", "Referer: http://evil.com", "Referer: http://foo.com"),
			ref("guard allows", "/guard", "http://foo.com/"),
			ref("guard refuses", "/guard", "http://evil.com/"),
			ref("guard refuses none", "/guard", ""),
			ref("inherited", "/inherit", "http://srv.example/"),
			ref("inherited refuses", "/inherit", "http://foo.com/"),
			ref("no list", "/", "http://evil.com/").onPort2(),
		},
	})
}

// TestSecureLink covers secure_link with secure_link_md5 (a base64url
// MD5 of the text, with and without "=" padding, an expiry time in the
// past or future, invalid expiry and hash values, $secure_link_expires
// set once an expiry was read) and secure_link_secret (/prefix/HEX/link,
// the arguments part of the link, hex in either case), and their
// inheritance.
func TestSecureLink(t *testing.T) {
	b64 := func(s string) string {
		sum := md5.Sum([]byte(s))
		return base64.RawURLEncoding.EncodeToString(sum[:])
	}
	hx := func(s string) string {
		sum := md5.Sum([]byte(s))
		return hexenc.EncodeToString(sum[:])
	}
	future, past := "2147483647", "100"
	good := b64(future + "/s/file secret")
	old := b64(past + "/s/file secret")
	noExp := b64("/n/file secret")
	link := hx("link/x?a=1mysecret")
	runSite(t, &site{
		http: `
    log_format sl '$status "$request" sl=[$secure_link] e=[$secure_link_expires]';
    access_log logs/access.log sl;
    secure_link_md5 "$secure_link_expires$uri secret";
    server {
        listen 127.0.0.1:{{PORT}};
        location /s/ {
            secure_link $arg_md5,$arg_e;
            return 200 "sl=[$secure_link] e=[$secure_link_expires]\n";
        }
        location /n/ {
            secure_link $arg_md5;
            if ($secure_link = "") { return 403; }
            return 200 "sl=[$secure_link]\n";
        }
        location /p/ {
            secure_link_secret mysecret;
            return 200 "sl=[$secure_link]\n";
        }
        location /none/ { return 200 "sl=[$secure_link]\n"; }
    }`,
		cases: []tc{
			get("valid, not expired", "/s/file?md5="+good+"&e="+future),
			get("padded", "/s/file?md5="+good+"==&e="+future),
			get("expired", "/s/file?md5="+old+"&e="+past),
			get("wrong expiry", "/s/file?md5="+good+"&e=2147483646"),
			get("zero expiry", "/s/file?md5="+good+"&e=0"),
			get("negative expiry", "/s/file?md5="+good+"&e=-5"),
			get("expiry not a number", "/s/file?md5="+good+"&e=12a"),
			get("empty expiry", "/s/file?md5="+good+"&e="),
			get("hash too long", "/s/file?md5="+good+"AAAA&e="+future),
			get("hash garbage after padding", "/s/file?md5="+good+"=A&e="+future),
			get("hash with a bad byte", "/s/file?md5="+good[:21]+"%2B&e="+future),
			get("short hash", "/s/file?md5=xx&e="+future),
			get("no hash", "/s/file?e="+future),
			get("without expiry", "/n/file?md5="+noExp),
			get("without expiry, wrong", "/n/file?md5="+good),
			get("secret", "/p/"+link+"/link/x?a=1"),
			get("secret, upper-case hex", "/p/"+upper(link)+"/link/x?a=1"),
			get("secret, other arguments", "/p/"+link+"/link/x?a=2"),
			get("secret, no link", "/p/"+link+"/"),
			get("secret, no slash after hash", "/p/"+link),
			get("secret, short hash", "/p/abc/link/x?a=1"),
			get("not configured here", "/none/x"),
		},
	})
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

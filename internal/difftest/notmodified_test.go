package difftest

import "testing"

// TestNotModifiedReturn: nginx's not-modified filter sees every 200 of a
// main request, a "return 200 text" too: without Last-Modified or ETag an
// If-Unmodified-Since or an If-Match other than "*" fails with 412, an
// If-None-Match of "*" gives 304, an If-Modified-Since alone changes
// nothing. Other codes and error pages are not touched.
func TestNotModifiedReturn(t *testing.T) {
	const ius = "If-Unmodified-Since: Mon, 28 Sep 2020 06:00:00 GMT"
	const ims = "If-Modified-Since: Mon, 28 Sep 2020 06:00:00 GMT"
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        location = /t { add_header X-Added yes; return 200 "text\n"; }
        location = /c201 { return 201 "created\n"; }
        location = /e { error_page 404 /t; return 404; }
    }`,
		cases: []tc{
			get("plain", "/t"),
			get("if-unmodified-since", "/t", ius),
			get("if-match tag", "/t", `If-Match: "x"`),
			get("if-match star", "/t", "If-Match: *"),
			get("if-none-match star", "/t", "If-None-Match: *"),
			get("if-none-match tag", "/t", `If-None-Match: "x"`),
			get("if-modified-since", "/t", ims),
			get("ims and inm star", "/t", ims, "If-None-Match: *"),
			get("head inm star", "/t", "If-None-Match: *").headOnly(),
			get("201 untouched", "/c201", "If-None-Match: *"),
			get("201 ius untouched", "/c201", ius),
			get("error page", "/e", "If-None-Match: *"),
			get("error page ius", "/e", ius),
		},
	})
}

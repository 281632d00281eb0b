package difftest

import "testing"

// TestFLV compares the flv module: the whole file without start=, the
// FLV header and the file from the offset with it (ETag and length of
// what is sent), start= values that are no offset, ranges, conditional
// requests, HEAD, methods, errors and what it leaves to the static
// handler.
func TestFLV(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location /v/ { flv; }
        location /nolog/ { flv; log_not_found off; }
        location /mr/ { flv; max_ranges 0; }
        location /hdr/ { flv; add_header X-A a; expires 1h; }
        location = /ep.flv { flv; error_page 404 /v/a.flv; }
        location /proxied/ { flv; proxy_pass http://127.0.0.1:1; }
        location /pass/ { proxy_pass http://127.0.0.1:1; flv; }
    }
`,
		files: map[string]string{
			"v/a.flv":          "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00" + "0123456789abcdefghijklmnopqrstuvwxyz",
			"v/b.txt":          "plain text file\n",
			"v/dir/x.flv":      "x",
			"v/dir/index.html": "index\n",
			"v/empty.flv":      "",
			"nolog/a.flv":      "data",
			"mr/a.flv":         "0123456789",
			"hdr/a.flv":        "0123456789",
			"proxied/a.flv":    "0123456789",
			"pass/a.flv":       "0123456789",
		},
		cases: []tc{
			get("whole", "/v/a.flv"),
			get("start", "/v/a.flv?start=20"),
			get("start 1", "/v/a.flv?start=1"),
			get("start 0", "/v/a.flv?start=0"),
			get("start last byte", "/v/a.flv?start=48"),
			get("start at size", "/v/a.flv?start=49"),
			get("start past size", "/v/a.flv?start=1000"),
			get("start empty", "/v/a.flv?start="),
			get("start not a number", "/v/a.flv?start=1x"),
			get("start negative", "/v/a.flv?start=-5"),
			get("start plus", "/v/a.flv?start=+5"),
			get("start huge", "/v/a.flv?start=99999999999999999999999"),
			get("start upper case", "/v/a.flv?START=20"),
			get("start later arg", "/v/a.flv?x=1&start=30&y=2"),
			get("start in other name", "/v/a.flv?xstart=30"),
			get("start twice", "/v/a.flv?start=30&start=40"),
			get("start no value", "/v/a.flv?start"),
			get("txt with start", "/v/b.txt?start=3"),
			get("empty file", "/v/empty.flv"),
			get("empty file start", "/v/empty.flv?start=1"),
			req("head", "HEAD", "/v/a.flv?start=20"),
			withBody("post", "POST", "/v/a.flv", "x"),
			req("delete", "DELETE", "/v/a.flv"),
			withBody("post missing", "POST", "/v/nope.flv", "x"),
			get("range", "/v/a.flv?start=20", "Range: bytes=0-15"),
			get("range whole file", "/v/a.flv", "Range: bytes=3-5"),
			get("range suffix", "/v/a.flv?start=20", "Range: bytes=-4"),
			get("two ranges", "/v/a.flv?start=20", "Range: bytes=0-1,20-21"),
			get("range unsatisfiable", "/v/a.flv?start=20", "Range: bytes=100-"),
			get("range max_ranges 0", "/mr/a.flv?start=2", "Range: bytes=0-1"),
			get("if-modified-since", "/v/a.flv?start=20", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("if-none-match whole", "/v/a.flv", `If-None-Match: "65e6b6ac-31"`),
			get("if-none-match start", "/v/a.flv?start=20", `If-None-Match: "65e6b6ac-1e"`),
			get("if-none-match start other", "/v/a.flv?start=20", `If-None-Match: "65e6b6ac-31"`),
			get("if-range etag", "/v/a.flv?start=20", `If-Range: "65e6b6ac-1e"`, "Range: bytes=0-3"),
			get("if-match fails", "/v/a.flv?start=20", `If-Match: "nope"`),
			get("missing", "/v/missing.flv"),
			get("missing log_not_found off", "/nolog/missing.flv"),
			get("missing dir", "/v/none/a.flv"),
			get("not a dir", "/v/a.flv/x"),
			get("directory", "/v/dir"),
			get("directory args", "/v/dir?start=3"),
			get("directory slash", "/v/dir/"),
			get("headers", "/hdr/a.flv?start=3"),
			get("error page", "/ep.flv"),
			get("proxy_pass first", "/proxied/a.flv?start=3"),
			get("flv last", "/pass/a.flv?start=3"),
		},
	})
}

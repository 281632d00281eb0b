package difftest

import (
	"strings"
	"testing"
)

// TestGunzip compares ngx_http_gunzip_filter_module: a response whose own
// Content-Encoding is gzip (gzip_static always, a proxied upstream's) is
// inflated for a client that may not get gzip (no Accept-Encoding,
// HTTP/1.0 without gzip_http_version 1.0, gzip_disable), without
// Content-Encoding, Content-Length and Accept-Ranges and with a weak ETag;
// gzip_vary's Vary comes with any such response; add_header's
// Content-Encoding is not the response's; gzip members follow one another;
// a body that is not gzip ends the response with nginx's alert.
func TestGunzip(t *testing.T) {
	big := strings.Repeat("gunzip me, a line of text that compresses well\n", 3000)
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location /gz/ { gzip_static always; gunzip on; }
        location /vary/ { alias {{ROOT}}/gz/; gzip_static always; gunzip on; gzip_vary on; }
        location /off/ { alias {{ROOT}}/gz/; gzip_static always; }
        location /v10/ { alias {{ROOT}}/gz/; gzip_static always; gunzip on; gzip_http_version 1.0; }
        location /dis/ { alias {{ROOT}}/gz/; gzip_static always; gunzip on; gzip_disable "curl"; }
        location /sub/ { alias {{ROOT}}/gz/; gzip_static always; gunzip on; sub_filter "hello" "HELLO"; sub_filter_types *; }
        location /up/ { proxy_pass http://127.0.0.1:{{PORT}}/off/; proxy_http_version 1.1; gunzip on; gzip_vary on; }
        location /upoff/ { proxy_pass http://127.0.0.1:{{PORT}}/off/; proxy_http_version 1.1; }
        location /hdr/ { gunzip on; add_header Content-Encoding gzip; }
        location /raw/ { gunzip on; }
        location /ret { gunzip on; gzip_vary on; return 200 "plain\n"; }
    }
`,
		files: map[string]string{
			"gz/a.txt":      "not this one\n",
			"gz/a.txt.gz":   gzipped("hello, inflated world\n"),
			"gz/big.txt":    "x",
			"gz/big.txt.gz": gzipped(big),
			"gz/two.txt":    "x",
			"gz/two.txt.gz": gzipped("first member\n") + gzipped("second member\n"),
			"gz/bad.txt":    "x",
			"gz/bad.txt.gz": "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate data at all, it is plain text",
			"gz/empty.txt":  "x",
			"hdr/h.txt":     "plain text\n",
			"raw/r.txt.gz":  gzipped("raw\n"),
		},
		cases: []tc{
			get("inflated", "/gz/a.txt"),
			get("accepts gzip", "/gz/a.txt", "Accept-Encoding: gzip"),
			get("accepts deflate only", "/gz/a.txt", "Accept-Encoding: deflate"),
			get("gzip q=0", "/gz/a.txt", "Accept-Encoding: gzip;q=0"),
			req("head", "HEAD", "/gz/a.txt"),
			get("big", "/gz/big.txt").known("the same inflated bytes in other chunks: nginx passes the body on each time its gunzip_buffers (32 4k) are full, weir passes what each piece it is given inflates to as one chunk, so $body_bytes_sent differs by the chunk framing"),
			get("two members", "/gz/two.txt"),
			get("vary inflated", "/vary/a.txt"),
			get("vary gzip", "/vary/a.txt", "Accept-Encoding: gzip"),
			get("off", "/off/a.txt"),
			raw("http10", "GET /gz/a.txt HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"),
			raw("http10 version 1.0", "GET /v10/a.txt HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n"),
			get("disable", "/dis/a.txt", "Accept-Encoding: gzip", "User-Agent: curl/8"),
			get("disable other agent", "/dis/a.txt", "Accept-Encoding: gzip", "User-Agent: wget"),
			get("then sub_filter", "/sub/a.txt"),
			get("proxied", "/up/a.txt"),
			get("proxied gzip", "/up/a.txt", "Accept-Encoding: gzip"),
			get("proxied big", "/up/big.txt").known("the same inflated bytes in other chunks: nginx passes the body on each time its gunzip_buffers (32 4k) are full, weir passes what each piece it is given inflates to as one chunk, so $body_bytes_sent differs by the chunk framing"),
			get("proxied two", "/up/two.txt"),
			get("proxied off", "/upoff/a.txt"),
			get("range", "/gz/a.txt", "Range: bytes=0-3"),
			get("add_header encoding", "/hdr/h.txt"),
			get("raw gz file", "/raw/r.txt.gz"),
			get("return", "/ret"),
			get("not gzip", "/gz/bad.txt"),
			get("proxied not gzip", "/up/bad.txt"),
			get("missing", "/gz/none.txt"),
		},
	})
}

package difftest

import (
	"strings"
	"testing"
)

// TestStaticDeep covers static corners: ranges, If-Range, odd file names,
// alias with try_files and index, symlinks.
func TestStaticDeep(t *testing.T) {
	long := strings.Repeat("n", 300)
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location /al/ { alias {{ROOT}}/data/; try_files $uri $uri/ =404; }
        location /alfb/ { alias {{ROOT}}/data/; try_files $uri /fallback.txt; }
        location /ali/ { alias {{ROOT}}/data/; index first.html idx.txt; }
        location ~ ^/rx/(?<f>.+)$ { alias {{ROOT}}/data/$f; }
        location /ims-off/ { alias {{ROOT}}/data/; if_modified_since off; }
        location /ims-exact/ { alias {{ROOT}}/data/; if_modified_since exact; }
        location /noetag/ { alias {{ROOT}}/data/; etag off; }
        location /ai/ { alias {{ROOT}}/data/; autoindex on; autoindex_exact_size off; }
        location /ai-exact/ { alias {{ROOT}}/data/; autoindex on; }
    }`,
		files: map[string]string{
			"data/f.txt":         "0123456789abcdefghij",
			"data/idx.txt":       "index txt\n",
			"data/sub/x.txt":     "sub x\n",
			"data/a b.txt":       "space\n",
			"data/caf\u00e9.txt": "unicode\n",
			"data/p%41.txt":      "percent\n",
			"data/big.bin":       strings.Repeat("0123456789", 300),
			"data/big2.bin":      strings.Repeat("x", 2048*3),
			"fallback.txt":       "fallback\n",
			"links/real.txt":     "real\n",
		},
		setup: func(t *testing.T, root string) {
			symlinkT(t, root+"/links/real.txt", root+"/links/l.txt")
			symlinkT(t, root+"/nowhere", root+"/links/dangling.txt")
			symlinkT(t, root+"/data", root+"/links/dir")
		},
		cases: []tc{
			get("range overlapping", "/al/f.txt", "Range: bytes=0-5,3-8"),
			get("range suffix bigger than file", "/al/f.txt", "Range: bytes=-100"),
			get("range start beyond eof", "/al/f.txt", "Range: bytes=20-"),
			get("range end beyond eof", "/al/f.txt", "Range: bytes=15-100"),
			get("range zero suffix", "/al/f.txt", "Range: bytes=-0"),
			get("range first and last", "/al/f.txt", "Range: bytes=0-0,-1"),
			get("range one unsatisfiable of two", "/al/f.txt", "Range: bytes=0-1,50-60"),
			get("range spaces", "/al/f.txt", "Range: bytes= 1-2 , 4-5"),
			get("range reversed", "/al/f.txt", "Range: bytes=5-1"),
			get("range other unit", "/al/f.txt", "Range: items=0-1"),
			get("range uppercase unit", "/al/f.txt", "Range: Bytes=0-1"),
			get("range many", "/al/f.txt", "Range: bytes=0-0,2-2,4-4,6-6,8-8,10-10"),
			get("range on 404", "/al/nope.txt", "Range: bytes=0-1"),
			get("range big file", "/al/big.bin", "Range: bytes=100-199,2900-"),
			get("if-range date equal", "/al/f.txt", "Range: bytes=0-1", "If-Range: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("if-range date other", "/al/f.txt", "Range: bytes=0-1", "If-Range: Tue, 05 Mar 2024 06:07:09 GMT"),
			get("if-range weak etag", "/al/f.txt", "Range: bytes=0-1", `If-Range: W/"65e6b6bc-14"`),
			get("if-range garbage", "/al/f.txt", "Range: bytes=0-1", "If-Range: garbage"),
			req("head 206", "HEAD", "/al/f.txt", "Range: bytes=0-1"),
			req("head 206 multi", "HEAD", "/al/f.txt", "Range: bytes=0-1,3-4"),
			req("head 416", "HEAD", "/al/f.txt", "Range: bytes=50-"),
			req("head 304", "HEAD", "/al/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("range with 304", "/al/f.txt", "Range: bytes=0-1", "If-None-Match: \"65e6b6bc-14\""),
			get("ims off", "/ims-off/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("ims exact newer", "/ims-exact/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:09 GMT"),
			get("ims exact equal", "/ims-exact/f.txt", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("etag off inm", "/noetag/f.txt", "If-None-Match: \"65e6b6bc-14\""),
			get("etag off if-range", "/noetag/f.txt", "Range: bytes=0-1", "If-Range: \"65e6b6bc-14\""),
			get("alias try_files file", "/al/f.txt"),
			get("alias try_files dir", "/al/sub"),
			get("alias try_files dir slash", "/al/sub/"),
			get("alias try_files missing", "/al/nope"),
			get("alias try_files fallback", "/alfb/nope"),
			get("alias index second", "/ali/"),
			get("alias index sub", "/ali/sub/"),
			get("regex alias file", "/rx/f.txt"),
			get("regex alias dir", "/rx/sub"),
			get("regex alias dir slash", "/rx/sub/"),
			get("regex alias encoded", "/rx/a%20b.txt"),
			get("file with space", "/al/a%20b.txt"),
			get("file with unicode", "/al/caf%C3%A9.txt"),
			get("file with unicode raw", "/al/caf\xc3\xa9.txt"),
			get("file with percent", "/al/p%2541.txt"),
			get("file with percent decoded", "/al/pA.txt"),
			get("encoded slash", "/al/sub%2Fx.txt"),
			get("trailing dot", "/al/f.txt."),
			get("trailing dot segment", "/al/sub/."),
			get("trailing dotdot segment", "/al/sub/.."),
			get("long name", "/al/"+long),
			get("long name dir", "/al/"+long+"/x"),
			get("symlink file", "/links/l.txt"),
			get("symlink dangling", "/links/dangling.txt"),
			get("symlink dir", "/links/dir/f.txt"),
			get("autoindex approximate", "/ai/"),
			get("autoindex exact", "/ai-exact/"),
		},
	})
}

package difftest

import (
	"strings"
	"testing"
)

// TestAutoindexNames compares autoindex listings of awkward names: long
// UTF-8 names cut at 50 characters, characters to escape in HTML, JSON
// and XML, symlinks, hidden files and the sort order.
func TestAutoindexNames(t *testing.T) {
	files := map[string]string{
		"ai/" + strings.Repeat("a", 49) + ".txt":       "x",
		"ai/" + strings.Repeat("b", 50) + ".txt":       "xx",
		"ai/" + strings.Repeat("\u00e9", 48) + ".txt":  "x",
		"ai/" + strings.Repeat("\u00e9", 47):           "x",
		"ai/" + strings.Repeat("\u65e5", 60) + "/":     "",
		"ai/quote\"'.txt":                              "q",
		"ai/amp&lt;.txt":                               "a",
		"ai/back\\slash.txt":                           "b",
		"ai/pct%41 sp.txt":                             "p",
		"ai/q?mark#hash.txt":                           "h",
		"ai/.hidden":                                   "h",
		"ai/Zed.txt":                                   "z",
		"ai/alpha.txt":                                 "a",
		"ai/beta/":                                     "",
		"ai/Gamma/":                                    "",
		"ai/big.bin":                                   strings.Repeat("0", 1536*1024),
		"ai/tab\tname.txt":                             "t",
		"ai/" + strings.Repeat("c", 48) + "\u00e9.txt": "x",
	}
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location /ai/ { autoindex on; }
        location /aj/ { alias {{ROOT}}/ai/; autoindex on; autoindex_format json; }
        location /ax/ { alias {{ROOT}}/ai/; autoindex on; autoindex_format xml; }
        location /an/ { alias {{ROOT}}/ai/; autoindex on; autoindex_exact_size off; }
    }`,
		files: files,
		setup: func(t *testing.T, root string) {
			// relative targets: the two trees' paths differ in length.
			// No dangling link: its own mtime (now) would show.
			symlinkT(t, "beta", root+"/ai/linkdir")
			symlinkT(t, "alpha.txt", root+"/ai/linkfile")
		},
		cases: []tc{
			get("html", "/ai/"),
			get("json", "/aj/"),
			get("xml", "/ax/"),
			get("approximate sizes", "/an/"),
			get("html with args", "/ai/?x=1"),
		},
	})
}

package difftest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRandomIndex compares random_index: for a URI ending in "/", one of
// the directory's regular files not starting with a dot (each directory
// here has one, so the pick is known) becomes an internal redirect with
// the args kept; dot files, directories and
// symlinks are passed over, a directory without a file is left to index
// and autoindex, a missing one is 404 with opendir()'s error.
func TestRandomIndex(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format ri '$status "$request" "$uri" "$args"';
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log ri;
        location / { random_index on; }
        location /dot/ { random_index on; index .index.html; }
        location /auto/ { random_index on; autoindex on; }
        location /off/ { random_index off; }
        location /al/ { alias {{ROOT}}/one/; random_index on; }
        location /var/ { random_index on; }
        location ~ ^/var/.*\.txt$ { return 200 "picked $uri $args\n"; }
        location /idx/ { random_index on; index other.html; }
    }
`,
		files: map[string]string{
			"one/only.html":      "only\n",
			"one/.hidden.html":   "hidden\n",
			"one/sub/inner.html": "inner\n",
			"dot/.index.html":    "dot index\n",
			"dot/sub/x.html":     "x\n",
			"auto/sub/x.html":    "x\n",
			"auto/.h":            "h\n",
			"empty/":             "",
			"off/index.html":     "off index\n",
			"off/other.html":     "other\n",
			"var/pick.txt":       "txt\n",
			"idx/one.html":       "one\n",
			"file.txt":           "f\n",
			"link/target/t.html": "t\n",
			"link/.dot":          "d\n",
		},
		setup: func(t *testing.T, root string) {
			// a symlink to a file is not a regular file by its own type
			if err := os.Symlink(filepath.Join(root, "link/target/t.html"), filepath.Join(root, "link/ln.html")); err != nil {
				t.Fatal(err)
			}
		},
		cases: []tc{
			get("one file", "/one/"),
			get("one file args", "/one/?a=1&b=2"),
			req("head", "HEAD", "/one/"),
			withBody("post", "POST", "/one/", "x"),
			withBody("put", "PUT", "/one/", "x"),
			req("delete", "DELETE", "/one/"),
			get("dot only", "/dot/"),
			get("auto only", "/auto/"),
			get("empty", "/empty/"),
			get("missing", "/missing/"),
			get("file with slash", "/file.txt/"),
			get("off", "/off/"),
			get("alias", "/al/"),
			get("variable", "/var/?x=y"),
			get("index name ignored", "/idx/"),
			get("symlink", "/link/"),
			get("not a directory uri", "/one/only.html"),
			get("encoded", "/one%2F"),
		},
	})
}

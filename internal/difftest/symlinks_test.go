package difftest

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDisableSymlinks covers disable_symlinks: "on" refuses a link as the
// file (403, ELOOP) or as a directory on the way (404, ENOTDIR), every
// failure then named openat(); from= leaves the components up to it
// unchecked; if_not_owner lets a link through to a target of the same
// owner; try_files, index, gzip_static and "if (-f ...)" test paths the
// same way.
func TestDisableSymlinks(t *testing.T) {
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        location /on/ { alias {{ROOT}}/; disable_symlinks on; }
        location /owner/ { alias {{ROOT}}/; disable_symlinks if_not_owner; }
        location /from/ { alias {{ROOT}}/; disable_symlinks on from={{ROOT}}/dirlink; }
        location /rootfrom/ { disable_symlinks on from=$document_root; }
        location /tf/ { alias {{ROOT}}/; disable_symlinks on; try_files $uri.txt =418; }
        location /idx/ { alias {{ROOT}}/; disable_symlinks on; index link.txt real.txt; }
        location /gz/ { alias {{ROOT}}/; disable_symlinks on; gzip_static on; }
        location /if/ { alias {{ROOT}}/; disable_symlinks on; if (-f $request_filename) { return 200 "file\n"; } return 404; }
    }`,
		files: map[string]string{"real/f.txt": "real\n", "real/real.txt": "r\n", "plain.txt": "plain\n",
			"z.txt": "z\n", "rootfrom/x.txt": "x\n"},
		setup: func(t *testing.T, root string) {
			for link, target := range map[string]string{
				"link.txt": "real/f.txt", "dirlink": "real", "real/link.txt": "f.txt", "z.txt.gz": "plain.txt",
			} {
				if err := os.Symlink(filepath.Join(root, target), filepath.Join(root, link)); err != nil {
					t.Fatal(err)
				}
			}
		},
		cases: []tc{
			get("no check", "/link.txt"),
			get("on: a plain file", "/on/plain.txt"),
			get("on: the file is a link", "/on/link.txt"),
			get("on: a directory on the way is a link", "/on/dirlink/f.txt"),
			get("on: missing file named openat()", "/on/missing.txt"),
			get("on: index through a linked directory", "/on/dirlink/"),
			get("if_not_owner: same owner", "/owner/link.txt"),
			get("from: the link is in the unchecked part", "/from/dirlink/f.txt"),
			get("from: a link after it", "/from/dirlink/link.txt"),
			get("from $document_root", "/rootfrom/x.txt"),
			get("try_files skips a link", "/tf/link"),
			get("try_files takes a file", "/tf/plain"),
			get("index skips a link", "/idx/real/"),
			get("gzip_static: the .gz is a link", "/gz/z.txt", "Accept-Encoding: gzip"),
			get("if -f: a link is no file", "/if/link.txt"),
			get("if -f: a file", "/if/plain.txt"),
		},
	})
}

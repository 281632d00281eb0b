package httpd

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDavMergeSlashes(t *testing.T) {
	for in, want := range map[string]string{
		"/a/b": "/a/b", "//a///b/": "/a/b/", "/a//": "/a/", "": "",
	} {
		if got := davMergeSlashes(in); got != want {
			t.Errorf("davMergeSlashes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDirAccess(t *testing.T) {
	for in, want := range map[uint32]uint32{0o600: 0o700, 0o644: 0o755, 0o664: 0o775, 0o400: 0o500, 0o604: 0o705} {
		if got := dirAccess(in); got != want {
			t.Errorf("dirAccess(%o) = %o, want %o", in, got, want)
		}
	}
}

// TestCreateFullPath checks that every directory before the file name is
// made, the name itself is not, and existing ones are fine.
func TestCreateFullPath(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a", "b", "c.txt")
	if err := createFullPath(name, 0o700); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "a", "b")); err != nil || !fi.IsDir() {
		t.Fatalf("a/b not made: %v", err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Fatalf("the file name itself was made: %v", err)
	}
	if err := createFullPath(name, 0o700); err != nil {
		t.Fatalf("again: %v", err)
	}
}

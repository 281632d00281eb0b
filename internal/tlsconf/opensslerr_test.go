package tlsconf

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestFopenError: the error queue nginx prints when BIO_new_file cannot
// open a file, as OpenSSL 3 words it (checked against nginx 1.22.1 for
// ENOENT; EACCES takes the BIO library's generic "system lib" reason).
func TestFopenError(t *testing.T) {
	for _, c := range []struct {
		errno syscall.Errno
		want  string
	}{
		{syscall.ENOENT, "SSL: error:80000002:system library::No such file or directory:calling fopen(/x/a.pem, r) error:10000080:BIO routines::no such file"},
		{syscall.EACCES, "SSL: error:8000000D:system library::Permission denied:calling fopen(/x/a.pem, r) error:10080002:BIO routines::system lib"},
	} {
		if got := (&fopenError{path: "/x/a.pem", mode: "r", errno: c.errno}).Error(); got != c.want {
			t.Errorf("errno %d:\n got %s\nwant %s", c.errno, got, c.want)
		}
	}
}

// TestBioReadDirectory: fopen(3) opens a directory, which then reads as
// nothing, so a certificate path naming a directory fails in the PEM
// reader ("no start line"), not in open().
func TestBioReadDirectory(t *testing.T) {
	dir := t.TempDir()
	if b, err := bioRead(dir, "r"); err != nil || len(b) != 0 {
		t.Fatalf("directory: %q, %v", b, err)
	}
	_, err := LoadKeyPair(dir, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "PEM_read_bio_X509_AUX() failed (SSL: error:0480006C:PEM routines::no start line:Expecting: TRUSTED CERTIFICATE)") {
		t.Fatalf("LoadKeyPair(dir): %v", err)
	}
	_, err = LoadDHParam(filepath.Join(dir, "none.pem"))
	if err == nil || !strings.HasPrefix(err.Error(), `BIO_new_file("`) || !strings.Contains(err.Error(), "calling fopen(") {
		t.Fatalf("LoadDHParam(missing): %v", err)
	}
}

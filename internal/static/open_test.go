//go:build linux

package static

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"weir/internal/errlog"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "f.txt", testBody, testMtime)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	writeFile(t, dir, "sub/in.txt", "x", testMtime)
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	must(os.Symlink("f.txt", filepath.Join(dir, "link")))
	must(os.Symlink("sub", filepath.Join(dir, "linkdir")))
	must(os.Symlink("loopb", filepath.Join(dir, "loopa")))
	must(os.Symlink("loopa", filepath.Join(dir, "loopb")))
	long := filepath.Join(dir, strings.Repeat("a", 300))

	tests := []struct {
		name   string
		path   string
		opt    OpenOptions
		isDir  bool
		status int
		level  errlog.Level
		msg    string
		quiet  bool // silenced by log_not_found off
	}{
		{name: "file", path: "f.txt"},
		{name: "dir", path: "sub", isDir: true},
		{name: "dir trailing slash", path: "sub/", isDir: true},
		{name: "missing", path: "nope", status: 404, level: errlog.Error, quiet: true,
			msg: `open() "DIR/nope" failed (2: No such file or directory)`},
		{name: "not a directory", path: "f.txt/x", status: 404, level: errlog.Error, quiet: true,
			msg: `open() "DIR/f.txt/x" failed (20: Not a directory)`},
		{name: "name too long", path: strings.Repeat("a", 300), status: 404, level: errlog.Error, quiet: true,
			msg: `open() "` + long + `" failed (36: File name too long)`},
		{name: "fifo", path: "fifo", status: 404, level: errlog.Crit,
			msg: `"DIR/fifo" is not a regular file`},
		{name: "link loop", path: "loopa", status: 403, level: errlog.Error,
			msg: `open() "DIR/loopa" failed (40: Too many levels of symbolic links)`},
		{name: "symlink followed", path: "link"},
		{name: "disable_symlinks plain file", path: "sub/in.txt", opt: OpenOptions{DisableSymlinks: SymlinksOn}},
		{name: "disable_symlinks last component", path: "link", opt: OpenOptions{DisableSymlinks: SymlinksOn},
			status: 403, level: errlog.Error, msg: `openat() "DIR/link" failed (40: Too many levels of symbolic links)`},
		{name: "disable_symlinks directory component", path: "linkdir/in.txt", opt: OpenOptions{DisableSymlinks: SymlinksOn},
			status: 404, level: errlog.Error, quiet: true, msg: `openat() "DIR/linkdir/in.txt" failed (20: Not a directory)`},
		{name: "disable_symlinks missing", path: "nope", opt: OpenOptions{DisableSymlinks: SymlinksOn},
			status: 404, level: errlog.Error, quiet: true, msg: `openat() "DIR/nope" failed (2: No such file or directory)`},
		{name: "disable_symlinks dir", path: "sub", opt: OpenOptions{DisableSymlinks: SymlinksOn}, isDir: true},
		{name: "disable_symlinks from covers link", path: "linkdir/in.txt",
			opt: OpenOptions{DisableSymlinks: SymlinksOn, SymlinksFrom: "DIR/linkdir"}},
		{name: "disable_symlinks from with slash", path: "linkdir/in.txt",
			opt: OpenOptions{DisableSymlinks: SymlinksOn, SymlinksFrom: "DIR/linkdir/"}},
		{name: "disable_symlinks from whole path", path: "link",
			opt: OpenOptions{DisableSymlinks: SymlinksOn, SymlinksFrom: "DIR/link"}},
		{name: "disable_symlinks from other tree", path: "link",
			opt:    OpenOptions{DisableSymlinks: SymlinksOn, SymlinksFrom: "/elsewhere"},
			status: 403, level: errlog.Error, msg: `openat() "DIR/link" failed (40: Too many levels of symbolic links)`},
		{name: "disable_symlinks from missing", path: "nope/x",
			opt:    OpenOptions{DisableSymlinks: SymlinksOn, SymlinksFrom: "DIR/nope"},
			status: 404, level: errlog.Error, quiet: true, msg: `open() "DIR/nope/x" failed (2: No such file or directory)`},
		{name: "if_not_owner same owner", path: "link", opt: OpenOptions{DisableSymlinks: SymlinksIfNotOwner}},
		{name: "if_not_owner dir component", path: "linkdir/in.txt", opt: OpenOptions{DisableSymlinks: SymlinksIfNotOwner}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if !strings.HasPrefix(path, "/") {
				path = dir + "/" + path
			}
			tc.opt.SymlinksFrom = strings.ReplaceAll(tc.opt.SymlinksFrom, "DIR", dir)
			f, fi, oerr := Open(path, tc.opt)
			if tc.status != 0 {
				if oerr == nil {
					f.Close()
					t.Fatalf("no error")
				}
				want := strings.ReplaceAll(tc.msg, "DIR", dir)
				if oerr.Status != tc.status || oerr.Level != tc.level || oerr.Error() != want {
					t.Errorf("got %d/%d %q, want %d/%d %q", oerr.Status, oerr.Level, oerr.Error(), tc.status, tc.level, want)
				}
				if oerr.Logged(false) == tc.quiet || !oerr.Logged(true) {
					t.Errorf("Logged(false) = %v", oerr.Logged(false))
				}
				return
			}
			if oerr != nil {
				t.Fatal(oerr)
			}
			if tc.isDir {
				if f != nil || !fi.IsDir() {
					t.Fatalf("want directory, got %v %v", f, fi.Mode())
				}
				return
			}
			defer f.Close()
			if !fi.Mode().IsRegular() || fi.IsDir() {
				t.Fatalf("mode %v", fi.Mode())
			}
			st, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() != fi.Size() || !st.ModTime().Equal(fi.ModTime()) || st.Mode() != fi.Mode() {
				t.Errorf("FileInfo %v %v %v, os says %v %v %v", fi.Size(), fi.ModTime(), fi.Mode(), st.Size(), st.ModTime(), st.Mode())
			}
		})
	}
}

// TestOpenPermission needs an unprivileged user: root opens anything.
func TestOpenPermission(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root")
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "secret", "x", testMtime)
	os.Chmod(p, 0)
	_, _, oerr := Open(p, OpenOptions{})
	if oerr == nil || oerr.Status != 403 || oerr.Error() != `open() "`+p+`" failed (13: Permission denied)` {
		t.Fatalf("got %v", oerr)
	}
}

func TestOpenFailureMapping(t *testing.T) {
	for _, tc := range []struct {
		errno  syscall.Errno
		status int
		level  errlog.Level
		text   string
	}{
		{syscall.EACCES, 403, errlog.Error, "13: Permission denied"},
		{syscall.EMLINK, 403, errlog.Error, "31: Too many links"},
		{syscall.EMFILE, 500, errlog.Crit, "24: Too many open files"},
		{syscall.EIO, 500, errlog.Crit, "5: Input/output error"},
	} {
		e := openFailure("open()", "/p", tc.errno)
		if e.Status != tc.status || e.Level != tc.level || e.Error() != `open() "/p" failed (`+tc.text+`)` {
			t.Errorf("%v: %d %d %q", tc.errno, e.Status, e.Level, e.Error())
		}
	}
	if s := Strerror(syscall.Errno(4095)); s != "Unknown error 4095" {
		t.Errorf("unknown errno text %q", s)
	}
}

package httpd

import (
	"os"

	"weir/internal/static"
)

// openOptions is ngx_http_set_disable_symlinks: the location's
// disable_symlinks, with its from= value evaluated for this request.
func (q *request) openOptions() static.OpenOptions {
	sy := q.lc.DisableSymlinks.V
	if sy == nil || sy.Mode == 0 {
		return static.OpenOptions{}
	}
	o := static.OpenOptions{DisableSymlinks: static.Symlinks(sy.Mode)}
	if sy.From != nil {
		o.SymlinksFrom = q.eval(sy.From)
	}
	return o
}

// statPath tests a path as ngx_open_cached_file does for try_files,
// index and the rewrite module's file tests: the error is the errno,
// op the call nginx names when it logs it.
func (q *request) statPath(path string) (os.FileInfo, string, error) {
	fi, op, errno := static.StatPath(path, q.openOptions())
	if errno != 0 {
		return nil, op, errno
	}
	return fi, "", nil
}

// openPath opens a file as ngx_open_cached_file does, disable_symlinks
// applied (gzip_static's .gz file).
func (q *request) openPath(path string) (*os.File, string, error) {
	f, op, errno := static.OpenRaw(path, q.openOptions())
	if errno != 0 {
		return nil, op, errno
	}
	return f, "", nil
}

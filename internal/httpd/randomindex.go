package httpd

import (
	"math/rand/v2"
	"os"
	"strings"
	"syscall"

	"weir/internal/errlog"
)

// randomIndex is ngx_http_random_index_handler, for a GET, HEAD or POST
// of a URI ending in "/" where random_index is on: one of the
// directory's regular files whose names do not start with a dot, picked
// at random, becomes the URI of an internal redirect (with the args).
// (The module's $random_index cannot be named in a configuration: nginx
// declares it unhashed, so it is an unknown variable.) A directory without such a file leaves the
// request to the index module. It reports whether it finished the
// request.
func (q *request) randomIndex() bool {
	if strings.IndexByte(q.uri, 0) >= 0 {
		return false
	}
	// the directory without its trailing slash, as nginx opens it
	dir := strings.TrimSuffix(q.mapURI(), "/")
	f, err := os.Open(dir)
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil && !fi.IsDir() {
			err = syscall.ENOTDIR
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		level, code := errlog.Crit, 500
		switch errnoOf(err) {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			level, code = errlog.Error, 404
		case syscall.EACCES:
			level, code = errlog.Error, 403
		}
		q.log().Logf(level, q.r.Conn.ID, "opendir() \"%s\" failed %s%s", dir, errlog.SysError(err), q.logSuffix())
		q.respondStatus(code)
		return true
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "readdir() \"%s\" failed %s%s", dir, errlog.SysError(err), q.logSuffix())
		q.respondStatus(500)
		return true
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		// ngx_de_info: what the name leads to (a symlink to a file is a
		// file), the link itself when it leads nowhere
		p := dir + "/" + e.Name()
		fi, err := os.Stat(p)
		if err != nil {
			if errnoOf(err) != syscall.ENOENT {
				q.log().Logf(errlog.Crit, q.r.Conn.ID, "stat() \"%s\" failed %s%s", p, errlog.SysError(err), q.logSuffix())
				q.respondStatus(500)
				return true
			}
			if fi, err = os.Lstat(p); err != nil {
				q.log().Logf(errlog.Crit, q.r.Conn.ID, "lstat() \"%s\" failed %s%s", p, errlog.SysError(err), q.logSuffix())
				q.respondStatus(500)
				return true
			}
		}
		if fi.Mode().IsRegular() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return false
	}
	name := names[rand.IntN(len(names))]
	q.internalRedirect(q.uri + name)
	return true
}

package httpd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/static"
)

// dav is ngx_http_dav_handler for the methods dav_methods lists: PUT,
// DELETE, MKCOL, COPY and MOVE of files under root or alias.
func (q *request) dav() {
	if q.method == "PUT" {
		q.davPut()
		return
	}
	var code int
	switch q.method {
	case "DELETE":
		code = q.davDelete()
	case "MKCOL":
		code = q.davMkcol()
	default:
		code = q.davCopyMove()
	}
	// ngx_http_finalize_request with the handler's code: a special
	// response, the unread body discarded
	q.discardSpecial()
	q.respondStatus(code)
}

// davHasBody is the test before DELETE, MKCOL, COPY and MOVE: a body
// (a positive length or chunked) is refused with 415.
func (q *request) davHasBody() bool {
	return q.r.ContentLength > 0 || q.r.Chunked
}

// davError is ngx_http_dav_error: the failed call logged with its errno
// and the status for it, notFound for a missing path.
func (q *request) davError(err error, notFound int, call, path string) int {
	level, code := errlog.Crit, 500
	switch errnoOf(err) {
	case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
		level, code = errlog.Error, notFound
	case syscall.EACCES, syscall.EPERM:
		level, code = errlog.Error, 403
	case syscall.EEXIST:
		level, code = errlog.Error, 405
	case syscall.ENOSPC:
		code = 507
	}
	q.log().Logf(level, q.r.Conn.ID, "%s \"%s\" failed %s%s", call, path, errlog.SysError(err), q.logSuffix())
	return code
}

// davErrorf logs an error-level line for the request.
func (q *request) davErrorf(format string, args ...any) {
	q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s", fmt.Sprintf(format, args...), q.logSuffix())
}

// davLocation is ngx_http_dav_location: the Location of a 201, the URI
// escaped (the header filter makes it absolute).
func (q *request) davLocation() {
	q.w.Header = append(q.w.Header, httpcore.Header{Name: "Location", Value: escapeURI.escape(q.uri)})
}

// The Depth header values of ngx_http_dav_depth.
const (
	davInfinity     = -1
	davInvalidDepth = -2
)

// davDepth is ngx_http_dav_depth: "0", "1" or "infinity", dflt without
// the header; anything else is logged and invalid.
func (q *request) davDepth(dflt int) int {
	v, ok := q.r.Header("Depth")
	switch {
	case !ok:
		return dflt
	case v == "0":
		return 0
	case v == "1":
		return 1
	case v == "infinity":
		return davInfinity
	}
	q.davErrorf("client sent invalid \"Depth\" header: \"%s\"", v)
	return davInvalidDepth
}

// davPut is the PUT branch of ngx_http_dav_handler and
// ngx_http_dav_put_handler: the body goes to a temp file under
// client_body_temp_path, which is then renamed over the target (201 for
// a new file, 204 for one replaced), with the dav_access mode and the
// client's Date as its time.
func (q *request) davPut() {
	if strings.HasSuffix(q.uri, "/") {
		q.davErrorf("cannot PUT to a collection")
		q.discardSpecial()
		q.respondStatus(409)
		return
	}
	if _, ok := q.r.Header("Content-Range"); ok {
		q.davErrorf("PUT with range is unsupported")
		q.discardSpecial()
		q.respondStatus(501)
		return
	}
	temp, ok := q.davReadBody()
	if !ok {
		return
	}
	if temp == "" {
		// no body, so no file: nginx reads none into one
		q.davErrorf("PUT request body must be in a file")
		q.respondStatus(500)
		return
	}
	path := q.mapURI()
	status := 201
	if fi, err := os.Stat(path); err == nil {
		status = 204
		if fi.IsDir() {
			q.davErrorf("\"%s\" could not be created %s", path, errlog.SysError(syscall.EISDIR))
			q.davUnlink(temp)
			q.respondStatus(409)
			return
		}
	}
	mtime := int64(-1)
	if d, ok := q.r.Header("Date"); ok {
		mtime = static.ParseHTTPTime(d)
	}
	dav := &q.lc.Dav
	access := dav.FileAccess()
	if !q.davRename(temp, path, access, access, mtime, dav.CreateFullPutPath.V, true) {
		q.respondStatus(500)
		return
	}
	w := q.w
	w.Status, q.status = status, status
	w.ContentType = ""
	w.LastModified = time.Time{}
	w.ContentLength = -1
	if status == 201 {
		q.davLocation()
		w.ContentLength = 0
	}
	q.writeHeaderOnly()
}

// davReadBody reads the whole body into a temp file and returns its
// name; "" when the request has neither a length nor chunks. It answers the client itself on
// failure and then reports false.
func (q *request) davReadBody() (string, bool) {
	q.bodyHandled = true
	r := q.r
	if r.ContentLength < 0 && !r.Chunked {
		// no body at all (a zero length still makes an empty file)
		return "", true
	}
	f, err := q.createBodyTemp()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() temp file failed %s%s", errlog.SysError(err), q.logSuffix())
		q.respondStatus(500)
		return "", false
	}
	name := f.Name()
	// request_body_file_group_access
	f.Chmod(0o660)
	r.BufferBody()
	_, err = io.Copy(f, r.Body())
	cerr := f.Close()
	if err != nil {
		os.Remove(name)
		var pe *os.PathError
		if errors.As(err, &pe) {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "write() \"%s\" failed %s%s", name, errlog.SysError(err), q.logSuffix())
			q.respondStatus(500)
			return "", false
		}
		q.bodyError(err)
		return "", false
	}
	if cerr != nil {
		os.Remove(name)
		q.respondStatus(500)
		return "", false
	}
	return name, true
}

// davUnlink removes a file whose removal is not the point, logging a
// failure at crit.
func (q *request) davUnlink(name string) {
	if err := os.Remove(name); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "unlink() \"%s\" failed %s%s", name, errlog.SysError(err), q.fileLogSuffix())
	}
}

// davRename is ngx_ext_rename_file: src gets the mode access (0: kept)
// and the time mtime (-1: kept), then is renamed to dst; a missing
// directory on the way is made (createPath, with the directory form of
// pathAccess) and the rename tried again; across file systems the file
// is copied. On failure src is removed when deleteSrc says so.
func (q *request) davRename(src, dst string, access, pathAccess uint32, mtime int64, createPath, deleteSrc bool) bool {
	err := q.davRenameTry(src, dst, access, pathAccess, mtime, createPath)
	if err == nil {
		return true
	}
	if deleteSrc {
		q.davUnlink(src)
	}
	if err != errLogged {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "rename() \"%s\" to \"%s\" failed %s%s", src, dst, errlog.SysError(err), q.fileLogSuffix())
	}
	return false
}

// errLogged is a failure davRenameTry has logged already.
var errLogged = errors.New("logged")

func (q *request) davRenameTry(src, dst string, access, pathAccess uint32, mtime int64, createPath bool) error {
	if access != 0 {
		if err := os.Chmod(src, os.FileMode(access)); err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "chmod() \"%s\" failed %s%s", src, errlog.SysError(err), q.fileLogSuffix())
			return errLogged
		}
	}
	if mtime != -1 {
		if err := davSetTime(src, mtime); err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "utimes() \"%s\" failed %s%s", src, errlog.SysError(err), q.fileLogSuffix())
			return errLogged
		}
	}
	err := syscall.Rename(src, dst)
	if err == nil {
		return nil
	}
	if errnoOf(err) == syscall.ENOENT {
		if !createPath {
			return err
		}
		if cerr := createFullPath(dst, dirAccess(pathAccess)); cerr != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "mkdir() \"%s\" failed %s%s", dst, errlog.SysError(cerr), q.fileLogSuffix())
			return errLogged
		}
		if err = syscall.Rename(src, dst); err == nil {
			return nil
		}
	}
	if errnoOf(err) != syscall.EXDEV {
		return err
	}
	// across file systems: a copy next to dst, renamed over it
	tmp := fmt.Sprintf("%s.%010d", dst, tempNumber.Add(1))
	if !q.davCopyFile(src, tmp, access, mtime) {
		return errLogged
	}
	if err := syscall.Rename(tmp, dst); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "rename() \"%s\" to \"%s\" failed %s%s", tmp, dst, errlog.SysError(err), q.fileLogSuffix())
		q.davUnlink(tmp)
		return errLogged
	}
	if err := os.Remove(src); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "unlink() \"%s\" failed %s%s", src, errlog.SysError(err), q.fileLogSuffix())
	}
	return nil
}

// davSetTime is ngx_set_file_time: both times of name set to t.
func davSetTime(name string, t int64) error {
	tm := time.Unix(t, 0)
	return os.Chtimes(name, tm, tm)
}

// dirAccess is ngx_dir_access: a file mode with search rights wherever
// it has read rights.
func dirAccess(a uint32) uint32 { return a | (a&0o444)>>2 }

// createFullPath is ngx_create_full_path: every directory on the way to
// the file name made with mode access; one that exists is fine, one not
// allowed is passed over, and the first other failure is returned.
func createFullPath(name string, access uint32) error {
	var last error
	for i := 1; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		err := syscall.Mkdir(name[:i], access)
		switch {
		case err == nil, err == syscall.EEXIST:
			last = nil
		case err == syscall.EACCES:
			last = err
		default:
			return err
		}
	}
	return last
}

// davCopyFile is ngx_copy_file: from's bytes into to (created with mode
// access, or truncated), then to's time set to mtime unless it is -1.
func (q *request) davCopyFile(from, to string, access uint32, mtime int64) bool {
	in, err := os.Open(from)
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", from, errlog.SysError(err), q.fileLogSuffix())
		return false
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "fstat() \"%s\" failed %s%s", from, errlog.SysError(err), q.fileLogSuffix())
		return false
	}
	size := fi.Size()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(access))
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", to, errlog.SysError(err), q.fileLogSuffix())
		return false
	}
	ok := true
	n, err := io.CopyN(out, in, size)
	switch {
	case err == io.EOF:
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "read() has read only %d of %d from %s%s", n, size, from, q.fileLogSuffix())
		ok = false
	case err != nil:
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "write() \"%s\" failed %s%s", to, errlog.SysError(err), q.fileLogSuffix())
		ok = false
	case mtime != -1:
		if err := davSetTime(to, mtime); err != nil {
			q.log().Logf(errlog.Alert, q.r.Conn.ID, "utimes() \"%s\" failed %s%s", to, errlog.SysError(err), q.fileLogSuffix())
			ok = false
		}
	}
	if err := out.Close(); err != nil {
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "close() \"%s\" failed %s%s", to, errlog.SysError(err), q.fileLogSuffix())
	}
	return ok
}

// davDelete is ngx_http_dav_delete_handler: a file (Depth 0 or
// infinity) or, under a URI ending in "/", a directory with everything
// in it (Depth infinity); min_delete_depth protects the upper levels.
func (q *request) davDelete() int {
	if q.davHasBody() {
		q.davErrorf("DELETE with body is unsupported")
		return 415
	}
	if min := q.lc.Dav.MinDeleteDepth.V; min > 0 {
		d, ok := int64(0), false
		for i := 0; i < len(q.uri) && !ok; i++ {
			if q.uri[i] == '/' {
				d++
				ok = d >= min && i+1 < len(q.uri)
			}
		}
		if !ok {
			q.davErrorf("insufficient URI depth:%d to DELETE", d)
			return 409
		}
	}
	path := q.mapURI()
	fi, err := os.Lstat(path)
	if err != nil {
		nf := 404
		if errnoOf(err) == syscall.ENOTDIR {
			nf = 409
		}
		return q.davError(err, nf, "lstat()", path)
	}
	dir := fi.IsDir()
	if dir {
		if !strings.HasSuffix(q.uri, "/") {
			q.davErrorf("DELETE \"%s\" failed %s", path, errlog.SysError(syscall.EISDIR))
			return 409
		}
		if q.davDepth(davInfinity) != davInfinity {
			q.davErrorf("\"Depth\" header must be infinity")
			return 400
		}
		path = strings.TrimSuffix(path, "/")
	} else if d := q.davDepth(0); d != 0 && d != davInfinity {
		q.davErrorf("\"Depth\" header must be 0 or infinity")
		return 400
	}
	if code := q.davDeletePath(path, dir); code != 0 {
		return code
	}
	return 204
}

// davDeletePath is ngx_http_dav_delete_path: a directory's tree goes
// first (failures logged and passed over), then the directory; it
// returns 0 on success, else the status.
func (q *request) davDeletePath(path string, dir bool) int {
	if !dir {
		if err := syscall.Unlink(path); err != nil {
			return q.davError(err, 404, "unlink()", path)
		}
		return 0
	}
	del := func(p string) {
		if err := syscall.Unlink(p); err != nil {
			q.davError(err, 0, "unlink()", p)
		}
	}
	walk := davWalk{file: del, spec: del, post: func(p string, _ os.FileInfo) {
		if err := syscall.Rmdir(p); err != nil {
			q.davError(err, 0, "rmdir()", p)
		}
	}}
	if !q.walkTree(&walk, path) {
		return 500
	}
	if err := syscall.Rmdir(path); err != nil {
		return q.davError(err, 404, "rmdir()", path)
	}
	return 0
}

// davWalk holds the callbacks of ngx_walk_tree: file for regular files,
// pre and post around each directory, spec for anything else (links).
type davWalk struct {
	file func(p string)
	copy func(p string, fi os.FileInfo)
	pre  func(p string, fi os.FileInfo)
	post func(p string, fi os.FileInfo)
	spec func(p string)
}

// walkTree is ngx_walk_tree: the entries of dir in directory order,
// each stat()ed (a failure is logged and the entry passed over) and
// told apart by what it leads to (a symlink to a directory is walked
// into, as nginx's ngx_de_info makes it), subdirectories depth first.
func (q *request) walkTree(w *davWalk, dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		if errnoOf(err) == syscall.ENOENT {
			return true
		}
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "opendir() \"%s\" failed %s%s", dir, errlog.SysError(err), q.logSuffix())
		return false
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "readdir() \"%s\" failed %s%s", dir, errlog.SysError(err), q.logSuffix())
		return false
	}
	for _, e := range entries {
		p := dir + "/" + e.Name()
		fi, err := os.Stat(p)
		if err != nil {
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "stat() \"%s\" failed %s%s", p, errlog.SysError(err), q.logSuffix())
			continue
		}
		switch t := fi.Mode(); {
		case t.IsRegular():
			if w.copy != nil {
				w.copy(p, fi)
			} else if w.file != nil {
				w.file(p)
			}
		case t.IsDir():
			if w.pre != nil {
				w.pre(p, fi)
			}
			if !q.walkTree(w, p) {
				return false
			}
			if w.post != nil {
				w.post(p, fi)
			}
		default:
			if w.spec != nil {
				w.spec(p)
			}
		}
	}
	return true
}

// davMkcol is ngx_http_dav_mkcol_handler: a URI ending in "/" names the
// directory to make, with the directory form of dav_access.
func (q *request) davMkcol() int {
	if q.davHasBody() {
		q.davErrorf("MKCOL with body is unsupported")
		return 415
	}
	if !strings.HasSuffix(q.uri, "/") {
		q.davErrorf("MKCOL can create a collection only")
		return 409
	}
	path := strings.TrimSuffix(q.mapURI(), "/")
	if err := syscall.Mkdir(path, dirAccess(q.lc.Dav.FileAccess())); err != nil {
		return q.davError(err, 409, "mkdir()", path)
	}
	q.davLocation()
	return 201
}

// davCopyMove is ngx_http_dav_copy_move_handler: the Destination (a path
// or a URL of this host), Depth and Overwrite checked, then the file or
// the tree copied or moved.
func (q *request) davCopyMove() int {
	if q.davHasBody() {
		q.davErrorf("COPY and MOVE with body are unsupported")
		return 415
	}
	dest, ok := q.r.Header("Destination")
	if !ok {
		q.davErrorf("client sent no \"Destination\" header")
		return 400
	}
	duri, code := q.davDestination(dest)
	if code != 0 {
		return code
	}
	srcSlash := strings.HasSuffix(q.uri, "/")
	if srcSlash != strings.HasSuffix(dest, "/") {
		q.davErrorf("both URI \"%s\" and \"Destination\" URI \"%s\" should be either collections or non-collections", q.uri, dest)
		return 409
	}
	if n := q.lc.AliasLen; q.lc.Alias && n > 0 && !q.locChanged {
		if n > len(duri) || n > len(q.uri) || duri[:n] != q.uri[:n] {
			q.davErrorf("\"Destination\" URI \"%s\" must be within location prefix when using \"alias\"", dest)
			return 400
		}
	}
	if d := q.davDepth(davInfinity); d != davInfinity {
		if q.method == "COPY" && d != 0 {
			q.davErrorf("\"Depth\" header must be 0 or infinity")
			return 400
		}
		if q.method == "MOVE" {
			q.davErrorf("\"Depth\" header must be infinity")
			return 400
		}
	}
	overwrite := true
	if v, ok := q.r.Header("Overwrite"); ok {
		switch v {
		case "T", "t":
		case "F", "f":
			overwrite = false
		default:
			q.davErrorf("client sent invalid \"Overwrite\" header: \"%s\"", v)
			return 400
		}
	}
	path := davMergeSlashes(q.mapURI())
	to := davMergeSlashes(q.mapPath(duri))
	slash := strings.HasSuffix(to, "/")
	to = strings.TrimSuffix(to, "/")
	if code := q.davValidatePaths(path, to, slash, dest); code != 0 {
		return code
	}
	destDir := false
	if fi, err := os.Lstat(to); err != nil {
		if errnoOf(err) != syscall.ENOENT {
			return q.davError(err, 404, "lstat()", to)
		}
		overwrite = false
	} else {
		if fi.IsDir() && !slash {
			q.davErrorf("\"%s\" could not be %sed to collection \"%s\"", q.uri, q.method, dest)
			return 409
		}
		if !overwrite {
			q.davErrorf("\"%s\" could not be created %s", to, errlog.SysError(syscall.EEXIST))
			return 412
		}
		destDir = fi.IsDir()
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return q.davError(err, 404, "lstat()", path)
	}
	if !fi.IsDir() {
		if q.method == "MOVE" {
			if q.davRename(path, to, 0, q.lc.Dav.FileAccess(), -1, true, false) {
				return 204
			}
			return 500
		}
		if q.davCopyFile(path, to, uint32(fi.Mode().Perm()), fi.ModTime().Unix()) {
			return 204
		}
		return 500
	}
	if !srcSlash {
		q.davErrorf("\"%s\" is collection", q.uri)
		return 400
	}
	if overwrite {
		if code := q.davDeletePath(to, destDir); code != 0 {
			return code
		}
	}
	path = strings.TrimSuffix(path, "/")
	if q.method == "MOVE" && os.Rename(path, to) == nil {
		return 201
	}
	if err := syscall.Mkdir(to, uint32(fi.Mode().Perm())); err != nil {
		return q.davError(err, 404, "mkdir()", to)
	}
	target := func(p string) string { return to + p[len(path):] }
	walk := davWalk{
		copy: func(p string, fi os.FileInfo) {
			q.davCopyFile(p, target(p), uint32(fi.Mode().Perm()), fi.ModTime().Unix())
		},
		pre: func(p string, fi os.FileInfo) {
			if err := syscall.Mkdir(target(p), dirAccess(uint32(fi.Mode().Perm()))); err != nil {
				q.davError(err, 0, "mkdir()", target(p))
			}
		},
		post: func(p string, fi os.FileInfo) {
			if err := davSetTime(target(p), fi.ModTime().Unix()); err != nil {
				q.log().Logf(errlog.Alert, q.r.Conn.ID, "utimes() \"%s\" failed %s%s", target(p), errlog.SysError(err), q.logSuffix())
			}
		},
	}
	if !q.walkTree(&walk, path) {
		return 500
	}
	if q.method == "MOVE" {
		if code := q.davDeletePath(path, true); code != 0 {
			return code
		}
	}
	return 201
}

// davDestination takes the path out of a Destination header: one that
// starts with "/" is the path; else it must be a URL with this request's
// scheme and host, whose path starts at the first "/" after the host.
// The path is then checked and unescaped as ngx_http_parse_unsafe_uri
// does, its args dropped. It returns the path, or the status of a bad
// header.
func (q *request) davDestination(dest string) (string, int) {
	p := dest
	if !strings.HasPrefix(dest, "/") {
		host := q.hostHeaderValue()
		if host == "" {
			q.davErrorf("client sent no \"Host\" header")
			return "", 400
		}
		scheme := "http://"
		if q.tlsState() != nil {
			scheme = "https://"
		}
		rest, ok := strings.CutPrefix(dest, scheme)
		if !ok {
			return "", q.davBadDestination(dest)
		}
		if !strings.HasPrefix(rest, host) {
			q.davErrorf("\"Destination\" URI \"%s\" is handled by different repository than the source URI", dest)
			return "", 400
		}
		i := strings.IndexByte(rest[len(host):], '/')
		if i < 0 {
			return "", q.davBadDestination(dest)
		}
		p = rest[len(host)+i:]
	}
	uri, _, bad, ok := parseUnsafeURI(p)
	if !ok {
		q.davErrorf("unsafe URI \"%s\" was detected", bad)
		return "", q.davBadDestination(dest)
	}
	return uri, 0
}

func (q *request) davBadDestination(dest string) int {
	q.davErrorf("client sent invalid \"Destination\" header: \"%s\"", dest)
	return 400
}

// davValidatePaths refuses a copy or move onto itself or of a directory
// into itself (ngx_http_dav_validate_paths of later nginx releases;
// nginx 1.22 truncates the file or recurses until the path is too long).
func (q *request) davValidatePaths(src, dst string, slash bool, dest string) int {
	s := strings.TrimSuffix(src, "/")
	if s == dst {
		q.davErrorf("both URI \"%s\" and \"Destination\" URI \"%s\" point to the same location", q.uri, dest)
		return 403
	}
	if slash && (strings.HasPrefix(dst, s+"/") || strings.HasPrefix(s, dst+"/")) {
		q.davErrorf("\"%s\" could not be %sed to collection \"%s\"", q.uri, q.method, dest)
		return 403
	}
	return 0
}

// davMergeSlashes is ngx_http_dav_merge_slashes: runs of "/" in a path
// become one.
func davMergeSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	b := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && len(b) > 0 && b[len(b)-1] == '/' {
			continue
		}
		b = append(b, p[i])
	}
	return string(b)
}

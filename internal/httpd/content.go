package httpd

import (
	"errors"
	"strconv"
	"strings"
	"syscall"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// contentPhase runs the preaccess (realip, limit_req, limit_conn), access,
// precontent (try_files) and content phases.
func (q *request) contentPhase() {
	q.realip(q.lc)
	if !q.preaccess() {
		return
	}
	if q.main == nil && !q.accessPhase() {
		return
	}
	if q.tryFiles() {
		return
	}
	if q.mirror() {
		return
	}
	if p, tr := q.passHere(); p != nil {
		q.upstreamPass(p, tr)
		if px := q.px; px != nil && px.watch.logged.Load() {
			// a client that left ends as ngx_http_terminate_request
			// ends it: the connection closes without a lingering close
			q.w.Lingering = httpcore.LingerOff
		}
		return
	}
	if q.moduleContent() {
		return
	}
	q.staticContent()
}

// documentRoot evaluates root or alias for the current location, each
// time: $document_root is not cacheable in nginx, it follows internal
// redirects and the variables of the root.
func (q *request) documentRoot() string {
	return q.eval(q.lc.Root.V)
}

// mapURI maps the current URI to a file path (ngx_http_map_uri_to_path).
func (q *request) mapURI() string {
	return q.mapPath(q.uri)
}

func (q *request) mapPath(uri string) string {
	root := q.eval(q.lc.Root.V)
	if !q.lc.Alias {
		return root + uri
	}
	n := q.lc.AliasLen
	if n < 0 {
		// an alias in a regex location names the whole path, unless
		// try_files put its file there (r->add_uri_to_alias)
		if q.addURIToAlias {
			return root + uri
		}
		return root
	}
	// the prefix of the location that set the alias, nested locations
	// included (ngx_http_map_uri_to_path)
	if n <= len(uri) {
		return root + uri[n:]
	}
	return root + uri
}

// tryFiles implements ngx_http_try_files_handler. It reports whether it
// finished the request.
func (q *request) tryFiles() bool {
	// ngx_http_core_try_files_phase reads the try_files of the
	// configuration in force, which is not inherited: an if block that
	// matched, or limit_except's block, has none of its own.
	tf := q.lc.TryFiles
	if len(tf) == 0 {
		return false
	}
	if q.aliasLost() {
		// the first name is mapped after the location's path
		q.respondStatus(500)
		return true
	}
	for _, v := range tf[:len(tf)-1] {
		// ngx_http_try_files: an entry written with a trailing "/"
		// tests a directory, and its "/" is dropped from the name, so
		// the URI becomes the directory without it (which the static
		// module then redirects to the slashed form). The name is a
		// path as a whole: a "?" in it is no query.
		name := q.eval(v)
		dir := strings.HasSuffix(v.Raw, "/")
		if dir {
			name = strings.TrimSuffix(name, "/")
		}
		fixedAlias := q.lc.Alias && q.lc.AliasLen >= 0
		regexAlias := q.lc.Alias && q.lc.AliasLen < 0
		var p string
		switch {
		case fixedAlias:
			name = q.aliasTryName(v, name)
			p = q.eval(q.lc.Root.V) + name
		case regexAlias:
			// ngx_http_core_try_files_phase appends the name to what
			// the alias of a regex location names
			p = q.mapPath(name) + name
		default:
			p = q.mapPath(name)
		}
		fi, op, err := q.statPath(p)
		if err != nil {
			if en := errnoOf(err); en != syscall.ENOENT && en != syscall.ENOTDIR && en != syscall.ENAMETOOLONG {
				q.log().Logf(errlog.Crit, q.r.Conn.ID, "%s \"%s\" failed %s%s", op, p, errlog.SysError(err), q.logSuffix())
			}
			continue
		}
		if fi.IsDir() != dir {
			continue
		}
		if regexAlias {
			// the file found is the alias and the name; a directory
			// leaves the URI as it was
			if !dir {
				q.uri, q.addURIToAlias = name, true
			}
			return false
		}
		if fixedAlias {
			// the location's part of the URI, then the name
			name = q.uri[:min(q.lc.AliasLen, len(q.uri))] + name
		}
		q.uri = name
		return false
	}
	last := q.eval(tf[len(tf)-1])
	if q.lc.Alias && q.lc.AliasLen >= 0 {
		last = q.aliasTryName(tf[len(tf)-1], last)
	}
	switch {
	case strings.HasPrefix(last, "="):
		code, _ := strconv.Atoi(last[1:])
		q.respondStatus(code)
	case strings.HasPrefix(last, "@"):
		q.namedRedirect(last)
	default:
		// ngx_http_split_args leaves the args of a URI without "?"
		// empty but set ($args is "", not "-").
		uri, args, _ := strings.Cut(last, "?")
		q.uriAfterSlash = uri == "" && q.lc.Alias && strings.HasSuffix(q.eval(q.lc.Root.V), "/")
		q.args, q.argsSet = args, true
		q.internalRedirect(uri)
	}
	return true
}

// staticContent runs nginx's content handlers in their order: index,
// autoindex, static.
func (q *request) staticContent() {
	m := q.method
	if q.lc.Dav.Handles(m) {
		// the dav module's methods, which the handlers before it
		// (random_index, index, autoindex) leave alone
		q.dav()
		return
	}
	getLike := m == "GET" || m == "HEAD" || m == "POST"
	if strings.HasSuffix(q.uri, "/") || q.uri == "" && q.uriAfterSlash {
		if getLike {
			if q.lc.RandomIndex.V && q.randomIndex() {
				return
			}
			if q.index() {
				return
			}
			if q.lc.Autoindex.V && m != "POST" {
				q.autoindex()
				return
			}
		}
		if !getLike {
			q.discardSpecial()
			q.respondStatus(405)
			return
		}
		if !q.aliasLost() {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "directory index of \"%s\" is forbidden%s", q.mapURI(), q.logSuffix())
		}
		q.respondStatus(403)
		return
	}
	if q.lc.Gzip.Static.V != "off" && (m == "GET" || m == "HEAD") && q.gzipStatic() {
		return
	}
	if !getLike {
		q.discardSpecial()
		q.respondStatus(405)
		return
	}
	q.serveStatic()
}

// aliasLost is the refusal of ngx_http_map_uri_to_path: a location with
// alias cannot map a URI that "rewrite ... break" (or a rewrite and then
// break) changed (r->valid_location is 0), nor, while its script still
// runs, one that a rewrite without flag changed; nginx logs an alert and
// the handler fails ($request_filename is then not found).
func (q *request) aliasLost() bool {
	if !q.lc.Alias || !(q.locChanged || q.uriChanged) || q.loc == nil {
		return false
	}
	q.log().Logf(errlog.Alert, q.r.Conn.ID, "\"alias\" cannot be used in location \"%s\" where URI was rewritten%s", q.loc.Name, q.logSuffix())
	return true
}

// index implements ngx_http_index_handler; it reports whether it
// finished the request (internal redirect or error).
func (q *request) index() bool {
	dirTested := false
	for _, v := range q.lc.Index.V {
		name := q.eval(v)
		if strings.HasPrefix(name, "/") {
			q.internalRedirect(name)
			return true
		}
		if q.aliasLost() {
			q.respondStatus(500)
			return true
		}
		p := q.mapURI() + name
		_, op, err := q.statPath(p)
		if err != nil {
			en := errnoOf(err)
			if en == syscall.ELOOP || en == syscall.EMLINK {
				q.respondStatus(403)
				return true
			}
			if en == syscall.ENOTDIR || en == syscall.ENAMETOOLONG || en == syscall.EACCES {
				return q.indexError(p, err)
			}
			if !dirTested {
				if q.indexTestDir(p) {
					return true
				}
				dirTested = true
			}
			if en == syscall.ENOENT {
				continue
			}
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "%s \"%s\" failed %s%s", op, p, errlog.SysError(err), q.logSuffix())
			q.respondStatus(500)
			return true
		}
		q.internalRedirect(q.uri + name)
		return true
	}
	return false
}

// indexTestDir is ngx_http_index_test_dir: once an index file is
// missing, the directory itself is checked; it reports whether the
// request was answered. The directory is stat()ed without its trailing
// slash, and its absence is reported with the index file's path, as
// nginx does (it puts the byte it cut back before logging).
func (q *request) indexTestDir(indexPath string) bool {
	dir := strings.TrimSuffix(q.mapURI(), "/")
	fi, op, err := q.statPath(dir)
	if err != nil {
		switch errnoOf(err) {
		case syscall.ELOOP, syscall.EMLINK:
			q.respondStatus(403)
			return true
		case syscall.ENOENT:
			return q.indexError(indexPath, err)
		case syscall.EACCES:
			return false
		}
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "%s \"%s\" failed %s%s", op, dir, errlog.SysError(err), q.logSuffix())
		q.respondStatus(500)
		return true
	}
	if !fi.IsDir() {
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "\"%s\" is not a directory%s", indexPath, q.logSuffix())
		q.respondStatus(500)
		return true
	}
	return false
}

func (q *request) indexError(p string, err error) bool {
	if errnoOf(err) == syscall.EACCES {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "\"%s\" is forbidden %s%s", p, errlog.SysError(err), q.logSuffix())
		q.respondStatus(403)
		return true
	}
	if q.lc.LogNotFound.V {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "\"%s\" is not found %s%s", p, errlog.SysError(err), q.logSuffix())
	}
	q.respondStatus(404)
	return true
}

// errnoOf digs the errno out of an os error.
func errnoOf(err error) syscall.Errno {
	var en syscall.Errno
	if errors.As(err, &en) {
		return en
	}
	return 0
}

// discardSpecial is the discard of ngx_http_special_response_handler:
// no "100 Continue" before one of nginx's own answers (expect_tested).
func (q *request) discardSpecial() int {
	if q.main != nil {
		return 0
	}
	q.r.ExpectTested()
	return q.discardBody()
}

// discardBody reads and drops the request body so the connection stays
// usable (ngx_http_discard_request_body). Broken chunked framing or a
// chunked body over client_max_body_size is logged as nginx's discard
// filter does, and its status returned (400, 413; 0 otherwise): the
// static handler and ngx_http_send_response answer with it, special
// responses only close the connection.
func (q *request) discardBody() int {
	if q.bodyHandled {
		return 0
	}
	q.bodyHandled = true
	err := q.r.DiscardBody()
	if err == nil {
		return 0
	}
	q.w.KeepAlive = false
	code := 0
	switch {
	case errors.Is(err, httpcore.ErrBadChunk):
		code = 400
	case errors.Is(err, httpcore.ErrBodyTooLarge):
		code = 413
	default:
		return 0
	}
	msg := q.r.ErrMsg
	if msg == "" {
		msg = "client sent invalid chunked body"
	}
	q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s", msg, q.logSuffix())
	return code
}

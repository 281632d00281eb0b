package httpd

import (
	"io/fs"
	"os"
	"strings"

	"weir/internal/errlog"
	"weir/internal/static"
)

// serveStatic is ngx_http_static_handler: map the URI to a file, redirect
// directories, then hand the file to internal/static.
func (q *request) serveStatic() {
	if q.aliasLost() {
		q.discardSpecial()
		q.respondStatus(500)
		return
	}
	path := q.mapURI()
	f, fi, oerr := static.Open(path, q.openOptions())
	if oerr != nil {
		if oerr.Logged(q.lc.LogNotFound.V) {
			q.log().Logf(oerr.Level, q.r.Conn.ID, "%s%s", oerr.Error(), q.logSuffix())
		}
		q.discardSpecial()
		q.respondStatus(oerr.Status)
		return
	}
	if fi.IsDir() {
		q.discardSpecial()
		// ngx_http_static_handler escapes the URI (NGX_ESCAPE_URI); the
		// args go as they are
		loc := escapeURI.escape(q.uri) + "/"
		if q.args != "" {
			loc += "?" + q.args
		}
		q.redirect(301, loc)
		return
	}
	q.sendStaticFile(f, fi, "")
}

// sendStaticFile answers with the open file f (closed here) as the
// static module does; encoding, when set, is a Content-Encoding written
// after the ETag (gzip_static's .gz file).
func (q *request) sendStaticFile(f *os.File, fi fs.FileInfo, encoding string) {
	q.sendFileBody(f, fi, encoding, nil, false)
}

// sendFileBody is sendStaticFile with body, when set, sent instead of
// the whole file (flv, mp4), and with singleRange one range at most
// (r->single_range).
func (q *request) sendFileBody(f *os.File, fi fs.FileInfo, encoding string, body *static.Body, singleRange bool) {
	defer f.Close()
	// ngx_http_static_handler sets c->log->action once the file is open
	q.fileSent = true
	if q.refused(q.method != "POST") {
		return
	}
	opt := static.DefaultOptions
	// the type comes from the URI's extension (r->exten), not from the
	// file alias maps it to
	opt.ContentType = q.contentType(q.uri)
	opt.ETag = q.lc.Etag.V
	opt.IfModifiedSince = q.imsMode()
	if q.lc.MaxRanges.V >= 0 {
		opt.MaxRanges = int(q.lc.MaxRanges.V)
	}
	opt.Sendfile = q.lc.Sendfile.V
	opt.Body = body
	if singleRange && opt.MaxRanges != 0 {
		opt.MaxRanges = 1
	}
	if encoding != "" {
		// gzip_static does not allow ranges (nor Accept-Ranges)
		opt.Encoding, opt.MaxRanges = encoding, 0
	}
	opt.ErrStatus = q.errStatus
	if q.main != nil && (q.method == "GET" || q.method == "HEAD") {
		// a subrequest's own method, not the client's; no
		// conditionals, no ranges
		opt.Subrequest, opt.MaxRanges = true, 0
	}
	q.staticSent = true
	q.prepareHeader()
	status, err := static.ServeFile(q.w, q.r, f, fi, &opt)
	if q.w.HeaderSent() {
		// the range filter runs after the headers filter and may have
		// made it a 206 ($status is the status that went out)
		q.status = q.w.Status
	}
	if status != 0 && !q.w.HeaderSent() {
		q.respondStatus(status)
		return
	}
	if err == static.ErrOverlappedRanges {
		// (only flv's Body has a prefix and takes several ranges)
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "%s while sending flv to client%s", err, q.logSuffix())
		q.w.Abort(false)
		return
	}
	if err != nil {
		q.w.KeepAlive = false
	}
}

// imsMode is the location's if_modified_since.
func (q *request) imsMode() static.IMS {
	switch q.lc.IfModifiedSince.V {
	case "off":
		return static.IMSOff
	case "before":
		return static.IMSBefore
	}
	return static.IMSExact
}

// contentType resolves types{} and default_type for path
// (ngx_http_set_content_type).
func (q *request) contentType(path string) string {
	if q.ctype != "" {
		// a type set before (X-Accel-Redirect keeps the upstream's)
		return q.ctype
	}
	ext := static.LookupExt(path)
	if ext != "" {
		if t, ok := q.lc.Types.V[ext]; ok {
			return t
		}
		if lower := strings.ToLower(ext); lower != ext {
			if t, ok := q.lc.Types.V[lower]; ok {
				return t
			}
		}
	}
	return q.lc.DefaultType.V
}

// autoindex lists the directory (ngx_http_autoindex_handler).
func (q *request) autoindex() {
	opt := static.DefaultAutoindexOptions
	opt.ExactSize = q.lc.AutoindexExact.V
	opt.Localtime = q.lc.AutoindexLocal.V
	switch q.lc.AutoindexFormat.V {
	case "json":
		opt.Format = static.FormatJSON
	case "jsonp":
		opt.Format = static.FormatJSONP
	case "xml":
		opt.Format = static.FormatXML
	}
	opt.Charset = q.autoindexCharset(opt.Format)
	q.discardBody()
	q.prepareHeader()
	status, errs := static.Autoindex(q.w, q.r, q.mapURI(), q.uri, &opt)
	for _, e := range errs {
		q.log().Logf(e.Level, q.r.Conn.ID, "%s%s", e.Error(), q.logSuffix())
	}
	if status != 0 && !q.w.HeaderSent() {
		q.respondStatus(status)
	}
}

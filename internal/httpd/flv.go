package httpd

import (
	"io/fs"
	"os"
	"strconv"
	"strings"

	"weir/internal/errlog"
	"weir/internal/static"
)

// flvHeader is what ngx_http_flv_module sends before the file when a
// start offset is asked for: an FLV header (audio and video) and a
// first PreviousTagSize of 0.
var flvHeader = []byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00")

// flv is ngx_http_flv_handler: a GET or HEAD of a regular file, sent
// whole or, with a start=N argument inside the file, as the FLV header
// followed by the file from byte N (pseudo-streaming); the ETag and
// Content-Length are those of what is sent, and ranges apply to it. It
// reports whether it finished the request; a URI ending in "/" or a
// path that is no regular file is left to the next handlers.
func (q *request) flv() bool {
	f, fi, declined := q.openStream()
	if f == nil {
		return !declined
	}
	var body *static.Body
	size := fi.Size()
	if v, found := argValue(q.args, "start"); found {
		// ngx_atoof: digits only; an offset past the file is none
		if start, err := strconv.ParseInt(v, 10, 64); err == nil && v[0] != '+' && start > 0 && start < size {
			body = &static.Body{Prefix: flvHeader, Start: start, End: size}
		}
	}
	q.sendFileBody(f, fi, "", body, false)
	return true
}

// openStream opens the file of the URI for flv and mp4 after discarding
// the request body, answering as they do a method other than GET and
// HEAD (405) and the failures (404, 403, 500, logged as the static
// module logs them). With f nil, the request was answered, or, when
// declined, the URI ends in "/" or the path is no regular file, and the
// next handlers have it (NGX_DECLINED).
func (q *request) openStream() (f *os.File, fi fs.FileInfo, declined bool) {
	if q.method != "GET" && q.method != "HEAD" {
		q.discardSpecial()
		q.respondStatus(405)
		return nil, nil, false
	}
	if strings.HasSuffix(q.uri, "/") {
		return nil, nil, true
	}
	if code := q.discardBody(); code != 0 {
		q.respondStatus(code)
		return nil, nil, false
	}
	f, fi, oerr := static.Open(q.mapURI(), q.openOptions())
	if oerr != nil {
		if oerr.Status == 404 && oerr.Level == errlog.Crit {
			// "is not a regular file": the static handler says so
			return nil, nil, true
		}
		if oerr.Logged(q.lc.LogNotFound.V) {
			q.log().Logf(oerr.Level, q.r.Conn.ID, "%s%s", oerr.Error(), q.logSuffix())
		}
		q.respondStatus(oerr.Status)
		return nil, nil, false
	}
	if fi.IsDir() {
		return nil, nil, true
	}
	return f, fi, false
}

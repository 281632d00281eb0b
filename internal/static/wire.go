package static

import (
	"io/fs"
	"os"

	"weir/internal/httpcore"
)

// ServeFile answers r with the regular file f (as opened by Open) the way
// nginx's static handler and the not-modified and range filters do, and
// returns the status of the response.
//
// When the returned status is 405 (a method other than GET and HEAD),
// 412 (If-Match or If-Unmodified-Since failed) or 416 (Range not
// satisfiable), nothing was sent: the caller answers with its special
// response for that status (error_page, or nginx's built-in page),
// keeping w.Header, which then holds what nginx keeps on such a response
// (for 416 the add_header fields of the first pass and "Content-Range:
// bytes */SIZE"). Any other status was sent with its header; err is then
// non-nil only when the body could not be sent in full (the engine's
// write error, or an *OpenError at alert level when the file shrank);
// the connection must then be closed.
//
// Header order is nginx's: ETag, then the fields added by w.OnHeader
// (add_header, expires), which ServeFile runs itself at the point of
// nginx's filter chain where the headers filter runs (after the
// not-modified filter, before the range filter), then Accept-Ranges or
// Content-Range. ServeFile neither closes f nor finishes the response.
func ServeFile(w *httpcore.Response, r *httpcore.Request, f *os.File, fi fs.FileInfo, opt *Options) (status int, err error) {
	return serveFile(w, w, r, f, fi, opt)
}

// Autoindex lists dir as ngx_http_autoindex_handler does. The caller has
// checked that autoindex is on, the URI ends in "/" and the method is GET
// or HEAD (nginx declines otherwise). uri is the request's current $uri
// (shown in the title), dir the path it maps to, with its trailing slash.
//
// The header is sent before the directory is read, as in nginx, without
// Content-Length or Last-Modified. The returned errors are what nginx
// logs, in order; when status is not 200 nothing was sent and the caller
// answers with its special response for status (404/403/500 when the
// directory cannot be opened, 400 for a bad JSONP callback). A failure
// after the header was sent returns 500 with w's header already out: the
// caller must close the connection.
func Autoindex(w *httpcore.Response, r *httpcore.Request, dir, uri string, opt *AutoindexOptions) (status int, logs []*OpenError) {
	return autoindex(w, w, r, dir, uri, opt)
}

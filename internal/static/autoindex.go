//go:build linux

package static

import (
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// Format is the autoindex_format.
type Format uint8

// The autoindex formats.
const (
	FormatHTML Format = iota
	FormatJSON
	FormatJSONP
	FormatXML
)

// AutoindexOptions are the location settings of the autoindex module.
// Start from DefaultAutoindexOptions (autoindex_exact_size is on by
// default).
type AutoindexOptions struct {
	Format    Format // autoindex_format
	ExactSize bool   // autoindex_exact_size
	Localtime bool   // autoindex_localtime
	// Charset is the charset the charset directive gives the listing's
	// type ("" when none applies; by default charset_types covers
	// text/html and application/javascript, so HTML and JSONP). It is
	// appended to Content-Type, and "utf-8" makes the HTML listing
	// measure and cut names in UTF-8 characters instead of bytes.
	Charset string
	// Location is the local time zone for autoindex_localtime; nil means
	// time.Local. As in nginx, the offset in effect now is applied to
	// every date.
	Location *time.Location
}

// DefaultAutoindexOptions are nginx's defaults.
var DefaultAutoindexOptions = AutoindexOptions{ExactSize: true}

// nameLen is NGX_HTTP_AUTOINDEX_NAME_LEN, the width of the name column.
const nameLen = 50

// entry is one listed directory entry.
type entry struct {
	name      string
	dir, file bool
	mtime     int64
	size      int64
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

func autoindex(w *httpcore.Response, out responder, r *httpcore.Request, dir, uri string, opt *AutoindexOptions) (int, []*OpenError) {
	path := dir
	if len(path) > 1 && path[len(path)-1] == '/' {
		path = path[:len(path)-1]
	}
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		errno := err.(syscall.Errno)
		var e *OpenError
		switch errno {
		case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
			e = syscallError(404, errlog.Error, "opendir()", path, errno)
		case syscall.EACCES:
			e = syscallError(403, errlog.Error, "opendir()", path, errno)
		default:
			e = syscallError(500, errlog.Crit, "opendir()", path, errno)
		}
		return e.Status, []*OpenError{e}
	}
	d := os.NewFile(uintptr(fd), path)
	defer d.Close()

	format := opt.Format
	var callback string
	if format == FormatJSONP {
		cb, ok := queryArg(r.Args, "callback")
		if ok {
			if e := checkCallback(cb); e != nil {
				return 400, []*OpenError{e}
			}
		}
		callback = cb
		if callback == "" {
			format = FormatJSON
		}
	}

	w.Status = 200
	w.ContentLength = -1
	w.LastModified = time.Time{}
	switch format {
	case FormatJSON:
		w.ContentType = "application/json"
	case FormatJSONP:
		w.ContentType = withCharset("application/javascript", opt.Charset)
	case FormatXML:
		w.ContentType = "text/xml; charset=utf-8"
	default:
		w.ContentType = withCharset("text/html", opt.Charset)
	}
	if err := out.WriteHeader(); err != nil {
		return 200, nil
	}
	if r.Method == "HEAD" {
		return 200, nil
	}

	names, err := d.Readdirnames(-1)
	var logs []*OpenError
	if err != nil {
		return 500, append(logs, syscallError(500, errlog.Crit, "readdir()", path, errnoOf(err)))
	}
	entries := make([]entry, 0, len(names))
	for _, name := range names {
		if name[0] == '.' {
			continue
		}
		filename := path + "/" + name
		var st syscall.Stat_t
		if err := syscall.Stat(filename, &st); err != nil {
			errno := err.(syscall.Errno)
			if errno != syscall.ENOENT && errno != syscall.ELOOP {
				logs = append(logs, syscallError(500, errlog.Crit, "stat()", filename, errno))
				if errno == syscall.EACCES {
					continue
				}
				return 500, logs
			}
			if err := syscall.Lstat(filename, &st); err != nil {
				return 500, append(logs, syscallError(500, errlog.Crit, "lstat()", filename, err.(syscall.Errno)))
			}
		}
		entries = append(entries, entry{
			name:  name,
			dir:   st.Mode&syscall.S_IFMT == syscall.S_IFDIR,
			file:  st.Mode&syscall.S_IFMT == syscall.S_IFREG,
			mtime: st.Mtim.Sec,
			size:  st.Size,
		})
	}
	sortEntries(entries)

	var body []byte
	switch format {
	case FormatJSON, FormatJSONP:
		body = appendJSONListing(nil, entries, callback, format == FormatJSONP)
	case FormatXML:
		body = appendXMLListing(nil, entries)
	default:
		utf8 := len(opt.Charset) == 5 && httpcore.EqualFold(opt.Charset, "utf-8")
		offset := int64(0)
		if opt.Localtime {
			loc := opt.Location
			if loc == nil {
				loc = time.Local
			}
			_, off := time.Now().In(loc).Zone()
			offset = int64(off)
		}
		body = appendHTMLListing(nil, uri, entries, utf8, opt.ExactSize, offset)
	}
	out.Write(body) // a write error is the engine's to log; it closes the connection
	return 200, logs
}

func withCharset(t, charset string) string {
	if charset == "" {
		return t
	}
	return t + "; charset=" + charset
}

func errnoOf(err error) syscall.Errno {
	if pe, ok := err.(*os.SyscallError); ok {
		err = pe.Err
	}
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if errno, ok := err.(syscall.Errno); ok {
		return errno
	}
	return 0
}

// sortEntries orders directories first, then by name byte for byte, as
// ngx_http_autoindex_cmp_entries does.
func sortEntries(es []entry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].dir != es[j].dir {
			return es[i].dir
		}
		return es[i].name < es[j].name
	})
}

// queryArg finds the argument name in args as ngx_http_arg does: the name
// is matched without regard to case, at the start or after "&", and must
// be followed by "="; the value is returned as sent, undecoded.
func queryArg(args, name string) (string, bool) {
	for i := 0; i+len(name) < len(args); i++ {
		if (i == 0 || args[i-1] == '&') && args[i+len(name)] == '=' && httpcore.EqualFold(args[i:i+len(name)], name) {
			v := args[i+len(name)+1:]
			for j := 0; j < len(v); j++ {
				if v[j] == '&' {
					return v[:j], true
				}
			}
			return v, true
		}
	}
	return "", false
}

// checkCallback validates a JSONP callback name as
// ngx_http_autoindex_jsonp_callback does.
func checkCallback(cb string) *OpenError {
	if len(cb) > 128 {
		return textError(400, errlog.Info, "", "client sent too long callback name: \""+cb+"\"")
	}
	for i := 0; i < len(cb); i++ {
		c := cb[i]
		if l := c | 0x20; l >= 'a' && l <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' {
			continue
		}
		return textError(400, errlog.Info, "", "client sent invalid callback name: \""+cb+"\"")
	}
	return nil
}

// appendHTMLListing appends the HTML page of ngx_http_autoindex_html.
func appendHTMLListing(b []byte, uri string, es []entry, utf8, exact bool, offset int64) []byte {
	b = append(b, "<html>\r\n<head><title>Index of "...)
	b = appendEscapeHTML(b, uri)
	b = append(b, "</title></head>\r\n<body>\r\n<h1>Index of "...)
	b = appendEscapeHTML(b, uri)
	b = append(b, "</h1><hr><pre><a href=\"../\">../</a>\r\n"...)

	for i := range es {
		e := &es[i]
		b = append(b, "<a href=\""...)
		b = appendEscapeURIComponent(b, e.name)
		if e.dir {
			b = append(b, '/')
		}
		b = append(b, "\">"...)

		n := len(e.name)
		if utf8 {
			n = utf8Length(e.name)
		}
		shown := e.name
		if n > nameLen {
			shown = e.name[:charsPrefix(e.name, nameLen-3, n != len(e.name))]
		}
		b = appendEscapeHTML(b, shown)
		if n > nameLen {
			b = append(b, "..&gt;</a>"...)
		} else {
			if e.dir && n < nameLen {
				b = append(b, '/')
				n++
			}
			b = append(b, "</a>"...)
			for ; n < nameLen; n++ {
				b = append(b, ' ')
			}
		}
		b = append(b, ' ')

		c := gmtime(e.mtime + offset)
		b = append2(b, c.day)
		b = append(b, '-')
		b = append(b, monthNames[c.month-1]...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(c.year), 10)
		b = append(b, ' ')
		b = append2(b, c.hour)
		b = append(b, ':')
		b = append2(b, c.min)
		b = append(b, ' ')

		b = appendSize(b, e, exact)
		b = append(b, "\r\n"...)
	}
	return append(b, "</pre><hr></body>\r\n</html>\r\n"...)
}

// appendSize appends the size column: 19 characters with
// autoindex_exact_size on, else 7 characters scaled to K, M or G with
// rounding half up.
func appendSize(b []byte, e *entry, exact bool) []byte {
	if exact {
		if e.dir {
			return append(b, "                  -"...)
		}
		return appendPad(b, e.size, 19, ' ')
	}
	if e.dir {
		return append(b, "      -"...)
	}
	const k, m, g = 1024, 1024 * 1024, 1024 * 1024 * 1024
	length := e.size
	var size int64
	var scale byte
	switch {
	case length > g-1:
		size = length / g
		if length%g > g/2-1 {
			size++
		}
		scale = 'G'
	case length > m-1:
		size = length / m
		if length%m > m/2-1 {
			size++
		}
		scale = 'M'
	case length > 9999:
		size = length / k
		if length%k > 511 {
			size++
		}
		scale = 'K'
	default:
		return appendPad(append(b, ' '), length, 6, ' ')
	}
	return append(appendPad(b, size, 6, ' '), scale)
}

// appendJSONListing appends the listing of ngx_http_autoindex_json, in
// a JSONP wrapper when jsonp is set.
func appendJSONListing(b []byte, es []entry, callback string, jsonp bool) []byte {
	if jsonp {
		b = append(b, "/* callback */\r\n"...)
		b = append(b, callback...)
		b = append(b, '(')
	}
	b = append(b, '[')
	for i := range es {
		e := &es[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\r\n{ \"name\":\""...)
		b = appendEscapeJSON(b, e.name)
		b = append(b, "\", \"type\":\""...)
		b = append(b, e.kind()...)
		b = append(b, "\", \"mtime\":\""...)
		b = appendHTTPTime(b, e.mtime)
		if e.file {
			b = append(b, "\", \"size\":"...)
			b = strconv.AppendInt(b, e.size, 10)
		} else {
			b = append(b, '"')
		}
		b = append(b, " }"...)
	}
	b = append(b, "\r\n]"...)
	if jsonp {
		b = append(b, ");"...)
	}
	return b
}

// appendXMLListing appends the listing of ngx_http_autoindex_xml.
func appendXMLListing(b []byte, es []entry) []byte {
	b = append(b, "<?xml version=\"1.0\"?>\r\n<list>\r\n"...)
	for i := range es {
		e := &es[i]
		kind := e.kind()
		b = append(b, '<')
		b = append(b, kind...)
		b = append(b, " mtime=\""...)
		c := gmtime(e.mtime)
		b = appendPad(b, int64(c.year), 4, ' ')
		b = append(b, '-')
		b = append2(b, c.month)
		b = append(b, '-')
		b = append2(b, c.day)
		b = append(b, 'T')
		b = append2(b, c.hour)
		b = append(b, ':')
		b = append2(b, c.min)
		b = append(b, ':')
		b = append2(b, c.sec)
		b = append(b, "Z\""...)
		if e.file {
			b = append(b, " size=\""...)
			b = strconv.AppendInt(b, e.size, 10)
			b = append(b, '"')
		}
		b = append(b, '>')
		b = appendEscapeHTML(b, e.name)
		b = append(b, "</"...)
		b = append(b, kind...)
		b = append(b, ">\r\n"...)
	}
	return append(b, "</list>\r\n"...)
}

func (e *entry) kind() string {
	switch {
	case e.dir:
		return "directory"
	case e.file:
		return "file"
	}
	return "other"
}

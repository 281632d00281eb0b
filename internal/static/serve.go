package static

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// Options are the location settings ServeFile applies, resolved by the
// caller at configuration load. Start from DefaultOptions: its zero value
// is not nginx's default (etag and ranges would be off).
type Options struct {
	// ContentType is the whole Content-Type value for the file as the
	// types/default_type and charset settings give it, for example
	// "text/html; charset=utf-8"; "" sends none.
	ContentType string
	// ETag is the etag directive (default on). Last-Modified is sent
	// either way.
	ETag bool
	// IfModifiedSince is the if_modified_since directive.
	IfModifiedSince IMS
	// MaxRanges is max_ranges: 0 turns byte ranges off (no Accept-Ranges
	// either), MaxRangesUnlimited is the default.
	MaxRanges int
	// Sendfile is the sendfile directive: send the body with
	// Response.SendFile (sendfile(2)) instead of reading it.
	Sendfile bool
	// ErrStatus is non-zero when the file is the answer of an error_page
	// (nginx's r->err_status): the response carries that status, and
	// neither conditional requests, ranges nor Last-Modified apply; the
	// method check is skipped since nginx turns the request into a GET.
	ErrStatus int
	// Encoding, when set, is sent as Content-Encoding right after the
	// ETag (gzip_static's precompressed file).
	Encoding string
	// Subrequest serves a subrequest's file (ssi's include, addition):
	// a GET whatever the client's method, without the not-modified and
	// range filters, which act on main requests only.
	Subrequest bool
	// Body, when set, is the response body instead of the whole file:
	// the length, the ETag and the ranges are those of Body (flv's header
	// before the file from an offset, mp4's rewritten moov before a part
	// of its mdat).
	Body *Body
	// Boundary returns the number of a multipart/byteranges boundary;
	// nil uses the process-wide sequence 1, 2, 3, ... as nginx's
	// ngx_next_temp_number does.
	Boundary func() uint64
}

// DefaultOptions are nginx's defaults for ServeFile.
var DefaultOptions = Options{ETag: true, MaxRanges: MaxRangesUnlimited}

var boundarySeq atomic.Uint64

func nextBoundary() uint64 { return boundarySeq.Add(1) }

// responder is the part of *httpcore.Response that ServeFile and
// Autoindex call, so that the logic can be driven without a connection.
type responder interface {
	WriteHeader() error
	Write(p []byte) (int, error)
	SendFile(f *os.File, off, n int64) error
}

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

func serveFile(w *httpcore.Response, out responder, r *httpcore.Request, f *os.File, fi fs.FileInfo, opt *Options) (int, error) {
	head := r.Method == "HEAD" && !opt.Subrequest
	if opt.ErrStatus == 0 && !head && r.Method != "GET" && !opt.Subrequest {
		return 405, nil
	}

	size := fi.Size()
	if opt.Body != nil {
		size = opt.Body.Size()
	}
	mtime := fi.ModTime().Unix()
	status := 200
	if opt.ErrStatus != 0 {
		status = opt.ErrStatus
	}

	w.Status = status
	w.ContentType = opt.ContentType
	w.ContentLength = size
	w.LastModified = time.Time{}
	base := len(w.Header)
	etag := ""
	if opt.ETag {
		etag = ETag(mtime, size)
		w.Header = append(w.Header, httpcore.Header{Name: "ETag", Value: etag})
	}
	if opt.Encoding != "" {
		w.Header = append(w.Header, httpcore.Header{Name: "Content-Encoding", Value: opt.Encoding})
	}

	var h condHeaders
	h.scan(r.Headers)

	if status == 200 && mtime != -1 && !opt.Subrequest {
		switch h.notModified(mtime, etag, opt.IfModifiedSince) {
		case 412:
			w.Header = w.Header[:base]
			w.ContentType, w.ContentLength = "", -1
			return 412, nil
		case 304:
			status = 304
			w.Status = 304
			w.ContentType, w.ContentLength = "", -1
			if opt.Encoding != "" {
				// ngx_http_not_modified drops the Content-Encoding
				w.Header = w.Header[:len(w.Header)-1]
			}
		}
	}
	if mtime != -1 && (status == 200 || status == 304) {
		w.LastModified = time.Unix(mtime, 0)
	}

	// The headers filter (add_header, expires) runs here in nginx's
	// chain; the engine must not run it again when the header is sent.
	onHeader := w.OnHeader
	defer func() { w.OnHeader = onHeader }()
	if onHeader != nil {
		w.OnHeader = nil
		onHeader(w)
	}

	// ngx_http_range_header_filter.
	var rbuf [4]byteRange
	var ranges []byteRange
	// a body the gzip filter compresses has no ranges (allow_ranges = 0),
	// nor one whose length a body filter made unknown (sub_filter)
	if status == 200 && opt.MaxRanges != 0 && w.Gzip == 0 && w.ContentLength >= 0 {
		res := rangesDeclined
		if h.hasRange && len(h.rng) >= 7 && httpcore.EqualFold(h.rng[:6], "bytes=") && ifRangeOK(&h, etag, mtime) {
			ranges, res = parseRanges(h.rng[6:], size, opt.MaxRanges, rbuf[:0])
		}
		if res != rangesOK {
			ranges = nil
		}
		switch res {
		case rangesOK:
			status = 206
			w.Status = 206
			if len(ranges) == 1 {
				rg := ranges[0]
				w.Header = append(w.Header, httpcore.Header{Name: "Content-Range", Value: contentRange(rg.start, rg.end, size)})
				w.ContentLength = rg.end - rg.start
			} else {
				return multipart(w, out, f, head, ranges, size, opt)
			}
		case rangesNotSatisfiable:
			// ngx_http_range_not_satisfiable; the special response then
			// drops ETag, Last-Modified and Accept-Ranges.
			if etag != "" {
				w.Header = append(w.Header[:base], w.Header[base+1:]...)
			}
			w.Header = append(w.Header, httpcore.Header{Name: "Content-Range", Value: "bytes */" + strconv.FormatInt(size, 10)})
			w.Status = 416
			w.ContentType, w.ContentLength = "", -1
			w.LastModified = time.Time{}
			return 416, nil
		default:
			w.Header = append(w.Header, httpcore.Header{Name: "Accept-Ranges", Value: "bytes"})
		}
	}

	if err := out.WriteHeader(); err != nil {
		return status, err
	}
	if head || status == 304 {
		return status, nil
	}
	start, n := int64(0), size
	if ranges != nil {
		start, n = ranges[0].start, ranges[0].end-ranges[0].start
	}
	return status, sendPart(out, f, start, n, opt)
}

// ifRangeOK tells whether If-Range (absent, or matching) lets the Range
// header apply: a value ending in a quote is compared byte for byte with
// the ETag, anything else is parsed as a date that must equal
// Last-Modified.
func ifRangeOK(h *condHeaders, etag string, mtime int64) bool {
	if !h.hasIfRange {
		return true
	}
	v := h.ifRange
	if len(v) >= 2 && v[len(v)-1] == '"' {
		return etag != "" && v == etag
	}
	return mtime != -1 && ParseHTTPTime(v) == mtime
}

// contentRange formats "bytes START-LAST/SIZE".
func contentRange(start, end, size int64) string {
	var buf [80]byte
	b := append(buf[:0], "bytes "...)
	b = strconv.AppendInt(b, start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, end-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return string(b)
}

// multipart sends a multipart/byteranges response as
// ngx_http_range_multipart_header and the range body filter build it:
// each part is CRLF "--BOUNDARY" CRLF, "Content-Type: TYPE" CRLF (when
// the response has a type; its charset too), "Content-Range: bytes S-E/SIZE" CRLF CRLF and
// the data; the body ends with CRLF "--BOUNDARY--" CRLF. The boundary is
// the next boundary number printed as 20 zero-padded digits.
func multipart(w *httpcore.Response, out responder, f *os.File, head bool, ranges []byteRange, size int64, opt *Options) (int, error) {
	next := opt.Boundary
	if next == nil {
		next = nextBoundary
	}
	var bbuf [20]byte
	boundary := appendPad(bbuf[:0], int64(next()), 20, '0')

	// The part header up to the range numbers. The type is the one the
	// header filters before the range filter left, the charset filter's
	// "; charset=..." included.
	ct := w.ContentType
	part := make([]byte, 0, 96+len(ct))
	part = append(part, "\r\n--"...)
	part = append(part, boundary...)
	part = append(part, "\r\n"...)
	if ct != "" {
		part = append(part, "Content-Type: "...)
		part = append(part, ct...)
		part = append(part, "\r\n"...)
	}
	part = append(part, "Content-Range: bytes "...)

	length := int64(4+len(boundary)) + 4 // CRLF "--" boundary "--" CRLF
	var nbuf [64]byte
	for _, rg := range ranges {
		length += int64(len(part)) + int64(len(appendRangeTail(nbuf[:0], rg, size))) + rg.end - rg.start
	}

	w.ContentType = "multipart/byteranges; boundary=" + string(boundary)
	w.ContentLength = length
	if err := out.WriteHeader(); err != nil {
		return 206, err
	}
	if head {
		return 206, nil
	}
	if opt.Body != nil && len(opt.Body.Prefix) > 0 {
		return 206, ErrOverlappedRanges
	}
	hdr := make([]byte, 0, len(part)+64)
	for _, rg := range ranges {
		hdr = append(hdr[:0], part...)
		hdr = appendRangeTail(hdr, rg, size)
		if _, err := out.Write(hdr); err != nil {
			return 206, err
		}
		if err := sendPart(out, f, rg.start, rg.end-rg.start, opt); err != nil {
			return 206, err
		}
	}
	hdr = append(hdr[:0], "\r\n--"...)
	hdr = append(hdr, boundary...)
	hdr = append(hdr, "--\r\n"...)
	_, err := out.Write(hdr)
	return 206, err
}

// appendRangeTail appends "S-E/SIZE" CRLF CRLF of a part header.
func appendRangeTail(b []byte, rg byteRange, size int64) []byte {
	b = strconv.AppendInt(b, rg.start, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, rg.end-1, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, size, 10)
	return append(b, "\r\n\r\n"...)
}

// readBufSize is the size of the buffers the body is read into when
// sendfile is off (nginx's output_buffers default is 2 32k).
const readBufSize = 32 << 10

var readBufs = sync.Pool{New: func() any { b := make([]byte, readBufSize); return &b }}

// sendBody sends n bytes of f from off.
func sendBody(out responder, f *os.File, off, n int64, sendfile bool) error {
	if n <= 0 {
		return nil
	}
	if sendfile {
		err := out.SendFile(f, off, n)
		if errors.Is(err, io.ErrUnexpectedEOF) {
			// The file shrank: nginx's sendfile chain reports where.
			at := off
			if st, serr := f.Stat(); serr == nil {
				at = min(max(st.Size(), off), off+n)
			}
			return &OpenError{Status: 500, Level: errlog.Alert, Path: f.Name(),
				msg: "sendfile() reported that \"" + f.Name() + "\" was truncated at " + strconv.FormatInt(at, 10)}
		}
		return err
	}
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	buf := *bp
	for n > 0 {
		chunk := buf
		if int64(len(chunk)) > n {
			chunk = chunk[:n]
		}
		m, err := f.ReadAt(chunk, off)
		if m < len(chunk) {
			if err == nil || err == io.EOF {
				// The file shrank after it was opened.
				return &OpenError{Status: 500, Level: errlog.Alert, Path: f.Name(),
					msg: "pread() read only " + strconv.Itoa(m) + " of " + strconv.FormatInt(int64(len(chunk)), 10) +
						" from \"" + f.Name() + "\""}
			}
			return readError(f.Name(), err)
		}
		if _, err := out.Write(chunk); err != nil {
			return err
		}
		off += int64(m)
		n -= int64(m)
	}
	return nil
}

// readError reports a failed pread(2) at crit level as ngx_read_file does.
func readError(path string, err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return syscallError(500, errlog.Crit, "pread()", path, errno)
	}
	return err
}

package static

import (
	"strconv"

	"weir/internal/httpcore"
)

// SingleRange is ngx_http_range_header_filter for a response whose body
// is not a file at hand but streams through (an upstream's answer with
// force_ranges, or memcached's, where nginx sets single_range): w holds
// a 200 with a known w.ContentLength and its header fields, the headers
// filter (add_header) having run. maxRanges is max_ranges.
//
// Without a usable Range (none, not "bytes=", If-Range not matching
// the ETag or Last-Modified among w.Header, more than one range) it adds
// "Accept-Ranges: bytes" and returns 0, 0. For one satisfiable range it
// makes w a 206 with its Content-Range and length and returns 0 and the
// bytes of the body to skip before the range (the caller drops what
// follows it). When no range is satisfiable it returns 416 with w.Header
// holding the fields of that answer (ETag, Last-Modified and
// Accept-Ranges dropped, "Content-Range: bytes */SIZE" added); nothing is
// sent then.
func SingleRange(w *httpcore.Response, r *httpcore.Request, maxRanges int) (status int, skip int64) {
	size := w.ContentLength
	if w.Status != 200 || size < 0 || maxRanges == 0 || w.Gzip != 0 {
		return 0, 0
	}
	var h condHeaders
	h.scan(r.Headers)
	res := rangesDeclined
	var rbuf [1]byteRange
	var ranges []byteRange
	if h.hasRange && len(h.rng) >= 7 && httpcore.EqualFold(h.rng[:6], "bytes=") {
		etag, _ := httpcore.FieldValue(w.Header, "ETag")
		if ifRangeOK(&h, etag, lastModified(w.Header)) {
			ranges, res = parseRanges(h.rng[6:], size, 1, rbuf[:0])
		}
	}
	switch res {
	case rangesOK:
		rg := ranges[0]
		w.Status = 206
		w.StatusLine = ""
		w.Header = append(w.Header, httpcore.Header{Name: "Content-Range", Value: contentRange(rg.start, rg.end, size)})
		w.ContentLength = rg.end - rg.start
		return 0, rg.start
	case rangesNotSatisfiable:
		hs := w.Header[:0]
		for _, f := range w.Header {
			if !httpcore.EqualFold(f.Name, "ETag") && !httpcore.EqualFold(f.Name, "Last-Modified") && !httpcore.EqualFold(f.Name, "Accept-Ranges") {
				hs = append(hs, f)
			}
		}
		w.Header = append(hs, httpcore.Header{Name: "Content-Range", Value: "bytes */" + strconv.FormatInt(size, 10)})
		w.ContentType, w.ContentLength = "", -1
		w.StatusLine = ""
		return 416, 0
	}
	w.Header = append(w.Header, httpcore.Header{Name: "Accept-Ranges", Value: "bytes"})
	return 0, 0
}

// lastModified is the time of the Last-Modified field among hs, -1
// when there is none or it does not parse.
func lastModified(hs []httpcore.Header) int64 {
	if v, ok := httpcore.FieldValue(hs, "Last-Modified"); ok {
		return ParseHTTPTime(v)
	}
	return -1
}

package static

import (
	"strconv"
	"sync/atomic"

	"weir/internal/httpcore"
)

// IMS is the if_modified_since mode.
type IMS uint8

// The if_modified_since modes; the zero value is nginx's default.
const (
	IMSExact  IMS = iota // 304 only when the date equals Last-Modified
	IMSBefore            // 304 when the date is at or after Last-Modified
	IMSOff               // never 304 on a date
)

// condHeaders are the request fields the not-modified and range filters
// read. Each holds the first occurrence, as nginx 1.22's
// ngx_http_process_header_line does for Range and If-Range (the engine
// refuses duplicate If-* fields, which nginx treats as unique).
type condHeaders struct {
	ius, im, ims, inm, rng, ifRange string
	hasIUS, hasIM, hasIMS, hasINM   bool
	hasRange, hasIfRange            bool
}

// scan fills h from the request headers in one pass.
func (h *condHeaders) scan(hs []httpcore.Header) {
	for i := range hs {
		name := hs[i].Name
		switch len(name) {
		case 5:
			if !h.hasRange && httpcore.EqualFold(name, "Range") {
				h.rng, h.hasRange = hs[i].Value, true
			}
		case 8:
			switch {
			case !h.hasIM && httpcore.EqualFold(name, "If-Match"):
				h.im, h.hasIM = hs[i].Value, true
			case !h.hasIfRange && httpcore.EqualFold(name, "If-Range"):
				h.ifRange, h.hasIfRange = hs[i].Value, true
			}
		case 13:
			if !h.hasINM && httpcore.EqualFold(name, "If-None-Match") {
				h.inm, h.hasINM = hs[i].Value, true
			}
		case 17:
			if !h.hasIMS && httpcore.EqualFold(name, "If-Modified-Since") {
				h.ims, h.hasIMS = hs[i].Value, true
			}
		case 19:
			if !h.hasIUS && httpcore.EqualFold(name, "If-Unmodified-Since") {
				h.ius, h.hasIUS = hs[i].Value, true
			}
		}
	}
}

// NotModified is ngx_http_not_modified_header_filter for a 200 response
// to r whose Last-Modified is mtime (unix seconds, -1 for none) and whose
// ETag is etag ("" for none): it returns 412 when If-Unmodified-Since or
// If-Match fails, 304 when If-Modified-Since or If-None-Match says the
// client's copy is current, else 200. Without a Last-Modified an
// If-Unmodified-Since always fails, and only "*" matches without an ETag.
func NotModified(r *httpcore.Request, mtime int64, etag string, mode IMS) int {
	var h condHeaders
	h.scan(r.Headers)
	return h.notModified(mtime, etag, mode)
}

func (h *condHeaders) notModified(mtime int64, etag string, mode IMS) int {
	if h.hasIUS && (mtime == -1 || ParseHTTPTime(h.ius) < mtime) ||
		h.hasIM && !matchETag(h.im, etag, false) {
		return 412
	}
	if !h.hasIMS && !h.hasINM {
		return 200
	}
	if h.hasIMS && (mtime == -1 || ifModified(h.ims, mtime, mode)) ||
		h.hasINM && !matchETag(h.inm, etag, true) {
		return 200
	}
	return 304
}

// ifModified reports whether If-Modified-Since value v lets the full
// response through, as ngx_http_test_if_modified decides.
func ifModified(v string, lastModified int64, mode IMS) bool {
	if mode == IMSOff {
		return true
	}
	ims := ParseHTTPTime(v)
	if ims == lastModified {
		return false
	}
	return mode == IMSExact || ims < lastModified
}

// matchETag reports whether the If-Match or If-None-Match list matches
// etag, as ngx_http_test_if_match does: "*" alone matches anything
// (even without an ETag), entries are compared byte for byte, and weak
// comparison (If-None-Match) ignores a "W/" prefix on either side.
// Entries are separated by commas with optional blanks; an entry that
// does not match is skipped up to the next comma.
func matchETag(list, etag string, weak bool) bool {
	if list == "*" {
		return true
	}
	if etag == "" {
		return false
	}
	if weak && len(etag) > 2 && etag[0] == 'W' && etag[1] == '/' {
		etag = etag[2:]
	}
	s := list
	for len(s) > 0 {
		if weak && len(s) > 2 && s[0] == 'W' && s[1] == '/' {
			s = s[2:]
		}
		if len(etag) > len(s) {
			return false
		}
		if s[:len(etag)] == etag {
			t := s[len(etag):]
			for len(t) > 0 && (t[0] == ' ' || t[0] == '\t') {
				t = t[1:]
			}
			if len(t) == 0 || t[0] == ',' {
				return true
			}
		}
		for len(s) > 0 && s[0] != ',' {
			s = s[1:]
		}
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == ',') {
			s = s[1:]
		}
	}
	return false
}

// etagSlots memoises ETag values by (mtime, size) so that serving a hot
// file formats no new string. Entries are immutable; a slot is replaced
// whole, so a reader sees either the old or the new entry.
var etagSlots [256]atomic.Pointer[etagEntry]

type etagEntry struct {
	mtime, size int64
	value       string
}

// ETag returns the entity tag nginx's ngx_http_set_etag gives a file:
// "\"%xT-%xO\"" of its modification time and size, in lower-case hex.
func ETag(mtime, size int64) string {
	h := (uint64(mtime)*0x9e3779b97f4a7c15 ^ uint64(size)*0xc2b2ae3d27d4eb4f) >> 56
	slot := &etagSlots[h]
	if e := slot.Load(); e != nil && e.mtime == mtime && e.size == size {
		return e.value
	}
	var buf [48]byte
	b := append(buf[:0], '"')
	b = appendSignedHex(b, mtime)
	b = append(b, '-')
	b = appendSignedHex(b, size)
	b = append(b, '"')
	e := &etagEntry{mtime: mtime, size: size, value: string(b)}
	slot.Store(e)
	return e.value
}

// appendSignedHex appends n as ngx_sprintf's %xT does: a minus sign and
// the magnitude for negative values.
func appendSignedHex(b []byte, n int64) []byte {
	if n < 0 {
		return strconv.AppendUint(append(b, '-'), uint64(-n), 16)
	}
	return strconv.AppendUint(b, uint64(n), 16)
}

package memcached

import (
	"bytes"
	"errors"

	"weir/internal/proto/http1"
)

// Errors and messages in nginx's words.
var (
	// ErrKeyNotSet: $memcached_key is empty or not found.
	ErrKeyNotSet = errors.New(`the "$memcached_key" variable is not set`)
	// ErrInvalidTrailer: the bytes after the value are not exactly
	// "\r\nEND\r\n". nginx logs it, ends the response with the data
	// it had, and does not keep the connection.
	ErrInvalidTrailer = errors.New("memcached sent invalid trailer")
)

// ErrorKind says which check of ngx_http_memcached_process_header
// refused the answer.
type ErrorKind uint8

// The kinds of ResponseError.
const (
	InvalidResponse ErrorKind = iota + 1 // neither VALUE nor END, or malformed
	InvalidKey                           // VALUE for another key
	InvalidFlags                         // flags not a number (only checked with a gzip flag)
	InvalidLength                        // length not a number
)

// ResponseError is an answer nginx refuses as an invalid header (502).
type ResponseError struct {
	Kind ErrorKind
	Line string // the first line, without CR LF
	Key  string // the escaped key that was asked for
}

// Error returns nginx's log message.
func (e *ResponseError) Error() string {
	switch e.Kind {
	case InvalidKey:
		return `memcached sent invalid key in response "` + e.Line + `" for key "` + e.Key + `"`
	case InvalidFlags:
		return `memcached sent invalid flags in response "` + e.Line + `" for key "` + e.Key + `"`
	case InvalidLength:
		return `memcached sent invalid length in response "` + e.Line + `" for key "` + e.Key + `"`
	}
	return `memcached sent invalid response: "` + e.Line + `"`
}

// AppendNotFoundLog appends the message nginx logs at the info level
// for a miss: `key: "<escaped key>" was not found by memcached`.
func AppendNotFoundLog(dst []byte, key string) []byte {
	dst = append(dst, `key: "`...)
	dst = append(dst, key...)
	return append(dst, `" was not found by memcached`...)
}

// Head is the first line of an answer.
type Head struct {
	// Status is 200 for a VALUE line, 404 for END (a miss; nginx keeps
	// the connection and sends no body).
	Status int
	// ContentLength is the length of the value (0 for a miss).
	ContentLength int64
	// Flags are the item's flags, parsed only when a gzip flag was given.
	Flags uint64
	// Gzip reports Flags & gzipFlag != 0: nginx then adds
	// "Content-Encoding: gzip" to the response.
	Gzip bool
}

// ParseHead parses the first line of an answer in buf, as
// ngx_http_memcached_process_header does. key is the escaped key as sent
// (AppendKey). gzipFlag is memcached_gzip_flag: when it is 0, as in
// nginx, the flags are not looked at.
//
// n is the length of the line with its CR LF; the value starts at
// buf[n:]. n == 0 with a nil error means the line is incomplete: read
// more and call again with all the bytes. An incomplete line in a full
// buffer (len(buf) == cap(buf)) is http1.ErrTooBig. Other errors are
// *ResponseError.
func ParseHead(buf []byte, key string, gzipFlag uint64) (h Head, n int, err error) {
	lf := bytes.IndexByte(buf, '\n')
	if lf < 0 {
		if len(buf) == cap(buf) {
			return Head{}, 0, http1.ErrTooBig
		}
		return Head{}, 0, nil
	}
	line := buf[:lf]
	if len(line) == 0 || line[len(line)-1] != '\r' {
		return Head{}, 0, respErr(InvalidResponse, line, key)
	}
	line = line[:len(line)-1]
	n = lf + 1

	if string(line) == "END" {
		return Head{Status: 404}, n, nil
	}
	rest, ok := bytes.CutPrefix(line, []byte("VALUE "))
	if !ok {
		return Head{}, 0, respErr(InvalidResponse, line, key)
	}
	rest, ok = bytes.CutPrefix(rest, []byte(key))
	if !ok {
		return Head{}, 0, respErr(InvalidKey, line, key)
	}
	if len(rest) == 0 || rest[0] != ' ' {
		return Head{}, 0, respErr(InvalidResponse, line, key)
	}
	rest = rest[1:]
	sp := bytes.IndexByte(rest, ' ')
	if sp < 0 {
		return Head{}, 0, respErr(InvalidResponse, line, key)
	}
	h.Status = 200
	if gzipFlag != 0 {
		f, ok := atoi(rest[:sp])
		if !ok {
			return Head{}, 0, respErr(InvalidFlags, line, key)
		}
		h.Flags = uint64(f)
		h.Gzip = h.Flags&gzipFlag != 0
	}
	cl, ok := atoi(rest[sp+1:])
	if !ok {
		return Head{}, 0, respErr(InvalidLength, line, key)
	}
	h.ContentLength = cl
	return h, n, nil
}

func respErr(k ErrorKind, line []byte, key string) error {
	return &ResponseError{Kind: k, Line: string(line), Key: key}
}

// atoi ports ngx_atoof (and ngx_atoi): decimal digits only, at least
// one, no overflow past 2^63-1.
func atoi(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	const cutoff = (1<<63 - 1) / 10
	const cutlim = (1<<63 - 1) % 10
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v >= cutoff && (v > cutoff || d > cutlim) {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

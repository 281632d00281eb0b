package http1

import (
	"errors"
	"strconv"
)

// Sentinel errors. Their texts are nginx's error-log messages (without
// the "while ..." context, which the caller appends).
var (
	// ErrTooBig means the head did not fit in the buffer: nginx's
	// "upstream sent too big header" (an invalid header, 502).
	ErrTooBig = errors.New("upstream sent too big header")

	// ErrNoValidHeader means the response does not start with a valid
	// status line. nginx then takes the whole response as an HTTP/0.9
	// body (status 200, the connection closed afterwards); ParseHead has
	// set the ResponseHead up that way and the body starts at offset 0.
	// The caller decides whether to pass it on or to refuse it as an
	// invalid header.
	ErrNoValidHeader = errors.New("upstream sent no valid HTTP/1.0 header")

	// ErrInvalidChunked is a malformed chunked body: a bad chunk size, a
	// size that overflows, or anything but CRLF where the framing wants
	// it (ngx_http_parse_chunked returning NGX_ERROR).
	ErrInvalidChunked = errors.New("upstream sent invalid chunked response")

	// ErrPrematureClose means the upstream closed the connection before
	// the head or the framed body was complete.
	ErrPrematureClose = errors.New("upstream prematurely closed connection")
)

// Warnings a BodyReader reports through Extra; nginx logs them at the
// warn level, passes the body on truncated to its framing, and does not
// keep the connection.
const (
	WarnExtraLength = `upstream sent more data than specified in "Content-Length" header`
	WarnExtraChunk  = "upstream sent data after final chunk"
)

// InvalidKind says which of nginx's checks refused a head.
type InvalidKind uint8

// The kinds of InvalidHeaderError.
const (
	// BadLine: a header line ngx_http_parse_header_line refuses (a
	// control character or space in a name, a NUL, a line starting with
	// white space (obs-fold), a bare CR, a line starting with ':').
	BadLine InvalidKind = iota + 1
	// DuplicateHeader: a second Content-Length or Transfer-Encoding.
	DuplicateHeader
	// LengthAndEncoding: both Content-Length and Transfer-Encoding.
	LengthAndEncoding
	// BadContentLength: a Content-Length that is not a decimal number
	// of at most 2^63-1.
	BadContentLength
	// UnknownEncoding: a Transfer-Encoding other than "chunked".
	UnknownEncoding
)

// InvalidHeaderError is a head nginx refuses as an invalid header
// (NGX_HTTP_UPSTREAM_INVALID_HEADER: a failed attempt, then 502). Error
// returns nginx's log message.
type InvalidHeaderError struct {
	Kind InvalidKind
	// Line is, for BadLine, the bytes of the line up to the offending
	// byte; for the others the header line "Name: value".
	Line string
	// Byte is the offending byte of a BadLine.
	Byte byte
	// Prev is the earlier line of a DuplicateHeader, "Name: value".
	Prev string
	// Value is the value of an UnknownEncoding.
	Value string
}

const hexDigits = "0123456789abcdef"

// Error formats the message as nginx's ngx_http_proxy_process_header and
// the ngx_http_upstream_process_* handlers log it.
func (e *InvalidHeaderError) Error() string {
	switch e.Kind {
	case BadLine:
		b := make([]byte, 0, len(e.Line)+40)
		b = append(b, `upstream sent invalid header: "`...)
		b = append(b, e.Line...)
		b = append(b, '\\', 'x', hexDigits[e.Byte>>4], hexDigits[e.Byte&15])
		b = append(b, `..."`...)
		return string(b)
	case DuplicateHeader:
		return `upstream sent duplicate header line: "` + e.Line + `", previous value: "` + e.Prev + `"`
	case LengthAndEncoding:
		return `upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time`
	case BadContentLength:
		return `upstream sent invalid "Content-Length" header: "` + e.Line + `"`
	case UnknownEncoding:
		return `upstream sent unknown "Transfer-Encoding": "` + e.Value + `"`
	}
	return "upstream sent invalid header (kind " + strconv.Itoa(int(e.Kind)) + ")"
}

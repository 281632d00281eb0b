package fastcgi

import (
	"errors"
	"strconv"
)

// Errors of the response side, in nginx's words.
var (
	// ErrStdoutClosed is an empty STDOUT record before the head is
	// complete, or before the Content-Length the head announced
	// (ngx_http_fastcgi_process_header, ngx_http_fastcgi_input_filter).
	ErrStdoutClosed = errors.New("upstream prematurely closed FastCGI stdout")
	// ErrRequestClosed is an END_REQUEST record before the announced
	// Content-Length was sent (ngx_http_fastcgi_input_filter).
	ErrRequestClosed = errors.New("upstream prematurely closed FastCGI request")
)

// RecordErrorKind says which check of ngx_http_fastcgi_process_record
// or ngx_http_fastcgi_process_header refused a record.
type RecordErrorKind uint8

// The kinds of RecordError.
const (
	// BadVersion: a version byte other than 1.
	BadVersion RecordErrorKind = iota + 1
	// BadType: a type other than STDOUT, STDERR and END_REQUEST.
	BadType
	// BadIDHigh, BadIDLow: a request id other than the one sent.
	BadIDHigh
	BadIDLow
	// Unexpected: an END_REQUEST record before the head was complete.
	Unexpected
)

// RecordError is a response record nginx refuses (an invalid header
// while reading the head, an error in the body).
type RecordError struct {
	Kind RecordErrorKind
	// Byte is the offending byte: the version, the type, or the byte of
	// the request id.
	Byte byte
}

// Error returns nginx's log message.
func (e *RecordError) Error() string {
	n := strconv.Itoa(int(e.Byte))
	switch e.Kind {
	case BadVersion:
		return "upstream sent unsupported FastCGI protocol version: " + n
	case BadType:
		return "upstream sent invalid FastCGI record type: " + n
	case BadIDHigh:
		return "upstream sent unexpected FastCGI request id high byte: " + n
	case BadIDLow:
		return "upstream sent unexpected FastCGI request id low byte: " + n
	case Unexpected:
		return "upstream sent unexpected FastCGI record: " + n
	}
	return "upstream sent invalid FastCGI record (kind " + strconv.Itoa(int(e.Kind)) + ")"
}

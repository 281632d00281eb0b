package httpcore

import (
	"io"
	"time"
)

// Request is one parsed HTTP/1.x request. Strings may share memory with
// the connection's buffers only until Serve returns; the handler must copy
// what it keeps (it never keeps anything past the request).
type Request struct {
	Conn *ConnInfo

	Method        string // as sent, e.g. "GET"
	RequestLine   string // $request: the request line without CRLF
	RawURI        string // $request_uri: the URI as sent, with args
	Path          string // decoded, dot segments resolved, slashes merged ($uri at start)
	Args          string // the query string without "?"
	Proto         string // "HTTP/1.0", "HTTP/1.1" ("" for HTTP/0.9, which nginx answers 400 ...)
	ProtoMinor    int
	Headers       []Header // in arrival order, names case preserved
	Host          string   // validated Host (from absolute URI or Host header), lower-case, no port, no trailing dot; "" if none
	ContentLength int64    // -1 when absent or chunked
	Chunked       bool
	KeepAlive     bool // the client allows the connection to stay open after this request
	Expect100     bool // "Expect: 100-continue" was sent
	HeaderLen     int  // bytes of request line and headers, for $request_length
	Start         time.Time

	// Err is non-zero when the engine refused the request: 400, 414, 494
	// (too large header; answered as 400 "Request Header Or Cookie Too
	// Large"), 408 (client_header_timeout: no response is sent, only
	// logged), 501 (unknown transfer-encoding). ErrMsg is the error log
	// text nginx writes at "info" level, e.g. "client sent invalid header
	// line".
	Err    int
	ErrMsg string

	impl requestImpl // engine-private state
}

// Header returns the value of the first header named name (ASCII case
// insensitive).
func (r *Request) Header(name string) (string, bool) {
	for i := range r.Headers {
		if equalFold(r.Headers[i].Name, name) {
			return r.Headers[i].Value, true
		}
	}
	return "", false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// Body-related API (implemented by the engine):
//
//   func (r *Request) Body() io.Reader
//       Reads the request body (Content-Length or chunked), sending
//       "100 Continue" before the first read when Expect100. Errors:
//       ErrBodyTooLarge (answer 413), ErrBodyTimeout (408, close),
//       ErrBadChunk (400), io.ErrUnexpectedEOF (client went away).
//   func (r *Request) SetBodyLimit(n int64)        // client_max_body_size; 0 = none
//   func (r *Request) SetBodyTimeout(d time.Duration) // client_body_timeout, default 60s
//   func (r *Request) DiscardBody() error          // read and drop the rest, as nginx does
//   func (r *Request) BodyBytes() int64            // body bytes read so far (for $request_length)

var _ = io.EOF

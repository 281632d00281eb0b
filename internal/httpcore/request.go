package httpcore

import "time"

// Request is one parsed HTTP/1.x request. Its strings are views into the
// connection's pooled header buffers (no copies are made): they are valid
// only until Serve returns, and the handler must copy what it keeps (it
// never keeps anything past the request). The engine resets the Request
// before each request.
type Request struct {
	Conn *ConnInfo

	Method        string   // as sent, e.g. "GET"
	RequestLine   string   // $request: the request line without CRLF
	RawURI        string   // $request_uri: the URI as sent, with args
	Path          string   // decoded, dot segments resolved, slashes merged ($uri at start)
	Args          string   // the query string without "?"
	Proto         string   // the protocol as sent ($server_protocol): "HTTP/1.0", "HTTP/1.1"; "" for HTTP/0.9
	ProtoMinor    int      // 0 or 1 (any 1.x minor as sent, up to 999); 9 for HTTP/0.9
	Headers       []Header // in arrival order, names case preserved
	Host          string   // validated Host (from absolute URI or Host header), lower-case, no port, no trailing dot; "" if none
	ContentLength int64    // -1 when absent or chunked
	Chunked       bool
	KeepAlive     bool // the client allows the connection to stay open after this request
	Expect100     bool // "Expect: 100-continue" was sent
	HeaderLen     int  // bytes of request line and headers, for $request_length
	Pipelined     bool // read from bytes that came with the previous request ($pipe)
	// LineDone is set once the request line parsed (nginx then sets
	// method_name; before, $request_method, $uri and $request_uri are
	// not found, "-" in the log).
	LineDone bool
	// HeaderDone is set once the whole header was read, before the checks
	// of ngx_http_process_request_header; nginx selects the virtual server
	// of a request without Host (the server named "") at that point, so
	// only the errors found after it are answered by that server.
	HeaderDone bool
	Start      time.Time

	// Err is non-zero when the engine refused the request: 400, 414, 494
	// (too large header; answered as 400 "Request Header Or Cookie Too
	// Large"), 405 (TRACE and CONNECT), 408 (client_header_timeout: no
	// response is sent, only logged), 501 (unknown transfer-encoding),
	// 505 (HTTP/2 and later over HTTP/1 framing). ErrMsg is the error log
	// text nginx writes at "info" level, with nginx's action, e.g.
	// "client sent invalid header line: \"X\\x0d...\" while reading client
	// request headers". After a body read error ErrMsg holds that error's
	// text instead (see Body).
	Err    int
	ErrMsg string
	// Notes are the info-level error-log lines nginx writes while it
	// reads the header and goes on (an ignored invalid header line). The
	// handler logs them with the request's context, which nginx gives
	// them: the engine only knows the connection's.
	Notes []Note
	// NoResponse is set with Err when nothing can be sent: the header
	// timed out (408) or the client closed the connection or reset it
	// while sending the header (400, "client prematurely closed
	// connection"). nginx only logs these requests; whatever the handler
	// writes is dropped.
	NoResponse bool

	impl requestImpl // engine-private state
}

// Header returns the value of the first header named name (ASCII case
// insensitive).
func (r *Request) Header(name string) (string, bool) { return FieldValue(r.Headers, name) }

// FieldValue returns the value of the first field of hs named name
// (ASCII case insensitive).
func FieldValue(hs []Header, name string) (string, bool) {
	for i := range hs {
		if EqualFold(hs[i].Name, name) {
			return hs[i].Value, true
		}
	}
	return "", false
}

// EqualFold compares ASCII strings without regard to case, as header
// names are compared (no Unicode folding, unlike strings.EqualFold).
func EqualFold(a, b string) bool {
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

type requestImpl struct{ s *stream }

// Note is one error-log line noted while reading the header, with the
// Host header as it stood at that moment (ngx_http_log_error shows the
// host only once it has been read).
type Note struct {
	Msg       string // nginx's text, with its " while ..." action
	Host      string // the Host header value, if HostKnown
	HostKnown bool
	// LineHost: the request line named a host (an absolute URI), so
	// nginx had picked the virtual server by it already
	LineHost bool
	// NoLine: nginx had no request line yet (an HTTP/2 field), so the
	// line names no request
	NoLine bool
}

package httpcore

import "time"

// Response writes one response. The handler fills the fields, then calls
// WriteHeader (or Write, which sends the header first), then writes the
// body. The engine adds Server, Date, Content-Length or
// Transfer-Encoding, and Connection/Keep-Alive, in nginx's order:
//
//	Status line, Server, Date, Content-Type, Content-Length,
//	Last-Modified, Transfer-Encoding, Connection, Keep-Alive, then Header
//	in order.
type Response struct {
	Status        int
	ContentType   string    // "" = no Content-Type header
	ContentLength int64     // -1 = unknown: chunked for HTTP/1.1, close for 1.0
	LastModified  time.Time // zero = none
	Header        []Header  // all other fields, in order (Location, ETag, Accept-Ranges, add_header ...)
	Server        string    // value of Server; "" = no Server header

	// KeepAlive: the handler clears it to close the connection after this
	// response (nginx's r->keepalive = 0). The engine also clears it
	// for HTTP/1.0 without keep-alive, on errors, and when limits end.
	KeepAlive         bool
	KeepaliveTimeout  time.Duration // keepalive_timeout for this request's location; 0 = close
	KeepaliveHeader   time.Duration // optional header_timeout of keepalive_timeout; 0 = no Keep-Alive header
	KeepaliveRequests int           // keepalive_requests; default 1000
	KeepaliveTime     time.Duration // keepalive_time; default 1h

	// OnHeader, when set, runs inside WriteHeader just before the header
	// is serialised: weir's header filters (add_header, expires, ...).
	OnHeader func(w *Response)

	impl responseImpl
}

// Response API (implemented by the engine):
//
//   func (w *Response) WriteHeader() error
//   func (w *Response) Write(p []byte) (int, error)
//   func (w *Response) SendFile(f *os.File, off, n int64) error // sendfile(2) on plain TCP, else copy
//   func (w *Response) Flush() error
//   func (w *Response) HeaderSent() bool
//   func (w *Response) HeadOnly() bool      // HEAD: body writes are counted and dropped
//   func (w *Response) BytesSent() int64    // $bytes_sent
//   func (w *Response) BodyBytesSent() int64 // $body_bytes_sent
//   func (w *Response) Finish() error       // end of response (last chunk for chunked)

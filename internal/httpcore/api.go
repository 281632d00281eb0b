// Package httpcore is weir's own HTTP/1.x engine: the connection loop,
// request parsing in place from pooled buffers, limits, keep-alive,
// pipelining, request bodies and the response writer. It knows nothing of
// configuration files, locations or upstreams; the Handler does.
//
// The parser is a port of nginx's state machines (ngx_http_parse.c) fed
// from nginx's buffer scheme (client_header_buffer_size, then
// large_client_header_buffers), so that every limit and every refusal
// happens at the same byte and with the same status and log text as in
// nginx. Request strings are views into the pooled buffers, headers an
// ordered slice; a request costs no allocation.
//
// An idle connection holds no buffer and no request state. It first waits
// in the Go netpoller without a buffer (syscall.RawConn); after a short
// while its goroutine ends and the engine's own epoll poller watches the
// socket (Linux), so a parked keep-alive connection costs about 1 KiB.
//
// What the Handler must do (nginx does the same in its modules):
//   - call WriteHeader, Write, SendFile or Finish: a Serve that sends
//     nothing closes the connection without a response (nginx's 444);
//   - answer r.Err (494 as 400 "Request Header Or Cookie Too Large"), and
//     send nothing when r.NoResponse (log only);
//   - compare ContentLength with client_max_body_size before reading (413)
//     and SetBodyLimit for chunked bodies; call DiscardBody when it does
//     not want the body;
//   - on ErrBodyTimeout or io.ErrUnexpectedEOF from the body, log and send
//     nothing;
//   - set the Response's keep-alive fields from the location;
//   - copy anything it keeps beyond Serve.
package httpcore

import (
	"net"
	"net/netip"
	"time"

	"weir/internal/proxyproto"
)

// Settings are the per-listening-socket limits that apply before a virtual
// server is known (nginx takes them from the default server of the
// address).
type Settings struct {
	HeaderTimeout        time.Duration // client_header_timeout, default 60s
	HeaderBufferSize     int           // client_header_buffer_size, default 1k
	LargeHeaderBuffers   int           // large_client_header_buffers number, default 4
	LargeHeaderBufSize   int           // large_client_header_buffers size, default 8k
	MaxHeaders           int           // max_headers, default 1000; negative: none allowed (max_headers 0)
	IgnoreInvalidHeaders bool          // default on
	UnderscoresInHeaders bool          // default off
	MergeSlashes         bool          // default on
	// ProxyProtocol: "listen ... proxy_protocol"; a plain connection
	// starts with a PROXY protocol header, which the engine takes off.
	ProxyProtocol bool
	// KeepaliveTimeout is the keepalive_timeout each Response starts with
	// (default 75s); the handler sets the one of the request's location.
	// The wait for the first request on a connection is
	// client_header_timeout (HeaderTimeout), as in nginx.
	KeepaliveTimeout time.Duration

	// HTTP2 is "http2 on" (or "listen ... http2"): a connection that
	// starts with the HTTP/2 preface is served as HTTP/2. A TLS
	// connection for which ALPN chose "h2" is served as HTTP/2 either way.
	HTTP2            bool
	HTTP2MaxStreams  int // http2_max_concurrent_streams, default 128
	HTTP2PrereadSize int // http2_body_preread_size (the stream window), default 64k
}

// Handler answers requests. It is called once per request, in order, on
// the connection's goroutine.
type Handler interface {
	// Settings returns the limits for a connection accepted on the
	// listener tagged tag. It is called once per connection, on the
	// connection's goroutine; the engine only reads the result, so it
	// may be shared by all connections of the listener. nil means
	// DefaultSettings; zero numeric fields take nginx's defaults.
	Settings(tag any) *Settings
	// Serve answers r through w. When r.Err is non-zero the engine has
	// already refused the request (for example 400, 414, or 494 for a
	// too large header) and Serve must answer with that status (running
	// error_page and logging as nginx does); the engine closes the
	// connection afterwards.
	Serve(w *Response, r *Request)
}

// Header is one header field, name case preserved as sent or set.
type Header struct {
	Name  string
	Value string
}

// ConnInfo describes the client connection a request arrived on.
type ConnInfo struct {
	ID         uint64 // $connection: serial number of the connection
	Requests   int    // $connection_requests: requests so far, this one included
	Remote     netip.AddrPort
	Local      netip.AddrPort
	Unix       bool   // accepted on a unix-domain socket
	Tag        any    // the listener's tag, as given to Server.Serve
	RemoteText string // "127.0.0.1" or "unix:" ($remote_addr)
	Born       int64  // unix nanoseconds of the accept ($connection_time)
	// NetConn is the connection as accepted, for handlers that need more
	// than the addresses (the TLS state of an ssl listener's wrapper).
	NetConn net.Conn
	// Proxy is what the PROXY protocol header of a plain connection on a
	// "listen ... proxy_protocol" address said (nil: none, or no
	// addresses in it); a TLS connection keeps its own in its wrapper.
	Proxy *proxyproto.Header
	// ErrorLog is set by the Handler after each request: where the
	// engine's own lines of the connection go from then on (nginx's
	// c->log, which a main request points at its location's error_log
	// and the keep-alive wait keeps). The engine only passes it on to
	// Server.Log; nil before the first request.
	ErrorLog any
}

// DefaultSettings returns nginx's defaults for the per-listener limits.
func DefaultSettings() *Settings {
	return &Settings{
		HeaderTimeout:        60 * time.Second,
		HeaderBufferSize:     1024,
		LargeHeaderBuffers:   4,
		LargeHeaderBufSize:   8192,
		MaxHeaders:           1000,
		IgnoreInvalidHeaders: true,
		UnderscoresInHeaders: false,
		MergeSlashes:         true,
		KeepaliveTimeout:     75 * time.Second,
	}
}

var defaultSettings = DefaultSettings()

// defaulted returns s when it needs no defaults (the engine only reads
// it, so connections share it), else a copy with the zero numeric fields
// set to nginx's defaults; nil gives DefaultSettings. The booleans are
// taken as given.
func (s *Settings) defaulted() *Settings {
	if s == nil {
		return defaultSettings
	}
	if s.HeaderTimeout > 0 && s.HeaderBufferSize > 0 && s.LargeHeaderBuffers > 0 &&
		s.LargeHeaderBufSize > 0 && s.MaxHeaders != 0 && s.KeepaliveTimeout >= 0 {
		return s
	}
	v := s.withDefaults()
	return &v
}

// withDefaults fills the zero numeric fields of s with nginx's defaults; a
// nil s gives DefaultSettings. The booleans are taken as given.
func (s *Settings) withDefaults() Settings {
	if s == nil {
		return *DefaultSettings()
	}
	v := *s
	if v.HeaderTimeout <= 0 {
		v.HeaderTimeout = 60 * time.Second
	}
	if v.HeaderBufferSize <= 0 {
		v.HeaderBufferSize = 1024
	}
	if v.LargeHeaderBuffers <= 0 {
		v.LargeHeaderBuffers = 4
	}
	if v.LargeHeaderBufSize <= 0 {
		v.LargeHeaderBufSize = 8192
	}
	if v.MaxHeaders == 0 {
		v.MaxHeaders = 1000
	}
	if v.KeepaliveTimeout < 0 {
		v.KeepaliveTimeout = 0
	}
	return v
}

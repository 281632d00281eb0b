package httpd

import (
	"net"

	"weir/internal/config"
	"weir/internal/proto/http1"
	"weir/internal/upstream"
)

// transport is one upstream protocol under the shared attempt loop (as
// nginx's proxy, fastcgi, uwsgi, scgi and memcached modules all sit on
// ngx_http_upstream_t): it knows how to find its settings, build and send
// its request, and turn what the server sends into a response head and
// body bytes. Balancing, retries, timeouts, keep-alive and the
// $upstream_* variables belong to the loop.
type transport struct {
	// pass and conf find the module's *_pass and settings in a location.
	pass func(lc *config.Loc) *config.Pass
	conf func(lc *config.Loc) *config.UpstreamConf
	// build writes the request into px.reqHead (and anything else the
	// module sends before the body).
	build func(q *request)
	// reset clears the protocol's reading state before each attempt.
	reset func(q *request)
	// frameBody and endBody frame a body streamed as it arrives
	// (*_request_buffering off); nil sends it raw.
	frameBody func(dst, p []byte) []byte
	endBody   func(dst []byte) []byte
	// write sends px.reqHead and the buffered body.
	write func(q *request, c net.Conn) (int64, error)
	// inMemory, when set, appends to dst what write would send, if that
	// is all in memory (not a body in a temp file), so that it can go out
	// in one writev followed by the wait for the answer.
	inMemory func(q *request, dst [][]byte) ([][]byte, bool)
	// read reads payload bytes: what the response head and body are made
	// of once the protocol's own framing is taken off (FastCGI records);
	// io.EOF at the protocol's end of the response.
	read func(q *request, c *upstream.Conn, p []byte) (int, error)
	// parse parses a response head from payload bytes (http1.ParseHead's
	// contract).
	parse func(q *request, h *http1.ResponseHead, buf []byte) (int, bool, error)
	// untilEOF makes the body run until read's io.EOF whatever the head
	// says about its length (FastCGI's end of request).
	untilEOF bool
	// hidden are the upstream headers the module hides by default (its
	// *_hide_headers list); nil for proxy's own list.
	hidden []string
	// countsRaw: read counts the bytes it receives itself (their framing
	// is not in what it hands out).
	countsRaw bool
	// oneShot reports whether the module's connections serve one
	// request and are closed, so that none goes back to the keepalive
	// pool (its protocol, or its settings in lc); nil: they may go back.
	oneShot func(lc *config.Loc) bool
	// intercept404 answers a 404 from the upstream with weir's own 404
	// (and error_page), as memcached's miss is (u->conf->intercept_404).
	intercept404 bool
	// tlsScheme is the scheme that makes the module speak TLS to the
	// upstream ("https://", "suwsgi://"; "" for modules without TLS),
	// and ssl finds the module's *_ssl_* settings and TLS client.
	tlsScheme string
	ssl       func(lc *config.Loc) *config.UpstreamSSL
	// proxy: the proxy module, whose context $proxy_host and
	// $proxy_port read (not found for the other modules)
	proxy bool
}

// overTLS reports whether a connection for scheme (the target's, as
// evaluated for the request) is made over TLS (nginx's u->ssl).
func (tr *transport) overTLS(scheme string) bool {
	return tr.tlsScheme != "" && scheme == tr.tlsScheme
}

// transports are the modules in the order a location is searched for a
// *_pass (a location has at most one).
var transports = []*transport{&httpTransport}

// httpTransport is the proxy module: HTTP/1.x to the upstream.
var httpTransport = transport{
	pass:     func(lc *config.Loc) *config.Pass { return lc.Proxy.Pass },
	conf:     func(lc *config.Loc) *config.UpstreamConf { return &lc.Proxy.UpstreamConf },
	build:    (*request).buildProxyRequest,
	write:    func(q *request, c net.Conn) (int64, error) { return q.px.body.writeTo(c, q.px.reqHead) },
	inMemory: headAndBody,
	read:     func(q *request, c *upstream.Conn, p []byte) (int, error) { return c.Read(p) },
	parse:    func(q *request, h *http1.ResponseHead, buf []byte) (int, bool, error) { return http1.ParseHead(h, buf) },

	tlsScheme: "https://",
	ssl:       func(lc *config.Loc) *config.UpstreamSSL { return &lc.Proxy.UpstreamSSL },
	proxy:     true,
}

// headAndBody is the inMemory of the transports that send reqHead and
// the body as it is: both, when the body is in memory.
func headAndBody(q *request, dst [][]byte) ([][]byte, bool) {
	return q.px.body.buffers(dst, q.px.reqHead)
}

// gateway reports whether tr is one of the CGI-like protocols, whose
// request URI is not part of the "upstream:" log context.
func (tr *transport) gateway() bool { return tr != &httpTransport }

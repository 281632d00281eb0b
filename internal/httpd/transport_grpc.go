package httpd

// grpc_pass (ngx_http_grpc_module): gRPC is HTTP/2 to the upstream, one
// call per stream, with both bodies streaming at once. weir speaks it
// through the HTTP/2 shim of proxy_http_version 2 (proxy_h2.go): the
// request goes out as an HTTP/1.1 rendering that the shim sends as an
// HTTP/2 stream, the answer comes back as HTTP/1.1 (chunked, with the
// upstream's trailers after the last chunk). What nginx's module does
// differently from the proxy module is here: its headers, the client's
// body sent while the answer is read (for an HTTP/2 client), and the
// trailers (grpc-status, grpc-message) passed on to the client.

import (
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"weir/internal/config"
	"weir/internal/httpcore"
	"weir/internal/proto/http1"
	"weir/internal/upstream"
)

func init() { transports = append(transports, &grpcTransport) }

// grpcHidden is ngx_http_grpc_hide_headers.
var grpcHidden = []string{"date", "server", "x-accel-expires", "x-accel-redirect",
	"x-accel-limit-rate", "x-accel-buffering", "x-accel-charset"}

var grpcTransport = transport{
	pass:  func(lc *config.Loc) *config.Pass { return lc.GRPC.Pass },
	conf:  func(lc *config.Loc) *config.UpstreamConf { return &lc.GRPC.UpstreamConf },
	build: (*request).buildGRPC,
	// the shim's connection may go back to the pool once a call is
	// complete (nginx keeps gRPC connections with keepalive)
	reset: func(q *request) { q.px.gw.reuse = true },
	write: func(q *request, c net.Conn) (int64, error) { return q.px.body.writeTo(c, q.px.reqHead) },
	read:  func(q *request, c *upstream.Conn, p []byte) (int, error) { return c.Read(p) },
	parse: func(q *request, h *http1.ResponseHead, buf []byte) (int, bool, error) {
		return http1.ParseHead(h, buf)
	},
	hidden:    grpcHidden,
	tlsScheme: "grpcs://",
	ssl:       func(lc *config.Loc) *config.UpstreamSSL { return &lc.GRPC.UpstreamSSL },
}

// grpcPrefixes are the schemes a grpc_pass with variables may start with
// (ngx_http_grpc_eval).
var grpcPrefixes = []string{"grpc://", "grpcs://"}

// buildGRPC writes the request the shim sends as the call's HEADERS
// (ngx_http_grpc_create_request): the method and the URI as the client
// sent it (or the current one, escaped, after a rewrite), the upstream's
// address as :authority unless grpc_set_header sets Host, the headers
// grpc_set_header and the module's defaults give (empty ones left out),
// and the client's other headers. The body's framing towards the shim is
// its length, or chunked while it streams.
func (q *request) buildGRPC() {
	px := q.px
	g := &q.lc.GRPC
	b := px.reqHead[:0]
	px.minor = 1
	b = append(b, q.method...)
	b = append(b, ' ')
	b = append(b, q.proxyURI(&config.Pass{})...)
	b = append(b, " HTTP/1.1\r\n"...)
	params := g.Params.V
	hostSet := false
	for _, hp := range params {
		if !hp.FromDefault && strings.EqualFold(hp.Name, "host") {
			hostSet = true
		}
	}
	if !hostSet {
		authority := px.host
		if strings.HasPrefix(authority, "unix:") {
			authority = "localhost"
		}
		b = appendHeader(b, "Host", authority)
	}
	for _, hp := range params {
		if strings.EqualFold(hp.Name, "content-length") || strings.EqualFold(hp.Name, "transfer-encoding") {
			continue // the body's framing, below
		}
		if v := q.eval(hp.Value); v != "" {
			b = appendHeader(b, hp.Name, v)
		}
	}
	switch {
	case px.chunkedBody:
		b = appendHeader(b, "Transfer-Encoding", "chunked")
	case px.bodyLen >= 0:
		b = appendHeader(b, "Content-Length", strconv.FormatInt(px.bodyLen, 10))
	}
	if g.PassRequestHeaders.V {
	next:
		for _, h := range q.r.Headers {
			for _, hp := range params {
				if strings.EqualFold(h.Name, hp.Name) {
					continue next
				}
			}
			b = appendHeader(b, h.Name, h.Value)
		}
	}
	b = append(b, "\r\n"...)
	px.reqHead = b
}

// grpcInternalTrailers is $grpc_internal_trailers: "trailers" when the
// client's TE header names them, else not found.
func (q *request) grpcInternalTrailers() (string, bool) {
	te, ok := httpcore.FieldValue(q.r.Headers, "te")
	if !ok || !strings.Contains(strings.ToLower(te), "trailers") {
		return "", false
	}
	return "trailers", true
}

// duplexBody is the client's body on its way to a gRPC upstream while
// the answer is read (nginx's preserve_output with an unbuffered body):
// a goroutine copies it; duplexEnd stops and waits for it.
type duplexBody struct {
	done    chan struct{}
	conn    net.Conn
	stopped atomic.Bool
	n       int64
	err     error // the upstream's
	rerr    error // the client's
}

// startDuplex sends the request head and starts the copy of the body.
func (q *request) startDuplex(c *upstream.Conn) (int64, error) {
	px := q.px
	n, err := c.Write(px.reqHead)
	if err != nil {
		return int64(n), err
	}
	px.bodyStarted = true
	d := &duplexBody{done: make(chan struct{}), conn: c.Conn}
	px.duplex = d
	var frame func(dst, p []byte) []byte
	var end func(dst []byte) []byte
	if px.chunkedBody {
		frame, end = http1.AppendChunk, http1.AppendLastChunk
	}
	body, timeout := q.r.Body(), px.uc.SendTimeout.V
	go func() {
		d.n, d.err, d.rerr = copyFramed(d.conn, body, frame, end, timeout)
		close(d.done)
		if d.rerr != nil && !d.stopped.Load() {
			// the client failed: the upstream's read is cut short too
			// (after done, so that the reader sees why)
			d.conn.Close()
		}
	}()
	return int64(n), nil
}

// duplexEnd waits for the body's copy, stopped first when it still runs
// (the answer is over, or failed), and reports whether the body went out
// whole.
func (q *request) duplexEnd() bool {
	px := q.px
	d := px.duplex
	if d == nil {
		return true
	}
	px.duplex = nil
	select {
	case <-d.done:
	default:
		d.stopped.Store(true)
		q.r.StopBody()
		d.conn.Close()
		<-d.done
		d.err = errClientBody
	}
	if px.st != nil {
		px.st.sent += d.n
	}
	return d.err == nil && d.rerr == nil
}

// duplexClientError returns the client's error when the body's copy
// failed on the client's side (and not because duplexEnd stopped it).
func (px *proxyState) duplexClientError() error {
	d := px.duplex
	if d == nil {
		return nil
	}
	select {
	case <-d.done:
		if !d.stopped.Load() {
			return d.rerr
		}
	default:
	}
	return nil
}

// grpcTrailers returns the upstream's trailers that go to the client
// (ngx_http_upstream_process_trailers: all but the hidden ones).
func (q *request) grpcTrailers() []httpcore.Header {
	px := q.px
	if px == nil || !q.passTrailers {
		return nil
	}
	uc := px.uc
	var out []httpcore.Header
	for _, t := range px.trailers {
		if hides(uc.HideHeaders.V, t.Name) {
			continue
		}
		if hides(grpcHidden, t.Name) && !hides(uc.PassHeaders.V, t.Name) {
			continue
		}
		out = append(out, t)
	}
	return out
}

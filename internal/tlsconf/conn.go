package tlsconf

import (
	"crypto/tls"
	"net"
	"sync"
)

// Selector finds the site for a client hello: the server block whose
// server_name matches name (the SNI, "" without one), else the default
// server of the address. It is ngx_http_ssl_servername's lookup.
type Selector func(name string) *Site

// Conn is an accepted connection on an ssl listener. Its first read
// looks at the first byte, as ngx_http_ssl_handshake does: a TLS record
// (0x16) or an SSLv2 hello (high bit set) starts the handshake and the
// connection speaks TLS from then on; anything else is plain HTTP, read
// as such, which the request handler answers with nginx's 497 ("The
// plain HTTP request was sent to HTTPS port").
//
// The handshake runs in that first read, on the connection's goroutine,
// under the read deadline the engine set (client_header_timeout).
type Conn struct {
	net.Conn // the accepted connection: addresses and deadlines
	sel      Selector

	decided bool
	tc      *tls.Conn
	site    *Site
	state   *tls.ConnectionState

	verifyOnce sync.Once
	verify     VerifyResult

	// the lists of the client's hello, kept for $ssl_ciphers and
	// $ssl_curves (slices crypto/tls parsed; named only when asked for)
	helloCiphers []uint16
	helloCurves  []tls.CurveID
}

// Server wraps an accepted connection of an ssl listener.
func Server(raw net.Conn, sel Selector) *Conn {
	return &Conn{Conn: raw, sel: sel}
}

// Read reads decrypted bytes (or plain ones on a plain connection).
func (c *Conn) Read(p []byte) (int, error) {
	if c.tc != nil {
		n, err := c.tc.Read(p)
		if c.state == nil && c.tc.ConnectionState().HandshakeComplete {
			st := c.tc.ConnectionState()
			c.state = &st
		}
		return n, err
	}
	if c.decided || len(p) == 0 {
		return c.Conn.Read(p)
	}
	n, err := c.Conn.Read(p[:1])
	if n == 0 {
		return n, err
	}
	c.decided = true
	if p[0] != 0x16 && p[0]&0x80 == 0 {
		return n, err // plain HTTP
	}
	c.tc = tls.Server(&prefixConn{Conn: c.Conn, b: p[0], have: true}, &tls.Config{GetConfigForClient: c.configFor})
	return c.Read(p)
}

// configFor picks the site by SNI.
func (c *Conn) configFor(h *tls.ClientHelloInfo) (*tls.Config, error) {
	c.helloCiphers, c.helloCurves = h.CipherSuites, h.SupportedCurves
	s := c.sel(h.ServerName)
	if s == nil || s.Reject {
		// a configuration without certificates makes Go refuse the
		// hello with an unrecognized_name alert, the one nginx sends
		c.site = s
		return rejectConfig, nil
	}
	c.site = s
	return s.Config, nil
}

// rejectConfig has no certificate: ssl_reject_handshake.
var rejectConfig = &tls.Config{}

// Write writes through TLS, or plainly on a plain connection.
func (c *Conn) Write(p []byte) (int, error) {
	if c.tc != nil {
		return c.tc.Write(p)
	}
	return c.Conn.Write(p)
}

// Close sends TLS's close_notify when the handshake was done, then closes.
func (c *Conn) Close() error {
	if c.tc != nil {
		return c.tc.Close()
	}
	return c.Conn.Close()
}

// CloseWrite half-closes the connection (lingering close, tunnels).
func (c *Conn) CloseWrite() error {
	if c.tc != nil {
		return c.tc.CloseWrite()
	}
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// TLS returns the state of the handshake, or nil on a plain HTTP
// connection (or before the handshake ended).
func (c *Conn) TLS() *tls.ConnectionState { return c.state }

// ClientCiphers returns the cipher suites the client's hello offered,
// in its order, as sent (GREASE and signalling values included).
func (c *Conn) ClientCiphers() []uint16 { return c.helloCiphers }

// ClientCurves returns the groups of the client's hello (its
// supported_groups extension), in its order, as sent.
func (c *Conn) ClientCurves() []tls.CurveID { return c.helloCurves }

// Site returns the server block's settings the handshake used.
func (c *Conn) Site() *Site { return c.site }

// prefixConn gives back the byte Conn read to decide.
type prefixConn struct {
	net.Conn
	b    byte
	have bool
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if p.have && len(b) > 0 {
		b[0] = p.b
		p.have = false
		return 1, nil
	}
	return p.Conn.Read(b)
}

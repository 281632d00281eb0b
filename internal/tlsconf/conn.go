package tlsconf

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"net"
	"sync"
	"sync/atomic"
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
	pc      *prefixConn
	site    *Site
	state   *tls.ConnectionState

	verifyOnce sync.Once
	verify     VerifyResult
	logID      uint64 // the connection's number in the error log (SetLogID)

	// the lists of the client's hello, kept for $ssl_ciphers and
	// $ssl_curves (slices crypto/tls parsed; named only when asked for)
	helloCiphers []uint16
	helloCurves  []tls.CurveID

	sessionID string // $ssl_session_id, made when first asked for

	// rejected: ssl_reject_handshake refused the hello. fail is how
	// nginx would log the failure of the last read before the handshake
	// completed (taken once by TakeHandshakeFailure; reported then).
	rejected bool
	fail     atomic.Pointer[HandshakeFailure]
	reported atomic.Bool
}

// Server wraps an accepted connection of an ssl listener.
func Server(raw net.Conn, sel Selector) *Conn {
	return &Conn{Conn: raw, sel: sel}
}

// Read reads decrypted bytes (or plain ones on a plain connection).
func (c *Conn) Read(p []byte) (int, error) {
	if c.tc != nil {
		n, err := c.tc.Read(p)
		if c.state == nil {
			if st := c.tc.ConnectionState(); st.HandshakeComplete {
				c.state = &st
				c.fail.Store(nil)
				countHandshake(st.DidResume)
			} else if err != nil {
				c.failed(err, true)
			}
		}
		return n, err
	}
	if c.decided || len(p) == 0 {
		return c.Conn.Read(p)
	}
	n, err := c.Conn.Read(p[:1])
	if n == 0 {
		if err != nil {
			c.failed(err, false)
		}
		return n, err
	}
	c.fail.Store(nil)
	c.decided = true
	if p[0] != 0x16 && p[0]&0x80 == 0 {
		return n, err // plain HTTP
	}
	c.pc = &prefixConn{Conn: c.Conn, b: p[0], have: true, n: 1, msgType: -1}
	c.tc = tls.Server(c.pc, &tls.Config{GetConfigForClient: c.configFor})
	return c.Read(p)
}

// configFor picks the site by SNI.
func (c *Conn) configFor(h *tls.ClientHelloInfo) (*tls.Config, error) {
	c.helloCiphers, c.helloCurves = h.CipherSuites, h.SupportedCurves
	s := c.sel(h.ServerName)
	if s == nil || s.Reject {
		// a configuration without certificates makes Go refuse the
		// hello with an unrecognized_name alert, the one nginx sends
		c.site, c.rejected = s, true
		return rejectConfig, nil
	}
	c.site = s
	return s.ForHello(h), nil
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

// failed keeps how nginx would log err, the error of a read before the
// handshake completed; started says whether the first byte had come.
func (c *Conn) failed(err error, started bool) {
	if c.reported.Load() {
		return
	}
	msgType := -1
	if c.pc != nil {
		msgType = c.pc.msgType
	}
	f := describeFailure(err, started, c.rejected, msgType)
	if started && c.fail.Load() == nil {
		countFailure(f)
	}
	c.fail.Store(&f)
}

// TakeHandshakeFailure returns, once, the log line of a connection that
// ended before its handshake completed (nginx logs it "while SSL
// handshaking", where the engine sees only a failed or closed first read).
// It reports false when the last read before the handshake did not fail
// or the line was taken already.
func (c *Conn) TakeHandshakeFailure() (HandshakeFailure, bool) {
	f := c.fail.Swap(nil)
	if f == nil {
		return HandshakeFailure{}, false
	}
	c.reported.Store(true)
	return *f, true
}

// ClientCiphers returns the cipher suites the client's hello offered,
// in its order, as sent (GREASE and signalling values included).
func (c *Conn) ClientCiphers() []uint16 { return c.helloCiphers }

// ClientCurves returns the groups of the client's hello (its
// supported_groups extension), in its order, as sent.
func (c *Conn) ClientCurves() []tls.CurveID { return c.helloCurves }

// SessionID is $ssl_session_id (ngx_ssl_get_session_id): the id of the
// session as OpenSSL would have it, in lowercase hex. A TLS 1.2 session
// resumed from a ticket takes the id the client sent with the ticket
// (RFC 5077; OpenSSL's tls_decrypt_ticket); any other session has an
// id of 32 random bytes, made by the server (OpenSSL's
// ssl_generate_session_id, which TLS 1.3 runs again for the session of
// each ticket it sends after the handshake). "" before the handshake.
func (c *Conn) SessionID() string {
	if c.state == nil {
		return ""
	}
	if c.sessionID == "" {
		if c.state.Version == tls.VersionTLS12 && c.state.DidResume && c.pc != nil && c.pc.sidLen > 0 {
			c.sessionID = hex.EncodeToString(c.pc.hello[helloSIDAt+1 : helloSIDAt+1+c.pc.sidLen])
		} else {
			var b [32]byte
			rand.Read(b[:])
			c.sessionID = hex.EncodeToString(b[:])
		}
	}
	return c.sessionID
}

// Site returns the server block's settings the handshake used.
func (c *Conn) Site() *Site { return c.site }

// prefixConn gives back the byte Conn read to decide. It notes the
// type of the first handshake message (the byte after the first record's
// header), which names a failure as OpenSSL does: OpenSSL checks the type
// before the length, crypto/tls the length first.
// It also keeps the hello's first bytes, up to the end of its
// legacy_session_id, for $ssl_session_id.
type prefixConn struct {
	net.Conn
	b       byte
	have    bool
	n       int // bytes handed out, up to the end of the session id
	msgType int // -1 until seen

	hello  [helloSIDAt + 1 + 32]byte
	sidLen int // the session id's length once all of it was read
}

// helloSIDAt is the offset of legacy_session_id's length byte in the
// first record of a TLS hello: the record header (5), the handshake
// header (4), client_version (2) and random (32) come before it.
const helloSIDAt = 5 + 4 + 2 + 32

func (p *prefixConn) Read(b []byte) (int, error) {
	if p.have && len(b) > 0 {
		b[0] = p.b
		p.have = false
		return 1, nil
	}
	n, err := p.Conn.Read(b)
	if p.n < len(p.hello) {
		// the byte of offset 0 was handed out from p.b
		if p.n == 1 {
			p.hello[0] = p.b
		}
		k := copy(p.hello[p.n:], b[:n])
		p.n += k
		if p.msgType < 0 && p.n > 5 {
			p.msgType = int(p.hello[5])
		}
		if p.n > helloSIDAt && p.hello[0] == 0x16 && p.hello[5] == 1 {
			if l := int(p.hello[helloSIDAt]); l <= 32 && p.n >= helloSIDAt+1+l {
				p.sidLen = l
			}
		}
	}
	return n, err
}

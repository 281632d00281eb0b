package tlsconf

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
)

// Handshake runs the server handshake of an accepted connection at
// once, whatever its first byte: the stream module's
// ngx_stream_ssl_init_connection, which has no plain fallback. On
// failure the line nginx logs is returned (ngx_ssl_handshake: the
// stream module reads no byte first, so a client that closes at once is
// a "peer closed connection in SSL handshake" too), and timedOut tells
// that the deadline set on the connection passed (nginx then ends the
// session without a line).
func (c *Conn) Handshake() (f HandshakeFailure, timedOut bool, err error) {
	var b [1]byte
	n, err := c.Conn.Read(b[:])
	c.decided = true
	if n == 1 {
		c.pc = &prefixConn{Conn: c.Conn, b: b[0], have: true, n: 1, msgType: -1}
	} else {
		c.pc = &prefixConn{Conn: c.Conn, msgType: -1}
	}
	if err == nil {
		c.tc = tls.Server(c.pc, &tls.Config{GetConfigForClient: c.configFor})
		err = c.tc.Handshake()
		if err == nil {
			st := c.tc.ConnectionState()
			c.state = &st
			countHandshake(st.DidResume)
			return HandshakeFailure{}, false, nil
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		countFailure(HandshakeFailure{Msg: "timed out"})
		return HandshakeFailure{}, true, err
	}
	f = describeFailure(err, true, c.rejected, c.pc.msgType)
	if strings.Contains(err.Error(), "first record does not look like a TLS handshake") {
		f = notTLS(c.pc.hello[:min(c.pc.n, len(c.pc.hello))])
	}
	countFailure(f)
	return f, false, err
}

// notTLS is OpenSSL's failure for a first record that is no TLS one:
// an HTTP request or a proxy's CONNECT are named (ssl3_get_record).
func notTLS(first []byte) HandshakeFailure {
	code, reason := uint32(0x0A00010B), "wrong version number"
	for _, m := range []string{"GET ", "POST ", "HEAD ", "PUT "} {
		if bytes.HasPrefix(first, []byte(m)) {
			code, reason = 0x0A00009C, "http request"
		}
	}
	if bytes.HasPrefix(first, []byte("CONNE")) {
		code, reason = 0x0A00009B, "https proxy request"
	}
	return HandshakeFailure{Msg: fmt.Sprintf("SSL_do_handshake() failed (SSL: error:%08X:SSL routines::%s)", code, reason) + handshaking}
}

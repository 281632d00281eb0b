package tlsconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"weir/internal/errlog"
)

// HandshakeFailure is a client connection on an ssl address that ended
// before its handshake did, worded as nginx logs it (ngx_ssl_handshake,
// ngx_ssl_connection_error, ngx_http_ssl_handshake): Msg ends with
// " while SSL handshaking"; Crit is nginx's crit level for the failures
// it does not put down to the client (info otherwise).
type HandshakeFailure struct {
	Msg  string
	Crit bool
}

// opensslReason is one OpenSSL SSL-library error as nginx's log shows
// it, for a Go error text that means the same failure.
type opensslReason struct {
	goText string // a part of crypto/tls's error text
	code   uint32 // OpenSSL's packed error code
	reason string
	crit   bool
}

// opensslReasons are the server handshake failures of crypto/tls that
// have an OpenSSL counterpart, with OpenSSL 3's code and reason string
// (as `openssl errstr` gives them) and the level nginx 1.22 logs them at.
var opensslReasons = []opensslReason{
	{"client offered only unsupported versions", 0x0A000102, "unsupported protocol", false},
	{"no cipher suite supported by both client and server", 0x0A0000C1, "no shared cipher", false},
	{"oversized record received", 0x0A0000C6, "packet length too long", true},
	{"exceeds maximum of", 0x0A000098, "excessive message size", false}, // "handshake message of length N bytes exceeds maximum of M bytes"
	{"unexpected message", 0x0A0000F4, "unexpected message", false},
	{"unexpected handshake message", 0x0A0000F4, "unexpected message", false},
	{"unsupported SSLv2 handshake received", 0x0A0000FC, "unknown protocol", false},
}

// opensslAlerts are OpenSSL's reason strings for a fatal alert received
// from the peer (its error code is 0x0A000000 + 1000 + the alert).
var opensslAlerts = map[uint8]string{
	10: "sslv3 alert unexpected message", 20: "sslv3 alert bad record mac",
	21: "tlsv1 alert decryption failed", 22: "tlsv1 alert record overflow",
	30: "sslv3 alert decompression failure", 40: "sslv3 alert handshake failure",
	41: "sslv3 alert no certificate", 42: "sslv3 alert bad certificate",
	43: "sslv3 alert unsupported certificate", 44: "sslv3 alert certificate revoked",
	45: "sslv3 alert certificate expired", 46: "sslv3 alert certificate unknown",
	47: "sslv3 alert illegal parameter", 48: "tlsv1 alert unknown ca",
	49: "tlsv1 alert access denied", 50: "tlsv1 alert decode error",
	51: "tlsv1 alert decrypt error", 60: "tlsv1 alert export restriction",
	70: "tlsv1 alert protocol version", 71: "tlsv1 alert insufficient security",
	80: "tlsv1 alert internal error", 86: "tlsv1 alert inappropriate fallback",
	90: "tlsv1 alert user cancelled", 100: "tlsv1 alert no renegotiation",
	109: "tlsv13 alert missing extension", 110: "tlsv1 unsupported extension",
	111: "tlsv1 certificate unobtainable", 112: "tlsv1 unrecognized name",
	113: "tlsv1 bad certificate status response", 114: "tlsv1 bad certificate hash value",
	115: "tlsv1 alert unknown psk identity", 116: "tlsv13 alert certificate required",
	120: "tlsv1 alert no application protocol",
}

// alertByText finds an alert by crypto/tls's text for it, which is all a
// received alert's error carries ("remote error: tls: bad certificate").
var alertByText = func() map[string]uint8 {
	m := map[string]uint8{}
	for n := range opensslAlerts {
		m[tls.AlertError(n).Error()] = n
	}
	return m
}()

const handshaking = " while SSL handshaking"

// describeFailure words err, the error of the first read of a connection
// on an ssl address, as nginx logs it. started says whether a byte had
// arrived (the handshake had begun); rejected, that ssl_reject_handshake
// refused the hello; msgType is the type of the first handshake message
// (-1 when not seen).
func describeFailure(err error, started, rejected bool, msgType int) HandshakeFailure {
	var ne net.Error
	var errno syscall.Errno
	switch {
	case rejected:
		return HandshakeFailure{Msg: "handshake rejected" + handshaking}
	case errors.As(err, &ne) && ne.Timeout():
		return HandshakeFailure{Msg: "client timed out (110: Connection timed out)" + handshaking}
	case !started && errors.Is(err, io.EOF):
		return HandshakeFailure{Msg: "client closed connection" + handshaking}
	case !started && errors.As(err, &errno):
		return HandshakeFailure{Msg: "recv() failed " + errlog.SysError(errno) + handshaking}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return HandshakeFailure{Msg: "peer closed connection in SSL handshake" + handshaking}
	case errors.As(err, &errno) && (errno == syscall.ECONNRESET || errno == syscall.EPIPE):
		return HandshakeFailure{Msg: "peer closed connection in SSL handshake " + errlog.SysError(errno) + handshaking}
	case errors.As(err, &errno):
		return HandshakeFailure{Msg: "SSL_do_handshake() failed " + errlog.SysError(errno) + handshaking, Crit: true}
	}
	text := err.Error()
	if a, ok := strings.CutPrefix(text, "remote error: "); ok {
		if n, ok := alertByText[a]; ok {
			return HandshakeFailure{Msg: fmt.Sprintf("SSL_do_handshake() failed (SSL: error:%08X:SSL routines::%s:SSL alert number %d)", 0x0A000000+1000+uint32(n), opensslAlerts[n], n) + handshaking}
		}
	}
	if msgType >= 0 && msgType != 1 && strings.Contains(text, "exceeds maximum of") {
		// not a ClientHello: OpenSSL finds that before the length
		text = "unexpected message"
	}
	for _, r := range opensslReasons {
		if strings.Contains(text, r.goText) {
			return HandshakeFailure{Msg: fmt.Sprintf("SSL_do_handshake() failed (SSL: error:%08X:SSL routines::%s)", r.code, r.reason) + handshaking, Crit: r.crit}
		}
	}
	// a failure OpenSSL would name otherwise: Go's words, at info, as
	// nginx logs what it puts down to the client
	return HandshakeFailure{Msg: "SSL_do_handshake() failed (" + text + ")" + handshaking}
}

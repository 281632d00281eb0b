package server

import (
	"strings"

	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proxyproto"
	"weir/internal/tlsconf"
)

// handshakeLine rewords the engine's line for a connection on an ssl
// address whose handshake did not complete. The engine sees the end of
// such a connection as a failed or closed first read "while waiting for
// request" (at info); nginx logs what became of the handshake "while SSL
// handshaking" (ngx_ssl_handshake), at info or, for the failures it does
// not put down to the client, at crit.
func handshakeLine(level errlog.Level, ci *httpcore.ConnInfo, msg string) (errlog.Level, string) {
	if ci == nil || level != errlog.Info || !strings.HasSuffix(msg, " while waiting for request") {
		return level, msg
	}
	tc, ok := ci.NetConn.(*tlsconf.Conn)
	if !ok {
		return level, msg
	}
	if pc, ok := tc.Conn.(*proxyproto.Conn); ok {
		// "listen ... ssl proxy_protocol": the header comes before the
		// handshake (a refused one closes the connection with nginx's
		// line, or none)
		if m, ok := pc.TakeFailure(); ok {
			if m == "" {
				return level, ""
			}
			return errlog.Error, m + " while reading PROXY protocol"
		}
		if pc.Pending() {
			return level, strings.TrimSuffix(msg, "waiting for request") + "reading PROXY protocol"
		}
	}
	f, ok := tc.TakeHandshakeFailure()
	if !ok {
		return level, msg
	}
	if f.Crit {
		return errlog.Crit, f.Msg
	}
	return errlog.Info, f.Msg
}

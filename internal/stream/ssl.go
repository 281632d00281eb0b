package stream

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpd"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// handshake is ngx_stream_ssl_handler, the SSL phase of a server with a
// "listen ... ssl": the handshake within ssl_handshake_timeout, then the
// checks of ssl_verify_client. It returns 0 to go on, else the session's
// status (500, as nginx's NGX_ERROR from the phase).
func (ss *session) handshake() int {
	site := ss.conf.SSL
	ss.action = "SSL handshaking"
	tc := tlsconf.Server(ss.c, func(string) *tlsconf.Site { return site })
	ss.closeMu.Lock()
	ss.c = tc
	ss.closeMu.Unlock()
	tc.SetDeadline(time.Now().Add(ss.conf.HandshakeTimeout))
	f, timedOut, err := tc.Handshake()
	tc.SetDeadline(time.Time{})
	if err != nil {
		if !timedOut {
			lv := errlog.Info
			if f.Crit {
				lv = errlog.Crit
			}
			ss.logf(lv, "%s", strings.TrimSuffix(f.Msg, " while SSL handshaking"))
		}
		return 500
	}
	tc.SetLogID(ss.id)
	if site.Verify == tlsconf.VerifyOff {
		return 0
	}
	v := tc.ClientVerify()
	if v.Failed() && (site.Verify != tlsconf.VerifyOptionalNoCA || !v.IssuerOnly()) {
		tlsconf.CountVerify(v)
		ss.logf(errlog.Info, "client SSL certificate verify error: %s", v.LogText())
		return 500
	}
	if site.Verify == tlsconf.VerifyOn && !v.HasCert {
		tlsconf.CountVerify(v)
		ss.logf(errlog.Info, "client sent no required SSL certificate")
		return 500
	}
	return 0
}

// sslVar is an $ssl_* variable of ngx_stream_ssl_module: not found on a
// plain connection, nor when empty.
func (ss *session) sslVar(name string) (string, bool) {
	tc, _ := ss.c.(*tlsconf.Conn)
	if tc != nil && tc.TLS() == nil {
		// the handshake failed: what OpenSSL's connection says before
		// one is done
		switch name {
		case "ssl_protocol":
			return "TLSv1.3", true
		case "ssl_cipher":
			return "(NONE)", true
		case "ssl_session_reused":
			return ".", true
		case "ssl_client_verify":
			return "NONE", true
		}
		return "", false
	}
	id, _ := vars.Lookup(name)
	v := httpd.SSLValue(tc, id, time.Now())
	return v, v != ""
}

// errLogged is a failure already logged.
var errLogged = errors.New("logged")

// upstreamTLS is ngx_stream_proxy_ssl_init_connection and
// ngx_stream_proxy_ssl_handshake: the handshake with the upstream within
// proxy_connect_timeout, with SNI under proxy_ssl_server_name and the
// checks of proxy_ssl_verify. A failure is logged (a timeout is not, as
// in nginx) and the next upstream is tried.
func (ss *session) upstreamTLS(up net.Conn, group string) (net.Conn, error) {
	cf := ss.conf
	p := &cf.UpstreamSSL
	ss.action = "SSL handshaking to upstream"
	name := group
	if p.SSLName.V != nil {
		name = ss.eval(p.SSLName.V)
	}
	name = httpd.SSLHostName(name)
	sni := ""
	if p.SSLServerName.V && name != "" {
		if _, err := netip.ParseAddr(name); err != nil {
			sni = name
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cf.ConnectTimeout)
	defer cancel()
	tc, err := p.TLS.Handshake(ctx, up, sni, name)
	if err == nil {
		return tc, nil
	}
	up.Close()
	switch msg, verify := tlsconf.IsVerifyError(err); {
	case verify:
		ss.logf(errlog.Error, "%s", msg)
	case ctx.Err() == nil:
		ss.logf(errlog.Crit, "SSL_do_handshake() failed (%s)", err.Error())
	}
	return nil, errLogged
}

package httpd

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/netip"
	"strings"
	"time"

	"weir/internal/config"

	"weir/internal/errlog"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// tlsConn returns the connection's TLS wrapper when it arrived on an ssl
// address, else nil.
func (q *request) tlsConn() *tlsconf.Conn {
	c, _ := q.r.Conn.NetConn.(*tlsconf.Conn)
	return c
}

// tlsState is nginx's c->ssl: the handshake's state, nil on a plain
// connection (a plain HTTP request on an ssl address included).
func (q *request) tlsState() *tls.ConnectionState {
	if c := q.tlsConn(); c != nil {
		return c.TLS()
	}
	return nil
}

// scheme is $scheme.
func (q *request) scheme() string {
	if q.tlsState() != nil {
		return "https"
	}
	return "http"
}

// sslCheck is the ssl part of ngx_http_set_virtual_server and
// ngx_http_process_request, run once the server is known: a plain HTTP
// request on an ssl address is finalized with 497, a Host other than the
// SNI for a server with ssl_verify_client with 421, a client certificate
// that failed ssl_verify_client with 495, a missing one with 496
// (error_page may catch each). It reports whether the request was
// answered.
func (q *request) sslCheck() bool {
	if q.addr == nil || !q.addr.SSL() || q.r.Err != 0 {
		return false
	}
	c := q.tlsConn()
	st := q.tlsState()
	if c == nil || st == nil {
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client sent plain HTTP request to HTTPS port while reading client request headers%s", q.logSuffix())
		q.respondStatus(497)
		return true
	}
	site := q.srv.TLS
	if site == nil || site.Verify == tlsconf.VerifyOff {
		return false
	}
	if sni := st.ServerName; sni != "" && (q.r.Host != "" || q.r.HeaderDone) && !strings.EqualFold(sni, q.r.Host) {
		// ngx_http_set_virtual_server: a Host other than the name
		// the handshake chose its settings by, or none, for a server
		// that checks client certificates (the check may have been
		// another server's).
		// nginx answers in the server the handshake chose (r->srv_conf
		// is still the one of the server name), with no Host of its own
		// yet: $host is that server's name
		q.srv, q.r.Host = q.addr.Default, ""
		if srv, _ := q.addr.Names.Find(strings.ToLower(sni)); srv != nil {
			q.srv = srv
		}
		q.setServerName()
		q.lc = q.srv.Loc
		q.setResponseDefaults()
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client attempted to request the server name different from the one that was negotiated while reading client request headers%s", q.logSuffix())
		q.respondStatus(421)
		return true
	}
	c.SetLogID(q.r.Conn.ID)
	v := c.ClientVerify()
	if v.Failed() && (site.Verify != tlsconf.VerifyOptionalNoCA || !v.IssuerOnly()) {
		tlsconf.CountVerify(v)
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client SSL certificate verify error: %s while reading client request headers%s", v.LogText(), q.logSuffix())
		q.respondStatus(495)
		return true
	}
	if site.Verify == tlsconf.VerifyOn && !v.HasCert {
		tlsconf.CountVerify(v)
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client sent no required SSL certificate while reading client request headers%s", q.logSuffix())
		q.respondStatus(496)
		return true
	}
	return false
}

// escapeURIComponent is NGX_ESCAPE_URI_COMPONENT: every byte but
// RFC 3986's unreserved ones (letters, digits, "-", ".", "_", "~").
var escapeURIComponent = escapeTable{0xffffffff, 0xfc009fff, 0x78000001, 0xb8000001,
	0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}

// sslVar gives the $ssl_* variables (ngx_http_ssl_variables) and $https;
// each is not found on a plain connection, as in nginx.
func (q *request) sslVar(id vars.ID) (string, bool) {
	switch id {
	case vars.HTTPS:
		if q.tlsState() != nil {
			return "on", true
		}
		return "", true
	case vars.SSLProtocol, vars.SSLCipher, vars.SSLCiphers, vars.SSLCurve, vars.SSLCurves,
		vars.SSLSessionID, vars.SSLSessionReused, vars.SSLEarlyData, vars.SSLServerName,
		vars.SSLALPNProtocol, vars.SSLClientCert, vars.SSLClientRawCert, vars.SSLClientEscapedCert,
		vars.SSLClientSDN, vars.SSLClientIDN, vars.SSLClientSDNLegacy, vars.SSLClientIDNLegacy,
		vars.SSLClientSerial, vars.SSLClientFingerprint, vars.SSLClientVerify,
		vars.SSLClientVStart, vars.SSLClientVEnd, vars.SSLClientVRemain:
	default:
		return "", false
	}
	v := q.sslValue(id)
	// ngx_http_ssl_variable: an empty value is not found ("-" in logs)
	return v, v != ""
}

// sslValue is the text of an $ssl_* variable, "" on a plain connection.
func (q *request) sslValue(id vars.ID) string {
	return SSLValue(q.tlsConn(), id, q.h.Now())
}

// SSLValue is the text of the $ssl_* variable id for the connection c
// (nil or plain: ""), now being the time of $ssl_client_v_remain; the
// stream module's variables are these too.
func SSLValue(c *tlsconf.Conn, id vars.ID, now time.Time) string {
	if c == nil || c.TLS() == nil {
		return ""
	}
	st := c.TLS()
	switch id {
	case vars.SSLProtocol:
		return tlsconf.VersionName(st.Version)
	case vars.SSLCipher:
		return tlsconf.CipherName(st.CipherSuite)
	case vars.SSLCurve:
		return tlsconf.CurveName(st.CurveID)
	case vars.SSLSessionReused:
		return tlsconf.Reused(st)
	case vars.SSLEarlyData:
		return ""
	case vars.SSLServerName:
		return st.ServerName
	case vars.SSLALPNProtocol:
		return st.NegotiatedProtocol
	case vars.SSLClientVerify:
		return c.ClientVerify().Text()
	case vars.SSLCiphers:
		return tlsconf.CipherList(c.ClientCiphers())
	case vars.SSLCurves:
		return tlsconf.CurveList(c.ClientCurves())
	case vars.SSLSessionID:
		return c.SessionID()
	}
	if len(st.PeerCertificates) == 0 {
		return ""
	}
	cert := st.PeerCertificates[0]
	switch id {
	case vars.SSLClientCert:
		return tlsconf.TabbedPEM(cert)
	case vars.SSLClientRawCert:
		return tlsconf.RawPEM(cert)
	case vars.SSLClientEscapedCert:
		return escapeURIComponent.escape(tlsconf.RawPEM(cert))
	case vars.SSLClientSDN:
		return tlsconf.SubjectDN(cert)
	case vars.SSLClientIDN:
		return tlsconf.IssuerDN(cert)
	case vars.SSLClientSDNLegacy:
		return tlsconf.LegacyDN(cert, false)
	case vars.SSLClientIDNLegacy:
		return tlsconf.LegacyDN(cert, true)
	case vars.SSLClientSerial:
		return tlsconf.Serial(cert.SerialNumber)
	case vars.SSLClientFingerprint:
		return tlsconf.Fingerprint(cert)
	case vars.SSLClientVStart:
		return tlsconf.ASN1Time(cert.NotBefore)
	case vars.SSLClientVEnd:
		return tlsconf.ASN1Time(cert.NotAfter)
	case vars.SSLClientVRemain:
		return tlsconf.Remain(cert, now)
	}
	return ""
}

// sslHandshake is ngx_http_upstream_ssl_init_connection: the TLS
// handshake with an https (or suwsgi) upstream, within the module's
// connect timeout, with SNI when *_ssl_server_name is on and the name
// *_ssl_verify checks.
func (q *request) sslHandshake(nc net.Conn) (net.Conn, error) {
	px := q.px
	p := px.tr.ssl(q.lc)
	if p.TLS == nil {
		nc.Close()
		return nil, &sslError{msg: "no TLS settings for a TLS upstream"}
	}
	px.action = " while SSL handshaking to upstream"
	name := px.host
	if p.SSLName.V != nil {
		name = q.eval(p.SSLName.V)
	}
	name = SSLHostName(name)
	sni := ""
	if p.SSLServerName.V && name != "" {
		if _, err := netip.ParseAddr(name); err != nil {
			sni = name
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), px.uc.ConnectTimeout.V)
	defer cancel()
	tc, err := p.TLS.Handshake(ctx, nc, sni, name)
	if err != nil {
		nc.Close()
		if ctx.Err() != nil {
			return nil, &sslTimeout{}
		}
		return nil, &sslError{err: err}
	}
	return tc, nil
}

// SSLHostName strips the port (and IPv6 brackets) from a proxy_ssl_name
// value, as ngx_http_upstream_ssl_name and ngx_stream_proxy_ssl_name do.
func SSLHostName(name string) string {
	if strings.HasPrefix(name, "[") {
		if i := strings.IndexByte(name, ']'); i > 0 {
			return name[1:i]
		}
		return name
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 {
		return name[:i]
	}
	return name
}

// sslError is a failed handshake with an upstream.
type sslError struct {
	msg string
	err error
}

func (e *sslError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return e.msg
}

// sslTimeout is a handshake that outlived proxy_connect_timeout; it is a
// timeout for the next-upstream rules.
type sslTimeout struct{}

func (*sslTimeout) Error() string   { return "SSL handshake timed out" }
func (*sslTimeout) Timeout() bool   { return true }
func (*sslTimeout) Temporary() bool { return true }

// sslConnectError logs a failed upstream handshake in nginx's words and
// classifies it as an error (the next upstream is tried).
func (q *request) sslConnectError(err error) (ftType, bool) {
	var se *sslError
	if !errors.As(err, &se) {
		return 0, false
	}
	if msg, ok := tlsconf.IsVerifyError(se.err); ok {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while SSL handshaking to upstream%s", msg, q.logSuffix())
		return config.NextError, true
	}
	q.log().Logf(errlog.Crit, q.r.Conn.ID, "SSL_do_handshake() failed (%s) while SSL handshaking to upstream%s", se.Error(), q.logSuffix())
	return config.NextError, true
}

package config

import (
	"fmt"
	"time"

	"weir/internal/conf"
	"weir/internal/tlsconf"
)

// The stream module's TLS: ngx_stream_ssl_module ("listen ... ssl" and
// the ssl_* directives, with the $ssl_* variables) and the TLS client of
// ngx_stream_proxy_module (proxy_ssl and proxy_ssl_*). The directives
// are the http ones, run on the stream level's own settings, and are
// loaded by the same code (buildSite, upstreamClient).

// streamSSLNames are the ssl_* directives the stream module shares
// with http (nginx 1.22's ngx_stream_ssl_commands).
var streamSSLNames = []string{
	"ssl_certificate", "ssl_certificate_key", "ssl_password_file", "ssl_dhparam",
	"ssl_ecdh_curve", "ssl_protocols", "ssl_ciphers", "ssl_verify_client",
	"ssl_verify_depth", "ssl_client_certificate", "ssl_trusted_certificate",
	"ssl_prefer_server_ciphers", "ssl_session_cache", "ssl_session_tickets",
	"ssl_session_ticket_key", "ssl_session_timeout", "ssl_crl", "ssl_conf_command",
}

func init() {
	ms := ctxStreamMainSrv
	for _, name := range streamSSLNames {
		streamRow(streamRows, Directive{Name: name, Ctx: ms, Args: table[name].Args, Set: streamSSLSet})
	}
	streamRow(streamRows,
		Directive{Name: "ssl_handshake_timeout", Ctx: ms, Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &b.stream.sc.handshakeTimeout })},
		Directive{Name: "ssl_alpn", Ctx: ms, Args: OneMore, Set: setStreamALPN},
		Directive{Name: "proxy_ssl", Ctx: ms, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.stream.sc.proxySSL })},
	)
	for _, d := range sslRows("proxy", func(b *builder) *UpstreamSSL { return &b.stream.sc.upSSL }) {
		d.Ctx = ms
		streamRow(streamRows, d)
	}
}

// streamSSLSet runs the http module's setter of an ssl_* directive on
// the stream level's settings.
func streamSSLSet(b *builder, s *conf.Stmt) error {
	return b.shadow(func() error {
		saved := b.csrv
		b.csrv = &b.stream.sc.ssl
		defer func() { b.csrv = saved }()
		return table[s.Name].Set(b, s)
	})
}

// setStreamALPN is ngx_stream_ssl_alpn: the protocols the server
// accepts, each at most 255 bytes.
func setStreamALPN(b *builder, s *conf.Stmt) error {
	sc := b.stream.sc
	if sc.alpn.Set {
		return duplicate(s)
	}
	for _, p := range s.Args {
		if len(p) > 255 {
			return conf.Errorf(s, "protocol too long")
		}
	}
	sc.alpn = Def(append([]string(nil), s.Args...))
	return nil
}

// mergeStreamSSL is the merge of ngx_stream_ssl_merge_conf and of the
// proxy_ssl_* part of ngx_stream_proxy_merge_srv_conf; the settings are
// loaded at the stream block's end (finishStreamSSL).
func mergeStreamSSL(srv *StreamServer, sc, m *streamConf) {
	mergeOpts(&sc.ssl, &m.ssl)
	defs := Srv{SSL: defaultSSL()}
	mergeOpts(&sc.ssl, &defs)
	srv.ssl = sc.ssl.SSL
	sc.handshakeTimeout.Merge(m.handshakeTimeout)
	sc.handshakeTimeout.Merge(Def(60 * time.Second))
	srv.HandshakeTimeout = sc.handshakeTimeout.V
	sc.alpn.Merge(m.alpn)
	srv.alpn = sc.alpn.V
	sc.proxySSL.Merge(m.proxySSL)
	srv.ProxySSL = sc.proxySSL.V
	mergeOpts(&sc.upSSL, &m.upSSL)
	du := defaultUpstreamSSL()
	mergeOpts(&sc.upSSL, &du)
	srv.UpstreamSSL = sc.upSSL
}

// finishStreamSSL loads, for every server, the TLS client of proxy_ssl
// (as ngx_stream_proxy_merge_srv_conf's ngx_stream_proxy_set_ssl).
func (b *builder) finishStreamProxySSL() error {
	for _, srv := range b.stream.s.Servers {
		if !srv.ProxySSL {
			continue
		}
		c, err := b.upstreamClient("proxy", &srv.UpstreamSSL)
		if err != nil {
			return err
		}
		srv.UpstreamSSL.TLS = c
	}
	return nil
}

// finishStreamSSL is the rest of ngx_stream_ssl_merge_conf for the
// servers with a "listen ... ssl": a certificate and key are required,
// then everything is loaded as for http.
func (b *builder) finishStreamSSL() error {
	caches := sslCaches{session: map[string]*tlsconf.SessionCache{}, ocsp: map[string]*tlsconf.OCSPCache{}}
	for _, srv := range b.stream.s.Servers {
		if srv.sslLine == 0 {
			continue
		}
		c := &srv.ssl
		certs, keys := c.Certificates.V, c.CertificateKeys.V
		where := fmt.Sprintf("the \"listen ... ssl\" directive in %s:%d", srv.sslFile, srv.sslLine)
		switch {
		case len(certs) == 0:
			return &conf.Error{Msg: "no \"ssl_certificate\" is defined for " + where}
		case len(keys) == 0:
			return &conf.Error{Msg: "no \"ssl_certificate_key\" is defined for " + where}
		case len(keys) < len(certs):
			return &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate_key\" is defined for certificate \"%s\" and %s", certs[len(certs)-1], where)}
		}
		site, err := b.buildSite(b.stream.stmt, c, caches)
		if err != nil {
			return err
		}
		site.SetALPN(srv.alpn)
		srv.SSL = site
	}
	return nil
}

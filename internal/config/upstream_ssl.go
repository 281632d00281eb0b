package config

import (
	"fmt"

	"weir/internal/conf"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// UpstreamSSL is the TLS client side of an upstream module: the proxy
// module's proxy_ssl_* and the uwsgi module's uwsgi_ssl_* directives
// (nginx keeps them in ngx_http_upstream_conf_t and in each module's
// ssl_* fields, and both modules load them with the same calls). One
// struct, one table of directive rows and one loader serve both.
type UpstreamSSL struct {
	SSLServerName   Opt[bool]
	SSLName         Opt[*vars.Value]
	SSLVerify       Opt[bool]
	SSLVerifyDepth  Opt[int64]
	SSLTrusted      Opt[string] // full path
	SSLSessionReuse Opt[bool]
	SSLProtocols    Opt[uint32]
	SSLCiphers      Opt[string]
	SSLCertificate  Opt[string] // as written; "" = none
	SSLCertKey      Opt[string]
	SSLPasswords    Opt[[]string]
	SSLCRL          Opt[string]
	// ALPN is what the level's handshakes offer in ALPN: the module sets
	// it in its finish step, before the TLS client is built (["h2"] for
	// proxy_http_version 2; nil, no ALPN extension, otherwise).
	ALPN []string
	// TLS is the level's TLS client, built from the settings above when
	// its *_pass may need TLS (not inherited: every level has its own).
	TLS *tlsconf.Client
}

// defaultUpstreamSSL holds the defaults the proxy and uwsgi modules
// share for their *_ssl_* directives.
func defaultUpstreamSSL() UpstreamSSL {
	return UpstreamSSL{
		SSLServerName:   Def(false),
		SSLName:         Def[*vars.Value](nil),
		SSLVerify:       Def(false),
		SSLVerifyDepth:  Def(int64(1)),
		SSLTrusted:      Def(""),
		SSLSessionReuse: Def(true),
		SSLProtocols:    Def(uint32(tlsconf.DefaultProtocols)),
		SSLCiphers:      Def("DEFAULT"),
		SSLCertificate:  Def(""),
		SSLCertKey:      Def(""),
		SSLPasswords:    Def([]string(nil)),
		SSLCRL:          Def(""),
	}
}

// sslOf finds one module's UpstreamSSL in the level being read.
type sslOf func(b *builder) *UpstreamSSL

// sslRows returns the rows of the PREFIX_ssl_* directives, storing into
// the UpstreamSSL of finds.
func sslRows(prefix string, of sslOf) []Directive {
	hsl := CtxHTTP | CtxServer | CtxLocation
	str := func(f func(u *UpstreamSSL) *Opt[string]) setter {
		return strSlot(func(b *builder) *Opt[string] { return f(of(b)) })
	}
	flag := func(f func(u *UpstreamSSL) *Opt[bool]) setter {
		return flagSlot(func(b *builder) *Opt[bool] { return f(of(b)) })
	}
	rows := []Directive{
		{Name: "session_reuse", Args: Flag, Set: flag(func(u *UpstreamSSL) *Opt[bool] { return &u.SSLSessionReuse })},
		{Name: "protocols", Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[uint32] { return &of(b).SSLProtocols }, tlsconf.ProtocolNames)},
		{Name: "ciphers", Args: Take1, Set: str(func(u *UpstreamSSL) *Opt[string] { return &u.SSLCiphers })},
		{Name: "name", Args: Take1, Set: complexSlot(func(b *builder) *Opt[*vars.Value] { return &of(b).SSLName })},
		{Name: "server_name", Args: Flag, Set: flag(func(u *UpstreamSSL) *Opt[bool] { return &u.SSLServerName })},
		{Name: "verify", Args: Flag, Set: flag(func(u *UpstreamSSL) *Opt[bool] { return &u.SSLVerify })},
		{Name: "verify_depth", Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &of(b).SSLVerifyDepth })},
		{Name: "trusted_certificate", Args: Take1, Set: fullPathSlot(func(b *builder) *Opt[string] { return &of(b).SSLTrusted })},
		{Name: "crl", Args: Take1, Set: str(func(u *UpstreamSSL) *Opt[string] { return &u.SSLCRL })},
		{Name: "certificate", Args: Take1, Set: str(func(u *UpstreamSSL) *Opt[string] { return &u.SSLCertificate })},
		{Name: "certificate_key", Args: Take1, Set: str(func(u *UpstreamSSL) *Opt[string] { return &u.SSLCertKey })},
		{Name: "password_file", Args: Take1, Set: passwordFileSlot(func(b *builder) *Opt[[]string] { return &of(b).SSLPasswords })},
		// OpenSSL configuration commands have no meaning for Go's
		// crypto/tls; accepted and ignored.
		{Name: "conf_command", Args: Take2, Set: ignoreSlot},
	}
	for i := range rows {
		rows[i].Name = prefix + "_ssl_" + rows[i].Name
		rows[i].Ctx = hsl
	}
	return rows
}

// fullPathSlot is ngx_conf_set_str_slot for a file name kept resolved
// against the configuration prefix (*_ssl_trusted_certificate).
func fullPathSlot(field func(b *builder) *Opt[string]) setter {
	str := strSlot(field)
	return func(b *builder, s *conf.Stmt) error {
		if err := str(b, s); err != nil {
			return err
		}
		o := field(b)
		o.V = b.fullConf(o.V)
		return nil
	}
}

// passwordFileSlot is ngx_http_ssl_password_file and its proxy and uwsgi
// twins: the file is read at once, its passwords kept.
func passwordFileSlot(field func(b *builder) *Opt[[]string]) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		pw, err := tlsconf.ReadPasswords(b.fullConf(s.Args[0]))
		if err != nil {
			return conf.Errorf(s, "%s", err.Error())
		}
		*o = Def(pw)
		return nil
	}
}

// upstreamTLS builds a level's TLS client when its *_pass may need TLS:
// a pass with variables, or one whose scheme is tlsScheme ("https://",
// "suwsgi://"). It is the check of ngx_http_proxy_merge_loc_conf and
// ngx_http_uwsgi_merge_loc_conf before their *_set_ssl.
func (b *builder) upstreamTLS(prefix, tlsScheme string, p *Pass, u *UpstreamSSL) error {
	if p == nil || p.Value == nil && p.Scheme != tlsScheme {
		return nil
	}
	c, err := b.upstreamClient(prefix, u)
	if err != nil {
		return err
	}
	u.TLS = c
	return nil
}

// upstreamClient is ngx_http_proxy_set_ssl / ngx_http_uwsgi_set_ssl: the
// client certificate, the ciphers, and with *_ssl_verify the trusted
// certificates and CRLs are loaded into a TLS client. Errors name the
// module's directives (prefix "proxy", "uwsgi").
func (b *builder) upstreamClient(prefix string, u *UpstreamSSL) (*tlsconf.Client, error) {
	o := tlsconf.ClientOptions{Verify: u.SSLVerify.V, Depth: int(u.SSLVerifyDepth.V), SessionReuse: u.SSLSessionReuse.V, ALPN: u.ALPN}
	var err error
	if o.MinVersion, o.MaxVersion, err = tlsconf.Versions(u.SSLProtocols.V); err != nil {
		return nil, &conf.Error{Msg: prefix + "_ssl_protocols: " + err.Error()}
	}
	if cert := u.SSLCertificate.V; cert != "" {
		if u.SSLCertKey.V == "" {
			return nil, &conf.Error{Msg: fmt.Sprintf("no \"%s_ssl_certificate_key\" is defined for certificate \"%s\"", prefix, cert)}
		}
		kp, err := tlsconf.LoadKeyPair(b.fullConf(cert), b.fullConf(u.SSLCertKey.V), u.SSLPasswords.V)
		if err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
		o.Cert = &kp
	}
	if o.Ciphers, err = tlsconf.ParseCiphers(u.SSLCiphers.V); err != nil {
		return nil, &conf.Error{Msg: err.Error()}
	}
	if o.Verify {
		if u.SSLTrusted.V == "" {
			return nil, &conf.Error{Msg: fmt.Sprintf("no %s_ssl_trusted_certificate for %s_ssl_verify", prefix, prefix)}
		}
		certs, err := tlsconf.LoadCerts(u.SSLTrusted.V)
		if err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
		o.Roots = tlsconf.Pool(certs)
		if u.SSLCRL.V != "" {
			if o.CRLs, err = tlsconf.LoadCRLs(b.fullConf(u.SSLCRL.V)); err != nil {
				return nil, &conf.Error{Msg: err.Error()}
			}
		}
	}
	return tlsconf.NewClient(o), nil
}

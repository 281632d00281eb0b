package config

import (
	"fmt"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// SSLSrv holds the settings of nginx's ngx_http_ssl_module
// (ngx_http_ssl_srv_conf_t), set at http or server level.
type SSLSrv struct {
	Certificates      Opt[[]string] // as written; resolved against the conf prefix when loaded
	CertificateKeys   Opt[[]string]
	Passwords         Opt[[]string] // ssl_password_file's passwords; nil = none given
	Protocols         Opt[uint32]
	Ciphers           Opt[string]
	PreferServer      Opt[bool]
	ECDHCurve         Opt[string]
	DHParam           Opt[string]
	SessionCache      Opt[SessionCache]
	SessionTimeout    Opt[time.Duration]
	SessionTickets    Opt[bool]
	SessionTicketKeys Opt[[]string]
	VerifyClient      Opt[string] // off, on, optional, optional_no_ca
	VerifyDepth       Opt[int64]
	ClientCertificate Opt[string]
	TrustedCert       Opt[string]
	CRL               Opt[string]
	RejectHandshake   Opt[bool]
	BufferSize        Opt[int64]
	Stapling          Opt[bool]
	StaplingVerify    Opt[bool]
	StaplingFile      Opt[string]
	StaplingResponder Opt[string]
	OCSP              Opt[string] // ssl_ocsp: off, on or leaf
	OCSPResponder     Opt[string]
	OCSPCache         Opt[OCSPCache]
	// Enable is the deprecated "ssl on|off" with where it was written:
	// an address whose default server has it on takes TLS, as with
	// "listen ... ssl" (ngx_http_init_connection: sscf->enable).
	Enable Opt[SSLEnable]
	// ConfCommands are ssl_conf_command's NAME VALUE pairs, in order.
	ConfCommands Opt[[][2]string]
}

// SSLEnable is the "ssl" directive's value and position.
type SSLEnable struct {
	On   bool
	File string
	Line int
}

// OCSPCache is ssl_ocsp_cache: Name "" for off.
type OCSPCache struct {
	Name string
	Size int64
}

// SessionCache is ssl_session_cache: Kind is "off", "none", "builtin" or
// "shared" (with Builtin also set when both are given).
type SessionCache struct {
	Kind        string
	BuiltinSize int64 // sessions; 20480 for plain "builtin"
	Shared      string
	SharedSize  int64 // bytes
}

func defaultSSL() SSLSrv {
	return SSLSrv{
		Certificates:      Def([]string(nil)),
		CertificateKeys:   Def([]string(nil)),
		Passwords:         Def([]string(nil)),
		Protocols:         Def(uint32(tlsconf.DefaultProtocols)),
		Ciphers:           Def("HIGH:!aNULL:!MD5"),
		PreferServer:      Def(false),
		ECDHCurve:         Def("auto"),
		DHParam:           Def(""),
		SessionCache:      Def(SessionCache{Kind: "none"}),
		SessionTimeout:    Def(300 * time.Second),
		SessionTickets:    Def(true),
		SessionTicketKeys: Def([]string(nil)),
		VerifyClient:      Def("off"),
		VerifyDepth:       Def(int64(1)),
		ClientCertificate: Def(""),
		TrustedCert:       Def(""),
		CRL:               Def(""),
		RejectHandshake:   Def(false),
		BufferSize:        Def(int64(16384)),
		Stapling:          Def(false),
		StaplingVerify:    Def(false),
		StaplingFile:      Def(""),
		StaplingResponder: Def(""),
		OCSP:              Def("off"),
		OCSPResponder:     Def(""),
		OCSPCache:         Def(OCSPCache{}),
		Enable:            Def(SSLEnable{}),
		ConfCommands:      Def([][2]string(nil)),
	}
}

func sslSlot[T any](f func(s *SSLSrv) *Opt[T]) func(b *builder) *Opt[T] {
	return func(b *builder) *Opt[T] { return f(&b.csrv.SSL) }
}

func init() {
	hs := CtxHTTP | CtxServer
	register(
		Directive{Name: "ssl", Ctx: hs, Args: Flag, Set: setSSLEnable},
		Directive{Name: "ssl_certificate", Ctx: hs, Args: Take1, Set: sslPath(func(s *SSLSrv) *Opt[[]string] { return &s.Certificates })},
		Directive{Name: "ssl_certificate_key", Ctx: hs, Args: Take1, Set: sslPath(func(s *SSLSrv) *Opt[[]string] { return &s.CertificateKeys })},
		Directive{Name: "ssl_password_file", Ctx: hs, Args: Take1, Set: passwordFileSlot(sslSlot(func(s *SSLSrv) *Opt[[]string] { return &s.Passwords }))},
		Directive{Name: "ssl_dhparam", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.DHParam }))},
		Directive{Name: "ssl_ecdh_curve", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.ECDHCurve }))},
		Directive{Name: "ssl_protocols", Ctx: hs, Args: OneMore, Set: bitmaskSlot(sslSlot(func(s *SSLSrv) *Opt[uint32] { return &s.Protocols }), tlsconf.ProtocolNames)},
		Directive{Name: "ssl_ciphers", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.Ciphers }))},
		Directive{Name: "ssl_buffer_size", Ctx: hs, Args: Take1, Set: sizeSlot(sslSlot(func(s *SSLSrv) *Opt[int64] { return &s.BufferSize }))},
		Directive{Name: "ssl_verify_client", Ctx: hs, Args: Take1, Set: enumSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.VerifyClient }), "off", "on", "optional", "optional_no_ca")},
		Directive{Name: "ssl_verify_depth", Ctx: hs, Args: Take1, Set: numSlot(sslSlot(func(s *SSLSrv) *Opt[int64] { return &s.VerifyDepth }))},
		Directive{Name: "ssl_client_certificate", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.ClientCertificate }))},
		Directive{Name: "ssl_trusted_certificate", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.TrustedCert }))},
		Directive{Name: "ssl_prefer_server_ciphers", Ctx: hs, Args: Flag, Set: flagSlot(sslSlot(func(s *SSLSrv) *Opt[bool] { return &s.PreferServer }))},
		Directive{Name: "ssl_session_cache", Ctx: hs, Args: Take12, Set: setSSLSessionCache},
		Directive{Name: "ssl_session_tickets", Ctx: hs, Args: Flag, Set: flagSlot(sslSlot(func(s *SSLSrv) *Opt[bool] { return &s.SessionTickets }))},
		Directive{Name: "ssl_session_ticket_key", Ctx: hs, Args: Take1, Set: sslArray(func(s *SSLSrv) *Opt[[]string] { return &s.SessionTicketKeys })},
		Directive{Name: "ssl_session_timeout", Ctx: hs, Args: Take1, Set: secSlot(sslSlot(func(s *SSLSrv) *Opt[time.Duration] { return &s.SessionTimeout }))},
		Directive{Name: "ssl_crl", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.CRL }))},
		Directive{Name: "ssl_reject_handshake", Ctx: hs, Args: Flag, Set: flagSlot(sslSlot(func(s *SSLSrv) *Opt[bool] { return &s.RejectHandshake }))},
		// Go's TLS server has no 0-RTT: with "on" no session ticket
		// offers early data, so clients send none, and weir answers as
		// nginx does a client that sent none ($ssl_early_data empty).
		Directive{Name: "ssl_early_data", Ctx: hs, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "ssl_stapling", Ctx: hs, Args: Flag, Set: flagSlot(sslSlot(func(s *SSLSrv) *Opt[bool] { return &s.Stapling }))},
		Directive{Name: "ssl_stapling_verify", Ctx: hs, Args: Flag, Set: flagSlot(sslSlot(func(s *SSLSrv) *Opt[bool] { return &s.StaplingVerify }))},
		Directive{Name: "ssl_stapling_file", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.StaplingFile }))},
		Directive{Name: "ssl_stapling_responder", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.StaplingResponder }))},
		Directive{Name: "ssl_ocsp", Ctx: hs, Args: Take1, Set: enumSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.OCSP }), "off", "on", "leaf")},
		Directive{Name: "ssl_ocsp_responder", Ctx: hs, Args: Take1, Set: strSlot(sslSlot(func(s *SSLSrv) *Opt[string] { return &s.OCSPResponder }))},
		Directive{Name: "ssl_ocsp_cache", Ctx: hs, Args: Take1, Set: setSSLOCSPCache},
		Directive{Name: "ssl_conf_command", Ctx: hs, Args: Take2, Set: setSSLConfCommand},
	)
}

// setSSLEnable is ngx_http_ssl_enable: a flag that remembers where it was
// written, with the deprecation warning nginx 1.15.0 to 1.25.0 give.
func setSSLEnable(b *builder, s *conf.Stmt) error {
	o := &b.csrv.SSL.Enable
	if o.Set {
		return duplicate(s)
	}
	v, err := parseFlag(s)
	if err != nil {
		return err
	}
	*o = Def(SSLEnable{On: v, File: s.File, Line: s.Line})
	b.warn(s, "the \"ssl\" directive is deprecated, use the \"listen ... ssl\" directive instead")
	return nil
}

// sslArray is ngx_conf_set_str_array_slot.
func sslArray(f func(s *SSLSrv) *Opt[[]string]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := f(&b.csrv.SSL)
		*o = Def(append(o.V, s.Args[0]))
		return nil
	}
}

// sslPath is sslArray for certificate and key paths; a path with
// variables (nginx loads such certificates per handshake) is refused.
func sslPath(f func(s *SSLSrv) *Opt[[]string]) func(*builder, *conf.Stmt) error {
	arr := sslArray(f)
	return func(b *builder, s *conf.Stmt) error {
		if strings.Contains(s.Args[0], "$") {
			if err := b.checkCertVars(s); err != nil {
				return err
			}
		}
		return arr(b, s)
	}
}

// checkCertVars allows the one variable weir loads certificates by,
// $ssl_server_name; nginx's other variables would need a request that
// does not exist during the handshake in weir.
func (b *builder) checkCertVars(s *conf.Stmt) error {
	v, err := b.compile(s, s.Args[0])
	if err != nil {
		return err
	}
	for _, p := range v.Parts {
		if p.Kind != vars.Lit && !(p.Kind == vars.Builtin && p.ID == vars.SSLServerName) {
			return conf.Errorf(s, "the \"%s\" directive with variables other than $%s is not supported by weir yet", s.Name, tlsconf.NameVar)
		}
	}
	return nil
}

// setSSLOCSPCache is ngx_http_ssl_ocsp_cache: off or shared:NAME:SIZE,
// a zone of its own (another use of the name is refused).
func setSSLOCSPCache(b *builder, s *conf.Stmt) error {
	o := &b.csrv.SSL.OCSPCache
	if o.Set {
		return duplicate(s)
	}
	a := s.Args[0]
	if a == "off" {
		*o = Def(OCSPCache{})
		return nil
	}
	name, n, err := sharedCacheArg(s, a, "OCSP")
	if err != nil {
		return err
	}
	if err := b.ocspZone(s, name, n); err != nil {
		return err
	}
	*o = Def(OCSPCache{Name: name, Size: n})
	return nil
}

// sharedCacheArg reads "shared:NAME:SIZE" of ssl_session_cache and
// ssl_ocsp_cache (what names the cache in the errors): a zone of eight
// pages at least.
func sharedCacheArg(s *conf.Stmt, a, what string) (string, int64, error) {
	name, size, ok := strings.Cut(strings.TrimPrefix(a, "shared:"), ":")
	if !strings.HasPrefix(a, "shared:") || name == "" || !ok {
		return "", 0, conf.Errorf(s, "invalid %s cache \"%s\"", what, a)
	}
	n := ParseSize(size)
	if n < 0 {
		return "", 0, conf.Errorf(s, "invalid %s cache \"%s\"", what, a)
	}
	if n < 8*4096 {
		return "", 0, conf.Errorf(s, "%s cache \"%s\" is too small", what, a)
	}
	return name, n, nil
}

// setSSLSessionCache is ngx_http_ssl_session_cache.
func setSSLSessionCache(b *builder, s *conf.Stmt) error {
	sc := SessionCache{}
	builtin := false
	for _, a := range s.Args {
		switch {
		case a == "off" || a == "none":
			sc.Kind, builtin = a, false
			continue
		case a == "builtin":
			sc.BuiltinSize, builtin = 20480, true
			continue
		case len(a) > len("builtin:") && strings.HasPrefix(a, "builtin:"):
			n, ok := atoi(a[len("builtin:"):])
			if !ok {
				return conf.Errorf(s, "invalid session cache \"%s\"", a)
			}
			sc.BuiltinSize, builtin = n, true
			continue
		case len(a) > len("shared:") && strings.HasPrefix(a, "shared:"):
			name, n, err := sharedCacheArg(s, a, "session")
			if err != nil {
				return err
			}
			if _, ok := b.http.ocspZones[name]; ok {
				return conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", name)
			}
			if b.http.sslZones == nil {
				b.http.sslZones = map[string]int64{}
			}
			if old, ok := b.http.sslZones[name]; ok && old != n {
				return conf.Errorf(s, "the size %d of shared memory zone \"%s\" conflicts with already declared size %d", n, name, old)
			}
			b.http.sslZones[name] = n
			sc.Shared, sc.SharedSize = name, n
			continue
		}
		return conf.Errorf(s, "invalid session cache \"%s\"", a)
	}
	switch {
	case sc.Shared != "":
		sc.Kind = "shared"
	case builtin:
		sc.Kind = "builtin"
	}
	b.csrv.SSL.SessionCache = Def(sc)
	return nil
}

// finishSSL is ngx_http_ssl_merge_srv_conf for every server, run where
// nginx merges the ssl module: certificates and keys are loaded and each
// setting is turned into what Go's crypto/tls takes. Errors nginx logs
// through ngx_ssl_error have no position; those of ngx_conf_log_error are
// positioned at the end of the http block.
func (b *builder) finishSSL(httpStmt *conf.Stmt) error {
	caches := sslCaches{session: map[string]*tlsconf.SessionCache{}, ocsp: map[string]*tlsconf.OCSPCache{}}
	for _, srv := range b.http.Servers {
		caches.resolver = len(srv.Loc.Resolver.V) > 0
		site, err := b.buildSite(httpStmt, &srv.Srv.SSL, caches)
		if err != nil {
			return err
		}
		srv.TLS = site
	}
	return nil
}

// sslCaches are the zones the servers share, and whether the server
// being built has a resolver.
type sslCaches struct {
	session  map[string]*tlsconf.SessionCache
	ocsp     map[string]*tlsconf.OCSPCache
	resolver bool
}

func (b *builder) buildSite(httpStmt *conf.Stmt, c *SSLSrv, caches sslCaches) (*tlsconf.Site, error) {
	certs, keys := c.Certificates.V, c.CertificateKeys.V
	if e := c.Enable.V; e.On {
		switch {
		case len(certs) == 0 && !c.RejectHandshake.V:
			return nil, &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate\" is defined for the \"ssl\" directive in %s:%d", e.File, e.Line)}
		case len(certs) > 0 && len(keys) == 0:
			return nil, &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate_key\" is defined for the \"ssl\" directive in %s:%d", e.File, e.Line)}
		case len(keys) < len(certs):
			return nil, &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate_key\" is defined for certificate \"%s\" and the \"ssl\" directive in %s:%d", certs[len(certs)-1], e.File, e.Line)}
		}
	}
	if len(certs) == 0 {
		if !c.RejectHandshake.V {
			return nil, nil
		}
		return tlsconf.NewSite(tlsconf.Options{Reject: true}), nil
	}
	if len(keys) < len(certs) {
		return nil, &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate_key\" is defined for certificate \"%s\"", certs[len(certs)-1])}
	}
	o := tlsconf.Options{Reject: c.RejectHandshake.V, SessionTimeout: c.SessionTimeout.V, Tickets: c.SessionTickets.V, PreferServer: c.PreferServer.V}
	var err error
	if o.MinVersion, o.MaxVersion, err = tlsconf.Versions(c.Protocols.V); err != nil {
		return nil, &conf.Error{Msg: "ssl_protocols: " + err.Error()}
	}
	var pw []string
	if c.Passwords.V != nil {
		pw = c.Passwords.V
	}
	dynamic := false
	for i := range certs {
		dynamic = dynamic || strings.Contains(certs[i], "$") || strings.Contains(keys[i], "$")
	}
	for i, cert := range certs {
		if dynamic {
			// loaded per handshake (ngx_http_ssl_compile_certificates)
			o.Templates = append(o.Templates, tlsconf.Template{Cert: b.fullConf(cert), Key: b.fullConf(keys[i])})
			o.Passwords = pw
			continue
		}
		kp, err := tlsconf.LoadKeyPair(b.fullConf(cert), b.fullConf(keys[i]), pw)
		if err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
		o.Certs = append(o.Certs, kp)
	}

	if o.Ciphers, err = tlsconf.ParseCiphers(c.Ciphers.V); err != nil {
		return nil, &conf.Error{Msg: err.Error()}
	}
	switch c.VerifyClient.V {
	case "on":
		o.Verify = tlsconf.VerifyOn
	case "optional":
		o.Verify = tlsconf.VerifyOptional
	case "optional_no_ca":
		o.Verify = tlsconf.VerifyOptionalNoCA
	}
	o.Depth = int(c.VerifyDepth.V)
	if o.Verify != tlsconf.VerifyOff {
		if c.ClientCertificate.V == "" && o.Verify != tlsconf.VerifyOptionalNoCA {
			return nil, &conf.Error{Msg: "no ssl_client_certificate for ssl_verify_client"}
		}
		if c.ClientCertificate.V != "" {
			if o.ClientCAs, err = tlsconf.LoadCerts(b.fullConf(c.ClientCertificate.V)); err != nil {
				return nil, &conf.Error{Msg: err.Error()}
			}
		}
	}
	if c.TrustedCert.V != "" {
		if o.Trusted, err = tlsconf.LoadCerts(b.fullConf(c.TrustedCert.V)); err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
	}
	if c.CRL.V != "" {
		if o.CRLs, err = tlsconf.LoadCRLs(b.fullConf(c.CRL.V)); err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
	}
	if c.DHParam.V != "" {
		// Go has no DHE suites, so the parameters are never used; the
		// file must still be there, as for nginx.
		if _, err := tlsconf.LoadDHParam(b.fullConf(c.DHParam.V)); err != nil {
			return nil, &conf.Error{Msg: err.Error()}
		}
	}
	if err := b.sslOCSP(c, &o, caches); err != nil {
		return nil, err
	}
	if o.Curves, err = tlsconf.ParseCurves(c.ECDHCurve.V); err != nil {
		return nil, &conf.Error{Msg: err.Error()}
	}
	switch sc := c.SessionCache.V; sc.Kind {
	case "shared":
		if caches.session[sc.Shared] == nil {
			caches.session[sc.Shared] = tlsconf.NewSessionCache(int(sc.SharedSize / 256))
		}
		o.Cache = caches.session[sc.Shared]
	case "builtin":
		o.Cache = tlsconf.NewSessionCache(int(sc.BuiltinSize))
	}
	for _, k := range c.SessionTicketKeys.V {
		key, err := tlsconf.ReadTicketKey(b.fullConf(k))
		if err != nil {
			return nil, conf.ErrorfEnd(httpStmt, "%s", err.Error())
		}
		o.TicketKeys = append(o.TicketKeys, key)
	}
	if c.Stapling.V && !dynamic {
		if err := b.stapling(c, &o, certs, caches.resolver); err != nil {
			return nil, err
		}
	}
	if err := sslConfCommands(c.ConfCommands.V, &o); err != nil {
		return nil, err
	}
	return tlsconf.NewSite(o), nil
}

// checkSSLListens is the part of ngx_http_ssl_init that checks every
// "listen ... ssl" address: its default server needs a certificate, or
// ssl_reject_handshake and then every server of the address needs one
// (or rejects handshakes too). An address is ssl when any listen of it
// says so.
func (b *builder) checkSSLListens() error {
	type addr struct {
		ssl     bool
		def     *Server
		servers []*Server
	}
	var order []string
	addrs := map[string]*addr{}
	for _, srv := range b.http.Servers {
		for _, l := range srv.Listens {
			a := addrs[l.Addr]
			if a == nil {
				a = &addr{}
				addrs[l.Addr] = a
				order = append(order, l.Addr)
			}
			a.ssl = a.ssl || l.SSL
			if a.def == nil || l.DefaultServer {
				a.def = srv
			}
			a.servers = append(a.servers, srv)
		}
	}
	noCert := func(srv *Server) error {
		return &conf.Error{Msg: fmt.Sprintf("no \"ssl_certificate\" is defined for the \"listen ... ssl\" directive in %s:%d", srv.File, srv.Line)}
	}
	for _, k := range order {
		a := addrs[k]
		if !a.ssl {
			continue
		}
		if a.def.TLS != nil && a.def.TLS.Config != nil {
			continue
		}
		if a.def.TLS == nil {
			return noCert(a.def)
		}
		for _, srv := range a.servers {
			if srv.TLS == nil {
				return noCert(srv)
			}
		}
	}
	return nil
}

// SSL reports whether the address takes TLS connections: one of its
// listens says "ssl", or its default server has "ssl on".
func (ac *AddrConf) SSL() bool {
	return ac.ssl || ac.Default != nil && ac.Default.Srv.SSL.Enable.V.On
}

// Site finds the TLS settings for a client hello with server name name
// (ngx_http_ssl_servername): the server of that name, else the default
// server; a server without certificates of its own leaves the default
// server's in place.
func (ac *AddrConf) Site(name string) *tlsconf.Site {
	def := ac.Default.TLS
	if name == "" {
		return def
	}
	srv, _ := ac.Names.Find(strings.ToLower(strings.TrimSuffix(name, ".")))
	if srv == nil || srv.TLS == nil {
		return def
	}
	return srv.TLS
}

// finishProxySSL is the end of ngx_http_proxy_merge_loc_conf for every
// level: a level whose proxy_pass is https (or has variables, so may be)
// gets its TLS client.
func (b *builder) finishProxySSL(*conf.Stmt) error {
	return b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		return b.upstreamTLS("proxy", "https://", l.Proxy.Pass, &l.Proxy.UpstreamSSL)
	})
}

package config

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// The proxy module (ngx_http_proxy_module) and the ngx_http_upstream_conf_t
// settings it shares with the other upstream modules.

func pflag(f func(p *ProxyLoc) *Opt[bool]) func(*builder, *conf.Stmt) error {
	return flagSlot(func(b *builder) *Opt[bool] { return f(&b.cur.Proxy) })
}
func psize(f func(p *ProxyLoc) *Opt[int64]) func(*builder, *conf.Stmt) error {
	return sizeSlot(func(b *builder) *Opt[int64] { return f(&b.cur.Proxy) })
}
func ptime(f func(p *ProxyLoc) *Opt[time.Duration]) func(*builder, *conf.Stmt) error {
	return timeSlot(func(b *builder) *Opt[time.Duration] { return f(&b.cur.Proxy) })
}
func pvalue(f func(p *ProxyLoc) *Opt[*vars.Value]) func(*builder, *conf.Stmt) error {
	return complexSlot(func(b *builder) *Opt[*vars.Value] { return f(&b.cur.Proxy) })
}

// nextUpstreamNames are the values of proxy_next_upstream
// (ngx_http_proxy_next_upstream_masks).
var nextUpstreamNames = map[string]NextUpstream{
	"error": NextError, "timeout": NextTimeout, "invalid_header": NextInvalidHeader,
	"non_idempotent": NextNonIdempotent, "http_500": NextHTTP500, "http_502": NextHTTP502,
	"http_503": NextHTTP503, "http_504": NextHTTP504, "http_403": NextHTTP403,
	"http_404": NextHTTP404, "http_429": NextHTTP429, "updating": NextUpdating, "off": NextOff,
}

// ignoreHeaderNames are the values of proxy_ignore_headers
// (ngx_http_upstream_ignore_headers_masks).
var ignoreHeaderNames = map[string]IgnoreHeaders{
	"x-accel-redirect": IgnoreXAccelRedirect, "x-accel-expires": IgnoreXAccelExpires,
	"x-accel-limit-rate": IgnoreXAccelLimitRate, "x-accel-buffering": IgnoreXAccelBuffering,
	"x-accel-charset": IgnoreXAccelCharset, "expires": IgnoreExpires,
	"cache-control": IgnoreCacheControl, "set-cookie": IgnoreSetCookie, "vary": IgnoreVary,
}

// sslProtocolNames are the values of proxy_ssl_protocols.
var sslProtocolNames = map[string]uint32{
	"sslv2": 1, "sslv3": 2, "tlsv1": 4, "tlsv1.1": 8, "tlsv1.2": 16, "tlsv1.3": 32,
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		Directive{Name: "proxy_pass", Ctx: CtxLocation | CtxLocationIf | CtxLimitExcept, Args: Take1, Set: setProxyPass},
		Directive{Name: "proxy_redirect", Ctx: hsl, Args: Take12, Set: setProxyRedirect},
		Directive{Name: "proxy_cookie_domain", Ctx: hsl, Args: Take12, Set: setProxyCookie},
		Directive{Name: "proxy_cookie_path", Ctx: hsl, Args: Take12, Set: setProxyCookie},
		Directive{Name: "proxy_cookie_flags", Ctx: hsl, Args: Take1234, Set: offOrRefuse},
		Directive{Name: "proxy_store", Ctx: hsl, Args: Take1, Set: offOrRefuse},
		Directive{Name: "proxy_store_access", Ctx: hsl, Args: Take123, Set: ignoreSlot},
		Directive{Name: "proxy_buffering", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.Buffering })},
		Directive{Name: "proxy_request_buffering", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.RequestBuffering })},
		Directive{Name: "proxy_ignore_client_abort", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.IgnoreClientAbort })},
		Directive{Name: "proxy_bind", Ctx: hsl, Args: Take12, Set: setProxyBind},
		Directive{Name: "proxy_socket_keepalive", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.SocketKeepalive })},
		Directive{Name: "proxy_connect_timeout", Ctx: hsl, Args: Take1, Set: ptime(func(p *ProxyLoc) *Opt[time.Duration] { return &p.ConnectTimeout })},
		Directive{Name: "proxy_send_timeout", Ctx: hsl, Args: Take1, Set: ptime(func(p *ProxyLoc) *Opt[time.Duration] { return &p.SendTimeout })},
		Directive{Name: "proxy_read_timeout", Ctx: hsl, Args: Take1, Set: ptime(func(p *ProxyLoc) *Opt[time.Duration] { return &p.ReadTimeout })},
		Directive{Name: "proxy_send_lowat", Ctx: hsl, Args: Take1, Set: setSendLowat},
		Directive{Name: "proxy_intercept_errors", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.InterceptErrors })},
		Directive{Name: "proxy_set_header", Ctx: hsl, Args: Take2, Set: setProxySetHeader},
		Directive{Name: "proxy_headers_hash_max_size", Ctx: hsl, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "proxy_headers_hash_bucket_size", Ctx: hsl, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "proxy_set_body", Ctx: hsl, Args: Take1, Set: pvalue(func(p *ProxyLoc) *Opt[*vars.Value] { return &p.SetBody })},
		Directive{Name: "proxy_method", Ctx: hsl, Args: Take1, Set: pvalue(func(p *ProxyLoc) *Opt[*vars.Value] { return &p.Method })},
		Directive{Name: "proxy_pass_request_headers", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.PassRequestHeaders })},
		Directive{Name: "proxy_pass_request_body", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.PassRequestBody })},
		Directive{Name: "proxy_buffer_size", Ctx: hsl, Args: Take1, Set: psize(func(p *ProxyLoc) *Opt[int64] { return &p.BufferSize })},
		Directive{Name: "proxy_buffers", Ctx: hsl, Args: Take2, Set: setProxyBuffers},
		Directive{Name: "proxy_busy_buffers_size", Ctx: hsl, Args: Take1, Set: psize(func(p *ProxyLoc) *Opt[int64] { return &p.BusyBuffersSize })},
		Directive{Name: "proxy_force_ranges", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.ForceRanges })},
		Directive{Name: "proxy_limit_rate", Ctx: hsl, Args: Take1, Set: psize(func(p *ProxyLoc) *Opt[int64] { return &p.LimitRate })},
		Directive{Name: "proxy_temp_path", Ctx: hsl, Args: Take1234, Set: setProxyTempPath},
		Directive{Name: "proxy_max_temp_file_size", Ctx: hsl, Args: Take1, Set: psize(func(p *ProxyLoc) *Opt[int64] { return &p.MaxTempFileSize })},
		Directive{Name: "proxy_temp_file_write_size", Ctx: hsl, Args: Take1, Set: psize(func(p *ProxyLoc) *Opt[int64] { return &p.TempFileWrite })},
		Directive{Name: "proxy_next_upstream", Ctx: hsl, Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[NextUpstream] { return &b.cur.Proxy.NextUpstream }, nextUpstreamNames)},
		Directive{Name: "proxy_next_upstream_tries", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.Proxy.NextUpstreamTries })},
		Directive{Name: "proxy_next_upstream_timeout", Ctx: hsl, Args: Take1, Set: ptime(func(p *ProxyLoc) *Opt[time.Duration] { return &p.NextUpstreamTimeout })},
		Directive{Name: "proxy_pass_header", Ctx: hsl, Args: Take1, Set: setHeaderList},
		Directive{Name: "proxy_hide_header", Ctx: hsl, Args: Take1, Set: setHeaderList},
		Directive{Name: "proxy_ignore_headers", Ctx: hsl, Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[IgnoreHeaders] { return &b.cur.Proxy.IgnoreHeaders }, ignoreHeaderNames)},
		Directive{Name: "proxy_http_version", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.Proxy.HTTPVersion }, "1.0", "1.1")},

		Directive{Name: "proxy_ssl_session_reuse", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.SSLSessionReuse })},
		Directive{Name: "proxy_ssl_protocols", Ctx: hsl, Args: OneMore, Set: setSSLProtocols},
		Directive{Name: "proxy_ssl_ciphers", Ctx: hsl, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "proxy_ssl_name", Ctx: hsl, Args: Take1, Set: pvalue(func(p *ProxyLoc) *Opt[*vars.Value] { return &p.SSLName })},
		Directive{Name: "proxy_ssl_server_name", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.SSLServerName })},
		Directive{Name: "proxy_ssl_verify", Ctx: hsl, Args: Flag, Set: pflag(func(p *ProxyLoc) *Opt[bool] { return &p.SSLVerify })},
		Directive{Name: "proxy_ssl_verify_depth", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.Proxy.SSLVerifyDepth })},
		Directive{Name: "proxy_ssl_trusted_certificate", Ctx: hsl, Args: Take1, Set: setSSLTrusted},
		Directive{Name: "proxy_ssl_crl", Ctx: hsl, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "proxy_ssl_certificate", Ctx: hsl, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "proxy_ssl_certificate_key", Ctx: hsl, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "proxy_ssl_password_file", Ctx: hsl, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "proxy_ssl_conf_command", Ctx: hsl, Args: Take2, Set: ignoreSlot},

		// The cache is not implemented: a configuration that relies on it
		// fails to load instead of running without it.
		Directive{Name: "proxy_cache", Ctx: hsl, Args: Take1, Set: offOrRefuse},
		Directive{Name: "proxy_cache_path", Ctx: CtxHTTP, Args: TwoMore, Set: refuse},
		Directive{Name: "proxy_cache_key", Ctx: hsl, Args: Take1, Set: refuse},
		Directive{Name: "proxy_cache_valid", Ctx: hsl, Args: OneMore, Set: refuse},
		Directive{Name: "proxy_cache_min_uses", Ctx: hsl, Args: Take1, Set: refuse},
		Directive{Name: "proxy_cache_max_range_offset", Ctx: hsl, Args: Take1, Set: refuse},
		Directive{Name: "proxy_cache_use_stale", Ctx: hsl, Args: OneMore, Set: refuse},
		Directive{Name: "proxy_cache_methods", Ctx: hsl, Args: OneMore, Set: refuse},
		Directive{Name: "proxy_cache_lock", Ctx: hsl, Args: Flag, Set: refuse},
		Directive{Name: "proxy_cache_lock_timeout", Ctx: hsl, Args: Take1, Set: refuse},
		Directive{Name: "proxy_cache_lock_age", Ctx: hsl, Args: Take1, Set: refuse},
		Directive{Name: "proxy_cache_revalidate", Ctx: hsl, Args: Flag, Set: refuse},
		Directive{Name: "proxy_cache_convert_head", Ctx: hsl, Args: Flag, Set: refuse},
		Directive{Name: "proxy_cache_background_update", Ctx: hsl, Args: Flag, Set: refuse},
		Directive{Name: "proxy_cache_bypass", Ctx: hsl, Args: OneMore, Set: refuse},
		Directive{Name: "proxy_no_cache", Ctx: hsl, Args: OneMore, Set: refuse},
	)
}

// refuse rejects a directive weir does not implement and cannot safely
// ignore.
func refuse(b *builder, s *conf.Stmt) error {
	return conf.Errorf(s, "the \"%s\" directive is not supported by weir yet", s.Name)
}

// offOrRefuse accepts "off" (what weir does anyway) once per level and
// refuses every other value.
func offOrRefuse(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	if len(s.Args) == 1 && s.Args[0] == "off" {
		return nil
	}
	return refuse(b, s)
}

// complexSlot is ngx_http_set_complex_value_slot.
func complexSlot(field func(b *builder) *Opt[*vars.Value]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		v, err := b.compile(s, s.Args[0])
		if err != nil {
			return err
		}
		*o = Def(v)
		return nil
	}
}

// bitmaskSlot is ngx_conf_set_bitmask_slot: names compared without case,
// values of every statement added up, a repeated one warned about.
func bitmaskSlot[T ~uint32](field func(b *builder) *Opt[T], names map[string]T) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		for _, a := range s.Args {
			m, ok := names[strings.ToLower(a)]
			if !ok {
				return conf.Errorf(s, "invalid value \"%s\"", a)
			}
			if o.V&m != 0 {
				b.warn(s, "duplicate value \"%s\"", a)
				continue
			}
			o.V |= m
			o.Set = true
		}
		return nil
	}
}

// setSSLProtocols checks proxy_ssl_protocols; weir's TLS client picks
// the protocols itself.
func setSSLProtocols(b *builder, s *conf.Stmt) error {
	var seen uint32
	for _, a := range s.Args {
		m, ok := sslProtocolNames[strings.ToLower(a)]
		if !ok {
			return conf.Errorf(s, "invalid value \"%s\"", a)
		}
		if seen&m != 0 {
			b.warn(s, "duplicate value \"%s\"", a)
		}
		seen |= m
	}
	return nil
}

func setSSLTrusted(b *builder, s *conf.Stmt) error {
	o := &b.cur.Proxy.SSLTrusted
	if o.Set {
		return duplicate(s)
	}
	*o = Def(b.fullConf(s.Args[0]))
	return nil
}

// setSendLowat is ngx_conf_set_size_slot with ngx_http_core_lowat_check,
// which cannot set SO_SNDLOWAT on Linux.
func setSendLowat(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	if ParseSize(s.Args[0]) < 0 {
		return invalidValue(s)
	}
	b.warn(s, "\"%s\" is not supported, ignored", s.Name)
	return nil
}

// setHeaderList is ngx_conf_set_str_array_slot for proxy_hide_header and
// proxy_pass_header; the names are kept lower-case.
func setHeaderList(b *builder, s *conf.Stmt) error {
	o := &b.cur.Proxy.HideHeaders
	if s.Name == "proxy_pass_header" {
		o = &b.cur.Proxy.PassHeaders
	}
	if !o.Set {
		*o = Def([]string(nil))
	}
	o.V = append(o.V, strings.ToLower(s.Args[0]))
	return nil
}

// setProxyBuffers is ngx_conf_set_bufs_slot for proxy_buffers.
func setProxyBuffers(b *builder, s *conf.Stmt) error {
	p := &b.cur.Proxy
	if p.BuffersNum.Set {
		return duplicate(s)
	}
	n, ok := atoi(s.Args[0])
	if !ok || n == 0 {
		return invalidValue(s)
	}
	size := ParseSize(s.Args[1])
	if size <= 0 {
		return invalidValue(s)
	}
	p.BuffersNum, p.BuffersSize = Def(n), Def(size)
	return nil
}

// setProxyTempPath is ngx_conf_set_path_slot: a path (relative to the
// prefix) and up to three directory levels.
func setProxyTempPath(b *builder, s *conf.Stmt) error {
	return setTempPath(b, s, &b.cur.Proxy.TempPath)
}

// setTempPath is ngx_conf_set_path_slot for any *_temp_path.
func setTempPath(b *builder, s *conf.Stmt, slot *Opt[string]) error {
	if slot.Set {
		return duplicate(s)
	}
	for _, l := range s.Args[1:] {
		if n, ok := atoi(l); !ok || n == 0 {
			return invalidValue(s)
		}
	}
	path := s.Args[0]
	if strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	*slot = Def(b.full(path))
	return nil
}

// setProxyBind is ngx_http_upstream_bind_set_slot: "off", an address
// (with variables, or an IP address with an optional port) and
// "transparent".
func setProxyBind(b *builder, s *conf.Stmt) error {
	p := &b.cur.Proxy
	if p.Bind.Set {
		return duplicate(s)
	}
	a := s.Args[0]
	if len(s.Args) == 1 && a == "off" {
		p.Bind, p.BindValue, p.BindTransparent = Def(""), Def[*vars.Value](nil), Def(false)
		return nil
	}
	var v *vars.Value
	if strings.Contains(a, "$") {
		cv, err := b.compile(s, a)
		if err != nil {
			return err
		}
		v = cv
	} else {
		if !validBindAddr(a) {
			return conf.Errorf(s, "invalid address \"%s\"", a)
		}
		v = literal(a)
	}
	transparent := false
	if len(s.Args) == 2 {
		if s.Args[1] != "transparent" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		transparent = true
	}
	p.Bind, p.BindValue, p.BindTransparent = Def(a), Def(v), Def(transparent)
	return nil
}

// validBindAddr is ngx_parse_addr_port's test: an IP address, with a
// port after a colon (IPv6 in brackets then).
func validBindAddr(a string) bool {
	if _, err := netip.ParseAddr(a); err == nil {
		return true
	}
	pu, errText := parseURL(a, 0, false)
	if errText != "" || pu.unix {
		return false
	}
	host := strings.TrimSuffix(strings.TrimPrefix(pu.host, "["), "]")
	_, err := netip.ParseAddr(host)
	return err == nil
}

// literal is a value without variables even if text has a "$" (nginx
// uses such texts as they are, without compiling them).
func literal(text string) *vars.Value {
	if text == "" {
		return &vars.Value{}
	}
	return &vars.Value{Raw: text, Parts: []vars.Part{{Kind: vars.Lit, Lit: text}}}
}

// setProxyPass is ngx_http_proxy_pass with the lookup of
// ngx_http_upstream_add: a target with variables is kept as a value; an
// address names an upstream block (found now or when the http block
// ends) or an implicit group shared by every *_pass of the same host and
// port.
func setProxyPass(b *builder, s *conf.Stmt) error {
	px := &b.cur.Proxy
	if px.Pass != nil {
		return duplicate(s)
	}
	url := s.Args[0]
	p := &Pass{File: s.File, Line: s.Line, URL: url}
	if strings.Contains(url, "$") {
		v, err := b.compile(s, url)
		if err != nil {
			return err
		}
		p.Value = v
		switch {
		case len(url) >= 7 && strings.EqualFold(url[:7], "http://"):
			p.Scheme = "http://"
		case len(url) >= 8 && strings.EqualFold(url[:8], "https://"):
			p.Scheme = "https://"
		}
		px.Pass = p
		return nil
	}
	var add, defPort int
	switch {
	case len(url) >= 7 && strings.EqualFold(url[:7], "http://"):
		add, defPort, p.Scheme = 7, 80, "http://"
	case len(url) >= 8 && strings.EqualFold(url[:8], "https://"):
		add, defPort, p.Scheme = 8, 443, "https://"
	default:
		return conf.Errorf(s, "invalid URL prefix")
	}
	pu, errText := parseURL(url[add:], defPort, true)
	if errText != "" {
		return conf.Errorf(s, "%s in upstream \"%s\"", errText, url[add:])
	}
	g, err := b.passGroup(s, pu)
	if err != nil {
		return err
	}
	p.Upstream = g
	switch {
	case pu.unix:
		p.Host, p.Port = "localhost", ""
	case pu.noPort || pu.port == defPort:
		p.Host, p.Port = pu.host, strconv.Itoa(defPort)
	default:
		p.Host, p.Port = pu.host+":"+pu.portText, pu.portText
	}
	if pu.uri != "" {
		p.URI, p.HasURI = literal(pu.uri), true
	}
	loc := b.loc
	if b.ctx&(CtxLocationIf|CtxLimitExcept) != 0 || loc.Match == MatchNone || loc.Match == MatchNamed ||
		loc.Match == MatchRegex || loc.Match == MatchRegexCaseless {
		if p.HasURI {
			return conf.Errorf(s, "\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block")
		}
	} else {
		p.LocationLen = len(loc.Name)
	}
	px.Pass = p
	return nil
}

// passGroup is ngx_http_upstream_add without NGX_HTTP_UPSTREAM_CREATE:
// the first group of the host's name (without case) that an upstream
// block defines or that an implicit group of the same port holds, else a
// new implicit group.
func (b *builder) passGroup(s *conf.Stmt, pu parsedURL) (*Upstream, error) {
	for _, u := range b.http.Upstreams {
		if !strings.EqualFold(u.Name, pu.host) {
			continue
		}
		if !u.Implicit {
			if !pu.noPort && !pu.unix {
				return nil, conf.Errorf(s, "upstream \"%s\" may not have port %d", pu.host, pu.port)
			}
			return u, nil
		}
		if u.dport != 0 && pu.port != 0 && u.dport != pu.port {
			continue
		}
		return u, nil
	}
	g := &Upstream{
		Name: pu.host, File: s.File, Line: s.Line, Implicit: true, dport: pu.port,
		Keepalive: 32, KeepaliveLocal: true, KeepaliveRequests: 1000,
		KeepaliveTime: time.Hour, KeepaliveTimeout: 60 * time.Second,
	}
	if !pu.noPort {
		g.Port = pu.port
	}
	if pu.unix {
		g.Servers = []*UpstreamServer{{
			File: s.File, Line: s.Line, Host: pu.host,
			Addrs:  []UpstreamAddr{{Network: "unix", Addr: pu.host, Name: "unix:" + pu.host}},
			Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second,
		}}
	}
	b.http.Upstreams = append(b.http.Upstreams, g)
	return g, nil
}

// setProxyRedirect is ngx_http_proxy_redirect: "off", "default" (after
// proxy_pass, which it is derived from), or "from to" with a ~ or ~*
// regex.
func setProxyRedirect(b *builder, s *conf.Stmt) error {
	px := &b.cur.Proxy
	if px.Redirects.Set && len(px.Redirects.V) == 0 {
		return duplicate(s) // after "off"
	}
	a := s.Args[0]
	if len(s.Args) == 1 {
		if a == "off" {
			if px.Redirects.Set {
				return duplicate(s)
			}
			px.Redirects = Def([]*Redirect{})
			return nil
		}
		if a != "default" {
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
		if px.Pass != nil && px.Pass.Value != nil {
			return conf.Errorf(s, "\"proxy_redirect default\" cannot be used with \"proxy_pass\" directive with variables")
		}
		if px.Pass == nil {
			return conf.Errorf(s, "\"proxy_redirect default\" should be placed after the \"proxy_pass\" directive")
		}
		px.Redirects = Def(append(px.Redirects.V, defaultRedirect(px.Pass, b.loc)))
		return nil
	}
	rule, err := b.rewriteRule(s, a, false)
	if err != nil {
		return err
	}
	to, err := b.compile(s, s.Args[1])
	if err != nil {
		return err
	}
	px.Redirects = Def(append(px.Redirects.V, &Redirect{From: rule, To: to}))
	return nil
}

// defaultRedirect is the rule "proxy_redirect default" stands for: the
// proxy_pass URL is replaced by the location's name, or, without a URI
// part, the URL and "/" by "/".
func defaultRedirect(p *Pass, loc *Location) *Redirect {
	if p.HasURI && loc != nil {
		return &Redirect{Default: true, From: RegexRule{Value: literal(p.URL)}, To: literal(loc.Name)}
	}
	return &Redirect{Default: true, From: RegexRule{Value: literal(p.URL + "/")}, To: literal("/")}
}

// rewriteRule compiles the match side of proxy_redirect and
// proxy_cookie_*: "~regex", "~*regex" or a value. For cookie domains a
// regex is always caseless (and "*" is part of it) and a leading dot of
// a value is dropped.
func (b *builder) rewriteRule(s *conf.Stmt, a string, domain bool) (RegexRule, error) {
	if strings.HasPrefix(a, "~") {
		pattern, caseless := a[1:], domain
		if !domain && strings.HasPrefix(pattern, "*") {
			pattern, caseless = pattern[1:], true
		}
		re, err := b.compileRegex(s, pattern, caseless)
		if err != nil {
			return RegexRule{}, err
		}
		return RegexRule{Re: re}, nil
	}
	if domain {
		a = strings.TrimPrefix(a, ".")
	}
	v, err := b.compile(s, a)
	if err != nil {
		return RegexRule{}, err
	}
	return RegexRule{Value: v}, nil
}

// setProxyCookie is ngx_http_proxy_cookie_domain and
// ngx_http_proxy_cookie_path: "off" or "from to".
func setProxyCookie(b *builder, s *conf.Stmt) error {
	domain := s.Name == "proxy_cookie_domain"
	o := &b.cur.Proxy.CookiePaths
	if domain {
		o = &b.cur.Proxy.CookieDomains
	}
	if o.Set && len(o.V) == 0 {
		return duplicate(s) // after "off"
	}
	if len(s.Args) == 1 {
		if s.Args[0] != "off" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[0])
		}
		if o.Set {
			return duplicate(s)
		}
		*o = Def([]*CookieRewrite{})
		return nil
	}
	rule, err := b.rewriteRule(s, s.Args[0], domain)
	if err != nil {
		return err
	}
	to := s.Args[1]
	if domain {
		to = strings.TrimPrefix(to, ".")
	}
	tv, err := b.compile(s, to)
	if err != nil {
		return err
	}
	*o = Def(append(o.V, &CookieRewrite{From: rule, To: tv}))
	return nil
}

// setProxySetHeader is ngx_conf_set_keyval_slot for proxy_set_header. An
// empty value is kept: the header is then not sent.
func setProxySetHeader(b *builder, s *conf.Stmt) error {
	o := &b.cur.Proxy.Params
	if !o.Set {
		*o = Def([]*HeaderParam(nil))
	}
	v, err := b.compile(s, s.Args[1])
	if err != nil {
		return err
	}
	o.V = append(o.V, &HeaderParam{Name: s.Args[0], Value: v, Lower: true})
	return nil
}

// defaultProxyParams are the headers the proxy module sets unless the
// configuration does (ngx_http_proxy_headers as of nginx 1.29.7, which
// speaks HTTP/1.1 upstream and no longer sends "Connection: close"; the
// runtime handles Connection, Content-Length and Transfer-Encoding).
func defaultProxyParams() []*HeaderParam {
	return []*HeaderParam{{Name: "Host", Value: mustCompile("$proxy_host"), Lower: true, FromDefault: true}}
}

// withDefaultParams returns params followed by the default headers it
// does not set (ngx_http_proxy_init_headers), without changing params.
func withDefaultParams(params []*HeaderParam) []*HeaderParam {
	out := params
	for _, d := range defaultProxyParams() {
		found := false
		for _, p := range params {
			if strings.EqualFold(p.Name, d.Name) {
				found = true
				break
			}
		}
		if !found {
			out = append(out[:len(out):len(out)], d)
		}
	}
	return out
}

// finishProxy is the end of ngx_http_proxy_merge_loc_conf for one merged
// level: an if block takes the enclosing location's proxy_pass, the
// default proxy_redirect rule is derived where no level sets one, the
// default headers are added, and the buffer sizes are checked and
// computed. Errors are positioned at the end of the http block s.
func finishProxy(s *conf.Stmt, l, parent *Loc, loc *Location, noname bool) error {
	px := &l.Proxy
	if noname && px.Pass == nil && parent != nil {
		px.Pass = parent.Proxy.Pass
	}
	if !px.Redirects.Set {
		switch {
		case parent != nil && parent.Proxy.Redirects.Set:
			px.Redirects = parent.Proxy.Redirects
		case px.Pass != nil && px.Pass.Value == nil:
			px.Redirects = Def([]*Redirect{defaultRedirect(px.Pass, loc)})
		}
	}
	if px.NextUpstream.V&NextOff != 0 {
		px.NextUpstream.V = NextOff
	}
	px.Params.V = withDefaultParams(px.Params.V)

	if px.BuffersNum.V < 2 {
		return conf.ErrorfEnd(s, "there must be at least 2 \"proxy_buffers\"")
	}
	size := max(px.BufferSize.V, px.BuffersSize.V)
	if px.BusyBuffersSize.V < 0 {
		px.BusyBuffersSize.V = 2 * size
	}
	if px.BusyBuffersSize.V < size {
		return conf.ErrorfEnd(s, "\"proxy_busy_buffers_size\" must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\"")
	}
	if px.BusyBuffersSize.V > (px.BuffersNum.V-1)*px.BuffersSize.V {
		return conf.ErrorfEnd(s, "\"proxy_busy_buffers_size\" must be less than the size of all \"proxy_buffers\" minus one buffer")
	}
	if px.TempFileWrite.V < 0 {
		px.TempFileWrite.V = 2 * size
	}
	if px.TempFileWrite.V < size {
		return conf.ErrorfEnd(s, "\"proxy_temp_file_write_size\" must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\"")
	}
	if px.MaxTempFileSize.V != 0 && px.MaxTempFileSize.V < size {
		return conf.ErrorfEnd(s, "\"proxy_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be equal to or greater than the maximum of the value of \"proxy_buffer_size\" and one of the \"proxy_buffers\"")
	}
	return nil
}

// defaultProxy holds the proxy module's defaults (nginx 1.29.7) for
// defaultLoc. proxy_temp_path's default depends on the prefix and is set
// in finishHTTP.
func defaultProxy() ProxyLoc {
	return ProxyLoc{
		UpstreamConf: UpstreamConf{
			ConnectTimeout:      Def(60 * time.Second),
			SendTimeout:         Def(60 * time.Second),
			ReadTimeout:         Def(60 * time.Second),
			NextUpstream:        Def(NextError | NextTimeout),
			NextUpstreamTries:   Def(int64(0)),
			NextUpstreamTimeout: Def(time.Duration(0)),
			Buffering:           Def(true),
			RequestBuffering:    Def(true),
			BufferSize:          Def(int64(4096)),
			BuffersNum:          Def(int64(8)),
			BuffersSize:         Def(int64(4096)),
			BusyBuffersSize:     Def(int64(-1)),
			MaxTempFileSize:     Def(int64(1024 << 20)),
			TempFileWrite:       Def(int64(-1)),
			HideHeaders:         Def([]string(nil)),
			PassHeaders:         Def([]string(nil)),
			IgnoreHeaders:       Def(IgnoreHeaders(0)),
			PassRequestHeaders:  Def(true),
			PassRequestBody:     Def(true),
			InterceptErrors:     Def(false),
			IgnoreClientAbort:   Def(false),
			SocketKeepalive:     Def(false),
			Bind:                Def(""),
			BindValue:           Def[*vars.Value](nil),
			BindTransparent:     Def(false),
			ForceRanges:         Def(false),
			LimitRate:           Def(int64(0)),
			Params:              Def(defaultProxyParams()),
		},
		Method:          Def[*vars.Value](nil),
		HTTPVersion:     Def("1.1"),
		SetBody:         Def[*vars.Value](nil),
		CookieDomains:   Def([]*CookieRewrite{}),
		CookiePaths:     Def([]*CookieRewrite{}),
		SSLServerName:   Def(false),
		SSLName:         Def[*vars.Value](nil),
		SSLVerify:       Def(false),
		SSLVerifyDepth:  Def(int64(1)),
		SSLTrusted:      Def(""),
		SSLSessionReuse: Def(true),
	}
}

// levelFunc is called for one merged level: its settings, the enclosing
// level's, its location (nil for a server) and whether it is an if block.
type levelFunc func(l, parent *Loc, loc *Location, noname bool) error

// walkLevels calls f for every server, location and if level in
// configuration order, each before the levels inside it, as nginx merges
// them (ngx_http_merge_servers, ngx_http_merge_locations).
func (b *builder) walkLevels(f levelFunc) error {
	for _, srv := range b.http.Servers {
		if err := f(srv.Loc, b.http.Loc, nil, false); err != nil {
			return err
		}
		if err := walkScript(srv.Rewrite, srv.Loc, f); err != nil {
			return err
		}
		if err := walkLocs(srv.locs, srv.Loc, f); err != nil {
			return err
		}
	}
	return nil
}

func walkScript(script []Instr, parent *Loc, f levelFunc) error {
	for _, in := range script {
		if in.Op != OpIf {
			continue
		}
		l := in.Block
		if err := f(l.Loc, parent, l, true); err != nil {
			return err
		}
		if err := walkScript(l.Rewrite, l.Loc, f); err != nil {
			return err
		}
	}
	return nil
}

func walkLocs(locs []*Location, parent *Loc, f levelFunc) error {
	for _, l := range locs {
		if err := f(l.Loc, parent, l, false); err != nil {
			return err
		}
		if err := walkScript(l.Rewrite, l.Loc, f); err != nil {
			return err
		}
		if err := walkLocs(l.locs, l.Loc, f); err != nil {
			return err
		}
	}
	return nil
}

// eachPass calls f for every proxy_pass written in the configuration.
func (b *builder) eachPass(f func(p *Pass)) {
	_ = b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		if l.Proxy.Pass != nil {
			f(l.Proxy.Pass)
		}
		return nil
	})
}

// finishProxies runs finishProxy over every level.
func (b *builder) finishProxies(s *conf.Stmt) error {
	return b.walkLevels(func(l, parent *Loc, loc *Location, noname bool) error {
		return finishProxy(s, l, parent, loc, noname)
	})
}

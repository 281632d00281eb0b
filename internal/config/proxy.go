package config

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// The proxy module (ngx_http_proxy_module) and the ngx_http_upstream_conf_t
// settings it shares with the other upstream modules.

func pvalue(f func(p *ProxyLoc) *Opt[*vars.Value]) func(*builder, *conf.Stmt) error {
	return complexSlot(func(b *builder) *Opt[*vars.Value] { return f(&b.cur.Proxy) })
}

// setter is a directive's Set function.
type setter = func(*builder, *conf.Stmt) error

// ucOf finds one module's UpstreamConf in the level being read; the
// setters of the shared directives take one so every upstream module
// reuses them.
type ucOf func(b *builder) *UpstreamConf

func proxyUC(b *builder) *UpstreamConf { return &b.cur.Proxy.UpstreamConf }

// upstreamSuffixes are the directives every module that keeps an
// ngx_http_upstream_conf_t and buffers responses defines under its own
// prefix ("proxy_connect_timeout", "fastcgi_connect_timeout", ...).
var upstreamSuffixes = []string{
	"buffering", "request_buffering", "ignore_client_abort", "bind", "socket_keepalive",
	"connect_timeout", "send_timeout", "read_timeout", "intercept_errors",
	"pass_request_headers", "pass_request_body", "buffer_size", "buffers",
	"busy_buffers_size", "force_ranges", "limit_rate", "temp_path", "max_temp_file_size",
	"temp_file_write_size", "next_upstream", "next_upstream_tries", "next_upstream_timeout",
	"pass_header", "hide_header", "ignore_headers",
}

// cacheSuffixes are the cache and store directives of those modules.
var cacheSuffixes = []string{
	"store", "store_access", "cache", "cache_path", "cache_key", "cache_valid",
	"cache_min_uses", "cache_max_range_offset", "cache_use_stale", "cache_methods",
	"cache_lock", "cache_lock_timeout", "cache_lock_age", "cache_revalidate",
	"cache_background_update", "cache_bypass", "no_cache",
}

// sharedRows returns the rows of the shared directives named by
// suffixes under prefix, storing into the UpstreamConf uc finds; next
// holds the module's *_next_upstream values.
func sharedRows(prefix string, uc ucOf, next map[string]NextUpstream, suffixes ...string) []Directive {
	hsl := CtxHTTP | CtxServer | CtxLocation
	flag := func(f func(u *UpstreamConf) *Opt[bool]) setter {
		return flagSlot(func(b *builder) *Opt[bool] { return f(uc(b)) })
	}
	size := func(f func(u *UpstreamConf) *Opt[int64]) setter {
		return sizeSlot(func(b *builder) *Opt[int64] { return f(uc(b)) })
	}
	msec := func(f func(u *UpstreamConf) *Opt[time.Duration]) setter {
		return timeSlot(func(b *builder) *Opt[time.Duration] { return f(uc(b)) })
	}
	rows := map[string]Directive{
		"buffering":             {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.Buffering })},
		"request_buffering":     {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.RequestBuffering })},
		"ignore_client_abort":   {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.IgnoreClientAbort })},
		"bind":                  {Args: Take12, Set: bindSetter(uc)},
		"socket_keepalive":      {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.SocketKeepalive })},
		"connect_timeout":       {Args: Take1, Set: msec(func(u *UpstreamConf) *Opt[time.Duration] { return &u.ConnectTimeout })},
		"send_timeout":          {Args: Take1, Set: msec(func(u *UpstreamConf) *Opt[time.Duration] { return &u.SendTimeout })},
		"read_timeout":          {Args: Take1, Set: msec(func(u *UpstreamConf) *Opt[time.Duration] { return &u.ReadTimeout })},
		"intercept_errors":      {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.InterceptErrors })},
		"pass_request_headers":  {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.PassRequestHeaders })},
		"pass_request_body":     {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.PassRequestBody })},
		"buffer_size":           {Args: Take1, Set: size(func(u *UpstreamConf) *Opt[int64] { return &u.BufferSize })},
		"buffers":               {Args: Take2, Set: buffersSetter(uc)},
		"busy_buffers_size":     {Args: Take1, Set: size(func(u *UpstreamConf) *Opt[int64] { return &u.BusyBuffersSize })},
		"force_ranges":          {Args: Flag, Set: flag(func(u *UpstreamConf) *Opt[bool] { return &u.ForceRanges })},
		"limit_rate":            {Args: Take1, Set: size(func(u *UpstreamConf) *Opt[int64] { return &u.LimitRate })},
		"temp_path":             {Args: Take1234, Set: func(b *builder, s *conf.Stmt) error { return setTempPath(b, s, &uc(b).TempPath, &uc(b).TempLevels) }},
		"max_temp_file_size":    {Args: Take1, Set: size(func(u *UpstreamConf) *Opt[int64] { return &u.MaxTempFileSize })},
		"temp_file_write_size":  {Args: Take1, Set: size(func(u *UpstreamConf) *Opt[int64] { return &u.TempFileWrite })},
		"next_upstream":         {Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[NextUpstream] { return &uc(b).NextUpstream }, next)},
		"next_upstream_tries":   {Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &uc(b).NextUpstreamTries })},
		"next_upstream_timeout": {Args: Take1, Set: msec(func(u *UpstreamConf) *Opt[time.Duration] { return &u.NextUpstreamTimeout })},
		"pass_header":           {Args: Take1, Set: headerListSetter(uc, false)},
		"hide_header":           {Args: Take1, Set: headerListSetter(uc, true)},
		"ignore_headers":        {Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[IgnoreHeaders] { return &uc(b).IgnoreHeaders }, ignoreHeaderNames)},
		"param":                 {Args: Take23, Set: paramSetter(uc)},
	}
	for k, d := range cacheRows(prefix, uc, next) {
		rows[k] = d
	}
	out := make([]Directive, 0, len(suffixes))
	for _, sfx := range suffixes {
		d, ok := rows[sfx]
		if !ok {
			panic("config: no shared upstream directive " + sfx)
		}
		d.Name = prefix + "_" + sfx
		if d.Ctx == 0 {
			d.Ctx = hsl
		}
		out = append(out, d)
	}
	return out
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

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(sharedRows("proxy", proxyUC, nextUpstreamNames,
		slices.Concat(upstreamSuffixes, cacheSuffixes, []string{"cache_convert_head"})...)...)
	register(
		Directive{Name: "proxy_pass", Ctx: CtxLocation | CtxLocationIf | CtxLimitExcept, Args: Take1, Set: setProxyPass},
		Directive{Name: "proxy_redirect", Ctx: hsl, Args: Take12, Set: setProxyRedirect},
		Directive{Name: "proxy_cookie_domain", Ctx: hsl, Args: Take12, Set: setProxyCookie},
		Directive{Name: "proxy_cookie_path", Ctx: hsl, Args: Take12, Set: setProxyCookie},
		Directive{Name: "proxy_send_lowat", Ctx: hsl, Args: Take1, Set: setSendLowat},
		Directive{Name: "proxy_set_header", Ctx: hsl, Args: Take2, Set: setProxySetHeader},
		Directive{Name: "proxy_set_body", Ctx: hsl, Args: Take1, Set: pvalue(func(p *ProxyLoc) *Opt[*vars.Value] { return &p.SetBody })},
		Directive{Name: "proxy_method", Ctx: hsl, Args: Take1, Set: pvalue(func(p *ProxyLoc) *Opt[*vars.Value] { return &p.Method })},
		Directive{Name: "proxy_http_version", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.Proxy.HTTPVersion }, "1.0", "1.1", "2")},
	)
	register(sslRows("proxy", func(b *builder) *UpstreamSSL { return &b.cur.Proxy.UpstreamSSL })...)
}

// refuse rejects a directive weir does not implement and cannot safely
// ignore.
func refuse(b *builder, s *conf.Stmt) error {
	return conf.Errorf(s, "the \"%s\" directive is not supported by weir yet", s.Name)
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

// headerListSetter is ngx_conf_set_str_array_slot for *_hide_header
// (hide) and *_pass_header; the names are kept lower-case.
func headerListSetter(uc ucOf, hide bool) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := &uc(b).PassHeaders
		if hide {
			o = &uc(b).HideHeaders
		}
		if !o.Set {
			*o = Def([]string(nil))
		}
		o.V = append(o.V, strings.ToLower(s.Args[0]))
		return nil
	}
}

// buffersSetter is ngx_conf_set_bufs_slot for *_buffers.
func buffersSetter(uc ucOf) setter {
	return func(b *builder, s *conf.Stmt) error {
		p := uc(b)
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
}

// setTempPath is ngx_conf_set_path_slot for any *_temp_path.
func setTempPath(b *builder, s *conf.Stmt, slot *Opt[string], levels *Opt[[]int]) error {
	if slot.Set {
		return duplicate(s)
	}
	var lv []int
	for _, l := range s.Args[1:] {
		n, ok := atoi(l)
		if !ok || n == 0 {
			return invalidValue(s)
		}
		lv = append(lv, int(n))
	}
	*levels = Def(lv)
	path := s.Args[0]
	if strings.HasSuffix(path, "/") {
		path = path[:len(path)-1]
	}
	*slot = Def(b.full(path))
	return nil
}

// bindSetter is ngx_http_upstream_bind_set_slot for *_bind: "off", an
// address (with variables, or an IP address with an optional port) and
// "transparent".
func bindSetter(uc ucOf) setter {
	return func(b *builder, s *conf.Stmt) error {
		p := uc(b)
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
	if !b.once(s) || px.Pass != nil {
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
		b.setHandler(p, &px.Pass)
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
	b.setHandler(p, &px.Pass)
	return nil
}

// setHandler stores a *_pass target in slot and makes its module the
// level's content handler. nginx accepts *_pass directives of different
// modules in one location and the last one read sets clcf->handler; weir
// keeps only that one, so a level has at most one of Proxy.Pass,
// FastCGI.Pass, UWSGI.Pass, SCGI.Pass and Memcached.Pass. (A repeated
// *_pass of one module is still found by once: "is duplicate".)
func (b *builder) setHandler(p *Pass, slot **Pass) {
	l := b.cur
	l.Proxy.Pass, l.FastCGI.Pass, l.UWSGI.Pass, l.SCGI.Pass, l.Memcached.Pass, l.GRPC.Pass = nil, nil, nil, nil, nil, nil
	l.Handler = ""
	*slot = p
}

// passSlots are the *_pass targets of a level, in nginx's module order.
func passSlots(l *Loc) []**Pass {
	return []**Pass{&l.Proxy.Pass, &l.FastCGI.Pass, &l.UWSGI.Pass, &l.SCGI.Pass, &l.Memcached.Pass, &l.GRPC.Pass}
}

// setAddrPass is the *_pass of the fastcgi, uwsgi, scgi and memcached
// modules (ngx_http_fastcgi_pass, ...): a target with variables (when
// the module takes them) is kept as a value; otherwise it is an address
// without a scheme, after one of the prefixes the module strips ("uwsgi://"),
// that names an upstream group or makes an implicit one. scheme is what
// Pass.Scheme says when no prefix was written.
func (b *builder) setAddrPass(s *conf.Stmt, slot **Pass, scheme string, prefixes []string, withVars bool) error {
	if !b.once(s) || *slot != nil {
		return duplicate(s)
	}
	url := s.Args[0]
	p := &Pass{File: s.File, Line: s.Line, URL: url, Scheme: scheme}
	add := 0
	for _, pre := range prefixes {
		if len(url) >= len(pre) && strings.EqualFold(url[:len(pre)], pre) {
			add, p.Scheme = len(pre), pre
			break
		}
	}
	if withVars && strings.Contains(url, "$") {
		v, err := b.compile(s, url)
		if err != nil {
			return err
		}
		p.Value = v
		b.setHandler(p, slot)
		return nil
	}
	pu, errText := parseURL(url[add:], 0, false)
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
		p.Host = "unix:" + pu.host
	case pu.noPort:
		p.Host = pu.host
	default:
		p.Host, p.Port = pu.host+":"+pu.portText, pu.portText
	}
	b.setHandler(p, slot)
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
			if b.seen[seenKey{b.cur, "proxy_pass"}] {
				// a later *_pass of another module took the
				// location: nginx accepts the rule, which is never used
				return nil
			}
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
	if off, err := offList(s, o); off || err != nil {
		return err
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

// setProxySetHeader is ngx_conf_set_keyval_slot for proxy_set_header.
var setProxySetHeader = headerParamSlot(func(b *builder) *Opt[[]*HeaderParam] { return &b.cur.Proxy.Params })

// headerParamSlot is ngx_conf_set_keyval_slot for proxy_set_header and
// grpc_set_header. An empty value is kept: the header is then not sent.
func headerParamSlot(field func(b *builder) *Opt[[]*HeaderParam]) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
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
// level: the default proxy_redirect rule is derived where no level sets
// one, the default headers are added, and the buffer sizes are checked
// and computed. (An if block has taken the enclosing location's *_pass
// before, in inheritPasses.) Errors are positioned at the end of the
// http block s.
func finishProxy(s *conf.Stmt, l, parent *Loc, loc *Location, noname bool) error {
	px := &l.Proxy
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
	if px.HTTPVersion.V == "2" {
		// ngx_http_proxy_v2_handler: HTTP/2 over TLS is negotiated
		// with ALPN "h2" alone
		px.ALPN = []string{"h2"}
	}
	return checkBuffers(s, "proxy", &px.UpstreamConf)
}

// checkBuffers is the buffer part of each module's merge_loc_conf: at
// least two buffers, the busy and temp-file write sizes computed where
// unset, and every size checked against the largest buffer.
func checkBuffers(s *conf.Stmt, prefix string, u *UpstreamConf) error {
	if u.BuffersNum.V < 2 {
		return conf.ErrorfEnd(s, "there must be at least 2 \"%s_buffers\"", prefix)
	}
	size := max(u.BufferSize.V, u.BuffersSize.V)
	if u.BusyBuffersSize.V < 0 {
		u.BusyBuffersSize.V = 2 * size
	}
	if u.BusyBuffersSize.V < size {
		return conf.ErrorfEnd(s, "\"%[1]s_busy_buffers_size\" must be equal to or greater than the maximum of the value of \"%[1]s_buffer_size\" and one of the \"%[1]s_buffers\"", prefix)
	}
	if u.BusyBuffersSize.V > (u.BuffersNum.V-1)*u.BuffersSize.V {
		return conf.ErrorfEnd(s, "\"%[1]s_busy_buffers_size\" must be less than the size of all \"%[1]s_buffers\" minus one buffer", prefix)
	}
	if u.TempFileWrite.V < 0 {
		u.TempFileWrite.V = 2 * size
	}
	if u.TempFileWrite.V < size {
		return conf.ErrorfEnd(s, "\"%[1]s_temp_file_write_size\" must be equal to or greater than the maximum of the value of \"%[1]s_buffer_size\" and one of the \"%[1]s_buffers\"", prefix)
	}
	if u.MaxTempFileSize.V != 0 && u.MaxTempFileSize.V < size {
		return conf.ErrorfEnd(s, "\"%[1]s_max_temp_file_size\" must be equal to zero to disable temporary files usage or must be equal to or greater than the maximum of the value of \"%[1]s_buffer_size\" and one of the \"%[1]s_buffers\"", prefix)
	}
	return nil
}

// paramSetter is ngx_http_upstream_param_set_slot for fastcgi_param,
// uwsgi_param and scgi_param: a name, a value and "if_not_empty". The
// value is compiled when the level is merged (compileParams), where
// nginx compiles it, so that a malformed one is reported there.
func paramSetter(uc ucOf) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := &uc(b).Params
		if !o.Set {
			*o = Def([]*HeaderParam(nil))
		}
		hp := &HeaderParam{Name: s.Args[0], Value: &vars.Value{Raw: s.Args[1]}}
		if len(s.Args) == 3 {
			if s.Args[2] != "if_not_empty" {
				return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[2])
			}
			hp.IfNotEmpty = true
		}
		o.V = append(o.V, hp)
		return nil
	}
}

// compileParams compiles the values paramSetter kept as text (a value
// is compiled once, by the first level that merges it, as nginx builds
// a level's params once and lets the levels that inherit them share
// them). Errors are positioned at the end of the http block s.
func (b *builder) compileParams(s *conf.Stmt, params []*HeaderParam) error {
	for _, hp := range params {
		if hp.Value == nil || hp.Value.Raw == "" || hp.Value.Parts != nil {
			continue
		}
		v, err := vars.Compile(hp.Value.Raw)
		if err != nil {
			return conf.ErrorfEnd(s, "%s", err.Error())
		}
		b.values = append(b.values, v)
		hp.Value = v
	}
	return nil
}

// defaultUpstreamConf holds nginx's defaults of the shared settings for
// the modules that buffer responses (proxy, fastcgi, uwsgi, scgi). The
// busy and temp-file write sizes are computed from the buffers (-1);
// the temp path depends on the prefix and is set in finishHTTP.
func defaultUpstreamConf() UpstreamConf {
	return UpstreamConf{
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
		Params:              Def([]*HeaderParam(nil)),
		Cache:               defaultCacheConf(),
	}
}

// defaultProxy holds the proxy module's defaults (nginx 1.29.7) for
// defaultLoc. proxy_temp_path's default depends on the prefix and is set
// in finishHTTP.
func defaultProxy() ProxyLoc {
	uc := defaultUpstreamConf()
	uc.Params = Def(defaultProxyParams())
	return ProxyLoc{
		UpstreamConf:  uc,
		Method:        Def[*vars.Value](nil),
		HTTPVersion:   Def("1.1"),
		SetBody:       Def[*vars.Value](nil),
		CookieDomains: Def([]*CookieRewrite{}),
		CookiePaths:   Def([]*CookieRewrite{}),
		UpstreamSSL:   defaultUpstreamSSL(),
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
		if err := f(l.Loc, parent, l, l.Match == MatchNone); err != nil {
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

// eachPass calls f for every *_pass written in the configuration.
func (b *builder) eachPass(f func(p *Pass)) {
	_ = b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		for _, slot := range passSlots(l) {
			if *slot != nil {
				f(*slot)
			}
		}
		return nil
	})
}

// inheritPasses gives an if block without a *_pass of its own the
// enclosing level's: each module's merge_loc_conf copies the upstream of
// the previous level into a noname location that has none, and the
// request keeps the location's content handler. A limit_except block
// gets no memcached_pass: the memcached module makes no handler for it
// (the others do), so such a method is served by the static module.
func (b *builder) inheritPasses() {
	_ = b.walkLevels(func(l, parent *Loc, loc *Location, noname bool) error {
		if !noname || parent == nil {
			return nil
		}
		for _, slot := range passSlots(l) {
			if *slot != nil {
				return nil
			}
		}
		limitExcept := loc.Parent != nil && loc.Parent.LimitExcept == loc
		dst, src := passSlots(l), passSlots(parent)
		for i := range dst {
			if limitExcept && dst[i] == &l.Memcached.Pass {
				continue
			}
			*dst[i] = *src[i]
		}
		return nil
	})
}

// finishProxies runs finishProxy over every level.
func (b *builder) finishProxies(s *conf.Stmt) error {
	if err := b.checkProxyHeadersHash(); err != nil {
		return err
	}
	return b.walkLevels(func(l, parent *Loc, loc *Location, noname bool) error {
		return finishProxy(s, l, parent, loc, noname)
	})
}

package config

import (
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

func lflag(f func(l *Loc) *Opt[bool]) func(*builder, *conf.Stmt) error {
	return flagSlot(func(b *builder) *Opt[bool] { return f(b.cur) })
}
func lsize(f func(l *Loc) *Opt[int64]) func(*builder, *conf.Stmt) error {
	return sizeSlot(func(b *builder) *Opt[int64] { return f(b.cur) })
}
func ltime(f func(l *Loc) *Opt[time.Duration]) func(*builder, *conf.Stmt) error {
	return timeSlot(func(b *builder) *Opt[time.Duration] { return f(b.cur) })
}
func sflag(f func(s *Srv) *Opt[bool]) func(*builder, *conf.Stmt) error {
	return flagSlot(func(b *builder) *Opt[bool] { return f(b.csrv) })
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	hs := CtxHTTP | CtxServer
	hsli := hsl | CtxLocationIf
	register(
		Directive{Name: "root", Ctx: hsli, Args: Take1, Set: setRoot},
		Directive{Name: "alias", Ctx: CtxLocation, Args: Take1, Set: setRoot},
		Directive{Name: "index", Ctx: hsl, Args: OneMore, Set: setIndex},
		Directive{Name: "try_files", Ctx: CtxServer | CtxLocation, Args: TwoMore, Set: setTryFiles},
		Directive{Name: "default_type", Ctx: hsl, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &b.cur.DefaultType })},
		Directive{Name: "sendfile", Ctx: hsli, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Sendfile })},
		Directive{Name: "tcp_nopush", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.TCPNopush })},
		Directive{Name: "tcp_nodelay", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.TCPNodelay })},
		Directive{Name: "keepalive_timeout", Ctx: hsl, Args: Take12, Set: setKeepaliveTimeout},
		Directive{Name: "keepalive_requests", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.KeepaliveRequests })},
		Directive{Name: "disable_symlinks", Ctx: hsl, Args: Take12, Set: setDisableSymlinks},
		Directive{Name: "auth_delay", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.AuthDelay })},
		Directive{Name: "keepalive_disable", Ctx: hsl, Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[uint32] { return &b.cur.KeepaliveDisable }, keepaliveDisableNames)},
		Directive{Name: "keepalive_time", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.KeepaliveTime })},
		Directive{Name: "client_max_body_size", Ctx: hsl, Args: Take1, Set: offSlot(func(b *builder) *Opt[int64] { return &b.cur.ClientMaxBodySize })},
		Directive{Name: "client_body_timeout", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.ClientBodyTimeout })},
		Directive{Name: "client_body_buffer_size", Ctx: hsl, Args: Take1, Set: lsize(func(l *Loc) *Opt[int64] { return &l.ClientBodyBufSize })},
		Directive{Name: "client_body_temp_path", Ctx: hsl, Args: Take1234, Set: func(b *builder, s *conf.Stmt) error {
			return setTempPath(b, s, &b.cur.ClientBodyTemp, &b.cur.ClientBodyTempLevels)
		}},
		Directive{Name: "client_body_in_file_only", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.ClientBodyInFileOnly }, "off", "on", "clean")},
		Directive{Name: "client_body_in_single_buffer", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "send_timeout", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.SendTimeout })},
		Directive{Name: "server_tokens", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.ServerTokens }, "on", "off", "build")},
		Directive{Name: "error_page", Ctx: hsli, Args: TwoMore, Set: setErrorPage},
		Directive{Name: "recursive_error_pages", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.RecursiveErrorPages })},
		Directive{Name: "log_not_found", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.LogNotFound })},
		Directive{Name: "log_subrequest", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.LogSubrequest })},
		Directive{Name: "absolute_redirect", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.AbsoluteRedirect })},
		Directive{Name: "port_in_redirect", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.PortInRedirect })},
		Directive{Name: "server_name_in_redirect", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.ServerNameInRedirect })},
		Directive{Name: "msie_padding", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.MsiePadding })},
		Directive{Name: "msie_refresh", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "etag", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Etag })},
		Directive{Name: "if_modified_since", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.IfModifiedSince }, "off", "exact", "before")},
		Directive{Name: "max_ranges", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.MaxRanges })},
		Directive{Name: "chunked_transfer_encoding", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.ChunkedTE })},
		Directive{Name: "autoindex", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Autoindex })},
		Directive{Name: "autoindex_exact_size", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.AutoindexExact })},
		Directive{Name: "autoindex_localtime", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.AutoindexLocal })},
		Directive{Name: "autoindex_format", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.AutoindexFormat }, "html", "xml", "json", "jsonp")},
		Directive{Name: "add_header", Ctx: hsli, Args: Take23, Set: headersSlot(func(l *Loc) *Opt[[]*AddHeader] { return &l.AddHeaders })},
		Directive{Name: "expires", Ctx: hsli, Args: Take12, Set: setExpires},
		Directive{Name: "allow", Ctx: hsl | CtxLimitExcept, Args: Take1, Set: setAccess},
		Directive{Name: "deny", Ctx: hsl | CtxLimitExcept, Args: Take1, Set: setAccess},
		Directive{Name: "satisfy", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.Satisfy }, "all", "any")},
		Directive{Name: "limit_rate", Ctx: hsli, Args: Take1, Set: sizeValueSlot(func(l *Loc) *Opt[SizeValue] { return &l.LimitRate })},
		Directive{Name: "limit_rate_after", Ctx: hsli, Args: Take1, Set: sizeValueSlot(func(l *Loc) *Opt[SizeValue] { return &l.LimitRateAfter })},
		Directive{Name: "log_format", Ctx: CtxHTTP, Args: TwoMore, Set: setLogFormat},
		Directive{Name: "access_log", Ctx: hsli | CtxLimitExcept, Args: OneMore, Set: setAccessLog},
		Directive{Name: "open_log_file_cache", Ctx: hsl, Args: Take1234, Set: setOpenFileCache(true)},
		Directive{Name: "open_file_cache", Ctx: hsl, Args: Take12, Set: setOpenFileCache(false)},
		Directive{Name: "open_file_cache_valid", Ctx: hsl, Args: Take1, Set: checkSlot(checkSec)},
		Directive{Name: "open_file_cache_min_uses", Ctx: hsl, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "open_file_cache_errors", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "reset_timedout_connection", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "lingering_close", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.LingeringClose }, "off", "on", "always")},
		Directive{Name: "lingering_time", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.LingeringTime })},
		Directive{Name: "lingering_timeout", Ctx: hsl, Args: Take1, Set: ltime(func(l *Loc) *Opt[time.Duration] { return &l.LingeringTimeout })},
		Directive{Name: "output_buffers", Ctx: hsl, Args: Take2, Set: checkSlot(checkBufs)},
		Directive{Name: "postpone_output", Ctx: hsl, Args: Take1, Set: checkSlot(checkSize)},
		Directive{Name: "aio_write", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "directio_alignment", Ctx: hsl, Args: Take1, Set: checkSlot(checkOff)},
		Directive{Name: "read_ahead", Ctx: hsl, Args: Take1, Set: checkSlot(checkSize)},
		Directive{Name: "open_file_cache_events", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "subrequest_output_buffer_size", Ctx: hsl, Args: Take1, Set: checkSlot(checkSize)},
		Directive{Name: "http2_pool_size", Ctx: hs, Args: Take1, Set: poolSize(checkSlot(checkSize))},
		Directive{Name: "sendfile_max_chunk", Ctx: hsl, Args: Take1, Set: checkSlot(checkSize)},
		Directive{Name: "directio", Ctx: hsl, Args: Take1, Set: setDirectio},
		Directive{Name: "aio", Ctx: hsl, Args: Take1, Set: setAio},
		Directive{Name: "resolver", Ctx: hsl, Args: OneMore, Set: setResolver},
		Directive{Name: "resolver_timeout", Ctx: hsl, Args: Take1, Set: setResolverTimeout},
		Directive{Name: "types_hash_max_size", Ctx: hsl, Args: Take1, Set: typesHashSize},
		Directive{Name: "types_hash_bucket_size", Ctx: hsl, Args: Take1, Set: typesHashSize},

		Directive{Name: "client_header_timeout", Ctx: hs, Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &b.csrv.ClientHeaderTimeout })},
		Directive{Name: "client_header_buffer_size", Ctx: hs, Args: Take1, Set: sizeSlot(func(b *builder) *Opt[int64] { return &b.csrv.ClientHeaderBufSize })},
		Directive{Name: "large_client_header_buffers", Ctx: hs, Args: Take2, Set: setLargeBuffers},
		Directive{Name: "connection_pool_size", Ctx: hs, Args: Take1, Set: poolSize(sizeSlot(func(b *builder) *Opt[int64] { return &b.csrv.ConnectionPoolSize }))},
		Directive{Name: "request_pool_size", Ctx: hs, Args: Take1, Set: poolSize(checkSlot(checkSize))},
		Directive{Name: "max_headers", Ctx: hs, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.csrv.MaxHeaders })},
		Directive{Name: "ignore_invalid_headers", Ctx: hs, Args: Flag, Set: sflag(func(s *Srv) *Opt[bool] { return &s.IgnoreInvalidHeaders })},
		Directive{Name: "underscores_in_headers", Ctx: hs, Args: Flag, Set: sflag(func(s *Srv) *Opt[bool] { return &s.UnderscoresInHeaders })},
		Directive{Name: "merge_slashes", Ctx: hs, Args: Flag, Set: sflag(func(s *Srv) *Opt[bool] { return &s.MergeSlashes })},
	)
}

// setRoot is ngx_http_core_root for root and alias.
func setRoot(b *builder, s *conf.Stmt) error {
	l := b.cur
	if l.Root.Set {
		if l.Alias == (s.Name == "alias") {
			return duplicate(s)
		}
		other := "root"
		if l.Alias {
			other = "alias"
		}
		return conf.Errorf(s, "\"%s\" directive is duplicate, \"%s\" directive was specified earlier", s.Name, other)
	}
	if s.Name == "alias" && b.loc != nil && b.loc.Match == MatchNamed {
		return conf.Errorf(s, "the \"alias\" directive cannot be used inside the named location")
	}
	p := s.Args[0]
	if strings.Contains(p, "$document_root") || strings.Contains(p, "${document_root}") {
		return conf.Errorf(s, "the $document_root variable cannot be used in the \"%s\" directive", s.Name)
	}
	if strings.Contains(p, "$realpath_root") || strings.Contains(p, "${realpath_root}") {
		return conf.Errorf(s, "the $realpath_root variable cannot be used in the \"%s\" directive", s.Name)
	}
	// nginx drops one trailing slash of a root (so "root /" is ""), then
	// makes the path absolute against the prefix unless it starts with a
	// variable.
	if s.Name == "root" && strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
	}
	if !strings.HasPrefix(s.Args[0], "$") {
		if !strings.HasPrefix(s.Args[0], "/") {
			p = b.cfg.Prefix + p
		}
	}
	v, err := b.compile(s, p)
	if err != nil {
		return err
	}
	l.Root = Def(v)
	l.Alias = s.Name == "alias"
	l.AliasLen = 0
	if l.Alias && b.loc != nil {
		l.AliasLen = len(b.loc.Name)
		if b.loc.Match == MatchRegex || b.loc.Match == MatchRegexCaseless {
			l.AliasLen = -1
		}
	}
	l.RootFile, l.RootLine = s.File, s.Line
	return nil
}

// setIndex is ngx_http_index_set_index.
func setIndex(b *builder, s *conf.Stmt) error {
	if !b.cur.Index.Set {
		b.cur.Index = Def([]*vars.Value(nil))
	}
	for i, a := range s.Args {
		if strings.HasPrefix(a, "/") && i != len(s.Args)-1 {
			b.warn(s, "only the last index in \"index\" directive should be absolute")
		}
		if a == "" {
			// nginx names the first index here, whichever is empty.
			return conf.Errorf(s, "index \"%s\" in \"index\" directive is invalid", s.Args[0])
		}
		v, err := b.compile(s, a)
		if err != nil {
			return err
		}
		b.cur.Index.V = append(b.cur.Index.V, v)
	}
	return nil
}

// setTryFiles is ngx_http_core_try_files.
func setTryFiles(b *builder, s *conf.Stmt) error {
	if b.cur.TryFiles != nil {
		return duplicate(s)
	}
	var tf []*vars.Value
	for _, a := range s.Args {
		v, err := b.compile(s, a)
		if err != nil {
			return err
		}
		tf = append(tf, v)
	}
	if last := s.Args[len(s.Args)-1]; strings.HasPrefix(last, "=") {
		n, ok := atoi(last[1:])
		if !ok || n > 999 {
			return conf.Errorf(s, "invalid code \"%s\"", last)
		}
	}
	b.cur.TryFiles = tf
	return nil
}

// setKeepaliveTimeout is ngx_http_core_keepalive: the timeout in msec,
// the optional header value in seconds.
func setKeepaliveTimeout(b *builder, s *conf.Stmt) error {
	if b.cur.KeepaliveTimeout.Set {
		return duplicate(s)
	}
	d, err := ParseTime(s.Args[0])
	if err != nil {
		return invalidValue(s)
	}
	b.cur.KeepaliveTimeout = Def(d)
	if len(s.Args) == 2 {
		h, err := ParseSeconds(s.Args[1])
		if err != nil {
			return invalidValue(s)
		}
		b.cur.KeepaliveHeader = Def(h)
	}
	return nil
}

// setLargeBuffers is ngx_conf_set_bufs_slot for
// large_client_header_buffers.
func setLargeBuffers(b *builder, s *conf.Stmt) error {
	if b.csrv.LargeHeaderBufNum.Set {
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
	b.csrv.LargeHeaderBufNum = Def(n)
	b.csrv.LargeHeaderBufSize = Def(size)
	return nil
}

// setDirectio is ngx_http_core_directio: "off" or an offset.
func setDirectio(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	if s.Args[0] != "off" && ParseOffset(s.Args[0]) < 0 {
		return invalidValue(s)
	}
	return nil
}

// setErrorPage implements ngx_http_core_error_page.
func setErrorPage(b *builder, s *conf.Stmt) error {
	if !b.cur.ErrorPages.Set {
		b.cur.ErrorPages = Def([]*ErrorPage(nil))
	}
	args := s.Args
	codes := args[:len(args)-1]
	over := -1
	if last := codes[len(codes)-1]; strings.HasPrefix(last, "=") {
		if len(codes) == 1 {
			return conf.Errorf(s, "invalid value \"%s\"", last)
		}
		over = 0
		if len(last) > 1 {
			n, ok := atoi(last[1:])
			if !ok {
				return conf.Errorf(s, "invalid value \"%s\"", last)
			}
			over = int(n)
		}
		codes = codes[:len(codes)-1]
	}
	tv, err := b.compile(s, args[len(args)-1])
	if err != nil {
		return err
	}
	for _, c := range codes {
		n, ok := atoi(c)
		if !ok || n == 499 {
			return conf.Errorf(s, "invalid value \"%s\"", c)
		}
		if n < 300 || n > 599 {
			return conf.Errorf(s, "value \"%s\" must be between 300 and 599", c)
		}
		ep := &ErrorPage{Code: int(n), Overwrite: over, Target: tv}
		if over == -1 && n >= 494 && n <= 497 {
			// nginx's own codes for header and TLS errors are answered
			// as 400 unless the directive says otherwise.
			ep.Overwrite = 400
		}
		b.cur.ErrorPages.V = append(b.cur.ErrorPages.V, ep)
	}
	return nil
}

// headersSlot is ngx_http_headers_add, for add_header and add_trailer:
// a name, a value with variables, and an optional "always".
func headersSlot(field func(l *Loc) *Opt[[]*AddHeader]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b.cur)
		if !o.Set {
			*o = Def([]*AddHeader(nil))
		}
		h, err := b.addHeader(s)
		if err != nil {
			return err
		}
		o.V = append(o.V, h)
		return nil
	}
}

func (b *builder) addHeader(s *conf.Stmt) (*AddHeader, error) {
	h := &AddHeader{Name: s.Args[0]}
	v, err := b.compile(s, s.Args[1])
	if err != nil {
		return nil, err
	}
	h.Value = v
	if len(s.Args) == 3 {
		if s.Args[2] != "always" {
			return nil, conf.Errorf(s, "invalid parameter \"%s\"", s.Args[2])
		}
		h.Always = true
	}
	return h, nil
}

// setExpires implements ngx_http_headers_expires.
func setExpires(b *builder, s *conf.Stmt) error {
	if b.cur.Expires.Set {
		return duplicate(s)
	}
	v := s.Args[0]
	modified := false
	if len(s.Args) == 2 {
		if s.Args[0] != "modified" {
			return invalidValue(s)
		}
		modified = true
		v = s.Args[1]
	}
	if strings.Contains(v, "$") {
		cv, err := b.compile(s, v)
		if err != nil {
			return err
		}
		if _, static := cv.Static(); !static {
			b.cur.Expires = Def(&Expires{Kind: "var", Value: cv, Modified: modified})
			return nil
		}
	}
	e, msg := ParseExpires(v, modified)
	if e == nil {
		return conf.Errorf(s, "\"%s\" directive %s", s.Name, msg)
	}
	b.cur.Expires = Def(e)
	return nil
}

// ParseExpires is ngx_http_parse_expires: the time of an expires
// directive, or the value of its variable at run time. With modified
// (the "modified" parameter) the keywords are not keywords ("expires
// modified epoch" is an invalid time) and a daily time is refused. On
// failure e is nil and msg is nginx's reason.
func ParseExpires(v string, modified bool) (e *Expires, msg string) {
	e = &Expires{Kind: "access"}
	if modified {
		e.Kind = "modified"
	}
	switch {
	case !modified && (v == "epoch" || v == "max" || v == "off"):
		e.Kind = v
		return e, ""
	case strings.HasPrefix(v, "@"):
		if modified {
			return nil, "daily time cannot be used with \"modified\" parameter"
		}
		e.Kind = "daily"
		v = v[1:]
	case strings.HasPrefix(v, "+"):
		v = v[1:]
	case strings.HasPrefix(v, "-"):
		e.Neg = true
		v = v[1:]
	}
	d, err := ParseSeconds(v)
	if err != nil {
		return nil, "invalid value"
	}
	if e.Kind == "daily" && d > 24*time.Hour {
		return nil, "daily time value must be less than 24 hours"
	}
	e.Delta = d
	return e, ""
}

// setAccess is ngx_http_access_rule.
func setAccess(b *builder, s *conf.Stmt) error {
	if !b.cur.Access.Set {
		b.cur.Access = Def([]*AccessRule(nil))
	}
	r := &AccessRule{Deny: s.Name == "deny"}
	a := s.Args[0]
	switch {
	case a == "all":
		r.All = true
	case a == "unix:":
		r.Unix = true
	default:
		p, exact, err := parseCIDR(a)
		if err != nil {
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
		if !exact {
			b.warn(s, "low address bits of %s are meaningless", a)
		}
		r.Net = p
	}
	b.cur.Access.V = append(b.cur.Access.V, r)
	return nil
}

// The keepalive_disable bits (NGX_HTTP_KEEPALIVE_DISABLE_*): "none" is a
// bit of its own, so that it overrides an inherited value.
const (
	KeepaliveDisableNone   uint32 = 1 << 1
	KeepaliveDisableMSIE6  uint32 = 1 << 2
	KeepaliveDisableSafari uint32 = 1 << 3
)

var keepaliveDisableNames = map[string]uint32{
	"none":   KeepaliveDisableNone,
	"msie6":  KeepaliveDisableMSIE6,
	"safari": KeepaliveDisableSafari,
}

package config

import (
	"slices"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// The fastcgi module (ngx_http_fastcgi_module): fastcgi_pass and the
// settings of the FastCGI requests it sends. The settings every upstream
// module shares are the rows of sharedRows under the "fastcgi" prefix.

func fastcgiUC(b *builder) *UpstreamConf { return &b.cur.FastCGI.UpstreamConf }

// paramNextUpstreamNames are the values of fastcgi_next_upstream,
// uwsgi_next_upstream and scgi_next_upstream: those of proxy_next_upstream
// but http_502 and http_504, which these protocols do not produce.
var paramNextUpstreamNames = map[string]NextUpstream{
	"error": NextError, "timeout": NextTimeout, "invalid_header": NextInvalidHeader,
	"non_idempotent": NextNonIdempotent, "http_500": NextHTTP500, "http_503": NextHTTP503,
	"http_403": NextHTTP403, "http_404": NextHTTP404, "http_429": NextHTTP429,
	"updating": NextUpdating, "off": NextOff,
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(sharedRows("fastcgi", fastcgiUC, paramNextUpstreamNames,
		slices.Concat(upstreamSuffixes, cacheSuffixes, []string{"param"})...)...)
	register(
		Directive{Name: "fastcgi_pass", Ctx: CtxLocation | CtxLocationIf, Args: Take1, Set: setFastCGIPass},
		Directive{Name: "fastcgi_index", Ctx: hsl, Args: Take1, Set: setFastCGIIndex},
		Directive{Name: "fastcgi_split_path_info", Ctx: hsl, Args: Take1, Set: setFastCGISplit},
		Directive{Name: "fastcgi_keep_conn", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.cur.FastCGI.KeepConn })},
		Directive{Name: "fastcgi_catch_stderr", Ctx: hsl, Args: Take1, Set: setFastCGICatchStderr},
		Directive{Name: "fastcgi_send_lowat", Ctx: hsl, Args: Take1, Set: setSendLowat},
	)
}

// setFastCGIPass is ngx_http_fastcgi_pass: an address without a scheme
// (host:port, unix:/path, an upstream name) or a target with variables.
func setFastCGIPass(b *builder, s *conf.Stmt) error {
	return b.setAddrPass(s, &b.cur.FastCGI.Pass, "fastcgi://", nil, true)
}

// setFastCGIIndex is ngx_conf_set_str_slot for fastcgi_index: the text
// is used as written (variables are not expanded).
func setFastCGIIndex(b *builder, s *conf.Stmt) error {
	o := &b.cur.FastCGI.Index
	if o.Set {
		return duplicate(s)
	}
	*o = Def(literal(s.Args[0]))
	return nil
}

// setFastCGISplit is ngx_http_fastcgi_split_path_info: a regex with
// exactly two captures, $fastcgi_script_name and $fastcgi_path_info. A
// later one at the same level replaces an earlier one.
func setFastCGISplit(b *builder, s *conf.Stmt) error {
	re, err := b.compileRegex(s, s.Args[0], false)
	if err != nil {
		return err
	}
	if re.NumCaptures() != 2 {
		return conf.Errorf(s, "pattern \"%s\" must have 2 captures", s.Args[0])
	}
	b.cur.FastCGI.SplitPathInfo = Def(re)
	return nil
}

// setFastCGICatchStderr is ngx_conf_set_str_array_slot: the texts are
// searched for as written.
func setFastCGICatchStderr(b *builder, s *conf.Stmt) error {
	o := &b.cur.FastCGI.CatchStderr
	if !o.Set {
		*o = Def([]*vars.Value(nil))
	}
	o.V = append(o.V, literal(s.Args[0]))
	return nil
}

// defaultFastCGI holds the fastcgi module's defaults for defaultLoc;
// fastcgi_temp_path's default depends on the prefix and is set in
// finishHTTP. There are no default params: the shipped conf/fastcgi_params
// is included by the configuration.
func defaultFastCGI() FastCGILoc {
	return FastCGILoc{
		UpstreamConf:  defaultUpstreamConf(),
		Index:         Def[*vars.Value](nil),
		SplitPathInfo: Def[*regex.Regexp](nil),
		KeepConn:      Def(false),
		CatchStderr:   Def([]*vars.Value(nil)),
	}
}

// finishParamModule is the end of the merge_loc_conf of the fastcgi,
// uwsgi and scgi modules for one level: "off" alone among the
// next-upstream conditions, the buffer sizes checked and computed, the
// hidden headers' table, then the params compiled and their table.
func (b *builder) finishParamModule(s *conf.Stmt, hs *paramHashes, u, pu *UpstreamConf, top bool) error {
	if u.NextUpstream.V&NextOff != 0 {
		u.NextUpstream.V = NextOff
	}
	if err := checkBuffers(s, hs.prefix, u); err != nil {
		return err
	}
	if err := hs.hideHash(b, u, pu, top); err != nil {
		return err
	}
	if err := b.compileParams(s, u.Params.V); err != nil {
		return err
	}
	return hs.paramsHash(b, u.Params.V)
}

// finishFastCGI runs the fastcgi module's merge over every level.
func (b *builder) finishFastCGI(s *conf.Stmt) error {
	hs := newParamHashes("fastcgi", fastcgiHideNames)
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		return b.finishParamModule(s, hs, &l.FastCGI.UpstreamConf, &parent.FastCGI.UpstreamConf, parent == b.http.Loc)
	})
}

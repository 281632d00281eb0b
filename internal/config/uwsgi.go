package config

import (
	"slices"

	"weir/internal/conf"
)

// The uwsgi module (ngx_http_uwsgi_module): uwsgi_pass, the packet's
// modifiers and the settings every upstream module shares, under the
// "uwsgi" prefix.

func uwsgiUC(b *builder) *UpstreamConf { return &b.cur.UWSGI.UpstreamConf }

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(sharedRows("uwsgi", uwsgiUC, paramNextUpstreamNames,
		slices.Concat(upstreamSuffixes, cacheSuffixes, []string{"param"})...)...)
	register(
		Directive{Name: "uwsgi_pass", Ctx: CtxLocation | CtxLocationIf, Args: Take1, Set: setUWSGIPass},
		Directive{Name: "uwsgi_modifier1", Ctx: hsl, Args: Take1, Set: modifierSlot(func(b *builder) *Opt[int64] { return &b.cur.UWSGI.Modifier1 })},
		Directive{Name: "uwsgi_modifier2", Ctx: hsl, Args: Take1, Set: modifierSlot(func(b *builder) *Opt[int64] { return &b.cur.UWSGI.Modifier2 })},
		// uwsgi_string (undocumented) appends raw text to the packet
		Directive{Name: "uwsgi_string", Ctx: hsl, Args: Take1, Set: refuse},
	)
	// uwsgi over TLS ("suwsgi://"): the proxy module's TLS client
	// settings under the "uwsgi" prefix
	register(sslRows("uwsgi", func(b *builder) *UpstreamSSL { return &b.cur.UWSGI.UpstreamSSL })...)
}

// setUWSGIPass is ngx_http_uwsgi_pass: an address after an optional
// "uwsgi://" or "suwsgi://" (uwsgi over TLS), or a target with variables.
func setUWSGIPass(b *builder, s *conf.Stmt) error {
	return b.setAddrPass(s, &b.cur.UWSGI.Pass, "uwsgi://", []string{"uwsgi://", "suwsgi://"}, true)
}

// modifierSlot is ngx_conf_set_num_slot with ngx_conf_check_num_bounds
// 0..255 for uwsgi_modifier1 and uwsgi_modifier2.
func modifierSlot(field func(b *builder) *Opt[int64]) setter {
	num := numSlot(field)
	return func(b *builder, s *conf.Stmt) error {
		if err := num(b, s); err != nil {
			return err
		}
		if v := field(b).V; v < 0 || v > 255 {
			return conf.Errorf(s, "value must be between 0 and 255")
		}
		return nil
	}
}

// defaultUWSGI holds the uwsgi module's defaults for defaultLoc;
// uwsgi_temp_path's default is set in finishHTTP.
func defaultUWSGI() UWSGILoc {
	return UWSGILoc{
		UpstreamConf: defaultUpstreamConf(),
		UpstreamSSL:  defaultUpstreamSSL(),
		Modifier1:    Def(int64(0)),
		Modifier2:    Def(int64(0)),
	}
}

// finishUWSGI runs the uwsgi module's merge over every level; a level
// whose uwsgi_pass is "suwsgi://" (or has variables, so may be) gets its
// TLS client, as ngx_http_uwsgi_set_ssl prepares one.
func (b *builder) finishUWSGI(s *conf.Stmt) error {
	hs := newParamHashes("uwsgi", uwsgiHideNames)
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		if err := b.upstreamTLS("uwsgi", "suwsgi://", l.UWSGI.Pass, &l.UWSGI.UpstreamSSL); err != nil {
			return err
		}
		return b.finishParamModule(s, hs, &l.UWSGI.UpstreamConf, &parent.UWSGI.UpstreamConf, parent == b.http.Loc)
	})
}

package config

import (
	"slices"

	"weir/internal/conf"
)

// The scgi module (ngx_http_scgi_module): scgi_pass and the settings
// every upstream module shares, under the "scgi" prefix.

func scgiUC(b *builder) *UpstreamConf { return &b.cur.SCGI.UpstreamConf }

func init() {
	register(sharedRows("scgi", scgiUC, paramNextUpstreamNames,
		slices.Concat(upstreamSuffixes, cacheSuffixes, []string{"param"})...)...)
	register(
		Directive{Name: "scgi_pass", Ctx: CtxLocation | CtxLocationIf, Args: Take1, Set: setSCGIPass},
	)
}

// setSCGIPass is ngx_http_scgi_pass: an address without a scheme or a
// target with variables.
func setSCGIPass(b *builder, s *conf.Stmt) error {
	return b.setAddrPass(s, &b.cur.SCGI.Pass, "scgi://", nil, true)
}

// defaultSCGI holds the scgi module's defaults for defaultLoc;
// scgi_temp_path's default is set in finishHTTP.
func defaultSCGI() SCGILoc {
	return SCGILoc{UpstreamConf: defaultUpstreamConf()}
}

// finishSCGI runs the scgi module's merge over every level.
func (b *builder) finishSCGI(s *conf.Stmt) error {
	hs := newParamHashes("scgi", fastcgiHideNames)
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		return b.finishParamModule(s, hs, &l.SCGI.UpstreamConf, &parent.SCGI.UpstreamConf, parent == b.http.Loc)
	})
}

package config

import (
	"time"

	"weir/internal/conf"
)

// The stream module's ngx_stream_limit_conn_module (limit_conn_zone,
// limit_conn, limit_conn_log_level and limit_conn_dry_run; there is no
// limit_conn_status: a limited session ends with 503) and the core
// module's resolver and resolver_timeout: the http setters run on the
// stream block's zones and levels.

func init() {
	ms := ctxStreamMainSrv
	for _, d := range []Directive{
		{Name: "limit_conn_zone", Ctx: CtxStream},
		{Name: "limit_conn", Ctx: ms},
		{Name: "limit_conn_log_level", Ctx: ms},
		{Name: "limit_conn_dry_run", Ctx: ms},
		// ngx_stream_core_module's, for proxy_pass with variables
		{Name: "resolver", Ctx: ms},
		{Name: "resolver_timeout", Ctx: ms},
	} {
		d.Args, d.Set = table[d.Name].Args, streamShadowSet
		streamRow(streamRows, d)
	}
}

// streamShadowSet runs the http module's setter of a directive on the
// stream block's state.
func streamShadowSet(b *builder, s *conf.Stmt) error {
	return b.shadow(func() error { return table[s.Name].Set(b, s) })
}

// mergeStreamLimit is ngx_stream_limit_conn_merge_conf.
func mergeStreamLimit(srv *StreamServer, sc, m *streamConf) {
	mergeOpts(&sc.loc.Limit, &m.loc.Limit)
	defs := defaultLimitLoc()
	mergeOpts(&sc.loc.Limit, &defs)
	srv.Limit = sc.loc.Limit
	r, rt := sc.loc.Resolver, sc.loc.ResolverTimeout
	r.Merge(m.loc.Resolver)
	rt.Merge(m.loc.ResolverTimeout)
	rt.Merge(Def(30 * time.Second))
	srv.Resolver, srv.ResolverTimeout = r.V, rt.V
}

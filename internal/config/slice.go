package config

func init() {
	register(
		// ngx_http_slice_filter_module: the size of the slices; 0 (the
		// default) is off
		Directive{Name: "slice", Ctx: CtxHTTP | CtxServer | CtxLocation, Args: Take1, Set: lsize(func(l *Loc) *Opt[int64] { return &l.Slice })},
	)
}

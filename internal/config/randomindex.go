package config

func init() {
	register(
		// ngx_http_random_index_module: location level only
		Directive{Name: "random_index", Ctx: CtxLocation, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.cur.RandomIndex })},
	)
}

package config

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		// ngx_http_gunzip_filter_module; the buffers only size the
		// pieces the body is inflated into
		Directive{Name: "gunzip", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.cur.Gunzip })},
		Directive{Name: "gunzip_buffers", Ctx: hsl, Args: Take2, Set: checkSlot(checkBufs)},
	)
}

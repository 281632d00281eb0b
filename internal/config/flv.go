package config

// HandlerFLV is ngx_http_flv_module's content handler.
const HandlerFLV = "flv"

func init() {
	register(
		// flv makes the location's content handler, as stub_status
		// does (clcf->handler)
		Directive{Name: "flv", Ctx: CtxLocation, Args: Take0, Set: contentHandler(HandlerFLV)},
	)
}

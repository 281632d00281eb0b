package config

import "weir/internal/conf"

// Content handlers of modules that answer by themselves: the level's
// Loc.Handler.
const (
	HandlerStubStatus = "stub_status" // ngx_http_stub_status_module
	HandlerEmptyGIF   = "empty_gif"   // ngx_http_empty_gif_module
)

func init() {
	register(
		// stub_status takes an argument and ignores it, as nginx has
		// since 1.7.5
		Directive{Name: "stub_status", Ctx: CtxServer | CtxLocation, Args: Take0 | Take1, Set: contentHandler(HandlerStubStatus)},
		Directive{Name: "empty_gif", Ctx: CtxLocation, Args: Take0, Set: contentHandler(HandlerEmptyGIF)},
	)
}

// contentHandler makes a module the level's content handler
// (clcf->handler): the last of those and the *_pass directives wins.
func contentHandler(name string) func(*builder, *conf.Stmt) error {
	return func(b *builder, _ *conf.Stmt) error {
		for _, slot := range passSlots(b.cur) {
			*slot = nil
		}
		b.cur.Handler = name
		return nil
	}
}

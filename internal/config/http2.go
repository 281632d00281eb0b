package config

import (
	"weir/internal/conf"
)

// HTTP2Srv holds the settings of nginx's ngx_http_v2_module that weir's
// HTTP/2 server takes (ngx_http_v2_srv_conf_t), set at http or server
// level.
type HTTP2Srv struct {
	Enable      Opt[bool]  // http2 on|off
	MaxStreams  Opt[int64] // http2_max_concurrent_streams
	PrereadSize Opt[int64] // http2_body_preread_size: the window a stream starts with
	ChunkSize   Opt[int64] // http2_chunk_size
}

func defaultHTTP2() HTTP2Srv {
	return HTTP2Srv{
		Enable:      Def(false),
		MaxStreams:  Def(int64(128)),
		PrereadSize: Def(int64(65536)),
		ChunkSize:   Def(int64(8192)),
	}
}

func h2Slot[T any](f func(s *HTTP2Srv) *Opt[T]) func(b *builder) *Opt[T] {
	return func(b *builder) *Opt[T] { return f(&b.csrv.HTTP2) }
}

// h2MaxWindow is the largest HTTP/2 flow-control window (2^31-1).
const h2MaxWindow = 1<<31 - 1

func init() {
	hs := CtxHTTP | CtxServer
	hsl := hs | CtxLocation
	register(
		Directive{Name: "http2", Ctx: hs, Args: Flag, Set: flagSlot(h2Slot(func(s *HTTP2Srv) *Opt[bool] { return &s.Enable }))},
		Directive{Name: "http2_max_concurrent_streams", Ctx: hs, Args: Take1, Set: numSlot(h2Slot(func(s *HTTP2Srv) *Opt[int64] { return &s.MaxStreams }))},
		Directive{Name: "http2_body_preread_size", Ctx: hs, Args: Take1, Set: checkedSize(h2Slot(func(s *HTTP2Srv) *Opt[int64] { return &s.PrereadSize }), func(b *builder, s *conf.Stmt, n int64) error {
			if n > h2MaxWindow {
				return conf.Errorf(s, "\"%s\" directive value is too large", s.Name)
			}
			return nil
		})},
		// the chunk size is the DATA frame size of the module's output;
		// Go's server cuts frames by the client's SETTINGS, so the value
		// is checked as nginx does and kept for the record
		Directive{Name: "http2_chunk_size", Ctx: hsl, Args: Take1, Set: setH2ChunkSize},
		Directive{Name: "http2_recv_buffer_size", Ctx: CtxHTTP, Args: Take1, Set: checkedOnce(func(b *builder, s *conf.Stmt) error {
			n := ParseSize(s.Args[0])
			if n < 0 {
				return invalidValue(s)
			}
			if n <= 2*16 {
				return conf.Errorf(s, "\"%s\" directive value is too small", s.Name)
			}
			return nil
		})},
		Directive{Name: "http2_streams_index_size", Ctx: hs, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "http2_max_field_size", Ctx: hs, Args: Take1, Set: obsoleteFor("large_client_header_buffers")},
		Directive{Name: "http2_max_header_size", Ctx: hs, Args: Take1, Set: obsoleteFor("large_client_header_buffers")},
		Directive{Name: "http2_idle_timeout", Ctx: hs, Args: Take1, Set: obsoleteFor("keepalive_timeout")},
		Directive{Name: "http2_recv_timeout", Ctx: hs, Args: Take1, Set: obsoleteFor("client_header_timeout")},
		Directive{Name: "http2_max_requests", Ctx: hs, Args: Take1, Set: obsoleteFor("keepalive_requests")},
		// server push is gone from browsers and from nginx 1.25.1; Go's
		// server has none: the directives are ignored with nginx's
		// current warning
		Directive{Name: "http2_push", Ctx: hsl, Args: Take1, Set: obsoleteIgnored},
		Directive{Name: "http2_push_preload", Ctx: hsl, Args: Flag, Set: obsoleteIgnored},
		Directive{Name: "http2_max_concurrent_pushes", Ctx: hs, Args: Take1, Set: obsoleteIgnored},
	)
}

// setH2ChunkSize is ngx_http_v2_chunk_size.
func setH2ChunkSize(b *builder, s *conf.Stmt) error {
	o := &b.cur.HTTP2ChunkSize
	if o.Set {
		return duplicate(s)
	}
	n := ParseSize(s.Args[0])
	if n < 0 {
		return invalidValue(s)
	}
	if n == 0 {
		return conf.Errorf(s, "the http2 chunk size cannot be zero")
	}
	*o = Def(min(n, 1<<24-1))
	return nil
}

// checkedSize is sizeSlot with a check of the value (a conf post
// handler).
func checkedSize(field func(b *builder) *Opt[int64], check func(*builder, *conf.Stmt, int64) error) func(*builder, *conf.Stmt) error {
	set := sizeSlot(field)
	return func(b *builder, s *conf.Stmt) error {
		if err := set(b, s); err != nil {
			return err
		}
		return check(b, s, field(b).V)
	}
}

// checkedOnce runs check for a directive weir accepts without using it,
// refusing a second one at the same level.
func checkedOnce(check func(*builder, *conf.Stmt) error) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if !b.once(s) {
			return duplicate(s)
		}
		return check(b, s)
	}
}

// obsoleteFor is ngx_http_v2_obsolete: the directive is replaced by
// another one and ignored.
func obsoleteFor(instead string) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		b.warn(s, "the \"%s\" directive is obsolete, use the \"%s\" directive instead", s.Name, instead)
		return nil
	}
}

func obsoleteIgnored(b *builder, s *conf.Stmt) error {
	b.warn(s, "the \"%s\" directive is obsolete, ignored", s.Name)
	return nil
}

// HTTP2 reports whether a listen of the address has "http2"
// (hc->addr_conf->http2).
func (ac *AddrConf) HTTP2() bool { return ac.http2 }

// finishHTTP2 offers "h2" in ALPN for the servers that speak HTTP/2 over
// TLS: "http2 on" in the server, or "http2" on one of its listens
// (ngx_http_ssl_alpn_select asks the server the SNI chose).
func (b *builder) finishHTTP2() {
	for _, srv := range b.http.Servers {
		if srv.TLS == nil {
			continue
		}
		on := srv.Srv.HTTP2.Enable.V
		for _, l := range srv.Listens {
			on = on || l.HTTP2
		}
		if on {
			srv.TLS.OfferH2()
		}
	}
}

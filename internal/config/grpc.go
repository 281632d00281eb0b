package config

import (
	"maps"
	"strings"

	"weir/internal/conf"
)

// The grpc module (ngx_http_grpc_module): grpc_pass, grpc_set_header,
// the TLS client settings for "grpcs://", and the few shared upstream
// settings the module lets a configuration change. The rest of its
// upstream settings are fixed (ngx_http_grpc_create_loc_conf): no
// buffering either way, both bodies stream.

func grpcUC(b *builder) *UpstreamConf { return &b.cur.GRPC.UpstreamConf }

// grpcNextUpstreamNames are the values of grpc_next_upstream
// (ngx_http_grpc_next_upstream_masks: proxy's without "updating").
var grpcNextUpstreamNames = func() map[string]NextUpstream {
	m := maps.Clone(nextUpstreamNames)
	delete(m, "updating")
	return m
}()

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(sharedRows("grpc", grpcUC, grpcNextUpstreamNames,
		"bind", "socket_keepalive", "connect_timeout", "send_timeout", "intercept_errors",
		"buffer_size", "read_timeout", "next_upstream", "next_upstream_tries",
		"next_upstream_timeout", "pass_header", "hide_header", "ignore_headers")...)
	register(
		Directive{Name: "grpc_pass", Ctx: CtxLocation | CtxLocationIf, Args: Take1, Set: setGRPCPass},
		Directive{Name: "grpc_set_header", Ctx: hsl, Args: Take2, Set: headerParamSlot(func(b *builder) *Opt[[]*HeaderParam] { return &b.cur.GRPC.Params })},
	)
	register(sslRows("grpc", func(b *builder) *UpstreamSSL { return &b.cur.GRPC.UpstreamSSL })...)
}

// setGRPCPass is ngx_http_grpc_pass: an address after an optional
// "grpc://" or "grpcs://" (gRPC over TLS), or a target with variables.
func setGRPCPass(b *builder, s *conf.Stmt) error {
	return b.setAddrPass(s, &b.cur.GRPC.Pass, "grpc://", []string{"grpc://", "grpcs://"}, true)
}

// grpcDefaultHeaders are ngx_http_grpc_headers: what the module sends
// for these names unless grpc_set_header names them (an empty value
// sends nothing; the client's header of that name is never passed).
var grpcDefaultHeaders = [...][2]string{
	{"Content-Length", "$content_length"}, {"TE", "$grpc_internal_trailers"}, {"Host", ""},
	{"Connection", ""}, {"Transfer-Encoding", ""}, {"Keep-Alive", ""}, {"Expect", ""}, {"Upgrade", ""},
}

// defaultGRPC holds the grpc module's settings for defaultLoc: those a
// configuration may change default as for the other modules, the others
// are nginx's hardcoded values.
func defaultGRPC() GRPCLoc {
	uc := defaultUpstreamConf()
	uc.Buffering, uc.RequestBuffering = Def(false), Def(false)
	uc.BuffersNum, uc.BuffersSize = Def(int64(0)), Def(int64(0))
	uc.BusyBuffersSize, uc.MaxTempFileSize, uc.TempFileWrite = Def(int64(0)), Def(int64(0)), Def(int64(0))
	uc.TempPath = Def("")
	uc.PassRequestHeaders, uc.PassRequestBody = Def(true), Def(true)
	uc.IgnoreClientAbort, uc.ForceRanges = Def(false), Def(false)
	uc.Params = Def(withGRPCDefaults(nil))
	return GRPCLoc{UpstreamConf: uc, UpstreamSSL: defaultUpstreamSSL()}
}

// finishGRPC runs the grpc module's merge over every level: "off" alone
// among the next-upstream conditions, the default headers after those
// grpc_set_header sets, and for "grpcs://" (or a target with variables)
// a TLS client that offers "h2" in ALPN (ngx_http_grpc_set_ssl).
func (b *builder) finishGRPC(s *conf.Stmt) error {
	hs := newParamHashes("grpc", grpcHideNames)
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		g := &l.GRPC
		if g.NextUpstream.V&NextOff != 0 {
			g.NextUpstream.V = NextOff
		}
		if err := b.hideHeadersHash(&hs.httpBuilt, "grpc_headers_hash", grpcHideNames, &g.UpstreamConf, &parent.GRPC.UpstreamConf, parent == b.http.Loc, 512, 64); err != nil {
			return err
		}
		g.ALPN = []string{"h2"}
		if err := b.upstreamTLS("grpc", "grpcs://", g.Pass, &g.UpstreamSSL); err != nil {
			return err
		}
		g.Params.V = withGRPCDefaults(g.Params.V)
		return b.grpcHeadersHash(hs, g.Params.V)
	})
}

// withGRPCDefaults returns params followed by the module's default
// headers it does not name (ngx_http_grpc_init_headers), without
// changing params.
func withGRPCDefaults(params []*HeaderParam) []*HeaderParam {
	for _, p := range params {
		if p.FromDefault {
			return params // inherited with them
		}
	}
	out := params
	for _, d := range grpcDefaultHeaders {
		found := false
		for _, p := range params {
			if strings.EqualFold(p.Name, d[0]) {
				found = true
				break
			}
		}
		if !found {
			out = append(out[:len(out):len(out)], &HeaderParam{Name: d[0], Value: mustCompile(d[1]), Lower: true, FromDefault: true})
		}
	}
	return out
}

// GRPCLoc is the grpc module's location settings
// (ngx_http_grpc_loc_conf_t). Params are the grpc_set_header entries
// followed by the module's defaults.
type GRPCLoc struct {
	UpstreamConf
	UpstreamSSL       // grpc_ssl_*, for "grpcs://"
	Pass        *Pass // not inherited; Pass.Scheme is "grpc://" (or "grpcs://")
}

package config

import (
	"weir/internal/conf"
)

// The memcached module (ngx_http_memcached_module): memcached_pass and
// the few shared upstream settings it lets a configuration change. The
// key is the $memcached_key variable.

func memcachedUC(b *builder) *UpstreamConf { return &b.cur.Memcached.UpstreamConf }

// memcachedNextUpstreamNames are the values of memcached_next_upstream:
// an invalid response and a missing key stand for invalid_header and
// http_404.
var memcachedNextUpstreamNames = map[string]NextUpstream{
	"error": NextError, "timeout": NextTimeout, "invalid_response": NextInvalidHeader,
	"not_found": NextHTTP404, "off": NextOff,
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(sharedRows("memcached", memcachedUC, memcachedNextUpstreamNames,
		"bind", "socket_keepalive", "connect_timeout", "send_timeout", "buffer_size",
		"read_timeout", "next_upstream", "next_upstream_tries", "next_upstream_timeout")...)
	register(
		Directive{Name: "memcached_pass", Ctx: CtxLocation | CtxLocationIf, Args: Take1, Set: setMemcachedPass},
		Directive{Name: "memcached_gzip_flag", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.Memcached.GzipFlag })},
	)
}

// setMemcachedPass is ngx_http_memcached_pass: an address without a
// scheme (no variables: a "$" is part of a host name). The module reads
// $memcached_key, so the configuration must set it somewhere; nginx says
// so once the configuration is read, as for any unknown variable.
func setMemcachedPass(b *builder, s *conf.Stmt) error {
	if err := b.setAddrPass(s, &b.cur.Memcached.Pass, "memcached://", nil, false); err != nil {
		return err
	}
	_, err := b.compile(s, "$memcached_key")
	return err
}

// defaultMemcached holds the memcached module's settings: those it lets
// a configuration change default as for the other modules; the others
// are fixed (ngx_http_memcached_create_loc_conf): no buffering or temp
// files, errors intercepted, nothing of the client's request passed,
// ranges served from any response.
func defaultMemcached() MemcachedLoc {
	uc := defaultUpstreamConf()
	uc.Buffering = Def(false)
	uc.BuffersNum, uc.BuffersSize = Def(int64(0)), Def(int64(0))
	uc.BusyBuffersSize, uc.MaxTempFileSize, uc.TempFileWrite = Def(int64(0)), Def(int64(0)), Def(int64(0))
	uc.TempPath = Def("")
	uc.PassRequestHeaders, uc.PassRequestBody = Def(false), Def(false)
	uc.InterceptErrors = Def(true)
	uc.ForceRanges = Def(true)
	return MemcachedLoc{UpstreamConf: uc, GzipFlag: Def(int64(0))}
}

// finishMemcached runs the memcached module's merge over every level:
// "off" alone among the next-upstream conditions.
func (b *builder) finishMemcached(s *conf.Stmt) error {
	return b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		if u := &l.Memcached.UpstreamConf; u.NextUpstream.V&NextOff != 0 {
			u.NextUpstream.V = NextOff
		}
		return nil
	})
}

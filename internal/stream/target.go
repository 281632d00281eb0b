package stream

import (
	"net/netip"
	"strings"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/upstream"
)

// target is ngx_stream_proxy_eval with the search of
// ngx_stream_proxy_handler, for a proxy_pass with variables: the value
// names an upstream block (no port) or a proxy_pass address's group, or
// is an address with a port, proxied to on its own (a group of one made
// for the session, as ngx_stream_upstream_create_round_robin_peer). A
// host name would need a resolver. Failures are logged and give nil
// (the session's 500).
func (ss *session) target() *upstream.Group {
	text := ss.eval(ss.conf.Pass)
	t, errText := config.ParseStreamTarget(text)
	if errText != "" {
		ss.logf(errlog.Error, "%s in upstream \"%s\"", errText, text)
		return nil
	}
	if u := ss.srv.cfg.FindUpstream(t); u != nil {
		return ss.srv.ups.Group(u)
	}
	var a config.UpstreamAddr
	if t.Unix {
		a = config.UpstreamAddr{Network: "unix", Addr: t.Host, Name: "unix:" + t.Host}
	} else {
		ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(t.Host, "["), "]"))
		switch {
		case t.NoPort:
			ss.logf(errlog.Error, "no port in upstream \"%s\"", t.Host)
			return nil
		case err != nil:
			ss.logf(errlog.Error, "no resolver defined to resolve %s", t.Host)
			return nil
		}
		ap := netip.AddrPortFrom(ip, uint16(t.Port)).String()
		a = config.UpstreamAddr{Network: "tcp", Addr: ap, Name: ap}
	}
	u := &config.Upstream{Name: text, Implicit: true, Port: t.Port,
		Servers: []*config.UpstreamServer{{Host: text, Addrs: []config.UpstreamAddr{a}, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}}}
	ss.adhoc = upstream.NewSet([]*config.Upstream{u}, upstream.Options{})
	return ss.adhoc.Group(u)
}

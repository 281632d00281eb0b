package stream

import (
	"context"
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
// host name is resolved with the server's resolver. Failures are logged
// and give nil (the session's 500).
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
		case err != nil && ss.conf.Resolver == nil:
			ss.logf(errlog.Error, "no resolver defined to resolve %s", t.Host)
			return nil
		case err != nil:
			return ss.resolve(text, t)
		}
		ap := netip.AddrPortFrom(ip, uint16(t.Port)).String()
		a = config.UpstreamAddr{Network: "tcp", Addr: ap, Name: ap}
	}
	return ss.adhocGroup(text, t.Port, []config.UpstreamAddr{a})
}

// adhocGroup makes the session's group of the addresses of a proxy_pass
// value (ngx_stream_upstream_create_round_robin_peer).
func (ss *session) adhocGroup(text string, port int, addrs []config.UpstreamAddr) *upstream.Group {
	u := &config.Upstream{Name: text, Implicit: true, Port: port,
		Servers: []*config.UpstreamServer{{Host: text, Addrs: addrs, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}}}
	ss.adhoc = upstream.NewSet([]*config.Upstream{u}, upstream.Options{})
	return ss.adhoc.Group(u)
}

// resolve is ngx_stream_proxy_handler's ngx_resolve_name and
// ngx_stream_proxy_resolve_handler: the host's addresses, each a peer at
// the value's port; a failure is logged and gives nil.
func (ss *session) resolve(text string, t config.StreamTarget) *upstream.Group {
	ips, code, msg := upstream.Lookup(context.Background(), ss.conf.Resolver, ss.conf.ResolverTimeout, t.Host)
	if code != 0 {
		ss.logf(errlog.Error, "%s could not be resolved (%d: %s)", t.Host, code, msg)
		return nil
	}
	addrs := make([]config.UpstreamAddr, len(ips))
	for i, ip := range ips {
		ap := netip.AddrPortFrom(ip, uint16(t.Port)).String()
		addrs[i] = config.UpstreamAddr{Network: "tcp", Addr: ap, Name: ap}
	}
	return ss.adhocGroup(text, t.Port, addrs)
}

package config

import (
	"net/netip"

	"weir/internal/conf"
)

// This file is the configuration of ngx_http_realip_module: Loc's
// RealIPFrom (set_real_ip_from; a level with any replaces the outer
// level's list), RealIPHeader (real_ip_header as written) and
// RealIPRecursive.

// TrustedAddr is one address that may name the client for it (ngx_cidr_t
// of set_real_ip_from and of geo's proxy): a network, or every unix-domain
// socket.
type TrustedAddr struct {
	Net  netip.Prefix
	Unix bool
}

// Trusted is ngx_cidr_match: whether the address (of the family it has:
// an IPv4-mapped IPv6 address is not IPv4 here) is in one of the list.
func Trusted(list []TrustedAddr, a netip.Addr, unix bool) bool {
	for _, t := range list {
		if unix {
			if t.Unix {
				return true
			}
			continue
		}
		if t.Net.IsValid() && t.Net.Addr().Is4() == a.Is4() && t.Net.Contains(a) {
			return true
		}
	}
	return false
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		Directive{Name: "set_real_ip_from", Ctx: hsl, Args: Take1, Set: setRealIPFrom},
		Directive{Name: "real_ip_header", Ctx: hsl, Args: Take1, Set: setRealIPHeader},
		Directive{Name: "real_ip_recursive", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.RealIPRecursive })},
	)
}

// setRealIPFrom is ngx_http_realip_from: "unix:", a network (warning
// about low bits set beyond its mask), or a name, every address of which
// is trusted.
func setRealIPFrom(b *builder, s *conf.Stmt) error {
	from := &b.cur.RealIPFrom
	if !from.Set {
		*from = Def([]TrustedAddr(nil))
	}
	addrs, err := trustedAddrs(b, s)
	from.V = append(from.V, addrs...)
	return err
}

// trustedAddrs reads the argument of set_real_ip_from and
// debug_connection: "unix:", a network (with nginx's warning when its low
// bits are set), or a name standing for every address it resolves to.
func trustedAddrs(b *builder, s *conf.Stmt) ([]TrustedAddr, error) {
	a := s.Args[0]
	if a == "unix:" {
		return []TrustedAddr{{Unix: true}}, nil
	}
	if p, exact, err := parseCIDR(a); err == nil {
		if !exact {
			b.warn(s, "low address bits of %s are meaningless", a)
		}
		return []TrustedAddr{{Net: p}}, nil
	}
	addrs, msg := resolveHost(a, 0)
	if msg != "" {
		return nil, conf.Errorf(s, "%s in %s \"%s\"", msg, s.Name, a)
	}
	var out []TrustedAddr
	for _, u := range addrs {
		ap, err := netip.ParseAddrPort(u.Addr)
		if err != nil {
			continue
		}
		out = append(out, TrustedAddr{Net: netip.PrefixFrom(ap.Addr(), ap.Addr().BitLen())})
	}
	return out, nil
}

// setRealIPHeader is ngx_http_realip: X-Real-IP and X-Forwarded-For are
// recognised as written (the latter then reads every X-Forwarded-For
// line); any other name, in any case, is the first header of that name.
func setRealIPHeader(b *builder, s *conf.Stmt) error {
	h := &b.cur.RealIPHeader
	if h.Set {
		return duplicate(s)
	}
	// "proxy_protocol" (as written) takes the address of the
	// connection's PROXY protocol header
	*h = Def(s.Args[0])
	return nil
}

// String shows the entry as set_real_ip_from takes it.
func (t TrustedAddr) String() string {
	if t.Unix {
		return "unix:"
	}
	return t.Net.String()
}

package httpd

import (
	"net/netip"

	"weir/internal/config"
	"weir/internal/inet"
)

// blockVar computes the variable of a geo or split_clients block.
func (q *request) blockVar(m *config.Map) string {
	if sc := m.Split; sc != nil {
		// ngx_http_split_clients_variable
		v, _ := sc.Pick(config.MurmurHash2(q.eval(m.Source)))
		return v
	}
	return q.geoValue(m.Geo)
}

// geoValue is ngx_http_geo_cidr_variable and
// ngx_http_geo_range_variable with ngx_http_geo_addr: the address is the
// client's (after realip), or the value of the block's variable, which
// must be an address (else 255.255.255.255 is looked up); from a listed
// proxy, X-Forwarded-For names the address, as realip reads it.
func (q *request) geoValue(g *config.Geo) string {
	var ap netip.AddrPort
	unix, ok := false, true
	if g.Addr != nil {
		s, found := q.value(&g.Addr.Parts[0])
		a, parsed := inet.ParseAddr(s)
		ap, ok = netip.AddrPortFrom(a, 0), found && parsed
	} else {
		ap, unix = q.remote()
	}
	if ok && len(g.Proxies) > 0 {
		var lines [4]string
		if xff := q.headerLines("X-Forwarded-For", true, lines[:0]); len(xff) > 0 {
			if got, changed := forwardedAddr(ap, unix, xff, g.Proxies, g.ProxyRecursive); changed {
				ap, unix = got, false
			}
		}
	}
	a := ap.Addr()
	if unix {
		// a unix-domain client's sockaddr read as IPv4: an unnamed
		// socket's bytes are zero
		a = netip.IPv4Unspecified()
	}
	return g.Find(a, ok)
}

package upstream

import (
	"context"
	"net/netip"
	"time"

	"weir/internal/config"
)

// Lookup resolves name at run time with the resolver a resolver
// directive's args name (its servers, ipv4= and ipv6=) within timeout, as
// ngx_resolve_name does for a proxy_pass with variables. It returns the
// addresses, or the failure's code and nginx's text for it
// (ngx_resolver_strerror).
func Lookup(ctx context.Context, args []string, timeout time.Duration, name string) ([]netip.Addr, int, string) {
	_, ipv4, ipv6 := config.ResolverOptions(args)
	c := &dnsClient{servers: config.ResolverServers(args), timeout: timeout, ipv4: ipv4, ipv6: ipv6}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, _, code := c.addrs(ctx, name)
	if code != 0 {
		return nil, code, rcodeText(code)
	}
	return addrs, 0, ""
}

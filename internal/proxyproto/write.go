package proxyproto

import (
	"fmt"
	"net/netip"
)

// V1 is the version 1 header nginx sends to an upstream for a client
// connected from client to local (ngx_proxy_protocol_write): TCP4 or TCP6
// by the client's family (whatever the transport), the addresses without
// brackets; "PROXY UNKNOWN" for a client that has no address (a
// unix-domain socket).
func V1(client, local netip.AddrPort) []byte {
	if !client.IsValid() || !local.IsValid() {
		return []byte("PROXY UNKNOWN\r\n")
	}
	family := "TCP4"
	if client.Addr().Is6() {
		family = "TCP6"
	}
	return fmt.Appendf(nil, "PROXY %s %s %s %d %d\r\n", family, client.Addr(), local.Addr(), client.Port(), local.Port())
}

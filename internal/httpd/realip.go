package httpd

import (
	"net/netip"
	"strconv"
	"strings"

	"weir/internal/config"
	"weir/internal/inet"
	"weir/internal/proxyproto"
	"weir/internal/vars"
)

// realipState is the address ngx_http_realip_module gave the request:
// nginx swaps c->sockaddr and c->addr_text for the rest of the request
// and restores them when it ends (ngx_http_realip_cleanup). weir keeps
// the connection's address as accepted and reads the request's client
// through remote and remoteText.
type realipState struct {
	set  bool
	addr netip.AddrPort // port 0 when the header named none
	text string
}

// remote is the client address the request sees (c->sockaddr): the one
// realip set, else the connection's; unix is true for a unix-domain
// client that realip did not replace.
func (q *request) remote() (ap netip.AddrPort, unix bool) {
	if q.rip.set {
		return q.rip.addr, false
	}
	return q.r.Conn.Remote, q.r.Conn.Unix
}

// remoteText is $remote_addr and the "client:" of error-log lines
// (c->addr_text).
func (q *request) remoteText() string {
	if q.rip.set {
		return q.rip.text
	}
	return q.r.Conn.RemoteText
}

// remoteVar gives $remote_addr, $remote_port and $binary_remote_addr of
// the request's client, and $realip_remote_addr and $realip_remote_port,
// the connection's own.
func (q *request) remoteVar(id vars.ID) string {
	ap, unix := q.remote()
	switch id {
	case vars.RemoteAddr:
		return q.remoteText()
	case vars.RealipRemoteAddr:
		return q.r.Conn.RemoteText
	case vars.RealipRemotePort:
		ap, unix = q.r.Conn.Remote, q.r.Conn.Unix
		fallthrough
	case vars.RemotePort:
		// ngx_http_variable_remote_port: empty for no port (unix, or
		// an address from a header that gave none)
		if unix || ap.Port() == 0 {
			return ""
		}
		return strconv.Itoa(int(ap.Port()))
	}
	// $binary_remote_addr: 4 or 16 bytes, the text for a unix client
	if unix {
		return q.r.Conn.RemoteText
	}
	return string(ap.Addr().AsSlice())
}

// realip is ngx_http_realip_handler, run in the post-read phase with the
// server's settings and in the preaccess phase with the location's: once
// it has changed the address of a request, it changes nothing more
// (across internal redirects too, as the cleanup handler that it finds
// then says so).
func (q *request) realip(lc *config.Loc) {
	if len(lc.RealIPFrom.V) == 0 || q.rip.set {
		return
	}
	var lines [4]string
	var headers []string
	var pp *proxyproto.Header
	if lc.RealIPHeader.V == "proxy_protocol" {
		// NGX_HTTP_REALIP_PROXY: the header's source address, then its
		// source port
		if pp = q.proxyHeader(); pp == nil {
			return
		}
		headers = append(lines[:0], pp.SrcAddr)
	} else {
		// X-Forwarded-For as written is every line
		// (r->headers_in.x_forwarded_for); X-Real-IP and any other
		// header, the first line
		all := lc.RealIPHeader.V == "X-Forwarded-For"
		headers = q.headerLines(lc.RealIPHeader.V, all, lines[:0])
	}
	if len(headers) == 0 {
		return
	}
	ap, unix := q.remote()
	got, ok := forwardedAddr(ap, unix, headers, lc.RealIPFrom.V, lc.RealIPRecursive.V)
	if !ok {
		return
	}
	if pp != nil {
		got = netip.AddrPortFrom(got.Addr(), uint16(pp.SrcPort))
	}
	q.rip = realipState{set: true, addr: got, text: inet.Ntop(got.Addr())}
}

// headerLines appends the values of the request's header lines called
// name (in any case): every one, or only the first.
func (q *request) headerLines(name string, all bool, buf []string) []string {
	for _, h := range q.r.Headers {
		if strings.EqualFold(h.Name, name) {
			buf = append(buf, h.Value)
			if !all {
				break
			}
		}
	}
	return buf
}

// forwardedAddr is ngx_http_get_forwarded_addr: the header lines are read
// from the last; each gives addresses from its right end while the
// address in hand is trusted (only the rightmost one without recursive).
// ok is false when the address in hand was not trusted or the entry
// after it is not an address ("1.2.3.4", "1.2.3.4:80", "[::1]:80").
func forwardedAddr(ap netip.AddrPort, unix bool, headers []string, trusted []config.TrustedAddr, recursive bool) (netip.AddrPort, bool) {
	found := false
	for i := len(headers) - 1; i >= 0; i-- {
		next, rc := forwardedLine(ap, unix, headers[i], trusted, recursive)
		if rc != fwdDeclined {
			ap, unix = next, false
		}
		if !recursive {
			return ap, rc != fwdDeclined
		}
		if rc == fwdDeclined && found || rc == fwdDone {
			return ap, true
		}
		if rc != fwdOK {
			return ap, false
		}
		found = true
	}
	return ap, true
}

type fwdResult uint8

const (
	fwdDeclined fwdResult = iota // nothing taken
	fwdOK                        // the whole line read, its first address taken
	fwdDone                      // an address taken, then an untrusted one or garbage stopped
)

// forwardedLine is ngx_http_get_forwarded_addr_internal over one header
// line: entries are separated by commas and spaces.
func forwardedLine(ap netip.AddrPort, unix bool, xff string, trusted []config.TrustedAddr, recursive bool) (netip.AddrPort, fwdResult) {
	found := false
	for {
		if !config.Trusted(trusted, ap.Addr(), unix) {
			break
		}
		end := len(xff)
		for end > 1 && (xff[end-1] == ' ' || xff[end-1] == ',') {
			end--
		}
		start := end - 1
		for start > 0 && xff[start] != ' ' && xff[start] != ',' {
			start--
		}
		if start > 0 {
			start++
		}
		if end == 0 {
			break
		}
		got, ok := inet.ParseAddrPort(xff[max(start, 0):end])
		if !ok {
			break
		}
		ap, unix, found = got, false, true
		if !recursive || start == 0 {
			return ap, fwdOK
		}
		xff = xff[:start-1]
	}
	if found {
		return ap, fwdDone
	}
	return ap, fwdDeclined
}

package config

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/inet"
)

// Listen is one listen directive of a server.
type Listen struct {
	File string
	Line int
	// Network is "tcp" or "unix"; Addr is the socket address in the form
	// nginx prints it: "127.0.0.1:80", "0.0.0.0:80", "[::1]:80",
	// "unix:/path".
	Network  string
	Addr     string
	AddrPort netip.AddrPort // tcp only
	Path     string         // unix only
	Wildcard bool

	DefaultServer bool
	SSL           bool
	HTTP2         bool
	ProxyProtocol bool
	Bind          bool
	Reuseport     bool
	Deferred      bool
	IPv6Only      bool
	Backlog       int
	RcvBuf        int
	SndBuf        int
	SoKeepalive   bool
	KeepIdle      time.Duration
	KeepIntvl     time.Duration
	KeepCnt       int
	hasOptions    bool
	ipv6onlySet   bool
	more          []netip.Addr // further addresses of a host name
}

// ListenGroup is one socket weir binds, with the servers reachable
// through it grouped by the local address the connection arrived on (a
// wildcard socket also serves the specific addresses of its port that are
// not bound on their own, as nginx does).
type ListenGroup struct {
	*Listen             // the socket's options (from the listen that set them)
	Addrs   []*AddrConf // specific addresses first, the socket's own address last
}

// AddrConf lists the virtual servers for one local address.
type AddrConf struct {
	Addr     string
	AddrPort netip.AddrPort
	Default  *Server
	Servers  []*Server
	Names    *NameIndex
	ssl      bool // a listen of the address has "ssl"
	http2    bool // a listen of the address has "http2"
	proxy    bool // a listen of the address has "proxy_protocol"
}

// ProxyProtocol reports whether connections to the address start with a
// PROXY protocol header (one of its listens has "proxy_protocol"; nginx
// ORs the flag over the listens of an address, as it does ssl's).
func (ac *AddrConf) ProxyProtocol() bool { return ac.proxy }

// defaultListen is what a server without listen gets: *:80 as root,
// *:8000 otherwise, as nginx.
func defaultListen() *Listen {
	port := 80
	if os.Geteuid() != 0 {
		port = 8000
	}
	ap := netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(port))
	return &Listen{Network: "tcp", Addr: ap.String(), AddrPort: ap, Wildcard: true, Backlog: 511}
}

// parseListen implements ngx_http_core_listen: the address as
// ngx_parse_url reads it for a listen directive, then the parameters, with
// nginx's messages.
func parseListen(b *builder, s *conf.Stmt) (*Listen, error) {
	l := &Listen{File: s.File, Line: s.Line, Backlog: 511}
	a := s.Args[0]
	if msg := parseListenAddr(l, a); msg != "" {
		return nil, conf.Errorf(s, "%s in \"%s\" of the \"listen\" directive", msg, a)
	}
	for _, p := range s.Args[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch {
		case p == "default_server" || p == "default":
			l.DefaultServer = true
		case p == "bind":
			l.Bind, l.hasOptions = true, true
		case strings.HasPrefix(p, "fastopen="):
			if _, ok := atoi(v); !ok {
				return nil, conf.Errorf(s, "invalid fastopen \"%s\"", p)
			}
			l.Bind, l.hasOptions = true, true
		case strings.HasPrefix(p, "backlog="):
			n, ok := atoi(v)
			if !ok || n == 0 {
				return nil, conf.Errorf(s, "invalid backlog \"%s\"", p)
			}
			l.Backlog, l.Bind, l.hasOptions = int(n), true, true
		case strings.HasPrefix(p, "rcvbuf="), strings.HasPrefix(p, "sndbuf="):
			n := ParseSize(v)
			if n < 0 {
				return nil, conf.Errorf(s, "invalid %s \"%s\"", k, p)
			}
			if k == "rcvbuf" {
				l.RcvBuf = int(n)
			} else {
				l.SndBuf = int(n)
			}
			l.Bind, l.hasOptions = true, true
		case strings.HasPrefix(p, "accept_filter="):
			// nginx logs this at level emerg on Linux and goes on.
			b.warn(s, "accept filters \"%s\" are not supported on this platform, ignored", p)
		case p == "deferred":
			l.Deferred, l.Bind, l.hasOptions = true, true, true
		case strings.HasPrefix(p, "ipv6only=o"):
			switch p[len("ipv6only=o"):] {
			case "n":
				l.IPv6Only = true
			case "ff":
				l.IPv6Only = false
			default:
				return nil, conf.Errorf(s, "invalid ipv6only flags \"%s\"", p[len("ipv6only="):])
			}
			l.Bind, l.hasOptions, l.ipv6onlySet = true, true, true
		case p == "reuseport":
			l.Reuseport, l.Bind, l.hasOptions = true, true, true
		case p == "ssl":
			l.SSL = true
		case p == "http2":
			// nginx 1.25.1 deprecates it for "http2 on"; 1.22 knows only it
			l.HTTP2 = true
		case strings.HasPrefix(p, "so_keepalive="):
			if !parseSoKeepalive(l, p[len("so_keepalive="):]) {
				return nil, conf.Errorf(s, "invalid so_keepalive value: \"%s\"", p[len("so_keepalive="):])
			}
			l.Bind, l.hasOptions = true, true
		case p == "proxy_protocol":
			l.ProxyProtocol = true
		default:
			return nil, conf.Errorf(s, "invalid parameter \"%s\"", p)
		}
	}
	return l, nil
}

// parseListenAddr fills the address of l from a, as ngx_parse_url does
// with u.listen set and a default port of 80, and returns nginx's u.err
// text on failure.
func parseListenAddr(l *Listen, a string) string {
	if len(a) >= 5 && strings.EqualFold(a[:5], "unix:") {
		p := a[5:]
		if p == "" {
			return "no path in the unix domain socket"
		}
		if len(p)+1 > 108 { // sizeof(sun_path)
			return "too long path in the unix domain socket"
		}
		l.Network, l.Path, l.Addr = "unix", p, "unix:"+p
		return ""
	}
	var ip netip.Addr
	port := 80
	if strings.HasPrefix(a, "[") {
		// ngx_parse_inet6_url
		end := strings.IndexByte(a, ']')
		if end < 0 {
			return "invalid host"
		}
		rest := a[end+1:]
		if strings.ContainsAny(rest, "/") {
			return "invalid host"
		}
		if rest != "" {
			if rest[0] != ':' {
				return "invalid host"
			}
			n, ok := atoi(rest[1:])
			if !ok || n < 1 || n > 65535 {
				return "invalid port"
			}
			port = int(n)
		}
		host := a[1:end]
		if host == "" {
			return "no host"
		}
		v, ok := inet6Addr(host)
		if !ok {
			return "invalid IPv6 address"
		}
		ip = v
	} else {
		// ngx_parse_inet_url: the first ":" starts the port; a "/" or
		// "?" anywhere is a URI, which listen refuses.
		if strings.ContainsAny(a, "/?") {
			return "invalid host"
		}
		host := a
		if i := strings.IndexByte(a, ':'); i >= 0 {
			n, ok := atoi(a[i+1:])
			if !ok || n < 1 || n > 65535 {
				return "invalid port"
			}
			port, host = int(n), a[:i]
		} else if n, ok := atoi(a); ok {
			// "listen 8080": a number alone is a port.
			if n < 1 || n > 65535 {
				return "invalid port"
			}
			port, host = int(n), "*"
		}
		switch {
		case host == "":
			return "no host"
		case host == "*":
			ip = netip.IPv4Unspecified()
		default:
			v, ok := inetAddr(host)
			if !ok {
				// A name listens on every address it resolves to, as
				// nginx does with each of getaddrinfo's results.
				addrs, err := net.LookupHost(host)
				if err != nil || len(addrs) == 0 {
					return "host not found"
				}
				for _, a := range addrs {
					if v, err := netip.ParseAddr(a); err == nil && !slices.Contains(l.more, v.Unmap()) {
						l.more = append(l.more, v.Unmap())
					}
				}
				if len(l.more) == 0 {
					return "host not found"
				}
				v, l.more = l.more[0], l.more[1:]
			}
			ip = v
		}
	}
	l.Network = "tcp"
	l.setAddr(ip.Unmap(), port)
	return ""
}

func (l *Listen) setAddr(ip netip.Addr, port int) {
	l.AddrPort = netip.AddrPortFrom(ip, uint16(port))
	l.Addr = l.AddrPort.String()
	l.Wildcard = ip.IsUnspecified()
	l.IPv6Only = ip.Is6()
}

// expand returns the listens of one directive: l, and a copy of it for
// each further address its host name resolved to.
func (l *Listen) expand() []*Listen {
	out := []*Listen{l}
	for _, ip := range l.more {
		c := *l
		c.more = nil
		c.setAddr(ip, int(l.AddrPort.Port()))
		if l.ipv6onlySet {
			c.IPv6Only = l.IPv6Only
		}
		out = append(out, &c)
	}
	l.more = nil
	return out
}

// inetAddr parses a dotted-quad IPv4 address as ngx_inet_addr does:
// exactly four parts, each at most 255; leading zeros are decimal and an
// empty part is zero.
func inetAddr(s string) (netip.Addr, bool) { return inet.Addr4(s) }

// inet6Addr parses an IPv6 address without brackets or zone, as
// ngx_inet6_addr does.
func inet6Addr(s string) (netip.Addr, bool) { return inet.Addr6(s) }

// parseCIDR is ngx_ptocidr: an address with an optional /bits. exact is
// false when the address has bits set beyond the mask, which are cleared
// (nginx warns about them).
func parseCIDR(s string) (p netip.Prefix, exact bool, err error) {
	addrText, maskText, hasMask := strings.Cut(s, "/")
	ip, ok := inetAddr(addrText)
	if !ok {
		if ip, ok = inet6Addr(addrText); !ok {
			return netip.Prefix{}, false, errors.New("invalid address")
		}
	}
	bits := ip.BitLen()
	if hasMask {
		n, ok := atoi(maskText)
		if !ok || n > int64(ip.BitLen()) {
			return netip.Prefix{}, false, errors.New("invalid mask")
		}
		bits = int(n)
	}
	p = netip.PrefixFrom(ip, bits)
	m := p.Masked()
	return m, m.Addr() == ip, nil
}

// parseSoKeepalive reads the so_keepalive value as ngx_http_core_listen:
// "on", "off", or "[idle][:[intvl][:[cnt]]]" with times in seconds, not
// all of them zero.
func parseSoKeepalive(l *Listen, v string) bool {
	switch v {
	case "on":
		l.SoKeepalive = true
		return true
	case "off":
		l.SoKeepalive = false
		return true
	}
	idle, rest, _ := strings.Cut(v, ":")
	intvl, cnt, _ := strings.Cut(rest, ":")
	if idle != "" {
		n := parseTime(idle, true)
		if n < 0 {
			return false
		}
		l.KeepIdle = time.Duration(n) * time.Second
	}
	if intvl != "" {
		n := parseTime(intvl, true)
		if n < 0 {
			return false
		}
		l.KeepIntvl = time.Duration(n) * time.Second
	}
	if cnt != "" {
		n, ok := atoi(cnt)
		if !ok {
			return false
		}
		l.KeepCnt = int(n)
	}
	if l.KeepIdle == 0 && l.KeepIntvl == 0 && l.KeepCnt == 0 {
		return false
	}
	l.SoKeepalive = true
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

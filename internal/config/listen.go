package config

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
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
}

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

// parseListen implements ngx_http_core_listen and ngx_parse_url for the
// first argument, with nginx's messages.
func parseListen(s *conf.Stmt) (*Listen, error) {
	l := &Listen{File: s.File, Line: s.Line, Backlog: 511}
	a := s.Args[0]
	bad := func(what string) error {
		return conf.Errorf(s, "%s in \"%s\" of the \"listen\" directive", what, a)
	}
	switch {
	case strings.HasPrefix(strings.ToLower(a), "unix:"):
		p := a[5:]
		if p == "" {
			return nil, bad("no path")
		}
		l.Network, l.Path, l.Addr = "unix", p, "unix:"+p
	default:
		host, port, hasPort := splitHostPort(a)
		if host == "" && hasPort {
			return nil, bad("no host")
		}
		var pn int
		if !hasPort {
			// "listen 8080" or "listen 127.0.0.1"
			if n, err := strconv.Atoi(host); err == nil && isDigits(host) {
				if n < 1 || n > 65535 {
					return nil, bad("invalid port")
				}
				pn, host = n, "*"
			} else {
				pn = 80
			}
		} else {
			n, err := strconv.Atoi(port)
			if err != nil || !isDigits(port) || n < 1 || n > 65535 {
				return nil, bad("invalid port")
			}
			pn = n
		}
		var ip netip.Addr
		switch {
		case host == "*":
			ip = netip.IPv4Unspecified()
		case strings.HasPrefix(host, "["):
			v, err := netip.ParseAddr(strings.Trim(host, "[]"))
			if err != nil || !v.Is6() {
				return nil, bad("invalid IPv6 address")
			}
			ip = v
		default:
			v, err := netip.ParseAddr(host)
			if err != nil {
				addrs, lerr := net.LookupHost(host)
				if lerr != nil || len(addrs) == 0 {
					return nil, bad("host not found")
				}
				v, err = netip.ParseAddr(addrs[0])
				if err != nil {
					return nil, bad("host not found")
				}
			}
			ip = v
		}
		ip = ip.Unmap()
		l.Network = "tcp"
		l.AddrPort = netip.AddrPortFrom(ip, uint16(pn))
		l.Addr = l.AddrPort.String()
		l.Wildcard = ip.IsUnspecified()
		l.IPv6Only = ip.Is6()
	}
	for _, p := range s.Args[1:] {
		k, v, hasV := strings.Cut(p, "=")
		switch {
		case p == "default_server" || p == "default":
			l.DefaultServer = true
		case p == "ssl":
			l.SSL = true
		case p == "http2":
			l.HTTP2 = true
		case p == "proxy_protocol":
			l.ProxyProtocol = true
		case p == "bind":
			l.Bind, l.hasOptions = true, true
		case p == "reuseport":
			l.Reuseport, l.Bind, l.hasOptions = true, true, true
		case p == "deferred":
			l.Deferred, l.Bind, l.hasOptions = true, true, true
		case k == "backlog" && hasV:
			n, ok := atoi(v)
			if !ok || n == 0 {
				return nil, conf.Errorf(s, "invalid backlog \"%s\"", v)
			}
			l.Backlog, l.Bind, l.hasOptions = int(n), true, true
		case k == "rcvbuf" && hasV, k == "sndbuf" && hasV:
			n := ParseSize(v)
			if n < 0 {
				return nil, conf.Errorf(s, "invalid %s \"%s\"", k, v)
			}
			if k == "rcvbuf" {
				l.RcvBuf = int(n)
			} else {
				l.SndBuf = int(n)
			}
			l.Bind, l.hasOptions = true, true
		case k == "ipv6only" && hasV:
			switch v {
			case "on":
				l.IPv6Only = true
			case "off":
				l.IPv6Only = false
			default:
				return nil, conf.Errorf(s, "invalid ipv6only flags \"%s\"", v)
			}
			l.Bind, l.hasOptions = true, true
		case k == "so_keepalive" && hasV:
			if err := parseSoKeepalive(l, v); err != nil {
				return nil, conf.Errorf(s, "invalid so_keepalive value: \"%s\"", v)
			}
			l.Bind, l.hasOptions = true, true
		case k == "fastopen" && hasV, k == "accept_filter" && hasV, k == "setfib" && hasV:
			l.Bind, l.hasOptions = true, true
		default:
			return nil, conf.Errorf(s, "invalid parameter \"%s\"", p)
		}
	}
	return l, nil
}

func parseSoKeepalive(l *Listen, v string) error {
	switch v {
	case "on":
		l.SoKeepalive = true
		return nil
	case "off":
		l.SoKeepalive = false
		return nil
	}
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return fmt.Errorf("bad")
	}
	if parts[0] != "" {
		d, err := ParseTime(parts[0])
		if err != nil {
			return err
		}
		l.KeepIdle = d
	}
	if parts[1] != "" {
		d, err := ParseTime(parts[1])
		if err != nil {
			return err
		}
		l.KeepIntvl = d
	}
	if parts[2] != "" {
		n, ok := atoi(parts[2])
		if !ok {
			return fmt.Errorf("bad")
		}
		l.KeepCnt = int(n)
	}
	l.SoKeepalive = true
	return nil
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

// splitHostPort splits "host:port", "[v6]:port", "[v6]", "host", "port".
func splitHostPort(a string) (host, port string, hasPort bool) {
	if strings.HasPrefix(a, "[") {
		i := strings.IndexByte(a, ']')
		if i < 0 {
			return a, "", false
		}
		host = a[:i+1]
		rest := a[i+1:]
		if strings.HasPrefix(rest, ":") {
			return host, rest[1:], true
		}
		return host, "", false
	}
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return a, "", false
	}
	return a[:i], a[i+1:], true
}

package config

import (
	"fmt"
	"net/netip"
	"time"

	"weir/internal/conf"
)

// Re-resolvable upstream servers (nginx 1.27.3, ngx_http_upstream_server
// and ngx_http_upstream_init_round_robin): "server NAME resolve" keeps
// NAME's addresses up to date with its DNS records; "service=NAME" asks
// for SRV records instead. And least_time (nginx 1.31.0).

// serverResolve is the part of ngx_http_upstream_server that follows the
// parameters when resolve or service= was given. It reports whether the
// server is re-resolved at run time (us is complete then); a server that
// names an address (or a socket) with resolve is read as usual.
func serverResolve(s *conf.Stmt, us *UpstreamServer, resolve bool) (bool, error) {
	if !resolve && us.Service == "" {
		return false, nil
	}
	text := s.Args[0]
	if !resolve {
		return false, conf.Errorf(s, "service upstream \"%s\" requires \"resolve\" parameter", text)
	}
	pu, errText := parseURL(text, 80, false)
	if errText != "" {
		return false, conf.Errorf(s, "%s in upstream \"%s\"", errText, text)
	}
	literal := pu.unix
	if !pu.unix {
		name := pu.host
		if len(name) > 1 && name[0] == '[' {
			name = name[1 : len(name)-1]
		}
		_, err := netip.ParseAddr(name)
		literal = err == nil
	}
	if us.Service != "" && !pu.noPort {
		return false, conf.Errorf(s, "service upstream \"%s\" may not have port", text)
	}
	if us.Service != "" && literal {
		return false, conf.Errorf(s, "service upstream \"%s\" requires domain name", text)
	}
	if literal {
		return false, nil
	}
	us.Host, us.ResolveHost, us.ResolvePort = text, pu.host, pu.port
	return true, nil
}

// setUpstreamResolver is the upstream block's resolver (one per block).
func setUpstreamResolver(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.Resolver != nil {
		return duplicate(s)
	}
	if err := checkResolver(s); err != nil {
		return err
	}
	u.Resolver = append([]string{}, s.Args...)
	return nil
}

// setUpstreamResolverTimeout is the upstream block's resolver_timeout, a
// setting of its own: the http level's does not make it a duplicate.
func setUpstreamResolverTimeout(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.seen[s.Name] {
		return duplicate(s)
	}
	u.seen[s.Name] = true
	d, err := ParseTime(s.Args[0])
	if err != nil {
		return invalidValue(s)
	}
	u.ResolverTimeout = d
	return nil
}

// finishResolve is the zone part of ngx_http_upstream_init_round_robin:
// a group with a server to re-resolve needs a zone and a resolver, its
// own or the http level's; resolver_timeout likewise, 30s by default.
func (b *builder) finishResolve(u *Upstream) error {
	resolve := false
	for _, sv := range u.Servers {
		resolve = resolve || sv.ResolveHost != ""
	}
	if u.Zone == "" {
		if resolve {
			return &conf.Error{Msg: fmt.Sprintf("resolving names at run time requires upstream \"%s\" in %s:%d to be in shared memory", u.Name, u.File, u.Line)}
		}
		return nil
	}
	hl := b.http.Loc
	if u.Resolver == nil && hl != nil {
		u.Resolver = hl.Resolver.V
	}
	if !u.seen["resolver_timeout"] {
		u.ResolverTimeout = 30 * time.Second
		if hl != nil && hl.ResolverTimeout.Set {
			u.ResolverTimeout = hl.ResolverTimeout.V
		}
	}
	if resolve && len(ResolverServers(u.Resolver)) == 0 {
		return &conf.Error{Msg: fmt.Sprintf("no resolver defined to resolve names at run time in upstream \"%s\" in %s:%d", u.Name, u.File, u.Line)}
	}
	return nil
}

// ResolverServers returns the name servers of a resolver's arguments as
// host:port (port 53 unless given).
func ResolverServers(args []string) []string {
	var out []string
	for _, a := range args {
		if _, _, ok := resolverParam(a); ok {
			continue
		}
		pu, errText := parseURL(a, 53, false)
		if errText != "" || pu.unix {
			continue
		}
		h := pu.host
		if len(h) > 1 && h[0] == '[' {
			h = h[1 : len(h)-1]
		}
		out = append(out, joinHostPort(h, pu.port))
	}
	return out
}

func joinHostPort(h string, port int) string {
	if a, err := netip.ParseAddr(h); err == nil {
		return netip.AddrPortFrom(a, uint16(port)).String()
	}
	return fmt.Sprintf("%s:%d", h, port)
}

// ResolverOptions are a resolver's valid=, ipv4= and ipv6=: valid is 0
// when not given (the records' TTL rules).
func ResolverOptions(args []string) (valid time.Duration, ipv4, ipv6 bool) {
	ipv4, ipv6 = true, true
	for _, a := range args {
		k, v, ok := resolverParam(a)
		if !ok {
			continue
		}
		switch k {
		case "valid":
			valid = time.Duration(parseTime(v, true)) * time.Second
		case "ipv4":
			ipv4 = v == "on"
		case "ipv6":
			ipv6 = v == "on"
		}
	}
	return valid, ipv4, ipv6
}

// resolverParam splits a resolver parameter (valid=, ipv4=, ipv6=,
// status_zone=) into its name and value.
func resolverParam(a string) (string, string, bool) {
	for _, k := range []string{"valid", "ipv4", "ipv6", "status_zone"} {
		if len(a) > len(k) && a[:len(k)+1] == k+"=" {
			return k, a[len(k)+1:], true
		}
	}
	return "", "", false
}

// setLeastTime is ngx_http_upstream_least_time: "least_time header |
// last_byte [inflight]"; the method's parameter is an enum slot, read
// after the third argument and once per block.
func setLeastTime(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	b.methodRedefined(s, u)
	u.Method = "least_time"
	if len(s.Args) == 2 {
		if s.Args[1] != "inflight" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		u.LeastTimeInflight = true
	}
	if u.LeastTime != "" {
		return duplicate(s)
	}
	if s.Args[0] != "header" && s.Args[0] != "last_byte" {
		return conf.Errorf(s, "invalid value \"%s\"", s.Args[0])
	}
	u.LeastTime = s.Args[0]
	return nil
}

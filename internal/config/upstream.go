package config

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
)

// The upstream module (ngx_http_upstream_module) and the balancer and
// keepalive modules that add directives to its block.

func init() {
	ups := CtxUpstream
	register(
		Directive{Name: "upstream", Ctx: CtxHTTP, Args: Block | Take1, Set: setUpstream},
		Directive{Name: "ip_hash", Ctx: ups, Args: Take0, Set: setBalancer},
		Directive{Name: "least_conn", Ctx: ups, Args: Take0, Set: setBalancer},
		Directive{Name: "hash", Ctx: ups, Args: Take12, Set: setHash},
		Directive{Name: "random", Ctx: ups, Args: Take0 | Take12, Set: setRandom},
		Directive{Name: "keepalive", Ctx: ups, Args: Take12, Set: setUpstreamKeepalive},
		Directive{Name: "zone", Ctx: ups, Args: Take12, Set: setZone},
		Directive{Name: "least_time", Ctx: ups, Args: Take12, Set: setLeastTime},
	)
}

// upstreamRows are the directives of an upstream block whose names other
// modules use elsewhere with another meaning (nginx finds the row by name
// and context; weir's table holds one row per name).
var upstreamRows = map[string]*Directive{
	"server":             {Name: "server", Ctx: CtxUpstream, Args: OneMore, Set: setUpstreamServer},
	"keepalive_requests": {Name: "keepalive_requests", Ctx: CtxUpstream, Args: Take1, Set: setUpstreamKeepaliveValue},
	"keepalive_time":     {Name: "keepalive_time", Ctx: CtxUpstream, Args: Take1, Set: setUpstreamKeepaliveValue},
	"keepalive_timeout":  {Name: "keepalive_timeout", Ctx: CtxUpstream, Args: Take1, Set: setUpstreamKeepaliveValue},
	// nginx 1.27.3 reads resolver and resolver_timeout in upstream blocks
	// for "server ... resolve" (upstream_resolve.go).
	"resolver":         {Name: "resolver", Ctx: CtxUpstream, Args: OneMore, Set: setUpstreamResolver},
	"resolver_timeout": {Name: "resolver_timeout", Ctx: CtxUpstream, Args: Take1, Set: setUpstreamResolverTimeout},
}

// dispatchRow is dispatch for a row that is not in the table.
func (b *builder) dispatchRow(d *Directive, s *conf.Stmt) error {
	if d.Args&Block == 0 && s.HasBlock {
		return conf.Errorf(s, "directive \"%s\" is not terminated by \";\"", s.Name)
	}
	if !argsOK(d.Args, len(s.Args)) {
		return conf.Errorf(s, "invalid number of arguments in \"%s\" directive", s.Name)
	}
	if err := d.Set(b, s); err != nil {
		if _, ok := err.(*conf.Error); ok || err == errTruncated {
			return err
		}
		return conf.Errorf(s, "%s", err.Error())
	}
	return nil
}

// curUpstream is the upstream block being read: blocks do not nest and
// nothing inside one adds a group, so it is the last one added.
func (b *builder) curUpstream() *Upstream {
	return b.http.Upstreams[len(b.http.Upstreams)-1]
}

// setUpstream is ngx_http_upstream with the part of ngx_http_upstream_add
// that finds an earlier group of the same name: another block is a
// duplicate, an implicit group of a *_pass without a port becomes this
// block (linked when the http block ends), one with a port is an error
// positioned at that *_pass.
func setUpstream(b *builder, s *conf.Stmt) error {
	name := s.Args[0]
	for _, u := range b.http.Upstreams {
		if !strings.EqualFold(u.Name, name) {
			continue
		}
		if !u.Implicit {
			return conf.Errorf(s, "duplicate upstream \"%s\"", name)
		}
		if u.Port != 0 {
			return &conf.Error{Msg: fmt.Sprintf("upstream \"%s\" may not have port %d in %s:%d", name, u.Port, u.File, u.Line)}
		}
	}
	u := &Upstream{
		Name: name, File: s.File, Line: s.Line,
		Keepalive: 32, KeepaliveLocal: true, KeepaliveRequests: 1000,
		KeepaliveTime: time.Hour, KeepaliveTimeout: 60 * time.Second,
		seen: map[string]bool{},
	}
	b.http.Upstreams = append(b.http.Upstreams, u)

	saved := b.ctx
	b.ctx = CtxUpstream
	defer func() { b.ctx = saved }()
	for _, st := range s.Block {
		var err error
		if d, ok := upstreamRows[st.Name]; ok {
			err = b.dispatchRow(d, st)
		} else {
			err = b.dispatch(st)
		}
		if err != nil {
			return err
		}
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	if u.State != "" {
		return b.readState(u)
	}
	if len(u.Servers) == 0 {
		return conf.ErrorfEnd(s, "no servers are inside upstream")
	}
	return nil
}

// allowsBackup reports whether the group's balancing method takes backup
// servers (NGX_HTTP_UPSTREAM_BACKUP: round robin and least_conn only).
func (u *Upstream) allowsBackup() bool {
	return u.Method == "" || u.Method == "least_conn" || u.Method == "least_time"
}

// setUpstreamServer is ngx_http_upstream_server: the parameters are read
// first, then the address is parsed and resolved.
func setUpstreamServer(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.State != "" && !u.stateReading {
		return conf.Errorf(s, "\"server\" directive is incompatible with \"state\"")
	}
	us := &UpstreamServer{File: s.File, Line: s.Line, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}
	resolve := false
	invalid := func(p string) error { return conf.Errorf(s, "invalid parameter \"%s\"", p) }
	for _, p := range s.Args[1:] {
		switch {
		case strings.HasPrefix(p, "weight="):
			n, ok := atoi(p[7:])
			if !ok || n == 0 {
				return invalid(p)
			}
			us.Weight = int(n)
		case strings.HasPrefix(p, "max_conns="):
			n, ok := atoi(p[10:])
			if !ok {
				return invalid(p)
			}
			us.MaxConns = int(n)
		case strings.HasPrefix(p, "max_fails="):
			n, ok := atoi(p[10:])
			if !ok {
				return invalid(p)
			}
			us.MaxFails = int(n)
		case strings.HasPrefix(p, "fail_timeout="):
			d, err := ParseSeconds(p[13:])
			if err != nil {
				return invalid(p)
			}
			us.FailTimeout = d
		case p == "backup":
			if !u.allowsBackup() {
				return conf.Errorf(s, "balancing method does not support parameter \"%s\"", p)
			}
			us.Backup = true
		case p == "down":
			us.Down = true
		case p == "drain":
			us.Drain = true
		case strings.HasPrefix(p, "route="):
			if len(p) == 6 || len(p)-6 > maxRouteLen {
				return invalid(p)
			}
			us.Route = p[6:]
		case strings.HasPrefix(p, "slow_start="):
			d, err := ParseSeconds(p[11:])
			if err != nil {
				return invalid(p)
			}
			if !u.allowsSlowStart() {
				return conf.Errorf(s, "balancing method does not support parameter \"slow_start\"")
			}
			us.SlowStart = d
		case p == "resolve":
			resolve = true
		case strings.HasPrefix(p, "service="):
			if len(p) == 8 {
				return conf.Errorf(s, "service is empty")
			}
			us.Service = p[8:]
		default:
			return invalid(p)
		}
	}
	if ok, err := serverResolve(s, us, resolve); ok || err != nil {
		if err == nil {
			u.Servers = append(u.Servers, us)
		}
		return err
	}
	var errText string
	us.Addrs, us.Host, errText = ResolveServer(s.Args[0])
	if errText != "" {
		return conf.Errorf(s, "%s in upstream \"%s\"", errText, s.Args[0])
	}
	u.Servers = append(u.Servers, us)
	return nil
}

// setBalancer is ngx_http_upstream_ip_hash and
// ngx_http_upstream_least_conn.
func setBalancer(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	b.methodRedefined(s, u)
	u.Method = s.Name
	return nil
}

func (b *builder) methodRedefined(s *conf.Stmt, u *Upstream) {
	if u.Method != "" || u.Queue > 0 {
		b.warn(s, "load balancing method redefined")
	}
	// a method replaces the queue set before it (commercial nginx
	// documents that the method must come first)
	u.Queue = 0
}

// allowsSlowStart reports whether the group's balancing method takes
// slow_start= (commercial nginx: not hash, ip_hash nor random).
func (u *Upstream) allowsSlowStart() bool {
	return u.Method == "" || u.Method == "least_conn" || u.Method == "least_time"
}

// setHash is ngx_http_upstream_hash.
func setHash(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	key, err := b.compile(s, s.Args[0])
	if err != nil {
		return err
	}
	b.methodRedefined(s, u)
	u.Method, u.HashKey, u.Consistent = "hash", key, false
	if len(s.Args) == 2 {
		if s.Args[1] != "consistent" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		u.Consistent = true
	}
	return nil
}

// setRandom is ngx_http_upstream_random: "random [two [least_conn]]".
func setRandom(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	b.methodRedefined(s, u)
	u.Method, u.RandomTwo, u.RandomMethod = "random", false, ""
	if len(s.Args) == 0 {
		return nil
	}
	if s.Args[0] != "two" {
		return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[0])
	}
	u.RandomTwo, u.RandomMethod = true, "least_conn"
	if len(s.Args) == 2 && s.Args[1] != "least_conn" {
		return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
	}
	return nil
}

// setUpstreamKeepalive is ngx_http_upstream_keepalive: "keepalive N
// [local]". nginx 1.29.7 made keepalive the default and accepts 0 to turn
// it off; "local" keeps the cached connections of one location to itself.
func setUpstreamKeepalive(b *builder, s *conf.Stmt) error {
	u, n, err := upstreamCount(b, s)
	if err != nil {
		return err
	}
	u.Keepalive, u.KeepaliveLocal = int(n), false
	if len(s.Args) == 2 {
		if s.Args[1] != "local" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		u.KeepaliveLocal = true
	}
	return nil
}

// setUpstreamKeepaliveValue handles keepalive_requests (a number),
// keepalive_time and keepalive_timeout (times in msec) inside upstream.
func setUpstreamKeepaliveValue(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.seen[s.Name] {
		return duplicate(s)
	}
	u.seen[s.Name] = true
	if s.Name == "keepalive_requests" {
		n, ok := atoi(s.Args[0])
		if !ok {
			return conf.Errorf(s, "\"%s\" directive invalid number", s.Name)
		}
		u.KeepaliveRequests = n
		return nil
	}
	d, err := ParseTime(s.Args[0])
	if err != nil {
		return invalidValue(s)
	}
	if s.Name == "keepalive_time" {
		u.KeepaliveTime = d
	} else {
		u.KeepaliveTimeout = d
	}
	return nil
}

// minZoneSize is nginx's 8 * ngx_pagesize.
const minZoneSize = 8 * 4096

// setZone is ngx_http_upstream_zone with ngx_shared_memory_add's size
// check: blocks may share a zone; a size given twice must agree.
func setZone(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	name := s.Args[0]
	if name == "" {
		return conf.Errorf(s, "invalid zone name \"%s\"", name)
	}
	var size int64
	if len(s.Args) == 2 {
		size = ParseSize(s.Args[1])
		if size < 0 {
			return conf.Errorf(s, "invalid zone size \"%s\"", s.Args[1])
		}
		if size < minZoneSize {
			return conf.Errorf(s, "zone \"%s\" is too small", name)
		}
		for _, o := range b.http.Upstreams {
			if o != u && o.Zone == name && o.ZoneSize != 0 && o.ZoneSize != size {
				return conf.Errorf(s, "the size %d of shared memory zone \"%s\" conflicts with already declared size %d", size, name, o.ZoneSize)
			}
		}
	}
	u.Zone, u.ZoneSize = name, size
	return nil
}

// finishUpstreams is the upstream module's init_main_conf: every group in
// order is checked (a block needs a primary server) or resolved (an
// implicit group's host), after the implicit groups that name a block
// defined later are linked to it. Zones declared without a size take the
// size another block gives them.
func (b *builder) finishUpstreams() error {
	h := b.http
	blocks := map[string]*Upstream{}
	for _, u := range h.Upstreams {
		if !u.Implicit {
			blocks[strings.ToLower(u.Name)] = u
		}
	}
	merged := map[*Upstream]*Upstream{}
	kept := h.Upstreams[:0]
	for _, u := range h.Upstreams {
		if blk, ok := blocks[strings.ToLower(u.Name)]; ok && u.Implicit && u.Port == 0 {
			merged[u] = blk
			continue
		}
		kept = append(kept, u)
	}
	h.Upstreams = kept
	if len(merged) > 0 {
		b.eachPass(func(p *Pass) {
			if blk, ok := merged[p.Upstream]; ok {
				p.Upstream = blk
			}
		})
	}
	for _, u := range h.Upstreams {
		if u.Implicit {
			if len(u.Servers) > 0 {
				continue // a unix socket
			}
			addrs, errText := resolveHost(u.Name, u.dport)
			if errText != "" {
				return &conf.Error{Msg: fmt.Sprintf("%s in upstream \"%s\" in %s:%d", errText, u.Name, u.File, u.Line)}
			}
			u.Servers = []*UpstreamServer{{
				File: u.File, Line: u.Line, Host: u.Name + ":" + strconv.Itoa(u.dport), Addrs: addrs,
				Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second,
			}}
			continue
		}
		if err := b.finishResolve(u); err != nil {
			return err
		}
		primary := false
		for _, s := range u.Servers {
			primary = primary || !s.Backup
		}
		if !primary && u.State == "" {
			return &conf.Error{Msg: fmt.Sprintf("no servers in upstream \"%s\" in %s:%d", u.Name, u.File, u.Line)}
		}
	}
	sizes := map[string]int64{}
	for _, u := range h.Upstreams {
		if u.Zone != "" && u.ZoneSize != 0 {
			sizes[u.Zone] = u.ZoneSize
		}
	}
	for _, u := range h.Upstreams {
		if u.Zone != "" && u.ZoneSize == 0 {
			u.ZoneSize = sizes[u.Zone]
		}
	}
	return nil
}

// checkZones is the size check of ngx_init_cycle's shared memory: a zone
// no block gave a size has none. nginx makes it once the whole
// configuration is read.
func (b *builder) checkZones() error {
	if b.cfg.HTTP == nil {
		return nil
	}
	for _, u := range b.cfg.HTTP.Upstreams {
		if u.Zone != "" && u.ZoneSize == 0 {
			return &conf.Error{Msg: fmt.Sprintf("zero size shared memory zone \"%s\"", u.Zone), Late: true}
		}
	}
	return nil
}

// parsedURL is what ngx_parse_url finds in an address.
type parsedURL struct {
	unix     bool
	host     string // socket path for unix, "[::1]" with brackets for IPv6
	port     int    // the port written, or the default
	portText string
	noPort   bool
	uri      string // with uriPart only
}

// parseURL is ngx_parse_url for upstream addresses (no_resolve): a unix
// socket "unix:/path" (with uriPart, a ":" ends the path), "[IPv6]:port",
// or "host:port". It returns nginx's error text ("invalid port", "no
// host", ...) or "".
func parseURL(text string, defPort int, uriPart bool) (parsedURL, string) {
	var u parsedURL
	if len(text) >= 5 && strings.EqualFold(text[:5], "unix:") {
		path := text[5:]
		if uriPart {
			if i := strings.IndexByte(path, ':'); i >= 0 {
				u.uri = path[i+1:]
				path = path[:i]
			}
		}
		if path == "" {
			return u, "no path in the unix domain socket"
		}
		if len(path)+1 > 108 {
			return u, "too long path in the unix domain socket"
		}
		u.unix, u.host = true, path
		return u, ""
	}
	if strings.HasPrefix(text, "[") {
		end := strings.IndexByte(text, ']')
		if end < 0 {
			return u, "invalid host"
		}
		rest := text[end+1:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			if !uriPart {
				return u, "invalid host"
			}
			u.uri, rest = rest[i:], rest[:i]
		}
		if rest != "" {
			if rest[0] != ':' {
				return u, "invalid host"
			}
			n, ok := atoi(rest[1:])
			if !ok || n < 1 || n > 65535 {
				return u, "invalid port"
			}
			u.port, u.portText = int(n), rest[1:]
		} else {
			u.noPort, u.port = true, defPort
		}
		addr := text[1:end]
		if addr == "" {
			return u, "no host"
		}
		if a, err := netip.ParseAddr(addr); err != nil || !a.Is6() || a.Zone() != "" {
			return u, "invalid IPv6 address"
		}
		u.host = text[:end+1]
		return u, ""
	}
	last := len(text)
	port := strings.IndexByte(text, ':')
	uri := strings.IndexByte(text, '/')
	if q := strings.IndexByte(text, '?'); q >= 0 && (uri < 0 || q < uri) {
		uri = q
	}
	if uri >= 0 {
		if !uriPart {
			return u, "invalid host"
		}
		u.uri, last = text[uri:], uri
		if uri < port {
			port = -1
		}
	}
	if port >= 0 {
		n, ok := atoi(text[port+1 : last])
		if !ok || n < 1 || n > 65535 {
			return u, "invalid port"
		}
		u.port, u.portText = int(n), text[port+1:last]
		last = port
	} else {
		u.noPort, u.port = true, defPort
	}
	if last == 0 {
		return u, "no host"
	}
	u.host = text[:last]
	return u, ""
}

// resolveTimeout bounds one name lookup at load.
const resolveTimeout = 30 * time.Second

// resolveHost is ngx_inet_resolve_host: an address literal, or every
// address the system resolver gives for a name (the hosts file first),
// IPv4 addresses first and IPv6 after, each in the resolver's order. As
// getaddrinfo with AI_ADDRCONFIG, a name gives no IPv6 (IPv4) address on
// a machine without a non-loopback address of that family, so
// "localhost" is 127.0.0.1 alone there even when the hosts file lists
// ::1 too.
func resolveHost(host string, port int) ([]UpstreamAddr, string) {
	name := host
	if strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]") {
		name = name[1 : len(name)-1]
	}
	var ips []netip.Addr
	if a, err := netip.ParseAddr(name); err == nil && a.Zone() == "" {
		ips = []netip.Addr{a}
	} else if a, ok := inetAton(name); ok {
		ips = []netip.Addr{a}
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
		defer cancel()
		res, err := net.DefaultResolver.LookupNetIP(ctx, "ip", name)
		if err != nil || len(res) == 0 {
			return nil, "host not found"
		}
		has4, has6 := addrConfig()
		for _, a := range res {
			if (a.Is4() || a.Is4In6()) && has4 {
				ips = append(ips, a.Unmap())
			}
		}
		for _, a := range res {
			if a.Is6() && !a.Is4In6() && has6 {
				ips = append(ips, a)
			}
		}
		if len(ips) == 0 {
			return nil, "host not found"
		}
	}
	addrs := make([]UpstreamAddr, 0, len(ips))
	for _, a := range ips {
		ap := netip.AddrPortFrom(a, uint16(port)).String()
		addrs = append(addrs, UpstreamAddr{Network: "tcp", Addr: ap, Name: ap})
	}
	return addrs, ""
}

// inetAton parses the short IPv4 forms getaddrinfo accepts through
// inet_aton ("1.2.3" is 1.2.0.3, "127.1" is 127.0.0.1, "0x7f.1"), which
// Go's resolver would send to DNS.
func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 || s == "" {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil || strings.ContainsAny(p, "+-_") {
			return netip.Addr{}, false
		}
		vals[i] = n
	}
	var v uint64
	for i, n := range vals[:len(vals)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (24 - 8*uint(i))
	}
	lastBits := 32 - 8*uint(len(vals)-1)
	last := vals[len(vals)-1]
	if last >= 1<<lastBits {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// addrConfig reports whether the machine has a non-loopback IPv4 and
// IPv6 address (glibc's __check_pf for AI_ADDRCONFIG). When the
// interfaces cannot be listed, or neither family has one, both families
// are kept, as getaddrinfo keeps them.
func addrConfig() (has4, has6 bool) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return true, true
	}
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() {
			continue
		}
		if n.IP.To4() != nil {
			has4 = true
		} else {
			has6 = true
		}
	}
	if !has4 && !has6 {
		// glibc filters nothing then
		return true, true
	}
	return has4, has6
}

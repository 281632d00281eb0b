package config

import (
	"fmt"
	"net/netip"
	"sort"

	"weir/internal/conf"
	"weir/internal/vars"
)

// Geo is a geo block (ngx_http_geo_ctx_t): a value for the client's
// address (or the address in a variable), looked up among networks, or
// among address ranges with "ranges". Values are plain strings.
type Geo struct {
	// Addr is the variable whose value is the address to look up, nil
	// for the client's (after realip).
	Addr *vars.Value
	// Proxies and ProxyRecursive: when the address is one of these, the
	// client's address is taken from X-Forwarded-For, as realip does.
	Proxies        []TrustedAddr
	ProxyRecursive bool

	Ranges bool
	// networks (without ranges): the radix trees, as prefixes
	nets        map[netip.Prefix]string
	lens4       uint64    // the prefix lengths of IPv4 networks in nets, as bits
	lens6       [3]uint64 // of IPv6 networks
	order       []netip.Prefix
	rangeBlocks map[uint32][]geoRange // ranges: by the high 16 bits, sorted
	Default     string                // ranges' default

	entries int // entries read, for Dump
}

// geoRange is ngx_http_geo_range_t: the low 16 bits of the first and
// last address of a range inside one /16.
type geoRange struct {
	start, end uint16
	value      string
}

// none4 is INADDR_NONE, what an address that is not one is looked up as.
const none4 = 0xffffffff

// Find returns the value for an address; ok false means the address did
// not parse (looked up as 255.255.255.255, nginx's INADDR_NONE). An
// IPv4-mapped IPv6 address is looked up as IPv4, as in
// ngx_http_geo_cidr_variable and ngx_http_geo_range_variable.
func (g *Geo) Find(a netip.Addr, ok bool) string {
	v4 := uint32(none4)
	if ok && (a.Is4() || a.Is4In6()) {
		b := a.Unmap().As4()
		v4 = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	} else if ok && !g.Ranges {
		return g.find6(a)
	}
	if g.Ranges {
		for _, r := range g.rangeBlocks[v4>>16] {
			if n := uint16(v4); n >= r.start && n <= r.end {
				return r.value
			}
		}
		return g.Default
	}
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(v4>>24), byte(v4>>16), byte(v4>>8), byte(v4)
	addr := netip.AddrFrom4(b)
	for l := 32; l >= 0; l-- {
		if g.lens4&(1<<l) == 0 {
			continue
		}
		if v, ok := g.nets[netip.PrefixFrom(addr, l).Masked()]; ok {
			return v
		}
	}
	return ""
}

func (g *Geo) find6(a netip.Addr) string {
	for l := 128; l >= 0; l-- {
		if g.lens6[l/64]&(1<<(l%64)) == 0 {
			continue
		}
		if v, ok := g.nets[netip.PrefixFrom(a, l).Masked()]; ok {
			return v
		}
	}
	return ""
}

func init() {
	register(Directive{Name: "geo", Ctx: CtxHTTP, Args: Block | Take12, Set: setGeo})
}

// setGeo is ngx_http_geo_block: [$address] $variable, then the block's
// statements, one by one as ngx_http_geo reads them.
func setGeo(b *builder, s *conf.Stmt) error {
	g := &Geo{nets: map[netip.Prefix]string{}}
	out := s.Args[0]
	if out == "" || out[0] != '$' {
		return conf.Errorf(s, "invalid variable name \"%s\"", out)
	}
	if len(s.Args) == 2 {
		// ngx_http_get_variable_index of the name, whatever its
		// characters: one that is no variable is unknown at the end
		v, err := b.compile(s, "${"+out[1:]+"}")
		if err != nil {
			if out == "$" {
				return conf.Errorf(s, "invalid variable name \"$\"")
			}
			v = &vars.Value{Raw: out, Parts: []vars.Part{vars.Ref(out[1:])}}
			b.values = append(b.values, v)
		}
		g.Addr, out = v, s.Args[1]
	}
	if _, err := b.declareBlockVar(s, out, nil, nil, g); err != nil {
		return err
	}
	hasDefault, cidr := false, false
	for _, st := range s.Block {
		if st.HasBlock {
			return conf.Errorf(st, "unexpected \"{\"")
		}
		args := append([]string{st.Name}, st.Args...)
		if len(args) == 1 {
			switch args[0] {
			case "ranges":
				if cidr {
					return conf.Errorf(st, "the \"ranges\" directive must be the first directive inside \"geo\" block")
				}
				g.Ranges = true
				continue
			case "proxy_recursive":
				if b.stream != nil {
					break // no proxies in the stream module's geo
				}
				g.ProxyRecursive = true
				continue
			}
		}
		if len(args) != 2 {
			// "include FILE" was read by the parser, as nginx's geo reads it
			return conf.Errorf(st, "invalid number of the geo parameters")
		}
		if args[0] == "proxy" && b.stream == nil {
			p, err := b.geoNet(st, args[1])
			if err != nil {
				return err
			}
			g.Proxies = append(g.Proxies, TrustedAddr{Net: p})
			continue
		}
		g.entries++
		var err error
		if g.Ranges {
			err = b.geoRangeEntry(st, g, args, &hasDefault)
		} else {
			cidr = true
			err = b.geoNetEntry(st, g, args)
		}
		if err != nil {
			return err
		}
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	if !g.Ranges {
		// the empty default of both trees, unless one was given
		for _, p := range []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)} {
			if _, ok := g.nets[p]; !ok {
				g.setNet(p, "")
			}
		}
	}
	return nil
}

// geoNet is ngx_http_geo_cidr_value: 255.255.255.255 (which
// ngx_ptocidr cannot read) or a network.
func (b *builder) geoNet(st *conf.Stmt, net string) (netip.Prefix, error) {
	if net == "255.255.255.255" {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), 32), nil
	}
	p, exact, err := parseCIDR(net)
	if err != nil {
		return netip.Prefix{}, conf.Errorf(st, "invalid network \"%s\"", net)
	}
	if !exact {
		b.warn(st, "low address bits of %s are meaningless", net)
	}
	return p, nil
}

func (g *Geo) setNet(p netip.Prefix, v string) {
	if _, ok := g.nets[p]; !ok {
		g.order = append(g.order, p)
	}
	g.nets[p] = v
	l := p.Bits()
	if p.Addr().Is4() {
		g.lens4 |= 1 << l
	} else {
		g.lens6[l/64] |= 1 << (l % 64)
	}
}

// geoNetEntry is ngx_http_geo_cidr and ngx_http_geo_cidr_add: "default",
// "delete NET" or "NET VALUE"; a network given again takes the new value
// with a warning.
func (b *builder) geoNetEntry(st *conf.Stmt, g *Geo, args []string) error {
	var nets []netip.Prefix
	net := args[0]
	switch net {
	case "default":
		nets = []netip.Prefix{netip.PrefixFrom(netip.IPv4Unspecified(), 0), netip.PrefixFrom(netip.IPv6Unspecified(), 0)}
	case "delete":
		p, err := b.geoNet(st, args[1])
		if err != nil {
			return err
		}
		if _, ok := g.nets[p]; !ok {
			b.warn(st, "no network \"%s\" to delete", args[1])
			return nil
		}
		delete(g.nets, p)
		return nil
	default:
		p, err := b.geoNet(st, net)
		if err != nil {
			return err
		}
		nets = []netip.Prefix{p}
	}
	for _, p := range nets {
		if old, ok := g.nets[p]; ok {
			b.warn(st, "duplicate network \"%s\", value: \"%s\", old value: \"%s\"", net, args[1], old)
		}
		g.setNet(p, args[1])
	}
	return nil
}

// geoRangeEntry is ngx_http_geo_range: "default", "delete A-B" or
// "A-B VALUE" with two IPv4 addresses.
func (b *builder) geoRangeEntry(st *conf.Stmt, g *Geo, args []string, hasDefault *bool) error {
	if args[0] == "default" {
		if *hasDefault {
			b.warn(st, "duplicate default geo range value: \"%s\", old value: \"%s\"", args[1], g.Default)
		}
		g.Default, *hasDefault = args[1], true
		return nil
	}
	if g.rangeBlocks == nil {
		g.rangeBlocks = map[uint32][]geoRange{}
	}
	net, del := args[0], false
	if net == "delete" {
		net, del = args[1], true
	}
	start, end, ok := parseGeoRange(net)
	if !ok {
		return conf.Errorf(st, "invalid range \"%s\"", net)
	}
	if del {
		if g.deleteRange(start, end) {
			b.warn(st, "no address range \"%s\" to delete", net)
		}
		return nil
	}
	return g.addRange(b, st, net, start, end, args[1])
}

// parseGeoRange reads "A-B" with two ngx_inet_addr addresses, A <= B.
func parseGeoRange(net string) (start, end uint32, ok bool) {
	for i := 0; i < len(net); i++ {
		if net[i] != '-' {
			continue
		}
		a, ok1 := inetAddr(net[:i])
		z, ok2 := inetAddr(net[i+1:])
		if !ok1 || !ok2 || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || z == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return 0, 0, false
		}
		x, y := a.As4(), z.As4()
		start = uint32(x[0])<<24 | uint32(x[1])<<16 | uint32(x[2])<<8 | uint32(x[3])
		end = uint32(y[0])<<24 | uint32(y[1])<<16 | uint32(y[2])<<8 | uint32(y[3])
		return start, end, start <= end
	}
	return 0, 0, false
}

// addRange is ngx_http_geo_add_range: the range is cut at /16
// boundaries; in each block it is added after, replaces, or is cut out of
// a range it lies inside with a common start or end, and any other
// overlap is an error.
func (g *Geo) addRange(b *builder, st *conf.Stmt, net string, start, end uint32, value string) error {
	for n := uint64(start); n <= uint64(end); n = (n + 0x10000) &^ 0xffff {
		h, s, e := rangePart(n, start, end)
		rs := g.rangeBlocks[h]
		done := false
		for i := len(rs) - 1; i >= 0 && !done; i-- {
			r := rs[i]
			switch {
			case e < r.start:
				continue
			case s > r.end:
				rs = slicesInsert(rs, i+1, geoRange{s, e, value})
			case s == r.start && e == r.end:
				b.warn(st, "duplicate range \"%s\", value: \"%s\", old value: \"%s\"", net, value, r.value)
				rs[i].value = value
			case s > r.start && e < r.end:
				rs = slicesInsert(rs, i+1, geoRange{s, e, value}, geoRange{e + 1, r.end, r.value})
				rs[i].end = s - 1
			case s == r.start && e < r.end:
				rs = slicesInsert(rs, i+1, geoRange{e + 1, r.end, r.value})
				rs[i].end, rs[i].value = e, value
			case s > r.start && e == r.end:
				rs = slicesInsert(rs, i+1, geoRange{s, e, value})
				rs[i].end = s - 1
			default:
				return conf.Errorf(st, "range \"%s\" overlaps \"%d.%d.%d.%d-%d.%d.%d.%d\"", net,
					h>>8, h&0xff, r.start>>8, r.start&0xff, h>>8, h&0xff, r.end>>8, r.end&0xff)
			}
			done = true
		}
		if !done {
			rs = slicesInsert(rs, 0, geoRange{s, e, value})
		}
		g.rangeBlocks[h] = rs
	}
	return nil
}

// deleteRange is ngx_http_geo_delete_range: it removes the ranges equal
// to the parts of [start, end] in each /16 and reports whether any part
// was missing (or met a range with a common start or end only).
func (g *Geo) deleteRange(start, end uint32) bool {
	warn := false
	for n := uint64(start); n <= uint64(end); n += 0x10000 {
		h, s, e := rangePart(n, start, end)
		rs, ok := g.rangeBlocks[h]
		if !ok {
			warn = true
			continue
		}
		for i := 0; i < len(rs); i++ {
			if s == rs[i].start && e == rs[i].end {
				rs = append(rs[:i], rs[i+1:]...)
				break
			}
			if s != rs[i].start && e != rs[i].end {
				continue
			}
			warn = true
		}
		g.rangeBlocks[h] = rs
	}
	return warn
}

// rangePart is the part of [start, end] in the /16 block of n: the
// block, and the low 16 bits of the part's first and last address.
func rangePart(n uint64, start, end uint32) (h uint32, s, e uint16) {
	h, e = uint32(n>>16), 0xffff
	if n == uint64(start) {
		s = uint16(n)
	}
	if n|0xffff > uint64(end) {
		e = uint16(end)
	}
	return h, s, e
}

func slicesInsert(rs []geoRange, i int, v ...geoRange) []geoRange {
	out := make([]geoRange, 0, len(rs)+len(v))
	out = append(out, rs[:i]...)
	out = append(out, v...)
	return append(out, rs[i:]...)
}

// dumpText shows the block for Dump: its settings, then the networks in
// the order first given (or the ranges in address order) with values.
func (g *Geo) dumpText() []string {
	var parts []string
	if g.Addr != nil {
		// compiled from "${name}"
		parts = append(parts, "$"+g.Addr.Raw[2:len(g.Addr.Raw)-1])
	}
	for _, p := range g.Proxies {
		parts = append(parts, "proxy="+p.String())
	}
	if g.ProxyRecursive {
		parts = append(parts, "proxy_recursive")
	}
	if g.Ranges {
		parts = append(parts, "ranges", "default="+quote(g.Default))
		highs := make([]uint32, 0, len(g.rangeBlocks))
		for h := range g.rangeBlocks {
			highs = append(highs, h)
		}
		sort.Slice(highs, func(i, j int) bool { return highs[i] < highs[j] })
		for _, h := range highs {
			for _, r := range g.rangeBlocks[h] {
				parts = append(parts, fmt.Sprintf("%d.%d.%d.%d-%d.%d.%d.%d=%s", h>>8, h&0xff, r.start>>8, r.start&0xff, h>>8, h&0xff, r.end>>8, r.end&0xff, quote(r.value)))
			}
		}
		return parts
	}
	for _, p := range g.order {
		if v, ok := g.nets[p]; ok {
			parts = append(parts, p.String()+"="+quote(v))
		}
	}
	return parts
}

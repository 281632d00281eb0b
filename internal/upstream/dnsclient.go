package upstream

import (
	"context"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// A small DNS client for the re-resolved servers, as nginx's resolver
// (ngx_resolver.c) asks: A and AAAA queries over UDP (ipv4=, ipv6=), or
// an SRV query and then the addresses of its targets; the name servers
// in turn until one answers within the resolver's timeout; the answer is
// valid for its least TTL, or the resolver's valid=.

const (
	rcodeNXDomain = 3
	rcodeTimedOut = 110 // NGX_RESOLVE_TIMEDOUT is ETIMEDOUT
)

type dnsClient struct {
	servers    []string
	timeout    time.Duration
	valid      time.Duration // valid=; 0 = the TTL
	ipv4, ipv6 bool
}

// dnsAddr is one address found: for SRV records with the record's port,
// weight, priority and target name.
type dnsAddr struct {
	ip       netip.Addr
	port     int
	weight   int
	priority int
	name     string
}

type dnsResult struct {
	addrs      []dnsAddr
	valid      time.Time
	code       int // 0, an rcode, or rcodeTimedOut
	targetErrs []targetErr
}

type targetErr struct {
	name string
	code int
}

// resolve finds the addresses of name, or those of its service's SRV
// records.
func (c *dnsClient) resolve(ctx context.Context, name, service string) dnsResult {
	if service == "" {
		addrs, ttl, code := c.addrs(ctx, name)
		res := dnsResult{code: code, valid: c.validUntil(ttl)}
		for _, ip := range rotate(addrs) {
			res.addrs = append(res.addrs, dnsAddr{ip: ip})
		}
		return res
	}
	q, err := dnsmessage.NewName(fqdn(serviceName(service, name)))
	if err != nil {
		return dnsResult{code: 1}
	}
	msg, code := c.exchange(ctx, q, dnsmessage.TypeSRV)
	res := dnsResult{code: code}
	if code != 0 {
		return res
	}
	type srv struct {
		target                 string
		port, weight, priority int
	}
	var srvs []srv
	ttl := uint32(0)
	first := true
	for _, a := range msg.Answers {
		r, ok := a.Body.(*dnsmessage.SRVResource)
		if !ok {
			continue
		}
		if first || a.Header.TTL < ttl {
			ttl, first = a.Header.TTL, false
		}
		srvs = append(srvs, srv{strings.TrimSuffix(r.Target.String(), "."), int(r.Port), int(r.Weight), int(r.Priority)})
	}
	if len(srvs) == 0 {
		res.code = rcodeNXDomain
		return res
	}
	res.valid = c.validUntil(ttl)
	sort.SliceStable(srvs, func(i, j int) bool { return srvs[i].priority < srvs[j].priority })
	for _, s := range srvs {
		if s.target == "" {
			continue
		}
		ips, _, code := c.addrs(ctx, s.target)
		if code != 0 {
			res.targetErrs = append(res.targetErrs, targetErr{s.target, code})
			continue
		}
		for _, ip := range ips {
			res.addrs = append(res.addrs, dnsAddr{ip: ip, port: s.port, weight: max(s.weight, 1), priority: s.priority, name: s.target})
		}
	}
	return res
}

func (c *dnsClient) validUntil(ttl uint32) time.Time {
	if c.valid > 0 {
		return time.Now().Add(c.valid)
	}
	return time.Now().Add(time.Duration(ttl) * time.Second)
}

// addrs asks for the IPv4 and IPv6 addresses of name; a name without
// either is not found.
func (c *dnsClient) addrs(ctx context.Context, name string) ([]netip.Addr, uint32, int) {
	if a, err := netip.ParseAddr(name); err == nil {
		return []netip.Addr{a}, 0, 0
	}
	q, err := dnsmessage.NewName(fqdn(name))
	if err != nil {
		return nil, 0, 1
	}
	var out []netip.Addr
	ttl := uint32(0)
	first := true
	code := 0
	for _, typ := range []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA} {
		if (typ == dnsmessage.TypeA && !c.ipv4) || (typ == dnsmessage.TypeAAAA && !c.ipv6) {
			continue
		}
		msg, rc := c.exchange(ctx, q, typ)
		if rc != 0 {
			if code == 0 {
				code = rc
			}
			continue
		}
		for _, a := range msg.Answers {
			var ip netip.Addr
			switch r := a.Body.(type) {
			case *dnsmessage.AResource:
				ip = netip.AddrFrom4(r.A)
			case *dnsmessage.AAAAResource:
				ip = netip.AddrFrom16(r.AAAA)
			default:
				continue
			}
			if first || a.Header.TTL < ttl {
				ttl, first = a.Header.TTL, false
			}
			out = append(out, ip)
		}
	}
	if len(out) > 0 {
		return out, ttl, 0
	}
	if code == 0 {
		code = rcodeNXDomain
	}
	return nil, 0, code
}

// exchange sends one query to the name servers in turn until one
// answers, within the resolver's timeout.
func (c *dnsClient) exchange(ctx context.Context, name dnsmessage.Name, typ dnsmessage.Type) (*dnsmessage.Message, int) {
	if len(c.servers) == 0 {
		return nil, rcodeTimedOut
	}
	timeout := c.timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	id := uint16(time.Now().UnixNano())
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	_ = b.StartQuestions()
	_ = b.Question(dnsmessage.Question{Name: name, Type: typ, Class: dnsmessage.ClassINET})
	query, err := b.Finish()
	if err != nil {
		return nil, 1
	}
	// each server gets an even share of the time, a second at least
	per := max(timeout/time.Duration(len(c.servers)), time.Second)
	for i := 0; ctx.Err() == nil; i++ {
		server := c.servers[i%len(c.servers)]
		if msg, ok := c.ask(ctx, server, query, id, per); ok {
			if msg.Header.RCode != dnsmessage.RCodeSuccess {
				return nil, int(msg.Header.RCode)
			}
			return msg, 0
		}
	}
	return nil, rcodeTimedOut
}

func (c *dnsClient) ask(ctx context.Context, server string, query []byte, id uint16, per time.Duration) (*dnsmessage.Message, bool) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", server)
	if err != nil {
		t := time.NewTimer(min(per, 100*time.Millisecond))
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return nil, false
	}
	defer conn.Close()
	deadline := time.Now().Add(per)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(query); err != nil {
		return nil, false
	}
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, false
		}
		var msg dnsmessage.Message
		if msg.Unpack(buf[:n]) != nil || msg.Header.ID != id || !msg.Header.Response {
			continue
		}
		return &msg, true
	}
}

func fqdn(name string) string {
	if strings.HasSuffix(name, ".") {
		return name
	}
	return name + "."
}

package upstream

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
)

// Servers re-resolved at run time (nginx 1.27.3, "server NAME resolve"
// and "service=", ngx_http_upstream_zone_resolve_timer and
// _resolve_handler): one resolver per such server line asks the group's
// resolver for the name's addresses (or its SRV records) when the last
// answer's TTL (or the resolver's valid=) has run out, and changes the
// group's peers live through the same add and remove as the runtime API:
// a peer whose address is still there keeps its state (connections,
// failures, weights), a new one is added at the end of its tier, one no
// longer there leaves it. With service=, the records of the lowest
// priority are primary peers and the others backup ones, when the
// balancing method has backup servers.

// resolving is a Set's resolvers.
type resolving struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// resolveHost is one re-resolved server line of a group.
type resolveHost struct {
	g      *Group
	sv     *config.UpstreamServer // the server line: the new peers' settings
	t      *tier                  // the tier its line is in
	log    *errlog.Logger
	dns    *dnsClient
	server int // the server line's identity (hash consistent)
}

// startResolvers starts the resolvers of the re-resolved servers of
// groups with a zone; the first resolution is at once.
func (s *Set) startResolvers(log *errlog.Logger) {
	for _, g := range s.list {
		u := g.Upstream
		if !g.dyn.on {
			continue
		}
		for _, sv := range u.Servers {
			if sv == nil || sv.ResolveHost == "" {
				continue
			}
			valid, ipv4, ipv6 := config.ResolverOptions(u.Resolver)
			h := &resolveHost{
				g: g, sv: sv, t: g.primary, log: log,
				dns: &dnsClient{
					servers: config.ResolverServers(u.Resolver),
					timeout: u.ResolverTimeout, valid: valid, ipv4: ipv4, ipv6: ipv6,
				},
				server: g.dyn.nextSv,
			}
			g.dyn.nextSv++
			if sv.Backup && g.backup != nil {
				h.t = g.backup
			}
			if s.resolving.stop == nil {
				s.resolving.stop = make(chan struct{})
			}
			s.resolving.wg.Add(1)
			go h.run(s.resolving.stop, &s.resolving.wg)
		}
	}
}

// stopResolvers ends the resolvers and waits for them.
func (s *Set) stopResolvers() {
	if s.resolving.stop != nil {
		close(s.resolving.stop)
		s.resolving.wg.Wait()
	}
}

func (h *resolveHost) run(stop chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-stop
		cancel()
	}()
	wait := time.Millisecond
	for Sleep(stop, wait) {
		res := h.dns.resolve(ctx, h.sv.ResolveHost, h.sv.Service)
		if ctx.Err() != nil {
			return
		}
		wait = h.apply(res)
	}
}

// retry is the wait after a failure other than "not found": the
// resolver's timeout, a second at least.
func (h *resolveHost) retry() time.Duration {
	return max(h.dns.timeout, time.Second)
}

// apply is ngx_http_upstream_zone_resolve_handler: it logs the errors,
// changes the peers and returns the time until the next resolution.
func (h *resolveHost) apply(res dnsResult) time.Duration {
	name, service := h.sv.ResolveHost, h.sv.Service
	for _, e := range res.targetErrs {
		h.logf("%s could not be resolved (%d: %s) while resolving service %s of %s", e.name, e.code, rcodeText(e.code), service, name)
	}
	addrs := res.addrs
	if res.code != 0 {
		if service != "" {
			h.logf("service %s of %s could not be resolved (%d: %s)", service, name, res.code, rcodeText(res.code))
		} else {
			h.logf("%s could not be resolved (%d: %s)", name, res.code, rcodeText(res.code))
		}
		if res.code != rcodeNXDomain {
			return h.retry()
		}
		addrs = nil
	}
	g := h.g
	g.mu.Lock()
	minPrio := 65535
	for _, a := range addrs {
		minPrio = min(minPrio, a.priority)
	}
	marked := make([]bool, len(addrs))
	changed := h.update(h.t, addrs, marked, false, minPrio)
	if service != "" && h.t == g.primary && g.backup != nil {
		changed = h.update(g.backup, addrs, marked, true, minPrio) || changed
	}
	if changed {
		g.changed()
	}
	g.mu.Unlock()
	if changed {
		g.signal()
	}
	now := time.Now().Unix()
	if v := res.valid.Unix(); v > now {
		return time.Duration(v-now+1) * time.Second
	}
	return time.Second
}

// update makes the peers of the host in tier t those of the addresses of
// its class (backup: not of the lowest priority): the ones kept are
// marked. The caller holds the lock; it reports whether t changed.
func (h *resolveHost) update(t *tier, addrs []dnsAddr, marked []bool, backup bool, minPrio int) bool {
	service := h.sv.Service != ""
	changed := false
	for _, peer := range append([]*Peer(nil), t.peers...) {
		if peer.rhost != h {
			continue
		}
		kept := false
		for i, a := range addrs {
			if marked[i] || (a.priority != minPrio) != backup || !h.same(peer, a) {
				continue
			}
			marked[i], kept = true, true
			break
		}
		if !kept {
			removePeer(peer)
			changed = true
		}
	}
	for i, a := range addrs {
		if marked[i] || (a.priority != minPrio) != backup {
			continue
		}
		marked[i] = true
		sv := *h.sv
		sv.Addrs = nil
		st := ServerSettings{
			Weight: sv.Weight, MaxConns: sv.MaxConns, MaxFails: sv.MaxFails, FailTimeout: sv.FailTimeout,
			SlowStart: sv.SlowStart, Route: sv.Route, Backup: t == h.g.backup, Down: sv.Down, Drain: sv.Drain,
		}
		port := h.sv.ResolvePort
		if service {
			sv.Host, port = a.name, a.port
			if h.sv.Weight == 1 {
				st.Weight = a.weight
			}
		}
		ap := netip.AddrPortFrom(a.ip, uint16(port)).String()
		peer := h.g.addPeer(t, &sv, config.UpstreamAddr{Network: "tcp", Addr: ap, Name: ap}, st, h.server)
		peer.rhost = h
		changed = true
	}
	return changed
}

// same reports whether peer stands for address a: the same IP address;
// for SRV records the same port and target name, and the same weight
// when the server line gives none.
func (h *resolveHost) same(peer *Peer, a dnsAddr) bool {
	ap, err := netip.ParseAddrPort(peer.Addr)
	if err != nil || ap.Addr() != a.ip {
		return false
	}
	if h.sv.Service == "" {
		return true
	}
	return int(ap.Port()) == a.port && peer.Server.Host == a.name &&
		(h.sv.Weight != 1 || peer.Weight == max(a.weight, 1))
}

func (h *resolveHost) logf(format string, args ...any) {
	if h.log.Enabled(errlog.Error) {
		h.log.Logf(errlog.Error, 0, format, args...)
	}
}

// rcodeText is ngx_resolver_strerror.
func rcodeText(code int) string {
	switch code {
	case 1:
		return "Format error"
	case 2:
		return "Server failure"
	case rcodeNXDomain:
		return "Host not found"
	case 4:
		return "Unimplemented"
	case 5:
		return "Operation refused"
	case rcodeTimedOut:
		return "Operation timed out"
	}
	return "Unknown error"
}

// serviceName is the SRV name nginx asks for: "_service._tcp.name", or
// "service.name" when the service has a dot already.
func serviceName(service, name string) string {
	for i := 0; i < len(service); i++ {
		if service[i] == '.' {
			return service + "." + name
		}
	}
	return "_" + service + "._tcp." + name
}

// rotate turns the addresses from a random one on, as nginx's resolver
// hands them out.
func rotate[T any](s []T) []T {
	if len(s) < 2 {
		return s
	}
	i := rand.IntN(len(s))
	return append(append([]T(nil), s[i:]...), s[:i]...)
}

// keepBackup reports whether the group keeps a backup tier without
// backup servers: one with a server to re-resolve whose method has backup
// servers (nginx makes the tier for the SRV records of other priorities).
func keepBackup(u *config.Upstream) bool {
	if u.Zone == "" || (u.Method != "" && u.Method != "least_conn" && u.Method != "least_time") {
		return false
	}
	if u.State != "" {
		// servers (backup ones too) come and go with the API
		return true
	}
	for _, sv := range u.Servers {
		if sv != nil && sv.ResolveHost != "" {
			return true
		}
	}
	return false
}

// Sleep waits for d, or until stop is closed; it reports whether the
// time passed.
func Sleep(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-t.C:
		return true
	}
}

package httpd

import (
	"net/netip"
	"strconv"
	"strings"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/upstream"
)

// defaultProxyHeaders are the header names the proxy module always sets
// itself (ngx_http_proxy_headers): the client's are never passed, and the
// module's own value goes out unless proxy_set_header names them.
var defaultProxyHeaders = [...]string{"host", "connection", "content-length", "transfer-encoding", "te", "keep-alive", "expect", "upgrade"}

// proxyTarget finds the group and the URI for proxy_pass
// (ngx_http_proxy_handler, ngx_http_proxy_eval). It answers the client
// itself and reports false when there is no usable target.
func (q *request) proxyTarget(p *config.Pass) bool {
	px := q.px
	px.scheme = p.Scheme
	if px.tr.gateway() {
		return q.gatewayTarget(p)
	}
	if p.Value == nil {
		px.grp = q.snap.ups.Group(p.Upstream)
		px.host, px.port = p.Host, p.Port
		px.uri = q.proxyURI(p)
		return px.grp != nil
	}
	url := q.eval(p.Value)
	lower := strings.ToLower(url)
	// ngx_http_proxy_eval: the prefix must be followed by something
	switch {
	case len(url) > 7 && strings.HasPrefix(lower, "http://"):
		px.scheme, url = "http://", url[7:]
	case len(url) > 8 && strings.HasPrefix(lower, "https://"):
		px.scheme, url = "https://", url[8:]
	default:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "invalid URL prefix in \"%s\"%s", url, q.logSuffix())
		q.respondStatus(500)
		return false
	}
	host, uri := url, ""
	hasURI := false
	if strings.HasPrefix(host, "unix:") {
		if i := strings.IndexByte(host[5:], ':'); i >= 0 {
			host, uri, hasURI = host[:5+i], host[5+i+1:], true
		}
	} else if i := strings.IndexAny(host, "/?"); i >= 0 {
		host, uri, hasURI = host[:i], host[i:], true
	}
	if host == "" {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "no host in upstream \"%s\"%s", url, q.logSuffix())
		q.respondStatus(500)
		return false
	}
	px.host = host
	name, port, hasPort := host, "", false
	if !strings.HasPrefix(host, "unix:") {
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
			name, port, hasPort = host[:i], host[i+1:], true
		}
	}
	if !hasPort {
		port = "80"
		if px.scheme == "https://" {
			port = "443"
		}
	}
	px.port = port
	if g := q.snap.ups.Lookup(name); g != nil && !hasPort {
		px.grp = g
	} else if g := q.snap.adhocGroup(host, name, port); g != nil {
		px.grp = g
	} else {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "no resolver defined to resolve %s%s", name, q.logSuffix())
		q.respondStatus(502)
		return false
	}
	if hasURI && uri != "" {
		px.uri = uri
	} else {
		px.uri = q.proxyURI(p)
	}
	return true
}

// proxyURI is the URI ngx_http_proxy_create_request sends: the client's
// URI as sent while it is unchanged and proxy_pass has no URI part; with a
// URI part, that part replaces the location's prefix of the current URI
// (unless a "rewrite ... break" changed the URI, which then goes as a
// whole); args are appended.
func (q *request) proxyURI(p *config.Pass) string {
	if !p.HasURI || p.Value != nil {
		if !q.internal && !q.argsSetVar && q.r.RawURI != "" {
			return q.r.RawURI
		}
		u := q.proxyEscape(q.uri)
		if q.args != "" {
			u += "?" + q.args
		}
		return u
	}
	prefix := q.eval(p.URI)
	locLen := p.LocationLen
	if q.locChanged {
		prefix, locLen = "", 0
	}
	rest := q.uri
	if locLen <= len(rest) {
		rest = rest[locLen:]
	} else {
		rest = ""
	}
	u := prefix + q.proxyEscape(rest)
	if q.args != "" {
		u += "?" + q.args
	}
	return u
}

// proxyEscape is the escaping of the current URI in the upstream's
// request line: ngx_http_proxy_create_request escapes it only when the
// client's URI had a %-escape (r->quoted_uri) or the request is internal
// (a rewrite, an internal redirect); otherwise the bytes go as they are,
// a raw byte above 0x7f included.
func (q *request) proxyEscape(uri string) string {
	raw, _, _ := strings.Cut(q.r.RawURI, "?")
	if q.internal || strings.IndexByte(raw, '%') >= 0 {
		return escapeURI.escape(uri)
	}
	return uri
}

// buildProxyRequest writes the request line and header the upstream gets
// (ngx_http_proxy_create_request) into px.reqHead.
func (q *request) buildProxyRequest() {
	px := q.px
	pl := &q.lc.Proxy
	b := px.reqHead[:0]
	method := q.method
	if px.cs != nil && px.cs.get {
		// HEAD changed to GET to cache the response
		method = "GET"
	} else if pl.Method.V != nil {
		method = q.eval(pl.Method.V)
	}
	px.method = method
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, px.uri...)
	minor := 1
	if pl.HTTPVersion.V == "1.0" {
		minor = 0
	}
	px.minor = minor
	if minor == 0 {
		b = append(b, " HTTP/1.0\r\n"...)
	} else {
		b = append(b, " HTTP/1.1\r\n"...)
	}
	params := pl.Params.V
	set := func(name string) bool {
		for _, hp := range params {
			if strings.EqualFold(hp.Name, name) {
				return true
			}
		}
		return false
	}
	for _, hp := range params {
		v := q.eval(hp.Value)
		if v == "" {
			continue
		}
		b = appendHeader(b, hp.Name, v)
	}
	// the module's own headers that proxy_set_header did not name
	if !set("host") {
		b = appendHeader(b, "Host", px.host)
	}
	if !set("connection") && minor == 0 {
		b = appendHeader(b, "Connection", "close")
	}
	if !set("content-length") && px.bodyLen >= 0 {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, px.bodyLen, 10)
		b = append(b, "\r\n"...)
	}
	if !set("transfer-encoding") && px.chunkedBody {
		b = appendHeader(b, "Transfer-Encoding", "chunked")
	}
	caching := px.cs != nil && px.cs.cacheable
	if caching {
		b = q.appendCacheHeaders(b, set)
	}
	if pl.PassRequestHeaders.V {
	next:
		for _, h := range q.r.Headers {
			for _, d := range defaultProxyHeaders {
				if strings.EqualFold(h.Name, d) {
					continue next
				}
			}
			if caching && cacheRequestHeader(h.Name) {
				continue
			}
			if set(h.Name) {
				continue
			}
			b = appendHeader(b, h.Name, h.Value)
		}
	}
	b = append(b, "\r\n"...)
	px.reqHead = b
}

func appendHeader(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ": "...)
	b = append(b, value...)
	return append(b, "\r\n"...)
}

// adhocGroup returns a group of one address for a proxy_pass with
// variables that named an IP address or a unix socket rather than an
// upstream block (nginx makes such a peer per request; weir keeps one
// per address so its connections can be reused).
func (s *Snapshot) adhocGroup(host, name, port string) *upstream.Group {
	s.adhocMu.Lock()
	defer s.adhocMu.Unlock()
	if g, ok := s.adhoc[host]; ok {
		return g
	}
	var a config.UpstreamAddr
	if strings.HasPrefix(host, "unix:") {
		a = config.UpstreamAddr{Network: "unix", Addr: host[5:], Name: host}
	} else {
		ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]"))
		pn, perr := strconv.Atoi(port)
		if err != nil || perr != nil || pn <= 0 || pn > 65535 {
			return nil
		}
		ap := netip.AddrPortFrom(ip, uint16(pn)).String()
		a = config.UpstreamAddr{Network: "tcp", Addr: ap, Name: ap}
	}
	if len(s.adhoc) >= 1024 {
		// bound the cache: forget it all
		for _, old := range s.adhocSets {
			old.Close()
		}
		s.adhoc, s.adhocSets = map[string]*upstream.Group{}, nil
	}
	u := &config.Upstream{Name: host, Implicit: true, Keepalive: 32, KeepaliveLocal: false,
		KeepaliveRequests: 1000, KeepaliveTime: 3600e9, KeepaliveTimeout: 60e9,
		Servers: []*config.UpstreamServer{{Host: host, Addrs: []config.UpstreamAddr{a}, Weight: 1, MaxFails: 1, FailTimeout: 10e9}}}
	set := upstream.NewSet([]*config.Upstream{u}, upstream.Options{})
	s.adhocSets = append(s.adhocSets, set)
	g := set.Group(u)
	s.adhoc[host] = g
	return g
}

// gatewayTarget finds the group of fastcgi_pass and its siblings: an
// upstream block, an implicit group, or with variables a group by name or
// an address.
func (q *request) gatewayTarget(p *config.Pass) bool {
	px := q.px
	px.uri = "" // their log context names no URI
	if p.Value == nil {
		px.grp = q.snap.ups.Group(p.Upstream)
		px.host, px.port = p.Host, p.Port
		return px.grp != nil
	}
	host := q.eval(p.Value)
	for _, pre := range append([]string{"fastcgi://", "uwsgi://", "suwsgi://", "scgi://", "memcached://"}, grpcPrefixes...) {
		if len(host) > len(pre) && strings.EqualFold(host[:len(pre)], pre) {
			// "suwsgi://" evaluated at run time makes the connection
			// TLS, as ngx_http_uwsgi_eval sets u->ssl
			host = host[len(pre):]
			if px.tr.overTLS(pre) {
				px.scheme = pre
			}
			break
		}
	}
	px.host = host
	name, port := host, ""
	if !strings.HasPrefix(host, "unix:") {
		if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
			name, port = host[:i], host[i+1:]
		}
	}
	px.port = port
	if g := q.snap.ups.Lookup(host); g != nil {
		px.grp = g
		return true
	}
	if g := q.snap.adhocGroup(host, name, port); g != nil {
		px.grp = g
		return true
	}
	q.log().Logf(errlog.Error, q.r.Conn.ID, "no resolver defined to resolve %s%s", name, q.logSuffix())
	q.respondStatus(502)
	return false
}

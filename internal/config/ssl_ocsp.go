package config

import (
	"crypto/x509"
	"fmt"

	"weir/internal/conf"
	"weir/internal/tlsconf"
)

// ocspZone is ngx_shared_memory_add for an ssl_ocsp_cache zone: a name
// of another use is refused, a size given twice must agree.
func (b *builder) ocspZone(s *conf.Stmt, name string, size int64) error {
	h := b.http
	other := h.otherZone(name)
	for _, z := range h.LimitZones {
		other = other || z.Name == name
	}
	if other {
		return conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", name)
	}
	if old, ok := h.ocspZones[name]; ok && old != size {
		return conf.Errorf(s, "the size %d of shared memory zone \"%s\" conflicts with already declared size %d", size, name, old)
	}
	if h.ocspZones == nil {
		h.ocspZones = map[string]int64{}
	}
	h.ocspZones[name] = size
	return nil
}

// stapling is ngx_ssl_stapling for a server's certificates: each gets
// its stapler, or nginx's warning (without a position) when stapling is
// ignored for it; an unreadable ssl_stapling_file stops the load.
func (b *builder) stapling(c *SSLSrv, o *tlsconf.Options, certs []string, resolver bool) error {
	so := tlsconf.StaplingOptions{Responder: c.StaplingResponder.V, Verify: c.StaplingVerify.V, Resolver: resolver}
	if c.StaplingFile.V != "" {
		so.File = b.fullConf(c.StaplingFile.V)
	}
	store := append(append([]*x509.Certificate(nil), o.ClientCAs...), o.Trusted...)
	o.Staplers = make([]*tlsconf.Stapler, len(o.Certs))
	for i := range o.Certs {
		st, warn, err := tlsconf.NewStapler(&o.Certs[i], b.fullConf(certs[i]), so, store, o.Now)
		if err != nil {
			return &conf.Error{Msg: err.Error()}
		}
		if warn != "" {
			b.warnings = append(b.warnings, &conf.Error{Msg: warn})
		}
		o.Staplers[i] = st
	}
	return nil
}

// sslOCSP is the ssl_ocsp part of ngx_http_ssl_merge_srv_conf and
// ngx_ssl_ocsp: not with optional_no_ca; ssl_ocsp_responder must be an
// http:// URL whose host resolves now.
func (b *builder) sslOCSP(c *SSLSrv, o *tlsconf.Options, caches sslCaches) error {
	if c.OCSP.V == "off" {
		return nil
	}
	if c.VerifyClient.V == "optional_no_ca" {
		return &conf.Error{Msg: "\"ssl_ocsp\" is incompatible with \"ssl_verify_client optional_no_ca\""}
	}
	oo := &tlsconf.OCSPOptions{Leaf: c.OCSP.V == "leaf", Resolver: caches.resolver}
	if u := c.OCSPResponder.V; u != "" {
		r, err := tlsconf.ParseResponder(u, true)
		if err != nil {
			if err.Error() == "invalid URL prefix" {
				return &conf.Error{Msg: fmt.Sprintf("invalid URL prefix in OCSP responder \"%s\" in \"ssl_ocsp_responder\"", u)}
			}
			return &conf.Error{Msg: fmt.Sprintf("%s in OCSP responder \"%s\" in \"ssl_ocsp_responder\"", err, u[7:])}
		}
		oo.Responder = &r
	}
	if z := c.OCSPCache.V; z.Name != "" {
		if caches.ocsp[z.Name] == nil {
			caches.ocsp[z.Name] = tlsconf.NewOCSPCache(z.Size)
		}
		oo.Cache = caches.ocsp[z.Name]
	}
	o.OCSP = oo
	return nil
}

// otherZone reports whether name is the shared zone of an upstream
// block, a cache or ssl_session_cache.
func (h *HTTP) otherZone(name string) bool {
	for _, u := range h.Upstreams {
		if u.Zone == name {
			return true
		}
	}
	for _, c := range h.CacheZones {
		if c.Name == name {
			return true
		}
	}
	_, ok := h.sslZones[name]
	return ok
}

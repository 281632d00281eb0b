package tlsconf

import (
	"crypto/sha1"
	"crypto/x509"
	"fmt"
	"math"
	"sync"
	"time"

	"weir/internal/errlog"
)

// OCSPOptions are ssl_ocsp's settings (nginx 1.19.0): client
// certificates are checked with their OCSP responders after the chain is
// verified.
type OCSPOptions struct {
	Leaf      bool       // ssl_ocsp leaf: the client's certificate only
	Responder *Responder // ssl_ocsp_responder; nil for each certificate's own
	Cache     *OCSPCache // ssl_ocsp_cache; nil for none
	Resolver  bool       // a resolver is configured for the server
}

// ocspClientTimeout bounds one request to a responder; nginx sets no
// timer for the requests of client certificates.
const ocspClientTimeout = 60 * time.Second

// OCSP failure texts of $ssl_client_verify (ngx_ssl_ocsp_get_status).
const (
	ocspFailed  = "certificate status request failed"
	ocspRevoked = "certificate revoked"
	ocspUnknown = "certificate status unknown"
)

// OCSPCache is an ssl_ocsp_cache zone: certificate statuses by
// certificate ID until their nextUpdate (an hour without one).
type OCSPCache struct {
	mu    sync.Mutex
	max   int
	m     map[string]ocspCacheEntry
	order []string
}

type ocspCacheEntry struct {
	status int
	valid  int64
}

// NewOCSPCache makes a cache zone of size bytes.
func NewOCSPCache(size int64) *OCSPCache {
	return &OCSPCache{max: max(int(size/128), 1), m: map[string]ocspCacheEntry{}}
}

// ocspCacheKey is ngx_ssl_ocsp_create_key: the SHA-1 of the issuer's
// name and key, and the serial number's bytes.
func ocspCacheKey(cert, issuer *x509.Certificate) string {
	nh := sha1.Sum(issuer.RawSubject)
	return string(nh[:]) + string(keyHash(issuer)) + string(cert.SerialNumber.Bytes())
}

func (c *OCSPCache) lookup(key string, now int64) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return 0, false
	}
	if e.valid > now {
		return e.status, true
	}
	delete(c.m, key)
	return 0, false
}

func (c *OCSPCache) store(key string, status int, valid, now int64) {
	if valid < now {
		return
	}
	if valid == math.MaxInt64 {
		valid = now + 3600
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok {
		for len(c.m) >= c.max && len(c.order) > 0 {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.order = append(c.order, key)
	}
	c.m[key] = ocspCacheEntry{status: status, valid: valid}
}

// ocspValidate is ngx_ssl_ocsp_validate and ngx_ssl_ocsp_validate_next
// for a verified chain (the client's certificate first, the trusted one
// last): each certificate but the last (only the first with leaf) is
// asked about, in order, until one is not good. It returns "" when all
// are good, else the failure of $ssl_client_verify.
func (s *Site) ocspValidate(chain []*x509.Certificate, log *errlog.Logger, conn uint64, where string) string {
	o := s.ocsp
	now := s.now()
	for i := 0; i < len(chain)-1; i++ {
		if o.Leaf && i == 1 {
			break
		}
		cert, issuer := chain[i], chain[i+1]
		r := o.Responder
		if r == nil {
			var msg string
			if r, msg = certResponder(cert); r == nil {
				log.Log(errlog.Error, conn, msg+where)
				return ocspFailed
			}
		}
		key := ocspCacheKey(cert, issuer)
		if o.Cache != nil {
			if status, ok := o.Cache.lookup(key, now.Unix()); ok {
				if status != OCSPGood {
					return ocspFailure(status)
				}
				continue
			}
		}
		l := &ocspLog{log: log, conn: conn, host: r.Host}
		req, err := ocspRequest(cert, issuer)
		if err != nil {
			return ocspFailed
		}
		code, body := r.fetch(req, ocspClientTimeout, o.Resolver, l)
		if code != 200 {
			return ocspFailed
		}
		k := ocspCheck{cert: cert, issuer: issuer, chain: chain, roots: s.Roots, now: s.now()}
		res, err := k.verify(body)
		if err != nil {
			l.printf(errlog.Error, "%s", err)
			return ocspFailed
		}
		if o.Cache != nil {
			valid := int64(math.MaxInt64)
			if !res.next.IsZero() {
				valid = res.next.Unix()
			}
			o.Cache.store(key, res.status, valid, s.now().Unix())
		}
		if res.status != OCSPGood {
			return ocspFailure(res.status)
		}
	}
	return ""
}

func ocspFailure(status int) string {
	if status == OCSPRevoked {
		return ocspRevoked
	}
	return ocspUnknown
}

// certResponder is ngx_ssl_ocsp_responder for a certificate without
// ssl_ocsp_responder: the first OCSP URL of its authority information,
// not resolved now; msg is the error nginx logs without one.
func certResponder(cert *x509.Certificate) (*Responder, string) {
	if len(cert.OCSPServer) == 0 {
		return nil, "no OCSP responder URL in certificate"
	}
	url := cert.OCSPServer[0]
	r, err := ParseResponder(url, false)
	if err != nil {
		if err.Error() == "invalid URL prefix" {
			return nil, fmt.Sprintf("invalid URL prefix in OCSP responder \"%s\" in certificate", url)
		}
		return nil, fmt.Sprintf("%s in OCSP responder \"%s\" in certificate", err, url[7:])
	}
	return &r, ""
}

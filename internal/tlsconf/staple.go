package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"weir/internal/errlog"
)

// StaplingOptions are a server's ssl_stapling settings.
type StaplingOptions struct {
	File      string // ssl_stapling_file, the full path; "" for none
	Responder string // ssl_stapling_responder; "" for the certificate's own
	Verify    bool   // ssl_stapling_verify
	Resolver  bool   // a resolver is configured for the server
}

// Stapler holds the OCSP response stapled to the handshakes of one
// certificate (ngx_ssl_stapling_t): read from ssl_stapling_file, or
// fetched from the responder by the first handshake that asks for one
// and refreshed by the handshakes after it, in the background, as
// ngx_ssl_certificate_status_callback and ngx_ssl_stapling_update do.
type Stapler struct {
	name     string // the certificate's file, for the log
	resp     *Responder
	check    ocspCheck
	resolver bool
	now      func() time.Time

	mu      sync.Mutex
	staple  []byte
	valid   int64 // Unix seconds the staple holds until
	refresh int64 // no update before this second
	loading bool
}

// stapleTimeout is nginx's staple->timeout: 60 seconds for the responder.
const stapleTimeout = 60 * time.Second

// NewStapler is ngx_ssl_stapling_certificate for cert, loaded from the
// file name. store are the server's trusted certificates (the SSL_CTX's
// store: ssl_client_certificate and ssl_trusted_certificate). It returns
// nil and nginx's warning when stapling is ignored for the certificate,
// and an error nginx stops at (a staple file it cannot read).
func NewStapler(cert *tls.Certificate, name string, o StaplingOptions, store []*x509.Certificate, now func() time.Time) (*Stapler, string, error) {
	if now == nil {
		now = time.Now
	}
	st := &Stapler{name: name, resolver: o.Resolver, now: now}
	if o.File != "" {
		b, err := bioRead(o.File, "rb")
		if err != nil {
			return nil, "", fmt.Errorf("BIO_new_file(\"%s\") failed (%v)", o.File, err)
		}
		if parseOCSPResponse(b) != nil {
			return nil, "", fmt.Errorf("d2i_OCSP_RESPONSE_bio(\"%s\") failed (SSL: error:068000A8:asn1 encoding routines::wrong tag error:0688010A:asn1 encoding routines::nested asn1 error:Type=OCSP_RESPONSE)", o.File)
		}
		st.staple, st.valid = b, math.MaxInt64
		return st, "", nil
	}
	if len(cert.Certificate) == 0 {
		return nil, "", nil
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, "", nil
	}
	var chain []*x509.Certificate
	for _, der := range cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			chain = append(chain, c)
		}
	}
	issuer := findIssuer(leaf, chain)
	if issuer == nil {
		issuer = findIssuer(leaf, store)
	}
	if issuer == nil {
		return nil, fmt.Sprintf("\"ssl_stapling\" ignored, issuer certificate not found for certificate \"%s\"", name), nil
	}
	url := o.Responder
	if url == "" {
		if len(leaf.OCSPServer) == 0 {
			return nil, fmt.Sprintf("\"ssl_stapling\" ignored, no OCSP responder URL in the certificate \"%s\"", name), nil
		}
		url = leaf.OCSPServer[0]
	}
	r, err := ParseResponder(url, true)
	if err != nil {
		if err.Error() == "invalid URL prefix" {
			return nil, fmt.Sprintf("\"ssl_stapling\" ignored, invalid URL prefix in OCSP responder \"%s\" in the certificate \"%s\"", url, name), nil
		}
		return nil, fmt.Sprintf("\"ssl_stapling\" ignored, %s in OCSP responder \"%s\" in the certificate \"%s\"", err, url[7:], name), nil
	}
	st.resp = &r
	st.check = ocspCheck{cert: leaf, issuer: issuer, chain: chain, noVerify: !o.Verify, trustOther: o.Verify}
	if len(store) > 0 {
		st.check.roots = Pool(store)
	}
	return st, "", nil
}

// findIssuer is X509_check_issued over certs: the one whose subject is
// leaf's issuer and whose key identifier (when both have one) matches.
func findIssuer(leaf *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if !bytes.Equal(c.RawSubject, leaf.RawIssuer) {
			continue
		}
		if len(leaf.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(leaf.AuthorityKeyId, c.SubjectKeyId) {
			continue
		}
		return c
	}
	return nil
}

// Staple is ngx_ssl_certificate_status_callback: the response to staple
// to a handshake whose client asked for one (nil when there is none or it
// has expired), and an update started when one is due.
func (st *Stapler) Staple(log *errlog.Logger) []byte {
	now := st.now().Unix()
	st.mu.Lock()
	var out []byte
	if len(st.staple) > 0 && st.valid >= now {
		out = st.staple
	}
	start := st.resp != nil && !st.loading && st.refresh < now
	if start {
		st.loading = true
	}
	st.mu.Unlock()
	if start {
		go st.update(log)
	}
	return out
}

// update is ngx_ssl_stapling_update and its handler: a good answer is
// kept until its nextUpdate and refreshed five minutes before it (at
// most an hour on, at least five minutes on); a failure is tried again
// in five minutes.
func (st *Stapler) update(log *errlog.Logger) {
	l := &ocspLog{log: log, host: st.resp.Host, name: st.name}
	var staple []byte
	valid := int64(0)
	if req, err := ocspRequest(st.check.cert, st.check.issuer); err == nil {
		code, body := st.resp.fetch(req, stapleTimeout, st.resolver, l)
		if code == 200 {
			k := st.check
			k.now = st.now()
			res, err := k.verify(body)
			switch {
			case err != nil:
				l.printf(errlog.Error, "%s", err)
			case res.status != OCSPGood:
				l.printf(errlog.Error, "certificate status \"%s\" in the OCSP response", ocspStatusText(res.status))
			default:
				staple, valid = slices.Clone(body), math.MaxInt64
				if !res.next.IsZero() {
					valid = res.next.Unix()
				}
			}
		}
	}
	now := st.now().Unix()
	st.mu.Lock()
	defer st.mu.Unlock()
	st.loading = false
	if staple == nil {
		st.refresh = now + 300
		return
	}
	st.staple, st.valid = staple, valid
	st.refresh = max(min(valid-300, now+3600), now+300)
}

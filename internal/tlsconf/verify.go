package tlsconf

import (
	"bytes"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"time"
)

// OpenSSL's X509_V_ERR codes and texts for the failures weir reports;
// nginx logs them as "(CODE:TEXT)" and $ssl_client_verify shows
// "FAILED:TEXT".
const (
	ErrUnspecified       = 1
	ErrGetCRL            = 3
	ErrNotYetValid       = 9
	ErrExpired           = 10
	ErrCRLExpired        = 12
	ErrDepthZeroSelfSign = 18
	ErrSelfSignedInChain = 19
	ErrLocalIssuer       = 20
	ErrLeafSignature     = 21
	ErrChainTooLong      = 22
	ErrRevoked           = 23
	ErrPurpose           = 26
)

var verifyTexts = map[int]string{
	ErrUnspecified:       "unspecified certificate verification error",
	ErrGetCRL:            "unable to get certificate CRL",
	ErrNotYetValid:       "certificate is not yet valid",
	ErrExpired:           "certificate has expired",
	ErrCRLExpired:        "CRL has expired",
	ErrDepthZeroSelfSign: "self-signed certificate",
	ErrSelfSignedInChain: "self-signed certificate in certificate chain",
	ErrLocalIssuer:       "unable to get local issuer certificate",
	ErrLeafSignature:     "unable to verify the first certificate",
	ErrChainTooLong:      "certificate chain too long",
	ErrRevoked:           "certificate revoked",
	ErrPurpose:           "unsupported certificate purpose",
}

// VerifyResult is the outcome of checking a client certificate.
type VerifyResult struct {
	HasCert bool
	Code    int // 0 = verified
	// OCSP is ssl_ocsp's failure of a verified chain ("certificate
	// revoked", ...), "" when its certificates are good or not asked.
	OCSP string

	chain []*x509.Certificate // the verified chain, trusted one last
}

// Failed reports whether the certificate was refused, by the chain's
// check or by ssl_ocsp.
func (r VerifyResult) Failed() bool { return r.HasCert && (r.Code != 0 || r.OCSP != "") }

// Text is $ssl_client_verify: "NONE", "SUCCESS" or "FAILED:reason".
func (r VerifyResult) Text() string {
	switch {
	case !r.HasCert:
		return "NONE"
	case r.Code == 0 && r.OCSP != "":
		return "FAILED:" + r.OCSP
	case r.Code == 0:
		return "SUCCESS"
	}
	return "FAILED:" + verifyTexts[r.Code]
}

// LogText is nginx's "(CODE:TEXT)" of a failure, or ssl_ocsp's text.
func (r VerifyResult) LogText() string {
	if r.Code == 0 && r.OCSP != "" {
		return r.OCSP
	}
	return "(" + strconv.Itoa(r.Code) + ":" + verifyTexts[r.Code] + ")"
}

// IssuerOnly reports whether the failure is one ssl_verify_client
// optional_no_ca lets pass (ngx_ssl_verify_error_optional): the issuer
// is unknown or the certificate signs itself.
func (r VerifyResult) IssuerOnly() bool {
	switch r.Code {
	case ErrDepthZeroSelfSign, ErrSelfSignedInChain, ErrLocalIssuer, ErrLeafSignature, 2:
		return true
	}
	return false
}

// ClientVerify checks the client's certificate of c against the site of
// its handshake, once per connection.
func (c *Conn) ClientVerify() VerifyResult {
	c.verifyOnce.Do(func() {
		if c.state == nil || c.site == nil {
			return
		}
		c.verify = c.site.check(c.state.PeerCertificates)
		if c.site.ocsp != nil && c.verify.HasCert && c.verify.Code == 0 {
			where := " while SSL handshaking, client: " + hostOf(c.RemoteAddr()) + ", server: " + c.LocalAddr().String()
			c.verify.OCSP = c.site.ocspValidate(c.verify.chain, c.site.log.Load(), c.logID, where)
		}
	})
	return c.verify
}

// check verifies a peer chain as OpenSSL does for nginx: against the
// configured CAs, for client use, at most Depth certificates above the
// client's, each checked against the CRLs when ssl_crl is set.
func (s *Site) check(peer []*x509.Certificate) VerifyResult {
	return s.verifyChain(peer, x509.ExtKeyUsageClientAuth)
}

// checkServer checks an upstream server's chain.
func (s *Site) checkServer(peer []*x509.Certificate) VerifyResult {
	return s.verifyChain(peer, x509.ExtKeyUsageServerAuth)
}

var nowFunc = time.Now

func (s *Site) verifyChain(peer []*x509.Certificate, usage x509.ExtKeyUsage) VerifyResult {
	if len(peer) == 0 {
		return VerifyResult{}
	}
	r := VerifyResult{HasCert: true}
	leaf := peer[0]
	now := s.now()
	if s.Roots == nil {
		r.Code = unknownIssuer(peer)
		return r
	}
	inter := x509.NewCertPool()
	for _, c := range peer[1:] {
		inter.AddCert(c)
	}
	// a trusted intermediate may also lead on to its root, as in
	// OpenSSL's store
	for _, c := range s.trusted {
		if !selfSigned(c) {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots: s.Roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{usage},
	})
	if err != nil {
		var ci x509.CertificateInvalidError
		var ua x509.UnknownAuthorityError
		switch {
		case errors.As(err, &ci) && ci.Reason == x509.Expired:
			r.Code = ErrExpired
			if now.Before(ci.Cert.NotBefore) {
				r.Code = ErrNotYetValid
			}
		case errors.As(err, &ci) && ci.Reason == x509.IncompatibleUsage:
			r.Code = ErrPurpose
		case errors.As(err, &ua):
			r.Code = unknownIssuer(peer)
			// OpenSSL goes on after a chain that ends in an untrusted
			// self-signed certificate and checks it against the CRLs
			// too; a failure there is the one reported.
			if n := selfSignedEnd(peer); n > 0 && len(s.CRLs) > 0 {
				if code := s.checkCRLs(peer[:n], now.Unix()); code != 0 {
					r.Code = code
				}
			}
		default:
			r.Code = ErrUnspecified
		}
		return r
	}
	// OpenSSL builds the chain up to a self-signed root when the store
	// has one, even past a trusted intermediate; the shortest such chain.
	chain := chains[0]
	for _, ch := range chains[1:] {
		rootCh, rootBest := selfSigned(ch[len(ch)-1]), selfSigned(chain[len(chain)-1])
		if rootCh && !rootBest || rootCh == rootBest && len(ch) < len(chain) {
			chain = ch
		}
	}
	// ssl_verify_depth limits the intermediate certificates: neither
	// the client's nor the trust anchor count.
	if len(chain)-2 > s.Depth {
		r.Code = ErrChainTooLong
		return r
	}
	r.chain = chain
	if len(s.CRLs) > 0 {
		r.Code = s.checkCRLs(chain, now.Unix())
	}
	return r
}

// unknownIssuer names why a chain without a trusted issuer fails.
func unknownIssuer(peer []*x509.Certificate) int {
	if selfSigned(peer[0]) {
		return ErrDepthZeroSelfSign
	}
	for _, c := range peer[1:] {
		if selfSigned(c) {
			return ErrSelfSignedInChain
		}
	}
	if len(peer) == 1 {
		return ErrLeafSignature
	}
	return ErrLocalIssuer
}

// selfSignedEnd is the length of the peer's chain up to its first
// self-signed certificate, 0 when it has none.
func selfSignedEnd(peer []*x509.Certificate) int {
	for i, c := range peer {
		if selfSigned(c) {
			return i + 1
		}
	}
	return 0
}

// selfSigned is OpenSSL's notion (EXFLAG_SS): issued by its own name,
// an authority key id (if any) that is its own subject key id, a key
// usage (if any) that allows signing certificates, and its own key
// signed it. Unlike Go's CheckSignatureFrom it does not ask for a CA.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) || c.KeyUsage != 0 && c.KeyUsage&x509.KeyUsageCertSign == 0 {
		return false
	}
	if len(c.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId) {
		return false
	}
	return c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// checkCRLs is OpenSSL's check with X509_V_FLAG_CRL_CHECK_ALL, which
// nginx sets with ssl_crl: every certificate of the chain, the root
// included, needs a current CRL from its issuer that does not list it.
// nginx's callback lets OpenSSL go on after a failure, so the failure
// reported is that of the last certificate that failed.
func (s *Site) checkCRLs(chain []*x509.Certificate, now int64) int {
	last := 0
	for i := range chain {
		if code := s.checkCRL(chain, i, now); code != 0 {
			last = code
		}
	}
	return last
}

// checkCRL checks chain[i] against the CRL of its issuer.
func (s *Site) checkCRL(chain []*x509.Certificate, i int, now int64) int {
	c, issuer := chain[i], chain[i]
	if i+1 < len(chain) {
		issuer = chain[i+1]
	}
	var crl *x509.RevocationList
	for _, l := range s.CRLs {
		if sameBytes(l.RawIssuer, c.RawIssuer) && l.CheckSignatureFrom(issuer) == nil {
			crl = l
			break
		}
	}
	if crl == nil {
		return ErrGetCRL
	}
	if !crl.NextUpdate.IsZero() && crl.NextUpdate.Unix() < now {
		return ErrCRLExpired
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
			return ErrRevoked
		}
	}
	return 0
}

// SetLogID names the connection in the log lines of its OCSP requests.
func (c *Conn) SetLogID(id uint64) { c.logID = id }

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	return a.String()
}

package tlsconf

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// The OCSP messages of RFC 6960 that nginx's ngx_event_openssl_stapling
// sends and reads through OpenSSL: a request for one certificate, and a
// basic response, checked as OCSP_basic_verify, OCSP_resp_find_status
// and OCSP_check_validity do.

// OCSP certificate statuses (V_OCSP_CERTSTATUS_*).
const (
	OCSPGood    = 0
	OCSPRevoked = 1
	OCSPUnknown = 2
)

// ocspStatusText is OCSP_cert_status_str.
func ocspStatusText(n int) string {
	switch n {
	case OCSPGood:
		return "good"
	case OCSPRevoked:
		return "revoked"
	}
	return "unknown"
}

// ocspResponseStatusText is OCSP_response_status_str.
func ocspResponseStatusText(n int) string {
	switch n {
	case 0:
		return "successful"
	case 1:
		return "malformedrequest"
	case 2:
		return "internalerror"
	case 3:
		return "trylater"
	case 5:
		return "sigrequired"
	case 6:
		return "unauthorized"
	}
	return "(UNKNOWN)"
}

type ocspCertID struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	NameHash      []byte
	KeyHash       []byte
	Serial        *big.Int
}

type ocspRequestASN1 struct {
	TBS ocspTBSRequest
}

type ocspTBSRequest struct {
	Version  int `asn1:"explicit,tag:0,default:0,optional"`
	Requests []ocspSingleRequest
}

type ocspSingleRequest struct {
	Cert ocspCertID
}

type ocspResponseASN1 struct {
	Status asn1.Enumerated
	Bytes  ocspResponseBytes `asn1:"explicit,tag:0,optional"`
}

type ocspResponseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type ocspBasicResponse struct {
	Data      ocspResponseData
	Algorithm pkix.AlgorithmIdentifier
	Signature asn1.BitString
	Certs     []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type ocspResponseData struct {
	Raw         asn1.RawContent
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []ocspSingleResponse
	Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type ocspSingleResponse struct {
	CertID     ocspCertID
	Good       asn1.Flag        `asn1:"tag:0,optional"`
	Revoked    ocspRevokedInfo  `asn1:"tag:1,optional"`
	Unknown    asn1.Flag        `asn1:"tag:2,optional"`
	ThisUpdate time.Time        `asn1:"generalized"`
	NextUpdate time.Time        `asn1:"generalized,explicit,tag:0,optional"`
	Extensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type ocspRevokedInfo struct {
	Time   time.Time       `asn1:"generalized"`
	Reason asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

var (
	oidSHA1          = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidOCSPBasic     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	ocspSignatureAlg = map[string]x509.SignatureAlgorithm{
		"1.2.840.113549.1.1.5":  x509.SHA1WithRSA,
		"1.2.840.113549.1.1.11": x509.SHA256WithRSA,
		"1.2.840.113549.1.1.12": x509.SHA384WithRSA,
		"1.2.840.113549.1.1.13": x509.SHA512WithRSA,
		"1.2.840.10045.4.1":     x509.ECDSAWithSHA1,
		"1.2.840.10045.4.3.2":   x509.ECDSAWithSHA256,
		"1.2.840.10045.4.3.3":   x509.ECDSAWithSHA384,
		"1.2.840.10045.4.3.4":   x509.ECDSAWithSHA512,
		"1.3.101.112":           x509.PureEd25519,
	}
)

// keyHash is the SHA-1 of a certificate's subjectPublicKey bits, as
// OCSP's issuerKeyHash and byKey responder IDs take it.
func keyHash(c *x509.Certificate) []byte {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	h := sha1.Sum(spki.Key.RightAlign())
	return h[:]
}

// newCertID is OCSP_cert_to_id with SHA-1, OpenSSL's default.
func newCertID(cert, issuer *x509.Certificate) ocspCertID {
	nh := sha1.Sum(issuer.RawSubject)
	return ocspCertID{
		HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA1, Parameters: asn1.NullRawValue},
		NameHash:      nh[:],
		KeyHash:       keyHash(issuer),
		Serial:        cert.SerialNumber,
	}
}

func (id ocspCertID) equal(o ocspCertID) bool {
	return id.HashAlgorithm.Algorithm.Equal(o.HashAlgorithm.Algorithm) && bytes.Equal(id.NameHash, o.NameHash) &&
		bytes.Equal(id.KeyHash, o.KeyHash) && id.Serial != nil && o.Serial != nil && id.Serial.Cmp(o.Serial) == 0
}

// ocspRequest is the DER request for cert (i2d_OCSP_REQUEST).
func ocspRequest(cert, issuer *x509.Certificate) ([]byte, error) {
	return asn1.Marshal(ocspRequestASN1{TBS: ocspTBSRequest{Requests: []ocspSingleRequest{{Cert: newCertID(cert, issuer)}}}})
}

// ocspCheck is what the checks of one response need: the certificate
// and its issuer, the certificates a signer may be found among first
// (chain), the trusted store, and OpenSSL's flags as nginx sets them.
type ocspCheck struct {
	cert, issuer *x509.Certificate
	chain        []*x509.Certificate
	roots        *x509.CertPool
	noVerify     bool // OCSP_NOVERIFY: ssl_stapling_verify off
	trustOther   bool // OCSP_TRUSTOTHER: ssl_stapling_verify on
	now          time.Time
}

// ocspResult is a checked response: the certificate's status and until
// when it holds (zero: no nextUpdate).
type ocspResult struct {
	status int
	next   time.Time
}

// ocspError is a failure worded as nginx logs it.
type ocspError string

func (e ocspError) Error() string { return string(e) }

// sslError is nginx's ngx_ssl_error text for an OpenSSL failure.
func sslError(call, code, reason string) ocspError {
	return ocspError(fmt.Sprintf("%s failed (SSL: error:%s:%s)", call, code, reason))
}

// verify is ngx_ssl_ocsp_verify on the body of a 200 answer.
func (k *ocspCheck) verify(der []byte) (ocspResult, error) {
	var resp ocspResponseASN1
	rest, err := asn1.Unmarshal(der, &resp)
	if err != nil || len(rest) > 0 {
		return ocspResult{}, sslError("d2i_OCSP_RESPONSE()", "0680007B", "asn1 encoding routines::header too long")
	}
	if resp.Status != 0 {
		return ocspResult{}, ocspError(fmt.Sprintf("OCSP response not successful (%d: %s)", resp.Status, ocspResponseStatusText(int(resp.Status))))
	}
	var basic ocspBasicResponse
	if !resp.Bytes.Type.Equal(oidOCSPBasic) {
		return ocspResult{}, sslError("OCSP_response_get1_basic()", "1380006C", "OCSP routines::not basic response")
	}
	if _, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil {
		return ocspResult{}, sslError("OCSP_response_get1_basic()", "0680007B", "asn1 encoding routines::header too long")
	}
	if err := k.basicVerify(&basic); err != nil {
		return ocspResult{}, err
	}
	id := newCertID(k.cert, k.issuer)
	for _, r := range basic.Data.Responses {
		if !id.equal(r.CertID) {
			continue
		}
		res := ocspResult{status: OCSPGood, next: r.NextUpdate}
		switch {
		case bool(r.Unknown):
			res.status = OCSPUnknown
		case !bool(r.Good):
			res.status = OCSPRevoked
		}
		// OCSP_check_validity with five minutes of leeway, no maximum age
		const skew = 300 * time.Second
		switch {
		case r.ThisUpdate.After(k.now.Add(skew)):
			return res, sslError("OCSP_check_validity()", "1380007E", "OCSP routines::status not yet valid")
		case !r.NextUpdate.IsZero() && r.NextUpdate.Before(k.now.Add(-skew)):
			return res, sslError("OCSP_check_validity()", "1380007D", "OCSP routines::status expired")
		case !r.NextUpdate.IsZero() && r.NextUpdate.Before(r.ThisUpdate):
			return res, sslError("OCSP_check_validity()", "1380007C", "OCSP routines::nextupdate before thisupdate")
		}
		return res, nil
	}
	return ocspResult{}, ocspError("certificate status not found in the OCSP response")
}

// basicVerify is OCSP_basic_verify: the signer, found among the chain's
// certificates and then the response's by the responder ID, must have
// signed the response and (unless noVerify, or trustOther and it was in
// the chain) lead to a trusted certificate.
func (k *ocspCheck) basicVerify(b *ocspBasicResponse) error {
	var included []*x509.Certificate
	for _, raw := range b.Certs {
		if c, err := x509.ParseCertificate(raw.FullBytes); err == nil {
			included = append(included, c)
		}
	}
	rid := b.Data.ResponderID
	match := func(c *x509.Certificate) bool {
		switch rid.Tag {
		case 1:
			return bytes.Equal(c.RawSubject, rid.Bytes)
		case 2:
			var h []byte
			if _, err := asn1.Unmarshal(rid.Bytes, &h); err != nil {
				return false
			}
			return bytes.Equal(keyHash(c), h)
		}
		return false
	}
	var signer *x509.Certificate
	trusted := false
	for _, c := range k.chain {
		if match(c) {
			signer, trusted = c, k.trustOther
			break
		}
	}
	if signer == nil {
		for _, c := range included {
			if match(c) {
				signer = c
				break
			}
		}
	}
	if signer == nil {
		return sslError("OCSP_basic_verify()", "13800076", "OCSP routines::signer certificate not found")
	}
	alg, ok := ocspSignatureAlg[b.Algorithm.Algorithm.String()]
	if !ok || signer.CheckSignature(alg, b.Data.Raw, b.Signature.RightAlign()) != nil {
		return sslError("OCSP_basic_verify()", "13800075", "OCSP routines::signature failure")
	}
	if k.noVerify || trusted {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range append(append([]*x509.Certificate(nil), included...), k.chain...) {
		inter.AddCert(c)
	}
	roots := k.roots
	if roots == nil {
		roots = x509.NewCertPool()
	}
	_, err := signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: k.now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return sslError("OCSP_basic_verify()", "13800065", "OCSP routines::certificate verify error:Verify error:"+signerVerifyText(signer, err))
	}
	return nil
}

// signerVerifyText is X509_verify_cert_error_string for a signer that
// does not lead to a trusted certificate.
func signerVerifyText(signer *x509.Certificate, err error) string {
	var ci x509.CertificateInvalidError
	if errors.As(err, &ci) && ci.Reason == x509.Expired {
		return verifyTexts[ErrExpired]
	}
	if selfSigned(signer) {
		return verifyTexts[ErrDepthZeroSelfSign]
	}
	return verifyTexts[ErrLocalIssuer]
}

// parseOCSPResponse checks a staple file's response for ssl_stapling_file:
// it must be an OCSP response (d2i_OCSP_RESPONSE_bio), nothing more.
func parseOCSPResponse(der []byte) error {
	var resp ocspResponseASN1
	rest, err := asn1.Unmarshal(der, &resp)
	if err != nil || len(rest) > 0 {
		return errors.New("not an OCSP response")
	}
	return nil
}

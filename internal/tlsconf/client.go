package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
)

// ClientOptions are a location's proxy_ssl_* settings, read and loaded.
type ClientOptions struct {
	MinVersion   uint16
	MaxVersion   uint16
	Ciphers      []uint16
	Cert         *tls.Certificate // proxy_ssl_certificate
	Verify       bool             // proxy_ssl_verify
	Depth        int              // proxy_ssl_verify_depth
	Roots        *x509.CertPool   // proxy_ssl_trusted_certificate; nil: the system's
	CRLs         []*x509.RevocationList
	SessionReuse bool
	// ALPN is the list of protocols the handshake offers, nil for none
	// (nginx sets u->ssl_alpn_protocol to "h2" for proxy_http_version 2
	// and offers nothing otherwise).
	ALPN []string
}

// Client makes TLS connections to upstream servers.
type Client struct {
	o     ClientOptions
	cache tls.ClientSessionCache
}

// NewClient prepares the TLS client of one location.
func NewClient(o ClientOptions) *Client {
	c := &Client{o: o}
	if o.SessionReuse {
		c.cache = tls.NewLRUClientSessionCache(64)
	}
	return c
}

// VerifyError is a failed check of an upstream's certificate, worded as
// nginx logs it.
type VerifyError struct{ Msg string }

func (e *VerifyError) Error() string { return e.Msg }

// Handshake runs the client handshake on raw (ngx_http_upstream_ssl_init_connection):
// sni is sent when not empty (proxy_ssl_server_name on), name is what the
// certificate must match with proxy_ssl_verify on.
func (c *Client) Handshake(ctx context.Context, raw net.Conn, sni, name string) (*tls.Conn, error) {
	o := c.o
	cfg := &tls.Config{
		ServerName:         sni,
		MinVersion:         o.MinVersion,
		MaxVersion:         o.MaxVersion,
		CipherSuites:       o.Ciphers,
		InsecureSkipVerify: true, // checked below, as nginx checks: only with proxy_ssl_verify on
		ClientSessionCache: c.cache,
		NextProtos:         o.ALPN,
	}
	if o.Cert != nil {
		cert := o.Cert
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	if o.Verify {
		// checked once the handshake is done, as nginx does: a
		// failure closes the connection without an alert
		if err := c.verify(tc.ConnectionState(), name); err != nil {
			return nil, err
		}
	}
	return tc, nil
}

// verify is ngx_ssl_check_host after SSL_get_verify_result.
func (c *Client) verify(cs tls.ConnectionState, name string) error {
	if len(cs.PeerCertificates) == 0 {
		return &VerifyError{"upstream SSL certificate verify error: (50:application verification failure)"}
	}
	s := &Site{Roots: c.o.Roots, CRLs: c.o.CRLs, Depth: c.o.Depth, now: nowFunc}
	if s.Roots == nil {
		sys, err := x509.SystemCertPool()
		if err != nil {
			return fmt.Errorf("upstream SSL certificate verify error: %v", err)
		}
		s.Roots = sys
	}
	r := s.checkServer(cs.PeerCertificates)
	if r.Code != 0 {
		return &VerifyError{"upstream SSL certificate verify error: " + r.LogText()}
	}
	if err := cs.PeerCertificates[0].VerifyHostname(name); err != nil {
		return &VerifyError{fmt.Sprintf("upstream SSL certificate does not match \"%s\"", name)}
	}
	return nil
}

// IsVerifyError reports whether err is a failed certificate check.
func IsVerifyError(err error) (string, bool) {
	var v *VerifyError
	if errors.As(err, &v) {
		return v.Msg, true
	}
	return "", false
}

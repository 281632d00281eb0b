package tlsconf

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/errlog"
)

// Verify is ssl_verify_client.
type Verify int

const (
	VerifyOff Verify = iota
	VerifyOn
	VerifyOptional
	VerifyOptionalNoCA
)

// Options are one server block's TLS settings, read and loaded.
type Options struct {
	Certs []tls.Certificate
	// Templates replace Certs when the paths name the server name; the
	// pairs are loaded per handshake with Passwords.
	Templates      []Template
	Passwords      []string
	MinVersion     uint16
	MaxVersion     uint16
	Ciphers        []uint16 // nil: Go's defaults
	Curves         []tls.CurveID
	SessionTimeout time.Duration
	Tickets        bool
	TicketKeys     [][32]byte
	Cache          *SessionCache // ssl_session_cache builtin or shared; nil: none or off
	Verify         Verify
	ClientCAs      []*x509.Certificate // ssl_client_certificate: trusted and sent to clients
	Trusted        []*x509.Certificate // ssl_trusted_certificate: trusted, not sent
	CRLs           []*x509.RevocationList
	Depth          int
	PreferServer   bool // ssl_prefer_server_ciphers
	Reject         bool // ssl_reject_handshake on
	// Staplers are ssl_stapling's, one per certificate of Certs (nil
	// for a certificate without stapling).
	Staplers []*Stapler
	OCSP     *OCSPOptions // ssl_ocsp; nil when off
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Site is what a handshake needs of one server block: the tls.Config
// and how client certificates are checked.
type Site struct {
	Config *tls.Config // nil when the block has no certificate
	Reject bool
	Verify Verify
	Roots  *x509.CertPool
	CRLs   []*x509.RevocationList
	Depth  int
	now    func() time.Time

	trusted []*x509.Certificate // the certificates of Roots

	ocsp *OCSPOptions
	log  atomic.Pointer[errlog.Logger] // for OCSP requests (SetLog)

	// opts and certs (the certificates for a hello) let ForHello choose
	// the TLS 1.2 cipher suite as OpenSSL does.
	opts  Options
	certs func(h *tls.ClientHelloInfo) ([]tls.Certificate, error)
}

// alpn are the protocols nginx's ngx_http_ssl_alpn_select accepts for
// HTTP/1.x; a client offering none of them is refused, as nginx does
// since 1.21.4.
var alpn = []string{"http/1.1", "http/1.0", "http/0.9"}

// NewSite builds the tls.Config of o.
func NewSite(o Options) *Site {
	s := &Site{Reject: o.Reject, Verify: o.Verify, CRLs: o.CRLs, Depth: o.Depth, now: o.Now, ocsp: o.OCSP}
	if s.now == nil {
		s.now = time.Now
	}
	if len(o.ClientCAs)+len(o.Trusted) > 0 {
		s.trusted = append(append([]*x509.Certificate(nil), o.ClientCAs...), o.Trusted...)
		s.Roots = Pool(s.trusted)
	}
	if len(o.Certs) == 0 && len(o.Templates) == 0 {
		return s
	}
	certs := o.Certs
	var dyn *dynamic
	if len(o.Templates) > 0 {
		dyn = &dynamic{templates: o.Templates, passwords: o.Passwords, cache: map[string]*loaded{}}
	}
	s.opts = o
	s.certs = func(h *tls.ClientHelloInfo) ([]tls.Certificate, error) {
		if dyn != nil {
			return dyn.load(h.ServerName)
		}
		return certs, nil
	}
	c := &tls.Config{
		MinVersion:       o.MinVersion,
		MaxVersion:       o.MaxVersion,
		CipherSuites:     o.Ciphers,
		CurvePreferences: o.Curves,
		NextProtos:       alpn,
		Time:             s.now,
		// Several certificates (RSA and ECDSA): the first one the
		// client can use, by key type and signature algorithms only,
		// as OpenSSL chooses; Go's own choice would also insist on the
		// server name.
		GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
			list, err := s.certs(h)
			if err != nil {
				return nil, err
			}
			return s.staple(h, pickCertificate(h, list, o)), nil
		},
	}
	if o.Verify != VerifyOff {
		// Every certificate is taken in the handshake and checked
		// afterwards, so that a bad one gives nginx's 400 page (495)
		// rather than a failed handshake.
		c.ClientAuth = tls.RequestClientCert
		if len(o.ClientCAs) > 0 {
			c.ClientCAs = Pool(o.ClientCAs)
		}
	}
	if len(o.TicketKeys) > 0 {
		c.SetSessionTicketKeys(o.TicketKeys)
	}
	timeout := o.SessionTimeout
	switch {
	case o.Tickets:
		c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
			stamp(ss, s.now())
			return c.EncryptTicket(cs, ss)
		}
		c.UnwrapSession = func(id []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
			ss, err := c.DecryptTicket(id, cs)
			if err != nil || ss == nil || expired(ss, s.now(), timeout) {
				return nil, nil
			}
			return ss, nil
		}
	case o.Cache != nil:
		// ssl_session_tickets off with a session cache: the session
		// stays here and the client gets only its key (a stateful
		// ticket, as OpenSSL's TLS 1.3 sessions with a cache).
		cache := o.Cache
		c.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
			stamp(ss, s.now())
			b, err := ss.Bytes()
			if err != nil {
				return nil, err
			}
			return cache.put(b), nil
		}
		c.UnwrapSession = func(id []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
			b := cache.get(id)
			if b == nil {
				return nil, nil
			}
			ss, err := tls.ParseSessionState(b)
			if err != nil || expired(ss, s.now(), timeout) {
				return nil, nil
			}
			return ss, nil
		}
	default:
		c.SessionTicketsDisabled = true
	}
	s.Config = c
	return s
}

// ForHello is the configuration of one handshake: Config, limited for
// TLS 1.2 to the one cipher suite OpenSSL would choose for nginx. Go
// orders the suites its own way (AES-128 before AES-256, whatever the
// client prefers); OpenSSL takes the client's order unless
// ssl_prefer_server_ciphers is on, and $ssl_cipher shows the difference.
func (s *Site) ForHello(h *tls.ClientHelloInfo) *tls.Config {
	if s.Config == nil || negotiated(h, s.opts) >= tls.VersionTLS13 {
		return s.Config
	}
	certs, err := s.certs(h)
	if err != nil {
		return s.Config
	}
	id, _, ok := chooseSuite(h, certs, s.opts)
	if !ok {
		return s.Config
	}
	c := s.Config.Clone()
	c.CipherSuites = []uint16{id}
	return c
}

// chooseSuite is OpenSSL's choice of a TLS 1.2 cipher suite: the first
// one, in the client's order of suites (ssl_prefer_server_ciphers off)
// or in the order of ssl_ciphers (on), that both sides have and that one
// of the certificates can serve (by key type and the client's signature
// algorithms only, as OpenSSL decides), ECDHE only when the client
// shares a curve. It returns the suite and that certificate's index.
func chooseSuite(h *tls.ClientHelloInfo, certs []tls.Certificate, o Options) (id uint16, cert int, ok bool) {
	probe := *h
	probe.ServerName = ""
	order, allowed := h.CipherSuites, o.Ciphers
	if allowed == nil {
		for _, s := range tls.CipherSuites() {
			allowed = append(allowed, s.ID)
		}
	}
	if o.PreferServer {
		order, allowed = allowed, h.CipherSuites
	}
	ecdhe := sharesCurve(h, o.Curves)
	for _, id := range order {
		if !slices.Contains(allowed, id) {
			continue
		}
		name := tls.CipherSuiteName(id)
		if strings.HasPrefix(name, "TLS_ECDHE_") && !ecdhe {
			continue
		}
		ecdsaSuite := strings.Contains(name, "_ECDSA_")
		for i := range certs {
			_, isEC := certs[i].PrivateKey.(*ecdsa.PrivateKey)
			if isEC == ecdsaSuite && probe.SupportsCertificate(&certs[i]) == nil {
				return id, i, true
			}
		}
	}
	return 0, 0, false
}

// sharesCurve reports whether an ECDHE key exchange is possible: the
// client names a curve of the site's (Go's for ssl_ecdh_curve auto)
// that TLS 1.2 can use, and accepts uncompressed points.
func sharesCurve(h *tls.ClientHelloInfo, curves []tls.CurveID) bool {
	if len(h.SupportedPoints) > 0 && !slices.Contains(h.SupportedPoints, 0) {
		return false
	}
	if curves == nil {
		curves = []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521}
	}
	for _, c := range h.SupportedCurves {
		if c != tls.X25519MLKEM768 && slices.Contains(curves, c) {
			return true
		}
	}
	return false
}

// pickCertificate chooses among several certificates (RSA and ECDSA) as
// OpenSSL does for nginx, by key type and the client's signature
// algorithms only (Go's own choice would also insist on the server
// name): with TLS 1.3 the first usable one in configuration order; with
// TLS 1.2 the one the suite chooseSuite picks needs.
func pickCertificate(h *tls.ClientHelloInfo, certs []tls.Certificate, o Options) *tls.Certificate {
	if len(certs) == 1 {
		return &certs[0]
	}
	if negotiated(h, o) < tls.VersionTLS13 {
		if _, i, ok := chooseSuite(h, certs, o); ok {
			return &certs[i]
		}
	}
	probe := *h
	probe.ServerName = ""
	for i := range certs {
		if probe.SupportsCertificate(&certs[i]) == nil {
			return &certs[i]
		}
	}
	return &certs[0]
}

// negotiated is the version the handshake will use: the highest the
// client offers within the site's range.
func negotiated(h *tls.ClientHelloInfo, o Options) uint16 {
	lo, hi := o.MinVersion, o.MaxVersion
	if lo == 0 {
		lo = tls.VersionTLS12
	}
	if hi == 0 {
		hi = tls.VersionTLS13
	}
	best := uint16(0)
	for _, v := range h.SupportedVersions {
		if v >= lo && v <= hi && v > best {
			best = v
		}
	}
	return best
}

// stampTag marks weir's creation time in a session's Extra.
const stampTag = "weir-created:"

func stamp(ss *tls.SessionState, now time.Time) {
	b := make([]byte, len(stampTag)+8)
	copy(b, stampTag)
	binary.BigEndian.PutUint64(b[len(stampTag):], uint64(now.Unix()))
	ss.Extra = append(ss.Extra, b)
}

// expired is ssl_session_timeout: a session older than timeout (or one
// weir did not stamp) is not resumed.
func expired(ss *tls.SessionState, now time.Time, timeout time.Duration) bool {
	for _, e := range ss.Extra {
		if len(e) == len(stampTag)+8 && string(e[:len(stampTag)]) == stampTag {
			created := time.Unix(int64(binary.BigEndian.Uint64(e[len(stampTag):])), 0)
			return now.Sub(created) > timeout
		}
	}
	return true
}

// SessionCache keeps sessions for ssl_session_cache when tickets are off:
// at most max of them, the oldest dropped first.
type SessionCache struct {
	mu    sync.Mutex
	max   int
	m     map[string][]byte
	order []string
}

// NewSessionCache returns a cache for n sessions; nginx's shared zones
// hold about 4000 sessions a megabyte.
func NewSessionCache(n int) *SessionCache {
	if n < 1 {
		n = 1
	}
	return &SessionCache{max: n, m: map[string][]byte{}}
}

func (c *SessionCache) put(b []byte) []byte {
	id := make([]byte, 32)
	rand.Read(id)
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.order) >= c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.m[string(id)] = b
	c.order = append(c.order, string(id))
	return id
}

func (c *SessionCache) get(id []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[string(id)]
}

// SetLog gives the site the error log its OCSP requests write to.
func (s *Site) SetLog(l *errlog.Logger) { s.log.Store(l) }

// staple adds the OCSP response of cert's stapler, when the client asked
// for one (status_request); only then is the stapler updated, as OpenSSL
// calls nginx's status callback only then.
func (s *Site) staple(h *tls.ClientHelloInfo, cert *tls.Certificate) *tls.Certificate {
	if len(s.opts.Staplers) == 0 || !slices.Contains(h.Extensions, 5) {
		return cert
	}
	for i := range s.opts.Certs {
		if &s.opts.Certs[i] != cert || i >= len(s.opts.Staplers) || s.opts.Staplers[i] == nil {
			continue
		}
		b := s.opts.Staplers[i].Staple(s.log.Load())
		if b == nil {
			return cert
		}
		c := *cert
		c.OCSPStaple = b
		return &c
	}
	return cert
}

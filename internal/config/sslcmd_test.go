package config

import (
	"crypto/tls"
	"slices"
	"strings"
	"testing"

	"weir/internal/tlsconf"
)

// TestSSLConfCommands: what each ssl_conf_command does to the TLS
// settings, and which ones are refused.
func TestSSLConfCommands(t *testing.T) {
	base := func() tlsconf.Options {
		return tlsconf.Options{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13, Tickets: true}
	}
	for _, c := range []struct {
		name  string
		cmds  [][2]string
		check func(o tlsconf.Options) bool
		err   string
	}{
		{"tickets off", [][2]string{{"Options", "-SessionTicket,PrioritizeChaCha"}}, func(o tlsconf.Options) bool { return !o.Tickets }, ""},
		{"server preference", [][2]string{{"options", "serverpreference"}}, func(o tlsconf.Options) bool { return o.PreferServer }, ""},
		{"min protocol", [][2]string{{"MinProtocol", "TLSv1.3"}}, func(o tlsconf.Options) bool { return o.MinVersion == tls.VersionTLS13 }, ""},
		{"max protocol", [][2]string{{"MaxProtocol", "TLSv1.2"}}, func(o tlsconf.Options) bool { return o.MaxVersion == tls.VersionTLS12 }, ""},
		{"protocol list", [][2]string{{"Protocol", "-ALL,TLSv1.3"}}, func(o tlsconf.Options) bool {
			return o.MinVersion == tls.VersionTLS13 && o.MaxVersion == tls.VersionTLS13
		}, ""},
		{"protocol hole", [][2]string{{"Protocol", "ALL,-TLSv1.1"}}, nil, "one range of versions"},
		{"max below min", [][2]string{{"MaxProtocol", "SSLv3"}}, nil, "no protocol version is left"},
		{"groups", [][2]string{{"Groups", "P-256:X25519"}}, func(o tlsconf.Options) bool {
			return slices.Equal(o.Curves, []tls.CurveID{tls.CurveP256, tls.X25519})
		}, ""},
		{"group Go lacks", [][2]string{{"Groups", "X448"}}, nil, "not supported by Go"},
		{"cipher string", [][2]string{{"CipherString", "ECDHE-ECDSA-AES128-GCM-SHA256"}}, func(o tlsconf.Options) bool {
			return slices.Equal(o.Ciphers, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256})
		}, ""},
		{"suites with an unknown one", [][2]string{{"Ciphersuites", "TLS_AES_128_GCM_SHA256:NOPE:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"}}, func(tlsconf.Options) bool { return true }, ""},
		{"unsafe renegotiation", [][2]string{{"Options", "UnsafeLegacyRenegotiation"}}, nil, "Go's crypto/tls has no"},
		{"not mapped", [][2]string{{"NumTickets", "2"}}, nil, "not supported by weir"},
	} {
		o := base()
		err := sslConfCommands(c.cmds, &o)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.err == "" && !c.check(o):
			t.Errorf("%s: %+v", c.name, o)
		}
	}
}

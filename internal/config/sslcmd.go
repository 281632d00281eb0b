package config

import (
	"crypto/tls"
	"fmt"
	"strings"

	"weir/internal/conf"
	"weir/internal/tlsconf"
)

// setSSLConfCommand is ssl_conf_command NAME VALUE (nginx 1.19.4): the
// pairs are kept in order, each level's list replacing the inherited one
// (ngx_conf_set_keyval_slot, merged as a pointer).
func setSSLConfCommand(b *builder, s *conf.Stmt) error {
	o := &b.csrv.SSL.ConfCommands
	*o = Def(append(o.V, [2]string{s.Args[0], s.Args[1]}))
	return nil
}

// sslConfCommands applies the commands to o after every other ssl_*
// setting, as ngx_ssl_conf_commands does at the end of the merge, with
// OpenSSL's SSL_CONF_cmd taking a configuration file's command names
// (compared without case). What Go's crypto/tls does anyway, or what
// maps onto a setting weir has, is honoured; a command that would ask Go
// for something it cannot do is refused rather than ignored; an unknown
// name or value gets OpenSSL's error in nginx's words.
func sslConfCommands(cmds [][2]string, o *tlsconf.Options) error {
	for _, c := range cmds {
		name, value := c[0], c[1]
		failed := func(code, reason string) error {
			return &conf.Error{Msg: fmt.Sprintf("SSL_CONF_cmd(\"%s\", \"%s\") failed (SSL: error:%s:SSL routines::%s)", name, value, code, reason)}
		}
		badValue := func() error {
			return failed("0A000180", fmt.Sprintf("bad value:cmd=%s, value=%s", name, value))
		}
		refused := func(why string) error {
			return &conf.Error{Msg: fmt.Sprintf("ssl_conf_command \"%s\" \"%s\": %s", name, value, why)}
		}
		switch strings.ToLower(name) {
		case "options":
			for _, opt := range strings.Split(value, ",") {
				opt = strings.TrimSpace(opt)
				on := true
				if strings.HasPrefix(opt, "-") {
					on, opt = false, opt[1:]
				}
				known, ok := sslOptions[strings.ToLower(opt)]
				if !ok {
					return badValue()
				}
				switch known {
				case optTickets:
					o.Tickets = on
				case optServerPreference:
					o.PreferServer = on
				case optAlways:
				case optNever:
					if on {
						return refused(fmt.Sprintf("Go's crypto/tls has no %s", opt))
					}
				}
			}
		case "cipherstring":
			if !tlsconf.CipherStringReadable(value) {
				// OpenSSL's two errors: the parser's, then SSL_CONF_cmd's
				return failed("0A000118", "invalid command error:0A000180:SSL routines::bad value:cmd="+name+", value="+value)
			}
			ciphers, err := tlsconf.ParseCiphers(value)
			if err != nil {
				// as ssl_ciphers: a string that selects none of Go's
				// suites is refused
				return &conf.Error{Msg: err.Error()}
			}
			o.Ciphers = ciphers
		case "ciphersuites":
			// Go enables its TLS 1.3 suites always and in its own order;
			// OpenSSL skips the names it does not know, and fails only
			// when none is left
			have := map[string]bool{}
			for _, s := range strings.Split(value, ":") {
				if tls13Suites[s] {
					have[s] = true
				}
			}
			if len(have) == 0 {
				return failed("0A0000B9", "no cipher match error:0A000180:SSL routines::bad value:cmd="+name+", value="+value)
			}
			for _, s := range goTLS13Suites {
				if !have[s] {
					return refused(fmt.Sprintf("Go's crypto/tls always offers %s for TLS 1.3", s))
				}
			}
		case "groups", "curves":
			for _, g := range strings.Split(value, ":") {
				if !opensslGroups[strings.ToLower(g)] {
					return failed("0A080106", fmt.Sprintf("passed invalid argument:group '%s' cannot be set error:0A000180:SSL routines::bad value:cmd=%s, value=%s", g, name, value))
				}
			}
			curves, err := tlsconf.ParseCurves(value)
			if err != nil {
				return &conf.Error{Msg: err.Error()}
			}
			o.Curves = curves
		case "minprotocol", "maxprotocol":
			v, ok := protocolVersions[strings.ToLower(value)]
			if !ok {
				return badValue()
			}
			if strings.EqualFold(name, "minprotocol") {
				if v == 0 {
					v = tls.VersionTLS10
				}
				if v > o.MinVersion {
					o.MinVersion = v
				}
			} else {
				if v == 0 {
					v = tls.VersionTLS13
				}
				if v < o.MaxVersion {
					o.MaxVersion = v
				}
			}
			if o.MinVersion > o.MaxVersion {
				return refused("no protocol version is left")
			}
		case "protocol":
			// a list of [-]name (ALL for every one) changing the set
			// enabled so far, which must stay a range for Go
			on := map[uint16]bool{}
			for v := o.MinVersion; v != 0 && v <= o.MaxVersion; v++ {
				on[v] = true
			}
			for _, p := range strings.Split(value, ",") {
				p = strings.TrimSpace(p)
				add := true
				if strings.HasPrefix(p, "-") {
					add, p = false, p[1:]
				}
				if strings.EqualFold(p, "all") {
					for _, v := range protocolVersions {
						if v >= tls.VersionTLS10 {
							on[v] = add
						}
					}
					continue
				}
				v, ok := protocolVersions[strings.ToLower(p)]
				if !ok || v == 0 {
					return badValue()
				}
				on[v] = add
			}
			o.MinVersion, o.MaxVersion = 0, 0
			for v := uint16(tls.VersionTLS10); v <= tls.VersionTLS13; v++ {
				if !on[v] {
					continue
				}
				if o.MinVersion != 0 && o.MaxVersion != v-1 {
					return refused("Go's crypto/tls enables one range of versions")
				}
				if o.MinVersion == 0 {
					o.MinVersion = v
				}
				o.MaxVersion = v
			}
			if o.MinVersion == 0 {
				return refused("no protocol version is left")
			}
		case "signaturealgorithms", "clientsignaturealgorithms", "ecdhparameters", "verifymode",
			"certificate", "privatekey", "serverinfofile", "chaincapath", "chaincafile", "verifycapath",
			"verifycafile", "requestcafile", "clientcafile", "requestcapath", "clientcapath",
			"dhparameters", "recordpadding", "numtickets":
			return refused("not supported by weir")
		default:
			return failed("0A000182", "unknown cmd name:cmd="+name)
		}
	}
	return nil
}

// How weir treats an SSL_OP that "Options" names.
const (
	optAlways           = iota // what Go's crypto/tls does (or a switch without effect on it)
	optNever                   // something Go cannot do: "-" only
	optTickets                 // SessionTicket: ssl_session_tickets
	optServerPreference        // ServerPreference: ssl_prefer_server_ciphers
)

// sslOptions are the names OpenSSL 3's "Options" command knows
// (ssl_conf.c, ssl_option_list), lower-cased.
var sslOptions = map[string]int{
	"sessionticket":               optTickets,
	"serverpreference":            optServerPreference,
	"compression":                 optNever,
	"emptyfragments":              optNever,
	"bugs":                        optAlways,
	"dhsingle":                    optAlways,
	"ecdhsingle":                  optAlways,
	"noresumptiononrenegotiation": optAlways,
	"unsafelegacyrenegotiation":   optNever,
	"unsafelegacyserverconnect":   optNever,
	"encryptthenmac":              optAlways,
	"allownodhekex":               optAlways,
	"prioritizechacha":            optAlways,
	"middleboxcompat":             optAlways,
	"antireplay":                  optAlways,
	"extendedmastersecret":        optAlways,
	"canames":                     optAlways,
	"ktls":                        optAlways,
	"clientrenegotiation":         optNever,
	"legacyserverconnect":         optNever,
	"norenegotiation":             optAlways,
	"ignoreunexpectedeof":         optAlways,
	"allowclientrenegotiation":    optNever,
	"prefernodhekex":              optAlways,
}

// The TLS 1.3 suites OpenSSL knows, and those Go always offers.
var (
	tls13Suites = map[string]bool{"TLS_AES_128_GCM_SHA256": true, "TLS_AES_256_GCM_SHA384": true,
		"TLS_CHACHA20_POLY1305_SHA256": true, "TLS_AES_128_CCM_SHA256": true, "TLS_AES_128_CCM_8_SHA256": true}
	goTLS13Suites = []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
)

// opensslGroups are the group names OpenSSL 3 knows (lower-cased); Go
// implements some of them (tlsconf.ParseCurves refuses the others).
var opensslGroups = map[string]bool{
	"p-256": true, "p-384": true, "p-521": true, "prime256v1": true, "secp256r1": true, "secp384r1": true,
	"secp521r1": true, "x25519": true, "x448": true, "ffdhe2048": true, "ffdhe3072": true, "ffdhe4096": true,
	"ffdhe6144": true, "ffdhe8192": true, "secp224r1": true, "secp256k1": true, "brainpoolp256r1": true,
	"brainpoolp384r1": true, "brainpoolp512r1": true, "x25519mlkem768": true,
}

// protocolVersions are MinProtocol/MaxProtocol's values (0: "None", no
// bound).
var protocolVersions = map[string]uint16{
	"none": 0, "sslv3": tls.VersionSSL30, "tlsv1": tls.VersionTLS10, "tlsv1.1": tls.VersionTLS11,
	"tlsv1.2": tls.VersionTLS12, "tlsv1.3": tls.VersionTLS13,
}

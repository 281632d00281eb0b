package tlsconf

import (
	"crypto/tls"
	"os"
	"strings"
	"sync"
	"time"
)

// Template is a certificate and key pair whose paths name the client's
// server name ($ssl_server_name), loaded per handshake as nginx loads
// certificates with variables (1.15.9).
type Template struct {
	Cert, Key string
}

// NameVar is the one variable weir substitutes in certificate paths.
const NameVar = "ssl_server_name"

// expand puts name into a path template.
func expand(t, name string) string {
	return strings.NewReplacer("${"+NameVar+"}", name, "$"+NameVar, name).Replace(t)
}

// dynamic loads the pairs of templates for server names, keeping what it
// loaded while the files stay unchanged.
type dynamic struct {
	templates []Template
	passwords []string

	mu    sync.Mutex
	cache map[string]*loaded
}

type loaded struct {
	certMod, keyMod time.Time
	pair            tls.Certificate
}

// maxDynamic bounds the cache of certificates loaded per name.
const maxDynamic = 1024

func (d *dynamic) load(name string) ([]tls.Certificate, error) {
	name = strings.ToLower(name)
	out := make([]tls.Certificate, 0, len(d.templates))
	for _, t := range d.templates {
		cp, kp := expand(t.Cert, name), expand(t.Key, name)
		cs, err1 := os.Stat(cp)
		ks, err2 := os.Stat(kp)
		key := cp + "\x00" + kp
		if err1 == nil && err2 == nil {
			d.mu.Lock()
			l := d.cache[key]
			d.mu.Unlock()
			if l != nil && l.certMod.Equal(cs.ModTime()) && l.keyMod.Equal(ks.ModTime()) {
				out = append(out, l.pair)
				continue
			}
		}
		pair, err := LoadKeyPair(cp, kp, d.passwords)
		if err != nil {
			return nil, err
		}
		if err1 == nil && err2 == nil {
			d.mu.Lock()
			if len(d.cache) >= maxDynamic {
				clear(d.cache)
			}
			d.cache[key] = &loaded{certMod: cs.ModTime(), keyMod: ks.ModTime(), pair: pair}
			d.mu.Unlock()
		}
		out = append(out, pair)
	}
	return out, nil
}

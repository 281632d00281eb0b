// Package tlsconf is weir's TLS layer on top of Go's crypto/tls: it reads
// nginx's TLS settings (OpenSSL cipher strings, curve lists, protocol
// names, certificate and key files, CRLs, session ticket key files) into
// crypto/tls values, wraps accepted connections so that a plain HTTP
// request on an HTTPS port is recognised as nginx recognises it, checks
// client certificates the way nginx's ssl_verify_client does, and names
// what a handshake negotiated the way nginx's $ssl_* variables do.
//
// It knows nothing of configuration files: the config package hands it
// paths and strings and keeps what it returns.
package tlsconf

import (
	"crypto/tls"
	"fmt"
	"strings"
)

// suite is one TLS 1.0-1.2 cipher suite Go implements, with the OpenSSL
// name nginx users write and the attributes OpenSSL's cipher-string
// aliases select by.
type suite struct {
	id    uint16
	name  string   // OpenSSL name
	attrs []string // aliases that match it
}

// suites are the suites of Go's crypto/tls (tls.CipherSuites) in
// OpenSSL's terms. Go's insecure RC4 and 3DES suites are left out: the
// OpenSSL 3 that nginx is built with today offers neither by default.
var suites = []suite{
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "AES", "AES256", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "AES", "AES256", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "CHACHA20", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "AES", "AES128", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "AES", "AES128", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
	{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aECDSA", "ECDSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
	{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA", []string{"kECDHE", "kEECDH", "ECDHE", "EECDH", "aRSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384", []string{"kRSA", "aRSA", "RSA", "AES", "AES256", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256", []string{"kRSA", "aRSA", "RSA", "AES", "AES128", "AESGCM", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256", []string{"kRSA", "aRSA", "RSA", "AES", "AES128", "SHA256", "HIGH", "TLSv1.2"}},
	{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA", []string{"kRSA", "aRSA", "RSA", "AES", "AES256", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
	{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA", []string{"kRSA", "aRSA", "RSA", "AES", "AES128", "SHA1", "SHA", "HIGH", "TLSv1", "SSLv3"}},
}

// CipherName is the OpenSSL name of a suite, as $ssl_cipher shows it.
func CipherName(id uint16) string {
	if n, ok := opensslCiphers[id]; ok {
		return n
	}
	return tls.CipherSuiteName(id)
}

func (s *suite) matches(word string) bool {
	if word == s.name || word == "ALL" || word == "DEFAULT" {
		return true
	}
	for _, a := range s.attrs {
		if a == word {
			return true
		}
	}
	return false
}

// ParseCiphers evaluates an OpenSSL cipher string (ssl_ciphers,
// proxy_ssl_ciphers) over the suites Go implements, with OpenSSL's
// operators: a plain term adds, "-" removes, "!" removes for good, "+"
// moves to the end, "A+B" is the suites matching both, "@STRENGTH" and
// "@SECLEVEL=n" are accepted. Names OpenSSL does not know, or knows but
// Go does not implement, match nothing, as unknown names do in OpenSSL.
// A string that leaves no suite is refused as OpenSSL refuses it: weir
// would otherwise serve with suites the configuration did not ask for;
// so is one OpenSSL cannot read (cipherRules).
//
// Go ignores the order of tls.Config.CipherSuites (it orders suites
// itself, by security and hardware support), so only the set matters.
func ParseCiphers(str string) ([]uint16, error) {
	rules, ok := cipherRules(str)
	if !ok {
		return nil, fmt.Errorf("SSL_CTX_set_cipher_list(\"%s\") failed (SSL: error:0A000118:SSL routines::invalid command)", str)
	}
	var list []int // indexes into suites, in order
	killed := make([]bool, len(suites))
	in := func(i int) int {
		for k, v := range list {
			if v == i {
				return k
			}
		}
		return -1
	}
	for _, r := range rules {
		op, words := r.op, r.words
		for i := range suites {
			ok := true
			for _, w := range words {
				if !suites[i].matches(w) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			k := in(i)
			switch op {
			case 0:
				if k < 0 && !killed[i] {
					list = append(list, i)
				}
			case '-':
				if k >= 0 {
					list = append(list[:k], list[k+1:]...)
				}
			case '!':
				killed[i] = true
				if k >= 0 {
					list = append(list[:k], list[k+1:]...)
				}
			case '+':
				if k >= 0 {
					list = append(append(list[:k], list[k+1:]...), i)
				}
			}
		}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("SSL_CTX_set_cipher_list(\"%s\") failed (no cipher match among the suites of Go's crypto/tls)", str)
	}
	ids := make([]uint16, len(list))
	for k, i := range list {
		ids[k] = suites[i].id
	}
	return ids, nil
}

// CipherStringReadable reports whether OpenSSL can read str at all (see
// cipherRules), whatever suites it selects.
func CipherStringReadable(str string) bool {
	_, ok := cipherRules(str)
	return ok
}

// cipherRule is one item of a cipher string: an operator (0, '-', '!',
// '+') and the names joined by "+".
type cipherRule struct {
	op    byte
	words []string
}

// cipherRules reads a cipher string as OpenSSL 3.0 does
// (ssl_create_cipher_list, ssl_cipher_process_rulestr): a leading
// "DEFAULT" is the default list; then items split at ':', ' ', ';' and
// ','; an operator is read where an item starts, and where a name it
// finds ends, so "HIGH!MD5" is two items; an item of a name OpenSSL does
// not find is skipped up to the next separator. ok is false where
// OpenSSL says "invalid command": a character that is no separator,
// operator or name character where a name must start (an operator or
// "+" at the end, a stray quote after a found name), an unknown "@"
// command or a security level outside 0..5.
func cipherRules(str string) (rules []cipherRule, ok bool) {
	ok = true
	if strings.HasPrefix(str, "DEFAULT") {
		rules = append(rules, cipherRule{words: []string{"DEFAULT"}})
		str = strings.TrimPrefix(str[len("DEFAULT"):], ":")
	}
	sep := func(c byte) bool { return c == ':' || c == ' ' || c == ';' || c == ',' }
	nameChar := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '='
	}
	skip := func(i int) int {
		for i < len(str) && !sep(str[i]) {
			i++
		}
		return i
	}
	for i := 0; i < len(str); {
		c := str[i]
		op := byte(0)
		if c == '-' || c == '+' || c == '!' || c == '@' {
			op = c
			i++
		} else if sep(c) {
			i++
			continue
		}
		var words []string
		found := true
		for {
			start := i
			for i < len(str) && nameChar(str[i]) {
				i++
			}
			if i == start {
				ok, found = false, false
				i++
				break
			}
			w := str[start:i]
			if op == '@' {
				if w != "STRENGTH" && !(len(w) == 10 && strings.HasPrefix(w, "SECLEVEL=") && w[9] >= '0' && w[9] <= '5') {
					ok = false
				}
				found = false
				break
			}
			multi := i < len(str) && str[i] == '+'
			if multi {
				i++
			}
			if !opensslCipherWords[w] {
				found = false
				break
			}
			words = append(words, w)
			if !multi {
				break
			}
		}
		if found {
			rules = append(rules, cipherRule{op, words})
		} else {
			i = skip(i)
		}
	}
	return rules, ok
}

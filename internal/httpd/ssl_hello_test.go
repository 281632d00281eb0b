package httpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// helloVarsConf answers with $ssl_ciphers and $ssl_curves, the lists of
// the client's hello, with an RSA and an ECDSA certificate so that any
// client finds a suite.
const helloVarsConf = `events {} http { access_log off;
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_certificate a-rsa.crt; ssl_certificate_key a-rsa.key;
	ssl_certificate a-ec.crt; ssl_certificate_key a-ec.key;
	server { listen 127.0.0.1:{{PORT}} ssl; server_name a.test;
		location / { return 200 "vars=$ssl_ciphers|$ssl_curves\n"; } } }`

// opensslGet fetches / from addr with openssl s_client and args, and
// returns the line of the answer that starts with "vars=".
func opensslGet(t *testing.T, addr string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", append([]string{"s_client", "-connect", addr, "-servername", "a.test", "-quiet"}, args...)...)
	cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\nHost: a.test\r\n\r\n")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil && !strings.Contains(out.String(), "vars=") {
		t.Fatalf("openssl %v: %v\n%s", args, err, out.String())
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "vars=") {
			return l
		}
	}
	t.Fatalf("openssl %v: no answer:\n%s", args, out.String())
	return ""
}

// TestSSLHelloListsAgainstNginx sends the same client hellos to weir and
// to the installed nginx and compares $ssl_ciphers and $ssl_curves: the
// client's suites and groups in its order by OpenSSL's names, codes
// OpenSSL does not know as 0x and four hex digits (Go's RC4 and 3DES
// suites, the post-quantum hybrid groups of Go's client).
func TestSSLHelloListsAgainstNginx(t *testing.T) {
	waddr, _ := startTLS(t, helloVarsConf)
	naddr := startNginxTLS(t, helloVarsConf)
	p := getPKI()
	goClient := func(max uint16, suites []uint16, curves []tls.CurveID) func(addr string) string {
		return func(addr string) string {
			cfg := clientConf(p, "a.test")
			cfg.MaxVersion, cfg.CipherSuites, cfg.CurvePreferences = max, suites, curves
			r, _, err := tlsGet(t, addr, cfg, "a.test", "/")
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimSuffix(r.body, "\n")
		}
	}
	ossl := func(args ...string) func(addr string) string {
		return func(addr string) string { return opensslGet(t, addr, args...) }
	}
	legacyGroups := "sect163k1:sect163r1:sect163r2:sect193r1:sect193r2:sect233k1:sect233r1:sect239k1:sect283k1:sect283r1:" +
		"sect409k1:sect409r1:sect571k1:sect571r1:secp160k1:secp160r1:secp160r2:secp192k1:prime192v1:secp224k1:secp224r1:" +
		"secp256k1:brainpoolP256r1:brainpoolP384r1:brainpoolP512r1:X448:P-384:P-521:P-256:X25519"
	cases := []struct {
		name   string
		client func(addr string) string
		want   string // a part weir's answer must have (the check can fail alone)
	}{
		{"go default", goClient(0, nil, nil), "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256|0x11ec:"},
		// Go's client sends the groups it is given in an order of its own
		{"go tls1.2 weak suites", goClient(tls.VersionTLS12, []uint16{0xc02b, 0x000a, 0x0005, 0xc009},
			[]tls.CurveID{tls.CurveP384, tls.X25519, tls.CurveP256}), "vars=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-SHA:0x000a:0x0005|X25519:prime256v1:secp384r1"},
		{"go tls1.3 hybrid", goClient(0, nil, []tls.CurveID{tls.CurveP521, tls.X25519MLKEM768, tls.CurveP256}), "|0x11ec:prime256v1:secp521r1"},
	}
	if _, err := exec.LookPath("openssl"); err == nil {
		cases = append(cases, []struct {
			name   string
			client func(addr string) string
			want   string
		}{
			{"openssl default", ossl(), ":TLS_EMPTY_RENEGOTIATION_INFO_SCSV|X25519:prime256v1:X448:secp521r1:secp384r1:ffdhe2048"},
			{"openssl tls1.2 every suite", ossl("-tls1_2", "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", "-groups", legacyGroups), "ADH-CAMELLIA128-SHA:"},
			{"openssl tls1.3 every suite", ossl("-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_8_SHA256:TLS_AES_128_CCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256",
				"-groups", "X25519:ffdhe3072:X448:brainpoolP512r1"), "vars=TLS_AES_128_CCM_8_SHA256:TLS_AES_128_CCM_SHA256:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:"},
		}...)
	}
	for _, c := range cases {
		w, n := c.client(waddr), c.client(naddr)
		if w != n {
			t.Errorf("%s:\nweir:  %s\nnginx: %s", c.name, w, n)
		}
		if !strings.Contains(w, c.want) {
			t.Errorf("%s: weir's %q lacks %q", c.name, w, c.want)
		}
	}
}

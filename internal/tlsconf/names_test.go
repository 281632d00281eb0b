package tlsconf

import (
	"crypto/tls"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestHelloLists pins the formats of $ssl_ciphers and $ssl_curves:
// OpenSSL's names in the client's order, codes OpenSSL does not know
// (GREASE, suites and groups newer or weaker than it) as 0x and four
// hex digits, the signalling suites by their names.
func TestHelloLists(t *testing.T) {
	for _, c := range []struct {
		ciphers []uint16
		want    string
	}{
		{nil, ""},
		{[]uint16{0x0a0a, 0x1301, 0xc02b, 0x009e, 0x000a, 0x0005, 0x00ff, 0x5600, 0xfafa, 0x0100},
			"0x0a0a:TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:DHE-RSA-AES128-GCM-SHA256:0x000a:0x0005:TLS_EMPTY_RENEGOTIATION_INFO_SCSV:TLS_FALLBACK_SCSV:0xfafa:0x0100"},
	} {
		if got := CipherList(c.ciphers); got != c.want {
			t.Errorf("CipherList(%x):\n got %s\nwant %s", c.ciphers, got, c.want)
		}
	}
	for _, c := range []struct {
		curves []tls.CurveID
		want   string
	}{
		{nil, ""},
		{[]tls.CurveID{0x2a2a, tls.X25519MLKEM768, tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521, 30, 22, 26, 19, 1, 31, 256, 260, 34, 0x1d},
			"0x2a2a:0x11ec:X25519:prime256v1:secp384r1:secp521r1:X448:secp256k1:brainpoolP256r1:prime192v1:sect163k1:0x001f:ffdhe2048:ffdhe8192:id-tc26-gost-3410-2012-256-paramSetA:X25519"},
	} {
		if got := CurveList(c.curves); got != c.want {
			t.Errorf("CurveList(%v):\n got %s\nwant %s", c.curves, got, c.want)
		}
	}
	for id, want := range map[tls.CurveID]string{0: "", tls.X25519: "X25519", tls.X25519MLKEM768: "X25519MLKEM768", 0x1f: "0x001f", 0x11eb: "0x11eb"} {
		if got := CurveName(id); got != want {
			t.Errorf("CurveName(%#x) = %q, want %q", uint16(id), got, want)
		}
	}
}

// TestCipherNames checks the name table against the suites weir parses
// cipher strings over and against the installed openssl's own list of
// every suite it knows (`openssl ciphers -V`).
func TestCipherNames(t *testing.T) {
	for _, s := range suites {
		if opensslCiphers[s.id] != s.name {
			t.Errorf("%#04x: %q in the name table, %q in the suites", s.id, opensslCiphers[s.id], s.name)
		}
	}
	for _, s := range tls.CipherSuites() {
		if _, ok := opensslCiphers[s.ID]; !ok {
			t.Errorf("Go's suite %s has no OpenSSL name", s.Name)
		}
	}
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	out, err := exec.Command(bin, "ciphers", "-V",
		"-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256",
		"ALL:COMPLEMENTOFALL:@SECLEVEL=0").Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint16]bool{0x00ff: true, 0x5600: true} // the signalling values are not listed
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(l) // 0xC0,0x2C - NAME VERSION ...
		if len(f) < 3 || len(f[0]) != 9 {
			t.Fatalf("cannot read %q", l)
		}
		hi, err1 := strconv.ParseUint(f[0][2:4], 16, 8)
		lo, err2 := strconv.ParseUint(f[0][7:9], 16, 8)
		if err1 != nil || err2 != nil {
			t.Fatalf("cannot read %q", l)
		}
		id := uint16(hi<<8 | lo)
		seen[id] = true
		if opensslCiphers[id] != f[2] {
			t.Errorf("%#04x: openssl names it %s, the table %q", id, f[2], opensslCiphers[id])
		}
	}
	for id, name := range opensslCiphers {
		if !seen[id] {
			t.Errorf("%#04x %s is not among openssl's suites", id, name)
		}
	}
}

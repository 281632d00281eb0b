package tlsconf

import (
	"crypto/tls"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func names(ids []uint16) []string {
	var out []string
	for _, id := range ids {
		out = append(out, CipherName(id))
	}
	slices.Sort(out)
	return out
}

func TestParseCiphers(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // sorted OpenSSL names, or "error"
	}{
		{"HIGH:!aNULL:!MD5", "AES128-GCM-SHA256 AES128-SHA AES128-SHA256 AES256-GCM-SHA384 AES256-SHA ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES128-SHA ECDHE-ECDSA-AES128-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-AES256-SHA ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES128-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-AES256-SHA ECDHE-RSA-CHACHA20-POLY1305"},
		{"ECDHE+AESGCM:!AES256", "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES128-GCM-SHA256"},
		{"EECDH+AESGCM:EDH+AESGCM", "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384"},
		{"ECDHE-RSA-AES128-GCM-SHA256:FOO", "ECDHE-RSA-AES128-GCM-SHA256"},
		// AEAD suites have no SHA256 or SHA384 MAC in OpenSSL's terms
		{"ALL:-kRSA:!3DES:!SHA1:!SHA256:!SHA384:+AES128", "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384 ECDHE-ECDSA-CHACHA20-POLY1305 ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305"},
		{"MEDIUM", "error"},
		{"FOO", "error"},
		{"DHE-RSA-AES256-GCM-SHA384", "error"},
		{"HIGH:!HIGH:HIGH", "error"},
	} {
		ids, err := ParseCiphers(c.in)
		got := strings.Join(names(ids), " ")
		if err != nil {
			got = "error"
		}
		if got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

// TestCiphersInvalidCommand: the strings OpenSSL cannot read fail with
// its "invalid command", nginx's whole message.
func TestCiphersInvalidCommand(t *testing.T) {
	for _, str := range []string{`HIGH:!aNULL:!MD5"`, "HIGH:!", "HIGH+", "HIGH+:MD5", `HIGH"x`,
		"HIGH:@FOO", "HIGH:@SECLEVEL=7", "HIGH:@", "HIGH:_x", `HIGH:AES+"`, `HIGH:CAMELLIA"`, `DEFAULT"`} {
		_, err := ParseCiphers(str)
		want := `SSL_CTX_set_cipher_list("` + str + `") failed (SSL: error:0A000118:SSL routines::invalid command)`
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v", str, err)
		}
	}
	for _, str := range []string{`FOO"x:HIGH`, `HIGH:RC4"`, `HIGH:FOO+"`, "HIGH:@SECLEVEL=2", "HIGH:@STRENGTH"} {
		if _, err := ParseCiphers(str); err != nil {
			t.Errorf("%q: %v", str, err)
		}
	}
}

func TestVersions(t *testing.T) {
	for _, c := range []struct {
		mask     uint32
		min, max uint16
		err      bool
	}{
		{DefaultProtocols, tls.VersionTLS12, tls.VersionTLS13, false},
		{TLSv12 | TLSv13, tls.VersionTLS12, tls.VersionTLS13, false},
		{TLSv1 | TLSv11 | TLSv12 | TLSv13, tls.VersionTLS12, tls.VersionTLS13, false},
		{TLSv1 | TLSv11, tls.VersionTLS10, tls.VersionTLS11, false},
		{SSLv3 | TLSv13, tls.VersionTLS13, tls.VersionTLS13, false},
		{TLSv1 | TLSv12, tls.VersionTLS12, tls.VersionTLS12, false},
		{TLSv1 | TLSv13, tls.VersionTLS13, tls.VersionTLS13, false},
		{SSLv2 | SSLv3, 0, 0, true},
	} {
		min, max, err := Versions(c.mask)
		if min != c.min || max != c.max || (err != nil) != c.err {
			t.Errorf("%#x: %x %x %v", c.mask, min, max, err)
		}
	}
}

func TestParseCurves(t *testing.T) {
	ids, err := ParseCurves("X25519:prime256v1:secp384r1")
	if err != nil || !slices.Equal(ids, []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}) {
		t.Errorf("%v %v", ids, err)
	}
	if _, err := ParseCurves("X448"); err == nil {
		t.Error("X448 accepted")
	}
}

// TestEncryptedKeys loads keys openssl encrypted (testdata, made with
// `openssl pkcs8 -topk8 -v2 ...` and `openssl ec -aes128`), with the
// right password among wrong ones and with none that fits.
func TestEncryptedKeys(t *testing.T) {
	for _, k := range []string{"pbes2-aes256.key", "pbes2-aes128-sha1.key", "legacy.key"} {
		if _, err := LoadKeyPair("testdata/ec.crt", "testdata/"+k, []string{"wrong", "secret"}); err != nil {
			t.Errorf("%s: %v", k, err)
		}
		_, err := LoadKeyPair("testdata/ec.crt", "testdata/"+k, []string{"wrong"})
		if err == nil || !strings.Contains(err.Error(), "bad decrypt") {
			t.Errorf("%s with a wrong password: %v", k, err)
		}
		_, err = LoadKeyPair("testdata/ec.crt", "testdata/"+k, nil)
		if err == nil || !strings.Contains(err.Error(), "no ssl_password_file") {
			t.Errorf("%s without passwords: %v", k, err)
		}
	}
}

func TestTicketKeyAndPasswords(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := dir + "/" + name
		if err := writeFile(p, s); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := ReadTicketKey(write("k48", strings.Repeat("x", 48))); err != nil {
		t.Error(err)
	}
	if _, err := ReadTicketKey(write("k47", strings.Repeat("x", 47))); err == nil || !strings.Contains(err.Error(), "must be 48 or 80 bytes") {
		t.Error(err)
	}
	pw, err := ReadPasswords(write("pw", "one\n\ntwo\r\n"))
	if err != nil || !slices.Equal(pw, []string{"one", "two"}) {
		t.Errorf("%q %v", pw, err)
	}
	pw, _ = ReadPasswords(write("empty", "\n"))
	if !slices.Equal(pw, []string{""}) {
		t.Errorf("empty file: %q", pw)
	}
}

func writeFile(p, s string) error { return os.WriteFile(p, []byte(s), 0o600) }

// TestCiphersAgainstOpenSSL compares ParseCiphers with the openssl
// command's own evaluation, over the suites Go implements.
func TestCiphersAgainstOpenSSL(t *testing.T) {
	bin, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	known := map[string]bool{}
	for _, s := range suites {
		known[s.name] = true
	}
	for _, str := range []string{
		"HIGH:!aNULL:!MD5", "DEFAULT", "ALL", "ECDHE+AESGCM", "EECDH+AESGCM:EDH+AESGCM", "HIGH:!AES256",
		"ALL:-kRSA:!3DES:!SHA1:!SHA256:!SHA384:+AES128", "kEECDH+ECDSA", "aRSA:!kRSA", "AES128:!SHA",
		"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256",
		"CHACHA20", "HIGH:MEDIUM:!3DES", "RSA+AESGCM", "ECDSA", "TLSv1.2+AES128",
		// an operator after a found name starts an item; DEFAULT is a
		// name only at the start; a name OpenSSL does not find skips
		// its item
		"HIGH!aNULL!kRSA", "HIGH:-AES128!SHA1", "AES128:DEFAULT", "DEFAULT:!AES256", "FOO!AES256:AES128",
		"HIGH:TLS_AES_128_GCM_SHA256", "HIGH:=x", "HIGH:CAMELLIA+AES128",
	} {
		out, err := exec.Command(bin, "ciphers", str).Output()
		if err != nil {
			t.Fatalf("openssl ciphers %q: %v", str, err)
		}
		var want []string
		for _, n := range strings.Split(strings.TrimSpace(string(out)), ":") {
			if known[n] {
				want = append(want, n)
			}
		}
		slices.Sort(want)
		ids, err := ParseCiphers(str)
		got := names(ids)
		if err != nil {
			got = nil
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q:\n  weir:    %v\n  openssl: %v", str, got, want)
		}
	}
}

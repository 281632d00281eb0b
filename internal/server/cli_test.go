package server_test

import (
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"weir/internal/ossl"
)

// TestOptions pins the command line's answers to option errors, version
// and help: message, stream and exit status.
func TestOptions(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
		code   int
	}{
		{"not an option", []string{"foo"}, "weir: invalid option: \"foo\"\n", 1},
		{"empty argument", []string{""}, "weir: invalid option: \"\"\n", 1},
		{"unknown flag", []string{"-x"}, "weir: invalid option: \"x\"\n", 1},
		{"unknown flag after good ones", []string{"-tqz"}, "weir: invalid option: \"z\"\n", 1},
		{"bad signal", []string{"-s", "foo"}, "weir: invalid option: \"-s foo\"\n", 1},
		{"bad signal joined", []string{"-sfoo"}, "weir: invalid option: \"-s foo\"\n", 1},
		{"-c without file", []string{"-c"}, "weir: option \"-c\" requires file name\n", 1},
		{"-p without directory", []string{"-p"}, "weir: option \"-p\" requires directory name\n", 1},
		{"-e without file", []string{"-e"}, "weir: option \"-e\" requires file name\n", 1},
		{"-g without parameter", []string{"-g"}, "weir: option \"-g\" requires parameter\n", 1},
		{"-s without signal", []string{"-s"}, "weir: option \"-s\" requires parameter\n", 1},
		{"-v", []string{"-v"}, "nginx version: weir/1.31.0\n", 0},
		{"lone dash", []string{"-", "-v"}, "nginx version: weir/1.31.0\n", 0},
		{"value ends the argument", []string{"-cv", "-v"}, "nginx version: weir/1.31.0\n", 0},
		{"error stops parsing", []string{"-x", "-v"}, "weir: invalid option: \"x\"\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, weirBin, tt.args...)
			if r.stderr != tt.stderr || r.code != tt.code || r.stdout != "" {
				t.Errorf("weir %q:\n got %q, %q, %d\nwant \"\", %q, %d", tt.args, r.stdout, r.stderr, r.code, tt.stderr, tt.code)
			}
		})
	}
}

func TestVersionMatchesToolRegex(t *testing.T) {
	r := runCmd(t, weirBin, "-v")
	m := regexp.MustCompile(`nginx version: ([^/]+)/([0-9.]+)`).FindStringSubmatch(r.stderr)
	if m == nil || m[1] != "weir" || m[2] != "1.31.0" {
		t.Fatalf("-v = %q does not match the usual regex", r.stderr)
	}
}

func TestHelp(t *testing.T) {
	for _, flag := range []string{"-h", "-?"} {
		r := runCmd(t, weirBin, flag)
		if r.code != 0 || r.stdout != "" {
			t.Fatalf("%s: code %d stdout %q", flag, r.code, r.stdout)
		}
		want := "nginx version: weir/1.31.0\n" +
			"Usage: weir [-?hvVtTq] [-s signal] [-p prefix]\n" +
			"             [-e filename] [-c filename] [-g directives]\n\n" +
			"Options:\n"
		if !strings.HasPrefix(r.stderr, want) {
			t.Fatalf("%s:\n%s", flag, r.stderr)
		}
		for _, line := range []string{
			"  -p prefix     : set prefix path (default: /usr/local/weir/)\n",
			"  -e filename   : set error log file (default: logs/error.log)\n",
			"  -c filename   : set configuration file (default: conf/nginx.conf)\n",
		} {
			if !strings.Contains(r.stderr, line) {
				t.Errorf("%s: missing %q", flag, line)
			}
		}
		if !strings.HasSuffix(r.stderr, "out of configuration file\n\n") {
			t.Errorf("%s: the text does not end as nginx's", flag)
		}
	}
}

func TestConfigureLayout(t *testing.T) {
	r := runCmd(t, weirBin, "-V")
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if r.code != 0 || len(lines) != 4 {
		t.Fatalf("-V: code %d, %d lines:\n%s", r.code, len(lines), r.stderr)
	}
	if lines[0] != "nginx version: weir/1.31.0" {
		t.Errorf("line 1 = %q", lines[0])
	}
	want := "built with Go " + strings.TrimPrefix(runtime.Version(), "go") + " crypto/tls"
	if lib := ossl.Library(); lib != "" {
		want += " (RSA keys with " + lib + ")"
	}
	if lines[1] != want {
		t.Errorf("line 2 = %q, want %q", lines[1], want)
	}
	if lines[2] != "TLS SNI support enabled" {
		t.Errorf("line 3 = %q", lines[2])
	}
	lines = append(lines[:2], lines[3])
	if !strings.HasPrefix(lines[2], "configure arguments: --prefix=/usr/local/weir/ --conf-path=conf/nginx.conf") {
		t.Errorf("line 3 = %q", lines[2])
	}
	for _, w := range []string{" --with-http_ssl_module", " --with-http_v2_module", " --with-http_realip_module",
		" --with-http_addition_module", " --with-http_sub_module", " --with-http_dav_module", " --with-http_gunzip_module",
		" --with-http_gzip_static_module", " --with-http_auth_request_module", " --with-http_random_index_module",
		" --with-http_secure_link_module", " --with-http_stub_status_module", " --with-http_flv_module",
		" --with-http_mp4_module"} {
		if !strings.Contains(lines[2], w) {
			t.Errorf("configure arguments lack %q", w)
		}
	}
	// every standard module is in (the list is computed from the
	// directives weir knows); HTTP/3 is not
	for _, w := range []string{" --without-", " --with-http_v3_module"} {
		if strings.Contains(lines[2], w) {
			t.Errorf("configure arguments have %q", w)
		}
	}
	for _, w := range []string{"autoindex", "rewrite", "access_module", "proxy_module", "upstream_", "http_gzip_module"} {
		if strings.Contains(lines[2], w) {
			t.Errorf("configure arguments mention %q, which weir has (or does not claim)", w)
		}
	}
}

// TestOptionsAgainstNginx checks that the option errors, and the help
// text apart from the default paths, are nginx's modulo the name.
func TestOptionsAgainstNginx(t *testing.T) {
	if !haveNginx() {
		t.Skip("no nginx")
	}
	for _, args := range [][]string{
		{"foo"}, {"-x"}, {"-tqz"}, {"-s", "foo"}, {"-sfoo"}, {"-c"}, {"-p"}, {"-e"}, {"-g"}, {"-s"},
		{"-x", "-v"}, {""}, {"-p", "/x", "-e"},
	} {
		w := runCmd(t, weirBin, args...)
		n := runCmd(t, nginxBin, args...)
		if want := strings.ReplaceAll(n.stderr, "nginx", "weir"); w.stderr != want || w.code != n.code {
			t.Errorf("%q: weir %q %d, nginx %q %d", args, w.stderr, w.code, n.stderr, n.code)
		}
	}
	// Help: the same lines but the version and the three defaults.
	w := runCmd(t, weirBin, "-h")
	n := runCmd(t, nginxBin, "-h")
	wl, nl := strings.Split(w.stderr, "\n"), strings.Split(n.stderr, "\n")
	if len(wl) != len(nl) || w.code != n.code {
		t.Fatalf("help differs in shape:\n%s\n%s", w.stderr, n.stderr)
	}
	for i := 1; i < len(wl); i++ {
		if strings.Contains(nl[i], "(default: ") {
			nl[i], wl[i] = nl[i][:strings.Index(nl[i], "(default: ")], wl[i][:strings.Index(wl[i], "(default: ")]
		}
		if want := strings.ReplaceAll(nl[i], "nginx", "weir"); wl[i] != want {
			t.Errorf("help line %d: %q, nginx %q", i, wl[i], nl[i])
		}
	}
}

var _ = exec.Command

package regex

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// compileErrorsFile holds patterns and the error nginx 1.22.1 (PCRE2 10.42)
// prints for them, one "pattern<TAB>error" per line; "ok" means nginx
// accepts the pattern. Regenerate with WEIR_NGINX_GOLDEN=1 go test -run
// TestCompileErrorsMatchNginx.
const compileErrorsFile = "testdata/compile_errors.tsv"

func readGolden(t *testing.T) [][2]string {
	t.Helper()
	f, err := os.Open(compileErrorsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pat, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad golden line %q", line)
		}
		rows = append(rows, [2]string{pat, want})
	}
	return rows
}

// TestCompileErrors pins nginx's error text for broken patterns, and that
// the patterns nginx accepts compile (or are reported as unsupported).
func TestCompileErrors(t *testing.T) {
	for _, row := range readGolden(t) {
		pat, want := row[0], row[1]
		t.Run(pat, func(t *testing.T) {
			_, err := Compile(pat, false)
			got := "ok"
			if err != nil {
				got = err.Error()
			}
			if e, isErr := err.(*Error); isErr && e.Unsupported && want == "ok" {
				t.Logf("unsupported, nginx accepts: %v", err)
				return
			}
			if got != want {
				t.Errorf("Compile(%q)\n got: %s\nwant: %s", pat, got, want)
			}
		})
	}
}

// TestCompileErrorsMatchNginx runs the real nginx -t on every golden
// pattern and checks the golden file still says what nginx says. It skips
// without nginx; with WEIR_NGINX_GOLDEN=1 it rewrites the file.
func TestCompileErrorsMatchNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
	}
	if _, err := os.Stat(nginx); err != nil || testing.Short() || raceEnabled {
		t.Skip("no nginx, -short or -race")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	strip := regexp.MustCompile(`^.*\[emerg\] \d+#\d+: | in ` + regexp.QuoteMeta(conf) + `:\d+$`)
	rows := readGolden(t)
	var out strings.Builder
	for _, row := range rows {
		pat := row[0]
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(pat)
		text := "error_log stderr;\npid " + dir + "/nginx.pid;\nevents {}\nhttp {\nserver { listen 127.0.0.1:1; location ~ \"" + quoted + "\" { return 200; } }\n}\n"
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		b, _ := exec.Command(nginx, "-t", "-q", "-p", dir, "-c", conf, "-e", "stderr").CombinedOutput()
		got := "ok"
		if line := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)[0]; line != "" {
			got = strip.ReplaceAllString(line, "")
		}
		if got != row[1] {
			t.Errorf("golden for %q is stale\n nginx: %s\ngolden: %s", pat, got, row[1])
		}
		out.WriteString(pat + "\t" + got + "\n")
	}
	if os.Getenv("WEIR_NGINX_GOLDEN") != "" {
		hdr := "# pattern<TAB>what nginx 1.22.1 -t says (ok = accepted); see nginx_test.go\n"
		if err := os.WriteFile(compileErrorsFile, []byte(hdr+out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"weir/internal/conf"
)

var update = flag.Bool("update", false, "rewrite the expected part of the golden files in testdata/")

// A golden file (testdata/*.nginxtest) holds one case: the text of
// nginx.conf, optionally followed by more files, each introduced by a line
// "=== RELATIVE/PATH", then a line of ten dashes and the expected result.
//
// The expected result is either one line "LEVEL: MESSAGE", the error Load
// must return (LEVEL is emerg or crit, as nginx logs it), or the Dump of
// the loaded configuration. The temporary directory the case runs in (the
// prefix, holding nginx.conf) is written $D.
//
// Lines at the top of nginx.conf may carry instructions; they stay in the
// file as comments, so line numbers are those of the golden file:
//
//	# weir-only: REASON   weir deliberately differs from nginx here; the
//	                      oracle test skips the case
//	# -g: TEXT            the -g option's text
//	# needs-root          the case is skipped unless the tests run as root
const separator = "----------"

type goldenCase struct {
	name      string
	path      string
	conf      string
	files     map[string]string // relative path -> content
	globals   string
	weirOnly  string
	needsRoot bool // the result depends on running as root (user)
	want      string
}

func readGolden(path string) (*goldenCase, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text := string(data)
	in, want, ok := strings.Cut(text, "\n"+separator+"\n")
	if !ok {
		if strings.HasSuffix(text, "\n"+separator) {
			in, want = strings.TrimSuffix(text, "\n"+separator), ""
		} else {
			return nil, errors.New("no separator line")
		}
	}
	c := &goldenCase{
		name:  strings.TrimSuffix(filepath.Base(path), ".nginxtest"),
		path:  path,
		files: map[string]string{},
		want:  strings.TrimRight(want, "\n"),
	}
	nl := func(s string) string {
		if s == "" || strings.HasSuffix(s, "\n") {
			return s
		}
		return s + "\n"
	}
	parts := strings.Split(in, "\n=== ")
	c.conf = nl(parts[0])
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		c.files[name] = nl(body)
	}
	for _, l := range strings.Split(c.conf, "\n") {
		switch {
		case strings.HasPrefix(l, "# weir-only:"):
			c.weirOnly = strings.TrimSpace(strings.TrimPrefix(l, "# weir-only:"))
		case strings.HasPrefix(l, "# needs-root"):
			c.needsRoot = true
		case strings.HasPrefix(l, "# -g:"):
			c.globals = strings.TrimSpace(strings.TrimPrefix(l, "# -g:"))
		case strings.HasPrefix(l, "#"):
		default:
			return c, nil
		}
	}
	return c, nil
}

// materialise writes the case's files into a new temporary directory, with
// the logs and html directories nginx -t expects, and returns it.
func (c *goldenCase) materialise(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("nginx.conf", c.conf)
	for name, body := range c.files {
		write(name, body)
	}
	for _, d := range []string{"logs", "html"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// isError reports whether the expected result is an error line.
func (c *goldenCase) isError() bool {
	return strings.HasPrefix(c.want, "emerg: ") || strings.HasPrefix(c.want, "crit: ")
}

// runWeir loads the case and renders the result in the golden notation.
func runWeir(dir string, c *goldenCase) string {
	cfg, err := Load(Options{Prefix: dir + "/", ConfFile: dir + "/nginx.conf", Globals: c.globals})
	var out string
	if err != nil {
		level := "emerg"
		var e *conf.Error
		if errors.As(err, &e) && e.Level != "" {
			level = e.Level
		}
		out = level + ": " + err.Error()
	} else {
		out = strings.TrimRight(Dump(cfg), "\n")
	}
	return strings.ReplaceAll(out, dir, "$D")
}

func goldenFiles(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.nginxtest")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	if len(paths) == 0 {
		t.Fatal("no golden files")
	}
	return paths
}

func TestGolden(t *testing.T) {
	for _, path := range goldenFiles(t) {
		c, err := readGolden(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		t.Run(c.name, func(t *testing.T) {
			if c.needsRoot && os.Geteuid() != 0 {
				t.Skip("needs root")
			}
			dir := c.materialise(t)
			got := runWeir(dir, c)
			if got == c.want {
				return
			}
			if *update {
				rewriteGolden(t, c, got)
				return
			}
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", c.path, got, c.want)
		})
	}
}

// rewriteGolden replaces the expected part of a golden file.
func rewriteGolden(t *testing.T, c *goldenCase, got string) {
	t.Helper()
	data, err := os.ReadFile(c.path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "\n"+separator+"\n")
	if i < 0 {
		i = strings.LastIndex(text, "\n"+separator)
	}
	text = text[:i] + "\n" + separator + "\n" + got + "\n"
	if err := os.WriteFile(c.path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestGoldenCoverage(t *testing.T) {
	var errs, dumps int
	for _, path := range goldenFiles(t) {
		c, err := readGolden(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if c.isError() {
			errs++
		} else {
			dumps++
		}
	}
	t.Logf("%d error cases, %d dump cases", errs, dumps)
}

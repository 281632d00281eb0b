package conf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the want sections of testdata/*.txtar")

// archive is a testdata file in txtar form: a comment, then sections
// "-- NAME --" holding files, the last one named "want".
type archive struct {
	comment string
	files   []section
}

type section struct {
	name string
	data string
}

func parseArchive(text string) archive {
	var a archive
	cur := &a.comment
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			a.files = append(a.files, section{name: trimmed[3 : len(trimmed)-3]})
			cur = &a.files[len(a.files)-1].data
			continue
		}
		*cur += line
	}
	return a
}

func (a archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, f := range a.files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
	}
	return b.String()
}

// TestGolden parses each testdata/*.txtar: its files are written to a
// fresh directory $D, $D/nginx.conf is parsed with ConfPrefix "$D/", and
// the dump of the tree, the error if any, and the files read (what -T
// prints) must equal the "want" section. When the comment has a line
// "nginx: same", the real nginx -t must reach the same verdict.
// Run with -update to rewrite the want sections after a reviewed change.
func TestGolden(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(string(text))
			if len(a.files) < 2 || a.files[len(a.files)-1].name != "want" {
				t.Fatalf("%s: want files then a want section", path)
			}
			dir := t.TempDir()
			for _, f := range a.files[:len(a.files)-1] {
				write(t, dir, f.name, strings.ReplaceAll(f.data, "$D", dir))
			}
			tree, err := ParseFile(dir+"/nginx.conf", Options{ConfPrefix: dir + "/"})
			got := dump(tree.Stmts)
			if err != nil {
				got += verdict(err) + "\n"
			}
			got += "files:\n"
			for _, f := range tree.Files {
				got += "  " + f.Name + "\n"
			}
			got = strings.ReplaceAll(got, dir, "$D")

			want := &a.files[len(a.files)-1].data
			if *update {
				*want = got
				if err := os.WriteFile(path, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if got != *want {
				t.Errorf("got:\n%s\nwant:\n%s", got, *want)
			}

			if strings.Contains(a.comment, "\nnginx: same\n") || strings.HasPrefix(a.comment, "nginx: same\n") {
				if !haveNginx() {
					t.Skip("no nginx")
				}
				v := strings.ReplaceAll(verdict(err), dir, "$D")
				if n := nginxTest(t, dir, ""); n != v {
					t.Errorf("nginx says %q, weir says %q", n, v)
				}
			}
		})
	}
}

package conf

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestInclude(t *testing.T) {
	ev := "events {}\n"
	evDump := "$D/nginx.conf:1 \"events\" {\n$D/nginx.conf:1 }\n"
	evd := func(rest string) string { return evDump + strings.TrimPrefix(rest, "\n") }
	runParseCases(t, []parseCase{
		{name: "relative path", in: ev + "include a.conf;\nworker_processes 2;\n",
			files: map[string]string{"a.conf": "\n\nenv A;\n"}, nginx: true, want: evd(`
$D/a.conf:3 "env" "A" ;
$D/nginx.conf:3 "worker_processes" "2" ;
`)},
		{name: "absolute path", in: ev + "include $D/a.conf;\n",
			files: map[string]string{"a.conf": "env A;\n"}, nginx: true, want: evd(`
$D/a.conf:1 "env" "A" ;
`)},
		{name: "statements go into the current block", in: "events {\n include e.conf;\n}\n",
			files: map[string]string{"e.conf": "worker_connections 10;\nmulti_accept on;\n"}, nginx: true, want: `
$D/nginx.conf:1 "events" {
  $D/e.conf:1 "worker_connections" "10" ;
  $D/e.conf:2 "multi_accept" "on" ;
$D/nginx.conf:3 }
`},
		{name: "relative to the prefix, not to the including file", in: ev + "include sub/a.conf;\n",
			files: map[string]string{"sub/a.conf": "include b.conf;\n", "b.conf": "env B;\n"}, nginx: true, want: evd(`
$D/b.conf:1 "env" "B" ;
`)},
		{name: "nested includes", in: ev + "include a.conf;\nenv C;\n",
			files: map[string]string{"a.conf": "env A1;\ninclude b.conf;\nenv A2;\n", "b.conf": "env B;\n"}, nginx: true, want: evd(`
$D/a.conf:1 "env" "A1" ;
$D/b.conf:1 "env" "B" ;
$D/a.conf:3 "env" "A2" ;
$D/nginx.conf:3 "env" "C" ;
`)},
		{name: "quoted path", in: ev + "include \"a b.conf\";\n",
			files: map[string]string{"a b.conf": "env A;\n"}, nginx: true, want: evd(`
$D/a b.conf:1 "env" "A" ;
`)},
		{name: "missing file", in: ev + "env A;\ninclude\n nope.conf;\nenv B;\n", nginx: true, want: evd(`
$D/nginx.conf:2 "env" "A" ;
emerg: open() "$D/nope.conf" failed (2: No such file or directory) in $D/nginx.conf:4
`)},
		{name: "missing file is not cleaned", in: ev + "include ../x/./nope.conf;\n", nginx: true, want: evd(`
emerg: open() "$D/../x/./nope.conf" failed (2: No such file or directory) in $D/nginx.conf:2
`)},
		{name: "missing file from an included file", in: ev + "include a.conf;\n",
			files: map[string]string{"a.conf": "env A;\n\ninclude nope.conf;\n"}, nginx: true, want: evd(`
$D/a.conf:1 "env" "A" ;
emerg: open() "$D/nope.conf" failed (2: No such file or directory) in $D/a.conf:3
`)},
		{name: "directory", in: ev + "include sub;\n",
			files: map[string]string{"sub/x": ""}, nginx: true, want: evd(`
crit: pread() "$D/sub" failed (21: Is a directory)
`)},
		{name: "empty path is the prefix directory", in: ev + "include '';\n", nginx: true, want: evd(`
crit: pread() "$D/" failed (21: Is a directory)
`)},
		{name: "empty file", in: ev + "include a.conf;\n", files: map[string]string{"a.conf": ""}, nginx: true, want: evDump},
		{name: "syntax error in an included file", in: "events {\n include e.conf;\n}\n",
			files: map[string]string{"e.conf": "worker_connections 10;\nmulti_accept 'on'x;\n"}, nginx: true, want: `
$D/nginx.conf:1 "events" {
  $D/e.conf:1 "worker_connections" "10" ;
$D/nginx.conf:0 }
emerg: unexpected "x" in $D/e.conf:2
`},
		{name: "close brace in an included file", in: "events {\n include e.conf;\n}\n",
			files: map[string]string{"e.conf": "worker_connections 10;\n}\n"}, nginx: true, want: `
$D/nginx.conf:1 "events" {
  $D/e.conf:1 "worker_connections" "10" ;
$D/nginx.conf:0 }
emerg: unexpected "}" in $D/e.conf:2
`},
		{name: "block left open in an included file", in: "include e.conf;\n}\n",
			files: map[string]string{"e.conf": "events {\nworker_connections 10;\n"}, nginx: true, want: `
$D/e.conf:1 "events" {
  $D/e.conf:2 "worker_connections" "10" ;
$D/e.conf:0 }
emerg: unexpected end of file, expecting "}" in $D/e.conf:3
`},
		{name: "words left at the end of an included file", in: ev + "include a.conf;\n",
			files: map[string]string{"a.conf": "env A"}, nginx: true, want: evd(`
emerg: unexpected end of file, expecting ";" or "}" in $D/a.conf:1
`)},
		// nginx: invalid number of arguments in "include" directive.
		{name: "no argument is left to the directive layer", in: ev + "include;\nenv A;\n", want: evd(`
$D/nginx.conf:2 "include" ;
$D/nginx.conf:3 "env" "A" ;
`)},
		{name: "two arguments are left to the directive layer", in: ev + "include a b;\n", want: evd(`
$D/nginx.conf:2 "include" "a" "b" ;
`)},
		// nginx: directive "include" is not terminated by ";".
		{name: "block is left to the directive layer", in: ev + "include a {\n env A;\n}\n", want: evd(`
$D/nginx.conf:2 "include" "a" {
  $D/nginx.conf:3 "env" "A" ;
$D/nginx.conf:4 }
`)},
		// nginx: invalid percent value "include", invalid value "include".
		{name: "split_clients and charset_map read include as a value", in: ev +
			"split_clients $a $b {\n include a.conf;\n}\ncharset_map a b {\n include a.conf;\n}\nmap $a $c {\n include a.conf;\n}\n",
			files: map[string]string{"a.conf": "x y;\n"}, want: evd(`
$D/nginx.conf:2 "split_clients" "$a" "$b" {
  $D/nginx.conf:3 "include" "a.conf" ;
$D/nginx.conf:4 }
$D/nginx.conf:5 "charset_map" "a" "b" {
  $D/nginx.conf:6 "include" "a.conf" ;
$D/nginx.conf:7 }
$D/nginx.conf:8 "map" "$a" "$c" {
  $D/a.conf:1 "x" "y" ;
$D/nginx.conf:10 }
`)},
		{name: "include itself", in: ev + "include a.conf;\n", files: map[string]string{"a.conf": "include a.conf;\n"},
			want: evd("emerg: open() \"$D/a.conf\" failed (24: Too many open files) in $D/a.conf:1\n")},
	})
}

func TestIncludeGlob(t *testing.T) {
	ev := "events {}\n"
	evDump := "$D/nginx.conf:1 \"events\" {\n$D/nginx.conf:1 }\n"
	evd := func(rest string) string { return evDump + strings.TrimPrefix(rest, "\n") }
	confd := map[string]string{
		"conf.d/b.conf":       "env b;\n",
		"conf.d/a.conf":       "env a;\n",
		"conf.d/B.conf":       "env B;\n",
		"conf.d/10.conf":      "env 10;\n",
		"conf.d/9.conf":       "env 9;\n",
		"conf.d/_u.conf":      "env _u;\n",
		"conf.d/.hidden.conf": "env hidden;\n",
		"conf.d/x[1].conf":    "env x1;\n",
		"conf.d/x[1.conf":     "env x1open;\n",
		"conf.d/notes.txt":    "env txt;\n",
	}
	runParseCases(t, []parseCase{
		{name: "sorted bytewise, hidden files skipped", in: ev + "include conf.d/*.conf;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/10.conf:1 "env" "10" ;
$D/conf.d/9.conf:1 "env" "9" ;
$D/conf.d/B.conf:1 "env" "B" ;
$D/conf.d/_u.conf:1 "env" "_u" ;
$D/conf.d/a.conf:1 "env" "a" ;
$D/conf.d/b.conf:1 "env" "b" ;
$D/conf.d/x[1.conf:1 "env" "x1open" ;
$D/conf.d/x[1].conf:1 "env" "x1" ;
`)},
		{name: "no match is fine", in: ev + "include conf.d/*.nope;\ninclude nodir/*;\nenv A;\n", files: confd, nginx: true, want: evd(`
$D/nginx.conf:4 "env" "A" ;
`)},
		{name: "question mark", in: ev + "include conf.d/?.conf;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/9.conf:1 "env" "9" ;
$D/conf.d/B.conf:1 "env" "B" ;
$D/conf.d/a.conf:1 "env" "a" ;
$D/conf.d/b.conf:1 "env" "b" ;
`)},
		{name: "bracket, range and negation", in: ev + "include conf.d/[a-b].conf;\ninclude conf.d/[!a-z_1]*.conf;\ninclude conf.d/[^0-9a-z]*.conf;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/a.conf:1 "env" "a" ;
$D/conf.d/b.conf:1 "env" "b" ;
$D/conf.d/9.conf:1 "env" "9" ;
$D/conf.d/B.conf:1 "env" "B" ;
$D/conf.d/B.conf:1 "env" "B" ;
$D/conf.d/_u.conf:1 "env" "_u" ;
`)},
		{name: "character class", in: ev + "include conf.d/[[:upper:][:digit:]]*;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/10.conf:1 "env" "10" ;
$D/conf.d/9.conf:1 "env" "9" ;
$D/conf.d/B.conf:1 "env" "B" ;
`)},
		{name: "unclosed bracket is literal", in: ev + "include conf.d/x[1.conf;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/x[1.conf:1 "env" "x1open" ;
`)},
		{name: "unclosed bracket with no file is no match", in: ev + "include conf.d/y[1.conf;\n", files: confd, nginx: true, want: evDump},
		{name: "escaped bracket", in: ev + "include conf.d/x\\[1].conf;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/x[1].conf:1 "env" "x1" ;
`)},
		{name: "literal bracket pair is a class", in: ev + "include conf.d/x[1].conf;\n", files: confd, nginx: true, want: evDump},
		{name: "hidden files need a leading dot", in: ev + "include conf.d/.h*;\n", files: confd, nginx: true, want: evd(`
$D/conf.d/.hidden.conf:1 "env" "hidden" ;
`)},
		{name: "dot star matches the directory itself", in: ev + "include conf.d/.*;\n", files: confd, nginx: true, want: evd(`
crit: pread() "$D/conf.d/." failed (21: Is a directory)
`)},
		{name: "wildcard directories", in: ev + "include */*.conf;\n",
			files: map[string]string{"s2/a.conf": "env s2;\n", "s1/a.conf": "env s1;\n", "s1/b.conf": "env s1b;\n", "f.conf": "env f;\n"}, nginx: true, want: evd(`
$D/s1/a.conf:1 "env" "s1" ;
$D/s1/b.conf:1 "env" "s1b" ;
$D/s2/a.conf:1 "env" "s2" ;
`)},
		{name: "wildcard directories, literal file", in: ev + "include s*/a.conf;\n",
			files: map[string]string{"s2/a.conf": "env s2;\n", "s1/b.conf": "env s1b;\n"}, nginx: true, want: evd(`
$D/s2/a.conf:1 "env" "s2" ;
`)},
		{name: "match is a directory", in: ev + "include s*;\n",
			files: map[string]string{"s1/a.conf": ""}, nginx: true, want: evd(`
crit: pread() "$D/s1" failed (21: Is a directory)
`)},
		{name: "trailing slash matches directories", in: ev + "include *.conf/;\n",
			files: map[string]string{"a.conf": "env A;\n", "d.conf/x": ""}, nginx: true, want: evd(`
crit: pread() "$D/d.conf/" failed (21: Is a directory)
`)},
		{name: "error in the second match stops", in: ev + "include g/*.conf;\nenv Z;\n",
			files: map[string]string{"g/a.conf": "env A;\n", "g/b.conf": "env 'B'x;\n", "g/c.conf": "env C;\n"}, nginx: true, want: evd(`
$D/g/a.conf:1 "env" "A" ;
emerg: unexpected "x" in $D/g/b.conf:1
`)},
	})
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "nginx.conf", "include a.conf;\ninclude b.conf;\ninclude a.conf;\ninclude *.none;\n")
	write(t, dir, "a.conf", "env A;\n")
	write(t, dir, "b.conf", "include a.conf;\n")
	tree, err := ParseFile(dir+"/nginx.conf", Options{ConfPrefix: dir})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range tree.Files {
		names = append(names, strings.TrimPrefix(f.Name, dir+"/")+"="+string(f.Data))
	}
	want := []string{
		"nginx.conf=include a.conf;\ninclude b.conf;\ninclude a.conf;\ninclude *.none;\n",
		"a.conf=env A;\n",
		"b.conf=include a.conf;\n",
	}
	if !slices.Equal(names, want) {
		t.Errorf("files:\n%q\nwant:\n%q", names, want)
	}
	if n := len(tree.Stmts); n != 3 {
		t.Errorf("%d statements, want 3 (a.conf read three times)", n)
	}
}

func TestMainFile(t *testing.T) {
	dir := t.TempDir()
	tree, err := ParseFile(dir+"/nope.conf", Options{ConfPrefix: dir + "/"})
	want := `open() "` + dir + `/nope.conf" failed (2: No such file or directory)`
	if err == nil || err.Error() != want || tree == nil || len(tree.Stmts) != 0 {
		t.Errorf("got %v, want %s", err, want)
	}
	_, err = ParseFile(dir, Options{})
	var e *Error
	if !errors.As(err, &e) || e.Level != "crit" || e.Error() != `pread() "`+dir+`" failed (21: Is a directory)` {
		t.Errorf("directory: got %#v", err)
	}
}

func TestParseStringRecordsText(t *testing.T) {
	tree, err := ParseString("/virtual.conf", "a 1;\n", Options{})
	if err != nil || len(tree.Files) != 1 || tree.Files[0].Name != "/virtual.conf" || tree.Stmts[0].File != "/virtual.conf" {
		t.Errorf("got %+v, %v", tree, err)
	}
	tree, err = ParseString(CommandLine, "a 1;", Options{})
	if err != nil || len(tree.Files) != 0 {
		t.Errorf("command line: got %+v, %v", tree, err)
	}
}

func TestMemFS(t *testing.T) {
	fsys := newMemFS(map[string]string{
		"/etc/w/nginx.conf":     "http {\n include conf.d/*.conf;\n include mime.types;\n}\n",
		"/etc/w/conf.d/a.conf":  "server { listen 80; }\n",
		"/etc/w/conf.d/b.conf":  "server { listen 81; }\n",
		"/etc/w/conf.d/sub/x":   "",
		"/etc/w/mime.types.bak": "",
	})
	tree, err := ParseFile("/etc/w/nginx.conf", Options{ConfPrefix: "/etc/w", FS: fsys})
	want := `/etc/w/nginx.conf:1 "http" {
  /etc/w/conf.d/a.conf:1 "server" {
    /etc/w/conf.d/a.conf:1 "listen" "80" ;
  /etc/w/conf.d/a.conf:1 }
  /etc/w/conf.d/b.conf:1 "server" {
    /etc/w/conf.d/b.conf:1 "listen" "81" ;
  /etc/w/conf.d/b.conf:1 }
/etc/w/nginx.conf:0 }
emerg: open() "/etc/w/mime.types" failed (2: No such file or directory) in /etc/w/nginx.conf:3
`
	if got := dump(tree.Stmts) + verdict(err) + "\n"; got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestFullName(t *testing.T) {
	for _, c := range []struct{ prefix, name, want string }{
		{"/etc/nginx/", "mime.types", "/etc/nginx/mime.types"},
		{"/etc/nginx", "mime.types", "/etc/nginx/mime.types"},
		{"/etc/nginx/", "/abs/x.conf", "/abs/x.conf"},
		{"/etc/nginx/", "../x.conf", "/etc/nginx/../x.conf"},
		{"/etc/nginx/", "", "/etc/nginx/"},
		{"/etc/nginx/", "a\x00b", "/etc/nginx/a"},
		{"", "x.conf", "x.conf"},
	} {
		if got := fullName(c.prefix, c.name); got != c.want {
			t.Errorf("fullName(%q, %q) = %q, want %q", c.prefix, c.name, got, c.want)
		}
	}
}

func TestFnmatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a.conf", true},
		{"*", ".a", false},
		{".*", ".a", true},
		{".*", ".", true},
		{".*", "..", true},
		{`\.*`, ".a", true},
		{"?a", ".a", false},
		{"[.]a", ".a", false},
		{"a*", "a", true},
		{"*.conf", "x.conf.bak", false},
		{"*.conf*", "x.conf.bak", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"?", "", false},
		{"??", "ab", true},
		{"[abc]", "b", true},
		{"[!abc]", "b", false},
		{"[^abc]", "d", true},
		{"[]a]", "]", true},
		{"[!]a]", "]", false},
		{"[a-c]x", "bx", true},
		{"[a-]", "-", true},
		{"[[:digit:]]", "7", true},
		{"[[:alpha:]]", "7", false},
		{"[", "[", true},
		{"x[1", "x[1", true},
		{"x[1", "x1", false},
		{`\*`, "*", true},
		{`\*`, "a", false},
		{`a\`, `a\`, true},
		{`[\]]`, "]", true},
		{"*[", "ab[", true},
		{"**", "abc", true},
		{"*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 60), false},
	} {
		if got := fnmatch(c.pattern, c.name); got != c.want {
			t.Errorf("fnmatch(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}

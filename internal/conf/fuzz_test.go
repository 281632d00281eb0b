package conf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzFS gives the fuzzer files to include without touching the disk: a
// plain file, a glob directory with a broken file, a file including
// itself, and a directory.
var fuzzFS = newMemFS(map[string]string{
	"/f/a.conf":    "a 1;\nb { c 'd'; }\n",
	"/f/d/x.conf":  "x \"${y}\";\n",
	"/f/d/y.conf":  "y {\n",
	"/f/self.conf": "include self.conf;\n",
	"/f/sub/z":     "z;\n",
})

// FuzzParse checks that the parser never panics or hangs and that its
// output is consistent:
//   - an error is an *Error with a message, positioned in a file;
//   - statements have sane positions and one Quoted flag per argument;
//   - the tree (complete, or partial after an error) written back as
//     configuration text parses again, without error, to the same tree;
//   - text the -g parser accepts parses to the same statements as a file.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", "a;", "a b c;", "a { b; c { d; } }", "a \"b c\" 'd';",
		`a "\"\'\\\t\r\n\d";`, `a \"b \t \x;`, "a b#c; # d\n e;",
		"set $a ${b}c ${;", `if ($a = "b") { return 403; }`, `a "b")c;`,
		`a "b"c;`, "a }", "}", ";", "{", "a {", "a", "a \"b", "a \\",
		"a\r\nb;\r\n", "a\x00b;", "include a.conf;", "include d/*.conf;",
		"include self.conf;", "include sub;", "include d/[x];", "include;",
		"include a b;", "include a {}", "x { include a.conf; }",
		"a " + strings.Repeat("b", 5000) + ";", "#" + strings.Repeat("c", 5000),
	} {
		f.Add([]byte(s))
	}
	if paths, err := filepath.Glob("testdata/*.txtar"); err == nil {
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add([]byte(parseArchive(string(b)).files[0].data))
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		text := string(data)
		opt := Options{ConfPrefix: "/f/", FS: fuzzFS}

		tree, err := ParseString("/f/nginx.conf", text, opt)
		checkError(t, err, false)
		checkStmts(t, tree.Stmts, "/f/nginx.conf", strings.Count(text, "\n")+1)

		if maxWord(tree.Stmts) < 1000 {
			again := format(tree.Stmts)
			tree2, err2 := ParseString("/f/again.conf", again, opt)
			if err2 != nil {
				t.Fatalf("written back tree does not parse: %v\n%s", err2, again)
			}
			if !sameTree(tree.Stmts, tree2.Stmts) {
				t.Fatalf("round trip changed the tree:\n%s\nbecame\n%s", dump(tree.Stmts), dump(tree2.Stmts))
			}
		}

		ptree, perr := ParseString(CommandLine, text, opt)
		checkError(t, perr, true)
		if perr == nil {
			switch {
			case err == nil && !sameTree(ptree.Stmts, tree.Stmts):
				t.Fatalf("-g and file parses differ:\n%s\n%s", dump(ptree.Stmts), dump(tree.Stmts))
			case err != nil && !strings.HasPrefix(err.(*Error).Msg, "too long parameter"):
				t.Fatalf("-g parse succeeded, file parse failed: %v", err)
			}
		}
	})
}

// checkError checks the shape of a parse error.
func checkError(t *testing.T, err error, param bool) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("error %T is not *Error: %v", err, err)
	}
	switch {
	case e.Msg == "":
		t.Fatalf("empty error message: %#v", e)
	case e.Level == "crit":
		if !strings.HasPrefix(e.Msg, "pread() ") {
			t.Fatalf("unexpected crit error: %#v", e)
		}
	case e.File == "":
		t.Fatalf("unpositioned error: %#v", e)
	case param && e.File == CommandLine && e.Line != 0:
		t.Fatalf("command line error with a line: %#v", e)
	case e.File != CommandLine && e.Line < 1:
		t.Fatalf("error without a line: %#v", e)
	}
}

// checkStmts checks positions and per-argument flags: statements of file
// main lie within its lines and, in reading order, never go back.
func checkStmts(t *testing.T, stmts []*Stmt, main string, lines int) {
	t.Helper()
	last := 0
	var walk func([]*Stmt)
	walk = func(ss []*Stmt) {
		for _, s := range ss {
			if len(s.Quoted) != len(s.Args) {
				t.Fatalf("%d Quoted flags for %d arguments", len(s.Quoted), len(s.Args))
			}
			if !s.HasBlock && (s.Block != nil || s.EndLine != 0) {
				t.Fatalf("simple statement with a block: %+v", s)
			}
			if s.EndLine != 0 && s.EndLine < s.Line {
				t.Fatalf("block ends on line %d before it starts on %d", s.EndLine, s.Line)
			}
			if s.File == main {
				if s.Line < last || s.Line > lines {
					t.Fatalf("statement on line %d after line %d, of %d", s.Line, last, lines)
				}
				last = s.Line
			}
			walk(s.Block)
			if s.File == main && s.EndLine != 0 {
				last = s.EndLine
			}
		}
	}
	walk(stmts)
}

// maxWord is the length of the longest word once written back, which must
// stay well within nginx's 4096-byte buffer for the round trip to hold.
func maxWord(stmts []*Stmt) int {
	n := 0
	for _, s := range stmts {
		n = max(n, len(quoteWord(s.Name)))
		for _, a := range s.Args {
			n = max(n, len(quoteWord(a)))
		}
		n = max(n, maxWord(s.Block))
	}
	return n
}

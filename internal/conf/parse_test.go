package conf

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// parseCase is one table test: the main file nginx.conf (and more files)
// are written to a fresh directory $D, parsed with ConfPrefix "$D/", and
// the dump of the tree (see dump), followed by the error in nginx's log
// notation, must equal want. With nginx set, the real nginx -t must reach
// the same verdict on the same files: those cases use only directives
// nginx accepts before the error. "$D" in the files stands for the
// directory.
type parseCase struct {
	name  string
	in    string            // $D/nginx.conf
	files map[string]string // more files, by path relative to $D
	param string            // when set, parse this as the -g text instead of nginx.conf
	want  string
	nginx bool
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "nginx.conf", strings.ReplaceAll(c.in, "$D", dir))
			for name, data := range c.files {
				write(t, dir, name, strings.ReplaceAll(data, "$D", dir))
			}
			opt := Options{ConfPrefix: dir + "/"}
			var tree *Tree
			var err error
			if c.param != "" {
				tree, err = ParseString(CommandLine, c.param, opt)
			} else {
				tree, err = ParseFile(dir+"/nginx.conf", opt)
			}
			got := dump(tree.Stmts)
			if err != nil {
				got += verdict(err) + "\n"
			}
			got = strings.ReplaceAll(got, dir, "$D")
			if want := strings.TrimLeft(c.want, "\n"); got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
			if c.nginx && haveNginx() {
				v := strings.ReplaceAll(verdict(err), dir, "$D")
				if n := nginxTest(t, dir, c.param); n != v {
					t.Errorf("nginx says %q, weir says %q", n, v)
				}
			}
		})
	}
}

func write(t *testing.T, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStatements(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "simple statement", in: "worker_processes 1;\nevents {}\n", nginx: true, want: `
$D/nginx.conf:1 "worker_processes" "1" ;
$D/nginx.conf:2 "events" {
$D/nginx.conf:2 }
`},
		{name: "no arguments", in: "a;", want: `
$D/nginx.conf:1 "a" ;
`},
		{name: "block with body", in: "events {\n  worker_connections 10;\n}\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
  $D/nginx.conf:2 "worker_connections" "10" ;
$D/nginx.conf:3 }
`},
		{name: "nested blocks", in: "http {\n server {\n  location / {\n   root /x;\n  }\n }\n}\n", want: `
$D/nginx.conf:1 "http" {
  $D/nginx.conf:2 "server" {
    $D/nginx.conf:3 "location" "/" {
      $D/nginx.conf:4 "root" "/x" ;
    $D/nginx.conf:5 }
  $D/nginx.conf:6 }
$D/nginx.conf:7 }
`},
		{name: "line is where the terminator is", in: "listen\n80\n\n;\n", want: `
$D/nginx.conf:4 "listen" "80" ;
`},
		{name: "block line is where the brace is", in: "server\n\n{\n}", want: `
$D/nginx.conf:3 "server" {
$D/nginx.conf:4 }
`},
		{name: "several statements on one line", in: "a 1; b 2; c { d; } e;", want: `
$D/nginx.conf:1 "a" "1" ;
$D/nginx.conf:1 "b" "2" ;
$D/nginx.conf:1 "c" {
  $D/nginx.conf:1 "d" ;
$D/nginx.conf:1 }
$D/nginx.conf:1 "e" ;
`},
		{name: "empty file", in: "", want: ``},
		{name: "only space and comments", in: "\n  \t\r\n# x { ;\n  # y }\n", want: ``},
		{name: "no newline at end", in: "events {}", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
`},
		{name: "crlf line endings", in: "events {\r\n}\r\nworker_processes\r\n 2;\r\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:2 }
$D/nginx.conf:4 "worker_processes" "2" ;
`},
		{name: "bare cr is white space but no line", in: "a\rb\r;\n", want: `
$D/nginx.conf:1 "a" "b" ;
`},
		{name: "tabs", in: "a\tb\t\tc;", want: `
$D/nginx.conf:1 "a" "b" "c" ;
`},
		{name: "other control bytes are word bytes", in: "a\vb\fc\x00d;", want: `
$D/nginx.conf:1 "a\vb\fc\x00d" ;
`},
		// nginx then says `unknown directive "\ufeffevents"`.
		{name: "utf-8 bom is part of the first word", in: "\ufeffevents {}", want: `
$D/nginx.conf:1 "\ufeffevents" {
$D/nginx.conf:1 }
`},
		{name: "many arguments", in: "a 1 2 3 4 5 6 7 8 9 10 11;", want: `
$D/nginx.conf:1 "a" "1" "2" "3" "4" "5" "6" "7" "8" "9" "10" "11" ;
`},
		{name: "empty block is a block", in: "a {}", want: `
$D/nginx.conf:1 "a" {
$D/nginx.conf:1 }
`},
	})
}

func TestWords(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "double quoted with spaces", in: `a "b c" d;`, want: `
$D/nginx.conf:1 "a" q"b c" "d" ;
`},
		{name: "single quoted", in: `a 'b "c"' d;`, want: `
$D/nginx.conf:1 "a" q"b \"c\"" "d" ;
`},
		{name: "empty quoted words", in: `a "" '';`, want: `
$D/nginx.conf:1 "a" q"" q"" ;
`},
		{name: "quoted name", in: `"a b" c;`, want: `
$D/nginx.conf:1 "a b" "c" ;
`},
		{name: "escapes nginx translates in quotes", in: `a "\"\'\\\t\r\n" '\"\'\\\t\r\n';`, want: `
$D/nginx.conf:1 "a" q"\"'\\\t\r\n" q"\"'\\\t\r\n" ;
`},
		{name: "other escapes stay as written in quotes", in: `a "\d\$\x\ \;" '\0';`, want: `
$D/nginx.conf:1 "a" q"\\d\\$\\x\\ \\;" q"\\0" ;
`},
		{name: "escapes outside quotes are translated too", in: `a \"b\" \t x\ny \\z \q;`, want: `
$D/nginx.conf:1 "a" "\"b\"" "\t" "x\ny" "\\z" "\\q" ;
`},
		{name: "escaped space joins words", in: `a b\ c;`, want: `
$D/nginx.conf:1 "a" "b\\ c" ;
`},
		{name: "escaped semicolon stays in the word", in: `a b\;c;`, want: `
$D/nginx.conf:1 "a" "b\\;c" ;
`},
		{name: "escaped brace stays in the word", in: `a b\{c;`, want: `
$D/nginx.conf:1 "a" "b\\{c" ;
`},
		{name: "escaped hash at word start is no comment", in: `a \#b;`, want: `
$D/nginx.conf:1 "a" "\\#b" ;
`},
		{name: "escaped quote at word start", in: `a \"b;`, want: `
$D/nginx.conf:1 "a" "\"b" ;
`},
		{name: "quotes inside a word are ordinary", in: `a b"c d"e f'g;`, want: `
$D/nginx.conf:1 "a" "b\"c" "d\"e" "f'g" ;
`},
		{name: "escaped closing quote", in: `a "x\"y" 'p\'q';`, want: `
$D/nginx.conf:1 "a" q"x\"y" q"p'q" ;
`},
		{name: "escaped backslash before closing quote", in: `a "x\\" y;`, want: `
$D/nginx.conf:1 "a" q"x\\" "y" ;
`},
		{name: "other quote inside quotes", in: `a "x'y" 'x"y';`, want: `
$D/nginx.conf:1 "a" q"x'y" q"x\"y" ;
`},
		{name: "newlines inside quotes count", in: "a \"x\ny\n\"\n;", want: `
$D/nginx.conf:4 "a" q"x\ny\n" ;
`},
		{name: "terminators inside quotes", in: `a "x;y{z}" '#w';`, want: `
$D/nginx.conf:1 "a" q"x;y{z}" q"#w" ;
`},
		{name: "brace ends an unquoted word", in: "location /x{ }", want: `
$D/nginx.conf:1 "location" "/x" {
$D/nginx.conf:1 }
`},
		{name: "semicolon ends an unquoted word", in: "a b;c;", want: `
$D/nginx.conf:1 "a" "b" ;
$D/nginx.conf:1 "c" ;
`},
		{name: "close brace inside a word", in: "a b}c;", want: `
$D/nginx.conf:1 "a" "b}c" ;
`},
		{name: "parenthesis after closing quote starts a word", in: `if ($a = "b") {}`, want: `
$D/nginx.conf:1 "if" "($a" "=" q"b" ")" {
$D/nginx.conf:1 }
`},
		{name: "parenthesis after quote then more", in: `a "b")c 'd'));`, want: `
$D/nginx.conf:1 "a" q"b" ")c" q"d" "))" ;
`},
		{name: "closing quote then brace", in: `a "b"{}`, want: `
$D/nginx.conf:1 "a" q"b" {
$D/nginx.conf:1 }
`},
		{name: "closing quote then semicolon", in: `a 'b';`, want: `
$D/nginx.conf:1 "a" q"b" ;
`},
		{name: "very long word within the buffer", in: "env " + strings.Repeat("A", 4000) + ";\nevents {}\n", nginx: true,
			want: "\n$D/nginx.conf:1 \"env\" \"" + strings.Repeat("A", 4000) + "\" ;\n$D/nginx.conf:2 \"events\" {\n$D/nginx.conf:2 }\n"},
	})
}

func TestComments(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "hash inside a word is not a comment", in: "return 200 a#b;", want: `
$D/nginx.conf:1 "return" "200" "a#b" ;
`},
		{name: "comment inside a statement", in: "a b #c;\n d;", want: `
$D/nginx.conf:2 "a" "b" "d" ;
`},
		{name: "comment after a statement", in: "a; # b {\nc;", want: `
$D/nginx.conf:1 "a" ;
$D/nginx.conf:2 "c" ;
`},
		{name: "comment right after terminator", in: "a;#b\nc;", want: `
$D/nginx.conf:1 "a" ;
$D/nginx.conf:2 "c" ;
`},
		{name: "comment at end without newline", in: "a;\n# b", want: `
$D/nginx.conf:1 "a" ;
`},
		{name: "comment ends at lf only", in: "a;# b\rc;\nd;", want: `
$D/nginx.conf:1 "a" ;
$D/nginx.conf:2 "d" ;
`},
		{name: "hash after closing quote", in: "events {}\nenv \"a\"#b;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "#" in $D/nginx.conf:2
`},
	})
}

func TestVariables(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "braced variable in a word", in: "set $a ${b}c;", want: `
$D/nginx.conf:1 "set" "$a" "${b}c" ;
`},
		{name: "braced variable inside a word", in: "a x${b}y${c};", want: `
$D/nginx.conf:1 "a" "x${b}y${c}" ;
`},
		{name: "braced variable in quotes", in: `a "${b}" '${c}';`, want: `
$D/nginx.conf:1 "a" q"${b}" q"${c}" ;
`},
		{name: "several braces after dollar", in: "a ${{b}};", want: `
$D/nginx.conf:1 "a" "${{b}}" ;
`},
		{name: "dollar brace then semicolon", in: "a ${;", want: `
$D/nginx.conf:1 "a" "${" ;
`},
		{name: "brace after a variable name opens a block", in: "a $b{ }", want: `
$D/nginx.conf:1 "a" "$b" {
$D/nginx.conf:1 }
`},
		{name: "escaped brace after dollar", in: `a $\{b;`, want: `
$D/nginx.conf:1 "a" "$\\{b" ;
`},
		{name: "dollar then space then brace", in: "a $ {}", want: `
$D/nginx.conf:1 "a" "$" {
$D/nginx.conf:1 }
`},
		{name: "lone dollar", in: "a $;", want: `
$D/nginx.conf:1 "a" "$" ;
`},
		{name: "variable brace in env value", in: "events {}\nenv A=${B};\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
$D/nginx.conf:2 "env" "A=${B}" ;
`},
	})
}

func TestSyntaxErrors(t *testing.T) {
	runParseCases(t, []parseCase{
		{name: "character after closing quote", in: "events {}\nenv \"a\"b;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "b" in $D/nginx.conf:2
`},
		{name: "quote after closing quote", in: "events {}\nenv \"a\"\"b\";\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected """ in $D/nginx.conf:2
`},
		{name: "close brace after closing quote", in: "events {}\nenv 'a'}\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "}" in $D/nginx.conf:2
`},
		{name: "backslash after closing quote", in: "events {}\nenv 'a'\\;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "\" in $D/nginx.conf:2
`},
		{name: "nul after closing quote", in: "events {}\nenv 'a'\x00;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "` + "\x00" + `" in $D/nginx.conf:2
`},
		{name: "byte above 0x7f after closing quote", in: "events {}\nenv 'a'\xff;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "` + "\xff" + `" in $D/nginx.conf:2
`},
		{name: "lone semicolon", in: "events {}\n\n;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected ";" in $D/nginx.conf:3
`},
		{name: "double semicolon", in: "events {}\nworker_processes 1;;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
$D/nginx.conf:2 "worker_processes" "1" ;
emerg: unexpected ";" in $D/nginx.conf:2
`},
		{name: "lone opening brace", in: "events {}\n{\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "{" in $D/nginx.conf:2
`},
		{name: "close brace at top level", in: "events {}\n}\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected "}" in $D/nginx.conf:2
`},
		{name: "close brace after words", in: "events {\nworker_connections 1 }\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:0 }
emerg: unexpected "}" in $D/nginx.conf:2
`},
		{name: "end of file inside a block", in: "events {\n  worker_connections 10;\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
  $D/nginx.conf:2 "worker_connections" "10" ;
$D/nginx.conf:0 }
emerg: unexpected end of file, expecting "}" in $D/nginx.conf:3
`},
		{name: "end of file inside nested blocks", in: "events {}\nhttp {\n types {\n  text/html html;\n  text/css css;", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
$D/nginx.conf:2 "http" {
  $D/nginx.conf:3 "types" {
    $D/nginx.conf:4 "text/html" "html" ;
    $D/nginx.conf:5 "text/css" "css" ;
  $D/nginx.conf:0 }
$D/nginx.conf:0 }
emerg: unexpected end of file, expecting "}" in $D/nginx.conf:5
`},
		{name: "end of file after words", in: "events {}\nworker_processes 1\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected end of file, expecting ";" or "}" in $D/nginx.conf:3
`},
		{name: "end of file in a word", in: "events {}\nworker_processes", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected end of file, expecting ";" or "}" in $D/nginx.conf:2
`},
		{name: "end of file in quotes", in: "events {}\nenv \"a\n\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected end of file, expecting ";" or "}" in $D/nginx.conf:4
`},
		{name: "end of file after backslash", in: "events {}\nenv \\", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected end of file, expecting ";" or "}" in $D/nginx.conf:2
`},
		{name: "end of file after a closing quote", in: "events {}\nenv 'a'", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: unexpected end of file, expecting ";" or "}" in $D/nginx.conf:2
`},
		{name: "end of file in a comment inside a block", in: "events {\n# }", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:0 }
emerg: unexpected end of file, expecting "}" in $D/nginx.conf:2
`},
		// nginx reports `unknown directive "foo"` first: see TestDirectiveFirst.
		{name: "directive error comes first in nginx", in: "events {}\nfoo;;\n", want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
$D/nginx.conf:2 "foo" ;
emerg: unexpected ";" in $D/nginx.conf:2
`},
	})
}

// TestDirectiveFirst pins the cases where nginx reports a directive error
// before the syntax error that stops the parser: the partial tree holds the
// statement the directive layer must reject.
func TestDirectiveFirst(t *testing.T) {
	if !haveNginx() {
		t.Skip("no nginx")
	}
	for name, in := range map[string]string{
		"unknown before double semicolon": "events {}\nfoo;;\n",
		"unknown block before eof":        "events {}\nfoo {\n",
		"not allowed before eof":          "events {}\nhttp { worker_processes 1; \"a\"b }\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, "nginx.conf", in)
			tree, err := ParseFile(dir+"/nginx.conf", Options{ConfPrefix: dir + "/"})
			if err == nil || len(tree.Stmts) < 2 {
				t.Fatalf("want a partial tree of two statements and an error, got %s%v", dump(tree.Stmts), err)
			}
			n := nginxTest(t, dir, "")
			if strings.Contains(n, "unexpected") {
				t.Errorf("nginx reported the syntax error first: %s", n)
			}
		})
	}
}

func TestLongWords(t *testing.T) {
	long := strings.Repeat("a", 5000)
	runParseCases(t, []parseCase{
		{name: "word longer than the buffer", in: "events {}\nenv " + long + ";\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter "aaaaaaaaaa..." started in $D/nginx.conf:2
`},
		{name: "word position is where it started", in: "events {}\nenv\n\n" + long + ";\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter "aaaaaaaaaa..." started in $D/nginx.conf:4
`},
		{name: "double quoted longer than the buffer", in: "events {}\nenv \"" + long + "\";\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter, probably missing terminating """ character in $D/nginx.conf:2
`},
		{name: "single quoted longer than the buffer", in: "events {}\nenv '\n" + long + "';\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter, probably missing terminating "'" character in $D/nginx.conf:2
`},
		{name: "unterminated quote", in: "events {}\nenv \"a;\n" + strings.Repeat("worker_processes 1;\n", 300), nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter, probably missing terminating """ character in $D/nginx.conf:2
`},
		{name: "comment longer than the buffer", in: "events {}\n#" + long + "\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter "#aaaaaaaaa..." started in $D/nginx.conf:2
`},
		{name: "escaped word longer than the buffer", in: "events {}\nenv \\" + long + ";\n", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter "\aaaaaaaaa..." started in $D/nginx.conf:2
`},
		{name: "long word at the end of the file fails too", in: "events {}\nenv " + long + ";", nginx: true, want: `
$D/nginx.conf:1 "events" {
$D/nginx.conf:1 }
emerg: too long parameter "aaaaaaaaaa..." started in $D/nginx.conf:2
`},
		{name: "many long words", in: "events {}\n" + strings.Repeat("env "+strings.Repeat("b", 3000)+";\n", 5), nginx: true,
			want: "\n$D/nginx.conf:1 \"events\" {\n$D/nginx.conf:1 }\n" +
				"$D/nginx.conf:2 \"env\" \"" + strings.Repeat("b", 3000) + "\" ;\n" +
				"$D/nginx.conf:3 \"env\" \"" + strings.Repeat("b", 3000) + "\" ;\n" +
				"$D/nginx.conf:4 \"env\" \"" + strings.Repeat("b", 3000) + "\" ;\n" +
				"$D/nginx.conf:5 \"env\" \"" + strings.Repeat("b", 3000) + "\" ;\n" +
				"$D/nginx.conf:6 \"env\" \"" + strings.Repeat("b", 3000) + "\" ;\n"},
	})
}

// TestBufferBoundary checks the exact length at which a word stops fitting
// nginx's read buffer, which depends on where the word starts, against the
// real nginx: the lexer emulates the buffer's refills.
func TestBufferBoundary(t *testing.T) {
	if !haveNginx() {
		t.Skip("no nginx")
	}
	for _, pad := range []int{0, 1, 7, 100, 4000, 4090, 4095, 4096, 5000} {
		for _, n := range []int{4086, 4087, 4088, 4089, 4090, 4091, 4092, 4093, 4095, 4096} {
			// "env" then pad spaces then a word of n bytes, twice, so that
			// the second word meets a refill at another offset.
			word := "env" + strings.Repeat(" ", pad+1) + strings.Repeat("x", n) + ";\n"
			in := "events {}\n" + word + "#" + strings.Repeat("y", pad) + "\n" + word
			dir := t.TempDir()
			write(t, dir, "nginx.conf", in)
			_, err := ParseFile(dir+"/nginx.conf", Options{ConfPrefix: dir + "/"})
			got := strings.ReplaceAll(verdict(err), dir, "$D")
			if want := nginxTest(t, dir, ""); got != want {
				t.Errorf("pad %d, word %d: weir %q, nginx %q", pad, n, got, want)
			}
		}
	}
}

func TestCommandLine(t *testing.T) {
	events := "events {}\n"
	runParseCases(t, []parseCase{
		{name: "statements", in: events, param: "daemon off; worker_processes 2;", nginx: true, want: `
command line:0 "daemon" "off" ;
command line:0 "worker_processes" "2" ;
`},
		{name: "missing semicolon", in: events, param: "daemon off", nginx: true, want: `
emerg: unexpected end of parameter, expecting ";" in command line
`},
		{name: "missing semicolon after statement", in: events, param: "daemon off; pid x", nginx: true, want: `
command line:0 "daemon" "off" ;
emerg: unexpected end of parameter, expecting ";" in command line
`},
		{name: "block refused", in: events, param: "events {}", nginx: true, want: `
emerg: block directives are not supported in -g option in command line
`},
		{name: "close brace", in: events, param: "daemon off; }", nginx: true, want: `
command line:0 "daemon" "off" ;
emerg: unexpected "}" in command line
`},
		{name: "character after quote", in: events, param: `daemon "a"b;`, nginx: true, want: `
emerg: unexpected "b" in command line
`},
		{name: "lone semicolon", in: events, param: ";", nginx: true, want: `
emerg: unexpected ";" in command line
`},
		{name: "newlines do not count", in: events, param: "daemon\noff;\nmaster_process\non;", nginx: true, want: `
command line:0 "daemon" "off" ;
command line:0 "master_process" "on" ;
`},
		{name: "long words are fine", in: events, param: "env " + strings.Repeat("E", 5000) + ";", nginx: true,
			want: "\ncommand line:0 \"env\" \"" + strings.Repeat("E", 5000) + "\" ;\n"},
		{name: "include reads a file", in: events, param: "include g.conf;", files: map[string]string{"g.conf": "worker_processes 2;\n"}, nginx: true, want: `
$D/g.conf:1 "worker_processes" "2" ;
`},
	})
}

func TestErrorFormat(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		want string
	}{
		{&Error{Msg: "m", File: "/f", Line: 3}, "m in /f:3"},
		{&Error{Msg: "m", File: CommandLine}, "m in command line"},
		{&Error{Msg: `open() "/f" failed (2: No such file or directory)`}, `open() "/f" failed (2: No such file or directory)`},
		{Errorf(&Stmt{File: "/f", Line: 4}, "unknown directive %q", "x"), `unknown directive "x" in /f:4`},
		{ErrorfEnd(&Stmt{File: "/f", Line: 4, EndLine: 9}, "no servers are inside upstream"), `no servers are inside upstream in /f:9`},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestWordsAgainstNginx compares the unescaped value of single words with
// what the real nginx makes of them, read back from the message of a
// directive that echoes its argument:
// `invalid value "WORD" in "daemon" directive, it must be "on" or "off"`.
func TestWordsAgainstNginx(t *testing.T) {
	if !haveNginx() {
		t.Skip("no nginx")
	}
	echo := regexp.MustCompile(`(?s)\[emerg\] (?:\d+#\d+: )?invalid value "(.*)" in "daemon" directive, it must be "on" or "off" in `)
	for _, raw := range []string{
		`a\nb`, `"a\nb"`, `'a\tb'`, `a\rb`, `a\qb`, `'a\qb'`, `"a\$b"`, `a\"b`, `"a\"b"`, `'a\'b'`,
		`"a\'b"`, `a\\b`, `"a\\b"`, `a\;b`, `a\{b`, `a#b`, `${x}`, `"${x}"`, `a${b}c`, `$\{x`,
		`${{x}}`, `a"b"`, `a'b`, `\"`, `\\`, `"\\\""`, `'\\\''`, "\"a\nb\"", `\a\b\c`, `"\ "`,
	} {
		dir := t.TempDir()
		in := "events {}\ndaemon " + raw + ";\n"
		write(t, dir, "nginx.conf", in)
		tree, err := ParseFile(dir+"/nginx.conf", Options{ConfPrefix: dir + "/"})
		if err != nil || len(tree.Stmts) != 2 || len(tree.Stmts[1].Args) != 1 {
			t.Errorf("%s: parse: %v\n%s", raw, err, dump(tree.Stmts))
			continue
		}
		out, _ := exec.Command(nginxBin, "-t", "-c", dir+"/nginx.conf", "-p", dir+"/").CombinedOutput()
		m := echo.FindSubmatch(out)
		if m == nil {
			t.Errorf("%s: cannot read nginx's value from:\n%s", raw, out)
			continue
		}
		if got, want := tree.Stmts[1].Args[0], string(m[1]); got != want {
			t.Errorf("%s: weir %q, nginx %q", raw, got, want)
		}
	}
}

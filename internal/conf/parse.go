package conf

// Which errors come from where.
//
// nginx reads one statement (ngx_conf_read_token), hands it to the
// directive table (ngx_conf_handler) and only then reads the next, so an
// error is always the first one in reading order. This package is the
// reading half. It produces, with nginx's exact words and position:
//
//   - `unexpected "X"` for a character after a closing quote that is not
//     white space, ";", "{" or ")"; `unexpected ";"` and `unexpected "{"`
//     for a terminator with no words before it; `unexpected "}"` for a "}"
//     after words or outside any block of the current file
//     (ngx_conf_read_token, ngx_conf_parse);
//   - `unexpected end of file, expecting ";" or "}"` (words at the end of a
//     file) and `unexpected end of file, expecting "}"` (a block left open
//     at the end of its file: blocks never span files);
//   - `too long parameter "XXXXXXXXXX..." started` and `too long parameter,
//     probably missing terminating """ character` (or "'"): a word or
//     comment that fills nginx's 4096-byte read buffer;
//   - for the -g text (ParseString with name CommandLine): `unexpected end
//     of parameter, expecting ";"` and `block directives are not supported
//     in -g option`, positioned "in command line";
//   - for include: `open() "/abs/path" failed (2: No such file or
//     directory)` at the include statement (unpositioned for the main
//     file), and at level "crit" `pread() "/abs/path" failed (21: Is a
//     directory)` for a file that opens but cannot be read.
//
// The directive layer (internal/config) produces the rest, because they
// need the directive table:
//
//   - `directive "X" is not terminated by ";"`: a non-block directive with
//     Stmt.HasBlock set, at Stmt.Line;
//   - `directive "X" has no opening "{"`: a block directive without
//     HasBlock, at Stmt.Line;
//   - `unexpected "{"`: a statement with HasBlock inside a block that nginx
//     parses with a custom handler (types, map, geo, split_clients,
//     charset_map, ...), at Stmt.Line;
//   - `invalid number of arguments in "include" directive` (or, inside map
//     and geo, their own words): the parser expands only well-formed
//     includes, "include" with exactly one argument ended by ";". Any other
//     "include" statement is left in the tree, unexpanded, for the
//     directive layer to reject in its context ("include x {" gives
//     `directive "include" is not terminated by ";"`);
//   - everything else: unknown directive, not allowed here, arity, values,
//     and checks made when a block closes (at Stmt.EndLine, see ErrorfEnd).
//
// To report the same first error as nginx, the directive layer walks the
// tree in reading order, checks a block statement before its body (nginx's
// handler runs when the "{" is read), and only then falls back to the
// *Error returned with the partial tree, which always comes after every
// statement in it. A block with EndLine 0 was cut off by that error: nginx
// never runs its end-of-block checks. The -g tree goes before the main
// file's, as nginx parses -g first.
//
// nginx expands a well-formed include inside a custom-handler block only
// where the handler asks for it (types, map, geo); charset_map and
// split_clients read "include" as a value and fail, so the parser leaves
// it in their blocks. One divergence is knowingly accepted: geo first
// looks for a compiled "FILE.bin".

import "strings"

// CommandLine is the name nginx gives the -g text in its errors. Passing it
// as the name to ParseString parses the text as nginx's ngx_conf_param
// does: statements must end with ";", blocks are refused, and errors and
// statements are positioned "in command line" (Line 0).
const CommandLine = "command line"

// Options tells the parser where relative include paths start.
type Options struct {
	// ConfPrefix is the directory relative include paths are resolved
	// against (nginx's conf_prefix: the directory of the -c file). nginx
	// joins it to the path by plain concatenation, without cleaning, and
	// prints the result in its errors; the parser does the same, adding a
	// "/" if ConfPrefix does not end with one.
	ConfPrefix string

	// FS, when not nil, is the file system files are read from instead of
	// the operating system's: tests and fuzzing use an in-memory one.
	FS FS
}

// File is one configuration file as read, for `-T`.
type File struct {
	Name string
	Data []byte
}

// Tree is the result of parsing: the top-level statements and every file
// read, in the order first read. A file read twice (included from two
// places) is listed once, as nginx's -T prints it once.
type Tree struct {
	Stmts []*Stmt
	Files []File
}

// ParseFile reads the file at path (as given: the caller resolves it
// against the prefix) and every file it includes. On a syntax error it
// returns the tree of statements completed before the error together with
// the *Error, so that the caller can report a directive error that nginx
// would have hit first (nginx handles each statement as soon as it is read).
// Block statements whose body the error cut off are in the partial tree,
// with the statements read before the error.
//
// A file that cannot be opened gives nginx's unpositioned `open() "PATH"
// failed (2: No such file or directory)`.
func ParseFile(path string, opt Options) (*Tree, error) {
	p := newParser(opt)
	if err := p.parseFile(path, nil, &p.tree.Stmts); err != nil {
		return p.tree, err
	}
	return p.tree, nil
}

// ParseString parses text as if it were a file named name (nginx uses
// "command line" for -g). Includes are resolved as in ParseFile.
//
// With name CommandLine the text is parsed as nginx parses the -g option
// (ngx_conf_param): see CommandLine. The text is then not recorded in
// Tree.Files, as nginx -T does not print it. Any other text is recorded.
func ParseString(name, text string, opt Options) (*Tree, error) {
	p := newParser(opt)
	param := name == CommandLine
	if !param {
		p.record(name, []byte(text))
	}
	l := newLexer(name, text, param)
	if err := p.parse(l, &p.tree.Stmts); err != nil {
		return p.tree, err
	}
	return p.tree, nil
}

// parser holds what lives across files while one configuration is read.
type parser struct {
	opt   Options
	fs    FS
	tree  *Tree
	seen  map[string]bool // files already in tree.Files
	depth int             // files open, as nginx holds one descriptor per nested file
}

func newParser(opt Options) *parser {
	fsys := opt.FS
	if fsys == nil {
		fsys = osFS{}
	}
	return &parser{opt: opt, fs: fsys, tree: &Tree{}, seen: make(map[string]bool)}
}

// record adds a file to tree.Files once, as ngx_conf_add_dump does.
func (p *parser) record(name string, data []byte) {
	if p.seen[name] {
		return
	}
	p.seen[name] = true
	p.tree.Files = append(p.tree.Files, File{Name: name, Data: data})
}

// parse reads statements from l and appends them to *dst until the end of
// l's input, mirroring ngx_conf_parse: a "}" closes the innermost block
// opened in this input, and is an error outside one; the end of input is an
// error inside one. nginx recurses into a block from the block directive's
// handler; here an explicit stack of open blocks does the same without
// recursion, so nesting depth costs no stack.
//
// Each statement is appended to its parent before its body is read, so on
// an error the tree already holds everything read so far.
func (p *parser) parse(l *lexer, dst *[]*Stmt) error {
	var open []*Stmt // enclosing block statements of this input
	cur := dst
	for {
		tok, err := l.next()
		if err != nil {
			return err
		}
		switch tok {
		case tokEOF:
			if len(open) > 0 {
				return l.errorf(`unexpected end of file, expecting "}"`)
			}
			return nil
		case tokBlockEnd:
			if len(open) == 0 {
				return l.errorf(`unexpected "}"`)
			}
			open[len(open)-1].EndLine = l.line
			open = open[:len(open)-1]
			cur = dst
			if len(open) > 0 {
				cur = &open[len(open)-1].Block
			}
			continue
		case tokBlockStart:
			if l.param {
				return l.errorf("block directives are not supported in -g option")
			}
		}

		s := l.stmt(tok == tokBlockStart)
		if !s.HasBlock && s.Name == "include" && len(s.Args) == 1 && !valueBlock(open) {
			if err := p.include(s, cur); err != nil {
				return err
			}
			continue
		}
		*cur = append(*cur, s)
		if s.HasBlock {
			open = append(open, s)
			cur = &s.Block
		}
	}
}

// valueBlock reports whether the innermost open block is one whose
// custom handler takes "include" as a value, not as a file to read
// (charset_map, split_clients).
func valueBlock(open []*Stmt) bool {
	if len(open) == 0 {
		return false
	}
	n := open[len(open)-1].Name
	return n == "charset_map" || n == "split_clients"
}

// stmt builds the statement whose words the lexer has just read.
func (l *lexer) stmt(block bool) *Stmt {
	s := &Stmt{
		Name:     l.words[0],
		HasBlock: block,
		File:     l.name,
		Line:     l.line,
		Include:  l.include,
	}
	if l.param {
		s.Line = 0
	}
	if n := len(l.words) - 1; n > 0 {
		s.Args = make([]string, n)
		copy(s.Args, l.words[1:])
		s.Quoted = make([]bool, n)
		copy(s.Quoted, l.quoted[1:])
	}
	return s
}

// fullName resolves an include path as ngx_conf_full_name does with the
// conf prefix: an absolute path is kept, anything else is appended to the
// prefix without cleaning. Like nginx, which works on C strings, it ends
// the name at a NUL byte.
func fullName(prefix, name string) string {
	if i := strings.IndexByte(name, 0); i >= 0 {
		name = name[:i]
	}
	if strings.HasPrefix(name, "/") || prefix == "" {
		return name
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix + name
}

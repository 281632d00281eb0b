package config

import (
	"strconv"
	"strings"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// Op is a rewrite-module instruction (ngx_http_rewrite_module's script
// codes, one per directive).
type Op int

const (
	OpReturn Op = iota
	OpRewrite
	OpSet
	OpIf
	OpBreak
)

// Instr is one instruction of a server or location rewrite script.
type Instr struct {
	Op   Op
	File string
	Line int

	// return
	Code int
	Text *vars.Value // body text or redirect URL; nil for a bare code

	// rewrite
	Regex       *regex.Regexp
	Replacement *vars.Value
	Flag        string // "", last, break, redirect, permanent
	Redirect    bool   // the replacement starts with http://, https://, $scheme
	KeepArgs    bool   // the replacement has no "?" at its end: append the request args
	NewArgs     bool   // the replacement contains "?": it sets new args

	// set
	Slot  int
	Name  string
	Value *vars.Value

	// if
	Cond  *Cond
	Block *Location
}

// CondKind is the test of an if.
type CondKind int

const (
	CondVar       CondKind = iota // "$var": not empty and not "0"
	CondEq                        // =
	CondNe                        // !=
	CondMatch                     // ~ ~*
	CondNotMatch                  // !~ !~*
	CondFile                      // -f
	CondNotFile                   // !-f
	CondDir                       // -d
	CondNotDir                    // !-d
	CondExists                    // -e
	CondNotExists                 // !-e
	CondExec                      // -x
	CondNotExec                   // !-x
)

// Cond is a compiled if condition.
type Cond struct {
	Kind     CondKind
	Left     *vars.Value
	Right    *vars.Value
	Regex    *regex.Regexp
	Caseless bool // ~* or !~*
}

func (b *builder) compile(s *conf.Stmt, v string) (*vars.Value, error) {
	cv, err := vars.Compile(v)
	if err != nil {
		return nil, conf.Errorf(s, "%s", err.Error())
	}
	b.values = append(b.values, cv)
	return cv, nil
}

// compileRegex compiles a pattern and declares its named captures as
// variables, as ngx_http_regex_compile does.
func (b *builder) compileRegex(s *conf.Stmt, pattern string, caseless bool) (*regex.Regexp, error) {
	re, err := regex.Compile(pattern, caseless)
	if err != nil {
		return nil, conf.Errorf(s, "%s", err.Error())
	}
	for _, n := range re.Names() {
		if n == "" {
			continue
		}
		// ngx_http_add_variable: a built-in that set cannot change
		// cannot be a capture either.
		if ln := strings.ToLower(n); !changeable[ln] {
			if _, builtin := vars.Lookup(ln); builtin {
				return nil, conf.Errorf(s, "the duplicate \"%s\" variable", n)
			}
		}
		b.http.Vars.DeclareCapture(n)
	}
	return re, nil
}

func (b *builder) script() *[]Instr {
	if b.loc != nil {
		return &b.loc.Rewrite
	}
	return &b.srv.Rewrite
}

func setReturn(b *builder, s *conf.Stmt) error {
	in := Instr{Op: OpReturn, File: s.File, Line: s.Line}
	a := s.Args[0]
	if n, err := strconv.Atoi(a); err == nil && isDigits(a) {
		if n > 999 {
			return conf.Errorf(s, "invalid return code \"%s\"", a)
		}
		in.Code = n
		if len(s.Args) == 2 {
			v, err := b.compile(s, s.Args[1])
			if err != nil {
				return err
			}
			in.Text = v
		}
	} else {
		if len(s.Args) == 2 {
			return conf.Errorf(s, "invalid return code \"%s\"", a)
		}
		if !(strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") || strings.HasPrefix(a, "$scheme")) {
			return conf.Errorf(s, "invalid return code \"%s\"", a)
		}
		in.Code = 302
		v, err := b.compile(s, a)
		if err != nil {
			return err
		}
		in.Text = v
	}
	p := b.script()
	*p = append(*p, in)
	return nil
}

func setBreak(b *builder, s *conf.Stmt) error {
	p := b.script()
	*p = append(*p, Instr{Op: OpBreak, File: s.File, Line: s.Line})
	return nil
}

// setRewrite is ngx_http_rewrite.
func setRewrite(b *builder, s *conf.Stmt) error {
	in := Instr{Op: OpRewrite, File: s.File, Line: s.Line}
	if s.Args[1] == "" {
		return conf.Errorf(s, "empty replacement")
	}
	re, err := b.compileRegex(s, s.Args[0], false)
	if err != nil {
		return err
	}
	in.Regex = re
	repl := s.Args[1]
	if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme") {
		in.Redirect = true
		in.Flag = "redirect"
	}
	if len(s.Args) == 3 {
		switch s.Args[2] {
		case "last", "break":
			in.Flag = s.Args[2]
		case "redirect", "permanent":
			in.Flag = s.Args[2]
			in.Redirect = true
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[2])
		}
	}
	if strings.HasSuffix(repl, "?") {
		repl = repl[:len(repl)-1]
		in.NewArgs = true
	} else if strings.Contains(repl, "?") {
		in.NewArgs, in.KeepArgs = true, true
	} else {
		in.KeepArgs = true
	}
	v, err := b.compile(s, repl)
	if err != nil {
		return err
	}
	in.Replacement = v
	p := b.script()
	*p = append(*p, in)
	return nil
}

// changeable are the built-in variables "set" may assign
// (NGX_HTTP_VAR_CHANGEABLE in nginx's core module).
var changeable = map[string]bool{"args": true, "limit_rate": true, "uid_reset": true}

// setSet is ngx_http_rewrite_set.
func setSet(b *builder, s *conf.Stmt) error {
	lname, err := settableVar(s, s.Args[0])
	if err != nil {
		return err
	}
	slot := b.http.Vars.Declare(lname)
	v, err := b.compile(s, s.Args[1])
	if err != nil {
		return err
	}
	p := b.script()
	*p = append(*p, Instr{Op: OpSet, File: s.File, Line: s.Line, Slot: slot, Name: lname, Value: v})
	return nil
}

// settableVar checks the "$name" that set and auth_request_set assign
// (ngx_http_add_variable with NGX_HTTP_VAR_CHANGEABLE) and returns the
// name lower-cased.
func settableVar(s *conf.Stmt, arg string) (string, error) {
	if arg == "" || arg[0] != '$' {
		return "", conf.Errorf(s, "invalid variable name \"%s\"", arg)
	}
	name := arg[1:]
	if name == "" {
		return "", conf.Errorf(s, "invalid variable name \"%s\"", arg)
	}
	lname := strings.ToLower(name)
	if _, builtin := vars.Lookup(lname); builtin && !changeable[lname] {
		return "", conf.Errorf(s, "the duplicate \"%s\" variable", name)
	}
	return lname, nil
}

// setIf implements ngx_http_rewrite_if: the condition, then the block as
// an anonymous location that inherits the enclosing one.
func setIf(b *builder, s *conf.Stmt) error {
	parent := b.loc
	l := &Location{File: s.File, Line: s.Line, Match: MatchNone, Parent: parent, Server: b.srv}
	l.Loc = &Loc{}
	cond, err := b.parseCond(s)
	if err != nil {
		return err
	}
	in := Instr{Op: OpIf, File: s.File, Line: s.Line, Cond: cond, Block: l}
	p := b.script()
	*p = append(*p, in)

	savedLoc, savedCur := b.loc, b.cur
	b.loc, b.cur = l, l.Loc
	defer func() { b.loc, b.cur = savedLoc, savedCur }()
	ctx := CtxLocationIf
	if parent == nil {
		ctx = CtxServerIf
	}
	return b.block(ctx, s.Block)
}

// fileOps are the file tests of if.
var fileOps = map[string]CondKind{
	"-f": CondFile, "!-f": CondNotFile, "-d": CondDir, "!-d": CondNotDir,
	"-e": CondExists, "!-e": CondNotExists, "-x": CondExec, "!-x": CondNotExec,
}

// parseCond is ngx_http_rewrite_if_condition, ported word for word: the
// parentheses are taken off the first and last words (or are words of
// their own), and each message names the one word nginx names.
func (b *builder) parseCond(s *conf.Stmt) (*Cond, error) {
	v := append([]string(nil), s.Args...)
	invalid := func(w string) error { return conf.Errorf(s, "invalid condition \"%s\"", w) }
	if v[0] == "" || v[0][0] != '(' {
		return nil, invalid(v[0])
	}
	cur, last := 0, len(v)-1
	if len(v[0]) == 1 {
		cur = 1
	} else {
		v[0] = v[0][1:]
	}
	if v[last] == "" || v[last][len(v[last])-1] != ')' {
		return nil, invalid(v[last])
	}
	if len(v[last]) == 1 {
		last--
	} else {
		v[last] = v[last][:len(v[last])-1]
	}
	w := v[cur]
	c := &Cond{}
	switch {
	case len(w) > 1 && w[0] == '$':
		if cur != last && cur+2 != last {
			return nil, invalid(w)
		}
		// The left side is one variable, named by everything after "$"
		// (ngx_http_rewrite_variable).
		left := &vars.Value{Raw: w, Parts: []vars.Part{vars.Ref(w[1:])}}
		b.values = append(b.values, left)
		c.Left = left
		if cur == last {
			c.Kind = CondVar
			return c, nil
		}
		cur++
		switch op := v[cur]; op {
		case "=", "!=":
			c.Kind = CondEq
			if op == "!=" {
				c.Kind = CondNe
			}
			rv, err := b.compile(s, v[last])
			if err != nil {
				return nil, err
			}
			c.Right = rv
			return c, nil
		case "~", "~*", "!~", "!~*":
			c.Kind = CondMatch
			if op[0] == '!' {
				c.Kind = CondNotMatch
			}
			c.Caseless = strings.HasSuffix(op, "*")
			re, err := b.compileRegex(s, v[last], c.Caseless)
			if err != nil {
				return nil, err
			}
			c.Regex = re
			return c, nil
		default:
			return nil, conf.Errorf(s, "unexpected \"%s\" in condition", op)
		}
	case len(w) == 2 && w[0] == '-' || len(w) == 3 && w[0] == '!' && w[1] == '-':
		if cur+1 != last {
			return nil, invalid(w)
		}
		fv, err := b.compile(s, v[last])
		if err != nil {
			return nil, err
		}
		k, ok := fileOps[w]
		if !ok {
			return nil, invalid(w)
		}
		c.Kind, c.Left = k, fv
		return c, nil
	}
	return nil, invalid(w)
}

func init() {
	rw := CtxServer | CtxLocation | CtxServerIf | CtxLocationIf
	register(
		Directive{Name: "return", Ctx: rw, Args: Take12, Set: setReturn},
		Directive{Name: "break", Ctx: rw, Args: Take0, Set: setBreak},
		Directive{Name: "rewrite", Ctx: rw, Args: Take23, Set: setRewrite},
		Directive{Name: "set", Ctx: rw, Args: Take2, Set: setSet},
		Directive{Name: "if", Ctx: CtxServer | CtxLocation, Args: Block | OneMore, Set: setIf},
		Directive{Name: "rewrite_log", Ctx: ctxAnyHTTP, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.cur.RewriteLog })},
		Directive{Name: "uninitialized_variable_warn", Ctx: ctxAnyHTTP, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.cur.UninitVarWarn })},
	)
}

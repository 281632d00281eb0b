// Package config turns the statement tree of internal/conf into weir's
// typed, immutable configuration, driven by a directive table as nginx's
// ngx_command_t arrays drive ngx_conf_handler.
package config

import (
	"weir/internal/conf"
)

// Ctx is a set of contexts a directive may appear in (nginx's
// NGX_MAIN_CONF, NGX_HTTP_SRV_CONF, ... bits).
type Ctx uint32

const (
	CtxMain Ctx = 1 << iota
	CtxEvents
	CtxHTTP
	CtxServer
	CtxLocation
	CtxServerIf   // "if" inside server
	CtxLocationIf // "if" inside location
	CtxLimitExcept
	CtxTypes
	CtxUpstream

	ctxHTTPAll = CtxHTTP | CtxServer | CtxLocation
	ctxAnyHTTP = ctxHTTPAll | CtxServerIf | CtxLocationIf
)

// Arity is a set of accepted argument counts plus shape flags, as nginx's
// NGX_CONF_TAKE1 ... NGX_CONF_1MORE, NGX_CONF_FLAG and NGX_CONF_BLOCK.
type Arity uint32

const (
	Take0 Arity = 1 << iota
	Take1
	Take2
	Take3
	Take4
	Take5
	Take6
	Take7
	OneMore
	TwoMore
	Flag  // exactly one argument, "on" or "off"
	Block // the statement must open a block

	Take12   = Take1 | Take2
	Take13   = Take1 | Take3
	Take23   = Take2 | Take3
	Take123  = Take1 | Take2 | Take3
	Take1234 = Take1 | Take2 | Take3 | Take4
)

// maxArgs is nginx's NGX_CONF_MAX_ARGS: the TAKEn bits stop at 7 words.
const maxArgs = 8

// Directive is one row of the table: what nginx declares in an
// ngx_command_t.
type Directive struct {
	Name string
	Ctx  Ctx
	Args Arity
	// Set applies the statement to the builder's current context. Its
	// errors are positioned at the statement by the caller unless they
	// already carry a position.
	Set func(b *builder, s *conf.Stmt) error
}

var table = map[string]*Directive{}

// register adds rows to the table; each file of this package registers the
// directives of one nginx module in an init function.
func register(ds ...Directive) {
	for i := range ds {
		d := ds[i]
		if _, dup := table[d.Name]; dup {
			panic("config: directive registered twice: " + d.Name)
		}
		table[d.Name] = &d
	}
}

// Known reports whether name is a directive weir implements.
func Known(name string) bool { _, ok := table[name]; return ok }

// argsOK checks the argument count as ngx_conf_handler does.
func argsOK(a Arity, n int) bool {
	switch {
	case a&Flag != 0:
		return n == 1
	case a&OneMore != 0:
		return n >= 1 || a&Take0 != 0 // Take0|OneMore: nginx's NGX_CONF_ANY
	case a&TwoMore != 0:
		return n >= 2
	case n >= maxArgs:
		return false
	}
	return a&(Take0<<uint(n)) != 0
}

// dispatch runs the generic checks of ngx_conf_handler for s in the
// builder's current context and then the directive's setter.
func (b *builder) dispatch(s *conf.Stmt) error {
	d, ok := table[s.Name]
	if !ok && !b.streamName(s.Name) {
		return conf.Errorf(s, "unknown directive \"%s\"", s.Name)
	}
	if !ok || d.Ctx&b.ctx == 0 {
		return conf.Errorf(s, "\"%s\" directive is not allowed here", s.Name)
	}
	if d.Args&Block == 0 && s.HasBlock {
		return conf.Errorf(s, "directive \"%s\" is not terminated by \";\"", s.Name)
	}
	if d.Args&Block != 0 && !s.HasBlock {
		return conf.Errorf(s, "directive \"%s\" has no opening \"{\"", s.Name)
	}
	if !argsOK(d.Args, len(s.Args)) {
		return conf.Errorf(s, "invalid number of arguments in \"%s\" directive", s.Name)
	}
	if err := d.Set(b, s); err != nil {
		if _, ok := err.(*conf.Error); ok || err == errTruncated {
			return err
		}
		return conf.Errorf(s, "%s", err.Error())
	}
	return nil
}

// block runs dispatch over stmts in context c, restoring the context
// afterwards.
func (b *builder) block(c Ctx, stmts []*conf.Stmt) error {
	saved := b.ctx
	b.ctx = c
	defer func() { b.ctx = saved }()
	for _, s := range stmts {
		if err := b.dispatch(s); err != nil {
			return err
		}
	}
	return nil
}

package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/vars"
)

// This file is the configuration of ngx_http_auth_basic_module and of the
// core module's limit_except block.

// AuthBasicLoc holds auth_basic and auth_basic_user_file; each is
// inherited on its own, and the check runs only where both are set.
type AuthBasicLoc struct {
	Realm Opt[*vars.Value]
	// UserFile is resolved against the configuration prefix: at load when
	// it has no variables, else when evaluated (see FullConfPath).
	UserFile Opt[*vars.Value]
}

// limitExceptMethods are the methods limit_except may name
// (ngx_methods_names), compared without case.
var limitExceptMethods = []string{
	"GET", "HEAD", "POST", "PUT", "DELETE", "MKCOL", "COPY", "MOVE",
	"OPTIONS", "PROPFIND", "PROPPATCH", "LOCK", "UNLOCK", "PATCH",
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation | CtxLimitExcept
	register(
		Directive{Name: "auth_basic", Ctx: hsl, Args: Take1, Set: authValue(func(l *Loc) *Opt[*vars.Value] { return &l.AuthBasic.Realm })},
		Directive{Name: "auth_basic_user_file", Ctx: hsl, Args: Take1, Set: authValue(func(l *Loc) *Opt[*vars.Value] { return &l.AuthBasic.UserFile })},
		Directive{Name: "limit_except", Ctx: CtxLocation, Args: Block | OneMore, Set: setLimitExcept},
	)
}

// authValue is ngx_http_set_complex_value_slot (auth_basic) and
// ngx_http_auth_basic_user_file, which also makes a path without
// variables absolute against the configuration prefix.
func authValue(f func(l *Loc) *Opt[*vars.Value]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := f(b.cur)
		if o.Set {
			return duplicate(s)
		}
		a := s.Args[0]
		if s.Name == "auth_basic_user_file" && !strings.Contains(a, "$") {
			a = b.fullConf(a)
		}
		v, err := b.compile(s, a)
		if err != nil {
			return err
		}
		*o = Def(v)
		return nil
	}
}

// FullConfPath makes a path evaluated at run time absolute against the
// configuration prefix, as ngx_http_script_full_name_code does.
func (c *Config) FullConfPath(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return c.ConfPrefix + p
}

// setLimitExcept is ngx_http_core_limit_except: the methods named (GET
// brings HEAD) pass; any other method gets the block's settings, an
// implicit location inside the enclosing one, merged with it like a nested
// location and never found by a URI.
func setLimitExcept(b *builder, s *conf.Stmt) error {
	parent := b.loc
	if parent.LimitExcept != nil {
		return duplicate(s)
	}
	l := &Location{File: s.File, Line: s.Line, Name: parent.Name, Match: MatchNone, Parent: parent, Server: b.srv, Loc: &Loc{}}
	parent.LimitExcept = l
	var allow []string
	for _, a := range s.Args {
		found := false
		for _, m := range limitExceptMethods {
			if strings.EqualFold(a, m) {
				allow, found = append(allow, m), true
				break
			}
		}
		if !found {
			return conf.Errorf(s, "invalid method \"%s\"", a)
		}
	}
	for _, m := range allow {
		if m == "GET" {
			allow = append(allow, "HEAD")
			break
		}
	}
	parent.LimitAllow = allow
	// the block is merged and walked with the nested locations, in
	// configuration order, and left out of the lookup tree (buildTree)
	b.locs = append(b.locs, l)
	savedLoc, savedCur := b.loc, b.cur
	b.loc, b.cur = l, l.Loc
	defer func() { b.loc, b.cur = savedLoc, savedCur }()
	return b.block(CtxLimitExcept, s.Block)
}

// Limited reports whether method gets the limit_except block of l.
func (l *Location) Limited(method string) bool {
	if l.LimitExcept == nil {
		return false
	}
	for _, m := range l.LimitAllow {
		if m == method {
			return false
		}
	}
	return true
}

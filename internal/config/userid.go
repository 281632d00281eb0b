package config

import (
	"weir/internal/conf"
)

// UserIDLoc holds ngx_http_userid_filter_module's settings of a level.
// Unset fields read as nginx's defaults through the methods below.
type UserIDLoc struct {
	Enable  Opt[int]    // UserIDOff, UserIDLog, UserIDV1, UserIDOn
	Service Opt[int64]  // userid_service; unset: the address (on) or 0 (v1)
	Name    Opt[string] // userid_name
	Domain  Opt[string] // "; domain=NAME", or "" for none
	Path    Opt[string] // "; path=PATH"
	P3P     Opt[string] // "" for none
	Expires Opt[int64]  // seconds; UserIDMaxExpires for "max", 0 for off
	Flags   Opt[uint32] // UserIDCookie* bits
	Mark    Opt[byte]   // 0 for off
}

// The userid states, in nginx's order: a state from V1 on sets cookies.
const (
	UserIDOff = iota
	UserIDLog
	UserIDV1
	UserIDOn
)

// UserIDMaxExpires is "userid_expires max": 31 Dec 2037 23:55:55 GMT.
const UserIDMaxExpires = 2145916555

// The userid_flags bits.
const (
	UserIDCookieOff uint32 = 1 << iota
	UserIDCookieSecure
	UserIDCookieHTTPOnly
	UserIDCookieSameSiteStrict
	UserIDCookieSameSiteLax
	UserIDCookieSameSiteNone
)

var userIDStates = []string{"off", "log", "v1", "on"}

var userIDFlagNames = map[string]uint32{
	"off": UserIDCookieOff, "secure": UserIDCookieSecure, "httponly": UserIDCookieHTTPOnly,
	"samesite=strict": UserIDCookieSameSiteStrict, "samesite=lax": UserIDCookieSameSiteLax,
	"samesite=none": UserIDCookieSameSiteNone,
}

// CookieName is userid_name ("uid" by default).
func (u *UserIDLoc) CookieName() string {
	if !u.Name.Set {
		return "uid"
	}
	return u.Name.V
}

// CookiePath is the path attribute ("; path=/" by default).
func (u *UserIDLoc) CookiePath() string {
	if !u.Path.Set {
		return "; path=/"
	}
	return u.Path.V
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	u := func(b *builder) *UserIDLoc { return &b.cur.UserID }
	register(
		Directive{Name: "userid", Ctx: hsl, Args: Take1, Set: setUserID},
		Directive{Name: "userid_service", Ctx: hsl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &u(b).Service })},
		Directive{Name: "userid_name", Ctx: hsl, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &u(b).Name })},
		Directive{Name: "userid_domain", Ctx: hsl, Args: Take1, Set: userIDAttr(func(b *builder) *Opt[string] { return &u(b).Domain }, "; domain=", true)},
		Directive{Name: "userid_path", Ctx: hsl, Args: Take1, Set: userIDAttr(func(b *builder) *Opt[string] { return &u(b).Path }, "; path=", false)},
		Directive{Name: "userid_expires", Ctx: hsl, Args: Take1, Set: setUserIDExpires},
		Directive{Name: "userid_p3p", Ctx: hsl, Args: Take1, Set: userIDAttr(func(b *builder) *Opt[string] { return &u(b).P3P }, "", true)},
		Directive{Name: "userid_flags", Ctx: hsl, Args: Take123, Set: bitmaskSlot(func(b *builder) *Opt[uint32] { return &u(b).Flags }, userIDFlagNames)},
		Directive{Name: "userid_mark", Ctx: hsl, Args: Take1, Set: setUserIDMark},
	)
}

// setUserID is ngx_conf_set_enum_slot over off, log, v1 and on.
func setUserID(b *builder, s *conf.Stmt) error {
	o := &b.cur.UserID.Enable
	if o.Set {
		return duplicate(s)
	}
	var word Opt[string]
	if err := enumSlot(func(*builder) *Opt[string] { return &word }, userIDStates...)(b, s); err != nil {
		return err
	}
	for i, w := range userIDStates {
		if w == word.V {
			*o = Def(i)
		}
	}
	return nil
}

// userIDAttr is ngx_conf_set_str_slot with the post handlers of
// userid_domain, userid_path and userid_p3p: the value is kept with its
// cookie attribute prefix, and "none" (where none is allowed) clears it.
func userIDAttr(field func(b *builder) *Opt[string], prefix string, none bool) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		v := prefix + s.Args[0]
		if none && s.Args[0] == "none" {
			v = ""
		}
		*o = Def(v)
		return nil
	}
}

// setUserIDExpires is ngx_http_userid_expires: max, off or a time in
// seconds.
func setUserIDExpires(b *builder, s *conf.Stmt) error {
	o := &b.cur.UserID.Expires
	if o.Set {
		return duplicate(s)
	}
	switch s.Args[0] {
	case "max":
		*o = Def(int64(UserIDMaxExpires))
	case "off":
		*o = Def(int64(0))
	default:
		n := parseTime(s.Args[0], true)
		if n < 0 {
			return invalidValue(s)
		}
		*o = Def(n)
	}
	return nil
}

// setUserIDMark is ngx_http_userid_mark: off, or one letter, digit or
// "=".
func setUserIDMark(b *builder, s *conf.Stmt) error {
	o := &b.cur.UserID.Mark
	if o.Set {
		return duplicate(s)
	}
	a := s.Args[0]
	if a == "off" {
		*o = Def(byte(0))
		return nil
	}
	if len(a) != 1 || !(a[0] >= '0' && a[0] <= '9' || a[0] >= 'A' && a[0] <= 'Z' || a[0] >= 'a' && a[0] <= 'z' || a[0] == '=') {
		return conf.Errorf(s, "\"%s\" directive value must be \"off\" or a single letter, digit or \"=\"", s.Name)
	}
	*o = Def(a[0])
	return nil
}

package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// CookieFlag is one proxy_cookie_flags rule (ngx_http_proxy_cookie_flags_t):
// the cookie it applies to, a name compared without regard to case or a
// caseless regex written with "~", and its flags, each a value evaluated
// per request ("secure", "nosecure", "httponly", "nohttponly",
// "samesite=strict|lax|none", "nosamesite"; others are ignored).
type CookieFlag struct {
	Name  *vars.Value
	Re    *regex.Regexp
	Flags []*vars.Value
}

func init() {
	register(Directive{Name: "proxy_cookie_flags", Ctx: CtxHTTP | CtxServer | CtxLocation, Args: Take1234, Set: setProxyCookieFlags})
}

// setProxyCookieFlags is ngx_http_proxy_cookie_flags: "off", or a cookie
// and up to three flags; the rules of one level accumulate.
func setProxyCookieFlags(b *builder, s *conf.Stmt) error {
	if off, err := offList(s, &b.cur.Proxy.CookieFlags); off || err != nil {
		return err
	}
	r := &CookieFlag{}
	var err error
	if name, ok := strings.CutPrefix(s.Args[0], "~"); ok {
		r.Re, err = b.compileRegex(s, name, true)
	} else {
		r.Name, err = b.compile(s, s.Args[0])
	}
	if err != nil {
		return err
	}
	for _, a := range s.Args[1:] {
		v, err := b.compile(s, a)
		if err != nil {
			return err
		}
		r.Flags = append(r.Flags, v)
	}
	o := &b.cur.Proxy.CookieFlags
	*o = Def(append(o.V, r))
	return nil
}

// offList is what proxy_cookie_domain, proxy_cookie_path and
// proxy_cookie_flags share: after "off" the directive is a duplicate; a
// lone argument must be "off", which turns the level's list off once.
// It reports whether the statement was that "off".
func offList[T any](s *conf.Stmt, o *Opt[[]T]) (bool, error) {
	if o.Set && len(o.V) == 0 {
		return false, duplicate(s)
	}
	if len(s.Args) != 1 {
		return false, nil
	}
	if s.Args[0] != "off" {
		return false, conf.Errorf(s, "invalid parameter \"%s\"", s.Args[0])
	}
	if o.Set {
		return false, duplicate(s)
	}
	*o = Def([]T{})
	return true, nil
}

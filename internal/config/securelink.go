package config

import (
	"weir/internal/conf"
	"weir/internal/vars"
)

// SecureLinkLoc holds ngx_http_secure_link_module's settings of a level.
// They are merged by finishSecureLinks, not by mergeOpts: a level with
// secure_link_secret takes neither secure_link nor secure_link_md5 from
// above, and one with either of those does not take the secret.
type SecureLinkLoc struct {
	Variable *vars.Value // secure_link
	MD5      *vars.Value // secure_link_md5
	Secret   *string     // secure_link_secret
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		Directive{Name: "secure_link", Ctx: hsl, Args: Take1, Set: secureLinkValue(func(l *SecureLinkLoc) **vars.Value { return &l.Variable })},
		Directive{Name: "secure_link_md5", Ctx: hsl, Args: Take1, Set: secureLinkValue(func(l *SecureLinkLoc) **vars.Value { return &l.MD5 })},
		Directive{Name: "secure_link_secret", Ctx: hsl, Args: Take1, Set: setSecureLinkSecret},
	)
}

// secureLinkValue is ngx_http_set_complex_value_slot for the level's own
// value.
func secureLinkValue(field func(l *SecureLinkLoc) **vars.Value) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(&b.cur.SecureLink)
		if *o != nil {
			return duplicate(s)
		}
		v, err := b.compile(s, s.Args[0])
		if err != nil {
			return err
		}
		*o = v
		return nil
	}
}

func setSecureLinkSecret(b *builder, s *conf.Stmt) error {
	l := &b.cur.SecureLink
	if l.Secret != nil {
		return duplicate(s)
	}
	secret := s.Args[0]
	l.Secret = &secret
	return nil
}

// finishSecureLinks is ngx_http_secure_link_merge_conf over the server,
// location and if levels (the http level is merged with nothing).
func (b *builder) finishSecureLinks(s *conf.Stmt) error {
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		c, p := &l.SecureLink, &parent.SecureLink
		if c.Secret != nil {
			if c.Variable != nil || c.MD5 != nil {
				return conf.ErrorfEnd(s, "\"secure_link_secret\" cannot be mixed with \"secure_link\" and \"secure_link_md5\"")
			}
			return nil
		}
		if c.Variable == nil {
			c.Variable = p.Variable
		}
		if c.MD5 == nil {
			c.MD5 = p.MD5
		}
		if c.Variable == nil && c.MD5 == nil {
			c.Secret = p.Secret
		}
		return nil
	})
}

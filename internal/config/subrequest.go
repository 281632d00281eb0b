package config

import (
	"weir/internal/conf"
	"weir/internal/vars"
)

// This file is the configuration of the two modules built on
// subrequests: ngx_http_auth_request_module and ngx_http_mirror_module.

// SubreqLoc holds auth_request, auth_request_set, mirror and
// mirror_request_body; each is inherited on its own.
type SubreqLoc struct {
	// AuthRequest is the URI of the auth subrequest; "" for off.
	AuthRequest Opt[string]
	// AuthSet is auth_request_set's list; a level with one has only its
	// own (ngx_conf_merge_ptr_value).
	AuthSet Opt[[]AuthSet]
	// Mirror is the URIs of the mirror subrequests; nil for off.
	Mirror Opt[[]string]
	// MirrorBody is mirror_request_body; unset means on.
	MirrorBody Opt[bool]
}

// AuthSet is one auth_request_set: the variable (its user slot and
// lower-cased name) and the value evaluated in the auth subrequest.
type AuthSet struct {
	Slot  int
	Name  string
	Value *vars.Value
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		Directive{Name: "auth_request", Ctx: hsl, Args: Take1, Set: setAuthRequest},
		Directive{Name: "auth_request_set", Ctx: hsl, Args: Take2, Set: setAuthRequestSet},
		Directive{Name: "mirror", Ctx: hsl, Args: Take1, Set: setMirror},
		Directive{Name: "mirror_request_body", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Subreq.MirrorBody })},
	)
}

// setAuthRequest is ngx_http_auth_request: a URI or off, once per level.
func setAuthRequest(b *builder, s *conf.Stmt) error {
	o := &b.cur.Subreq.AuthRequest
	if o.Set {
		return duplicate(s)
	}
	uri := s.Args[0]
	if uri == "off" {
		uri = ""
	}
	*o = Def(uri)
	return nil
}

// setAuthRequestSet is ngx_http_auth_request_set: the variable is declared
// changeable as set does; one that nothing else reads (no set, map or
// capture before it) is not found until the auth subrequest sets it
// (ngx_http_auth_request_variable).
func setAuthRequestSet(b *builder, s *conf.Stmt) error {
	name, err := settableVar(s, s.Args[0])
	if err != nil {
		return err
	}
	var slot int
	if _, declared := b.http.Vars.Slot(name); declared {
		slot = b.http.Vars.Declare(name)
	} else {
		slot = b.http.Vars.DeclareCapture(name)
	}
	v, err := b.compile(s, s.Args[1])
	if err != nil {
		return err
	}
	o := &b.cur.Subreq.AuthSet
	o.V = append(o.V, AuthSet{Slot: slot, Name: name, Value: v})
	o.Set = true
	return nil
}

// setMirror is ngx_http_mirror: URIs accumulate; off only alone and
// first.
func setMirror(b *builder, s *conf.Stmt) error {
	o := &b.cur.Subreq.Mirror
	if s.Args[0] == "off" {
		if o.Set {
			return duplicate(s)
		}
		*o = Def([]string(nil))
		return nil
	}
	if o.Set && o.V == nil {
		return duplicate(s)
	}
	o.V = append(o.V, s.Args[0])
	o.Set = true
	return nil
}

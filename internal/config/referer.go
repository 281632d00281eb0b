package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// This file is the configuration of ngx_http_referer_module:
// valid_referers and the sizes of its hash.

// RefererLoc holds the referer module's settings of a level. A level
// without valid_referers takes its parent's list whole
// (ngx_http_referer_merge_conf with conf->keys unset).
type RefererLoc struct {
	Valid      Opt[*Referers] // nil: every referer is valid
	HashMax    Opt[int64]
	HashBucket Opt[int64]
}

// Referers is one level's valid_referers. A hash entry's value is the
// URI prefix the referer must go on with, nil for an entry without one.
type Referers struct {
	None        bool // "none": a request without Referer is valid
	Blocked     bool // "blocked": a Referer without http:// or https:// is valid
	ServerNames bool
	Hash        HostHash
	Regex       []*regex.Regexp // "~regex", always caseless
	ServerRegex []*regex.Regexp // the regex names of the server, with server_names

	keys  *mapKeys
	owner *Loc // the level that wrote it
}

// Empty reports whether the list has nothing to compare with, in which
// case every request is valid (ngx_http_referer_variable).
func (r *Referers) Empty() bool {
	h := &r.Hash
	return len(h.Exact) == 0 && len(h.Head) == 0 && len(h.Tail) == 0 && len(r.Regex) == 0 && len(r.ServerRegex) == 0
}

func defaultReferer() RefererLoc {
	return RefererLoc{Valid: Def((*Referers)(nil)), HashMax: Def(int64(2048)), HashBucket: Def(int64(64))}
}

func init() {
	sl := CtxServer | CtxLocation
	register(
		Directive{Name: "valid_referers", Ctx: sl, Args: OneMore, Set: setValidReferers},
		Directive{Name: "referer_hash_max_size", Ctx: sl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.Referer.HashMax })},
		Directive{Name: "referer_hash_bucket_size", Ctx: sl, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.cur.Referer.HashBucket })},
	)
}

// setValidReferers is ngx_http_valid_referers: a second valid_referers
// of a level adds to the first.
func setValidReferers(b *builder, s *conf.Stmt) error {
	o := &b.cur.Referer.Valid
	if !o.Set {
		*o = Def(&Referers{Hash: newHostHash(), keys: newMapKeys(), owner: b.cur})
	}
	r := o.V
	for _, a := range s.Args {
		switch {
		case a == "":
			return conf.Errorf(s, "invalid referer \"%s\"", a)
		case a == "none":
			r.None = true
		case a == "blocked":
			r.Blocked = true
		case a == "server_names":
			r.ServerNames = true
		case a[0] == '~':
			if len(a) == 1 {
				return conf.Errorf(s, "empty regex in \"%s\"", a)
			}
			re, err := b.compileRegex(s, a[1:], true)
			if err != nil {
				return err
			}
			r.Regex = append(r.Regex, re)
		default:
			host, uri, _ := strings.Cut(a, "/")
			if err := r.add(s, host, uri); err != nil {
				return err
			}
		}
	}
	return nil
}

// add is ngx_http_add_referer: host, a name or a wildcard, and the URI
// that must follow it ("/" and beyond), if any.
func (r *Referers) add(s *conf.Stmt, host, uri string) error {
	var v *vars.Value
	if uri != "" {
		v = literal("/" + uri)
	}
	_, err := r.Hash.add(r.keys, s, host, v, true)
	return err
}

// finishReferers completes the valid_referers of every level as
// ngx_http_referer_merge_conf does where a level has its own: the
// server's names for server_names (their conflicts positioned at the
// http block's end), the check that "none" or "blocked" come with a
// name, then the hash's size limits.
func (b *builder) finishReferers(s *conf.Stmt) error {
	servers := map[*Loc]*Server{}
	for _, srv := range b.http.Servers {
		servers[srv.Loc] = srv
	}
	return b.walkLevels(func(l, _ *Loc, loc *Location, _ bool) error {
		srv := servers[l]
		if loc != nil {
			srv = loc.Server
		}
		return b.finishReferer(s, l, srv)
	})
}

func (b *builder) finishReferer(s *conf.Stmt, l *Loc, srv *Server) error {
	r := l.Referer.Valid.V
	if r == nil || r.owner != l {
		return nil
	}
	if r.ServerNames {
		at := &conf.Stmt{File: s.File, Line: s.EndLine}
		for _, n := range srv.Names {
			if n.Regex != nil {
				r.ServerRegex = append(r.ServerRegex, n.Regex)
				continue
			}
			if _, err := r.Hash.add(r.keys, at, n.Name, nil, true); err != nil {
				return err
			}
		}
	}
	h := &r.Hash
	if (r.None || r.Blocked) && len(h.Exact) == 0 && len(h.Head) == 0 && len(h.Tail) == 0 {
		return &conf.Error{Msg: "the \"none\" or \"blocked\" referers are specified in the \"valid_referers\" directive without any valid referer"}
	}
	bucket := l.Referer.HashBucket.V
	if bucket <= 1<<32 {
		bucket = (bucket + cacheLine - 1) &^ (cacheLine - 1)
	}
	return b.buildHostHash("referer_hash", h, l.Referer.HashMax.V, bucket)
}

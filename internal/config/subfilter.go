package config

import (
	"weir/internal/conf"
	"weir/internal/vars"
)

// This file is the configuration of ngx_http_sub_filter_module and of
// add_trailer (ngx_http_headers_filter_module).

// SubFilterLoc holds the sub filter's location settings. A level with any
// sub_filter replaces all of the outer level's.
type SubFilterLoc struct {
	Pairs        Opt[[]*SubPair]
	Once         Opt[bool]
	LastModified Opt[bool]
	Types        Opt[MIMETypes]
}

// SubPair is one sub_filter: the string to find (lower-cased when it has
// no variables; a Match with variables is evaluated and lower-cased per
// request) and its replacement.
type SubPair struct {
	Match       *vars.Value
	Replacement *vars.Value
}

func defaultSubFilter() SubFilterLoc {
	return SubFilterLoc{
		Pairs: Def([]*SubPair(nil)), Once: Def(true), LastModified: Def(false),
		Types: Def(MIMETypes{List: htmlTypes}),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	sf := func(b *builder) *SubFilterLoc { return &b.cur.SubFilter }
	register(
		Directive{Name: "sub_filter", Ctx: hsl, Args: Take2, Set: setSubFilter},
		Directive{Name: "sub_filter_types", Ctx: hsl, Args: OneMore, Set: typesSlot(func(b *builder) *Opt[MIMETypes] { return &sf(b).Types }, htmlTypes)},
		Directive{Name: "sub_filter_once", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &sf(b).Once })},
		Directive{Name: "sub_filter_last_modified", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &sf(b).LastModified })},
		Directive{Name: "add_trailer", Ctx: hsl | CtxLocationIf, Args: Take23, Set: headersSlot(func(l *Loc) *Opt[[]*AddHeader] { return &l.Trailers })},
	)
}

// setSubFilter is ngx_http_sub_filter: the search string is lower-cased
// (its variable names too, as nginx lowers the whole word first), at
// most 255 pairs per level.
func setSubFilter(b *builder, s *conf.Stmt) error {
	o := &b.cur.SubFilter.Pairs
	if s.Args[0] == "" {
		return conf.Errorf(s, "empty search pattern")
	}
	if !o.Set {
		*o = Def([]*SubPair(nil))
	}
	if len(o.V) == 255 {
		return conf.Errorf(s, "number of search patterns exceeds 255")
	}
	m, err := b.compile(s, LowerASCII(s.Args[0]))
	if err != nil {
		return err
	}
	r, err := b.compile(s, s.Args[1])
	if err != nil {
		return err
	}
	o.V = append(o.V, &SubPair{Match: m, Replacement: r})
	return nil
}

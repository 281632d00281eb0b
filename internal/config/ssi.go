package config

// This file is the configuration of ngx_http_ssi_filter_module and of
// ngx_http_addition_filter_module.

// SSILoc holds the ssi filter's location settings, each inherited on its
// own (ngx_http_ssi_merge_loc_conf).
type SSILoc struct {
	Enable       Opt[bool]
	SilentErrors Opt[bool]
	// IgnoreRecycled is ssi_ignore_recycled_buffers, accepted: weir's
	// buffers are never recycled under the filter.
	IgnoreRecycled Opt[bool]
	LastModified   Opt[bool]
	MinFileChunk   Opt[int64]
	ValueLen       Opt[int64]
	Types          Opt[MIMETypes]
}

// AdditionLoc holds add_before_body, add_after_body and addition_types.
type AdditionLoc struct {
	Before Opt[string]
	After  Opt[string]
	Types  Opt[MIMETypes]
}

func defaultSSI() SSILoc {
	return SSILoc{
		Enable: Def(false), SilentErrors: Def(false), IgnoreRecycled: Def(false), LastModified: Def(false),
		MinFileChunk: Def(int64(1024)), ValueLen: Def(int64(255)),
		Types: Def(MIMETypes{List: htmlTypes}),
	}
}

func defaultAddition() AdditionLoc {
	return AdditionLoc{Before: Def(""), After: Def(""), Types: Def(MIMETypes{List: htmlTypes})}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	ssi := func(b *builder) *SSILoc { return &b.cur.SSI }
	add := func(b *builder) *AdditionLoc { return &b.cur.Addition }
	register(
		Directive{Name: "ssi", Ctx: hsl | CtxLocationIf, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &ssi(b).Enable })},
		Directive{Name: "ssi_silent_errors", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &ssi(b).SilentErrors })},
		Directive{Name: "ssi_ignore_recycled_buffers", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &ssi(b).IgnoreRecycled })},
		Directive{Name: "ssi_last_modified", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &ssi(b).LastModified })},
		Directive{Name: "ssi_min_file_chunk", Ctx: hsl, Args: Take1, Set: sizeSlot(func(b *builder) *Opt[int64] { return &ssi(b).MinFileChunk })},
		Directive{Name: "ssi_value_length", Ctx: hsl, Args: Take1, Set: sizeSlot(func(b *builder) *Opt[int64] { return &ssi(b).ValueLen })},
		Directive{Name: "ssi_types", Ctx: hsl, Args: OneMore, Set: typesSlot(func(b *builder) *Opt[MIMETypes] { return &ssi(b).Types }, htmlTypes)},
		Directive{Name: "add_before_body", Ctx: hsl, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &add(b).Before })},
		Directive{Name: "add_after_body", Ctx: hsl, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &add(b).After })},
		Directive{Name: "addition_types", Ctx: hsl, Args: OneMore, Set: typesSlot(func(b *builder) *Opt[MIMETypes] { return &add(b).Types }, htmlTypes)},
	)
}

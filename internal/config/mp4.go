package config

// HandlerMP4 is ngx_http_mp4_module's content handler.
const HandlerMP4 = "mp4"

// MP4Loc is ngx_http_mp4_module's location settings.
type MP4Loc struct {
	BufferSize    Opt[int64] // mp4_buffer_size
	MaxBufferSize Opt[int64] // mp4_max_buffer_size
	StartKeyFrame Opt[bool]  // mp4_start_key_frame (nginx 1.21.4)
}

// defaultMP4 is ngx_http_mp4_merge_conf's defaults: 512k, 10m, off.
func defaultMP4() MP4Loc {
	return MP4Loc{
		BufferSize:    Def(int64(512 * 1024)),
		MaxBufferSize: Def(int64(10 * 1024 * 1024)),
		StartKeyFrame: Def(false),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		// mp4 makes the location's content handler, as flv does
		Directive{Name: "mp4", Ctx: CtxLocation, Args: Take0, Set: contentHandler(HandlerMP4)},
		Directive{Name: "mp4_buffer_size", Ctx: hsl, Args: Take1, Set: lsize(func(l *Loc) *Opt[int64] { return &l.MP4.BufferSize })},
		Directive{Name: "mp4_max_buffer_size", Ctx: hsl, Args: Take1, Set: lsize(func(l *Loc) *Opt[int64] { return &l.MP4.MaxBufferSize })},
		Directive{Name: "mp4_start_key_frame", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.MP4.StartKeyFrame })},
	)
}

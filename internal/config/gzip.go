package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/regex"
)

// GzipLoc holds the settings of nginx's gzip filter module, of the gzip
// parts of its core module (gzip_vary, gzip_http_version, gzip_proxied,
// gzip_disable) and of the gzip_static module.
type GzipLoc struct {
	On          Opt[bool]
	CompLevel   Opt[int64]
	MinLength   Opt[int64]
	Types       Opt[GzipTypes]
	Vary        Opt[bool]
	HTTP10      Opt[bool]   // gzip_http_version 1.0
	Proxied     Opt[uint32] // GzipProxied* bits
	Disable     Opt[[]*regex.Regexp]
	DisableMSIE Opt[bool]   // gzip_disable msie6, merged on its own as nginx does
	Static      Opt[string] // off, on, always
}

// GzipTypes is gzip_types: Any for "*", else the lower-cased MIME types
// (text/html always among them).
type GzipTypes struct {
	Any  bool
	List []string
}

// Match reports whether the bare, lower-cased content type t is listed.
func (g GzipTypes) Match(t string) bool {
	if g.Any {
		return true
	}
	for _, x := range g.List {
		if x == t {
			return true
		}
	}
	return false
}

// The gzip_proxied bits (NGX_HTTP_GZIP_PROXIED_*).
const (
	GzipProxiedOff uint32 = 1 << iota
	GzipProxiedExpired
	GzipProxiedNoCache
	GzipProxiedNoStore
	GzipProxiedPrivate
	GzipProxiedNoLM
	GzipProxiedNoETag
	GzipProxiedAuth
	GzipProxiedAny
)

var gzipProxiedNames = []struct {
	name string
	bit  uint32
}{
	{"off", GzipProxiedOff}, {"expired", GzipProxiedExpired}, {"no-cache", GzipProxiedNoCache},
	{"no-store", GzipProxiedNoStore}, {"private", GzipProxiedPrivate},
	{"no_last_modified", GzipProxiedNoLM}, {"no_etag", GzipProxiedNoETag},
	{"auth", GzipProxiedAuth}, {"any", GzipProxiedAny},
}

func defaultGzip() GzipLoc {
	return GzipLoc{
		On: Def(false), CompLevel: Def(int64(1)), MinLength: Def(int64(20)),
		Types: Def(GzipTypes{List: []string{"text/html"}}), Vary: Def(false), HTTP10: Def(false),
		Proxied: Def(GzipProxiedOff), Disable: Def([]*regex.Regexp(nil)), DisableMSIE: Def(false),
		Static: Def("off"),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	g := func(b *builder) *GzipLoc { return &b.cur.Gzip }
	register(
		Directive{Name: "gzip", Ctx: hsl | CtxLocationIf, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &g(b).On })},
		Directive{Name: "gzip_buffers", Ctx: hsl, Args: Take2, Set: checkSlot(checkBufs)},
		Directive{Name: "gzip_comp_level", Ctx: hsl, Args: Take1, Set: setGzipCompLevel},
		Directive{Name: "gzip_window", Ctx: hsl, Args: Take1, Set: gzipPow2("512, 1k, 2k, 4k, 8k, 16k, or 32k", 32<<10)},
		Directive{Name: "gzip_hash", Ctx: hsl, Args: Take1, Set: gzipPow2("512, 1k, 2k, 4k, 8k, 16k, 32k, 64k, or 128k", 128<<10)},
		Directive{Name: "postpone_gzipping", Ctx: hsl, Args: Take1, Set: checkSlot(checkSize)},
		Directive{Name: "gzip_no_buffer", Ctx: hsl, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "gzip_min_length", Ctx: hsl, Args: Take1, Set: sizeSlot(func(b *builder) *Opt[int64] { return &g(b).MinLength })},
		Directive{Name: "gzip_types", Ctx: hsl, Args: OneMore, Set: typesSlot(func(b *builder) *Opt[MIMETypes] { return &g(b).Types }, htmlTypes)},
		Directive{Name: "gzip_vary", Ctx: hsl, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &g(b).Vary })},
		Directive{Name: "gzip_http_version", Ctx: hsl, Args: Take1, Set: setGzipHTTPVersion},
		Directive{Name: "gzip_proxied", Ctx: hsl, Args: OneMore, Set: setGzipProxied},
		Directive{Name: "gzip_disable", Ctx: hsl, Args: OneMore, Set: setGzipDisable},
		Directive{Name: "gzip_static", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &g(b).Static }, "off", "on", "always")},
	)
}

// setGzipCompLevel is a number slot with ngx_conf_check_num_bounds 1..9.
func setGzipCompLevel(b *builder, s *conf.Stmt) error {
	o := &b.cur.Gzip.CompLevel
	if err := numSlot(func(*builder) *Opt[int64] { return o })(b, s); err != nil {
		return err
	}
	if o.V < 1 || o.V > 9 {
		return conf.Errorf(s, "value must be between 1 and 9")
	}
	return nil
}

// gzipPow2 is a size slot whose value must be a power of two from 512 to
// max (ngx_http_gzip_window, ngx_http_gzip_hash).
func gzipPow2(words string, max int64) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if err := checkSlot(checkSize)(b, s); err != nil {
			return err
		}
		for n := int64(512); n <= max; n <<= 1 {
			if ParseSize(s.Args[0]) == n {
				return nil
			}
		}
		return conf.Errorf(s, "\"%s\" directive must be %s", s.Name, words)
	}
}

// setGzipHTTPVersion is the enum slot of gzip_http_version.
func setGzipHTTPVersion(b *builder, s *conf.Stmt) error {
	o := &b.cur.Gzip.HTTP10
	if o.Set {
		return duplicate(s)
	}
	switch s.Args[0] {
	case "1.0":
		*o = Def(true)
	case "1.1":
		*o = Def(false)
	default:
		return conf.Errorf(s, "invalid value \"%s\"", s.Args[0])
	}
	return nil
}

// setGzipProxied is ngx_conf_set_bitmask_slot: words (in any case) add bits, a repeated
// one is a warning, and a later gzip_proxied at the same level adds more.
func setGzipProxied(b *builder, s *conf.Stmt) error {
	o := &b.cur.Gzip.Proxied
	if !o.Set {
		*o = Def(uint32(0))
	}
	for _, a := range s.Args {
		bit := uint32(0)
		for _, n := range gzipProxiedNames {
			if strings.EqualFold(n.name, a) {
				bit = n.bit
				break
			}
		}
		if bit == 0 {
			return conf.Errorf(s, "invalid value \"%s\"", a)
		}
		if o.V&bit != 0 {
			b.warn(s, "duplicate value \"%s\"", a)
			continue
		}
		o.V |= bit
	}
	return nil
}

// setGzipDisable is ngx_http_gzip_disable: "msie6" sets its own flag,
// anything else is a caseless regex matched against User-Agent.
func setGzipDisable(b *builder, s *conf.Stmt) error {
	gz := &b.cur.Gzip
	for _, a := range s.Args {
		if a == "msie6" {
			gz.DisableMSIE = Def(true)
			continue
		}
		re, err := regex.Compile(a, true)
		if err != nil {
			return conf.Errorf(s, "%s", err.Error())
		}
		if !gz.Disable.Set {
			gz.Disable = Def([]*regex.Regexp(nil))
		}
		gz.Disable.V = append(gz.Disable.V, re)
	}
	return nil
}

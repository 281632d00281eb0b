package config

import (
	"slices"
	"strings"

	"weir/internal/conf"
)

// This file is the configuration of ngx_http_browser_module.

// BrowserLoc holds a level's modern_browser, ancient_browser and their
// values. A level that sets neither a modern browser nor unlisted inherits
// both; so with ancient browsers and netscape4.
type BrowserLoc struct {
	Modern       Opt[ModernBrowsers]
	Ancient      Opt[AncientBrowsers]
	ModernValue  Opt[string]
	AncientValue Opt[string]
}

// ModernBrowsers is a level's modern_browser list, ordered by Mask
// (stably) as nginx sorts it, and modern_browser unlisted.
type ModernBrowsers struct {
	List     []ModernBrowser
	Unlisted bool
}

// AncientBrowsers is a level's ancient_browser substrings and netscape4.
type AncientBrowsers struct {
	List      []string
	Netscape4 bool
}

// ModernBrowser is one modern_browser NAME VERSION: Mask indexes
// BrowserMasks, Version is the version as nginx scales it (X.X.X.X with
// 1000000, 10000, 100 and 1).
type ModernBrowser struct {
	Mask    int
	Version uint64
}

// BrowserMask says where a browser's version is in a User-Agent: after
// Find, searched from byte Skip, and Add bytes more.
type BrowserMask struct {
	Name string
	Skip int
	Add  int
	Find string
}

// BrowserMasks is nginx's table of the browsers modern_browser knows, in
// its order (Opera first).
var BrowserMasks = []BrowserMask{
	{"opera", 0, len("Opera "), "Opera"},
	{"msie", len("Mozilla/4.0 (compatible; "), len("MSIE "), "MSIE "},
	{"gecko", len("Mozilla/5.0 ("), len("rv:"), "rv:"},
	{"safari", len("Mozilla/5.0 ("), len("Safari/"), "Safari/"},
	{"konqueror", len("Mozilla/5.0 (compatible; "), len("Konqueror/"), "Konqueror/"},
}

// OperaSentinel is the version nginx gives Opera when a level lists
// modern browsers but not Opera.
const OperaSentinel = 4001000000

func defaultBrowser() BrowserLoc {
	return BrowserLoc{
		Modern: Def(ModernBrowsers{}), Ancient: Def(AncientBrowsers{}),
		ModernValue: Def("1"), AncientValue: Def("1"),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	register(
		Directive{Name: "modern_browser", Ctx: hsl, Args: Take12, Set: setModernBrowser},
		Directive{Name: "ancient_browser", Ctx: hsl, Args: OneMore, Set: setAncientBrowser},
		Directive{Name: "modern_browser_value", Ctx: hsl, Args: Take1, Set: browserValue(func(bl *BrowserLoc) *Opt[string] { return &bl.ModernValue })},
		Directive{Name: "ancient_browser_value", Ctx: hsl, Args: Take1, Set: browserValue(func(bl *BrowserLoc) *Opt[string] { return &bl.AncientValue })},
	)
}

// setModernBrowser is ngx_http_modern_browser.
func setModernBrowser(b *builder, s *conf.Stmt) error {
	o := &b.cur.Browser.Modern
	if len(s.Args) == 1 {
		if s.Args[0] == "unlisted" {
			*o = Def(ModernBrowsers{List: o.V.List, Unlisted: true})
			return nil
		}
		// nginx fails here without a message of its own
		return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[0])
	}
	mask := slices.IndexFunc(BrowserMasks, func(m BrowserMask) bool { return strings.EqualFold(m.Name, s.Args[0]) })
	if mask < 0 {
		return conf.Errorf(s, "unknown browser name \"%s\"", s.Args[0])
	}
	v, ok := BrowserVersion(s.Args[1])
	if !ok {
		return conf.Errorf(s, "invalid browser version \"%s\"", s.Args[1])
	}
	list := o.V.List
	i := len(list)
	for i > 0 && list[i-1].Mask > mask {
		i--
	}
	*o = Def(ModernBrowsers{List: slices.Insert(slices.Clone(list), i, ModernBrowser{Mask: mask, Version: v}), Unlisted: o.V.Unlisted})
	return nil
}

// BrowserVersion scales a version of digits and dots as nginx does, each
// dot dividing the scale of the next number by 100; ok is false for any
// other byte.
func BrowserVersion(s string) (uint64, bool) {
	var version, ver uint64
	scale := uint64(1000000)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			ver = ver*10 + uint64(c-'0')
		case c == '.':
			version += ver * scale
			ver = 0
			scale /= 100
		default:
			return 0, false
		}
	}
	return version + ver*scale, true
}

// setAncientBrowser is ngx_http_ancient_browser: netscape4 is a flag of
// the level, any other word a substring of the User-Agent.
func setAncientBrowser(b *builder, s *conf.Stmt) error {
	o := &b.cur.Browser.Ancient
	v := AncientBrowsers{List: slices.Clone(o.V.List), Netscape4: o.V.Netscape4}
	for _, a := range s.Args {
		if a == "netscape4" {
			v.Netscape4 = true
			continue
		}
		v.List = append(v.List, a)
	}
	*o = Def(v)
	return nil
}

// browserValue sets modern_browser_value or ancient_browser_value; the
// last one of a level wins.
func browserValue(field func(*BrowserLoc) *Opt[string]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		*field(&b.cur.Browser) = Def(s.Args[0])
		return nil
	}
}

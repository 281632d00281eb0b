package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"weir/internal/conf"
	"weir/internal/vars"
)

// This file is the configuration of ngx_http_charset_filter_module:
// charset, source_charset, override_charset, charset_types at every
// level, and the charset_map tables of the http block.

// CharsetLoc holds the charset module's location settings.
type CharsetLoc struct {
	Charset  Opt[*CharsetRef] // nil: off
	Source   Opt[*CharsetRef] // nil: off
	Override Opt[bool]
	Types    Opt[MIMETypes]
}

// CharsetRef is the value of charset or source_charset: a charset name
// as first written in the configuration, or a variable ("$name").
type CharsetRef struct {
	Name string
	Var  *vars.Value
}

// MIMETypes is a types list of ngx_http_types_slot: Any for "*", else
// the lower-cased MIME types.
type MIMETypes = GzipTypes

// Charsets is what the charset module keeps for the http block: every
// charset named (ngx_http_add_charset, caseless, the first spelling
// kept) and the recoding tables of charset_map.
type Charsets struct {
	Names []string
	Maps  []*CharsetMap
}

// CharsetMap is one charset_map block. For a map to utf-8, ToUTF8 holds
// the UTF-8 bytes of each source byte ("?" for an unmapped upper half)
// and FromUTF8 the byte of each code point listed; otherwise Fwd and Back
// map byte to byte ("?" for an unmapped upper half).
type CharsetMap struct {
	Src, Dst int // indexes in Names
	UTF8     bool
	Fwd      [256]byte
	Back     [256]byte
	ToUTF8   [256]string
	FromUTF8 map[rune]byte
}

// Lookup is ngx_http_get_charset: the index of name, compared caselessly,
// or -1.
func (c *Charsets) Lookup(name string) int {
	if c == nil {
		return -1
	}
	for i, n := range c.Names {
		if len(n) == len(name) && strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// Table returns the map between charsets src and dst (indexes) and
// whether it goes the map's own way (src is the map's source).
func (c *Charsets) Table(src, dst int) (m *CharsetMap, forward bool) {
	if c == nil {
		return nil, false
	}
	for _, m := range c.Maps {
		if m.Src == src && m.Dst == dst {
			return m, true
		}
		if m.Src == dst && m.Dst == src {
			return m, false
		}
	}
	return nil, false
}

// IsUTF8 reports whether charset i is utf-8.
func (c *Charsets) IsUTF8(i int) bool {
	return strings.EqualFold(c.Names[i], "utf-8")
}

// add is ngx_http_add_charset.
func (c *Charsets) add(name string) int {
	if i := c.Lookup(name); i >= 0 {
		return i
	}
	c.Names = append(c.Names, name)
	return len(c.Names) - 1
}

// htmlTypes is ngx_http_html_default_types.
var htmlTypes = []string{"text/html"}

// charsetTypes is ngx_http_charset_default_types.
var charsetTypes = []string{"text/html", "text/xml", "text/plain", "text/vnd.wap.wml",
	"application/javascript", "application/rss+xml"}

func defaultCharset() CharsetLoc {
	return CharsetLoc{
		Charset: Def((*CharsetRef)(nil)), Source: Def((*CharsetRef)(nil)), Override: Def(false),
		Types: Def(MIMETypes{List: charsetTypes}),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	c := func(b *builder) *CharsetLoc { return &b.cur.Charset }
	register(
		Directive{Name: "charset", Ctx: hsl | CtxLocationIf, Args: Take1, Set: charsetSlot(func(b *builder) *Opt[*CharsetRef] { return &c(b).Charset }, true)},
		Directive{Name: "source_charset", Ctx: hsl | CtxLocationIf, Args: Take1, Set: charsetSlot(func(b *builder) *Opt[*CharsetRef] { return &c(b).Source }, false)},
		Directive{Name: "override_charset", Ctx: hsl | CtxLocationIf, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &c(b).Override })},
		Directive{Name: "charset_types", Ctx: hsl, Args: OneMore, Set: typesSlot(func(b *builder) *Opt[MIMETypes] { return &c(b).Types }, charsetTypes)},
		Directive{Name: "charset_map", Ctx: CtxHTTP, Args: Take2 | Block, Set: setCharsetMap},
	)
}

func (b *builder) charsets() *Charsets {
	if b.http.Charsets == nil {
		b.http.Charsets = &Charsets{}
	}
	return b.http.Charsets
}

// charsetSlot is ngx_http_set_charset_slot: "off" (charset only), a
// variable, or a charset name added to the http block's list.
func charsetSlot(field func(b *builder) *Opt[*CharsetRef], off bool) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		a := s.Args[0]
		if off && a == "off" {
			*o = Def((*CharsetRef)(nil))
			return nil
		}
		if strings.HasPrefix(a, "$") {
			v, err := b.compile(s, a)
			if err != nil {
				return err
			}
			*o = Def(&CharsetRef{Var: v})
			return nil
		}
		cs := b.charsets()
		*o = Def(&CharsetRef{Name: cs.Names[cs.add(a)]})
		return nil
	}
}

// typesSlot is ngx_http_types_slot: the first use at a level starts
// from the first of the module's default types only (text/html; the rest
// of charset_types' defaults apply only where the directive is not
// used); types are lower-cased, a repeated one is a warning; "*" takes
// any type, and a later use at the level is then ignored (nginx returns
// at once when the list is already "any").
func typesSlot(field func(b *builder) *Opt[MIMETypes], defaults []string) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set && o.V.Any {
			return nil
		}
		if !o.Set {
			*o = Def(MIMETypes{List: append([]string(nil), defaults[:1]...)})
		}
		for _, a := range s.Args {
			if a == "*" {
				o.V = MIMETypes{Any: true}
				return nil
			}
			t := strings.ToLower(a)
			if o.V.Match(t) {
				b.warn(s, "duplicate MIME type \"%s\"", t)
				continue
			}
			o.V.List = append(o.V.List, t)
		}
		return nil
	}
}

// setCharsetMap is ngx_http_charset_map_block and ngx_http_charset_map:
// "charset_map SRC DST { XX YY; ... }" with hexadecimal bytes; when DST is
// utf-8, YY is the UTF-8 encoding of a code point below U+10000.
func setCharsetMap(b *builder, s *conf.Stmt) error {
	cs := b.charsets()
	src, dst := cs.add(s.Args[0]), cs.add(s.Args[1])
	if src == dst {
		return conf.Errorf(s, "\"charset_map\" between the same charsets \"%s\" and \"%s\"", s.Args[0], s.Args[1])
	}
	if m, _ := cs.Table(src, dst); m != nil {
		return conf.Errorf(s, "duplicate \"charset_map\" between \"%s\" and \"%s\"", s.Args[0], s.Args[1])
	}
	m := &CharsetMap{Src: src, Dst: dst, UTF8: strings.EqualFold(s.Args[1], "utf-8")}
	for i := 0; i < 256; i++ {
		c := byte(i)
		if i >= 128 {
			c = '?'
		}
		m.Fwd[i], m.Back[i], m.ToUTF8[i] = c, c, string(rune(c))
	}
	if m.UTF8 {
		m.FromUTF8 = map[rune]byte{}
	}
	cs.Maps = append(cs.Maps, m)
	for _, e := range s.Block {
		if len(e.Args) != 1 || e.HasBlock {
			return conf.Errorf(e, "invalid parameters number")
		}
		from, err := strconv.ParseUint(e.Name, 16, 16)
		if err != nil || from > 255 || !hexOnly(e.Name) {
			return conf.Errorf(e, "invalid value \"%s\"", e.Name)
		}
		v := e.Args[0]
		if !m.UTF8 {
			to, err := strconv.ParseUint(v, 16, 16)
			if err != nil || to > 255 || !hexOnly(v) {
				return conf.Errorf(e, "invalid value \"%s\"", v)
			}
			m.Fwd[from], m.Back[to] = byte(to), byte(from)
			continue
		}
		var enc []byte
		for i := 0; i+1 < len(v)+1; i += 2 {
			end := min(i+2, len(v))
			x, err := strconv.ParseUint(v[i:end], 16, 8)
			if err != nil || !hexOnly(v[i:end]) {
				return conf.Errorf(e, "invalid value \"%s\"", v)
			}
			enc = append(enc, byte(x))
		}
		r, n := utf8.DecodeRune(enc)
		if r == utf8.RuneError || n != len(enc) || r > 0xffff {
			return conf.Errorf(e, "invalid value \"%s\"", v)
		}
		m.ToUTF8[from] = string(enc)
		m.FromUTF8[r] = byte(from)
	}
	return nil
}

func hexOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// checkCharsetRecodes is the charset module's postconfiguration: every
// level whose charset and source_charset are two different named
// charsets needs a charset_map between them.
func (b *builder) checkCharsetRecodes() error {
	h := b.http
	var walk func(l *Loc, locs []*Location, script []Instr) error
	check := func(l *Loc) error {
		c, src := l.Charset.Charset.V, l.Charset.Source.V
		if c == nil || src == nil || c.Var != nil || src.Var != nil || c.Name == src.Name {
			return nil
		}
		cs := h.Charsets
		if m, _ := cs.Table(cs.Lookup(src.Name), cs.Lookup(c.Name)); m == nil {
			return &conf.Error{Msg: fmt.Sprintf("no \"charset_map\" between the charsets \"%s\" and \"%s\"", src.Name, c.Name)}
		}
		return nil
	}
	walk = func(l *Loc, locs []*Location, script []Instr) error {
		if err := check(l); err != nil {
			return err
		}
		for i := range script {
			if script[i].Op == OpIf {
				if err := walk(script[i].Block.Loc, nil, script[i].Block.Rewrite); err != nil {
					return err
				}
			}
		}
		for _, x := range locs {
			if err := walk(x.Loc, x.locs, x.Rewrite); err != nil {
				return err
			}
		}
		return nil
	}
	for _, srv := range h.Servers {
		if err := walk(srv.Loc, srv.locs, srv.Rewrite); err != nil {
			return err
		}
	}
	return nil
}

package regex

import (
	"sort"
	"unicode"
)

// maxRune is the largest character a class can name. nginx compiles its
// regexes without PCRE2_UTF, so a character is a byte: 0-255.
const maxRune = 0xff

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

// runeSet is a character class resolved to sorted, disjoint, non-adjacent
// ranges. Classes are resolved at parse time, rather than handed through as
// text, because the three dialects disagree on what \d, \w, \s, [:alpha:] and
// \b mean: PCRE without UTF is ASCII-only, .NET (regexp2) is Unicode-aware.
// Spelling every class as explicit ranges makes both engines agree with PCRE.
type runeSet []runeRange

// add appends the range lo-hi; call norm before use.
func (s *runeSet) add(lo, hi rune) { *s = append(*s, runeRange{lo, hi}) }

// addSet appends every range of o.
func (s *runeSet) addSet(o runeSet) { *s = append(*s, o...) }

// norm sorts and merges overlapping and adjacent ranges.
func (s runeSet) norm() runeSet {
	if len(s) < 2 {
		return s
	}
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	out := s[:1]
	for _, r := range s[1:] {
		last := &out[len(out)-1]
		if r.lo <= last.hi+1 {
			if r.hi > last.hi {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

// negate returns the complement of a normalised set over [0, maxRune].
func (s runeSet) negate() runeSet {
	var out runeSet
	next := rune(0)
	for _, r := range s {
		if r.lo > next {
			out.add(next, r.lo-1)
		}
		next = r.hi + 1
	}
	if next <= maxRune {
		out.add(next, maxRune)
	}
	return out
}

// full reports whether a normalised set holds every code point.
func (s runeSet) full() bool {
	return len(s) == 1 && s[0].lo == 0 && s[0].hi == maxRune
}

// fromTable converts a unicode.RangeTable, for \p{...}, keeping only the
// characters below 256 as PCRE2 does in non-UTF mode.
func fromTable(t *unicode.RangeTable) runeSet {
	var out runeSet
	for c := rune(0); c <= maxRune; c++ {
		if unicode.Is(t, c) {
			out.add(c, c)
		}
	}
	return out.norm()
}

// foldASCII adds the other case of every ASCII letter in s. PCRE2's default
// tables (the "C" locale, which nginx uses) fold only ASCII letters, so
// caseless classes are folded here and handed to the engines unfolded: Go
// and .NET would also fold Latin-1 letters such as À and à.
func (s runeSet) foldASCII() runeSet {
	out := append(runeSet(nil), s...)
	for _, r := range s {
		for _, c := range [2]runeRange{{'A', 'Z'}, {'a', 'z'}} {
			lo, hi := max(r.lo, c.lo), min(r.hi, c.hi)
			if lo <= hi {
				out.add(lo^0x20, hi^0x20)
			}
		}
	}
	return out.norm()
}

// ASCII classes as PCRE2 defines them with its default ("C" locale) tables
// and without PCRE2_UCP. \s includes VT since PCRE 8.34.
var (
	digitSet = runeSet{{'0', '9'}}
	wordSet  = runeSet{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}
	spaceSet = runeSet{{'\t', '\r'}, {' ', ' '}}
	// \h and \v are PCRE2's lists cut to the characters below 256, as in
	// its non-UTF mode.
	hspaceSet = runeSet{{'\t', '\t'}, {' ', ' '}, {0xa0, 0xa0}}
	vspaceSet = runeSet{{'\n', '\r'}, {0x85, 0x85}}
)

// posixClasses maps [:name:] to its ASCII set, as PCRE2's default tables do.
var posixClasses = map[string]runeSet{
	"alpha":  {{'A', 'Z'}, {'a', 'z'}},
	"digit":  {{'0', '9'}},
	"alnum":  {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}},
	"space":  {{'\t', '\r'}, {' ', ' '}},
	"blank":  {{'\t', '\t'}, {' ', ' '}},
	"cntrl":  {{0, 0x1f}, {0x7f, 0x7f}},
	"graph":  {{'!', '~'}},
	"print":  {{' ', '~'}},
	"lower":  {{'a', 'z'}},
	"upper":  {{'A', 'Z'}},
	"punct":  {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}},
	"xdigit": {{'0', '9'}, {'A', 'F'}, {'a', 'f'}},
	"word":   {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}},
	"ascii":  {{0, 0x7f}},
}

// ucpClasses returns \d \w \s under (*UCP), where PCRE2 uses Unicode
// properties: \d is \p{Nd}, \w is \p{L}, \p{N} and underscore, \s is \p{Z}
// plus \h and \v.
func ucpClass(c byte) runeSet {
	var s runeSet
	switch c {
	case 'd':
		s = fromTable(unicode.Nd)
	case 'w':
		s.addSet(fromTable(unicode.L))
		s.addSet(fromTable(unicode.N))
		s.add('_', '_')
	case 's':
		s.addSet(fromTable(unicode.Z))
		s.addSet(hspaceSet)
		s.addSet(vspaceSet)
	}
	return s.norm()
}

// property resolves a \p{NAME} name to a set: general categories (L, Lu,
// ...), L& and Any, and script names, all from Go's Unicode tables.
func property(name string) (runeSet, bool) {
	switch name {
	case "Any":
		return runeSet{{0, maxRune}}, true
	case "L&", "LC":
		var s runeSet
		s.addSet(fromTable(unicode.Lu))
		s.addSet(fromTable(unicode.Ll))
		s.addSet(fromTable(unicode.Lt))
		return s.norm(), true
	}
	if t, ok := unicode.Categories[name]; ok {
		return fromTable(t), true
	}
	if t, ok := unicode.Scripts[name]; ok {
		return fromTable(t), true
	}
	return nil, false
}

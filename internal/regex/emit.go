package regex

import (
	"strconv"
	"strings"
)

// dialect is the syntax an emitter writes.
type dialect uint8

const (
	dialectRE2    dialect = iota // Go's regexp
	dialectDotNet                // github.com/dlclark/regexp2 without options
)

// emit writes the tree as a pattern for one engine. The output uses no
// option letters except (?i:...) around runs of caseless ASCII letters,
// (?m:...) and (?s:.), and names no groups: every class is spelled as
// ranges and every group is plain, so both engines number groups as PCRE
// does (.NET would number named groups after unnamed ones) and agree on
// what each class holds.
func emit(root *node, d dialect, word runeSet) string {
	e := emitter{d: d, wordSet: word}
	e.node(root)
	return e.b.String()
}

type emitter struct {
	b       strings.Builder
	d       dialect
	wordSet runeSet // what \b looks at: \w, or its (*UCP) form
}

func (e *emitter) node(n *node) {
	switch n.op {
	case opLiteral:
		e.literal(n)
	case opClass:
		e.class(n.set)
	case opConcat:
		for _, s := range n.subs {
			e.node(s)
		}
	case opAlt:
		for i, s := range n.subs {
			if i > 0 {
				e.b.WriteByte('|')
			}
			e.node(s)
		}
	case opGroup:
		e.b.WriteString([...]string{"(", "(?:", "(?>", "(?=", "(?!", "(?<=", "(?<!"}[n.kind])
		e.node(n.subs[0])
		e.b.WriteByte(')')
	case opRepeat:
		e.repeat(n)
	case opBackref:
		// Only the backtracking engine sees back references. The (?:)
		// keeps a following digit out of the group number.
		if n.fold {
			e.b.WriteString(`(?i:\`)
		} else {
			e.b.WriteString(`(?:\`)
		}
		e.b.WriteString(strconv.Itoa(n.num))
		e.b.WriteByte(')')
	case opAssert:
		e.assert(n.kind)
	case opCond:
		// (?(N)yes|no), or (?(?=x)yes|no) when subs[0] is the assertion.
		e.b.WriteString("(?")
		branches := n.subs
		if n.num > 0 {
			e.b.WriteString("(" + strconv.Itoa(n.num) + ")")
		} else {
			e.node(n.subs[0])
			branches = n.subs[1:]
		}
		e.node(branches[0])
		if len(branches) > 1 {
			e.b.WriteByte('|')
			e.node(branches[1])
		}
		e.b.WriteByte(')')
	}
}

// literal writes a run of characters, wrapping each caseless stretch of
// ASCII in (?i:...). Characters above 127 are never folded: PCRE2's "C"
// locale tables fold ASCII letters only.
func (e *emitter) literal(n *node) {
	rs := n.runes
	for i := 0; i < len(rs); {
		if rs[i] >= 0x80 {
			e.char(rs[i])
			i++
			continue
		}
		j, letter := i, false
		for ; j < len(rs) && rs[j] < 0x80; j++ {
			letter = letter || isAlpha(byte(rs[j]))
		}
		fold := n.fold && letter
		if fold {
			e.b.WriteString("(?i:")
		}
		for _, r := range rs[i:j] {
			e.char(r)
		}
		if fold {
			e.b.WriteByte(')')
		}
		i = j
	}
}

// char writes one character so that both engines read it literally, in or
// out of a class.
func (e *emitter) char(r rune) {
	switch {
	case r < 0x80 && (isWord(byte(r)) || r == ' '):
		e.b.WriteByte(byte(r))
	case r > ' ' && r < 0x7f:
		e.b.WriteByte('\\')
		e.b.WriteByte(byte(r))
	default:
		e.b.WriteString(`\x`)
		e.b.WriteByte("0123456789abcdef"[r>>4])
		e.b.WriteByte("0123456789abcdef"[r&15])
	}
}

// class writes a resolved set, as its complement when that is shorter.
func (e *emitter) class(s runeSet) {
	switch {
	case len(s) == 0:
		if e.d == dialectRE2 {
			e.b.WriteString(`[^\x00-\x{10FFFF}]`)
		} else {
			e.b.WriteString(`[^\s\S]`)
		}
		return
	case s.full():
		e.b.WriteString(`(?s:.)`)
		return
	case len(s) == 1 && s[0].lo == s[0].hi:
		e.char(s[0].lo)
		return
	}
	neg := s.negate()
	e.b.WriteByte('[')
	if len(neg) < len(s) {
		e.b.WriteByte('^')
		s = neg
	}
	for _, r := range s {
		e.char(r.lo)
		if r.hi > r.lo {
			if r.hi > r.lo+1 {
				e.b.WriteByte('-')
			}
			e.char(r.hi)
		}
	}
	e.b.WriteByte(']')
}

func (e *emitter) repeat(n *node) {
	sub := n.subs[0]
	atom := sub.op == opGroup || sub.op == opClass || sub.op == opBackref ||
		sub.op == opLiteral && len(sub.runes) == 1
	if n.possessive {
		e.b.WriteString("(?>")
	}
	if !atom {
		e.b.WriteString("(?:")
	}
	e.node(sub)
	if !atom {
		e.b.WriteByte(')')
	}
	switch {
	case n.min == 0 && n.max == -1:
		e.b.WriteByte('*')
	case n.min == 1 && n.max == -1:
		e.b.WriteByte('+')
	case n.min == 0 && n.max == 1:
		e.b.WriteByte('?')
	case n.max == -1:
		e.b.WriteString("{" + strconv.Itoa(n.min) + ",}")
	case n.min == n.max:
		e.b.WriteString("{" + strconv.Itoa(n.min) + "}")
	default:
		e.b.WriteString("{" + strconv.Itoa(n.min) + "," + strconv.Itoa(n.max) + "}")
	}
	if n.lazy {
		e.b.WriteByte('?')
	}
	if n.possessive {
		e.b.WriteByte(')')
	}
}

// assert writes an assertion. Go has no lookaround, so for it $ and \Z
// become \z and multi-line ^ becomes Go's: both differ from PCRE only on a
// subject that ends in "\n", and such subjects go to the other engine (see
// Regexp.nlSens). The .NET spellings are exact.
func (e *emitter) assert(kind uint8) {
	re2 := e.d == dialectRE2
	switch kind {
	case aBeginText:
		e.b.WriteString(`\A`)
	case aEndText:
		e.b.WriteString(`\z`)
	case aEndZ:
		if re2 {
			e.b.WriteString(`\z`)
		} else {
			e.b.WriteString(`(?=\n?\z)`)
		}
	case aBeginLine:
		if re2 {
			e.b.WriteString(`(?m:^)`)
		} else {
			e.b.WriteString(`(?:\A|(?<=\n)(?!\z))`)
		}
	case aEndLine:
		e.b.WriteString(`(?m:$)`)
	case aWordB, aNonWordB:
		if re2 {
			e.b.WriteString(map[bool]string{true: `\b`, false: `\B`}[kind == aWordB])
			return
		}
		// regexp2's \b is Unicode-aware; PCRE's is not (without UCP).
		var w emitter
		w.d = e.d
		w.class(e.wordSet)
		ws := w.b.String()
		if kind == aWordB {
			e.b.WriteString("(?:(?<=" + ws + ")(?!" + ws + ")|(?<!" + ws + ")(?=" + ws + "))")
		} else {
			e.b.WriteString("(?:(?<=" + ws + ")(?=" + ws + ")|(?<!" + ws + ")(?!" + ws + "))")
		}
	}
}

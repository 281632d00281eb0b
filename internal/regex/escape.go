package regex

import "strings"

// escKind says what a backslash sequence stood for.
type escKind uint8

const (
	escChar  escKind = iota // one character
	escSet                  // a class such as \d
	escOther                // anything else; only outside a class
)

// parseEscape parses a backslash sequence outside a class. pos is at '\'.
// It returns nil for \Q and \E.
func (p *parser) parseEscape() *node {
	p.pos++
	if p.eof() {
		p.fail(`\ at end of pattern`, len(p.src))
	}
	c := p.peek()
	switch c {
	case 'Q':
		p.pos++
		p.inQuote = true
		return nil
	case 'E':
		p.pos++
		return nil
	case 'A', 'G':
		p.pos++
		return &node{op: opAssert, kind: aBeginText}
	case 'z':
		p.pos++
		return &node{op: opAssert, kind: aEndText}
	case 'Z':
		p.pos++
		p.nlSens = true
		return &node{op: opAssert, kind: aEndZ}
	case 'b', 'B':
		p.pos++
		if p.ucp {
			p.needBT = true // Go's \b is ASCII-only
		}
		if c == 'b' {
			return &node{op: opAssert, kind: aWordB}
		}
		return &node{op: opAssert, kind: aNonWordB}
	case 'K':
		p.unsupported(`\K`)
	case 'X':
		p.unsupported(`\X`)
	case 'C':
		p.pos++
		return &node{op: opClass, set: runeSet{{0, maxRune}}}
	case 'R':
		// (?>\r\n|[\n\v\f\r\x85]): atomic, so only the backtracking
		// engine spells it exactly.
		p.pos++
		p.needBT = true
		crlf := &node{op: opLiteral, runes: []rune{'\r', '\n'}}
		one := &node{op: opClass, set: vspaceSet}
		return &node{op: opGroup, kind: gAtomic, subs: []*node{{op: opAlt, subs: []*node{crlf, one}}}}
	case 'N':
		if p.peekAt(1) == '{' {
			if strings.HasPrefix(p.src[p.pos+2:], "U+") {
				p.fail(`\N{U+dddd} is supported only in Unicode (UTF) mode`, p.pos+1)
			}
			p.fail(`PCRE2 does not support \F, \L, \l, \N{name}, \U, or \u`, p.pos+1)
		}
		p.pos++
		return &node{op: opClass, set: runeSet{{'\n', '\n'}}.negate()}
	case 'g':
		return p.escapeG()
	case 'k':
		return p.escapeK()
	case '1', '2', '3', '4', '5', '6', '7', '8', '9':
		start := p.pos
		end := start
		for end < len(p.src) && isDigit(p.src[end]) {
			end++
		}
		num := atoi(p.src[start:end])
		if num < 10 || c >= '8' || num <= p.ncap {
			p.pos = end
			return p.numRef(num, start)
		}
		// Otherwise up to three octal digits, as PCRE reads "\12" in a
		// pattern with fewer than twelve groups.
	}
	kind, r, set := p.charEscape(false)
	if kind == escSet {
		return p.classNode(set)
	}
	return p.literal(r)
}

// charEscape parses the escapes that are valid both inside and outside a
// class. pos is after the backslash.
func (p *parser) charEscape(inClass bool) (escKind, rune, runeSet) {
	start := p.pos
	c := p.peek()
	p.pos++
	switch c {
	case 'a':
		return escChar, 7, nil
	case 'e':
		return escChar, 0x1b, nil
	case 'f':
		return escChar, '\f', nil
	case 'n':
		return escChar, '\n', nil
	case 'r':
		return escChar, '\r', nil
	case 't':
		return escChar, '\t', nil
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v := rune(c - '0')
		for i := 0; i < 2 && !p.eof() && p.peek() >= '0' && p.peek() <= '7'; i++ {
			v = v*8 + rune(p.peek()-'0')
			p.pos++
		}
		if v > maxRune {
			p.fail(`octal value is greater than \377 in 8-bit non-UTF-8 mode`, p.pos)
		}
		return escChar, v, nil
	case 'o':
		if p.eof() || p.peek() != '{' {
			p.fail(`missing opening brace after \o`, start)
		}
		p.pos++
		return escChar, p.braced(8, `non-octal character in \o{} (closing brace missing?)`), nil
	case 'x':
		if !p.eof() && p.peek() == '{' {
			p.pos++
			return escChar, p.braced(16, `non-hex character in \x{} (closing brace missing?)`), nil
		}
		v := rune(0)
		for i := 0; i < 2 && !p.eof() && hexVal(p.peek()) >= 0; i++ {
			v = v*16 + rune(hexVal(p.peek()))
			p.pos++
		}
		return escChar, v, nil
	case 'c':
		if p.eof() {
			p.fail(`\c at end of pattern`, len(p.src))
		}
		x := p.peek()
		if x < 0x20 || x > 0x7e {
			p.fail(`\c must be followed by a printable ASCII character`, p.pos)
		}
		p.pos++
		if x >= 'a' && x <= 'z' {
			x -= 0x20
		}
		return escChar, rune(x ^ 0x40), nil
	case 'd', 'D', 'w', 'W', 's', 'S':
		var s runeSet
		lc := c | 0x20
		switch {
		case p.ucp:
			s = ucpClass(lc)
		case lc == 'd':
			s = digitSet
		case lc == 'w':
			s = wordSet
		default:
			s = spaceSet
		}
		if c != lc {
			s = s.negate()
		}
		return escSet, 0, s
	case 'h', 'H', 'v', 'V':
		s := hspaceSet
		if c|0x20 == 'v' {
			s = vspaceSet
		}
		if c < 'a' {
			s = s.negate()
		}
		return escSet, 0, s
	case 'p', 'P':
		return escSet, 0, p.property(c == 'P')
	case 'F', 'L', 'l', 'U', 'u':
		p.fail(`PCRE2 does not support \F, \L, \l, \N{name}, \U, or \u`, p.pos)
	}
	if isWord(c) {
		p.fail(`unrecognized character follows \`, start)
	}
	// Any other character stands for itself; a byte of a UTF-8 sequence
	// too, since nginx's patterns are not UTF.
	return escChar, rune(c), nil
}

// braced reads the digits of \x{...} or \o{...} up to '}'.
func (p *parser) braced(base int, bad string) rune {
	start := p.pos
	v := 0
	for !p.eof() && p.peek() != '}' {
		d := hexVal(p.peek())
		if d < 0 || d >= base {
			p.fail(bad, p.pos)
		}
		if v <= maxRune {
			v = v*base + d
		}
		p.pos++
	}
	if p.eof() {
		p.fail(bad, p.pos)
	}
	if p.pos == start {
		p.fail(`digits missing in \x{} or \o{} or \N{U+}`, p.pos)
	}
	if v > maxRune {
		p.fail(`character code point value in \x{} or \o{} is too large`, p.pos)
	}
	p.pos++
	return rune(v)
}

// property parses the rest of \p or \P: a letter or a braced name.
func (p *parser) property(neg bool) runeSet {
	if p.eof() {
		p.fail(`malformed \P or \p sequence`, len(p.src))
	}
	var name string
	if p.peek() == '{' {
		end := strings.IndexByte(p.src[p.pos:], '}')
		if end < 0 {
			p.fail(`malformed \P or \p sequence`, len(p.src))
		}
		name = p.src[p.pos+1 : p.pos+end]
		p.pos += end + 1
		if strings.HasPrefix(name, "^") {
			neg, name = !neg, name[1:]
		}
	} else {
		name = p.src[p.pos : p.pos+1]
		p.pos++
	}
	s, ok := property(name)
	if !ok {
		p.fail(`unknown property after \P or \p`, p.pos)
	}
	if neg {
		s = s.negate()
	}
	return s
}

// escapeG parses \g: back references \gN, \g{N}, \g{-N}, \g{name}. The
// subroutine forms \g<...> and \g'...' are not supported.
func (p *parser) escapeG() *node {
	p.pos++
	off := p.pos
	const msg = `\g is not followed by a braced, angle-bracketed, or quoted name/number or by a plain number`
	if p.eof() {
		p.fail(msg, len(p.src))
	}
	var text string
	switch c := p.peek(); {
	case c == '<' || c == '\'':
		p.unsupported(`subroutine call \g` + string(c) + "...")
	case c == '{':
		end := strings.IndexByte(p.src[p.pos:], '}')
		if end < 0 {
			p.fail(msg, off)
		}
		text = p.src[p.pos+1 : p.pos+end]
		if text == "" {
			p.fail("subpattern name expected", p.pos+1)
		}
		if !isNumber(strings.TrimPrefix(text, "-")) {
			p.pos++
			return p.namedRef(p.name('}'), off+1)
		}
		p.pos += end + 1
	case isDigit(c) || c == '-' && isDigit(p.peekAt(1)):
		end := p.pos + 1
		for end < len(p.src) && isDigit(p.src[end]) {
			end++
		}
		text = p.src[p.pos:end]
		p.pos = end
	default:
		p.fail(msg, off)
	}
	num := atoi(strings.TrimPrefix(text, "-"))
	if text[0] == '-' {
		num = p.ncap - num + 1
		if num <= 0 {
			p.fail("reference to non-existent subpattern", off)
		}
	}
	if num == 0 {
		p.fail("a numbered reference must not be zero", off)
	}
	return p.numRef(num, off)
}

// escapeK parses \k<name>, \k'name' and \k{name}.
func (p *parser) escapeK() *node {
	p.pos++
	if p.eof() {
		p.fail(`\k is not followed by a braced, angle-bracketed, or quoted name`, len(p.src))
	}
	var term byte
	switch p.peek() {
	case '<':
		term = '>'
	case '\'':
		term = '\''
	case '{':
		term = '}'
	default:
		p.fail(`\k is not followed by a braced, angle-bracketed, or quoted name`, p.pos)
	}
	p.pos++
	off := p.pos
	return p.namedRef(p.name(term), off)
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return -1
}

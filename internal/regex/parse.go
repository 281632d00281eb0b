package regex

import (
	"strings"
)

// op is the kind of a syntax tree node.
type op uint8

const (
	opLiteral op = iota // runes
	opClass             // set
	opConcat            // subs in sequence
	opAlt               // subs as alternatives
	opGroup             // kind, subs[0]; num for captures
	opRepeat            // subs[0] repeated min..max (max -1: unbounded)
	opBackref           // num
	opAssert            // kind
	opCond              // num or subs[0] (assertion); then yes [, no]
)

// Group kinds.
const (
	gCapture uint8 = iota
	gNonCapture
	gAtomic
	gLookahead
	gNegLookahead
	gLookbehind
	gNegLookbehind
)

// Assertion kinds, already resolved against the m flag: PCRE's ^ and $
// mean different things with and without it, and the engines differ again.
const (
	aBeginText uint8 = iota // \A, ^ without m, \G (a match always starts at 0)
	aEndText                // \z
	aEndZ                   // $ without m, \Z: end or before a final newline
	aBeginLine              // ^ with m: start or after a newline that is not last
	aEndLine                // $ with m: before any newline or at the end
	aWordB                  // \b
	aNonWordB               // \B
)

// node is one element of the parsed pattern. Every flag (i m s x n U) is
// resolved while parsing, so emitters never reason about option scopes.
type node struct {
	op         op
	runes      []rune
	set        runeSet
	subs       []*node
	kind       uint8
	min, max   int
	lazy       bool
	possessive bool
	num        int
	fold       bool // caseless literal, class or back reference
	off        int  // source offset, for errors found after parsing
}

// flags are PCRE's option letters in force at one point of the pattern.
type flags struct {
	i, m, s, x, n, U bool
}

// ref is a back reference or condition waiting for the whole pattern to be
// known: PCRE allows forward references, by number and by name.
type ref struct {
	n    *node
	name string
	off  int
}

// maxDepth is PCRE2's default parenthesis nesting limit.
const maxDepth = 250

// maxNameLen is PCRE2's MAX_NAME_SIZE.
const maxNameLen = 32

// maxRepeat is PCRE2's MAX_REPEAT_COUNT.
const maxRepeat = 65535

// parser turns a PCRE pattern into a tree of nodes. It reads the pattern
// byte by byte because nginx compiles without PCRE2_UTF: a multi-byte UTF-8
// character in a pattern is several characters, exactly as in nginx.
type parser struct {
	src     string
	pos     int
	fl      flags
	ucp     bool
	inQuote bool
	depth   int
	ncap    int
	names   []string // by group number; names[0] is the whole match
	refs    []ref
	needBT  bool    // needs the backtracking engine
	nlSens  bool    // RE2 translation differs when the subject ends in "\n"
	late    []error // errors PCRE2 reports only after its parsing pass
}

// parseError is raised with panic inside the parser and recovered in parse;
// the recursive descent stays readable without an error check per call.
type parseError struct{ err error }

func (p *parser) fail(msg string, off int) {
	panic(parseError{&Error{Pattern: p.src, Msg: msg, Offset: off}})
}

func (p *parser) unsupported(what string) {
	panic(parseError{&Error{Pattern: p.src, Msg: what, Unsupported: true}})
}

// parse parses src; caseless is nginx's "~*".
func parse(src string, caseless bool) (root *node, p *parser, err error) {
	p = &parser{src: src, names: []string{""}}
	p.fl.i = caseless
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			root, err = nil, pe.err
		}
	}()
	p.startVerbs()
	root = p.parseAlt()
	if !p.eof() { // only ')' stops parseAlt at depth 0
		p.fail("unmatched closing parenthesis", p.pos)
	}
	p.resolveRefs()
	if len(p.late) > 0 {
		return nil, nil, p.late[0]
	}
	p.checkLookbehinds(root)
	return root, p, nil
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte { return p.src[p.pos] }

func (p *parser) peekAt(i int) byte {
	if p.pos+i < len(p.src) {
		return p.src[p.pos+i]
	}
	return 0
}

func (p *parser) hasPrefix(s string) bool { return strings.HasPrefix(p.src[p.pos:], s) }

// startVerbs reads the option settings PCRE2 allows at the very start,
// such as (*NO_JIT) or (*LIMIT_MATCH=1000), that do not change what matches.
func (p *parser) startVerbs() {
	for p.hasPrefix("(*") {
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			return
		}
		name := p.src[p.pos+2 : p.pos+end]
		if i := strings.IndexByte(name, '='); i >= 0 {
			switch name[:i] {
			case "LIMIT_MATCH", "LIMIT_DEPTH", "LIMIT_HEAP", "LIMIT_RECURSION":
				p.pos += end + 1
				continue
			}
			return
		}
		switch name {
		case "NO_AUTO_POSSESS", "NO_START_OPT", "NO_DOTSTAR_ANCHOR", "NO_JIT", "LF":
		case "UCP":
			p.ucp = true
		case "UTF", "UTF8", "CR", "CRLF", "ANYCRLF", "ANY", "NUL", "BSR_ANYCRLF", "BSR_UNICODE", "NOTEMPTY", "NOTEMPTY_ATSTART":
			p.unsupported("(*" + name + ")")
		default:
			return
		}
		p.pos += end + 1
	}
}

// parseAlt parses alternatives up to an unmatched ')' or the end. Flags set
// inside one alternative carry into the next, as in PCRE; the caller
// restores them at the closing parenthesis.
func (p *parser) parseAlt() *node {
	var alts []*node
	for {
		alts = append(alts, p.parseSeq())
		if p.eof() || p.peek() != '|' {
			break
		}
		p.pos++
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return &node{op: opAlt, subs: alts}
}

// parseSeq parses one alternative: atoms with their quantifiers.
func (p *parser) parseSeq() *node {
	seq := &node{op: opConcat}
	for !p.eof() {
		if p.inQuote {
			if p.hasPrefix(`\E`) {
				p.pos += 2
				p.inQuote = false
				p.requantify(seq)
				continue
			}
			start := p.pos
			atom := p.literal(rune(p.peek()))
			p.pos++
			seq.subs = append(seq.subs, p.quantifiers(atom, start))
			continue
		}
		if p.fl.x && p.skipExtended() {
			continue
		}
		c := p.peek()
		if c == '|' || c == ')' {
			break
		}
		start := p.pos
		var atom *node
		switch c {
		case '(':
			atom = p.parseGroup()
		case '[':
			atom = p.parseClass()
		case '\\':
			atom = p.parseEscape()
		case '.':
			p.pos++
			atom = p.dot()
		case '^':
			p.pos++
			if p.fl.m {
				atom = &node{op: opAssert, kind: aBeginLine}
				p.nlSens = true
			} else {
				atom = &node{op: opAssert, kind: aBeginText}
			}
		case '$':
			p.pos++
			if p.fl.m {
				atom = &node{op: opAssert, kind: aEndLine}
			} else {
				atom = &node{op: opAssert, kind: aEndZ}
				p.nlSens = true
			}
		case '*', '+', '?':
			p.fail("quantifier does not follow a repeatable item", p.pos)
		case '{':
			if _, _, end, ok := p.scanBraces(); ok {
				p.fail("quantifier does not follow a repeatable item", end)
			}
			p.pos++
			atom = p.literal('{')
		default:
			p.pos++
			atom = p.literal(rune(c))
		}
		if atom == nil {
			// Comments, \Q and \E vanish: a quantifier after them
			// applies to what came before. Option settings do not.
			if src := p.src[start:]; strings.HasPrefix(src, "(?#") || strings.HasPrefix(src, `\Q`) || strings.HasPrefix(src, `\E`) {
				p.requantify(seq)
			} else if !p.eof() && p.isQuantifier() {
				p.failQuantifier()
			}
			continue
		}
		seq.subs = append(seq.subs, p.quantifiers(atom, start))
	}
	return mergeLiterals(seq)
}

// requantify applies a quantifier at pos to the last atom of seq, if any.
func (p *parser) requantify(seq *node) {
	if p.eof() || p.inQuote || !p.isQuantifier() {
		return
	}
	k := len(seq.subs) - 1
	if k < 0 || seq.subs[k].op == opRepeat {
		p.failQuantifier()
	}
	seq.subs[k] = p.quantifiers(seq.subs[k], p.pos)
}

// skipExtended skips white space and #-comments under the x flag and
// reports whether it skipped anything.
func (p *parser) skipExtended() bool {
	switch c := p.peek(); {
	case c == ' ' || c >= '\t' && c <= '\r':
		p.pos++
		return true
	case c == '#':
		for !p.eof() && p.peek() != '\n' {
			p.pos++
		}
		return true
	}
	return false
}

// literal makes a one-character literal under the current flags.
func (p *parser) literal(r rune) *node {
	return &node{op: opLiteral, runes: []rune{r}, fold: p.fl.i}
}

// dot is "." under the current s flag.
func (p *parser) dot() *node {
	if p.fl.s {
		return &node{op: opClass, set: runeSet{{0, maxRune}}}
	}
	return &node{op: opClass, set: runeSet{{'\n', '\n'}}.negate()}
}

// classNode wraps a resolved set, folding it now if caseless.
func (p *parser) classNode(s runeSet) *node {
	if p.fl.i {
		s = s.foldASCII()
	}
	return &node{op: opClass, set: s}
}

// isQuantifier reports whether a quantifier starts at pos.
func (p *parser) isQuantifier() bool {
	switch p.peek() {
	case '*', '+', '?':
		return true
	case '{':
		_, _, _, ok := p.scanBraces()
		return ok
	}
	return false
}

// failQuantifier reports a quantifier with nothing to repeat, at its last
// character as PCRE2 does.
func (p *parser) failQuantifier() {
	if p.peek() == '{' {
		_, _, end, _ := p.scanBraces()
		p.fail("quantifier does not follow a repeatable item", end)
	}
	p.fail("quantifier does not follow a repeatable item", p.pos)
}

// scanBraces reads {n}, {n,} or {n,m} at pos without consuming it. end is
// the offset of the closing brace. PCRE2 10.42 takes anything else, such as
// {,3}, as literal text.
func (p *parser) scanBraces() (lo, hi, end int, ok bool) {
	i := p.pos + 1
	num := func() (int, bool) {
		start, v := i, 0
		for i < len(p.src) && p.src[i] >= '0' && p.src[i] <= '9' {
			if v <= maxRepeat {
				v = v*10 + int(p.src[i]-'0')
			}
			i++
		}
		return v, i > start
	}
	lo, ok = num()
	if !ok || i >= len(p.src) {
		return 0, 0, 0, false
	}
	hi = lo
	if p.src[i] == ',' {
		i++
		hi = -1
		if v, ok := num(); ok {
			hi = v
		}
	}
	if i >= len(p.src) || p.src[i] != '}' {
		return 0, 0, 0, false
	}
	return lo, hi, i, true
}

// quantifiers applies any quantifier after atom.
func (p *parser) quantifiers(atom *node, start int) *node {
	if p.fl.x {
		for !p.eof() && !p.inQuote && p.skipExtended() {
		}
	}
	if p.eof() || p.inQuote || !p.isQuantifier() {
		return atom
	}
	if atom.op == opAssert {
		p.failQuantifier() // PCRE2 repeats lookarounds, but not ^ $ \b
	}
	rep := &node{op: opRepeat, subs: []*node{atom}, off: start}
	switch p.peek() {
	case '*':
		rep.min, rep.max = 0, -1
		p.pos++
	case '+':
		rep.min, rep.max = 1, -1
		p.pos++
	case '?':
		rep.min, rep.max = 0, 1
		p.pos++
	case '{':
		lo, hi, end, _ := p.scanBraces()
		if lo > maxRepeat || hi > maxRepeat {
			p.fail("number too big in {} quantifier", end)
		}
		if hi >= 0 && hi < lo {
			p.fail("numbers out of order in {} quantifier", end)
		}
		rep.min, rep.max = lo, hi
		p.pos = end + 1
	}
	if !p.eof() {
		switch p.peek() {
		case '?':
			rep.lazy = true
			p.pos++
		case '+':
			rep.possessive = true
			p.needBT = true
			p.pos++
		}
	}
	if p.fl.U && !rep.possessive {
		rep.lazy = !rep.lazy
	}
	if !p.eof() && p.isQuantifier() {
		p.failQuantifier()
	}
	return rep
}

// mergeLiterals joins adjacent one-character literals with the same fold
// into runs, and unwraps single-element sequences.
func mergeLiterals(seq *node) *node {
	var out []*node
	for _, n := range seq.subs {
		if k := len(out) - 1; k >= 0 && n.op == opLiteral && out[k].op == opLiteral && out[k].fold == n.fold {
			out[k].runes = append(out[k].runes, n.runes...)
			continue
		}
		out = append(out, n)
	}
	if len(out) == 1 {
		return out[0]
	}
	seq.subs = out
	return seq
}

// resolveRefs checks every back reference and condition once all groups
// are known, and turns names into numbers.
func (p *parser) resolveRefs() {
	for _, r := range p.refs {
		if r.name != "" {
			n := p.groupByName(r.name)
			if n == 0 {
				p.fail("reference to non-existent subpattern", r.off)
			}
			r.n.num = n
			continue
		}
		if r.n.num > p.ncap {
			p.fail("reference to non-existent subpattern", r.off)
		}
	}
}

func (p *parser) groupByName(name string) int {
	for i, n := range p.names {
		if n == name && i > 0 {
			return i
		}
	}
	return 0
}

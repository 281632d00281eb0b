package regex

import "strings"

// parseGroup parses everything that starts with '(' and returns nil for
// constructs that match nothing themselves: comments and option settings.
func (p *parser) parseGroup() *node {
	start := p.pos
	p.pos++
	if p.eof() {
		p.fail("missing closing parenthesis", len(p.src))
	}
	switch c := p.peek(); {
	case c == '*' && p.pos+1 < len(p.src) && isAlpha(p.src[p.pos+1]):
		return p.parseVerb()
	case c != '?':
		if p.fl.n {
			return p.groupBody(&node{op: opGroup, kind: gNonCapture}, p.fl)
		}
		return p.capture("", start)
	}
	p.pos++ // '?'
	if p.eof() {
		p.fail("missing closing parenthesis", len(p.src))
	}
	c := p.peek()
	switch c {
	case '#':
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			p.fail("missing ) after (?# comment", len(p.src))
		}
		p.pos += end + 1
		return nil
	case ':':
		p.pos++
		return p.groupBody(&node{op: opGroup, kind: gNonCapture}, p.fl)
	case '>':
		p.pos++
		p.needBT = true
		return p.groupBody(&node{op: opGroup, kind: gAtomic}, p.fl)
	case '=', '!':
		p.pos++
		p.needBT = true
		kind := gLookahead
		if c == '!' {
			kind = gNegLookahead
		}
		return p.groupBody(&node{op: opGroup, kind: kind, off: start}, p.fl)
	case '<':
		if n := p.peekAt(1); n == '=' || n == '!' {
			p.pos += 2
			p.needBT = true
			kind := gLookbehind
			if n == '!' {
				kind = gNegLookbehind
			}
			return p.groupBody(&node{op: opGroup, kind: kind, off: start}, p.fl)
		}
		p.pos++
		return p.capture(p.name('>'), start)
	case '\'':
		p.pos++
		return p.capture(p.name('\''), start)
	case 'P':
		p.pos++
		if p.eof() {
			p.fail("missing closing parenthesis", len(p.src))
		}
		switch p.peek() {
		case '<':
			p.pos++
			return p.capture(p.name('>'), start)
		case '=':
			p.pos++
			off := p.pos
			return p.namedRef(p.name(')'), off)
		case '>':
			p.unsupported("subroutine call (?P>name)")
		}
		p.fail("unrecognized character after (?P", p.pos)
	case '(':
		return p.parseCond(start)
	case '|':
		p.unsupported("branch reset group (?|...)")
	case 'R', '&', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		p.unsupported("recursion or subroutine call (?" + string(c) + "...)")
	case '-':
		if n := p.peekAt(1); n >= '0' && n <= '9' {
			p.unsupported("subroutine call (?-n)")
		}
	case 'C':
		p.unsupported("callout (?C...)")
	case '*':
		p.unsupported("non-atomic lookahead (?*...)")
	}
	return p.parseFlags()
}

// capture opens capturing group number ncap+1, named if name is not empty.
func (p *parser) capture(name string, start int) *node {
	if name != "" && p.groupByName(name) != 0 {
		p.fail("two named subpatterns have the same name (PCRE2_DUPNAMES not set)", p.pos)
	}
	p.ncap++
	p.names = append(p.names, name)
	return p.groupBody(&node{op: opGroup, kind: gCapture, num: p.ncap, off: start}, p.fl)
}

// groupBody parses the inside of a group under inner flags, then its ')'.
// The flags in force before the group come back after it.
func (p *parser) groupBody(n *node, inner flags) *node {
	saved := p.fl
	p.fl = inner
	p.depth++
	if p.depth > maxDepth {
		p.fail("parentheses are too deeply nested", p.pos)
	}
	body := p.parseAlt()
	p.depth--
	if p.eof() {
		p.fail("missing closing parenthesis", len(p.src))
	}
	p.pos++
	p.fl = saved
	n.subs = []*node{body}
	return n
}

// name reads a group name and its terminator, with PCRE2's messages.
func (p *parser) name(term byte) string {
	start := p.pos
	if p.eof() {
		p.fail("subpattern name expected", len(p.src))
	}
	if c := p.peek(); c >= '0' && c <= '9' {
		p.fail("subpattern name must start with a non-digit", p.pos)
	}
	for !p.eof() && isWord(p.peek()) {
		p.pos++
	}
	if p.pos == start {
		p.fail("subpattern name expected", p.pos)
	}
	if p.pos-start > maxNameLen {
		p.fail("subpattern name is too long (maximum 32 code units)", p.pos)
	}
	if p.eof() || p.peek() != term {
		p.fail("syntax error in subpattern name (missing terminator?)", p.pos)
	}
	p.pos++
	return p.src[start : p.pos-1]
}

// namedRef makes a back reference resolved by name after parsing.
func (p *parser) namedRef(name string, off int) *node {
	n := &node{op: opBackref, fold: p.fl.i}
	p.refs = append(p.refs, ref{n: n, name: name, off: off})
	p.needBT = true
	return n
}

// numRef makes a back reference by number, checked after parsing.
func (p *parser) numRef(num, off int) *node {
	n := &node{op: opBackref, num: num, fold: p.fl.i}
	p.refs = append(p.refs, ref{n: n, off: off})
	p.needBT = true
	return n
}

// parseCond parses (?(condition)yes|no). pos is at the inner '('.
func (p *parser) parseCond(start int) *node {
	condOff := p.pos
	p.needBT = true
	n := &node{op: opCond, off: start}
	p.pos++
	if p.eof() {
		p.fail("missing closing parenthesis", len(p.src))
	}
	switch {
	case p.hasPrefix("?=") || p.hasPrefix("?!") || p.hasPrefix("?<=") || p.hasPrefix("?<!"):
		p.pos-- // parse the assertion as a group
		n.subs = append(n.subs, p.parseGroup())
	default:
		end := strings.IndexByte(p.src[p.pos:], ')')
		if end < 0 {
			p.fail("missing closing parenthesis for condition", len(p.src))
		}
		text := p.src[p.pos : p.pos+end]
		switch {
		case text == "":
			p.fail("subpattern name expected", p.pos)
		case isNumber(text):
			num := atoi(text)
			p.refs = append(p.refs, ref{n: n, off: condOff})
			n.num = num
		case len(text) > 2 && (text[0] == '<' && text[len(text)-1] == '>' || text[0] == '\'' && text[len(text)-1] == '\''):
			p.refs = append(p.refs, ref{n: n, name: text[1 : len(text)-1], off: p.pos + 1})
		case text == "R" || strings.HasPrefix(text, "R&") || text == "DEFINE" || text[0] == 'R' && isNumber(text[1:]):
			p.unsupported("condition (?(" + text + ")...)")
		default:
			p.refs = append(p.refs, ref{n: n, name: text, off: p.pos})
		}
		p.pos += end + 1
	}
	saved := p.fl
	body := p.parseAlt()
	if p.eof() {
		p.fail("missing closing parenthesis", len(p.src))
	}
	p.pos++
	p.fl = saved
	yes, no := body, (*node)(nil)
	if body.op == opAlt {
		if len(body.subs) > 2 {
			// PCRE2 finds this after checking references.
			p.late = append(p.late, &Error{Pattern: p.src, Msg: "conditional subpattern contains more than two branches", Offset: start})
			body.subs = body.subs[:2]
		}
		yes, no = body.subs[0], body.subs[1]
	}
	n.subs = append(n.subs, yes)
	if no != nil {
		n.subs = append(n.subs, no)
	}
	return n
}

// parseVerb handles (*VERB) inside the pattern: (*FAIL) and (*F) match
// nothing; the backtracking-control verbs have no equivalent in either engine.
func (p *parser) parseVerb() *node {
	start := p.pos + 1
	i := start
	for i < len(p.src) && isWord(p.src[i]) {
		i++
	}
	name := p.src[start:i]
	if i < len(p.src) && p.src[i] == ':' {
		p.unsupported("(*" + name + ":...)")
	}
	if i >= len(p.src) || p.src[i] != ')' {
		p.fail("(*VERB) not recognized or malformed", i)
	}
	switch name {
	case "FAIL", "F":
		p.pos = i + 1
		return &node{op: opClass}
	case "ACCEPT", "COMMIT", "PRUNE", "SKIP", "THEN":
		p.unsupported("(*" + name + ")")
	}
	p.fail("(*VERB) not recognized or malformed", i)
	return nil
}

// parseFlags parses (?imnsxU-imnsx) and (?imnsxU-imnsx:...). pos is after
// "(?". PCRE2's "(?^" resets imnsx before applying the letters after it.
func (p *parser) parseFlags() *node {
	fl := p.fl
	on := true
	if !p.eof() && p.peek() == '^' {
		fl = flags{}
		p.pos++
	}
	for !p.eof() {
		c := p.peek()
		switch c {
		case '-':
			on = false
		case 'i':
			fl.i = on
		case 'm':
			fl.m = on
		case 's':
			fl.s = on
		case 'x':
			fl.x = on
			if p.peekAt(1) == 'x' {
				p.unsupported("(?xx)")
			}
		case 'n':
			fl.n = on
		case 'U':
			fl.U = on
		case 'J':
			p.unsupported("(?J)")
		case ')':
			p.pos++
			p.fl = fl
			return nil
		case ':':
			p.pos++
			return p.groupBody(&node{op: opGroup, kind: gNonCapture}, fl)
		default:
			p.fail("unrecognized character after (? or (?-", p.pos)
		}
		p.pos++
	}
	p.fail("missing closing parenthesis", len(p.src))
	return nil
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWord(c byte) bool { return isAlpha(c) || isDigit(c) || c == '_' }

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// atoi converts a digit string, saturating far above any group count.
func atoi(s string) int {
	v := 0
	for i := 0; i < len(s) && v < 1<<20; i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

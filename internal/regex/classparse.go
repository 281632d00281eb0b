package regex

import "strings"

// parseClass parses [...] into a resolved set. pos is at '['.
func (p *parser) parseClass() *node {
	p.pos++
	neg := false
	if !p.eof() && p.peek() == '^' {
		neg = true
		p.pos++
	}
	var set runeSet
	quote := false
	for first := true; ; first = false {
		if p.eof() {
			p.fail("missing terminating ] for character class", len(p.src))
		}
		if quote {
			if p.hasPrefix(`\E`) {
				p.pos += 2
				quote = false
				continue
			}
		} else {
			if p.hasPrefix(`\Q`) {
				p.pos += 2
				quote = true
				continue
			}
			if p.hasPrefix(`\E`) {
				p.pos += 2
				continue
			}
			// A ']' right after '[' or '[^' is a literal, as in PCRE.
			if p.peek() == ']' && !first {
				p.pos++
				break
			}
			if s, ok := p.posixClass(); ok {
				if p.peek() == '-' && p.peekAt(1) != ']' {
					p.fail("invalid range in character class", p.pos)
				}
				set.addSet(s)
				continue
			}
		}
		lo, s, isSet := p.classChar(quote)
		if isSet {
			if !p.eof() && p.peek() == '-' && p.peekAt(1) != ']' && p.pos+1 < len(p.src) {
				p.fail("invalid range in character class", p.pos)
			}
			set.addSet(s)
			continue
		}
		if p.eof() || p.peek() != '-' || p.pos+1 >= len(p.src) || p.peekAt(1) == ']' && !quote {
			set.add(lo, lo)
			continue
		}
		p.pos++ // '-'
		if quote && p.hasPrefix(`\E`) {
			p.pos += 2
			quote = false
		}
		if at := p.pos; !quote {
			if _, ok := p.posixClass(); ok {
				p.fail("invalid range in character class", at+1)
			}
		}
		hiStart := p.pos
		hi, _, isSet := p.classChar(quote)
		if isSet {
			p.fail("invalid range in character class", p.pos)
		}
		if hi < lo {
			p.fail("range out of order in character class", hiStart)
		}
		set.add(lo, hi)
	}
	set = set.norm()
	if p.fl.i {
		set = set.foldASCII()
	}
	if neg {
		set = set.negate()
	}
	return &node{op: opClass, set: set}
}

// classChar reads one character or escape inside a class.
func (p *parser) classChar(quote bool) (rune, runeSet, bool) {
	c := p.peek()
	if quote || c != '\\' {
		p.pos++
		return rune(c), nil, false
	}
	p.pos++
	if p.eof() {
		p.fail(`\ at end of pattern`, len(p.src))
	}
	switch p.peek() {
	case 'b':
		p.pos++
		return '\b', nil, false
	case 'N':
		p.fail(`\N is not supported in a class`, p.pos+1)
	case 'R', 'X', 'B', 'A', 'z', 'Z', 'G', 'K', 'g', 'k':
		p.fail("escape sequence is invalid in character class", p.pos)
	case '8', '9':
		p.fail(`unrecognized character follows \`, p.pos)
	}
	kind, r, s := p.charEscape(true)
	return r, s, kind == escSet
}

// posixClass parses [:name:] or [:^name:] if one starts at pos. PCRE2 takes
// '[' as a literal unless a matching ":]" follows before any ']'.
func (p *parser) posixClass() (runeSet, bool) {
	if !p.hasPrefix("[") || p.pos+1 >= len(p.src) {
		return nil, false
	}
	delim := p.src[p.pos+1]
	if delim != ':' && delim != '.' && delim != '=' {
		return nil, false
	}
	rest := p.src[p.pos+2:]
	end := strings.IndexByte(rest, ']')
	if end < 1 || rest[end-1] != delim {
		return nil, false
	}
	if delim != ':' {
		p.fail("POSIX collating elements are not supported", p.pos)
	}
	name := rest[:end-1]
	nameOff := p.pos + 2
	neg := strings.HasPrefix(name, "^")
	if neg {
		name = name[1:]
	}
	s, ok := posixClasses[name]
	if !ok {
		p.fail("unknown POSIX class name", nameOff)
	}
	p.pos += 2 + end + 1
	if neg {
		s = s.negate()
	}
	return s, true
}

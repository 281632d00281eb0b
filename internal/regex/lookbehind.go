package regex

// checkLookbehinds rejects what PCRE2 10.42 rejects: a lookbehind whose
// top-level branches are not each of fixed length. regexp2 would accept
// them (.NET matches lookbehinds right to left), but a config nginx refuses
// must not load in weir either.
func (p *parser) checkLookbehinds(root *node) {
	groups := map[int]*node{}
	collectGroups(root, groups)
	var walk func(n *node)
	walk = func(n *node) {
		if n.op == opGroup && (n.kind == gLookbehind || n.kind == gNegLookbehind) {
			body := n.subs[0]
			branches := []*node{body}
			if body.op == opAlt {
				branches = body.subs
			}
			for _, b := range branches {
				if _, ok := width(b, groups, 0); !ok {
					p.fail("lookbehind assertion is not fixed length", n.off)
				}
			}
		}
		for _, s := range n.subs {
			walk(s)
		}
	}
	walk(root)
}

func collectGroups(n *node, m map[int]*node) {
	if n.op == opGroup && n.kind == gCapture {
		m[n.num] = n
	}
	for _, s := range n.subs {
		collectGroups(s, m)
	}
}

// width is the fixed number of characters n matches, if it has one. depth
// stops a back reference from chasing itself.
func width(n *node, groups map[int]*node, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	switch n.op {
	case opLiteral:
		return len(n.runes), true
	case opClass:
		return 1, true
	case opAssert:
		return 0, true
	case opConcat:
		total := 0
		for _, s := range n.subs {
			w, ok := width(s, groups, depth)
			if !ok {
				return 0, false
			}
			total += w
		}
		return total, true
	case opAlt:
		first := -1
		for _, s := range n.subs {
			w, ok := width(s, groups, depth)
			if !ok || first >= 0 && w != first {
				return 0, false
			}
			first = w
		}
		return first, true
	case opGroup:
		if n.kind >= gLookahead {
			return 0, true
		}
		return width(n.subs[0], groups, depth)
	case opRepeat:
		if n.min != n.max {
			return 0, false
		}
		w, ok := width(n.subs[0], groups, depth)
		return w * n.min, ok
	case opBackref:
		g, ok := groups[n.num]
		if !ok {
			return 0, false
		}
		return width(g, groups, depth+1)
	case opCond:
		branches := n.subs
		if n.num == 0 {
			branches = n.subs[1:]
		}
		w, ok := width(branches[0], groups, depth)
		if !ok {
			return 0, false
		}
		no := 0
		if len(branches) > 1 {
			if no, ok = width(branches[1], groups, depth); !ok {
				return 0, false
			}
		}
		return w, w == no
	}
	return 0, false
}

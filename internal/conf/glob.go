package conf

import (
	"slices"
	"strings"
)

// glob expands pattern as glibc's glob(3) does when ngx_open_glob calls it
// with no flags: "*", "?" and "[...]" match within one path component, a
// leading "." must be matched literally, a backslash quotes the next
// character, a "[" without a closing "]" is an ordinary character, hidden
// entries "." and ".." take part like any other, and the matches are
// sorted bytewise (nginx never calls setlocale, so strcoll is strcmp). A
// pattern ending in "/" matches directories only, and each match keeps the
// "/". Unreadable directories are skipped; no match is an empty result.
//
// path/filepath.Glob differs on all of these points, hence this port.
func glob(fsys FS, pattern string) []string {
	var out []string
	if strings.HasSuffix(pattern, "/") && strings.Trim(pattern, "/") != "" {
		for _, m := range globPath(fsys, strings.TrimRight(pattern, "/")) {
			if fi, err := fsys.Stat(m); err == nil && fi.IsDir() {
				out = append(out, m+"/")
			}
		}
	} else {
		out = globPath(fsys, pattern)
	}
	slices.Sort(out)
	return out
}

// globPath expands a pattern that does not end in "/": the directory part
// first (recursively when it has wildcards), then the last component in
// each of its matches.
func globPath(fsys FS, pattern string) []string {
	dir, base := "", pattern
	if i := strings.LastIndexByte(pattern, '/'); i >= 0 {
		dir, base = pattern[:i+1], pattern[i+1:]
	}

	var dirs []string
	switch parent := strings.TrimRight(dir, "/"); {
	case dir == "":
		dirs = []string{""}
	case hasMagic(parent):
		slashes := dir[len(parent):]
		for _, d := range globPath(fsys, parent) {
			dirs = append(dirs, d+slashes)
		}
	default:
		dirs = []string{unquoteGlob(dir)}
	}

	var out []string
	for _, d := range dirs {
		if !hasMagic(base) {
			name := d + unquoteGlob(base)
			if _, err := fsys.Lstat(name); err == nil {
				out = append(out, name)
			}
			continue
		}
		read := d
		if read == "" {
			read = "."
		}
		entries, err := fsys.ReadDir(read)
		if err != nil {
			continue
		}
		for _, name := range []string{".", ".."} {
			if fnmatch(base, name) {
				out = append(out, d+name)
			}
		}
		for _, e := range entries {
			if fnmatch(base, e.Name()) {
				out = append(out, d+e.Name())
			}
		}
	}
	return out
}

// hasMagic reports whether a pattern has a wildcard, as glibc's
// __glob_pattern_p does: "*" or "?" unquoted, or a "[" followed later by a
// "]".
func hasMagic(p string) bool {
	bracket := false
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '*', '?':
			return true
		case '\\':
			i++
		case '[':
			bracket = true
		case ']':
			if bracket {
				return true
			}
		}
	}
	return false
}

// unquoteGlob removes the backslashes that quote characters in a pattern
// without wildcards.
func unquoteGlob(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// fnmatch matches one path component against a pattern as glibc's
// fnmatch(3) with FNM_PERIOD does in the C locale. It backtracks only to
// the last "*", so it runs in time linear in len(pattern)*len(name).
func fnmatch(pattern, name string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") && !strings.HasPrefix(pattern, `\.`) {
		return false
	}
	p, n := 0, 0
	starP, starN := -1, 0
	for n < len(name) {
		if p < len(pattern) {
			switch c := pattern[p]; c {
			case '*':
				starP, starN = p, n
				p++
				continue
			case '?':
				p++
				n++
				continue
			case '[':
				if ok, next, valid := matchBracket(pattern, p, name[n]); valid {
					if ok {
						p, n = next, n+1
						continue
					}
					break
				}
				if name[n] == '[' {
					p++
					n++
					continue
				}
			case '\\':
				if p+1 < len(pattern) {
					c = pattern[p+1]
					if name[n] == c {
						p, n = p+2, n+1
						continue
					}
					break
				}
				fallthrough
			default:
				if name[n] == c {
					p++
					n++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starN++
		p, n = starP+1, starN
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchBracket matches c against the bracket expression at pattern[p]
// ("[" ... "]"). valid is false when the "[" has no closing "]", and then
// it is an ordinary character. "!" or "^" first negates; a "]" first is a
// member; "a-z" is a range; "[:class:]" a POSIX class; a backslash quotes.
func matchBracket(pattern string, p int, c byte) (ok bool, next int, valid bool) {
	i := p + 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(pattern) {
		lo := pattern[i]
		switch {
		case lo == ']' && !first:
			return ok != negate, i + 1, true
		case lo == '[' && i+1 < len(pattern) && pattern[i+1] == ':':
			if end := strings.Index(pattern[i+2:], ":]"); end >= 0 {
				if inClass(pattern[i+2:i+2+end], c) {
					ok = true
				}
				i += 2 + end + 2
				first = false
				continue
			}
		case lo == '\\' && i+1 < len(pattern):
			i++
			lo = pattern[i]
		}
		first = false
		hi := lo
		if i+2 < len(pattern) && pattern[i+1] == '-' && pattern[i+2] != ']' {
			hi = pattern[i+2]
			if hi == '\\' && i+3 < len(pattern) {
				hi = pattern[i+3]
				i++
			}
			i += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
		i++
	}
	return false, 0, false
}

// inClass reports whether c is in the named POSIX character class, in the
// C locale.
func inClass(class string, c byte) bool {
	switch class {
	case "alpha":
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
	case "digit":
		return '0' <= c && c <= '9'
	case "alnum":
		return inClass("alpha", c) || inClass("digit", c)
	case "upper":
		return 'A' <= c && c <= 'Z'
	case "lower":
		return 'a' <= c && c <= 'z'
	case "space":
		return c == ' ' || '\t' <= c && c <= '\r'
	case "blank":
		return c == ' ' || c == '\t'
	case "punct":
		return c > ' ' && c < 0x7f && !inClass("alnum", c)
	case "print":
		return c >= ' ' && c < 0x7f
	case "graph":
		return c > ' ' && c < 0x7f
	case "cntrl":
		return c < ' ' || c == 0x7f
	case "xdigit":
		return inClass("digit", c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
	}
	return false
}

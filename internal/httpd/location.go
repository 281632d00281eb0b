package httpd

import (
	"strings"

	"weir/internal/config"
	"weir/internal/regex"
)

// findLocation implements ngx_http_core_find_location: the longest
// matching prefix (an exact match ends the search), then that location's
// nested locations, then the regex locations in order unless the prefix
// was "^~". It returns nil when nothing matches.
func findLocation(q *request, t *config.LocTree) *config.Location {
	l, _ := findIn(q, t)
	return l
}

// findIn returns the location and whether the search is final (an exact
// or a regex match, which ends the search at outer levels too).
func findIn(q *request, t *config.LocTree) (*config.Location, bool) {
	if t == nil {
		return nil, false
	}
	uri := q.uri
	var best *config.Location
	for _, l := range t.Static {
		if l.Match == config.MatchExact {
			if l.Name == uri {
				return l, true
			}
			continue
		}
		if strings.HasPrefix(uri, l.Name) && (best == nil || len(l.Name) > len(best.Name)) {
			best = l
		}
	}
	if best == nil || best.Name != uri {
		// ngx_http_find_static_location: the URI is a location's name
		// without its trailing slash, and that location passes requests
		// to upstreams (clcf->auto_redirect): nginx answers 301 to the
		// slashed URI without looking at regexes
		for _, l := range t.Static {
			if len(l.Name) == len(uri)+1 && strings.HasSuffix(l.Name, "/") && strings.HasPrefix(l.Name, uri) && autoRedirect(l) {
				q.autoRedirect = true
				return l, true
			}
		}
	}
	noregex := false
	if best != nil {
		noregex = best.Match == config.MatchPrefixNoRegex
		if best.Nested != nil {
			if sub, final := findIn(q, best.Nested); sub != nil {
				if final {
					return sub, true
				}
				best = sub
			}
		}
	}
	if !noregex {
		for _, l := range t.Regex {
			if q.matchCaptures(l.Regex, uri) {
				if l.Nested != nil {
					if sub, _ := findIn(q, l.Nested); sub != nil {
						return sub, true
					}
				}
				return l, true
			}
		}
	}
	return best, false
}

// matchCaptures runs re on s and, on a match, keeps the captures for
// $1..$9 and the named-capture variables (ngx_http_regex_exec).
func (q *request) matchCaptures(re *regex.Regexp, s string) bool {
	caps := re.FindSubmatchIndex(s, q.caps[:0])
	if caps == nil {
		return false
	}
	q.caps = caps
	q.capSrc = s
	for i, n := range re.Names() {
		if n == "" || 2*i+1 >= len(caps) {
			continue
		}
		if slot, ok := q.snap.Cfg.HTTP.Vars.Slot(n); ok {
			v := ""
			if caps[2*i] >= 0 {
				v = s[caps[2*i]:caps[2*i+1]]
			}
			q.user[slot], q.userSet[slot] = v, true
		}
	}
	return true
}

// capture returns $n of the last match.
func (q *request) capture(n int) string {
	if 2*n+1 >= len(q.caps) || q.caps[2*n] < 0 {
		return ""
	}
	return q.capSrc[q.caps[2*n]:q.caps[2*n+1]]
}

// autoRedirect reports whether a location sends "/name" to "/name/" with a
// 301 (nginx sets clcf->auto_redirect in proxy_pass and the other *_pass
// directives of a location whose name ends with "/").
func autoRedirect(l *config.Location) bool {
	p, _ := passOf(l.Loc)
	return p != nil
}

package httpd

import (
	"weir/internal/config"
	"weir/internal/errlog"
)

// maxVarDepth is nginx's ngx_http_variable_depth: how deeply variables may
// be computed from one another before a map that reads itself is a cycle.
const maxVarDepth = 100

// mapValue computes the variable of a map block (ngx_http_map_variable):
// the source is evaluated and looked up among the exact and wildcard
// keys, then the regexes in order, then the default. The value, a complex
// value evaluated now (after the map's own regex set the captures), is
// cached in the variable's slot for the rest of the request unless the
// map is volatile.
func (q *request) mapValue(slot int, m *config.Map) string {
	if q.varDepth >= maxVarDepth {
		// ngx_http_get_indexed_variable reads as not found, uncached;
		// nginx reads each variable of a complex value twice (its length,
		// then its bytes), so the message comes twice.
		for i := 0; i < 2; i++ {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "cycle while evaluating variable \"%s\"%s", m.Name, q.logSuffix())
		}
		return ""
	}
	q.varDepth++
	if m.Geo != nil || m.Split != nil {
		s := q.blockVar(m)
		q.varDepth--
		if !m.Volatile && slot < len(q.user) {
			q.user[slot], q.userSet[slot] = s, true
		}
		return s
	}
	// ngx_http_regex_exec: a match sets $1..$9 and the named captures,
	// a regex without groups clearing them.
	s := q.eval(m.Lookup(q.eval(m.Source), q.matchCaptures))
	q.varDepth--
	if !m.Volatile && slot < len(q.user) {
		q.user[slot], q.userSet[slot] = s, true
	}
	return s
}

package stream

import (
	"net/netip"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/inet"
	"weir/internal/regex"
	"weir/internal/vars"
)

// maxVarDepth is how deeply variables may be computed from one another
// before a map that reads itself is a cycle (ngx_stream_variable_depth).
const maxVarDepth = 100

// userVar is a variable map, geo, split_clients or set declared: a
// block's computed once per session (unless volatile), a set one's as
// the last set left it, else empty; a named capture no match set is not
// found.
func (ss *session) userVar(name string) (string, bool) {
	cfg := ss.srv.cfg
	slot, ok := cfg.Vars.Slot(name)
	if !ok {
		return "", false
	}
	if v, ok := ss.user[slot]; ok {
		return v, true
	}
	i, isMap := cfg.Vars.Map(slot)
	if !isMap {
		return "", !cfg.Vars.Captured(slot)
	}
	m := cfg.Maps[i]
	if ss.varDepth >= maxVarDepth {
		ss.logf(errlog.Error, "cycle while evaluating variable \"%s\"", m.Name)
		return "", false
	}
	ss.varDepth++
	var v string
	switch {
	case m.Split != nil:
		v, _ = m.Split.Pick(config.MurmurHash2(ss.eval(m.Source)))
	case m.Geo != nil:
		v = ss.geo(m.Geo)
	default:
		v = ss.eval(m.Lookup(ss.eval(m.Source), ss.match))
	}
	ss.varDepth--
	if !m.Volatile {
		ss.setVar(slot, v)
	}
	return v, true
}

func (ss *session) setVar(slot int, v string) {
	if ss.user == nil {
		ss.user = map[int]string{}
	}
	ss.user[slot] = v
}

// geo is ngx_stream_geo_cidr_variable / _range_variable: the client's
// address, or the value of the block's variable (255.255.255.255 when it
// is no address).
func (ss *session) geo(g *config.Geo) string {
	if g.Addr != nil {
		a, ok := inet.ParseAddr(ss.eval(g.Addr))
		return g.Find(a, ok)
	}
	if !ss.client.IsValid() {
		return g.Find(netip.IPv4Unspecified(), true)
	}
	return g.Find(ss.client.Addr(), true)
}

// match runs a map's regex on s: a match sets $1..$9 and the named
// captures (ngx_stream_regex_exec).
func (ss *session) match(re *regex.Regexp, s string) bool {
	caps := re.FindSubmatchIndex(s, nil)
	if caps == nil {
		return false
	}
	ss.caps, ss.capSrc = caps, s
	for i, n := range re.Names() {
		if n == "" || 2*i+1 >= len(caps) {
			continue
		}
		if slot, ok := ss.srv.cfg.Vars.Slot(n); ok {
			v := ""
			if caps[2*i] >= 0 {
				v = s[caps[2*i]:caps[2*i+1]]
			}
			ss.setVar(slot, v)
		}
	}
	return true
}

// capture is $n of the last match.
func (ss *session) capture(n int) string {
	if 2*n+1 >= len(ss.caps) || ss.caps[2*n] < 0 {
		return ""
	}
	return ss.capSrc[ss.caps[2*n]:ss.caps[2*n+1]]
}

// part is one compiled part's text and whether its variable was found.
func (ss *session) part(p vars.Part) (string, bool) {
	switch p.Kind {
	case vars.Lit:
		return p.Lit, true
	case vars.Capture:
		return ss.capture(p.N), true
	}
	return ss.variable(config.StreamVarName(p))
}

// runSets is ngx_stream_set_handler: each set of the server in order.
func (ss *session) runSets() {
	for _, s := range ss.conf.Sets {
		ss.setVar(s.Slot, ss.eval(s.Value))
	}
}

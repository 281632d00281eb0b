package config

import (
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// The runtime API and status zones of the commercial nginx
// (ngx_http_api_module's "api" and "status_zone"), and the sticky
// directive nginx 1.29.6 brought to the open-source upstream module
// (ngx_http_upstream_sticky_module) with the server parameters route=
// and drain.

// HandlerAPI is the content handler of the api directive.
const HandlerAPI = "api"

func init() {
	register(
		Directive{Name: "api", Ctx: CtxLocation, Args: Take0 | Take1, Set: setAPI},
		Directive{Name: "status_zone", Ctx: CtxServer | CtxLocation | CtxLocationIf, Args: Take1, Set: setStatusZone},
		Directive{Name: "sticky", Ctx: CtxUpstream, Args: TwoMore, Set: setSticky},
	)
	streamRow(streamRows, Directive{Name: "status_zone", Ctx: CtxStreamServer, Args: Take1, Set: setStreamStatusZone})
}

// setStreamStatusZone is "status_zone zone" in a stream server: the
// zone the API's /stream/server_zones counts its sessions in.
func setStreamStatusZone(b *builder, s *conf.Stmt) error {
	srv := b.stream.srv
	if srv.StatusZone != "" {
		return duplicate(s)
	}
	if s.Args[0] == "" {
		return conf.Errorf(s, "invalid zone name \"%s\"", s.Args[0])
	}
	srv.StatusZone = s.Args[0]
	return nil
}

// StatusLoc holds a level's status_zone and api settings.
type StatusLoc struct {
	// Zone is the location zone (status_zone in a location, inherited by
	// nested locations; "off" stops it: ""). Unset at the server level.
	Zone Opt[string]
	// ServerZone is the server's zone, set on the server level's Loc
	// only (status_zone in a server block).
	ServerZone string
	// APIWrite is api write=on: PATCH, POST and DELETE are allowed.
	APIWrite bool
}

// setAPI is "api [write=on|off]": the location's content handler.
func setAPI(b *builder, s *conf.Stmt) error {
	write := false
	for _, a := range s.Args {
		switch a {
		case "write=on":
			write = true
		case "write=off":
			write = false
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
	}
	if err := contentHandler(HandlerAPI)(b, s); err != nil {
		return err
	}
	b.cur.Status.APIWrite = write
	return nil
}

// setStatusZone is "status_zone zone": the server's zone in a server
// block, the location zone in a location or an if in one.
func setStatusZone(b *builder, s *conf.Stmt) error {
	name := s.Args[0]
	if name == "" {
		return conf.Errorf(s, "invalid zone name \"%s\"", name)
	}
	if b.loc == nil && b.ctx == CtxServer {
		if b.cur.Status.ServerZone != "" {
			return duplicate(s)
		}
		b.cur.Status.ServerZone = name
		return nil
	}
	if b.cur.Status.Zone.Set {
		return duplicate(s)
	}
	if name == "off" {
		name = ""
	}
	b.cur.Status.Zone = Def(name)
	return nil
}

// Sticky is an upstream group's sticky directive
// (ngx_http_upstream_sticky_srv_conf_t).
type Sticky struct {
	Mode string // "cookie", "route" or "learn"

	// Lookup are the values that carry the server's (route) or the
	// session's (learn) identifier, the first non-empty one wins; for
	// cookie, $cookie_NAME.
	Lookup []*vars.Value
	// Create are learn's create= values, looked at once the upstream
	// answered.
	Create []*vars.Value

	// cookie
	Cookie   string
	Domain   *vars.Value
	Path     string
	Expires  time.Duration // -1 = none, StickyExpiresMax = max
	HTTPOnly bool
	Secure   bool
	SameSite *vars.Value

	// learn
	Zone        string
	ZoneSize    int64
	Timeout     time.Duration // 10m
	AfterHeader bool          // header: learn once the header came
}

// StickyExpiresMax is "expires=max": nginx's fixed date, 31 Dec 2037.
const StickyExpiresMax = time.Duration(2145916555) * time.Second

// maxRouteLen is NGX_HTTP_UPSTREAM_SID_LEN: a route (server identifier)
// is at most 32 bytes, an MD5 in hex.
const maxRouteLen = 32

// setSticky is ngx_http_upstream_sticky (nginx 1.29.6).
func setSticky(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	if u.Sticky != nil {
		return conf.Errorf(s, "\"%s\" directive is duplicate", s.Name)
	}
	st := &Sticky{Mode: s.Args[0], Expires: -1}
	u.Sticky = st
	switch s.Args[0] {
	case "cookie":
		return b.stickyCookie(s, st)
	case "route":
		for _, a := range s.Args[1:] {
			if !strings.HasPrefix(a, "$") {
				return conf.Errorf(s, "invalid variable name \"%s\"", a)
			}
			v, err := b.stickyVar(s, a[1:])
			if err != nil {
				return err
			}
			st.Lookup = append(st.Lookup, v)
		}
		return nil
	case "learn":
		return b.stickyLearn(s, st, u)
	}
	return conf.Errorf(s, "unknown parameter \"%s\"", s.Args[0])
}

// stickyVar compiles one variable named by a sticky parameter.
func (b *builder) stickyVar(s *conf.Stmt, name string) (*vars.Value, error) {
	return b.compile(s, "$"+name)
}

func (b *builder) stickyCookie(s *conf.Stmt, st *Sticky) error {
	fail := func(msg string) error { return conf.Errorf(s, "\"%s\" directive %s", s.Name, msg) }
	if s.Args[1] == "" {
		return fail("empty cookie name")
	}
	st.Cookie = s.Args[1]
	for _, a := range s.Args[2:] {
		switch {
		case strings.HasPrefix(a, "domain="):
			if st.Domain != nil {
				return fail("parameter \"domain\" is duplicate")
			}
			if len(a) == 7 {
				return fail("no value for \"domain\"")
			}
			v, err := b.compile(s, a[7:])
			if err != nil {
				return err
			}
			st.Domain = v
		case strings.HasPrefix(a, "path="):
			if st.Path != "" {
				return fail("parameter \"path\" is duplicate")
			}
			if len(a) == 5 {
				return fail("no value for \"path\"")
			}
			st.Path = a[5:]
		case strings.HasPrefix(a, "expires="):
			if st.Expires != -1 {
				return fail("parameter \"expires\" is duplicate")
			}
			if a[8:] == "max" {
				st.Expires = StickyExpiresMax
				break
			}
			d, err := ParseSeconds(a[8:])
			if err != nil {
				return fail("invalid \"expires\" parameter value")
			}
			st.Expires = d
		case a == "httponly":
			if st.HTTPOnly {
				return fail("parameter \"httponly\" is duplicate")
			}
			st.HTTPOnly = true
		case a == "secure":
			if st.Secure {
				return fail("parameter \"secure\" is duplicate")
			}
			st.Secure = true
		case strings.HasPrefix(a, "samesite="):
			if st.SameSite != nil {
				return fail("parameter \"samesite\" is duplicate")
			}
			v, err := b.compile(s, a[9:])
			if err != nil {
				return err
			}
			if lit, ok := v.Static(); ok && !ValidSameSite(lit) {
				return fail("invalid \"samesite\" parameter value")
			}
			st.SameSite = v
		default:
			return conf.Errorf(s, "unknown parameter \"%s\"", a)
		}
	}
	v, err := b.stickyVar(s, "cookie_"+st.Cookie)
	if err != nil {
		return err
	}
	st.Lookup = []*vars.Value{v}
	return nil
}

// ValidSameSite reports whether v is a SameSite value the sticky cookie
// takes: strict, lax or none, in any case.
func ValidSameSite(v string) bool {
	switch strings.ToLower(v) {
	case "strict", "lax", "none":
		return true
	}
	return false
}

func (b *builder) stickyLearn(s *conf.Stmt, st *Sticky, u *Upstream) error {
	fail := func(msg string) error { return conf.Errorf(s, "\"%s\" directive %s", s.Name, msg) }
	timeout := time.Duration(-1)
	for _, a := range s.Args[1:] {
		switch {
		case strings.HasPrefix(a, "zone="):
			if st.ZoneSize != 0 {
				return fail("duplicate zone")
			}
			name, size, ok := strings.Cut(a[5:], ":")
			if !ok {
				return fail("zone size is not specified")
			}
			if name == "" {
				return fail("zone name is not specified")
			}
			n := ParseSize(size)
			if n < 0 {
				return fail("invalid zone size")
			}
			if n < minZoneSize {
				return fail("zone is too small")
			}
			st.Zone, st.ZoneSize = name, n
		case strings.HasPrefix(a, "timeout="):
			if timeout != -1 {
				return fail("duplicate timeout")
			}
			d, err := ParseTime(a[8:])
			if err != nil || d == 0 {
				return fail("invalid timeout")
			}
			timeout = d
		case strings.HasPrefix(a, "create="), strings.HasPrefix(a, "lookup="):
			kind := a[:6]
			if len(a) == 7 || a[7] != '$' {
				return fail("missing variable in the \"" + kind + "\" parameter")
			}
			v, err := b.stickyVar(s, a[8:])
			if err != nil {
				return err
			}
			if kind == "create" {
				st.Create = append(st.Create, v)
			} else {
				st.Lookup = append(st.Lookup, v)
			}
		case a == "header":
			st.AfterHeader = true
		case a == "sync":
			// the commercial nginx shares sessions across a cluster
			// (zone_sync); weir is one process: nothing to share.
		default:
			return conf.Errorf(s, "unknown parameter \"%s\"", a)
		}
	}
	switch {
	case len(st.Lookup) == 0:
		return fail("\"lookup\" parameter is not specified")
	case len(st.Create) == 0:
		return fail("\"create\" parameter is not specified")
	case st.ZoneSize == 0:
		return fail("\"zone\" parameter is not specified")
	}
	if timeout == -1 {
		timeout = 10 * time.Minute
	}
	st.Timeout = timeout
	for _, o := range b.http.Upstreams {
		if o != u && o.Sticky != nil && o.Sticky.Zone == st.Zone {
			return conf.Errorf(s, "sticky zone \"%s\" is already used in upstream \"%s\"", st.Zone, o.Name)
		}
	}
	return nil
}

// ResolveServer parses and resolves the address of a server the API
// adds, as a server line's is: it returns the peers' addresses, the
// address as the group keeps it, or nginx's error text.
func ResolveServer(text string) ([]UpstreamAddr, string, string) {
	pu, errText := parseURL(text, 80, false)
	if errText != "" {
		return nil, "", errText
	}
	if pu.unix {
		return []UpstreamAddr{{Network: "unix", Addr: pu.host, Name: "unix:" + pu.host}}, pu.host, ""
	}
	addrs, errText := resolveHost(pu.host, pu.port)
	return addrs, text, errText
}

package config

import (
	"reflect"
	"sort"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// defaultLoc holds nginx's defaults for every location-level setting;
// it is the parent of the http level in Merge.
func defaultLoc() *Loc {
	return &Loc{
		Index:                Def([]*vars.Value{mustCompile("index.html")}),
		Types:                Def(map[string]string{"html": "text/html", "gif": "image/gif", "jpg": "image/jpeg"}),
		DefaultType:          Def("text/plain"),
		Sendfile:             Def(false),
		TCPNopush:            Def(false),
		TCPNodelay:           Def(true),
		KeepaliveTimeout:     Def(75 * time.Second),
		KeepaliveHeader:      Def(time.Duration(0)),
		KeepaliveRequests:    Def(int64(1000)),
		KeepaliveTime:        Def(time.Hour),
		ClientMaxBodySize:    Def(int64(1024 * 1024)),
		ClientBodyTimeout:    Def(60 * time.Second),
		ClientBodyBufSize:    Def(int64(16 * 1024)),
		SendTimeout:          Def(60 * time.Second),
		ServerTokens:         Def("on"),
		ErrorPages:           Def([]*ErrorPage(nil)),
		RecursiveErrorPages:  Def(false),
		LogNotFound:          Def(true),
		LogSubrequest:        Def(false),
		AccessLogs:           Def([]*AccessLog(nil)),
		AbsoluteRedirect:     Def(true),
		PortInRedirect:       Def(true),
		ServerNameInRedirect: Def(false),
		MsiePadding:          Def(true),
		Etag:                 Def(true),
		IfModifiedSince:      Def("exact"),
		MaxRanges:            Def(int64(-1)),
		AddHeaders:           Def([]*AddHeader(nil)),
		Expires:              Def(&Expires{Kind: "off"}),
		Autoindex:            Def(false),
		AutoindexExact:       Def(true),
		AutoindexFormat:      Def("html"),
		AutoindexLocal:       Def(false),
		RewriteLog:           Def(false),
		UninitVarWarn:        Def(true),
		ChunkedTE:            Def(true),
		Access:               Def([]*AccessRule(nil)),
		ErrorLogs:            Def([]ErrorLog(nil)),
		Resolver:             Def([]string(nil)),
		Satisfy:              Def("all"),
		LimitRate:            Def(int64(0)),
	}
}

func defaultSrv() *Srv {
	return &Srv{
		ClientHeaderTimeout:  Def(60 * time.Second),
		ClientHeaderBufSize:  Def(int64(1024)),
		LargeHeaderBufNum:    Def(int64(4)),
		LargeHeaderBufSize:   Def(int64(8192)),
		IgnoreInvalidHeaders: Def(true),
		UnderscoresInHeaders: Def(false),
		MergeSlashes:         Def(true),
	}
}

func mustCompile(s string) *vars.Value {
	v, err := vars.Compile(s)
	if err != nil {
		panic(err)
	}
	return v
}

// mergeOpts fills every unset Opt field of child (a pointer to a struct)
// from parent, as each nginx merge_loc_conf does field by field. It is
// reflection, but it runs at load only and cannot forget a field.
func mergeOpts(child, parent any) {
	c := reflect.ValueOf(child).Elem()
	p := reflect.ValueOf(parent).Elem()
	for i := 0; i < c.NumField(); i++ {
		f := c.Field(i)
		if f.Kind() != reflect.Struct {
			continue
		}
		set := f.FieldByName("Set")
		if !set.IsValid() || set.Kind() != reflect.Bool {
			continue
		}
		if !set.Bool() {
			f.Set(p.Field(i))
		}
	}
}

// mergeLoc merges one Loc with its parent.
func mergeLoc(c, p *Loc) {
	if !c.Root.Set {
		c.Alias, c.RootFile, c.RootLine = p.Alias, p.RootFile, p.RootLine
	}
	mergeOpts(c, p)
}

// finishHTTP runs what nginx does when the http block closes: merge every
// level, build the location trees, group listens into sockets and check
// variables.
func (b *builder) finishHTTP(s *conf.Stmt) error {
	h := b.http
	mergeLoc(h.Loc, defaultLoc())
	if !h.Loc.Root.Set {
		h.Loc.Root = Def(mustCompile(b.cfg.Prefix + "html"))
	}
	mergeOpts(h.Srv, defaultSrv())
	for _, srv := range h.Servers {
		mergeOpts(srv.Srv, h.Srv)
		mergeLoc(srv.Loc, h.Loc)
		mergeScript(srv.Rewrite, srv.Loc)
		if err := mergeTree(srv.Locations, srv.Loc); err != nil {
			return err
		}
	}
	if err := b.groupListens(); err != nil {
		return err
	}
	if err := h.Vars.Check(b.values); err != nil {
		return err
	}
	return nil
}

func mergeScript(script []Instr, parent *Loc) {
	for i := range script {
		if script[i].Op == OpIf {
			l := script[i].Block
			mergeLoc(l.Loc, parent)
			mergeScript(l.Rewrite, l.Loc)
		}
	}
}

func mergeTree(t *LocTree, parent *Loc) error {
	if t == nil {
		return nil
	}
	each := func(l *Location) error {
		mergeLoc(l.Loc, parent)
		mergeScript(l.Rewrite, l.Loc)
		return mergeTree(l.Nested, l.Loc)
	}
	for _, l := range t.Static {
		if err := each(l); err != nil {
			return err
		}
	}
	for _, l := range t.Regex {
		if err := each(l); err != nil {
			return err
		}
	}
	for _, l := range t.Named {
		if err := each(l); err != nil {
			return err
		}
	}
	return nil
}

// buildTree sorts a block's locations for lookup and reports duplicates
// as ngx_http_init_locations / ngx_http_join_exact_locations do.
func buildTree(locs []*Location) (*LocTree, error) {
	t := &LocTree{Named: map[string]*Location{}}
	for _, l := range locs {
		switch l.Match {
		case MatchRegex, MatchRegexCaseless:
			t.Regex = append(t.Regex, l)
		case MatchNamed:
			if _, dup := t.Named[l.Name]; dup {
				return nil, &conf.Error{Msg: "duplicate location \"" + l.Name + "\"", File: l.File, Line: l.Line}
			}
			t.Named[l.Name] = l
		default:
			for _, o := range t.Static {
				if o.Name == l.Name && (o.Match == MatchExact) == (l.Match == MatchExact) {
					return nil, &conf.Error{Msg: "duplicate location \"" + l.Name + "\"", File: l.File, Line: l.Line}
				}
			}
			t.Static = append(t.Static, l)
		}
	}
	sort.SliceStable(t.Static, func(i, j int) bool { return t.Static[i].Name < t.Static[j].Name })
	return t, nil
}

// groupListens decides which sockets to bind and which servers each local
// address reaches (ngx_http_optimize_servers): a specific address without
// "bind" on a port that also has a wildcard listen is served through the
// wildcard socket.
func (b *builder) groupListens() error {
	type addrKey struct{ addr string }
	order := []string{}
	byAddr := map[string]*AddrConf{}
	opts := map[string]*Listen{}
	for _, srv := range b.http.Servers {
		for _, l := range srv.Listens {
			ac, ok := byAddr[l.Addr]
			if !ok {
				ac = &AddrConf{Addr: l.Addr, AddrPort: l.AddrPort}
				byAddr[l.Addr] = ac
				order = append(order, l.Addr)
				opts[l.Addr] = l
			}
			if l.hasOptions {
				opts[l.Addr] = l
			}
			if l.DefaultServer || ac.Default == nil {
				if l.DefaultServer || len(ac.Servers) == 0 {
					ac.Default = srv
				}
			}
			ac.Servers = append(ac.Servers, srv)
		}
	}
	// wildcard sockets by family and port
	wild := map[string]*ListenGroup{}
	var groups []*ListenGroup
	for _, a := range order {
		l := opts[a]
		if l.Network == "tcp" && l.Wildcard {
			g := &ListenGroup{Listen: l}
			wild[wildKey(l)] = g
			groups = append(groups, g)
		}
	}
	for _, a := range order {
		l := opts[a]
		ac := byAddr[a]
		ac.Names = buildNames(ac.Servers)
		if l.Network == "tcp" && l.Wildcard {
			g := wild[wildKey(l)]
			g.Addrs = append(g.Addrs, ac)
			continue
		}
		if g, ok := wild[wildKey(l)]; ok && l.Network == "tcp" && !l.Bind {
			g.Addrs = append([]*AddrConf{ac}, g.Addrs...)
			continue
		}
		groups = append(groups, &ListenGroup{Listen: l, Addrs: []*AddrConf{ac}})
	}
	b.http.Listens = groups
	return nil
}

func wildKey(l *Listen) string {
	fam := "4"
	if l.AddrPort.Addr().Is6() {
		fam = "6"
	}
	return fam + ":" + itoa(int64(l.AddrPort.Port()))
}

// NameIndex finds the virtual server for a Host, in nginx's order: exact
// name, longest leading wildcard, longest trailing wildcard, first
// matching regex (ngx_http_find_virtual_server).
type NameIndex struct {
	Exact map[string]*Server
	Front []wcName // "*.example.com" and ".example.com", longest first
	Back  []wcName // "www.example.*", longest first
	Regex []regexName
}

type wcName struct {
	suffix string // for Front: ".example.com"; for Back: "www.example."
	dot    bool   // ".example.com" also matches "example.com"
	srv    *Server
}

type regexName struct {
	name *ServerName
	srv  *Server
}

func buildNames(servers []*Server) *NameIndex {
	ni := &NameIndex{Exact: map[string]*Server{}}
	seen := map[*Server]bool{}
	for _, srv := range servers {
		if seen[srv] {
			continue
		}
		seen[srv] = true
		for _, n := range srv.Names {
			switch {
			case n.Regex != nil:
				ni.Regex = append(ni.Regex, regexName{n, srv})
			case strings.HasPrefix(n.Name, "*."):
				ni.Front = append(ni.Front, wcName{suffix: n.Name[1:], srv: srv})
			case strings.HasPrefix(n.Name, "."):
				ni.Front = append(ni.Front, wcName{suffix: n.Name, dot: true, srv: srv})
			case strings.HasSuffix(n.Name, ".*"):
				ni.Back = append(ni.Back, wcName{suffix: n.Name[:len(n.Name)-1], srv: srv})
			default:
				if _, dup := ni.Exact[n.Name]; !dup {
					ni.Exact[n.Name] = srv
				}
			}
		}
	}
	sort.SliceStable(ni.Front, func(i, j int) bool { return len(ni.Front[i].suffix) > len(ni.Front[j].suffix) })
	sort.SliceStable(ni.Back, func(i, j int) bool { return len(ni.Back[i].suffix) > len(ni.Back[j].suffix) })
	return ni
}

// Find returns the server for host (lower-case, no port) and, for a regex
// match, the regex name so the caller can set its captures. It returns nil
// when no name matches (the caller uses the address's default server).
func (ni *NameIndex) Find(host string) (*Server, *ServerName) {
	if s, ok := ni.Exact[host]; ok {
		return s, nil
	}
	for _, w := range ni.Front {
		if strings.HasSuffix(host, w.suffix) && len(host) > len(w.suffix) || w.dot && host == w.suffix[1:] {
			return w.srv, nil
		}
	}
	for _, w := range ni.Back {
		if strings.HasPrefix(host, w.suffix) && len(host) > len(w.suffix) {
			return w.srv, nil
		}
	}
	for _, r := range ni.Regex {
		if r.name.Regex.MatchString(host) {
			return r.srv, r.name
		}
	}
	return nil, nil
}

package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
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
		KeepaliveDisable:     Def(KeepaliveDisableMSIE6),
		AuthDelay:            Def(time.Duration(0)),
		DisableSymlinks:      Def(&Symlinks{}),
		ClientMaxBodySize:    Def(int64(1024 * 1024)),
		ClientBodyTimeout:    Def(60 * time.Second),
		ClientBodyBufSize:    Def(int64(2 * os.Getpagesize())), // nginx's 2 * ngx_pagesize: 8k on x86-64
		ClientBodyInFileOnly: Def("off"),
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
		HTTP2ChunkSize:       Def(int64(8192)),
		Access:               Def([]*AccessRule(nil)),
		ErrorLogs:            Def([]ErrorLog(nil)),
		Resolver:             Def([]string(nil)),
		Satisfy:              Def("all"),
		Limit:                defaultLimitLoc(),
		Referer:              defaultReferer(),
		RealIPFrom:           Def([]TrustedAddr(nil)),
		RealIPHeader:         Def("X-Real-IP"),
		RealIPRecursive:      Def(false),
		LimitRate:            Def(SizeValue{}),
		LimitRateAfter:       Def(SizeValue{}),
		LingeringClose:       Def("on"),
		LingeringTime:        Def(30 * time.Second),
		LingeringTimeout:     Def(5 * time.Second),
		Proxy:                defaultProxy(),
		FastCGI:              defaultFastCGI(),
		UWSGI:                defaultUWSGI(),
		SCGI:                 defaultSCGI(),
		Memcached:            defaultMemcached(),
		GRPC:                 defaultGRPC(),
		Gzip:                 defaultGzip(),
		Charset:              defaultCharset(),
		SubFilter:            defaultSubFilter(),
		SSI:                  defaultSSI(),
		Addition:             defaultAddition(),
		Browser:              defaultBrowser(),
		Gunzip:               Def(false),
		MP4:                  defaultMP4(),
		Trailers:             Def([]*AddHeader(nil)),
	}
}

func defaultSrv() *Srv {
	return &Srv{
		ClientHeaderTimeout:  Def(60 * time.Second),
		ClientHeaderBufSize:  Def(int64(1024)),
		LargeHeaderBufNum:    Def(int64(4)),
		LargeHeaderBufSize:   Def(int64(8192)),
		MaxHeaders:           Def(int64(1000)),
		IgnoreInvalidHeaders: Def(true),
		UnderscoresInHeaders: Def(false),
		MergeSlashes:         Def(true),
		ConnectionPoolSize:   Def(int64(512)),
		SSL:                  defaultSSL(),
		HTTP2:                defaultHTTP2(),
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
			// a group of settings (a module's ProxyLoc, an embedded
			// UpstreamConf): merge its fields one by one
			mergeOpts(f.Addr().Interface(), p.Field(i).Addr().Interface())
			continue
		}
		if !set.Bool() {
			f.Set(p.Field(i))
		}
	}
}

// defaultTempPaths gives the upstream modules of l that have no
// *_temp_path the one nginx compiles in: PREFIX/<module>_temp, with
// levels 1 2.
func defaultTempPaths(l *Loc, prefix string) {
	for _, m := range []struct {
		uc   *UpstreamConf
		name string
	}{
		{&l.Proxy.UpstreamConf, "proxy"}, {&l.FastCGI.UpstreamConf, "fastcgi"},
		{&l.UWSGI.UpstreamConf, "uwsgi"}, {&l.SCGI.UpstreamConf, "scgi"},
	} {
		if !m.uc.TempPath.Set {
			m.uc.TempPath = Def(prefix + m.name + "_temp")
			m.uc.TempLevels = Def([]int{1, 2})
		}
	}
}

// mergeLoc merges one Loc with its parent.
func mergeLoc(c, p *Loc) {
	if !c.Root.Set {
		c.Alias, c.AliasLen, c.RootFile, c.RootLine = p.Alias, p.AliasLen, p.RootFile, p.RootLine
	}
	mergeOpts(c, p)
}

// errTruncated stops the build when the http block was cut off by a
// syntax error: Load then reports that error, as nginx never reached the
// end of the block.
var errTruncated = errors.New("configuration cut off by a syntax error")

// finishHTTP runs what nginx's ngx_http_block does once the block is
// read, in its order: merge every level (errors positioned at the block's
// closing brace), build the location trees (duplicate locations), check
// variables, then group listens and hash server names.
func (b *builder) finishHTTP(s *conf.Stmt) error {
	h := b.http
	httpTypes := h.Loc.Types.Set
	mergeLoc(h.Loc, defaultLoc())
	if !h.Loc.Root.Set {
		h.Loc.Root = Def(mustCompile(b.cfg.Prefix + "html"))
	}
	defaultTempPaths(h.Loc, b.cfg.Prefix)
	mergeOpts(h.Srv, defaultSrv())
	for _, srv := range h.Servers {
		mergeOpts(srv.Srv, h.Srv)
		if srv.Srv.LargeHeaderBufSize.V < srv.Srv.ConnectionPoolSize.V {
			return conf.ErrorfEnd(s, "the \"large_client_header_buffers\" size must be equal to or greater than \"connection_pool_size\"")
		}
		mergeLoc(srv.Loc, h.Loc)
		mergeScript(srv.Rewrite, srv.Loc)
		mergeLocs(srv.locs, srv.Loc)
	}
	if err := b.checkTypesHash(httpTypes); err != nil {
		return err
	}
	if err := b.finishSSL(s); err != nil {
		return err
	}
	b.finishHTTP2()
	// the upstream module's init_main_conf, then the merges of the proxy,
	// fastcgi, uwsgi, scgi and memcached modules, in nginx's module order
	b.inheritPasses()
	if err := b.finishReferers(s); err != nil {
		return err
	}
	if err := b.finishSecureLinks(s); err != nil {
		return err
	}
	if err := b.checkNoPort(); err != nil {
		return err
	}
	if err := b.finishUpstreams(); err != nil {
		return err
	}
	for _, finish := range []func(*conf.Stmt) error{
		b.finishProxies, b.finishProxySSL, b.finishFastCGI, b.finishUWSGI, b.finishSCGI, b.finishMemcached, b.finishGRPC,
	} {
		if err := finish(s); err != nil {
			return err
		}
	}
	if err := b.finishCaches(s); err != nil {
		return err
	}
	if err := b.finishHealthChecks(); err != nil {
		return err
	}
	if err := b.checkTestTypesHash(); err != nil {
		return err
	}
	for _, srv := range h.Servers {
		srv.Locations = buildTree(srv.locs)
		if err := checkDuplicates(srv.Locations); err != nil {
			return err
		}
	}
	if err := b.checkSSLListens(); err != nil {
		return err
	}
	if err := b.checkCharsetRecodes(); err != nil {
		return err
	}
	if err := h.Vars.Check(b.values); err != nil {
		return &conf.Error{Msg: err.Error()}
	}
	if err := b.checkVariablesHash(); err != nil {
		return err
	}
	return b.groupListens()
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

// mergeLocs merges locations in configuration order, as
// ngx_http_merge_locations walks them before they are sorted.
func mergeLocs(locs []*Location, parent *Loc) {
	for _, l := range locs {
		mergeLoc(l.Loc, parent)
		mergeScript(l.Rewrite, l.Loc)
		mergeLocs(l.locs, l.Loc)
	}
}

// buildTree sorts a block's locations for lookup as
// ngx_http_init_locations does: exact and prefix locations by name with
// ngx_http_cmp_locations, regex locations in configuration order, named
// ones by name. Nested blocks are built the same way.
func buildTree(locs []*Location) *LocTree {
	t := &LocTree{Named: map[string]*Location{}}
	for _, l := range locs {
		l.Nested = buildTree(l.locs)
		switch l.Match {
		case MatchNone:
			// limit_except's block is reached through its location
		case MatchRegex, MatchRegexCaseless:
			t.Regex = append(t.Regex, l)
		case MatchNamed:
			// nginx does not refuse two named locations of one name; the
			// first one is found.
			if _, dup := t.Named[l.Name]; !dup {
				t.Named[l.Name] = l
			}
		default:
			t.Static = append(t.Static, l)
		}
	}
	slices.SortStableFunc(t.Static, cmpLocations)
	return t
}

// cmpLocations is ngx_http_cmp_locations for exact and prefix locations:
// names compared with ngx_filename_cmp, in which "/" sorts before every
// other byte, and an exact location before a prefix one of the same name.
func cmpLocations(a, b *Location) int {
	if c := filenameCmp(a.Name, b.Name); c != 0 {
		return c
	}
	switch {
	case a.Match != MatchExact && b.Match == MatchExact:
		return 1
	case a.Match == MatchExact && b.Match != MatchExact:
		return -1
	}
	return 0
}

// filenameCmp is ngx_filename_cmp over whole names (the terminating NUL
// included): "/" is the lowest byte after the end of a name.
func filenameCmp(a, b string) int {
	for i := 0; ; i++ {
		var c1, c2 int
		if i < len(a) {
			c1 = int(a[i])
		}
		if i < len(b) {
			c2 = int(b[i])
		}
		if c1 == c2 {
			if c1 == 0 {
				return 0
			}
			continue
		}
		if c1 == 0 || c2 == 0 {
			return c1 - c2
		}
		if c1 == '/' {
			c1 = 0
		}
		if c2 == '/' {
			c2 = 0
		}
		return c1 - c2
	}
}

// checkDuplicates reports a duplicate exact or prefix location as
// ngx_http_init_static_location_trees finds it: nested levels first, in
// sorted order, then this level; nested locations of regex locations are
// never checked. The message names the later location and carries its
// position, without a position of its own (ngx_log_error).
func checkDuplicates(t *LocTree) error {
	for _, l := range t.Static {
		if err := checkDuplicates(l.Nested); err != nil {
			return err
		}
	}
	for i := 0; i < len(t.Static); {
		j := i
		exact, prefix := false, false
		for ; j < len(t.Static) && t.Static[j].Name == t.Static[i].Name; j++ {
			l := t.Static[j]
			if l.Match == MatchExact && exact || l.Match != MatchExact && prefix {
				return &conf.Error{Msg: fmt.Sprintf("duplicate location \"%s\" in %s:%d", l.Name, l.File, l.Line)}
			}
			exact = exact || l.Match == MatchExact
			prefix = prefix || l.Match != MatchExact
		}
		i = j
	}
	return nil
}

// groupListens decides which sockets to bind and which servers each local
// address reaches (ngx_http_optimize_servers): a specific address without
// "bind" on a port that also has a wildcard listen is served through the
// wildcard socket. An address with more than one server (or whose default
// server has a regex name with captures) gets its names hashed, which is
// where nginx refuses a malformed wildcard name.
func (b *builder) groupListens() error {
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
				ac.Default = srv
			}
			ac.ssl = ac.ssl || l.SSL
			ac.http2 = ac.http2 || l.HTTP2
			ac.proxy = ac.proxy || l.ProxyProtocol
			ac.Servers = append(ac.Servers, srv)
		}
	}
	// Within a family and port nginx sorts bound addresses first and the
	// wildcard last (ngx_http_cmp_conf_addrs); names are hashed in that
	// order.
	rank := func(a string) int {
		l := opts[a]
		switch {
		case l.Wildcard:
			return 2
		case l.Bind:
			return 0
		}
		return 1
	}
	sorted := slices.Clone(order)
	slices.SortStableFunc(sorted, func(x, y string) int {
		if kx, ky := wildKey(opts[x]), wildKey(opts[y]); kx != ky {
			return slices.Index(order, firstOfKey(order, opts, kx)) - slices.Index(order, firstOfKey(order, opts, ky))
		}
		return rank(x) - rank(y)
	})
	for _, a := range sorted {
		ac := byAddr[a]
		ni, err := b.buildNames(ac)
		if err != nil {
			return err
		}
		ac.Names = ni
	}

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
	for _, a := range sorted {
		l := opts[a]
		if l.Network == "tcp" && !l.Wildcard && !l.Bind {
			if g, ok := wild[wildKey(l)]; ok {
				g.Addrs = append(g.Addrs, byAddr[a])
				continue
			}
		}
		if l.Network == "tcp" && l.Wildcard {
			continue
		}
		groups = append(groups, &ListenGroup{Listen: l, Addrs: []*AddrConf{byAddr[a]}})
	}
	for _, a := range order {
		if l := opts[a]; l.Network == "tcp" && l.Wildcard {
			g := wild[wildKey(l)]
			g.Addrs = append(g.Addrs, byAddr[a])
		}
	}
	b.http.Listens = groups
	return nil
}

// firstOfKey returns the first address of order in the family and port key.
func firstOfKey(order []string, opts map[string]*Listen, key string) string {
	for _, a := range order {
		if wildKey(opts[a]) == key {
			return a
		}
	}
	return ""
}

func wildKey(l *Listen) string {
	if l.Network == "unix" {
		return "unix"
	}
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

// buildNames builds the name index of one address. When nginx hashes the
// names (ngx_http_server_names: more than one server, or a default server
// whose regex name has captures) it refuses a malformed name and warns
// about a name that two servers of the address share; weir checks and
// warns in the same cases.
func (b *builder) buildNames(ac *AddrConf) (*NameIndex, error) {
	ni := &NameIndex{Exact: map[string]*Server{}}
	hashed := len(ac.Servers) > 1 || ac.Default.captures
	// taken holds the exact names ".example.com" claims for itself.
	front, back, taken := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, srv := range ac.Servers {
		for _, n := range srv.Names {
			if n.Regex != nil {
				ni.Regex = append(ni.Regex, regexName{n, srv})
				continue
			}
			if hashed && !validServerName(n.Name) {
				return nil, &conf.Error{Msg: fmt.Sprintf("invalid server name or wildcard \"%s\" on %s", n.Name, ac.Addr)}
			}
			busy := false
			switch {
			case strings.HasPrefix(n.Name, "*.") || len(n.Name) > 1 && n.Name[0] == '.':
				// "*.example.com" and ".example.com" share the wildcard
				// key "example.com"; ".example.com" claims the exact
				// name too (ngx_hash_add_key).
				dot := n.Name[0] == '.'
				key := n.Name[1:]
				if !dot {
					key = n.Name[2:]
				}
				if dot {
					_, exact := ni.Exact[key]
					busy = exact || taken[key]
					taken[key] = true
				}
				if !busy {
					busy = front[key]
					front[key] = true
				}
				if !busy {
					ni.Front = append(ni.Front, wcName{suffix: n.Name[strings.IndexByte(n.Name, '.'):], dot: dot, srv: srv})
				}
			case len(n.Name) > 2 && strings.HasSuffix(n.Name, ".*"):
				busy = back[n.Name]
				back[n.Name] = true
				if !busy {
					ni.Back = append(ni.Back, wcName{suffix: n.Name[:len(n.Name)-1], srv: srv})
				}
			default:
				_, busy = ni.Exact[n.Name]
				busy = busy || taken[n.Name]
				if !busy {
					ni.Exact[n.Name] = srv
				}
			}
			if busy && hashed {
				b.warnings = append(b.warnings, &conf.Error{Msg: fmt.Sprintf("conflicting server name \"%s\" on %s, ignored", n.Name, ac.Addr)})
			}
		}
	}
	sort.SliceStable(ni.Front, func(i, j int) bool { return len(ni.Front[i].suffix) > len(ni.Front[j].suffix) })
	sort.SliceStable(ni.Back, func(i, j int) bool { return len(ni.Back[i].suffix) > len(ni.Back[j].suffix) })
	if hashed {
		if err := b.checkNamesHash(ni); err != nil {
			return nil, err
		}
	}
	return ni, nil
}

// validServerName is the check of ngx_hash_add_key with
// NGX_HASH_WILDCARD_KEY: one "*" at most, only in "*.example.com" or
// "www.example.*", and no empty label.
func validServerName(n string) bool {
	stars := strings.Count(n, "*")
	if stars > 1 || strings.Contains(n, "..") || strings.Contains(n, "\x00") {
		return false
	}
	if len(n) > 1 && n[0] == '.' {
		return true
	}
	if len(n) > 2 && (strings.HasPrefix(n, "*.") || strings.HasSuffix(n, ".*")) {
		return true
	}
	return stars == 0
}

// Find returns the server for host (lower-case, no port) and, for a regex
// match, the regex name so the caller can set its captures. It returns nil
// when no name matches (the caller uses the address's default server).
func (ni *NameIndex) Find(host string) (*Server, *ServerName) {
	if s, ok := ni.Exact[host]; ok {
		return s, nil
	}
	for _, w := range ni.Front {
		// host == suffix is a host with an empty first label
		// (".example.com"), which ngx_hash_find_wc_head still matches
		if strings.HasSuffix(host, w.suffix) || w.dot && host == w.suffix[1:] {
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

// checkNoPort is the part of the upstream module's init_main_conf that
// refuses an implicit group without a port (fastcgi_pass 127.0.0.1;
// fastcgi_pass name; with no upstream block of that name): nginx
// reports it when it reaches the group, after the groups before it, so
// the groups before the first such group are checked as
// finishUpstreams would check them and any error of theirs is left to
// it.
func (b *builder) checkNoPort() error {
	h := b.http
	blocks := map[string]bool{}
	for _, u := range h.Upstreams {
		if !u.Implicit {
			blocks[strings.ToLower(u.Name)] = true
		}
	}
	first := -1
	for i, u := range h.Upstreams {
		if u.Implicit && u.dport == 0 && len(u.Servers) == 0 && !blocks[strings.ToLower(u.Name)] {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	for _, u := range h.Upstreams[:first] {
		switch {
		case u.Implicit && blocks[strings.ToLower(u.Name)] && u.Port == 0:
			// linked to its block, checked with it
		case u.Implicit:
			if len(u.Servers) > 0 {
				continue
			}
			if _, errText := resolveHost(u.Name, u.dport); errText != "" {
				return nil
			}
		default:
			primary := false
			for _, s := range u.Servers {
				primary = primary || !s.Backup
			}
			if !primary {
				return nil
			}
		}
	}
	u := h.Upstreams[first]
	return &conf.Error{Msg: fmt.Sprintf("no port in upstream \"%s\" in %s:%d", u.Name, u.File, u.Line)}
}

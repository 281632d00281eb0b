package config

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// builder carries the state of one configuration build: the current
// context and the structures its directives fill.
type builder struct {
	cfg  *Config
	ctx  Ctx
	http *HTTP
	srv  *Server
	loc  *Location // current location (nil at server/http level)
	cur  *Loc      // settings of the current http/server/location/if level
	csrv *Srv      // server-level settings of the current level

	values    []*vars.Value
	types     map[string]string // inside types{}
	locs      []*Location       // locations declared in the current block
	main      mainConf
	warnings  []*conf.Error
	seen      map[seenKey]bool
	formats   []string              // log_format names in definition order
	logBufs   map[string]*AccessLog // buffered access_log files by path
	truncated bool                  // the parser stopped at an error: blocks may be cut off
	httpStmt  *conf.Stmt            // the http block, for errors nginx reports at its end
	stream    *streamBuild          // inside the stream block (stream.go)

	mapHashMax, mapHashBucket Opt[int64]  // map_hash_max_size, map_hash_bucket_size
	threads                   threadPools // thread_pool and aio threads=

	namesHashMax, namesHashBucket Opt[int64]          // server_names_hash_max_size, server_names_hash_bucket_size
	proxyHash                     map[*Loc]*hashSizes // proxy_headers_hash_* by level (hashsize.go)
	typesHash                     map[*Loc]*hashSizes // types_hash_* by level
	varsHash                      hashSizes           // variables_hash_* (http)
	streamVarsHash                hashSizes           // variables_hash_* (stream)
	streamMapHashMax              Opt[int64]          // the stream block's map_hash_max_size
	streamMapHashBucket           Opt[int64]          // and map_hash_bucket_size
}

type mainConf struct {
	daemon, master               Opt[bool]
	workerProcesses, pid, user   Opt[string]
	workerConnections, rlimitNof Opt[int64]
	shutdownTimeout              Opt[time.Duration]
	use                          Opt[string]
	priority                     int64
	errorLogs                    []ErrorLog
	events                       bool
	cpuMasks                     int  // worker_cpu_affinity masks; -1 for auto
	streamLoaded                 bool // load_module of ngx_stream_module.so seen
}

// warn records a warning nginx prints at level warn while reading.
func (b *builder) warn(s *conf.Stmt, format string, args ...any) {
	b.warnings = append(b.warnings, conf.Errorf(s, format, args...))
}

func init() {
	main := CtxMain
	any := CtxMain | CtxEvents | ctxAnyHTTP | CtxLimitExcept | CtxUpstream
	register(
		Directive{Name: "include", Ctx: any, Args: Take1, Set: ignoreSlot},
		Directive{Name: "daemon", Ctx: main, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.main.daemon })},
		Directive{Name: "master_process", Ctx: main, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.main.master })},
		Directive{Name: "worker_processes", Ctx: main, Args: Take1, Set: setWorkerProcesses},
		Directive{Name: "pid", Ctx: main, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &b.main.pid })},
		Directive{Name: "user", Ctx: main, Args: Take12, Set: setUser},
		Directive{Name: "worker_rlimit_nofile", Ctx: main, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.main.rlimitNof })},
		Directive{Name: "worker_shutdown_timeout", Ctx: main, Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &b.main.shutdownTimeout })},
		Directive{Name: "env", Ctx: main, Args: Take1, Set: func(b *builder, s *conf.Stmt) error { b.cfg.Env = append(b.cfg.Env, s.Args[0]); return nil }},
		Directive{Name: "worker_cpu_affinity", Ctx: main, Args: OneMore, Set: setCPUAffinity},
		Directive{Name: "worker_priority", Ctx: main, Args: Take1, Set: setWorkerPriority},
		Directive{Name: "pcre_jit", Ctx: main, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "worker_rlimit_core", Ctx: main, Args: Take1, Set: checkSlot(checkOff)},
		Directive{Name: "debug_points", Ctx: main, Args: Take1, Set: checkEnum("stop", "abort")},
		Directive{Name: "thread_pool", Ctx: main, Args: Take23, Set: setThreadPool},
		Directive{Name: "timer_resolution", Ctx: main, Args: Take1, Set: checkSlot(checkMsec)},
		Directive{Name: "lock_file", Ctx: main, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "working_directory", Ctx: main, Args: Take1, Set: checkSlot(checkStr)},
		Directive{Name: "error_log", Ctx: main | ctxHTTPAll, Args: OneMore, Set: setErrorLog},
		Directive{Name: "events", Ctx: main, Args: Block | Take0, Set: setEvents},
		Directive{Name: "worker_connections", Ctx: CtxEvents, Args: Take1, Set: setWorkerConnections},
		Directive{Name: "use", Ctx: CtxEvents, Args: Take1, Set: setUse},
		Directive{Name: "multi_accept", Ctx: CtxEvents, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "epoll_events", Ctx: CtxEvents, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "worker_aio_requests", Ctx: CtxEvents, Args: Take1, Set: checkSlot(checkNum)},
		Directive{Name: "debug_connection", Ctx: CtxEvents, Args: Take1, Set: func(b *builder, s *conf.Stmt) error { _, err := trustedAddrs(b, s); return err }},
		Directive{Name: "accept_mutex", Ctx: CtxEvents, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "accept_mutex_delay", Ctx: CtxEvents, Args: Take1, Set: checkSlot(checkMsec)},
		Directive{Name: "http", Ctx: main, Args: Block | Take0, Set: setHTTP},
		Directive{Name: "server", Ctx: CtxHTTP, Args: Block | Take0, Set: setServer},
		Directive{Name: "location", Ctx: CtxServer | CtxLocation, Args: Block | Take12, Set: setLocation},
		Directive{Name: "listen", Ctx: CtxServer, Args: OneMore, Set: setListen},
		Directive{Name: "server_name", Ctx: CtxServer, Args: OneMore, Set: setServerName},
		Directive{Name: "types", Ctx: ctxHTTPAll, Args: Block | Take0, Set: setTypes},
		Directive{Name: "internal", Ctx: CtxLocation, Args: Take0, Set: setInternal},
	)
}

// setWorkerProcesses is ngx_set_worker_processes.
func setWorkerProcesses(b *builder, s *conf.Stmt) error {
	if b.main.workerProcesses.Set {
		return duplicate(s)
	}
	if s.Args[0] != "auto" {
		if _, ok := atoi(s.Args[0]); !ok {
			return invalidValue(s)
		}
	}
	b.main.workerProcesses = Def(s.Args[0])
	return nil
}

// setUser is ngx_set_user: ignored with a warning unless weir runs as
// root; then the user and the group (the user's name when not given) must
// exist.
func setUser(b *builder, s *conf.Stmt) error {
	if b.main.user.Set {
		return duplicate(s)
	}
	if os.Geteuid() != 0 {
		b.warn(s, "the \"user\" directive makes sense only if the master process runs with super-user privileges, ignored")
		return nil
	}
	b.main.user = Def(s.Args[0])
	if _, err := user.Lookup(s.Args[0]); err != nil {
		return conf.Errorf(s, "getpwnam(\"%s\") failed", s.Args[0])
	}
	group := s.Args[len(s.Args)-1]
	if _, err := user.LookupGroup(group); err != nil {
		return conf.Errorf(s, "getgrnam(\"%s\") failed", group)
	}
	return nil
}

// setWorkerPriority is ngx_set_priority: a signed number; a second one is
// a duplicate only after a non-zero first.
func setWorkerPriority(b *builder, s *conf.Stmt) error {
	if b.main.priority != 0 {
		return duplicate(s)
	}
	a := s.Args[0]
	minus := false
	if a != "" && (a[0] == '-' || a[0] == '+') {
		minus, a = a[0] == '-', a[1:]
	}
	n, ok := atoi(a)
	if !ok {
		return conf.Errorf(s, "\"%s\" directive invalid number", s.Name)
	}
	if minus {
		n = -n
	}
	b.main.priority = n
	return nil
}

// setWorkerConnections is ngx_event_connections.
func setWorkerConnections(b *builder, s *conf.Stmt) error {
	if b.main.workerConnections.Set {
		return duplicate(s)
	}
	n, ok := atoi(s.Args[0])
	if !ok {
		return conf.Errorf(s, "invalid number \"%s\"", s.Args[0])
	}
	b.main.workerConnections = Def(n)
	return nil
}

// setUse is ngx_event_use with the event modules of a Linux build.
func setUse(b *builder, s *conf.Stmt) error {
	if b.main.use.Set {
		return duplicate(s)
	}
	switch s.Args[0] {
	case "epoll", "poll", "select":
	default:
		return conf.Errorf(s, "invalid event type \"%s\"", s.Args[0])
	}
	b.main.use = Def(s.Args[0])
	return nil
}

// errLevels are nginx's err_levels, least severe last; debugLevels its
// debug_levels.
var (
	errLevels   = []string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}
	debugLevels = []string{"debug_core", "debug_alloc", "debug_mutex", "debug_event", "debug_http", "debug_mail", "debug_stream"}
)

// setErrorLog is ngx_error_log with ngx_log_set_levels: at most one
// level, and debug_* masks only without one.
func setErrorLog(b *builder, s *conf.Stmt) error {
	e := ErrorLog{Path: s.Args[0], Level: "error"}
	switch {
	case strings.HasPrefix(e.Path, "syslog:"):
		sl, err := parseSyslog(s, e.Path)
		if err != nil {
			return err
		}
		e.Syslog = sl
	case strings.HasPrefix(e.Path, "memory:"):
		// the cyclic memory buffer exists only in nginx's debug builds
		return conf.Errorf(s, "nginx was built without debug support")
	case e.Path == "":
		// ngx_conf_open_file gives a file without a name standard error
		e.Path = "stderr"
	case e.Path != "stderr":
		e.Path = b.full(e.Path)
	}
	level := ""
	debugMask := false
	for _, a := range s.Args[1:] {
		found := false
		for _, l := range errLevels {
			if a == l {
				if level != "" || debugMask {
					return conf.Errorf(s, "duplicate log level \"%s\"", a)
				}
				level, found = l, true
				break
			}
		}
		for _, l := range debugLevels {
			if a == l {
				if level != "" {
					return conf.Errorf(s, "invalid log level \"%s\"", a)
				}
				debugMask, found = true, true
				break
			}
		}
		if !found {
			return conf.Errorf(s, "invalid log level \"%s\"", a)
		}
	}
	switch {
	case level != "":
		e.Level = level
	case debugMask:
		e.Level = "debug"
	}
	if b.ctx == CtxMain {
		b.main.errorLogs = append(b.main.errorLogs, e)
		return nil
	}
	if !b.cur.ErrorLogs.Set {
		b.cur.ErrorLogs = Def([]ErrorLog(nil))
	}
	b.cur.ErrorLogs.V = append(b.cur.ErrorLogs.V, e)
	return nil
}

func setEvents(b *builder, s *conf.Stmt) error {
	if b.main.events {
		return duplicate(s)
	}
	b.main.events = true
	return b.block(CtxEvents, s.Block)
}

// full resolves a path against the prefix as ngx_conf_full_name(0) does:
// anything not starting with "/" is appended to the prefix.
func (b *builder) full(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return b.cfg.Prefix + p
}

// fullConf resolves against the configuration prefix (include, mime.types).
func (b *builder) fullConf(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return b.cfg.ConfPrefix + p
}

func setHTTP(b *builder, s *conf.Stmt) error {
	if b.http != nil {
		return duplicate(s)
	}
	h := &HTTP{LogFormats: map[string]*LogFormat{}, Vars: vars.NewTable(), Loc: &Loc{}, Srv: &Srv{}}
	b.http = h
	b.cfg.HTTP = h
	b.httpStmt = s
	b.cur, b.csrv = h.Loc, h.Srv
	h.LogFormats["combined"] = combinedFormat()
	b.formats = append(b.formats, "combined")
	if err := b.block(CtxHTTP, s.Block); err != nil {
		return err
	}
	if b.truncated && s.EndLine == 0 {
		// The parser stopped inside this block: nginx never reached its
		// end, so the checks made there do not run.
		return errTruncated
	}
	return b.finishHTTP(s)
}

func setServer(b *builder, s *conf.Stmt) error {
	srv := &Server{File: s.File, Line: s.Line, Srv: &Srv{}, Loc: &Loc{}}
	b.http.Servers = append(b.http.Servers, srv)
	savedCur, savedSrv := b.cur, b.csrv
	savedLocs := b.locs
	b.srv, b.cur, b.csrv, b.locs = srv, srv.Loc, srv.Srv, nil
	defer func() { b.srv, b.cur, b.csrv, b.locs = nil, savedCur, savedSrv, savedLocs }()
	if err := b.block(CtxServer, s.Block); err != nil {
		return err
	}
	srv.locs = b.locs
	if len(srv.Listens) == 0 {
		srv.Listens = []*Listen{defaultListen()}
	}
	if len(srv.Names) == 0 {
		srv.Names = []*ServerName{{Name: ""}}
	}
	return nil
}

// setListen is the part of ngx_http_core_listen and ngx_http_add_listen
// that nginx runs as the directive is read: a second listen of one
// address in a server, listen options set twice for one address, and two
// default servers for one address are errors here.
func setListen(b *builder, s *conf.Stmt) error {
	l, err := parseListen(b, s)
	if err != nil {
		return err
	}
	for _, l := range l.expand() {
		if err := b.addListen(s, l); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) addListen(s *conf.Stmt, l *Listen) error {
	for _, o := range b.srv.Listens {
		if o.Addr == l.Addr {
			return conf.Errorf(s, "a duplicate listen %s", l.Addr)
		}
	}
	b.srv.Listens = append(b.srv.Listens, l)
	optsSet, defSet := false, false
	for _, other := range b.http.Servers {
		if other == b.srv {
			continue
		}
		for _, o := range other.Listens {
			if o.Addr == l.Addr {
				optsSet = optsSet || o.hasOptions
				defSet = defSet || o.DefaultServer
			}
		}
	}
	if l.hasOptions && optsSet {
		return conf.Errorf(s, "duplicate listen options for %s", l.Addr)
	}
	if l.DefaultServer && defSet {
		return conf.Errorf(s, "a duplicate default server for %s", l.Addr)
	}
	return nil
}

// setServerName is ngx_http_core_server_name. Wildcards are checked when
// the names are hashed, at the end of the http block (groupListens).
func setServerName(b *builder, s *conf.Stmt) error {
	for _, a := range s.Args {
		if a != "" && (a[0] == '*' && (len(a) < 3 || a[1] != '.') || a[0] == '.' && len(a) < 2) {
			return conf.Errorf(s, "server name \"%s\" is invalid", a)
		}
		if strings.Contains(a, "/") {
			b.warn(s, "server name \"%s\" has suspicious symbols", a)
		}
		name := a
		if strings.EqualFold(a, "$hostname") {
			name, _ = os.Hostname()
		}
		if !strings.HasPrefix(a, "~") {
			b.srv.Names = append(b.srv.Names, &ServerName{Name: strings.ToLower(name)})
			continue
		}
		if len(a) == 1 {
			return conf.Errorf(s, "empty regex in server name \"%s\"", a)
		}
		// nginx matches the lower-cased Host, and compiles the regex
		// caseless only when it has an upper-case letter.
		pattern := a[1:]
		caseless := strings.ContainsAny(pattern, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
		re, err := b.compileRegex(s, pattern, caseless)
		if err != nil {
			return err
		}
		b.srv.Names = append(b.srv.Names, &ServerName{Name: a, Regex: re})
		b.srv.captures = re.NumCaptures() > 0
	}
	return nil
}

// setLocation implements ngx_http_core_location: the match kind, the
// nesting rules, and the block as a new location level. Duplicates are
// found when the http block ends, as nginx's ngx_http_init_locations.
func setLocation(b *builder, s *conf.Stmt) error {
	l := &Location{File: s.File, Line: s.Line, Parent: b.loc, Server: b.srv, Loc: &Loc{}}
	args := s.Args
	var name string
	if len(args) == 2 {
		mod := args[0]
		name = args[1]
		switch mod {
		case "=":
			l.Match = MatchExact
		case "^~":
			l.Match = MatchPrefixNoRegex
		case "~":
			l.Match = MatchRegex
		case "~*":
			l.Match = MatchRegexCaseless
		default:
			return conf.Errorf(s, "invalid location modifier \"%s\"", mod)
		}
	} else {
		name = args[0]
		switch {
		case strings.HasPrefix(name, "="):
			l.Match, name = MatchExact, name[1:]
		case strings.HasPrefix(name, "^~"):
			l.Match, name = MatchPrefixNoRegex, name[2:]
		case strings.HasPrefix(name, "~*"):
			l.Match, name = MatchRegexCaseless, name[2:]
		case strings.HasPrefix(name, "~"):
			l.Match, name = MatchRegex, name[1:]
		case strings.HasPrefix(name, "@"):
			l.Match = MatchNamed
		}
	}
	l.Name = name
	regex := l.Match == MatchRegex || l.Match == MatchRegexCaseless
	if regex {
		re, err := b.compileRegex(s, name, l.Match == MatchRegexCaseless)
		if err != nil {
			return err
		}
		l.Regex = re
	}
	if p := b.loc; p != nil {
		switch {
		case p.Match == MatchExact:
			return conf.Errorf(s, "location \"%s\" cannot be inside the exact location \"%s\"", name, p.Name)
		case p.Match == MatchNamed:
			return conf.Errorf(s, "location \"%s\" cannot be inside the named location \"%s\"", name, p.Name)
		case l.Match == MatchNamed:
			return conf.Errorf(s, "named location \"%s\" can be on the server level only", name)
		case !regex && !strings.HasPrefix(name, p.Name):
			// The parent's name is its regex for a regex location, as in
			// nginx, which compares the two names either way.
			return conf.Errorf(s, "location \"%s\" is outside location \"%s\"", name, p.Name)
		}
	}
	b.locs = append(b.locs, l)
	savedLoc, savedCur, savedLocs := b.loc, b.cur, b.locs
	b.loc, b.cur, b.locs = l, l.Loc, nil
	err := b.block(CtxLocation, s.Block)
	l.locs = b.locs
	b.loc, b.cur, b.locs = savedLoc, savedCur, savedLocs
	return err
}

// setTypes is ngx_http_core_types with ngx_http_core_type as the handler
// of every statement inside: "TYPE EXT...;".
func setTypes(b *builder, s *conf.Stmt) error {
	if !b.cur.Types.Set {
		b.cur.Types = Def(map[string]string{})
	}
	saved := b.types
	b.types = b.cur.Types.V
	defer func() { b.types = saved }()
	for _, st := range s.Block {
		if st.HasBlock {
			return conf.Errorf(st, "unexpected \"{\"")
		}
		if st.Name == "include" {
			// The parser expanded every well-formed include.
			return conf.Errorf(st, "invalid number of arguments in \"include\" directive")
		}
		for _, ext := range st.Args {
			ext = strings.ToLower(ext)
			if old, ok := b.types[ext]; ok {
				b.warn(st, "duplicate extension \"%s\", content type: \"%s\", previous content type: \"%s\"", ext, st.Name, old)
			}
			b.types[ext] = st.Name
		}
	}
	return nil
}

// setInternal is ngx_http_core_internal.
func setInternal(b *builder, s *conf.Stmt) error {
	if b.loc.Internal {
		return duplicate(s)
	}
	b.loc.Internal = true
	return nil
}

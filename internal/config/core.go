package config

import (
	"os"
	"path/filepath"
	"strconv"
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

	values   []*vars.Value
	ifBlocks []ifBlock
	types    map[string]string // inside types{}
	locs     []*Location       // locations declared in the current block
	main     mainConf
	warnings []*conf.Error
}

type ifBlock struct {
	loc       *Location
	parentLoc *Loc
}

type mainConf struct {
	daemon, master               Opt[bool]
	workerProcesses, pid, user   Opt[string]
	workerConnections, rlimitNof Opt[int64]
	shutdownTimeout              Opt[time.Duration]
	errorLogs                    []ErrorLog
	events                       bool
}

func loc(f func(l *Loc) any) {}

// The accessors below give slot setters the field to fill.
func lc(b *builder) *Loc { return b.cur }

func init() {
	m := func(f func(b *builder) *Opt[bool]) func(*builder, *conf.Stmt) error { return flagSlot(f) }
	_ = m
	main := CtxMain
	register(
		Directive{Name: "daemon", Ctx: main, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.main.daemon })},
		Directive{Name: "master_process", Ctx: main, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &b.main.master })},
		Directive{Name: "worker_processes", Ctx: main, Args: Take1, Set: setWorkerProcesses},
		Directive{Name: "pid", Ctx: main, Args: Take1, Set: strSlot(func(b *builder) *Opt[string] { return &b.main.pid })},
		Directive{Name: "user", Ctx: main, Args: Take12, Set: setUser},
		Directive{Name: "worker_rlimit_nofile", Ctx: main, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.main.rlimitNof })},
		Directive{Name: "worker_shutdown_timeout", Ctx: main, Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &b.main.shutdownTimeout })},
		Directive{Name: "env", Ctx: main, Args: Take1, Set: func(b *builder, s *conf.Stmt) error { b.cfg.Env = append(b.cfg.Env, s.Args[0]); return nil }},
		Directive{Name: "worker_cpu_affinity", Ctx: main, Args: OneMore, Set: ignoreSlot},
		Directive{Name: "worker_priority", Ctx: main, Args: Take1, Set: ignoreSlot},
		Directive{Name: "pcre_jit", Ctx: main, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return new(Opt[bool]) })},
		Directive{Name: "thread_pool", Ctx: main, Args: Take23, Set: ignoreSlot},
		Directive{Name: "timer_resolution", Ctx: main, Args: Take1, Set: ignoreSlot},
		Directive{Name: "lock_file", Ctx: main, Args: Take1, Set: ignoreSlot},
		Directive{Name: "working_directory", Ctx: main, Args: Take1, Set: ignoreSlot},
		Directive{Name: "error_log", Ctx: main | ctxHTTPAll, Args: OneMore, Set: setErrorLog},
		Directive{Name: "events", Ctx: main, Args: Block | Take0, Set: setEvents},
		Directive{Name: "worker_connections", Ctx: CtxEvents, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.main.workerConnections })},
		Directive{Name: "use", Ctx: CtxEvents, Args: Take1, Set: ignoreSlot},
		Directive{Name: "multi_accept", Ctx: CtxEvents, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return new(Opt[bool]) })},
		Directive{Name: "accept_mutex", Ctx: CtxEvents, Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return new(Opt[bool]) })},
		Directive{Name: "accept_mutex_delay", Ctx: CtxEvents, Args: Take1, Set: ignoreSlot},
		Directive{Name: "http", Ctx: main, Args: Block | Take0, Set: setHTTP},
		Directive{Name: "server", Ctx: CtxHTTP, Args: Block | Take0, Set: setServer},
		Directive{Name: "location", Ctx: CtxServer | CtxLocation, Args: Block | Take12, Set: setLocation},
		Directive{Name: "listen", Ctx: CtxServer, Args: OneMore, Set: setListen},
		Directive{Name: "server_name", Ctx: CtxServer, Args: OneMore, Set: setServerName},
		Directive{Name: "types", Ctx: ctxHTTPAll, Args: Block | Take0, Set: setTypes},
		Directive{Name: "internal", Ctx: CtxLocation, Args: Take0, Set: func(b *builder, s *conf.Stmt) error { b.loc.Internal = true; return nil }},
	)
}

func setWorkerProcesses(b *builder, s *conf.Stmt) error {
	if b.main.workerProcesses.Set {
		return duplicate(s)
	}
	if s.Args[0] != "auto" {
		if _, ok := atoi(s.Args[0]); !ok {
			return conf.Errorf(s, "invalid value \"%s\" in \"%s\" directive", s.Args[0], s.Name)
		}
	}
	b.main.workerProcesses = Def(s.Args[0])
	return nil
}

func setUser(b *builder, s *conf.Stmt) error {
	if b.main.user.Set {
		return duplicate(s)
	}
	b.main.user = Def(s.Args[0])
	if os.Geteuid() != 0 {
		b.warnings = append(b.warnings, conf.Errorf(s, "the \"user\" directive makes sense only if the master process runs with super-user privileges, ignored"))
	}
	return nil
}

func setErrorLog(b *builder, s *conf.Stmt) error {
	e := ErrorLog{Path: s.Args[0], Level: "error"}
	if e.Path != "stderr" && !strings.HasPrefix(e.Path, "syslog:") && !strings.HasPrefix(e.Path, "memory:") {
		e.Path = b.full(e.Path)
	}
	if len(s.Args) > 2 {
		// nginx accepts several debug_* levels; weir keeps the first.
		for _, a := range s.Args[2:] {
			if !strings.HasPrefix(a, "debug_") {
				return conf.Errorf(s, "invalid log level \"%s\"", a)
			}
		}
	}
	if len(s.Args) > 1 {
		switch s.Args[1] {
		case "debug", "info", "notice", "warn", "error", "crit", "alert", "emerg":
			e.Level = s.Args[1]
		default:
			return conf.Errorf(s, "invalid log level \"%s\"", s.Args[1])
		}
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

// full resolves a path against the prefix as ngx_conf_full_name(0) does.
func (b *builder) full(p string) string {
	if filepath.IsAbs(p) {
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
	b.cur, b.csrv = h.Loc, h.Srv
	h.LogFormats["combined"] = combinedFormat()
	if err := b.block(CtxHTTP, s.Block); err != nil {
		return err
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
	tree, err := buildTree(b.locs)
	if err != nil {
		return err
	}
	srv.Locations = tree
	if len(srv.Listens) == 0 {
		srv.Listens = []*Listen{defaultListen()}
	}
	if len(srv.Names) == 0 {
		srv.Names = []*ServerName{{Name: ""}}
	}
	return nil
}

func setListen(b *builder, s *conf.Stmt) error {
	l, err := parseListen(s)
	if err != nil {
		return err
	}
	for _, o := range b.srv.Listens {
		if o.Addr == l.Addr {
			return conf.Errorf(s, "a duplicate listen %s", l.Addr)
		}
	}
	b.srv.Listens = append(b.srv.Listens, l)
	// nginx checks default_server and option conflicts as the listen is
	// added (ngx_http_add_listen); so does weir.
	for _, other := range b.http.Servers {
		if other == b.srv {
			continue
		}
		for _, o := range other.Listens {
			if o.Addr != l.Addr {
				continue
			}
			if o.hasOptions && l.hasOptions {
				return conf.Errorf(s, "duplicate listen options for %s", l.Addr)
			}
			if o.DefaultServer && l.DefaultServer {
				return conf.Errorf(s, "a duplicate default server for %s", l.Addr)
			}
		}
	}
	return nil
}

func setServerName(b *builder, s *conf.Stmt) error {
	for _, a := range s.Args {
		if a == "" && len(s.Args) == 1 {
			// server_name "";
		}
		if strings.HasPrefix(a, "~") {
			if len(a) == 1 {
				return conf.Errorf(s, "empty regex in server name \"%s\"", a)
			}
			re, err := b.compileRegex(s, a[1:], true)
			if err != nil {
				return err
			}
			b.srv.Names = append(b.srv.Names, &ServerName{Name: a, Regex: re})
			continue
		}
		if strings.ContainsAny(a, "/") {
			return conf.Errorf(s, "server name \"%s\" has suspicious symbols", a)
		}
		if i := strings.IndexByte(a, '*'); i >= 0 {
			ok := strings.Count(a, "*") == 1 && (strings.HasPrefix(a, "*.") || strings.HasSuffix(a, ".*"))
			if !ok {
				return conf.Errorf(s, "invalid server name or wildcard \"%s\" on %s", a, "0.0.0.0:80")
			}
		}
		b.srv.Names = append(b.srv.Names, &ServerName{Name: strings.ToLower(a)})
	}
	return nil
}

// setLocation implements ngx_http_core_location: the match kind, the
// nesting rules, and the block as a new location level.
func setLocation(b *builder, s *conf.Stmt) error {
	l := &Location{File: s.File, Line: s.Line, Parent: b.loc, Server: b.srv, Loc: &Loc{}}
	args := s.Args
	var mod, name string
	if len(args) == 2 {
		mod, name = args[0], args[1]
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
	if l.Match == MatchRegex || l.Match == MatchRegexCaseless {
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
		case l.Match != MatchRegex && l.Match != MatchRegexCaseless &&
			(p.Match == MatchPrefix || p.Match == MatchPrefixNoRegex) && !strings.HasPrefix(name, p.Name):
			return conf.Errorf(s, "location \"%s\" is outside location \"%s\"", name, p.Name)
		}
	}
	b.locs = append(b.locs, l)
	savedLoc, savedCur, savedLocs := b.loc, b.cur, b.locs
	b.loc, b.cur, b.locs = l, l.Loc, nil
	err := b.block(CtxLocation, s.Block)
	inner := b.locs
	b.loc, b.cur, b.locs = savedLoc, savedCur, savedLocs
	if err != nil {
		return err
	}
	tree, err := buildTree(inner)
	if err != nil {
		return err
	}
	l.Nested = tree
	return nil
}

func setTypes(b *builder, s *conf.Stmt) error {
	if !b.cur.Types.Set {
		b.cur.Types = Def(map[string]string{})
	}
	saved := b.types
	b.types = b.cur.Types.V
	defer func() { b.types = saved }()
	for _, st := range s.Block {
		// Inside types{} every statement is "type ext...;" (ngx_http_core_type).
		if st.HasBlock {
			return conf.Errorf(st, "unexpected \"{\"")
		}
		if st.Name == "include" {
			continue // the parser expanded it already
		}
		for _, ext := range st.Args {
			ext = strings.ToLower(ext)
			if old, ok := b.types[ext]; ok && old != st.Name {
				b.warnings = append(b.warnings, conf.Errorf(st, "duplicate extension \"%s\", content type: \"%s\", previous content type: \"%s\"", ext, st.Name, old))
			}
			b.types[ext] = st.Name
		}
	}
	return nil
}

var _ = strconv.Itoa

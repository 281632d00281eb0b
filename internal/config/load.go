package config

import (
	"fmt"
	"runtime/debug"
	"strings"

	"weir/internal/conf"
)

// DefaultPrefix and DefaultConf are weir's built-in paths, as nginx's
// --prefix and --conf-path.
const (
	DefaultPrefix = "/usr/local/weir/"
	DefaultConf   = "conf/nginx.conf"
)

// Options are the command line's say in a load.
type Options struct {
	Prefix   string // -p; "" = DefaultPrefix
	ConfFile string // -c; "" = DefaultConf; relative to Prefix
	Globals  string // -g
}

// Resolve returns the prefix (with trailing slash), the configuration
// file and its directory as ngx_process_options computes them: a relative
// prefix stays relative (it is taken from the current directory whenever
// a path is opened) and nothing is cleaned, so that messages name the
// files as nginx does ("./conf/nginx.conf" for -p . -c conf/nginx.conf).
func (o Options) Resolve() (prefix, file, confPrefix string) {
	prefix = o.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	file = o.ConfFile
	if file == "" {
		file = DefaultConf
	}
	if !strings.HasPrefix(file, "/") {
		file = prefix + file
	}
	confPrefix = file[:strings.LastIndex(file, "/")+1]
	return prefix, file, confPrefix
}

// Load reads, checks and builds a configuration. The returned error is a
// *conf.Error (with a position when nginx gives one) or another error
// whose text is nginx's. The Config is returned even with an error, so
// that the warnings issued before it (Config.Warnings) can be printed
// first, as nginx does; it must not be used for anything else then.
//
// A panic while building (a bug in weir) is returned as an error with its
// stack, so that a reload with such a configuration leaves the running
// server on its old configuration instead of killing it.
func Load(o Options) (cfg *Config, err error) {
	prefix, file, confPrefix := o.Resolve()
	cfg = &Config{Prefix: prefix, ConfPrefix: confPrefix, ConfFile: file}
	b := &builder{cfg: cfg, ctx: CtxMain}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error while reading the configuration (a weir bug, please report it): %v\n%s", r, debug.Stack())
		}
		cfg.Warnings = b.warnings
	}()
	err = b.load(o, file, confPrefix)
	return cfg, err
}

func (b *builder) load(o Options, file, confPrefix string) error {
	cfg := b.cfg
	popt := conf.Options{ConfPrefix: confPrefix}

	if o.Globals != "" {
		gt, perr := conf.ParseString("command line", o.Globals, popt)
		if gt != nil {
			if err := b.block(CtxMain, gt.Stmts); err != nil {
				return err
			}
		}
		if perr != nil {
			return perr
		}
	}
	tree, perr := conf.ParseFile(file, popt)
	if tree != nil {
		cfg.Tree = tree
		// nginx handles each statement as it is read, so a directive error
		// before a syntax error wins; checks made at the end of a block
		// the syntax error cut off never run.
		b.truncated = perr != nil
		if err := b.block(CtxMain, tree.Stmts); err != nil && err != errTruncated {
			return err
		}
	}
	if perr != nil {
		return perr
	}
	// what nginx checks once the file is read: the core modules'
	// init_conf (core, events, thread pools), then shared memory
	b.checkCPUMasks()
	if !b.main.events {
		return &conf.Error{Msg: "no \"events\" section in configuration", Late: true}
	}
	m := &b.main
	connections := 512
	if m.workerConnections.Set {
		connections = int(m.workerConnections.V)
	}
	if err := b.checkConnections(connections); err != nil {
		return err
	}
	if err := b.threads.check(); err != nil {
		return err
	}
	if err := b.checkZones(); err != nil {
		return err
	}
	if err := b.checkLimitZones(); err != nil {
		return err
	}
	cfg.Daemon = !m.daemon.Set || m.daemon.V
	cfg.MasterProcess = !m.master.Set || m.master.V
	cfg.WorkerProcesses = m.workerProcesses.V
	if cfg.WorkerProcesses == "" {
		cfg.WorkerProcesses = "1"
	}
	if !m.pid.Set || m.pid.V == "" {
		m.pid = Def("logs/nginx.pid")
	}
	cfg.PID = b.full(m.pid.V)
	cfg.User = m.user.V
	cfg.WorkerConnections = connections
	cfg.WorkerRlimitNofile = m.rlimitNof.V
	cfg.WorkerShutdownTimeout = m.shutdownTimeout.V
	cfg.EventsUse = m.use.V
	cfg.ErrorLogs = m.errorLogs
	if !hasFileLog(cfg.ErrorLogs) {
		cfg.ErrorLogs = append(cfg.ErrorLogs, ErrorLog{Path: b.full("logs/error.log"), Level: "error", Implicit: true})
	}
	return nil
}

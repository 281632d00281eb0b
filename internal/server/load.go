package server

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"weir/internal/conf"
	"weir/internal/config"
	"weir/internal/errlog"
)

// newStartConsole opens the start-up log for o at level lv (notice, or
// info for -t as ngx_process_options sets).
func newStartConsole(o *Options, lv errlog.Level) *console {
	return newConsole(o.stderr(), o.Config.Prefix, config.DefaultPrefix, o.ErrorLog, o.ErrorLogSet, lv)
}

// errLevel is the level nginx logs a configuration error at: emerg, or
// the level the error carries (a failed read is crit).
func errLevel(err error) errlog.Level {
	var ce *conf.Error
	if errors.As(err, &ce) && ce.Level != "" {
		if lv, ok := errlog.ParseLevel(ce.Level); ok {
			return lv
		}
	}
	return errlog.Emerg
}

// late tells whether err comes from a check nginx makes after the whole
// file is parsed (a core module's init_conf, shared memory), so that -t
// has already printed "syntax is ok" when it reports it.
func late(err error) bool {
	var ce *conf.Error
	return errors.As(err, &ce) && ce.Late
}

// loadConfig reads the configuration as ngx_init_cycle does up to the
// core modules' init_conf, logging its warnings and its error to c.
// syntaxOK, when not nil, is called where nginx -t prints "syntax is ok":
// after the warnings issued while reading, before the late ones.
func loadConfig(c *console, o *Options, syntaxOK func()) (*config.Config, error) {
	cfg, err := config.Load(o.Config)
	warn := func(lateOnes bool) {
		if cfg == nil {
			return
		}
		for _, w := range cfg.Warnings {
			if w.Late == lateOnes {
				c.Log(errlog.Warn, w.Error())
			}
		}
	}
	warn(false)
	if (err == nil || late(err)) && syntaxOK != nil {
		syntaxOK()
	}
	warn(true)
	if err != nil {
		c.Log(errLevel(err), err.Error())
		return nil, err
	}
	applyDefaultErrorLog(cfg, o)
	return cfg, nil
}

// applyDefaultErrorLog gives a configuration without a main-level
// error_log, or with syslog ones alone, the -e log instead of
// logs/error.log (ngx_log_open_default with cycle->error_log).
func applyDefaultErrorLog(cfg *config.Config, o *Options) {
	if !o.ErrorLogSet {
		return
	}
	p := o.ErrorLog
	switch {
	case p == "" || p == "stderr":
		p = "stderr"
	case !filepath.IsAbs(p):
		p = cfg.Prefix + p
	}
	if !hasMainErrorLog(cfg, o.Config.Globals) {
		cfg.ErrorLogs = []config.ErrorLog{{Path: p, Level: "error"}}
		return
	}
	for i := range cfg.ErrorLogs {
		if cfg.ErrorLogs[i].Implicit {
			cfg.ErrorLogs[i].Path = p
		}
	}
}

// hasMainErrorLog tells whether error_log is set at the main level, in
// the file or with -g.
func hasMainErrorLog(cfg *config.Config, globals string) bool {
	if cfg.Tree != nil {
		for _, s := range cfg.Tree.Stmts {
			if s.Name == "error_log" {
				return true
			}
		}
	}
	if globals != "" {
		if t, _ := conf.ParseString(conf.CommandLine, globals, conf.Options{ConfPrefix: cfg.ConfPrefix}); t != nil {
			for _, s := range t.Stmts {
				if s.Name == "error_log" {
					return true
				}
			}
		}
	}
	return false
}

// openErrorLog opens the configuration's error logs; hasStderr tells
// whether one of them is standard error.
func openErrorLog(cfg *config.Config) (l *errlog.Logger, hasStderr bool, err error) {
	sinks, hasStderr := errorLogSinks(cfg.ErrorLogs)
	l, err = errlog.New(sinks)
	return l, hasStderr, err
}

// createPIDFile opens the pid file as ngx_create_pidfile does. With write
// false (-t) the file is only created, not truncated or written.
func createPIDFile(path string, write bool) error {
	flags := os.O_RDWR | os.O_CREATE
	if write {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if err != nil {
		return openErr(path, err)
	}
	if write {
		if _, err := f.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
			f.Close()
			return &sysErr{op: `write() "` + path + `" failed`, err: err}
		}
	}
	return f.Close()
}

// openErr is nginx's `open() "PATH" failed (N: TEXT)`.
func openErr(path string, err error) error {
	return &sysErr{op: `open() "` + path + `" failed`, err: err}
}

// sysErr is a failed system call worded as nginx logs it:
// OP (ERRNO: TEXT).
type sysErr struct {
	op  string
	err error
}

func (e *sysErr) Error() string { return e.op + " " + errlog.SysError(e.err) }
func (e *sysErr) Unwrap() error { return e.err }

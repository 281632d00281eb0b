package server

import (
	"bufio"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpd"
)

// Test is -t and -T (ngx_init_cycle with ngx_test_config, then main's
// report): it reads the configuration, prints "syntax is ok", then does
// what nginx does to test the rest — creates the pid file without writing
// it, makes the temp and cache directories, opens the error and access
// logs, binds every listening socket (a socket already in use by a
// running server is fine) — and prints
// "test is successful" or "test failed". With Dump, every configuration
// file read follows on standard output. It returns the exit status.
func Test(o Options) int {
	c := newStartConsole(&o, errlog.Info)
	defer func() { c.Logger().Close() }()
	_, file, _ := o.Config.Resolve()
	cfg, err := loadConfig(c, &o, func() {
		if !o.Quiet {
			c.stderrf("the configuration file %s syntax is ok", file)
		}
	})
	if err == nil {
		err = testResources(c, cfg)
	}
	if err != nil {
		c.stderrf("configuration file %s test failed", file)
		return 1
	}
	if !o.Quiet {
		c.stderrf("configuration file %s test is successful", file)
	}
	if o.Dump {
		w := bufio.NewWriter(o.stdout())
		for _, f := range cfg.Tree.Files {
			w.WriteString("# configuration file ")
			w.WriteString(f.Name)
			w.WriteString(":\n")
			w.Write(f.Data)
			w.WriteString("\n")
		}
		w.Flush()
	}
	return 0
}

// testResources opens what a start would open, logging the first failure.
func testResources(c *console, cfg *config.Config) error {
	if err := createPIDFile(cfg.PID, false); err != nil {
		c.Log(errlog.Emerg, err.Error())
		return err
	}
	if err := createPaths(cfg); err != nil {
		c.Log(errlog.Emerg, err.Error())
		return err
	}
	l, hasStderr, err := openErrorLog(cfg)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		return err
	}
	c.use(l, hasStderr).Close()
	snap, err := httpd.NewSnapshot(cfg, l)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		return err
	}
	snap.Close()
	if cfg.HTTP == nil {
		return nil
	}
	for _, g := range cfg.HTTP.Listens {
		ln, err := openListener(g.Listen, false, c.Log)
		if err != nil {
			// The address may be a running server's: nginx -t says
			// nothing then.
			if addrInUse(err) {
				continue
			}
			c.Log(errlog.Emerg, err.Error())
			return err
		}
		ln.Close()
	}
	return nil
}

package server

import (
	"net"
	"os"
	"strings"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpd"
)

// reload is HUP (ngx_init_cycle on a running cycle). The new
// configuration is built to one side: read, error logs opened, snapshot
// made (access logs opened), new sockets bound. Any failure is logged and
// the old configuration keeps serving, untouched. On success sockets whose
// address stays are kept as they are (they take the new backlog and
// options), new ones start accepting, removed ones close, the new
// generation takes every new connection, and the old one finishes its
// requests in the background and then releases its snapshot and logs.
func (p *process) reload() {
	c := p.c
	c.Log(errlog.Notice, "reconfiguring")
	cfg, err := loadConfig(c, p.o, nil)
	if err != nil {
		return
	}
	if err := createPaths(cfg); err != nil {
		c.Log(errlog.Emerg, err.Error())
		return
	}
	l, hasStderr, err := openErrorLog(cfg)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		return
	}
	snap, err := httpd.NewSnapshot(cfg, l)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		l.Close()
		return
	}
	st, err := newStream(cfg, l, snap)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		snap.Close()
		l.Close()
		return
	}
	// nginx has switched to the new cycle's log by the time it binds.
	logNew := func(lv errlog.Level, msg string) { l.Log(lv, 0, msg) }
	var fresh []*config.Listen
	want := map[string]*config.Listen{}
	for _, ls := range listens(cfg) {
		want[ls.SocketKey()] = ls
		if p.sockets[ls.SocketKey()] == nil {
			fresh = append(fresh, ls)
		}
	}
	opened, err := openListeners(fresh, logNew)
	rollback := func() {
		for _, ln := range opened {
			ln.Close()
		}
		snap.Close()
		closeStreamServer(st)
		l.Close()
	}
	if err != nil {
		rollback()
		return
	}
	if cfg.PID != p.cfg.PID {
		if err := createPIDFile(cfg.PID, true); err != nil {
			logNew(errlog.Emerg, err.Error())
			rollback()
			return
		}
		// ngx_delete_pidfile: NAME.oldbin while a new binary runs
		if old := p.pidPath(); old != "" {
			if err := os.Remove(old); err != nil {
				logNew(errlog.Alert, "unlink() \""+old+"\" failed "+errlog.SysError(err))
			}
		}
	}

	// Commit.
	c.use(l, hasStderr)
	c.Log(errlog.Notice, `using the "epoll" event method`)
	for addr, s := range p.sockets {
		if ls := want[addr]; ls != nil {
			if err := tuneListener(s.ln, ls, true, logNew); err != nil {
				logNew(errlog.Alert, err.Error()+", ignored")
			}
		}
	}
	var started []*socket
	for addr, ln := range opened {
		s := newSocket(addr, ln, c.Log)
		p.sockets[addr] = s
		started = append(started, s)
	}
	old := p.cur
	p.cur = newGeneration(cfg, l, snap)
	p.cur.stream = st
	p.cur.start(p.sockets)
	snap.StartHealthChecks(old.snap)
	for _, s := range started {
		go s.acceptLoop()
	}
	for addr, s := range p.sockets {
		if want[addr] != nil {
			continue
		}
		if strings.HasPrefix(addr, "unix:") {
			c.Logf(errlog.Warn, "deleting socket %s", strings.TrimPrefix(addr, "unix:"))
		}
		s.cur.Store(nil)
		setUnlink(s.ln, true)
		s.close()
		delete(p.sockets, addr)
	}
	p.cfg = cfg
	p.setRlimit(cfg)
	p.redirectStderr()
	p.retiring.Add(1)
	go func() {
		defer p.retiring.Done()
		old.shutdown(old.cfg.WorkerShutdownTimeout, p.stopAll)
		old.log.Close()
	}()
}

var _ net.Listener = (*genListener)(nil)

package server

import (
	"context"
	"errors"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"weir/internal/accesslog"
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpd"
	"weir/internal/procs"
)

// ErrStart is what Run returns when the server could not start; the
// reason has been logged and printed on standard error.
var ErrStart = errors.New("server: start failed")

// handledSignals are the signals Run acts on. Asking for SIGQUIT also
// keeps Go from dumping goroutine stacks and exiting on it.
var handledSignals = []os.Signal{
	syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGINT,
	syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH,
}

// process is the running server: nginx's master with its current worker.
type process struct {
	o       *Options
	c       *console
	cfg     *config.Config
	cur     *generation
	sockets map[string]*socket

	retiring sync.WaitGroup // generations replaced by a reload, finishing
	stopAll  chan struct{}  // closed on a fast stop: they finish at once

	// ownStderr tells whether file descriptor 2 is the process's to
	// point at the error log (not when the caller gave its own Stderr).
	ownStderr bool
	// daemonChild: descriptor 2 is the pipe to the waiting parent and
	// must be replaced even when no error log file can take it.
	daemonChild bool

	// Binary upgrade (upgrade.go). inherited holds the sockets received
	// from the old binary until start adopts them; upgradedFrom is the
	// old binary's pid when this process is its new binary. newBin is
	// the pid of the new binary this process started and that still
	// runs (0: none), oldPID and newPID the pid file's names meanwhile;
	// binExits reports the new binary's end.
	inherited    []net.Listener
	upgradedFrom int
	newBin       int
	newBinExe    string
	oldPID       string
	newPID       string
	binExits     chan binExit
	command      bool // started by Start: USR2 may start the executable again
}

// Run starts the server in the foreground, whatever "daemon" says, and
// serves until QUIT (graceful), TERM or INT (fast), or until ctx is done
// (graceful). It returns ErrStart if it could not start (the reason is
// printed on standard error as "weir: [emerg] ..."), else nil once
// stopped.
func Run(ctx context.Context, o Options) error {
	return run(ctx, o, false, false)
}

// run serves; command tells that the process is the weir command (Start),
// whose executable and arguments a binary upgrade may start again.
func run(ctx context.Context, o Options, daemonChild, command bool) error {
	sigs := o.Signals
	if sigs == nil {
		sigs = make(chan os.Signal, 16)
		signal.Notify(sigs, handledSignals...)
		defer signal.Stop(sigs)
	}
	p := &process{
		o: &o, sockets: map[string]*socket{}, stopAll: make(chan struct{}),
		ownStderr: o.Stderr == nil, daemonChild: daemonChild,
		binExits: make(chan binExit, 1), command: command,
	}
	if err := p.start(); err != nil {
		return ErrStart
	}
	if command {
		defer procs.Start().Stop()
	}
	return p.loop(ctx, sigs)
}

// listens returns the sockets a configuration needs.
func listens(cfg *config.Config) []*config.Listen {
	if cfg.HTTP == nil {
		return streamListens(cfg)
	}
	ls := make([]*config.Listen, 0, len(cfg.HTTP.Listens))
	for _, g := range cfg.HTTP.Listens {
		ls = append(ls, g.Listen)
	}
	return append(ls, streamListens(cfg)...)
}

// start is nginx's main up to the first worker: ngx_init_cycle (read the
// configuration, open the error and access logs, bind), then the pid
// file, then standard error is given up.
func (p *process) start() error {
	c := newStartConsole(p.o, errlog.Notice)
	p.c = c
	errlog.SetSyslogErrors(c.Log)
	if lns, ok := takeInherited(c.Log); ok {
		p.inherited = lns
		p.upgradedFrom = os.Getppid()
	}
	closeInherited := func() {
		for _, ln := range p.inherited {
			setUnlink(ln, false)
			ln.Close()
		}
		p.inherited = nil
	}
	cfg, err := loadConfig(c, p.o, nil)
	if err != nil {
		closeInherited()
		c.Logger().Close()
		return err
	}
	if err := createPaths(cfg); err != nil {
		closeInherited()
		c.Log(errlog.Emerg, err.Error())
		c.Logger().Close()
		return err
	}
	l, hasStderr, err := openErrorLog(cfg)
	if err != nil {
		closeInherited()
		c.Log(errlog.Emerg, err.Error())
		c.Logger().Close()
		return err
	}
	c.use(l, hasStderr).Close()
	fail := func(err error, opened map[string]net.Listener, snap *httpd.Snapshot) error {
		closeInherited()
		for _, ln := range opened {
			if p.upgradedFrom != 0 {
				// an inherited unix socket is still the old binary's
				setUnlink(ln, false)
			}
			ln.Close()
		}
		if snap != nil {
			snap.Close()
		}
		l.Close()
		return err
	}
	snap, err := httpd.NewSnapshot(cfg, l)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		return fail(err, nil, nil)
	}
	st, err := newStream(cfg, l, snap)
	if err != nil {
		c.Log(errlog.Emerg, err.Error())
		return fail(err, nil, snap)
	}
	// A new binary takes the sockets it inherited and its configuration
	// still listens on (ngx_init_cycle keeps them), and binds the rest.
	adopted, fresh := p.adoptInherited(listens(cfg))
	opened, err := openListeners(fresh, c.Log)
	for addr, ln := range adopted {
		opened[addr] = ln
	}
	if err != nil {
		return fail(err, opened, snap)
	}
	for _, ls := range listens(cfg) {
		if ln := adopted[ls.SocketKey()]; ln != nil {
			if err := tuneListener(ln, ls, true, c.Log); err != nil {
				c.Log(errlog.Alert, err.Error()+", ignored")
			}
		}
	}
	if err := createPIDFile(cfg.PID, true); err != nil {
		c.Log(errlog.Emerg, err.Error())
		return fail(err, opened, snap)
	}
	p.cfg = cfg
	c.detach()
	p.redirectStderr()

	c.Log(errlog.Notice, `using the "epoll" event method`)
	c.Log(errlog.Notice, httpd.Name+"/"+httpd.Version)
	c.Log(errlog.Notice, "OS: "+osName())
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		c.Logf(errlog.Notice, "getrlimit(RLIMIT_NOFILE): %d:%d", rl.Cur, rl.Max)
	}
	// ngx_cycle = cycle: from here the syslog header names the host
	setSyslogHostname()
	p.setRlimit(cfg)

	for addr, ln := range opened {
		p.sockets[addr] = newSocket(addr, ln, c.Log)
	}
	p.cur = newGeneration(cfg, l, snap)
	p.cur.stream = st
	p.cur.start(p.sockets)
	snap.StartHealthChecks(nil)
	for _, s := range p.sockets {
		go s.acceptLoop()
	}
	if p.o.Ready != nil {
		p.o.Ready()
	}
	return nil
}

// loop answers signals until the server stops.
func (p *process) loop(ctx context.Context, sigs <-chan os.Signal) error {
	for {
		select {
		case <-ctx.Done():
			p.quit(sigs)
			return nil
		case e := <-p.binExits:
			p.binaryExited(e)
		case s := <-sigs:
			sig, _ := s.(syscall.Signal)
			switch sig {
			case syscall.SIGHUP:
				p.signalNotice(sig, ", reconfiguring")
				p.reload()
			case syscall.SIGUSR1:
				p.signalNotice(sig, ", reopening logs")
				p.reopen()
			case syscall.SIGQUIT:
				p.signalNotice(sig, ", shutting down")
				p.quit(sigs)
				return nil
			case syscall.SIGTERM, syscall.SIGINT:
				p.signalNotice(sig, ", exiting")
				p.terminate()
				return nil
			case syscall.SIGUSR2:
				p.changeBinary()
			default:
				p.signalNotice(sig, "")
			}
		}
	}
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT", syscall.SIGTERM: "SIGTERM",
	syscall.SIGINT: "SIGINT", syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGWINCH: "SIGWINCH",
}

// signalNotice logs a received signal as ngx_signal_handler does. Go does
// not tell who sent a signal, so the line takes nginx's form for a
// signal without a sender ("signal 1 (SIGHUP) received, reconfiguring").
func (p *process) signalNotice(sig syscall.Signal, action string) {
	p.c.Logf(errlog.Notice, "signal %d (%s) received%s", int(sig), signalNames[sig], action)
}

// quit is the graceful stop: the sockets close at once, requests in flight
// finish (for at most worker_shutdown_timeout, if set), keep-alive
// connections close; TERM or INT meanwhile turns it into a fast stop.
func (p *process) quit(sigs <-chan os.Signal) {
	p.c.Log(errlog.Notice, "gracefully shutting down")
	p.closeSockets()
	done := make(chan struct{})
	go func() {
		p.cur.shutdown(p.cfg.WorkerShutdownTimeout, p.stopAll)
		p.retiring.Wait()
		close(done)
	}()
	stopped := false
	for {
		select {
		case <-done:
			p.exit()
			return
		case e := <-p.binExits:
			p.binaryExited(e)
		case s := <-sigs:
			sig, _ := s.(syscall.Signal)
			if (sig == syscall.SIGTERM || sig == syscall.SIGINT) && !stopped {
				p.signalNotice(sig, ", exiting")
				stopped = true
				close(p.stopAll)
			} else {
				p.signalNotice(sig, "")
			}
		}
	}
}

// terminate is the fast stop: every connection is closed at once.
func (p *process) terminate() {
	p.closeSockets()
	close(p.stopAll)
	p.cur.terminate()
	p.retiring.Wait()
	p.exit()
}

// closeSockets stops accepting and closes every listening socket. A unix
// socket's file is removed unless another binary of ours shares it.
func (p *process) closeSockets() {
	unlink := p.unlinkSockets()
	for addr, s := range p.sockets {
		s.cur.Store(nil)
		setUnlink(s.ln, unlink)
		s.close()
		delete(p.sockets, addr)
	}
}

// exit is ngx_master_process_exit: flush what access logs remain, remove
// the pid file, say so, close the error log.
func (p *process) exit() {
	p.c.Log(errlog.Notice, "exiting")
	if err := accesslog.CloseAll(); err != nil {
		p.c.Log(errlog.Alert, err.Error())
	}
	// ngx_delete_pidfile: NAME.oldbin while a new binary runs
	pid := p.pidPath()
	if err := os.Remove(pid); err != nil && !errors.Is(err, os.ErrNotExist) {
		p.c.Logf(errlog.Alert, "unlink() \"%s\" failed %s", pid, errlog.SysError(err))
	}
	p.c.Log(errlog.Notice, "exit")
	p.cur.log.Close()
}

// reopen is USR1: every log file is opened again (after rotation).
func (p *process) reopen() {
	p.c.Log(errlog.Notice, "reopening logs")
	if err := p.cur.log.Reopen(); err != nil {
		p.c.Log(errlog.Emerg, err.Error())
	}
	// the http, server and location error logs (files are shared by path,
	// so an older generation still draining writes to the new files too)
	if err := p.cur.snap.Reopen(); err != nil {
		p.c.Log(errlog.Emerg, err.Error())
	}
	if p.cur.stream != nil {
		if err := p.cur.stream.Reopen(); err != nil {
			p.c.Log(errlog.Emerg, err.Error())
		}
	}
	reopenAccessLogs(p.c)
	p.redirectStderr()
}

// setRlimit applies worker_rlimit_nofile as ngx_worker_process_init does.
func (p *process) setRlimit(cfg *config.Config) {
	n := cfg.WorkerRlimitNofile
	if n <= 0 {
		return
	}
	rl := syscall.Rlimit{Cur: uint64(n), Max: uint64(n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		p.c.Logf(errlog.Alert, "setrlimit(RLIMIT_NOFILE, %d) failed %s", n, errlog.SysError(err))
	}
}

// redirectStderr is ngx_log_redirect_stderr: unless an error log is
// standard error, descriptor 2 becomes the most verbose error log file,
// so that whatever the runtime prints there lands in the log.
func (p *process) redirectStderr() {
	if !p.ownStderr {
		return
	}
	path := stderrTarget(p.cfg.ErrorLogs)
	if path == "" && !p.daemonChild {
		return
	}
	if path == "" {
		path = os.DevNull
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		p.c.Logf(errlog.Alert, "dup2(STDERR) failed %s", errlog.SysError(err))
	}
}

// stderrTarget picks the log file nginx's ngx_log_get_file_log finds first:
// the most verbose file log, the earliest of equals; "" when a log is
// standard error (nginx leaves descriptor 2 alone then).
func stderrTarget(logs []config.ErrorLog) string {
	sinks, hasStderr := errorLogSinks(logs)
	if hasStderr {
		return ""
	}
	best := -1
	for i, s := range sinks {
		if s.Syslog != nil {
			continue
		}
		if best < 0 || s.Level > sinks[best].Level {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return sinks[best].Path
}

// osName is "Linux 6.1.0", as ngx_os_status logs it.
func osName() string {
	read := func(name string) string {
		b, _ := os.ReadFile("/proc/sys/kernel/" + name)
		return strings.TrimSpace(string(b))
	}
	return read("ostype") + " " + read("osrelease")
}

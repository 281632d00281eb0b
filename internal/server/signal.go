package server

import (
	"fmt"
	"io"
	"os"
	"syscall"

	"weir/internal/errlog"
)

// signals maps the -s names to the signals a running server acts on
// (ngx_signals: stop TERM, quit QUIT, reopen USR1, reload HUP).
var signals = map[string]syscall.Signal{
	"stop":   syscall.SIGTERM,
	"quit":   syscall.SIGQUIT,
	"reopen": syscall.SIGUSR1,
	"reload": syscall.SIGHUP,
}

// Signal is -s NAME (ngx_signal_process): it reads the configuration to
// find the pid file, reads the pid from it and sends the signal, with
// nginx's messages for each failure. It returns the exit status.
//
// One knowing divergence: a pid of 0 is refused as an invalid number,
// where nginx would signal its own process group.
func Signal(o Options, name string) int {
	sig, ok := signals[name]
	if !ok {
		fmt.Fprintf(o.stderr(), "%s: invalid option: \"-s %s\"\n", Name, name)
		return 1
	}
	c := newStartConsole(&o, errlog.Notice)
	defer func() { c.Logger().Close() }()
	cfg, err := loadConfig(c, &o, nil)
	if err != nil {
		return 1
	}
	c.Log(errlog.Notice, "signal process started")
	pid, ok := readPID(c, cfg.PID)
	if !ok {
		return 1
	}
	if err := syscall.Kill(pid, sig); err != nil {
		c.Logf(errlog.Alert, "kill(%d, %d) failed %s", pid, int(sig), errlog.SysError(err))
		return 1
	}
	return 0
}

// readPID reads a pid file as ngx_signal_process does: at most 22 bytes,
// trailing CR and LF dropped, then digits only.
func readPID(c *console, path string) (int, bool) {
	f, err := os.Open(path)
	if err != nil {
		c.Log(errlog.Error, openErr(path, err).Error())
		return 0, false
	}
	defer f.Close()
	buf := make([]byte, 22)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		c.Logf(errlog.Crit, "pread() \"%s\" failed %s", path, errlog.SysError(err))
		return 0, false
	}
	b := buf[:n]
	for len(b) > 0 && (b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	pid, ok := atoiPID(b)
	if !ok {
		c.Logf(errlog.Error, "invalid PID number \"%s\" in \"%s\"", b, path)
		return 0, false
	}
	return pid, true
}

// atoiPID is ngx_atoi limited to positive pids.
func atoiPID(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
		if n > 1<<31-1 {
			return 0, false
		}
	}
	return n, n > 0
}

package server

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"

	"weir/internal/config"
	"weir/internal/errlog"
)

// Binary upgrade (USR2), as nginx's ngx_exec_new_binary does it: the
// running process renames its pid file to NAME.oldbin, starts its own
// executable again (same arguments and environment) with its listening
// sockets as inherited descriptors named in the environment variable
// WEIR_INHERIT ("3;4;", nginx's NGINX variable), and keeps serving. The
// new process adopts the inherited sockets its configuration listens on,
// closes the others, binds what is new, writes the pid file and serves;
// both serve until the operator stops one of them. When the new process
// exits (it failed to start, or it was stopped to roll back), the old one
// renames NAME.oldbin back.
const (
	inheritEnv = "WEIR_INHERIT"
	oldPIDExt  = ".oldbin" // NGX_OLDPID_EXT
)

// binExit is the end of a new binary's process.
type binExit struct {
	pid   int
	state *os.ProcessState
}

// takeInherited reads WEIR_INHERIT (ngx_add_inherited_sockets): each
// descriptor named becomes a listener, kept until the configuration says
// which are wanted. The variable is removed from the environment, so that
// a later upgrade does not pass it on. ok tells whether the process was
// started by a binary upgrade.
func takeInherited(logf func(errlog.Level, string)) (lns []net.Listener, ok bool) {
	v, ok := os.LookupEnv(inheritEnv)
	if !ok {
		return nil, false
	}
	os.Unsetenv(inheritEnv)
	logf(errlog.Notice, `using inherited sockets from "`+v+`"`)
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] != ';' && v[i] != ':' {
			continue
		}
		field := v[start:i]
		if i == len(v) {
			if field != "" {
				logf(errlog.Emerg, `invalid socket number "`+field+`" in `+inheritEnv+` environment variable, ignoring`)
			}
			break
		}
		fd, err := strconv.Atoi(field)
		if err != nil || fd < 0 || field[0] == '+' || field[0] == '-' {
			logf(errlog.Emerg, `invalid socket number "`+v[start:]+`" in `+inheritEnv+` environment variable, ignoring the rest of the variable`)
			break
		}
		start = i + 1
		f := os.NewFile(uintptr(fd), "inherited socket")
		ln, err := net.FileListener(f)
		f.Close()
		if err != nil {
			logf(errlog.Crit, fmt.Sprintf("getsockname() of the inherited socket #%d failed %s", fd, errlog.SysError(err)))
			continue
		}
		lns = append(lns, ln)
	}
	return lns, true
}

// sameSocket tells whether listener ln is bound where l asks.
func sameSocket(ln net.Listener, l *config.Listen) bool {
	switch a := ln.Addr().(type) {
	case *net.TCPAddr:
		if l.Network != "tcp" {
			return false
		}
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			return false
		}
		want := l.AddrPort.Addr()
		if want.Is4() {
			ip = ip.Unmap()
		}
		return ip == want && uint16(a.Port) == l.AddrPort.Port()
	case *net.UnixAddr:
		return l.Network == "unix" && a.Name == l.Path
	}
	return false
}

// adoptInherited takes the inherited listeners that ls asks for, keyed by
// address, and closes the others. It returns the listens still to bind.
func (p *process) adoptInherited(ls []*config.Listen) (adopted map[string]net.Listener, fresh []*config.Listen) {
	adopted = map[string]net.Listener{}
	used := make([]bool, len(p.inherited))
	for _, l := range ls {
		found := false
		for i, ln := range p.inherited {
			if !used[i] && sameSocket(ln, l) {
				used[i], found = true, true
				adopted[l.Addr] = ln
				break
			}
		}
		if !found {
			fresh = append(fresh, l)
		}
	}
	for i, ln := range p.inherited {
		if !used[i] {
			// the old binary still owns its unix socket files
			setUnlink(ln, false)
			ln.Close()
		}
	}
	p.inherited = nil
	return adopted, fresh
}

// setUnlink says whether closing ln removes its unix socket file.
func setUnlink(ln net.Listener, unlink bool) {
	if ul, ok := ln.(*net.UnixListener); ok {
		ul.SetUnlinkOnClose(unlink)
	}
}

// oldBinaryAlive tells whether this process was started by a binary
// upgrade whose old process still runs (its parent has not changed):
// nginx's ngx_getppid() == ngx_parent test.
func (p *process) oldBinaryAlive() bool {
	return p.upgradedFrom != 0 && os.Getppid() == p.upgradedFrom
}

// unlinkSockets tells whether closing a unix listening socket may remove
// its file: not while another binary of ours shares it
// (ngx_close_listening_sockets).
func (p *process) unlinkSockets() bool {
	return p.newBin == 0 && !p.oldBinaryAlive()
}

// changeBinary is USR2.
func (p *process) changeBinary() {
	sig := syscall.SIGUSR2
	if !p.command {
		// Run inside another program: its executable is not weir
		p.signalNotice(sig, ", ignoring")
		return
	}
	if p.newBin != 0 || p.oldBinaryAlive() {
		p.signalNotice(sig, ", ignoring")
		p.c.Log(errlog.Crit, "the changing binary signal is ignored: you should shutdown or terminate before either old or new binary's process")
		return
	}
	p.signalNotice(sig, ", changing binary")
	p.c.Log(errlog.Notice, "changing binary")
	exe, err := os.Executable()
	if err != nil {
		p.c.Logf(errlog.Alert, "could not find the executable of the new binary process: %v", err)
		return
	}
	addrs := make([]string, 0, len(p.sockets))
	for addr := range p.sockets {
		addrs = append(addrs, addr)
	}
	sort.Strings(addrs)
	var files []*os.File
	closeFiles := func() {
		for _, f := range files {
			f.Close()
		}
	}
	var fds strings.Builder
	for _, addr := range addrs {
		fl, ok := p.sockets[addr].ln.(interface{ File() (*os.File, error) })
		if !ok {
			continue
		}
		f, err := fl.File()
		if err != nil {
			p.c.Logf(errlog.Alert, "dup() of the listening socket %s failed %s", addr, errlog.SysError(err))
			closeFiles()
			return
		}
		fmt.Fprintf(&fds, "%d;", 3+len(files))
		files = append(files, f)
	}
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, inheritEnv+"=") && !strings.HasPrefix(kv, daemonEnv+"=") {
			env = append(env, kv)
		}
	}
	env = append(env, inheritEnv+"="+fds.String())

	pidPath, oldPath := p.cfg.PID, p.cfg.PID+oldPIDExt
	if err := os.Rename(pidPath, oldPath); err != nil {
		p.c.Logf(errlog.Alert, "rename() %s to %s failed before executing new binary process \"%s\" %s",
			pidPath, oldPath, exe, errlog.SysError(err))
		closeFiles()
		return
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = files
	err = cmd.Start()
	closeFiles()
	if err != nil {
		p.c.Logf(errlog.Alert, "execve() failed while executing new binary process \"%s\" %s", exe, errlog.SysError(err))
		if err := os.Rename(oldPath, pidPath); err != nil {
			p.c.Logf(errlog.Alert, "rename() %s back to %s failed after an attempt to execute new binary process \"%s\" %s",
				oldPath, pidPath, exe, errlog.SysError(err))
		}
		return
	}
	pid := cmd.Process.Pid
	p.c.Logf(errlog.Notice, "start new binary process %d", pid)
	p.newBin, p.newBinExe, p.oldPID, p.newPID = pid, exe, oldPath, pidPath
	exits := p.binExits
	go func() {
		cmd.Wait()
		exits <- binExit{pid: pid, state: cmd.ProcessState}
	}()
}

// binaryExited is the old process's side of a new binary's end
// (ngx_process_get_status): it says so and renames the pid file back.
func (p *process) binaryExited(e binExit) {
	p.c.Logf(errlog.Notice, "signal %d (SIGCHLD) received from %d", int(syscall.SIGCHLD), e.pid)
	if ws, ok := e.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		core := ""
		if ws.CoreDump() {
			core = " (core dumped)"
		}
		p.c.Logf(errlog.Alert, "new binary process %d exited on signal %d%s", e.pid, int(ws.Signal()), core)
	} else {
		p.c.Logf(errlog.Notice, "new binary process %d exited with code %d", e.pid, e.state.ExitCode())
	}
	if e.pid != p.newBin {
		return
	}
	if err := os.Rename(p.oldPID, p.newPID); err != nil {
		p.c.Logf(errlog.Alert, "rename() %s back to %s failed after the new binary process \"%s\" exited %s",
			p.oldPID, p.newPID, p.newBinExe, errlog.SysError(err))
	}
	p.newBin, p.oldPID, p.newPID = 0, "", ""
}

// pidPath is the pid file this process owns now: NAME.oldbin while a new
// binary runs.
func (p *process) pidPath() string {
	if p.newBin != 0 {
		return p.oldPID
	}
	return p.cfg.PID
}

package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"weir/internal/config"
)

// daemonEnv marks the re-executed daemon process; its value is the
// descriptor on which it reports that it started.
const daemonEnv = "WEIR_DAEMON_READY_FD"

// Start runs the server as the command line does (no -t, -s, -v): in the
// background when the configuration says "daemon on" (the default), in
// the foreground with "daemon off". It returns the exit status.
//
// Go cannot fork, so the daemon is the same program started again,
// detached in its own session with standard input and output on
// /dev/null. Its standard error is a pipe to the starting process, which
// copies everything to its own standard error — the warnings, and the
// "[emerg]" lines of a failed start — and exits 0 once the daemon says it
// is serving (sockets bound, pid file written), or 1 if it exits first.
// So a start fails visibly and with status 1, as nginx's does (nginx
// binds before it forks).
func Start(o Options) int {
	if _, ok := os.LookupEnv(daemonEnv); ok {
		os.Unsetenv(daemonEnv)
		return daemonChild(o)
	}
	// A new binary started by a binary upgrade stays in the foreground,
	// a child of the old one, as nginx's does (it skips ngx_daemon when
	// it inherited its sockets).
	if _, ok := os.LookupEnv(inheritEnv); ok {
		if err := run(context.Background(), o, false, true); err != nil {
			return 1
		}
		return 0
	}
	// A quiet look at "daemon": errors are reported by the process that
	// really starts.
	if cfg, err := config.Load(o.Config); err == nil && cfg.Daemon {
		return daemonize(o)
	}
	if err := run(context.Background(), o, false, true); err != nil {
		return 1
	}
	return 0
}

// daemonize starts the daemon and waits for its verdict.
func daemonize(o Options) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintf(o.stderr(), "%s: [alert] could not find the executable: %v\n", Name, err)
		return 1
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(o.stderr(), "%s: [emerg] open(\"/dev/null\") failed %v\n", Name, err)
		return 1
	}
	defer null.Close()
	readyR, readyW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(o.stderr(), "%s: [emerg] pipe() failed %v\n", Name, err)
		return 1
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(o.stderr(), "%s: [emerg] pipe() failed %v\n", Name, err)
		return 1
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.Env = append(os.Environ(), daemonEnv+"=3")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, errW
	cmd.ExtraFiles = []*os.File{readyW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	err = cmd.Start()
	readyW.Close()
	errW.Close()
	if err != nil {
		fmt.Fprintf(o.stderr(), "%s: [emerg] fork() failed %v\n", Name, err)
		return 1
	}
	copied := make(chan struct{})
	go func() {
		io.Copy(o.stderr(), errR)
		close(copied)
	}()
	var b [1]byte
	n, _ := readyR.Read(b[:])
	<-copied
	if n == 1 {
		// The daemon runs on; it is not waited for.
		cmd.Process.Release()
		return 0
	}
	cmd.Wait()
	return 1
}

// daemonChild is the daemon side: run, and report on descriptor 3 once
// serving. Standard error (the pipe) has been pointed at the error log
// or /dev/null by then, which ends the parent's copy.
func daemonChild(o Options) int {
	// Standard error is a pipe until the daemon is ready: if the starting
	// process goes away, a write to it must fail, not kill the daemon.
	signal.Ignore(syscall.SIGPIPE)
	ready := os.NewFile(3, "ready")
	o.Ready = func() {
		ready.Write([]byte{1})
		ready.Close()
	}
	err := run(context.Background(), o, true, true)
	if err != nil {
		return 1
	}
	return 0
}

package server

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"weir/internal/config"
	"weir/internal/errlog"
)

// Name is what weir prints where nginx prints "nginx: " before a message
// on standard error.
const Name = "weir"

// console is the log the process writes to while it starts, and later
// its current error log. It reproduces two pieces of nginx:
//
//   - ngx_log_init: before the configuration is read, messages go to the
//     file named by -e (default logs/error.log under the prefix; "stderr"
//     is standard error) at level notice; when that file cannot be opened,
//     nginx says so on standard error and falls back to it;
//   - ngx_log_error_core with ngx_use_stderr set: while starting, every
//     message of level warn or more severe is also printed to standard
//     error as "nginx: [LEVEL] MESSAGE", unless the log itself already
//     wrote the line there.
//
// Once the configured error logs are open (ngx_init_cycle switches
// cycle->log to them), they take over; once the process runs, nothing
// more goes to standard error (ngx_use_stderr = 0).
type console struct {
	mu        sync.Mutex
	stderr    io.Writer
	log       *errlog.Logger
	logStderr bool // log writes to standard error itself
	useStderr bool
}

// newConsole opens the start-up log as ngx_log_init does. prefix is -p
// as given ("" = the default); errorLog is -e ("" or "stderr" = standard
// error) when set.
func newConsole(stderr io.Writer, prefix, defPrefix string, errorLog string, errorLogSet bool, level errlog.Level) *console {
	c := &console{stderr: stderr, useStderr: true}
	name := "logs/error.log"
	if errorLogSet {
		name = errorLog
	}
	if name == "" || name == "stderr" {
		c.log, _ = errlog.New([]errlog.Sink{{Path: "stderr", Level: level}})
		c.logStderr = true
		return c
	}
	if !strings.HasPrefix(name, "/") {
		if prefix == "" {
			prefix = defPrefix
		}
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		name = prefix + name
	}
	l, err := errlog.New([]errlog.Sink{{Path: name, Level: level}})
	if err != nil {
		c.stderrf("[alert] could not open error log file: %s", err)
		l, _ = errlog.New([]errlog.Sink{{Path: "stderr", Level: level}})
		c.logStderr = true
	}
	c.log = l
	return c
}

// stderrf is ngx_log_stderr: "weir: MESSAGE" on standard error, always.
func (c *console) stderrf(format string, args ...any) {
	fmt.Fprintf(c.stderr, Name+": "+format+"\n", args...)
}

// Logf logs one message as ngx_log_error does in the master process.
func (c *console) Logf(lv errlog.Level, format string, args ...any) {
	c.Log(lv, fmt.Sprintf(format, args...))
}

// Log logs one message as ngx_log_error does in the master process.
func (c *console) Log(lv errlog.Level, msg string) {
	c.mu.Lock()
	l, toStderr := c.log, c.useStderr && !c.logStderr && lv <= errlog.Warn
	c.mu.Unlock()
	l.Log(lv, 0, msg)
	if toStderr {
		fmt.Fprintf(c.stderr, "%s: [%s] %s\n", Name, lv, msg)
	}
}

// Logger returns the current error log.
func (c *console) Logger() *errlog.Logger {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.log
}

// use makes l the log, as ngx_init_cycle makes the configured error logs
// the cycle's log, and returns the previous one for the caller to close.
// hasStderr tells whether l writes to standard error itself.
func (c *console) use(l *errlog.Logger, hasStderr bool) *errlog.Logger {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.log
	c.log, c.logStderr = l, hasStderr
	return old
}

// detach stops copying messages to standard error (ngx_use_stderr = 0).
func (c *console) detach() {
	c.mu.Lock()
	c.useStderr = false
	c.mu.Unlock()
}

// errorLogSinks converts the configuration's error_log list to errlog
// sinks; hasStderr tells whether one of them is standard error (the
// configuration refuses syslog: and memory: logs).
func errorLogSinks(logs []config.ErrorLog) (sinks []errlog.Sink, hasStderr bool) {
	for _, e := range logs {
		if e.Path == "stderr" {
			hasStderr = true
		}
	}
	return config.Sinks(logs), hasStderr
}

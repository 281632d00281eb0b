// Package server is the running weir process: it reads the
// configuration, opens the error logs, binds the listening sockets, writes
// the pid file, serves, and answers nginx's signals (HUP reload, QUIT
// graceful stop, TERM/INT fast stop, USR1 log reopening). It also holds
// the actions of the command line that need a configuration: -t/-T and -s.
//
// weir runs as one process. What nginx spreads over a master and its
// workers is kept here as generations: each configuration that is loaded
// gets its own httpd snapshot and httpcore.Server (nginx's worker), while
// the listening sockets belong to the process (nginx's master) and are
// handed from one generation to the next on reload, never closed and
// reopened. An old generation stops accepting, finishes its requests,
// closes its keep-alive connections, and only then releases its snapshot
// and logs, as an old nginx worker does.
package server

import (
	"io"
	"os"

	"weir/internal/config"
)

// Options is what the command line says to the server.
type Options struct {
	Config config.Options // -p, -c, -g

	// ErrorLog is -e when ErrorLogSet: the log used while starting, and
	// the error log of a configuration that names none. "" and "stderr"
	// mean standard error.
	ErrorLog    string
	ErrorLogSet bool

	Quiet bool // -q: no "syntax is ok" / "test is successful" lines
	Dump  bool // -T: print the configuration files after the test

	Stdout io.Writer // nil = os.Stdout
	Stderr io.Writer // nil = os.Stderr

	// Signals, when not nil, delivers the signals Run acts on instead of
	// the process's own (tests send to it); Run does not call
	// signal.Notify then.
	Signals chan os.Signal

	// Ready, when not nil, is called once every socket is bound and the
	// pid file is written, before Run starts serving.
	Ready func()
}

func (o *Options) stdout() io.Writer {
	if o.Stdout != nil {
		return o.Stdout
	}
	return os.Stdout
}

func (o *Options) stderr() io.Writer {
	if o.Stderr != nil {
		return o.Stderr
	}
	return os.Stderr
}

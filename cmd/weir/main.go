// Command weir is an nginx-compatible web server. Its command line is
// nginx's: the same options, parsed the same way, with the same messages
// and exit statuses; where nginx prints its own name before a message,
// weir prints "weir".
//
//	weir [-?hvVtTq] [-s signal] [-p prefix] [-e filename] [-c filename] [-g directives]
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	"weir/internal/config"
	"weir/internal/httpd"
	"weir/internal/ossl"
	"weir/internal/server"
)

func main() {
	os.Exit(weir(os.Args[1:], os.Stdout, os.Stderr))
}

// weir is nginx's main up to the point where it runs: options, version
// and help, -t/-T, -s, else start.
func weir(args []string, stdout, stderr io.Writer) int {
	o, err := parseOptions(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", server.Name, err)
		return 1
	}
	if o.version {
		showVersion(stderr, o)
		if !o.test {
			return 0
		}
	}
	so := server.Options{
		Config:      config.Options{Prefix: o.prefix, ConfFile: o.confFile, Globals: o.globals},
		ErrorLog:    o.errorLog,
		ErrorLogSet: o.errorLogSet,
		Quiet:       o.quiet,
		Dump:        o.dump,
		Stdout:      stdout,
		Stderr:      stderr,
	}
	if o.prefix == "" && o.prefixSet {
		// nginx takes -p "" as the current directory.
		so.Config.Prefix = "./"
	}
	switch {
	case o.test:
		return server.Test(so)
	case o.signal != "":
		return server.Signal(so, o.signal)
	}
	// The running server owns descriptor 2 (it points it at the error
	// log, as nginx does), so it gets no writer of ours.
	so.Stderr, so.Stdout = nil, nil
	if path := os.Getenv("WEIR_CPUPROFILE"); path != "" {
		// a developer's aid: a CPU profile of the whole run (the server
		// runs in the foreground for it)
		if f, err := os.Create(path); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer func() { pprof.StopCPUProfile(); f.Close() }()
			}
		}
	}
	return server.Start(so)
}

// version is nginx's NGINX_VER: tools match "nginx version: NAME/X.Y.Z".
const version = "nginx version: " + httpd.Name + "/" + httpd.Version

// showVersion is ngx_show_version_info.
func showVersion(w io.Writer, o *options) {
	var b strings.Builder
	b.WriteString(version + "\n")
	if o.help {
		b.WriteString(help())
	}
	if o.configure {
		// nginx names its TLS library here; weir's is Go's crypto/tls, with
		// libcrypto's RSA where the system has it (internal/ossl).
		b.WriteString("built with Go " + strings.TrimPrefix(runtime.Version(), "go") + " crypto/tls")
		if lib := ossl.Library(); lib != "" {
			b.WriteString(" (RSA keys with " + lib + ")")
		}
		b.WriteString("\n")
		if config.Known("ssl_certificate") {
			b.WriteString("TLS SNI support enabled\n")
		}
		b.WriteString("configure arguments:" + configureArgs() + "\n")
	}
	io.WriteString(w, b.String())
}

// help is nginx's usage text with weir's name and defaults.
func help() string {
	return "Usage: " + server.Name + " [-?hvVtTq] [-s signal] [-p prefix]\n" +
		"             [-e filename] [-c filename] [-g directives]\n\n" +
		"Options:\n" +
		"  -?,-h         : this help\n" +
		"  -v            : show version and exit\n" +
		"  -V            : show version and configure options then exit\n" +
		"  -t            : test configuration and exit\n" +
		"  -T            : test configuration, dump it and exit\n" +
		"  -q            : suppress non-error messages during configuration testing\n" +
		"  -s signal     : send signal to a master process: stop, quit, reopen, reload\n" +
		"  -p prefix     : set prefix path (default: " + config.DefaultPrefix + ")\n" +
		"  -e filename   : set error log file (default: logs/error.log)\n" +
		"  -c filename   : set configuration file (default: " + config.DefaultConf + ")\n" +
		"  -g directives : set global directives out of configuration file\n\n"
}

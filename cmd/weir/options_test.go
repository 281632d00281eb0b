package main

import (
	"reflect"
	"testing"
)

// TestParseOptions pins ngx_get_options's reading of the command line.
func TestParseOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want options
		err  string
	}{
		{name: "none", args: nil, want: options{}},
		{name: "combined flags", args: []string{"-tq"}, want: options{test: true, quiet: true}},
		{name: "dump", args: []string{"-T"}, want: options{test: true, dump: true}},
		{name: "help", args: []string{"-?"}, want: options{help: true, version: true}},
		{name: "configure", args: []string{"-V"}, want: options{version: true, configure: true}},
		{name: "value joined", args: []string{"-cfile.conf"}, want: options{confFile: "file.conf"}},
		{name: "value apart", args: []string{"-c", "file.conf"}, want: options{confFile: "file.conf"}},
		{name: "flags then value", args: []string{"-tc", "f"}, want: options{test: true, confFile: "f"}},
		{name: "value takes the rest", args: []string{"-ctq"}, want: options{confFile: "tq"}},
		{name: "value may look like an option", args: []string{"-c", "-t"}, want: options{confFile: "-t"}},
		{name: "empty value", args: []string{"-p", ""}, want: options{prefixSet: true}},
		{name: "prefix", args: []string{"-p/srv/"}, want: options{prefix: "/srv/", prefixSet: true}},
		{name: "error log", args: []string{"-e", "stderr"}, want: options{errorLog: "stderr", errorLogSet: true}},
		{name: "globals", args: []string{"-g", "daemon off;"}, want: options{globals: "daemon off;"}},
		{name: "signal", args: []string{"-s", "reload"}, want: options{signal: "reload"}},
		{name: "signal joined", args: []string{"-squit"}, want: options{signal: "quit"}},
		{name: "last wins", args: []string{"-c", "a", "-c", "b"}, want: options{confFile: "b"}},
		{name: "lone dash", args: []string{"-"}, want: options{}},
		{name: "bad signal", args: []string{"-s", "restart"}, err: `invalid option: "-s restart"`},
		{name: "bare word", args: []string{"stop"}, err: `invalid option: "stop"`},
		{name: "unknown", args: []string{"-tx"}, err: `invalid option: "x"`},
		{name: "high byte", args: []string{"-\xff"}, err: "invalid option: \"\xff\""},
		{name: "missing file", args: []string{"-t", "-c"}, err: `option "-c" requires file name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOptions(tt.args)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

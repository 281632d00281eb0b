// Package conf reads nginx configuration text into a lossless tree of
// statements, exactly as nginx's ngx_conf_read_token and ngx_conf_parse do.
// It knows nothing of what directives mean; internal/config gives them
// meaning. The comment at the top of parse.go lists which of nginx's
// configuration errors the parser reports and which the directive layer
// must report, and how to detect them from the tree.
package conf

import "fmt"

// Stmt is one statement: a directive name, its arguments (unquoted and
// unescaped as nginx does) and, for block directives, the statements inside
// the braces. Line is the line on which the statement's terminator (";" or
// "{") was read, which is the line nginx reports in its errors.
type Stmt struct {
	Name     string
	Args     []string
	Block    []*Stmt // statements inside the braces; nil for simple statements and empty blocks
	HasBlock bool    // the statement ended with "{"; the only reliable test for a block
	File     string  // file the statement was read from, as nginx names it
	Line     int     // line of the terminator; 0 for -g statements (File is "command line")
	// Include is the include statement whose file this statement was read
	// from; nil in the main file and the -g text. nginx reports some errors
	// of map entries read through an include at the include (their
	// handler logs with the configuration saved when the block began).
	Include *Stmt
	// EndLine is the line of the closing "}" of a block statement: nginx
	// reports checks made after a block is parsed ("no servers are inside
	// upstream") there. It is 0 for simple statements and for a block cut
	// off by a syntax error.
	EndLine int
	// Quoted records, per argument, whether it was written in quotes (it
	// began with '"' or '\''). nginx itself keeps no such record, so no
	// directive may behave differently on it; it is informational.
	Quoted []bool
}

// Error is a configuration error with nginx's position suffix.
type Error struct {
	Msg  string
	File string
	Line int
	// Level is the nginx log level the message is printed at: "" means
	// "emerg"; a failed read of an opened file is "crit", as in nginx.
	Level string
	// Late marks a message nginx logs only once the whole configuration
	// is read (a core module's init_conf, the creation of shared memory),
	// so that nginx -t has already printed "syntax is ok" before it.
	Late bool
}

// Error formats the message as nginx's ngx_conf_log_error does:
// "MESSAGE in FILE:LINE". An empty File means the error has no position
// (nginx prints none then); a File with a zero Line is the -g text, which
// nginx reports as "MESSAGE in command line".
func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line == 0:
		return e.Msg + " in " + e.File
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// Errorf returns an *Error positioned at s.
func Errorf(s *Stmt, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: s.File, Line: s.Line}
}

// ErrorfEnd returns an *Error positioned at the closing "}" of block
// statement s, where nginx reports checks it makes once a block is parsed.
func ErrorfEnd(s *Stmt, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: s.File, Line: s.EndLine}
}

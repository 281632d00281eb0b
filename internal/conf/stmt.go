// Package conf reads nginx configuration text into a lossless tree of
// statements, exactly as nginx's ngx_conf_read_token and ngx_conf_parse do.
// It knows nothing of what directives mean; internal/config gives them
// meaning.
package conf

import "fmt"

// Stmt is one statement: a directive name, its arguments (unquoted and
// unescaped as nginx does) and, for block directives, the statements inside
// the braces. Line is the line on which the statement's terminator (";" or
// "{") was read, which is the line nginx reports in its errors.
type Stmt struct {
	Name     string
	Args     []string
	Block    []*Stmt // nil for simple statements
	HasBlock bool    // the statement ended with "{"
	File     string  // file the statement was read from, as nginx names it
	Line     int
	// Quoted records, per argument, whether it was written in quotes;
	// some directives (if) care about the difference.
	Quoted []bool
	// Variable records, per word, whether it contained an unquoted or
	// quoted "$" (nginx's NGX_CONF_... complex value hint). Informational.
}

// Error is a configuration error with nginx's position suffix.
type Error struct {
	Msg  string
	File string
	Line int
}

// Error formats the message as nginx does: "MESSAGE in FILE:LINE". A zero
// Line means the error has no position (nginx prints none then).
func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return fmt.Sprintf("%s in %s:%d", e.Msg, e.File, e.Line)
}

// Errorf returns an *Error positioned at s.
func Errorf(s *Stmt, format string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(format, args...), File: s.File, Line: s.Line}
}

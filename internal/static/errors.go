package static

import (
	"weir/internal/errlog"

	"strconv"
	"syscall"
)

// OpenError is a failure nginx writes to the error log while it opens,
// lists or reads a file: the status the request ends with, the log level
// and the message text exactly as nginx prints it before the ", client:
// ..." context, which the caller appends.
type OpenError struct {
	Status int           // 404, 403, 500, 400 (bad jsonp callback)
	Level  errlog.Level  // errlog.Error, errlog.Crit, ...
	Errno  syscall.Errno // 0 when the message carries no "(N: text)" part
	Path   string        // the file the message names
	// NotFound is set for the open() failures that log_not_found
	// silences (ENOENT, ENOTDIR, ENAMETOOLONG in the static module).
	NotFound bool

	msg string
}

// Error returns the error-log text, for example
// `open() "/srv/a" failed (2: No such file or directory)`.
func (e *OpenError) Error() string { return e.msg }

// Logged reports whether nginx writes this error to the log given the
// location's log_not_found: ngx_http_static_handler logs every failure
// except a not-found open() when log_not_found is off.
func (e *OpenError) Logged(logNotFound bool) bool {
	return logNotFound || !e.NotFound
}

// syscallError builds the `OP "PATH" failed (N: strerror)` message of
// ngx_log_error with an errno.
func syscallError(status int, level errlog.Level, op, path string, errno syscall.Errno) *OpenError {
	msg := op + " \"" + path + "\" failed"
	if errno != 0 {
		msg += " (" + strconv.Itoa(int(errno)) + ": " + Strerror(errno) + ")"
	}
	return &OpenError{Status: status, Level: level, Errno: errno, Path: path, msg: msg}
}

// textError is a message without errno.
func textError(status int, level errlog.Level, path, msg string) *OpenError {
	return &OpenError{Status: status, Level: level, Path: path, msg: msg}
}

// Strerror returns errno's text as glibc's strerror(3) prints it, which is
// what nginx puts in its log lines; errlog owns the table.
func Strerror(errno syscall.Errno) string { return errlog.Strerror(errno) }

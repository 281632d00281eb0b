package static

import (
	"weir/internal/errlog"

	"strconv"
	"strings"
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
// what nginx puts in its log lines (Go's own table is lower case).
func Strerror(errno syscall.Errno) string {
	if s, ok := glibcErrors[errno]; ok {
		return s
	}
	s := errno.Error()
	if s == "" || strings.HasPrefix(s, "errno ") || s[0] < 'a' || s[0] > 'z' {
		return "Unknown error " + strconv.Itoa(int(errno))
	}
	return string(s[0]-'a'+'A') + s[1:]
}

var glibcErrors = map[syscall.Errno]string{
	syscall.EPERM:        "Operation not permitted",
	syscall.ENOENT:       "No such file or directory",
	syscall.EINTR:        "Interrupted system call",
	syscall.EIO:          "Input/output error",
	syscall.ENXIO:        "No such device or address",
	syscall.EBADF:        "Bad file descriptor",
	syscall.EAGAIN:       "Resource temporarily unavailable",
	syscall.ENOMEM:       "Cannot allocate memory",
	syscall.EACCES:       "Permission denied",
	syscall.EFAULT:       "Bad address",
	syscall.EBUSY:        "Device or resource busy",
	syscall.EEXIST:       "File exists",
	syscall.ENODEV:       "No such device",
	syscall.ENOTDIR:      "Not a directory",
	syscall.EISDIR:       "Is a directory",
	syscall.EINVAL:       "Invalid argument",
	syscall.ENFILE:       "Too many open files in system",
	syscall.EMFILE:       "Too many open files",
	syscall.ETXTBSY:      "Text file busy",
	syscall.EFBIG:        "File too large",
	syscall.ENOSPC:       "No space left on device",
	syscall.EROFS:        "Read-only file system",
	syscall.EMLINK:       "Too many links",
	syscall.ENAMETOOLONG: "File name too long",
	syscall.ELOOP:        "Too many levels of symbolic links",
	syscall.EOVERFLOW:    "Value too large for defined data type",
	syscall.ESTALE:       "Stale file handle",
	syscall.EDQUOT:       "Disk quota exceeded",
}

// Package errlog writes nginx's error log: the same line layout, levels,
// several sinks each with its own minimum level, and reopening on USR1.
//
// A line is
//
//	2026/11/21 05:50:57 [error] 1234#1234: *7 open() "/x" failed (2: No such file or directory), client: ...
//
// where nginx prints PID#TID of the worker. weir is one process with many
// goroutines and no worker threads to name, so the TID is the PID again:
// tools that split on '#' keep working.
package errlog

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Level is an nginx log level; lower is more severe.
type Level int

// The levels in nginx's order (NGX_LOG_EMERG .. NGX_LOG_DEBUG).
const (
	Emerg Level = iota
	Alert
	Crit
	Error
	Warn
	Notice
	Info
	Debug
)

// DefaultLevel is what "error_log FILE" without a level means.
const DefaultLevel = Error

var levelNames = [...]string{"emerg", "alert", "crit", "error", "warn", "notice", "info", "debug"}

// String returns the level as nginx prints it between brackets.
func (lv Level) String() string {
	if lv < 0 || int(lv) >= len(levelNames) {
		return "level(" + strconv.Itoa(int(lv)) + ")"
	}
	return levelNames[lv]
}

// ParseLevel parses an error_log level name.
func ParseLevel(s string) (Level, bool) {
	for i, n := range levelNames {
		if n == s {
			return Level(i), true
		}
	}
	return 0, false
}

// maxLine is NGX_MAX_ERROR_STR: nginx formats a line into a buffer of this
// size, newline included, and cuts what does not fit.
const maxLine = 2048

// Sink is one error_log directive: a file path, or "stderr", or a syslog
// target, and the least severe level it takes.
type Sink struct {
	Path   string
	Level  Level
	Syslog *Syslog // when set, Path is ignored
}

// Logger writes to a set of sinks. It is safe for concurrent use.
type Logger struct {
	sinks []sink
	// max is the least severe level any sink takes, so Enabled is one
	// comparison.
	max Level
	// prefix is "] PID#PID: ".
	prefix string
	// now is the clock; a field so tests can fix it.
	now func() time.Time
	// stamp caches the formatted time for the current second.
	stamp atomic.Pointer[stamp]
}

type sink struct {
	f     *file
	sl    *SyslogPeer
	level Level
}

type stamp struct {
	sec  int64
	text string
}

// New opens every sink's file (append, created 0644). Files are shared by
// path with every other Logger; a syslog sink gets its own peer. On error
// the files opened so far are released and the error reads as nginx's,
// e.g. open() "/x/error.log" failed (13: Permission denied).
//
// The sinks are kept most verbose first, the earlier of equals first, as
// ngx_log_insert chains them: that is the order a line is written in.
func New(sinks []Sink) (*Logger, error) {
	pid := strconv.Itoa(os.Getpid())
	l := &Logger{max: -1, prefix: "] " + pid + "#" + pid + ": ", now: time.Now}
	for _, s := range sinks {
		if s.Syslog != nil {
			l.sinks = append(l.sinks, sink{sl: NewSyslogPeer(s.Syslog), level: s.Level})
			l.max = max(l.max, s.Level)
			continue
		}
		f, err := acquire(s.Path)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.sinks = append(l.sinks, sink{f: f, level: s.Level})
		l.max = max(l.max, s.Level)
	}
	slices.SortStableFunc(l.sinks, func(a, b sink) int { return int(b.level) - int(a.level) })
	return l, nil
}

// Enabled reports whether any sink takes lv. Call it before building an
// expensive message; Log and Logf check it themselves.
func (l *Logger) Enabled(lv Level) bool { return l != nil && lv <= l.max }

// Log writes one line. conn is the connection number nginx prints as
// "*N "; 0 leaves it out, as for messages not tied to a connection.
func (l *Logger) Log(lv Level, conn uint64, msg string) {
	if !l.Enabled(lv) {
		return
	}
	bp := l.begin(lv, conn)
	*bp = append(*bp, msg...)
	l.finish(lv, bp)
}

// Logf is Log with a format; nothing is formatted when lv is disabled.
func (l *Logger) Logf(lv Level, conn uint64, format string, args ...any) {
	if !l.Enabled(lv) {
		return
	}
	bp := l.begin(lv, conn)
	*bp = fmt.Appendf(*bp, format, args...)
	l.finish(lv, bp)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// begin formats the line's head into a pooled buffer.
func (l *Logger) begin(lv Level, conn uint64) *[]byte {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], l.timestamp()...)
	b = append(b, " ["...)
	b = append(b, lv.String()...)
	b = append(b, l.prefix...)
	if conn != 0 {
		b = append(b, '*')
		b = strconv.AppendUint(b, conn, 10)
		b = append(b, ' ')
	}
	*bp = b
	return bp
}

// finish cuts the line to nginx's limit, ends it and writes it to every
// sink that takes lv, with one write call each so lines never interleave.
func (l *Logger) finish(lv Level, bp *[]byte) {
	b := *bp
	if len(b) > maxLine-1 {
		b = b[:maxLine-1]
	}
	b = append(b, '\n')
	for _, s := range l.sinks {
		switch {
		case lv > s.level:
		case s.sl != nil:
			s.sl.writeError(lv, b[:len(b)-1])
		default:
			s.f.write(b)
		}
	}
	if cap(b) <= 4*maxLine {
		*bp = b
		bufPool.Put(bp)
	}
}

// timestamp returns the local time as nginx's error log prints it,
// formatted once per second.
func (l *Logger) timestamp() string {
	now := l.now()
	sec := now.Unix()
	if st := l.stamp.Load(); st != nil && st.sec == sec {
		return st.text
	}
	st := &stamp{sec: sec, text: now.Format("2006/01/02 15:04:05")}
	l.stamp.Store(st)
	return st.text
}

// Reopen reopens every file sink, for log rotation on USR1. A line being
// written completes on the old file; the next goes to the new one. If a file
// cannot be opened its sink keeps the old one and the first error is
// returned.
func (l *Logger) Reopen() error {
	var first error
	for _, s := range l.sinks {
		if s.f == nil {
			continue // syslog: nothing to reopen
		}
		if err := s.f.reopen(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Close releases the logger's files; a file shared with another Logger
// stays open until that one closes too. Lines logged after Close are lost.
func (l *Logger) Close() error {
	var first error
	for _, s := range l.sinks {
		if s.sl != nil {
			s.sl.Close()
			continue
		}
		if err := release(s.f); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// SysError formats an error from a system call the way nginx's %E does
// with ngx_strerror: "(13: Permission denied)". Errors that carry no errno
// are printed as they are.
func SysError(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return "(" + err.Error() + ")"
	}
	return "(" + strconv.Itoa(int(errno)) + ": " + Strerror(errno) + ")"
}

// Strerror returns errno's text as glibc's strerror(3) prints it, which is
// what nginx puts in its log lines (Go's own table is lower case and words
// a few errors differently).
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

// ReopenAll reopens each logger (USR1) and returns the first failure.
func ReopenAll(ls []*Logger) error {
	var first error
	for _, l := range ls {
		if err := l.Reopen(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

package conf

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// maxOpenFiles bounds include nesting. nginx holds a descriptor for every
// file being parsed, so a file that includes itself ends when open() fails
// with EMFILE under the usual limit of 1024 descriptors (or overflows the
// stack under a high one); the parser stops at a fixed depth with the
// message nginx prints in the common case.
const maxOpenFiles = 1000

// FS is the file system the parser reads configuration files from.
type FS interface {
	// ReadFile returns the contents of the named file. An *fs.PathError
	// whose Op is "read" reports a file that opened but could not be read
	// (nginx's pread() failure); any other error is an open() failure.
	ReadFile(name string) ([]byte, error)
	// ReadDir, Lstat and Stat serve include's glob expansion.
	ReadDir(name string) ([]fs.DirEntry, error)
	Lstat(name string) (fs.FileInfo, error)
	Stat(name string) (fs.FileInfo, error)
}

// osFS is the operating system's file system.
type osFS struct{}

// ReadFile reads a file as ngx_conf_parse does: it takes the size from
// fstat and reads that many bytes, so a device or /proc file (size 0)
// reads as empty instead of never ending, and a directory fails to read.
func (osFS) ReadFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := fi.Size()
	if size <= 0 {
		return nil, nil
	}
	b := make([]byte, size)
	n, err := io.ReadFull(f, b)
	if err != nil && n == 0 {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, &fs.PathError{Op: "read", Path: name, Err: pe.Err}
		}
	}
	// A file that shrank since fstat: nginx fails such a read with
	// "pread() returned only N bytes", a race not worth reproducing.
	return b[:n], nil
}

func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (osFS) Lstat(name string) (fs.FileInfo, error)     { return os.Lstat(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }

// include expands a well-formed "include PATH;" statement into *dst, as
// ngx_conf_include does: the path is resolved against the conf prefix; a
// path with "*", "?" or "[" anywhere (the prefix included, as nginx tests
// the full name) is a glob whose matches are read in sorted order, and
// which may match nothing; any other path must open.
func (p *parser) include(s *Stmt, dst *[]*Stmt) error {
	name := fullName(p.opt.ConfPrefix, s.Args[0])
	if !strings.ContainsAny(name, "*?[") {
		return p.parseFile(name, s, dst)
	}
	for _, m := range glob(p.fs, name) {
		if err := p.parseFile(m, s, dst); err != nil {
			return err
		}
	}
	return nil
}

// parseFile reads the named file and parses it into *dst. at is the
// include statement that named it, where an open failure is reported, or
// nil for the main file, whose failure nginx reports without a position.
func (p *parser) parseFile(name string, at *Stmt, dst *[]*Stmt) error {
	if p.depth >= maxOpenFiles {
		return openError(name, at, syscall.EMFILE)
	}
	data, err := p.fs.ReadFile(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Op == "read" {
			return &Error{Msg: fmt.Sprintf(`pread() "%s" failed (%s)`, name, errnoText(err)), Level: "crit"}
		}
		return openError(name, at, err)
	}
	p.record(name, data)
	p.depth++
	defer func() { p.depth-- }()
	l := newLexer(name, string(data), false)
	l.include = at
	return p.parse(l, dst)
}

// openError is nginx's message for a failed open(), positioned at the
// include statement when there is one.
func openError(name string, at *Stmt, err error) *Error {
	e := &Error{Msg: fmt.Sprintf(`open() "%s" failed (%s)`, name, errnoText(err))}
	if at != nil {
		e.File, e.Line = at.File, at.Line
	}
	return e
}

// errnoText formats an error as ngx_log_errno does, "ERRNO: strerror",
// with glibc's capitalised wording (Go's is lower case).
func errnoText(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
	case errors.Is(err, fs.ErrNotExist):
		errno = syscall.ENOENT
	case errors.Is(err, fs.ErrPermission):
		errno = syscall.EACCES
	default:
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" && 'a' <= msg[0] && msg[0] <= 'z' {
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	return fmt.Sprintf("%d: %s", int(errno), msg)
}

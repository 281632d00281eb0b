// Package accesslog writes access-log lines to files, with nginx's
// access_log buffering: "access_log path [buffer=size] [flush=time]".
//
// It knows nothing of log_format: callers hand it finished lines. Files are
// opened once per path and parameters and shared by every Writer that names
// them, as nginx shares one open file (and its buffer) between access_log
// directives; Reopen rotates them all on USR1 and CloseAll flushes them on
// a graceful stop.
package accesslog

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strconv"
	"sync"
	"time"

	"weir/internal/errlog"
	"weir/internal/rawio"
)

// Writer writes lines to one access log. It is safe for concurrent use.
type Writer struct {
	f    *file
	once sync.Once
}

// file is one open log: its descriptor, buffer and flush timer, shared by
// every Writer opened with the same path, buffer and flush.
type file struct {
	key  key
	refs int // guarded by registryMu

	mu      sync.Mutex
	fd      *os.File
	regular bool   // fd is a regular file: written with raw system calls
	buf     []byte // pending lines; cap is the buffer size, 0 unbuffered
	timer   *time.Timer
	closed  bool
	err     error // first write error since the last Flush
}

// key identifies a shared file. nginx refuses two buffered access_log
// directives on one path with different buffer parameters inside one
// configuration ("access_log ... already defined with conflicting
// parameters", for the config package to check); across a reload the old and
// the new generation may differ, so they get separate entries, each
// appending whole lines to the file through its own O_APPEND descriptor.
// (nginx also lets an unbuffered directive on a buffered file use that
// buffer; here it keeps its own descriptor and writes at once.)
type key struct {
	path   string
	buffer int
	flush  time.Duration
	gzip   int // compression level, 0 for none
}

var (
	registryMu sync.Mutex
	registry   = map[key]*file{}
)

// Open returns a Writer for path. buffer is the buffer= size in bytes (0 for
// none) and flush the flush= time (0 for none: a buffer is then written only
// when full, on Flush, Reopen and Close, as in nginx). gzip is the gzip=
// level (0 for none): each write then goes out as one complete gzip member,
// as ngx_http_log_gzip does, so that "zcat" reads the file at any time. The
// file is opened for appending and created 0644 if needed; "/dev/stdout"
// and "/dev/stderr" are the process's own streams.
func Open(path string, buffer int, flush time.Duration, gzipLevel int) (*Writer, error) {
	if buffer < 0 {
		buffer = 0
	}
	if buffer == 0 {
		flush = 0
	}
	k := key{path, buffer, flush, gzipLevel}
	registryMu.Lock()
	defer registryMu.Unlock()
	if f, ok := registry[k]; ok {
		f.refs++
		return &Writer{f: f}, nil
	}
	fd, err := openFile(path)
	if err != nil {
		return nil, err
	}
	f := &file{key: k, refs: 1, fd: fd, regular: regularFile(fd)}
	if buffer > 0 {
		f.buf = make([]byte, 0, buffer)
	}
	registry[k] = f
	return &Writer{f: f}, nil
}

// openFile opens an access log as ngx_conf_open_file does.
func openFile(path string) (*os.File, error) {
	switch path {
	case "/dev/stdout":
		return os.Stdout, nil
	case "/dev/stderr":
		return os.Stderr, nil
	}
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, errors.New(`open() "` + path + `" failed ` + errlog.SysError(err))
	}
	return fd, nil
}

// isStd reports whether fd is one of the process's standard streams,
// which are never closed or reopened.
func isStd(fd *os.File) bool { return fd == os.Stdout || fd == os.Stderr }

// Write writes one complete line, trailing newline included. Without a
// buffer the line goes out in one write call. With one, lines collect until
// the next would not fit, then the buffer is written in one call (and a
// line larger than the whole buffer is written on its own); the flush timer
// starts when the first line enters an empty buffer. This is
// ngx_http_log_write. Write errors are kept for Flush to report.
func (w *Writer) Write(line []byte) {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	if cap(f.buf) == 0 {
		f.writeLocked(line)
		return
	}
	if len(line) > cap(f.buf)-len(f.buf) {
		f.flushLocked()
	}
	if len(line) <= cap(f.buf)-len(f.buf) {
		if len(f.buf) == 0 && f.key.flush > 0 {
			f.startTimer()
		}
		f.buf = append(f.buf, line...)
		return
	}
	f.writeLocked(line)
}

// startTimer arms the flush timer; f.mu is held.
func (f *file) startTimer() {
	if f.timer == nil {
		f.timer = time.AfterFunc(f.key.flush, f.timedFlush)
		return
	}
	f.timer.Reset(f.key.flush)
}

// timedFlush is the flush= timer firing.
func (f *file) timedFlush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.flushLocked()
	}
}

// flushLocked writes out the buffer; f.mu is held.
func (f *file) flushLocked() {
	if f.timer != nil {
		f.timer.Stop()
	}
	if len(f.buf) == 0 {
		return
	}
	f.writeLocked(f.buf)
	f.buf = f.buf[:0]
}

// writeLocked writes b with one write call; f.mu is held.
func (f *file) writeLocked(b []byte) {
	if f.key.gzip > 0 {
		var z bytes.Buffer
		zw, err := gzip.NewWriterLevel(&z, f.key.gzip)
		if err == nil {
			_, _ = zw.Write(b)
			err = zw.Close()
		}
		if err != nil {
			if f.err == nil {
				f.err = err
			}
			return
		}
		b = z.Bytes()
	}
	n, err := f.write(b)
	if err == nil && n != len(b) {
		err = errors.New(`write() to "` + f.key.path + `" was only partially written: ` + strconv.Itoa(n) + " of " + strconv.Itoa(len(b)))
	}
	if err != nil && f.err == nil {
		f.err = err
	}
}

// write writes b in one write call. To a regular file (the page cache)
// the call is a raw one (see package rawio): os.File's write tells the
// scheduler it may block, and the first such call after weir sat idle
// wakes the runtime's monitor thread, which then polls for a while, a
// cost at every request of a lightly loaded server. A pipe or a terminal
// (stdout, a FIFO) may block, and goes through os.File.
func (f *file) write(b []byte) (int, error) {
	if !f.regular {
		return f.fd.Write(b)
	}
	n, errno := rawio.Write(f.fd.Fd(), b)
	if errno != 0 {
		return n, &os.PathError{Op: "write", Path: f.fd.Name(), Err: errno}
	}
	return n, nil
}

// regularFile reports whether fd is a regular file (not stdout, a pipe,
// a terminal).
func regularFile(fd *os.File) bool {
	if isStd(fd) {
		return false
	}
	fi, err := fd.Stat()
	return err == nil && fi.Mode().IsRegular()
}

// Flush writes out the buffer and returns the first write error since the
// previous Flush, worded as nginx's `write() to "/x" failed (28: ...)`.
func (w *Writer) Flush() error {
	f := w.f
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.flushLocked()
	}
	return f.takeErr()
}

// takeErr returns and clears the pending write error; f.mu is held.
func (f *file) takeErr() error {
	err := f.err
	f.err = nil
	if err == nil {
		return nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return errors.New(`write() to "` + f.key.path + `" failed ` + errlog.SysError(pe.Err))
	}
	return err
}

// Close flushes the shared buffer, so that everything w wrote is in the
// file when it returns, and releases w; the file closes with its last
// Writer. Closing twice is harmless.
func (w *Writer) Close() error {
	var err error
	w.once.Do(func() { err = release(w.f) })
	return err
}

// release drops one reference, closing the file with the last.
func release(f *file) error {
	registryMu.Lock()
	f.refs--
	last := f.refs == 0
	if last && registry[f.key] == f {
		delete(registry, f.key)
	}
	registryMu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.flushLocked()
	err := f.takeErr()
	if last {
		f.closeLocked()
	}
	return err
}

// closeLocked closes the descriptor for good; f.mu is held.
func (f *file) closeLocked() {
	f.closed = true
	if f.timer != nil {
		f.timer.Stop()
	}
	if !isStd(f.fd) {
		f.fd.Close()
	}
}

// snapshot lists the open files.
func snapshot() []*file {
	registryMu.Lock()
	defer registryMu.Unlock()
	files := make([]*file, 0, len(registry))
	for _, f := range registry {
		files = append(files, f)
	}
	return files
}

// Reopen reopens every open access log, for log rotation on USR1: each
// buffer is flushed to the old file, then the path is opened anew and
// later lines go there. No line is lost or written twice. A file that
// cannot be reopened keeps its old descriptor; the first error is returned.
func Reopen() error {
	var first error
	for _, f := range snapshot() {
		if err := f.reopen(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (f *file) reopen() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || isStd(f.fd) {
		return nil
	}
	f.flushLocked()
	fd, err := openFile(f.key.path)
	if err != nil {
		return err
	}
	old := f.fd
	f.fd, f.regular = fd, regularFile(fd)
	old.Close()
	return nil
}

// CloseAll flushes and closes every open access log, for a graceful stop.
// Writers used afterwards drop their lines.
func CloseAll() error {
	registryMu.Lock()
	files := make([]*file, 0, len(registry))
	for k, f := range registry {
		files = append(files, f)
		delete(registry, k)
	}
	registryMu.Unlock()
	var first error
	for _, f := range files {
		f.mu.Lock()
		if !f.closed {
			f.flushLocked()
			if err := f.takeErr(); err != nil && first == nil {
				first = err
			}
			f.closeLocked()
		}
		f.mu.Unlock()
	}
	return first
}

package errlog

import (
	"os"
	"sync"
)

// file is one open log file shared by every Logger that names its path,
// so two error_log directives (or two reload generations) on the same file
// append through one descriptor instead of racing on two.
type file struct {
	path string
	refs int // guarded by registryMu

	// mu is held for reading while a line is written and for writing
	// while the descriptor is swapped, so a reopen never loses a line.
	mu sync.RWMutex
	f  *os.File
}

var (
	registryMu sync.Mutex
	registry   = map[string]*file{}
)

// stderrPath is the error_log name for standard error.
const stderrPath = "stderr"

// acquire returns the shared file for path, opening it on first use.
func acquire(path string) (*file, error) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if f, ok := registry[path]; ok {
		f.refs++
		return f, nil
	}
	fd, err := openLog(path)
	if err != nil {
		return nil, err
	}
	f := &file{path: path, refs: 1, f: fd}
	registry[path] = f
	return f, nil
}

// release drops one reference and closes the file with the last.
func release(f *file) error {
	registryMu.Lock()
	f.refs--
	last := f.refs == 0
	if last {
		delete(registry, f.path)
	}
	registryMu.Unlock()
	if !last || f.path == stderrPath {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.f.Close()
}

// openLog opens path as nginx opens logs: write-only, append, create 0644.
func openLog(path string) (*os.File, error) {
	if path == stderrPath {
		return os.Stderr, nil
	}
	fd, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, &OpenError{Path: path, Err: err}
	}
	return fd, nil
}

// OpenError is a failed open, worded as nginx's ngx_open_file_n error.
type OpenError struct {
	Path string
	Err  error
}

func (e *OpenError) Error() string {
	return `open() "` + e.Path + `" failed ` + SysError(e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }

// write writes one whole line. Errors are dropped: there is nowhere left
// to report a failing error log, and nginx does the same.
func (f *file) write(b []byte) {
	f.mu.RLock()
	f.f.Write(b)
	f.mu.RUnlock()
}

// reopen swaps in a fresh descriptor for the same path.
func (f *file) reopen() error {
	if f.path == stderrPath {
		return nil
	}
	fd, err := openLog(f.path)
	if err != nil {
		return err
	}
	f.mu.Lock()
	old := f.f
	f.f = fd
	f.mu.Unlock()
	return old.Close()
}

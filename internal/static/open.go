//go:build linux

package static

import (
	"io/fs"
	"os"
	"strings"
	"syscall"

	"weir/internal/errlog"
)

// Symlinks is the mode of the disable_symlinks directive.
type Symlinks uint8

// The disable_symlinks modes.
const (
	SymlinksOff        Symlinks = iota // follow symbolic links (default)
	SymlinksOn                         // refuse a symbolic link in any path component
	SymlinksIfNotOwner                 // refuse a link whose owner differs from its target's
)

// OpenOptions are the location settings that change how Open opens a
// file (the fields of ngx_open_file_info_t that ngx_http_static_handler
// sets).
type OpenOptions struct {
	// DisableSymlinks is disable_symlinks.
	DisableSymlinks Symlinks
	// SymlinksFrom is the evaluated from= parameter of disable_symlinks
	// (typically $document_root); components up to it are not checked.
	// "" checks every component.
	SymlinksFrom string
}

// Open opens the file a request maps to, as ngx_open_cached_file (without
// a cache) does for ngx_http_static_handler, and classifies failures the
// way that handler does:
//
//   - ENOENT, ENOTDIR, ENAMETOOLONG: 404 at "error" level, silenced by
//     log_not_found off (OpenError.Logged);
//   - EACCES, and EMLINK/ELOOP (a symbolic link refused by
//     disable_symlinks, or a link loop): 403 at "error" level;
//   - anything else: 500 at "crit" level;
//   - a file that is neither regular nor a directory (FIFO, device,
//     socket): 404 with `"PATH" is not a regular file` at "crit" level.
//
// A directory is opened, examined and closed again: Open then returns a
// nil file and a FileInfo whose IsDir is true, and the caller answers
// with the 301 redirect to the URI plus "/" (ngx_http_static_handler
// builds the Location from $uri, adding "?" and the arguments when there
// are any).
//
// The file is opened with O_NONBLOCK, as nginx does, so that a FIFO
// cannot block the server.
func Open(path string, opt OpenOptions) (*os.File, fs.FileInfo, *OpenError) {
	fd, op, errno := openPath(path, opt)
	if errno != 0 {
		return nil, nil, openFailure(op, path, errno)
	}
	fi := &fileInfo{name: baseName(path)}
	if err := fstat(fd, &fi.st); err != 0 {
		syscall.Close(fd)
		return nil, nil, syscallError(500, errlog.Crit, "fstat()", path, err)
	}
	if fi.IsDir() {
		syscall.Close(fd)
		return nil, fi, nil
	}
	if !fi.Mode().IsRegular() {
		syscall.Close(fd)
		return nil, nil, textError(404, errlog.Crit, path, "\""+path+"\" is not a regular file")
	}
	return os.NewFile(uintptr(fd), path), fi, nil
}

// OpenRaw opens path for reading as Open does (O_NONBLOCK, and with
// disable_symlinks the walk of every component) without examining what
// it opened or classifying a failure; op names the call that failed.
func OpenRaw(path string, opt OpenOptions) (*os.File, string, syscall.Errno) {
	fd, op, errno := openPath(path, opt)
	if errno != 0 {
		return nil, op, errno
	}
	return os.NewFile(uintptr(fd), path), "", 0
}

// StatPath is ngx_file_info_wrapper, the test of a path by try_files,
// index and "if (-f ...)": a plain stat(2) ("stat()" names the call that
// failed), or with disable_symlinks the walk Open makes, then fstat
// ("openat()" or "open()").
func StatPath(path string, opt OpenOptions) (fs.FileInfo, string, syscall.Errno) {
	if opt.DisableSymlinks == SymlinksOff {
		fi := &fileInfo{name: baseName(path)}
		if err := syscall.Stat(path, &fi.st); err != nil {
			return nil, "stat()", err.(syscall.Errno)
		}
		return fi, "", 0
	}
	fd, op, errno := openPath(path, opt)
	if errno != 0 {
		return nil, op, errno
	}
	defer syscall.Close(fd)
	fi := &fileInfo{name: baseName(path)}
	if errno := fstat(fd, &fi.st); errno != 0 {
		return nil, "fstat()", errno
	}
	return fi, "", 0
}

// openFailure maps an open error as ngx_http_static_handler does.
func openFailure(op, path string, errno syscall.Errno) *OpenError {
	switch errno {
	case syscall.ENOENT, syscall.ENOTDIR, syscall.ENAMETOOLONG:
		e := syscallError(404, errlog.Error, op, path, errno)
		e.NotFound = true
		return e
	case syscall.EACCES, syscall.EMLINK, syscall.ELOOP:
		return syscallError(403, errlog.Error, op, path, errno)
	}
	return syscallError(500, errlog.Crit, op, path, errno)
}

// openPath opens path read-only and returns the descriptor, or the name
// of the failed call and its errno.
func openPath(path string, opt OpenOptions) (int, string, syscall.Errno) {
	mode, from := opt.DisableSymlinks, 0
	if mode != SymlinksOff && opt.SymlinksFrom != "" {
		mode, from = symlinksFrom(path, opt.SymlinksFrom, mode)
	}
	if mode == SymlinksOff {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if err != nil {
			return -1, "open()", err.(syscall.Errno)
		}
		return fd, "", 0
	}
	return openNoSymlinks(path, mode, from)
}

// symlinksFrom applies the from= part of disable_symlinks as
// ngx_http_set_disable_symlinks does: it returns the mode (off when from
// is the whole path) and how many leading bytes of path need no check.
func symlinksFrom(path, from string, mode Symlinks) (Symlinks, int) {
	if len(from) > len(path) || !strings.HasPrefix(path, from) {
		return mode, 0
	}
	if len(from) == len(path) {
		return SymlinksOff, 0
	}
	if path[len(from)] == '/' {
		return mode, len(from)
	}
	if path[len(from)-1] == '/' {
		return mode, len(from) - 1
	}
	return mode, 0
}

// openNoSymlinks walks path one component at a time with openat(2) as
// ngx_open_file_wrapper does for disable_symlinks: directories are opened
// with O_PATH|O_DIRECTORY (and O_NOFOLLOW in "on" mode), the last
// component with O_NOFOLLOW, so that the kernel refuses every link with
// ELOOP (or ENOTDIR for a linked directory); in "if_not_owner" mode a
// component is refused with ELOOP when the owner of what was opened
// differs from the owner of the name itself.
func openNoSymlinks(path string, mode Symlinks, from int) (int, string, syscall.Errno) {
	const search = oPath | syscall.O_RDONLY | syscall.O_DIRECTORY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	const file = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC

	at := -1 // -1: the current directory
	p := 0
	switch {
	case from > 0:
		fd, err := syscall.Open(path[:from], search, 0)
		if err != nil {
			return -1, "open()", err.(syscall.Errno)
		}
		at, p = fd, from+1
	case strings.HasPrefix(path, "/"):
		fd, err := syscall.Open("/", search, 0)
		if err != nil {
			return -1, "openat()", err.(syscall.Errno)
		}
		at, p = fd, 1
	}
	defer func() {
		if at >= 0 {
			syscall.Close(at)
		}
	}()

	for {
		i := strings.IndexByte(path[p:], '/')
		if i < 0 {
			break
		}
		if i == 0 {
			p++
			continue
		}
		name := path[p : p+i]
		var fd int
		var errno syscall.Errno
		if mode == SymlinksIfNotOwner {
			fd, errno = openatOwner(at, name, search)
		} else {
			fd, errno = openat(at, name, search|syscall.O_NOFOLLOW)
		}
		if errno != 0 {
			return -1, "openat()", errno
		}
		if at >= 0 {
			syscall.Close(at)
		}
		at = fd
		p += i + 1
	}

	var fd int
	var errno syscall.Errno
	switch {
	case p == len(path):
		// A trailing slash: reopen the directory itself.
		fd, errno = openat(at, ".", file)
	case mode == SymlinksIfNotOwner:
		fd, errno = openatOwner(at, path[p:], file)
	default:
		fd, errno = openat(at, path[p:], file|syscall.O_NOFOLLOW)
	}
	if errno != 0 {
		return -1, "openat()", errno
	}
	return fd, "", 0
}

func openat(at int, name string, flags int) (int, syscall.Errno) {
	if at < 0 {
		at = atFDCWD
	}
	fd, err := syscall.Openat(at, name, flags, 0)
	if err != nil {
		return -1, err.(syscall.Errno)
	}
	return fd, 0
}

// openatOwner opens name and checks that the name (not followed) and the
// object opened have the same owner, as ngx_openat_file_owner does; the
// name's own status is taken through an O_PATH|O_NOFOLLOW descriptor,
// which equals fstatat(AT_SYMLINK_NOFOLLOW).
func openatOwner(at int, name string, flags int) (int, syscall.Errno) {
	fd, errno := openat(at, name, flags)
	if errno != 0 {
		return -1, errno
	}
	var fi, atfi syscall.Stat_t
	lfd, errno := openat(at, name, oPath|syscall.O_NOFOLLOW|syscall.O_CLOEXEC)
	if errno == 0 {
		errno = fstat(lfd, &atfi)
		syscall.Close(lfd)
	}
	if errno == 0 {
		errno = fstat(fd, &fi)
	}
	if errno == 0 && fi.Uid != atfi.Uid {
		errno = syscall.ELOOP
	}
	if errno != 0 {
		syscall.Close(fd)
		return -1, errno
	}
	return fd, 0
}

func fstat(fd int, st *syscall.Stat_t) syscall.Errno {
	if err := syscall.Fstat(fd, st); err != nil {
		return err.(syscall.Errno)
	}
	return 0
}

func baseName(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

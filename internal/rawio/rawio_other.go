//go:build !linux

package rawio

import "syscall"

// retry makes f again after EINTR and returns its count or its error.
func retry(f func() (int, error)) (int, syscall.Errno) {
	for {
		n, err := f()
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err.(syscall.Errno)
		}
		return n, 0
	}
}

// Read reads from the non-blocking socket fd (see the Linux version).
func Read(fd uintptr, p []byte) (int, syscall.Errno) {
	return retry(func() (int, error) { return syscall.Read(int(fd), p) })
}

// Write writes to the non-blocking socket fd what it takes of p now.
func Write(fd uintptr, p []byte) (int, syscall.Errno) {
	return retry(func() (int, error) { return syscall.Write(int(fd), p) })
}

// Quiet cannot look at the socket on this system: it is taken as quiet.
func Quiet(fd uintptr) bool { return true }

// Writev writes to the non-blocking socket fd what it takes now of the
// first non-empty buffer of bufs (no writev here).
func Writev(fd uintptr, bufs [][]byte) (int, syscall.Errno) {
	for _, b := range bufs {
		if len(b) > 0 {
			return Write(fd, b)
		}
	}
	return 0, 0
}

//go:build linux

package rawio

import (
	"syscall"
	"unsafe"
)

type syscallFunc func(trap, a1, a2, a3 uintptr) (r1, r2 uintptr, err syscall.Errno)

// call makes the system call with call, again after EINTR, and returns
// its count or its error.
func call(f syscallFunc, trap, a1, a2, a3 uintptr) (int, syscall.Errno) {
	for {
		n, _, errno := f(trap, a1, a2, a3)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return 0, errno
		}
		return int(n), 0
	}
}

// sized is the raw call for size bytes, the full one for large copies.
func sized(size int) syscallFunc {
	if size > rawMax {
		return syscall.Syscall
	}
	return syscall.RawSyscall
}

// Read reads from the non-blocking socket fd. It returns n > 0 with
// errno 0, n == 0 with errno 0 at the end of the stream, or the error
// (EAGAIN when nothing is there; EINTR is retried).
func Read(fd uintptr, p []byte) (int, syscall.Errno) {
	return call(syscall.RawSyscall, syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
}

// Write writes to the non-blocking socket fd what it takes of p now.
func Write(fd uintptr, p []byte) (int, syscall.Errno) {
	return call(sized(len(p)), syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
}

// Writev writes to the non-blocking socket fd what it takes now of the
// first eight non-empty buffers of bufs, in one writev.
func Writev(fd uintptr, bufs [][]byte) (int, syscall.Errno) {
	var iov [8]syscall.Iovec
	k, total := 0, 0
	for _, b := range bufs {
		if k == len(iov) {
			break
		}
		if len(b) > 0 {
			iov[k].Base = &b[0]
			iov[k].SetLen(len(b))
			total += len(b)
			k++
		}
	}
	if k == 0 {
		return 0, 0
	}
	return call(sized(total), syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
}

// Quiet reports whether the socket fd has nothing to read and no end of
// stream or error pending: a non-blocking peek finds EAGAIN.
func Quiet(fd uintptr) bool {
	var b [1]byte
	_, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno == syscall.EAGAIN
}

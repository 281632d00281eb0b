//go:build linux

package rawio

import (
	"os"
	"sync"
	"syscall"
	"time"
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

// EpollWait takes the events ready on the epoll instance epfd, without
// waiting (a timeout of 0): the caller waits for epfd itself to become
// readable in the Go poller.
func EpollWait(epfd int, events []syscall.EpollEvent) (int, syscall.Errno) {
	if len(events) == 0 {
		return 0, 0
	}
	for {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])),
			uintptr(len(events)), 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		return int(n), errno
	}
}

// Connect starts connecting the non-blocking socket fd to sa, an
// *syscall.SockaddrInet4, *SockaddrInet6 or *SockaddrUnix (EINVAL for
// others). EINPROGRESS means the handshake is under way.
func Connect(fd int, sa syscall.Sockaddr) syscall.Errno {
	var buf [syscall.SizeofSockaddrUnix]byte
	var n uintptr
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		r := (*syscall.RawSockaddrInet4)(unsafe.Pointer(&buf[0]))
		r.Family = syscall.AF_INET
		p := (*[2]byte)(unsafe.Pointer(&r.Port))
		p[0], p[1] = byte(a.Port>>8), byte(a.Port)
		r.Addr = a.Addr
		n = syscall.SizeofSockaddrInet4
	case *syscall.SockaddrInet6:
		r := (*syscall.RawSockaddrInet6)(unsafe.Pointer(&buf[0]))
		r.Family = syscall.AF_INET6
		p := (*[2]byte)(unsafe.Pointer(&r.Port))
		p[0], p[1] = byte(a.Port>>8), byte(a.Port)
		r.Scope_id = a.ZoneId
		r.Addr = a.Addr
		n = syscall.SizeofSockaddrInet6
	case *syscall.SockaddrUnix:
		r := (*syscall.RawSockaddrUnix)(unsafe.Pointer(&buf[0]))
		if len(a.Name) == 0 || len(a.Name) >= len(r.Path) {
			return syscall.EINVAL
		}
		r.Family = syscall.AF_UNIX
		for i := 0; i < len(a.Name); i++ {
			r.Path[i] = int8(a.Name[i])
		}
		n = uintptr(2 + len(a.Name) + 1)
		if a.Name[0] == '@' {
			r.Path[0] = 0 // abstract socket
			n--
		}
	default:
		return syscall.EINVAL
	}
	for {
		_, _, errno := syscall.RawSyscall(syscall.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), n)
		if errno != syscall.EINTR {
			return errno
		}
	}
}

// SocketError reads and clears the socket's pending error (SO_ERROR).
func SocketError(fd int) syscall.Errno {
	var v int32
	l := uint32(4)
	_, _, errno := syscall.RawSyscall6(syscall.SYS_GETSOCKOPT, uintptr(fd), syscall.SOL_SOCKET, syscall.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&l)), 0)
	if errno != 0 {
		return errno
	}
	return syscall.Errno(v)
}

// Close closes fd. Closing a socket does not wait (no SO_LINGER is set
// on the sockets weir makes).
func Close(fd int) syscall.Errno {
	_, _, errno := syscall.RawSyscall(syscall.SYS_CLOSE, uintptr(fd), 0, 0)
	return errno
}

// Epoll is an epoll instance that is itself waited for in the Go poller
// (an epoll descriptor is readable while events are ready), so that the
// goroutine waiting for it holds no thread and no P, and takes its
// events without a system call that tells the scheduler it may block.
type Epoll struct {
	Fd   int
	file *os.File // keeps the descriptor in the Go poller
	rc   syscall.RawConn
}

// NewEpoll makes an instance.
func NewEpoll() (*Epoll, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	e := &Epoll{Fd: fd, file: os.NewFile(uintptr(fd), "epoll")}
	if e.rc, err = e.file.SyscallConn(); err != nil {
		e.file.Close()
		return nil, err
	}
	return e, nil
}

// Wait waits until events are ready, or the deadline set by
// SetDeadline passes (os.ErrDeadlineExceeded), and takes up to
// len(events) of them.
func (e *Epoll) Wait(events []syscall.EpollEvent) (int, error) {
	var n int
	var errno syscall.Errno
	if err := e.rc.Read(func(fd uintptr) bool {
		n, errno = EpollWait(int(fd), events)
		return n > 0 || errno != 0
	}); err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, errno
	}
	return n, nil
}

// SetDeadline bounds the waits of Wait.
func (e *Epoll) SetDeadline(t time.Time) error { return e.file.SetReadDeadline(t) }

// Registrations maps the data of epoll registrations to what was
// registered. The data is a slot and a generation (an event's Fd and Pad),
// not a pointer, so that an event for a slot freed and taken again is
// recognised as stale. Safe for concurrent use.
type Registrations[T comparable] struct {
	mu    sync.Mutex
	slots []registration[T]
	free  []uint32
}

type registration[T comparable] struct {
	v   T
	gen uint32
}

// Add takes a slot for v and returns it with its generation.
func (r *Registrations[T]) Add(v T) (slot, gen uint32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.free); n > 0 {
		slot = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		slot = uint32(len(r.slots))
		r.slots = append(r.slots, registration[T]{})
	}
	r.slots[slot].v = v
	r.slots[slot].gen++
	return slot, r.slots[slot].gen
}

// Lookup returns what holds slot in generation gen, or the zero T.
func (r *Registrations[T]) Lookup(slot, gen uint32) T {
	r.mu.Lock()
	defer r.mu.Unlock()
	if int(slot) < len(r.slots) && r.slots[slot].gen == gen {
		return r.slots[slot].v
	}
	var zero T
	return zero
}

// Remove frees slot if v still holds it.
func (r *Registrations[T]) Remove(slot uint32, v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var zero T
	if int(slot) < len(r.slots) && r.slots[slot].v == v {
		r.slots[slot].v = zero
		r.free = append(r.free, slot)
	}
}

package httpcore

import (
	"sync"
	"syscall"
)

// The poller watches idle keep-alive connections whose goroutine has
// ended: one epoll instance and one goroutine for the whole process, like
// the Go runtime's own netpoller. A parked connection costs its socket
// and the small conn struct, no goroutine stack and no buffer (nginx
// keeps idle connections for under 1 KiB the same way). Registrations are
// one-shot: an event hands the connection back to a new goroutine.
//
// The epoll data of a registration is a slot index and a generation, not
// a pointer, so that a stale event for a reused slot is recognised.

type poller struct {
	once  sync.Once
	epfd  int
	err   error
	mu    sync.Mutex
	slots []pollSlot
	free  []uint32
}

type pollSlot struct {
	c   *conn
	gen uint32
}

var thePoller poller

// testHookWake, when set, may veto the wake-up of a parked connection.
var testHookWake func(*conn) bool

func (p *poller) init() {
	p.epfd, p.err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if p.err != nil {
		return
	}
	go p.loop()
}

func pollerAvailable() bool {
	thePoller.once.Do(thePoller.init)
	return thePoller.err == nil
}

// pollerArm registers c (held under c.mu) for one readiness event.
func pollerArm(c *conn) bool {
	p := &thePoller
	if c.fd < 0 {
		return false
	}
	if !c.polled {
		p.mu.Lock()
		var slot uint32
		if n := len(p.free); n > 0 {
			slot = p.free[n-1]
			p.free = p.free[:n-1]
		} else {
			slot = uint32(len(p.slots))
			p.slots = append(p.slots, pollSlot{})
		}
		p.slots[slot].c = c
		p.slots[slot].gen++
		c.slot, c.gen = slot, p.slots[slot].gen
		p.mu.Unlock()
	}
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT,
		Fd:     int32(c.slot),
		Pad:    int32(c.gen),
	}
	op := syscall.EPOLL_CTL_MOD
	if !c.polled {
		op = syscall.EPOLL_CTL_ADD
	}
	if err := syscall.EpollCtl(p.epfd, op, c.fd, &ev); err != nil {
		if !c.polled {
			pollerFree(c)
		}
		return false
	}
	c.polled = true
	return true
}

// pollerDel removes c (held under c.mu) before its socket is closed.
func pollerDel(c *conn) {
	p := &thePoller
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, c.fd, nil)
	pollerFree(c)
}

func pollerFree(c *conn) {
	p := &thePoller
	p.mu.Lock()
	if int(c.slot) < len(p.slots) && p.slots[c.slot].c == c {
		p.slots[c.slot].c = nil
		p.free = append(p.free, c.slot)
	}
	p.mu.Unlock()
}

func (p *poller) loop() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return
		}
		for i := 0; i < n; i++ {
			slot, gen := uint32(events[i].Fd), uint32(events[i].Pad)
			p.mu.Lock()
			var c *conn
			if int(slot) < len(p.slots) && p.slots[slot].gen == gen {
				c = p.slots[slot].c
			}
			p.mu.Unlock()
			if c != nil && (testHookWake == nil || testHookWake(c)) {
				c.wake()
			}
		}
	}
}

const msgMore = syscall.MSG_MORE

// sendfile sends n bytes of f at off with sendfile(2), waiting in the Go
// netpoller when the socket is full. handled is false when sendfile is
// not possible and nothing was sent.
func (c *conn) sendfile(f interface {
	SyscallConn() (syscall.RawConn, error)
}, off, n int64, timeout timeDuration) (written int64, err error, handled bool) {
	fc, ferr := f.SyscallConn()
	if ferr != nil {
		return 0, nil, false
	}
	c.setWriteDeadline(roundUp(nanotime() + int64(timeout)))
	var serr error
	handled = true
	cerr := fc.Control(func(ffd uintptr) {
		serr = c.rc.Write(func(sfd uintptr) bool {
			for written < n {
				chunk := n - written
				if chunk > 1<<30 {
					chunk = 1 << 30
				}
				o := off + written
				m, e := syscall.Sendfile(int(sfd), int(ffd), &o, int(chunk))
				if m > 0 {
					written += int64(m)
				}
				switch e {
				case nil:
					if m == 0 {
						err = errShortFile
						return true
					}
				case syscall.EINTR:
				case syscall.EAGAIN:
					return false
				case syscall.EINVAL, syscall.ENOSYS:
					if written == 0 {
						handled = false
					}
					return true
				default:
					err = e
					return true
				}
			}
			return true
		})
	})
	if err == nil {
		err = serr
	}
	if err == nil {
		err = cerr
	}
	if !handled {
		err = nil
	}
	return written, err, handled
}

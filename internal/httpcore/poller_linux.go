package httpcore

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"weir/internal/rawio"
)

// The poller watches idle keep-alive connections whose goroutine has
// ended: one epoll instance and one goroutine for the whole process, like
// the Go runtime's own netpoller. A parked connection costs its socket
// and the small conn struct, no goroutine stack and no buffer (nginx
// keeps idle connections for under 1 KiB the same way). Registrations are
// one-shot: an event hands the connection back to a new goroutine.
type poller struct {
	once sync.Once
	err  error
	ep   *rawio.Epoll
	regs rawio.Registrations[*conn]

	// The timer wheel for the idle deadlines of parked connections:
	// wheelSlots lists of connections by tick of wheelTick. A deadline
	// beyond the wheel waits in the last reachable slot and is put back
	// when that slot comes round. Guarded by mu; a connection's own
	// fields are changed under its mu, which is taken first.
	mu      sync.Mutex
	wheel   [wheelSlots]*conn
	tick    int64 // the last tick processed
	ntimers int
}

const (
	wheelTick  = int64(50 * time.Millisecond)
	wheelSlots = 2048
)

var thePoller poller

// testHookWake, when set (by tests), may veto the wake-up of a parked
// connection.
var testHookWake atomic.Pointer[func(*conn) bool]

func setWakeHook(f func(*conn) bool) {
	if f == nil {
		testHookWake.Store(nil)
		return
	}
	testHookWake.Store(&f)
}

func (p *poller) init() {
	// The loop waits for the epoll instance in the Go netpoller, not in
	// a blocking epoll_wait: a goroutine blocked in a system call keeps
	// its P until the runtime's monitor takes it back, up to 10 ms later,
	// which left a CPU idle under load (a third of the time with
	// GOMAXPROCS=1).
	if p.ep, p.err = rawio.NewEpoll(); p.err == nil {
		go p.loop()
	}
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
		c.slot, c.gen = p.regs.Add(c)
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
	if err := syscall.EpollCtl(p.ep.Fd, op, int(c.fd), &ev); err != nil {
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
	syscall.EpollCtl(p.ep.Fd, syscall.EPOLL_CTL_DEL, int(c.fd), nil)
	pollerFree(c)
}

func pollerFree(c *conn) { thePoller.regs.Remove(c.slot, c) }

func (p *poller) loop() {
	events := make([]syscall.EpollEvent, 128)
	var expired []*conn
	var next int64 // when the wheel runs next
	for {
		// wake up every tick to run the wheel (a few microseconds)
		if now := nanotime(); now >= next {
			expired = p.expire(expired[:0])
			for i, c := range expired {
				c.onIdleTimer()
				expired[i] = nil
			}
			next = now + wheelTick
			p.ep.SetDeadline(time.Unix(0, next))
		}
		n, err := p.ep.Wait(events)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		if err != nil {
			return
		}
		for i := 0; i < n; i++ {
			c := p.regs.Lookup(uint32(events[i].Fd), uint32(events[i].Pad))
			if hook := testHookWake.Load(); c != nil && (hook == nil || (*hook)(c)) {
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

// timerAdd puts the parked connection c (held under c.mu) on the wheel
// at its idle deadline.
func timerAdd(c *conn) {
	p := &thePoller
	p.mu.Lock()
	defer p.mu.Unlock()
	if c.tslot >= 0 {
		p.unlink(c)
	}
	now := nanotime() / wheelTick
	if p.ntimers == 0 || p.tick == 0 {
		p.tick = now
	}
	t := (c.idleDeadline + wheelTick - 1) / wheelTick
	if t <= p.tick {
		t = p.tick + 1
	}
	if t > p.tick+wheelSlots-1 {
		t = p.tick + wheelSlots - 1
	}
	slot := int32(t % wheelSlots)
	c.tslot = slot
	c.tprev = nil
	c.tnext = p.wheel[slot]
	if c.tnext != nil {
		c.tnext.tprev = c
	}
	p.wheel[slot] = c
	p.ntimers++
}

// timerDel takes c (held under c.mu) off the wheel.
func timerDel(c *conn) {
	p := &thePoller
	p.mu.Lock()
	if c.tslot >= 0 {
		p.unlink(c)
	}
	p.mu.Unlock()
}

func (p *poller) unlink(c *conn) {
	if c.tprev != nil {
		c.tprev.tnext = c.tnext
	} else {
		p.wheel[c.tslot] = c.tnext
	}
	if c.tnext != nil {
		c.tnext.tprev = c.tprev
	}
	c.tprev, c.tnext = nil, nil
	c.tslot = -1
	p.ntimers--
}

// expire takes the connections whose slot has come round off the wheel
// and appends them to out; their deadlines are checked by onIdleTimer,
// which puts back those that are not due.
func (p *poller) expire(out []*conn) []*conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := nanotime() / wheelTick
	if p.ntimers == 0 {
		p.tick = now
		return out
	}
	for p.tick < now {
		p.tick++
		slot := int32(p.tick % wheelSlots)
		for c := p.wheel[slot]; c != nil; {
			next := c.tnext
			p.unlink(c)
			out = append(out, c)
			c = next
		}
	}
	return out
}

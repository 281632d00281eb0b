//go:build linux

package upstream

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"weir/internal/rawio"
)

// The sockets Dial makes are driven by an epoll instance of weir's own,
// not by the Go poller through an *os.File. Making an *os.File asks the
// socket's flags (fcntl) and closing one unregisters it (epoll_ctl) and
// closes it, all system calls that tell the Go scheduler they may block;
// the first of those after the process sat idle wakes the runtime's
// monitor thread, which then polls every 20 µs for a while. With a
// connection per request (FastCGI's default) that cost a fifth of weir's
// CPU at one client. Here every system call of a connection's life is a
// raw one: socket, connect, epoll_ctl, reads, writes and close. The
// instance itself is waited for in the Go poller (an epoll fd is readable
// while events are ready), by one goroutine that hands each socket's
// readiness to the goroutine waiting for it.

type epPoller struct {
	once sync.Once
	err  error
	ep   *rawio.Epoll
	regs rawio.Registrations[*epFD]
}

var upPoller epPoller

func (p *epPoller) init() {
	if p.ep, p.err = rawio.NewEpoll(); p.err == nil {
		go p.loop()
	}
}

func (p *epPoller) loop() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := p.ep.Wait(events)
		if err != nil {
			return // the instance failed: nothing weir does closes it
		}
		for i := 0; i < n; i++ {
			ev := &events[i]
			f := p.regs.Lookup(uint32(ev.Fd), uint32(ev.Pad))
			if f == nil {
				continue
			}
			if ev.Events&(syscall.EPOLLIN|syscall.EPOLLRDHUP|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				notify(f.rch)
			}
			if ev.Events&(syscall.EPOLLOUT|syscall.EPOLLHUP|syscall.EPOLLERR) != 0 {
				notify(f.wch)
			}
		}
	}
}

// notify leaves a token in ch unless one is there already.
func notify(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// register adds fd to the instance, edge-triggered for both directions.
func (p *epPoller) register(fd int) (*epFD, error) {
	if p.once.Do(p.init); p.err != nil {
		return nil, p.err
	}
	f := &epFD{fd: fd, refs: 1, rch: make(chan struct{}, 1), wch: make(chan struct{}, 1)}
	f.slot, f.gen = p.regs.Add(f)
	ev := syscall.EpollEvent{
		Events: syscall.EPOLLIN | syscall.EPOLLOUT | syscall.EPOLLRDHUP | -syscall.EPOLLET,
		Fd:     int32(f.slot),
		Pad:    int32(f.gen),
	}
	if err := syscall.EpollCtl(p.ep.Fd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.regs.Remove(f.slot, f)
		return nil, err
	}
	return f, nil
}

// epFD is a socket in the instance. Its operations hold a reference, so
// that the descriptor is closed only once none runs on it any more (a
// Close from another goroutine wakes them and they end with
// net.ErrClosed).
type epFD struct {
	fd        int
	slot, gen uint32
	rch, wch  chan struct{} // readiness tokens
	rtm, wtm  *time.Timer   // reused for the waits with a deadline
	mu        sync.Mutex
	refs      int
	closing   bool
	rdl, wdl  time.Time // deadlines; zero = none
}

func (f *epFD) incref() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closing {
		return false
	}
	f.refs++
	return true
}

func (f *epFD) decref() {
	f.mu.Lock()
	f.refs--
	last := f.refs == 0
	f.mu.Unlock()
	if last {
		// closing the descriptor takes it out of the epoll instance
		rawio.Close(f.fd)
		upPoller.regs.Remove(f.slot, f)
	}
}

func (f *epFD) close() error {
	f.mu.Lock()
	if f.closing {
		f.mu.Unlock()
		return net.ErrClosed
	}
	f.closing = true
	f.mu.Unlock()
	notify(f.rch)
	notify(f.wch)
	f.decref()
	return nil
}

// wait waits for a token on ch (the read side's or the write side's)
// until the deadline of that side: nil when there may be something to
// do, os.ErrDeadlineExceeded or net.ErrClosed otherwise.
func (f *epFD) wait(write bool) error {
	for {
		f.mu.Lock()
		closing := f.closing
		dl := f.rdl
		ch, tm := f.rch, &f.rtm
		if write {
			dl, ch, tm = f.wdl, f.wch, &f.wtm
		}
		f.mu.Unlock()
		if closing {
			return net.ErrClosed
		}
		if dl.IsZero() {
			<-ch
			return nil
		}
		d := time.Until(dl)
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		if *tm == nil {
			*tm = time.NewTimer(d)
		} else {
			(*tm).Reset(d)
		}
		select {
		case <-ch:
			(*tm).Stop()
			return nil
		case <-(*tm).C:
			// the deadline may have moved meanwhile: look again
		}
	}
}

// expired reports whether the deadline of a side has passed.
func (f *epFD) expired(write bool) bool {
	f.mu.Lock()
	dl := f.rdl
	if write {
		dl = f.wdl
	}
	f.mu.Unlock()
	return !dl.IsZero() && !time.Now().Before(dl)
}

func (f *epFD) setDeadline(t time.Time, read, write bool) error {
	f.mu.Lock()
	if f.closing {
		f.mu.Unlock()
		return net.ErrClosed
	}
	if read {
		f.rdl = t
	}
	if write {
		f.wdl = t
	}
	f.mu.Unlock()
	// a waiter looks at its deadline again
	if read {
		notify(f.rch)
	}
	if write {
		notify(f.wch)
	}
	return nil
}

// epConn is a connection Dial made, as a net.Conn (and a syscall.Conn,
// whose RawConn waits in the instance).
type epConn struct {
	f       *epFD
	remote  net.Addr
	network string
}

func (c *epConn) Read(p []byte) (int, error) {
	var n int
	var errno syscall.Errno
	if err := (epRaw{c.f}).run(func(fd uintptr) bool {
		n, errno = rawio.Read(fd, p)
		return errno != syscall.EAGAIN
	}, false); err != nil {
		return 0, c.opErr("read", err)
	}
	switch {
	case errno != 0:
		return 0, c.opErr("read", os.NewSyscallError("read", errno))
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

func (c *epConn) Write(p []byte) (int, error) {
	done := 0
	var errno syscall.Errno
	if err := (epRaw{c.f}).run(func(fd uintptr) bool {
		for done < len(p) {
			n, e := rawio.Write(fd, p[done:])
			switch {
			case e == syscall.EAGAIN:
				return false
			case e != 0:
				errno = e
				return true
			}
			done += n
		}
		return true
	}, true); err != nil {
		return done, c.opErr("write", err)
	}
	if errno != 0 {
		return done, c.opErr("write", os.NewSyscallError("write", errno))
	}
	return done, nil
}

func (c *epConn) opErr(op string, err error) error {
	return &net.OpError{Op: op, Net: c.network, Addr: c.remote, Err: err}
}

func (c *epConn) Close() error {
	if err := c.f.close(); err != nil {
		return c.opErr("close", net.ErrClosed)
	}
	return nil
}

func (c *epConn) SetDeadline(t time.Time) error      { return c.f.setDeadline(t, true, true) }
func (c *epConn) SetReadDeadline(t time.Time) error  { return c.f.setDeadline(t, true, false) }
func (c *epConn) SetWriteDeadline(t time.Time) error { return c.f.setDeadline(t, false, true) }
func (c *epConn) RemoteAddr() net.Addr               { return c.remote }

// LocalAddr looks the address up when it is asked for (error messages
// only).
func (c *epConn) LocalAddr() net.Addr {
	var a net.Addr = &net.UnixAddr{Net: c.network}
	if c.f.incref() {
		a = localAddr(c.f.fd, c.network)
		c.f.decref()
	}
	return a
}

// CloseWrite shuts the sending side down (a tunnel's half close).
func (c *epConn) CloseWrite() error {
	if !c.f.incref() {
		return c.opErr("close", net.ErrClosed)
	}
	defer c.f.decref()
	return syscall.Shutdown(c.f.fd, syscall.SHUT_WR)
}

func (c *epConn) SyscallConn() (syscall.RawConn, error) { return epRaw{c.f}, nil }

// epRaw is the RawConn of an epConn: Read and Write call fn until it
// returns true, waiting for the socket's readiness in between.
type epRaw struct{ f *epFD }

func (r epRaw) Control(fn func(fd uintptr)) error {
	if !r.f.incref() {
		return net.ErrClosed
	}
	defer r.f.decref()
	fn(uintptr(r.f.fd))
	return nil
}

func (r epRaw) Read(fn func(fd uintptr) bool) error  { return r.run(fn, false) }
func (r epRaw) Write(fn func(fd uintptr) bool) error { return r.run(fn, true) }

func (r epRaw) run(fn func(fd uintptr) bool, write bool) error {
	if !r.f.incref() {
		return net.ErrClosed
	}
	defer r.f.decref()
	if r.f.expired(write) {
		return os.ErrDeadlineExceeded
	}
	for !fn(uintptr(r.f.fd)) {
		if err := r.f.wait(write); err != nil {
			return err
		}
	}
	return nil
}

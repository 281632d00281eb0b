//go:build linux

package upstream

import (
	"errors"
	"io"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// echoServer listens on network and address and echoes what each
// connection sends; it returns the address to dial.
func echoServer(t *testing.T, network, address string) string {
	t.Helper()
	return cgitest.Serve(t, network, address, func(c net.Conn) { defer c.Close(); io.Copy(c, c) })
}

func roundTrip(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

// bothKinds runs f for a connection that may be pooled (an *os.File in
// the Go poller) and for a one-shot one (weir's own epoll instance).
func bothKinds(t *testing.T, f func(t *testing.T, oneShot bool)) {
	for _, oneShot := range []bool{false, true} {
		name := "pooled"
		if oneShot {
			name = "one-shot"
		}
		t.Run(name, func(t *testing.T) { f(t, oneShot) })
	}
}

func TestDialTCPAndUnix(t *testing.T) { bothKinds(t, testDialTCPAndUnix) }

func testDialTCPAndUnix(t *testing.T, oneShot bool) {
	addr := echoServer(t, "tcp", "127.0.0.1:0")
	c, err, ok := Dial("tcp", addr, time.Second, oneShot, nil)
	if !ok || err != nil {
		t.Fatalf("Dial: %v %v", ok, err)
	}
	defer c.Close()
	roundTrip(t, c)
	if c.RemoteAddr().String() != addr {
		t.Errorf("remote %v, want %v", c.RemoteAddr(), addr)
	}
	if a, ok := c.LocalAddr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() || a.Port == 0 {
		t.Errorf("local %v", c.LocalAddr())
	}
	_, g := poolGroup(t, newClock(1000), poolCfg{n: 4}, sv("a"))
	kc := g.NewConn(c, g.Peers()[0])
	if !kc.Direct() {
		t.Error("a dialled socket is written to directly")
	}

	path := echoServer(t, "unix", filepath.Join(t.TempDir(), "s.sock"))
	u, err, ok := Dial("unix", path, time.Second, oneShot, nil)
	if !ok || err != nil {
		t.Fatalf("Dial unix: %v %v", ok, err)
	}
	defer u.Close()
	roundTrip(t, u)
}

func TestDialRefused(t *testing.T) { bothKinds(t, testDialRefused) }

func testDialRefused(t *testing.T, oneShot bool) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err, ok := Dial("tcp", addr, 5*time.Second, oneShot, nil)
	if !ok || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial a closed port: %v %v", ok, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("refusal took %v", d)
	}
	// many at once, while the poller is busy: a refusal that came before
	// the socket was registered must not be waited for
	var wg sync.WaitGroup
	var slow atomic.Int32
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if _, err, _ := Dial("tcp", addr, 2*time.Second, oneShot, nil); !errors.Is(err, syscall.ECONNREFUSED) {
					slow.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := slow.Load(); n != 0 {
		t.Errorf("%d of 400 refused connections were not seen refused", n)
	}
	if _, err, ok := Dial("unix", filepath.Join(t.TempDir(), "none.sock"), time.Second, oneShot, nil); !ok || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial a missing unix socket: %v %v", ok, err)
	}
}

// A connect that neither succeeds nor fails (the listener's accept queue
// is full, so the kernel drops the SYNs) ends at the timeout as a
// timeout.
func TestDialTimeout(t *testing.T) { bothKinds(t, testDialTimeout) }

func testDialTimeout(t *testing.T, oneShot bool) {
	addr := blackholeAddr(t)
	start := time.Now()
	_, err, ok := Dial("tcp", addr, 200*time.Millisecond, oneShot, nil)
	var ne net.Error
	if !ok || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Dial: %v %v", ok, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("timed out after %v", d)
	}
}

// blackholeAddr is the address of a listener whose accept queue is full,
// so that the kernel drops the SYNs of a connect.
func blackholeAddr(t *testing.T) string {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := (&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sa.(*syscall.SockaddrInet4).Port}).String()
	for i := 0; ; i++ { // fill the queue
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		t.Cleanup(func() { c.Close() })
		if i == 8 {
			t.Skip("the accept queue does not fill")
		}
	}
	return addr
}

// Names and zones are left to net.Dialer.
func TestDialNotTaken(t *testing.T) {
	for _, a := range []string{"localhost:80", "[fe80::1%lo]:80"} {
		if _, _, ok := Dial("tcp", a, time.Second, false, nil); ok {
			t.Errorf("Dial took %q", a)
		}
	}
}

// Dialled TCP connections have Nagle's algorithm off, as net.Dialer's.
func TestDialNoDelay(t *testing.T) { bothKinds(t, testDialNoDelay) }

func testDialNoDelay(t *testing.T, oneShot bool) {
	c, err, _ := Dial("tcp", echoServer(t, "tcp", "127.0.0.1:0"), time.Second, oneShot, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, _ := c.(syscall.Conn).SyscallConn()
	v := -1
	rc.Control(func(fd uintptr) { v, _ = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_NODELAY) })
	if v != 1 {
		t.Errorf("TCP_NODELAY %d", v)
	}
}

// A one-shot connection's waits end at their deadline, a deadline moved
// into the past ends a wait under way, end of stream reads as io.EOF,
// and a Close from another goroutine ends a blocked read and closes the
// descriptor once the read has let go of it.
func TestEpConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peers := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			peers <- c
		}
	}()
	dial := func() (net.Conn, net.Conn) {
		c, err, ok := Dial("tcp", ln.Addr().String(), time.Second, true, nil)
		if !ok || err != nil {
			t.Fatalf("Dial: %v %v", ok, err)
		}
		if _, isEp := c.(*epConn); !isEp {
			t.Fatalf("a one-shot connection is a %T", c)
		}
		p := <-peers
		t.Cleanup(func() { c.Close(); p.Close() })
		return c, p
	}
	buf := make([]byte, 8)

	c, p := dial()
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	var ne net.Error
	if _, err := c.Read(buf); !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) < 40*time.Millisecond {
		t.Errorf("read past the deadline: %v after %v", err, time.Since(start))
	}
	c.SetReadDeadline(time.Time{})
	p.Write([]byte("hi"))
	if n, err := c.Read(buf); n != 2 || err != nil {
		t.Errorf("read: %d %v", n, err)
	}
	p.Close()
	if _, err := c.Read(buf); err != io.EOF {
		t.Errorf("read at the end: %v", err)
	}

	c, _ = dial()
	errc := make(chan error, 1)
	go func() { _, err := c.Read(buf); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	c.SetReadDeadline(time.Now().Add(-time.Second))
	select {
	case err := <-errc:
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("a deadline moved into the past: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a deadline moved into the past did not end the read")
	}

	c, _ = dial()
	fd := c.(*epConn).f.fd
	local := c.LocalAddr().String()
	go func() { _, err := c.Read(buf); errc <- err }()
	time.Sleep(20 * time.Millisecond)
	c.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("read ended by Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not end the read")
	}
	// the descriptor is closed (or its number taken by another socket)
	if sa, err := syscall.Getsockname(fd); err == nil {
		if a, ok := sa.(*syscall.SockaddrInet4); ok && (&net.TCPAddr{IP: a.Addr[:], Port: a.Port}).String() == local {
			t.Errorf("descriptor %d still open after Close", fd)
		}
	}
	if err := c.Close(); err == nil {
		t.Error("a second Close succeeded")
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("write after Close: %v", err)
	}
}

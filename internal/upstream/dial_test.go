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
)

// echoServer listens on network and address and echoes what each
// connection sends; it returns the address to dial.
func echoServer(t *testing.T, network, address string) string {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return ln.Addr().String()
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

func TestDialTCPAndUnix(t *testing.T) {
	addr := echoServer(t, "tcp", "127.0.0.1:0")
	c, err, ok := Dial("tcp", addr, time.Second)
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
	u, err, ok := Dial("unix", path, time.Second)
	if !ok || err != nil {
		t.Fatalf("Dial unix: %v %v", ok, err)
	}
	defer u.Close()
	roundTrip(t, u)
}

func TestDialRefused(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	start := time.Now()
	_, err, ok := Dial("tcp", addr, 5*time.Second)
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
				if _, err, _ := Dial("tcp", addr, 2*time.Second); !errors.Is(err, syscall.ECONNREFUSED) {
					slow.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := slow.Load(); n != 0 {
		t.Errorf("%d of 400 refused connections were not seen refused", n)
	}
	if _, err, ok := Dial("unix", filepath.Join(t.TempDir(), "none.sock"), time.Second); !ok || !errors.Is(err, syscall.ENOENT) {
		t.Errorf("Dial a missing unix socket: %v %v", ok, err)
	}
}

// A connect that neither succeeds nor fails (the listener's accept queue
// is full, so the kernel drops the SYNs) ends at the timeout as a
// timeout.
func TestDialTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
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
		defer c.Close()
		if i == 8 {
			t.Skip("the accept queue does not fill")
		}
	}
	start := time.Now()
	_, err, ok := Dial("tcp", addr, 200*time.Millisecond)
	var ne net.Error
	if !ok || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Dial: %v %v", ok, err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("timed out after %v", d)
	}
}

// Names and zones are left to net.Dialer.
func TestDialNotTaken(t *testing.T) {
	for _, a := range []string{"localhost:80", "[fe80::1%lo]:80"} {
		if _, _, ok := Dial("tcp", a, time.Second); ok {
			t.Errorf("Dial took %q", a)
		}
	}
}

// Dialled TCP connections have Nagle's algorithm off, as net.Dialer's.
func TestDialNoDelay(t *testing.T) {
	c, err, _ := Dial("tcp", echoServer(t, "tcp", "127.0.0.1:0"), time.Second)
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

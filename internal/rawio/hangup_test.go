//go:build linux

package rawio

import (
	"net"
	"syscall"
	"testing"
	"time"
)

// TestHangup: a peer that sent bytes is still there; one that closed is
// gone whatever is left to read, and a reset gives its error.
func TestHangup(t *testing.T) {
	for _, reset := range []bool{false, true} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		peer, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := c.(*net.TCPConn).SyscallConn()
		look := func() (gone bool, errno syscall.Errno) {
			rc.Control(func(fd uintptr) { gone, errno = Hangup(fd) })
			return
		}
		if gone, _ := look(); gone {
			t.Fatal("gone before anything happened")
		}
		peer.Write([]byte("pipelined"))
		time.Sleep(20 * time.Millisecond)
		if gone, _ := look(); gone {
			t.Fatal("gone with bytes to read")
		}
		if reset {
			peer.(*net.TCPConn).SetLinger(0)
		}
		peer.Close()
		time.Sleep(20 * time.Millisecond)
		gone, errno := look()
		want := syscall.Errno(0)
		if reset {
			want = syscall.ECONNRESET
		}
		if !gone || errno != want {
			t.Errorf("reset %v: gone %v, error %v; want gone, %v", reset, gone, errno, want)
		}
		c.Close()
	}
}

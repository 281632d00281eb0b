//go:build linux

package rawio

import (
	"syscall"
	"testing"
)

// A non-blocking socket pair: what one side writes the other reads;
// nothing there is EAGAIN and Quiet, a closed peer is the end of stream.
func TestSocketPair(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := uintptr(fds[0]), uintptr(fds[1])
	buf := make([]byte, 16)
	if n, errno := Read(b, buf); n != 0 || errno != syscall.EAGAIN {
		t.Fatalf("empty read: %d %v", n, errno)
	}
	if !Quiet(b) {
		t.Fatal("an empty socket is not quiet")
	}
	if n, errno := Write(a, []byte("hello")); n != 5 || errno != 0 {
		t.Fatalf("write: %d %v", n, errno)
	}
	if n, errno := Writev(a, [][]byte{[]byte(" wor"), nil, []byte("ld")}); n != 6 || errno != 0 {
		t.Fatalf("writev: %d %v", n, errno)
	}
	if Quiet(b) {
		t.Fatal("a socket with bytes to read is quiet")
	}
	if n, errno := Read(b, buf); string(buf[:n]) != "hello world" || errno != 0 {
		t.Fatalf("read %q %v", buf[:n], errno)
	}
	syscall.Close(fds[0]) // the writer closes
	if Quiet(b) {
		t.Fatal("a socket at end of stream is quiet")
	}
	if n, errno := Read(b, buf); n != 0 || errno != 0 {
		t.Fatalf("read at end of stream: %d %v", n, errno)
	}
	syscall.Close(fds[1])
}

// A freed slot is taken again with a new generation: an event carrying
// the old one finds nothing, and the old holder cannot free it.
func TestRegistrations(t *testing.T) {
	var r Registrations[*int]
	a, b := new(int), new(int)
	sa, ga := r.Add(a)
	if r.Lookup(sa, ga) != a {
		t.Fatal("lookup of a registration")
	}
	r.Remove(sa, a)
	sb, gb := r.Add(b)
	if sb != sa || gb == ga {
		t.Fatalf("slot %d gen %d taken again as %d gen %d", sa, ga, sb, gb)
	}
	if r.Lookup(sa, ga) != nil {
		t.Error("a stale event found the slot's new holder")
	}
	r.Remove(sa, a)
	if r.Lookup(sb, gb) != b {
		t.Error("a former holder freed the slot")
	}
}

package stream

import (
	"net"
	"testing"
	"time"
)

// TestUDPListener: the first datagram of a client address makes a
// session, the next ones go to it, and after Detach the next one makes
// a new session.
func TestUDPListener(t *testing.T) {
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	l := ListenUDP(pc)
	defer l.Close()
	cl, err := net.Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	read := func(c net.Conn) string {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 100)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		return string(buf[:n])
	}
	accept := func() net.Conn {
		ch := make(chan net.Conn, 1)
		go func() { c, _ := l.Accept(); ch <- c }()
		select {
		case c := <-ch:
			return c
		case <-time.After(2 * time.Second):
			t.Fatal("no session")
		}
		return nil
	}
	cl.Write([]byte("one"))
	s1 := accept()
	if got := read(s1); got != "one" {
		t.Fatalf("first datagram %q", got)
	}
	cl.Write([]byte("two"))
	if got := read(s1); got != "two" {
		t.Fatalf("second datagram %q", got)
	}
	s1.Write([]byte("back"))
	if got := read(cl); got != "back" {
		t.Fatalf("answer %q", got)
	}
	s1.(*UDPConn).Detach()
	cl.Write([]byte("three"))
	s2 := accept()
	if s2 == s1 || read(s2) != "three" {
		t.Fatal("a detached session got the next datagram")
	}
	s2.Close()
	s1.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := s1.Read(make([]byte, 10)); err == nil {
		t.Fatal("read after detach returned a datagram")
	}
}

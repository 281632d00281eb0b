package stream

import (
	"net"
	"testing"
	"time"
)

// TestPeerEnded: the peer's end is seen only once all it sent was read.
func TestPeerEnded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if peerEnded(c) {
		t.Error("open connection: ended")
	}
	s.Write([]byte("last"))
	s.Close()
	time.Sleep(50 * time.Millisecond)
	if peerEnded(c) {
		t.Error("data left unread: ended")
	}
	buf := make([]byte, 4)
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	if !peerEnded(c) {
		t.Error("all read and closed: not ended")
	}
	if a, b := net.Pipe(); peerEnded(a) || b == nil {
		t.Error("a pipe: ended")
	}
}

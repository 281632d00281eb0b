package upstream

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestAbort: Abort from another goroutine ends a read that waits, and
// a deadline set after (ReadWithin, WriteWithin, SetReadDeadline) does
// not bring the connection back; an aborted connection does not go
// back to the pool.
func TestAbort(t *testing.T) {
	for _, oneShot := range []bool{false, true} {
		nc, err, ok := Dial("tcp", echoServer(t, "tcp", "127.0.0.1:0"), time.Second, oneShot, nil)
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		_, g := poolGroup(t, newClock(1000), poolCfg{n: 4}, sv("a"))
		c := g.NewConn(nc, g.Peers()[0])
		c.ReadWithin(5 * time.Second)
		go func() {
			time.Sleep(50 * time.Millisecond)
			c.Abort()
		}()
		start := time.Now()
		var b [8]byte
		if _, err := c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("oneShot %v: read after Abort: %v, want a timeout", oneShot, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("oneShot %v: the read waited %v", oneShot, d)
		}
		c.ReadWithin(time.Hour)
		c.WriteWithin(time.Hour)
		if _, err := c.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("oneShot %v: write after WriteWithin: %v, want a timeout", oneShot, err)
		}
		c.SetReadDeadline(time.Time{})
		if _, err := c.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("oneShot %v: read after SetReadDeadline: %v, want a timeout", oneShot, err)
		}
		c.Requests = 1
		g.Put(c, nil)
		if g.GetAt(g.Peers()[0], nil, g.now()) != nil {
			t.Errorf("oneShot %v: an aborted connection went to the pool", oneShot)
		}
	}
}

// TestDialPending: a connect under way is given to pending, whose
// deadline in the past ends it as a timeout.
func TestDialPending(t *testing.T) {
	addr := blackholeAddr(t)
	for _, oneShot := range []bool{false, true} {
		start := time.Now()
		var got net.Conn
		_, err, ok := Dial("tcp", addr, 5*time.Second, oneShot, func(c net.Conn) {
			got = c
			go func() {
				time.Sleep(50 * time.Millisecond)
				c.SetDeadline(time.Unix(1, 0))
			}()
		})
		var ne net.Error
		if !ok || got == nil || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("oneShot %v: ok %v pending %v err %v, want a timeout", oneShot, ok, got != nil, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("oneShot %v: the connect waited %v", oneShot, d)
		}
	}
}

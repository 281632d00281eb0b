//go:build linux

package upstream

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// pooledConn dials a loopback backend and wraps the client end for a
// group's pool, wrapped by wrap first when it is not nil.
func pooledConn(t *testing.T, wrap func(net.Conn) net.Conn) (kc *Conn, server net.Conn) {
	b := newBackend(t)
	_, g := poolGroup(t, newClock(1000), poolCfg{n: 4}, sv("a"))
	cl, srv := b.dial(t)
	if wrap != nil {
		cl = wrap(cl)
	}
	return g.NewConn(cl, g.Peers()[0]), srv
}

// SendAwait writes the request and returns only once the answer is
// there: the read after it finds the bytes at once.
func TestSendAwaitWaitsForAnswer(t *testing.T) {
	kc, srv := pooledConn(t, nil)
	if !kc.Direct() {
		t.Fatal("a TCP connection is direct")
	}
	const delay = 100 * time.Millisecond
	got := make(chan []byte, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := io.ReadFull(srv, buf[:len("GET / HTTP/1.1\r\n\r\nbody")])
		got <- buf[:n]
		time.Sleep(delay)
		srv.Write([]byte("answer"))
	}()
	kc.ReadWithin(5 * time.Second)
	start := time.Now()
	n, complete, werr, rerr := kc.SendAwait([][]byte{[]byte("GET / HTTP/1.1\r\n\r\n"), nil, []byte("body")})
	waited := time.Since(start)
	if n != 22 || !complete || werr != nil || rerr != nil {
		t.Fatalf("SendAwait = %d %v %v %v", n, complete, werr, rerr)
	}
	if s := <-got; string(s) != "GET / HTTP/1.1\r\n\r\nbody" {
		t.Errorf("server read %q", s)
	}
	if waited < delay {
		t.Errorf("returned after %v, before the answer (sent after %v)", waited, delay)
	}
	kc.SetReadDeadline(time.Now().Add(time.Second))
	buf := make([]byte, 16)
	if m, err := kc.Read(buf); string(buf[:m]) != "answer" {
		t.Errorf("read %q, %v", buf[:m], err)
	}
}

// The wait ends at the read deadline when no answer comes.
func TestSendAwaitDeadline(t *testing.T) {
	kc, _ := pooledConn(t, nil)
	kc.ReadWithin(50 * time.Millisecond)
	n, complete, werr, rerr := kc.SendAwait([][]byte{[]byte("x")})
	if n != 1 || !complete || werr != nil || !errors.Is(rerr, os.ErrDeadlineExceeded) {
		t.Fatalf("SendAwait = %d %v %v %v", n, complete, werr, rerr)
	}
}

// A request larger than the socket takes goes out in part, without a
// wait: the caller writes the rest.
func TestSendAwaitPartial(t *testing.T) {
	kc, srv := pooledConn(t, nil)
	big := bytes.Repeat([]byte("y"), 64<<20)
	kc.ReadWithin(5 * time.Second)
	n, complete, werr, rerr := kc.SendAwait([][]byte{[]byte("head"), big})
	if complete || werr != nil || rerr != nil || n <= 0 || n >= int64(len(big)+4) {
		t.Fatalf("SendAwait = %d %v %v %v", n, complete, werr, rerr)
	}
	done := make(chan int64)
	go func() {
		m, _ := io.Copy(io.Discard, io.LimitReader(srv, int64(len(big)+4)))
		done <- m
	}()
	kc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	rest := big[n-4:]
	if _, err := kc.Write(rest); err != nil {
		t.Fatal(err)
	}
	if m := <-done; m != int64(len(big)+4) {
		t.Errorf("server got %d bytes", m)
	}
}

// A connection under TLS is not written to directly.
func TestSendAwaitNotUnderTLS(t *testing.T) {
	kc, _ := pooledConn(t, func(c net.Conn) net.Conn { return tls.Client(c, &tls.Config{InsecureSkipVerify: true}) })
	if kc.Direct() {
		t.Fatal("a TLS connection is not direct")
	}
	if n, complete, werr, rerr := kc.SendAwait([][]byte{[]byte("x")}); n != 0 || complete || werr != nil || rerr != nil {
		t.Fatalf("SendAwait = %d %v %v %v", n, complete, werr, rerr)
	}
}

// ReadWithin moves the deadline only by steps: a second call a moment
// later leaves it, and the read still times out near the timeout.
func TestReadWithinSteps(t *testing.T) {
	kc, _ := pooledConn(t, nil)
	kc.ReadWithin(time.Second)
	first := kc.rdl
	kc.ReadWithin(time.Second)
	if kc.rdl != first {
		t.Errorf("deadline moved from %d to %d within its step", first, kc.rdl)
	}
	kc.ReadWithin(200 * time.Millisecond)
	start := time.Now()
	_, err := kc.Read(make([]byte, 1))
	if d := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || d < 200*time.Millisecond || d > 2*time.Second {
		t.Errorf("read ended after %v with %v", d, err)
	}
	kc.SetReadDeadline(time.Time{})
	if kc.rdl != 0 {
		t.Error("SetReadDeadline keeps the stepped deadline")
	}
}

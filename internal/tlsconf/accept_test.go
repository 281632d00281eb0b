package tlsconf

import (
	"net"
	"testing"
	"time"
)

// TestHandshakeNotTLS: a stream ssl port given plain bytes fails as
// OpenSSL names it, and a client that sends nothing before the deadline
// is a timeout (no line).
func TestHandshakeNotTLS(t *testing.T) {
	for _, tc := range []struct{ send, want string }{
		{"GET / HTTP/1.0\r\n\r\n", "SSL_do_handshake() failed (SSL: error:0A00009C:SSL routines::http request) while SSL handshaking"},
		{"CONNECT x:443 HTTP/1.1\r\n\r\n", "SSL_do_handshake() failed (SSL: error:0A00009B:SSL routines::https proxy request) while SSL handshaking"},
		{"hello there\r\n", "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking"},
	} {
		a, b := net.Pipe()
		go func() { b.Write([]byte(tc.send)); b.Close() }()
		c := Server(a, func(string) *Site { return nil })
		f, timedOut, err := c.Handshake()
		if err == nil || timedOut || f.Msg != tc.want {
			t.Errorf("%q: got %q (timeout %v, %v), want %q", tc.send, f.Msg, timedOut, err, tc.want)
		}
		a.Close()
	}
	a, b := net.Pipe()
	defer b.Close()
	c := Server(a, func(string) *Site { return nil })
	c.SetDeadline(time.Now().Add(50 * time.Millisecond))
	if _, timedOut, _ := c.Handshake(); !timedOut {
		t.Error("no timeout")
	}
}

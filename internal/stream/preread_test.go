package stream

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// clientHello captures the first flight of Go's TLS client.
func clientHello(t *testing.T, cfg *tls.Config) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	go func() {
		c := tls.Client(b, cfg)
		c.SetDeadline(time.Now().Add(time.Second))
		c.Handshake()
		b.Close()
	}()
	a.SetReadDeadline(time.Now().Add(2 * time.Second))
	var got []byte
	buf := make([]byte, 65536)
	for {
		n, err := a.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil || len(got) >= 5 && len(got) >= 5+int(got[3])<<8|int(got[4]) {
			return got
		}
	}
}

func TestParseHello(t *testing.T) {
	b := clientHello(t, &tls.Config{ServerName: "a.test", NextProtos: []string{"h2", "http/1.1"}})
	h, r := parseHello(b)
	if r != helloOK || h.serverName != "a.test" || h.alpn != "h2,http/1.1" || h.protocol() != "TLSv1.3" {
		t.Fatalf("got %v %+v", r, h)
	}
	// every cut short: more is needed, never a wrong answer
	for i := 0; i < len(b); i++ {
		if _, r := parseHello(b[:i]); r != helloAgain {
			t.Fatalf("%d bytes: %v", i, r)
		}
	}
	// the handshake split over two records
	n := int(b[3])<<8 | int(b[4])
	body := b[5 : 5+n]
	split := append([]byte{0x16, 3, 1, 0, 10}, body[:10]...)
	split = append(split, 0x16, 3, 1, byte((n-10)>>8), byte(n-10))
	split = append(split, body[10:]...)
	if h, r := parseHello(split); r != helloOK || h.serverName != "a.test" {
		t.Fatalf("split: %v %+v", r, h)
	}
	if _, r := parseHello([]byte("GET / HTTP/1.0\r\n")); r != helloDeclined {
		t.Fatalf("plain text: %v", r)
	}
	// a handshake that is not a ClientHello
	if _, r := parseHello([]byte{0x16, 3, 1, 0, 4, 2, 0, 0, 0}); r != helloDeclined {
		t.Fatalf("server hello: %v", r)
	}
	// SSLv2-style hello
	if h, r := parseHello([]byte{0x80, 0x2e, 1, 3, 1}); r != helloOK || h.protocol() != "TLSv1" {
		t.Fatalf("v2: %v %+v", r, h)
	}
}

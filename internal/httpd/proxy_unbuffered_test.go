package httpd

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestProxyUnbufferedNoWait: with proxy_buffering off nothing waits for
// the upstream's next read, as in nginx's non-buffered path: the header
// goes out at once when no body came with it, and body bytes that came
// with the header go out with it. The upstream sends the rest only once
// the client has seen the first part (or after 5 s, when the test has
// failed already).
func TestProxyUnbufferedNoWait(t *testing.T) {
	seen := make(chan struct{}, 1)
	up := fakeBackend(t, func(c net.Conn) {
		for {
			head := readRequestHead(c)
			if head == "" {
				return
			}
			first := "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
			if strings.HasPrefix(head, "GET /withbody") {
				first += "first"
			}
			c.Write([]byte(first))
			select {
			case <-seen:
			case <-time.After(5 * time.Second):
			}
			if !strings.HasPrefix(head, "GET /withbody") {
				c.Write([]byte("first"))
				select {
				case <-seen:
				case <-time.After(5 * time.Second):
				}
			}
			c.Write([]byte("later"))
		}
	})
	addr, _ := proxyEnv(t, `events {} http {
	server { listen 127.0.0.1:{{PORT}};
		location / { proxy_pass http://{{A}}; proxy_buffering off; }
	} }`, map[string]string{"A": up})
	for _, uri := range []string{"/withbody", "/nobody"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET " + uri + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		br := bufio.NewReader(c)
		status, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("%s: no status line before the upstream went on: %v", uri, err)
		}
		if !strings.Contains(status, "200") {
			t.Fatalf("%s: %q", uri, status)
		}
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: header: %v", uri, err)
			}
			if line == "\r\n" {
				break
			}
		}
		if uri == "/nobody" {
			seen <- struct{}{} // the header came alone: now the first part
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "first" {
			t.Fatalf("%s: first part %q, %v", uri, buf, err)
		}
		seen <- struct{}{}
		if _, err := io.ReadFull(br, buf); err != nil || string(buf) != "later" {
			t.Fatalf("%s: second part %q, %v", uri, buf, err)
		}
		c.Close()
	}
}

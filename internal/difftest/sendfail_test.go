package difftest

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestSendTimeoutLine pins the line of a client that stops reading
// (send_timeout): nginx writes it with the request's log, action and
// context ("while sending response to client" for a file, none for a
// return), and with
// realip the client is the real address. (A proxied response's line,
// "while sending to client", is left out: how much of the body went out
// before the stall, in its access-log line, is not fixed.) The cases are sent by after: a client
// with a small receive buffer that reads nothing.
func TestSendTimeoutLine(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 1<<20) // 16 MiB
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        send_timeout 1s;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        location /files/ { error_log logs/error.log info; }
    }
    server {
        listen 127.0.0.1:{{PORT2}} sndbuf=4k;
        send_timeout 1s;
        error_log logs/error.log info;
        # (how much of the body went out depends on the header's length,
        # which the server's name makes differ)
        access_log off;
        location /ret/ {
            set $a "` + strings.Repeat("r", 4000) + `";
            set $b "` + strings.Repeat("$a", 10) + `";
            return 200 "` + strings.Repeat("$b", 50) + `";
        }
    }`,
		files: map[string]string{"files/big.txt": big},
		cases: []tc{get("small", "/files/")},
		after: func(t *testing.T, ng, we *server) {
			for _, c := range []struct {
				name, req string
				port      int
			}{
				{"file", "GET /files/big.txt HTTP/1.1\r\nHost: x\r\n\r\n", 0},
				{"file realip", "GET /files/big.txt HTTP/1.1\r\nHost: x\r\nX-Real-IP: 10.1.2.3\r\n\r\n", 0},
				// a return's line has no action: only the static module
				// (once it has the file) and the upstream one set one
				{"return", "GET /ret/ HTTP/1.1\r\nHost: x\r\n\r\n", 1},
			} {
				done := make(chan struct{})
				for _, s := range []*server{ng, we} {
					go func(addr string) {
						defer func() { done <- struct{}{} }()
						stallingClient(t, addr, c.req, 2500*time.Millisecond)
					}(s.addr(c.port))
				}
				<-done
				<-done
				t.Run(c.name, func(t *testing.T) { compareLogs(t, tc{name: c.name}, ng, we, nil) })
			}
		},
	})
}

// stallingClient sends req with a small receive buffer, reads nothing
// for a while and closes.
func stallingClient(t *testing.T, addr, req string, stall time.Duration) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	c.(*net.TCPConn).SetReadBuffer(4096)
	c.Write([]byte(req))
	time.Sleep(stall)
}

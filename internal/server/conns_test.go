package server_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// TestWorkerConnectionsCountListeners: as in an nginx worker, each
// listening socket and the channel to the master process take one of the
// worker_connections. With 5 and two listening sockets, two clients fit:
// the third and fourth connections each reclaim the oldest idle one
// (nginx 1.22 closes connections 0 and 1 and keeps 2 and 3 the same way).
func TestWorkerConnectionsCountListeners(t *testing.T) {
	p := newPrefix(t)
	port, other := freePort(t), freePort(t)
	p.conf(fmt.Sprintf(`pid logs/nginx.pid;
error_log logs/error.log info;
events { worker_connections 5; }
http {
    access_log off;
    server {
        listen 127.0.0.1:%d;
        listen 127.0.0.1:%d;
        location / { return 200 "ok\n"; }
    }
}
`, port, other))
	runInProcess(t, p)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var conns []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("connection %d: %q %v", i, line, err)
		}
		conns = append(conns, c)
		// past the hand-off of the idle connection to the poller
		time.Sleep(250 * time.Millisecond)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		_, err := c.Read(make([]byte, 1))
		closed := err != nil && !isTimeout(err)
		if want := i < 2; closed != want {
			t.Errorf("connection %d closed: %v, want %v (%v)", i, closed, want, err)
		}
	}
	if log := p.read("logs/error.log"); !strings.Contains(log, "5 worker_connections are not enough, reusing connections") {
		t.Errorf("error log:\n%s", log)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

package reliability

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startTunnelBackend answers an Upgrade request with 101 and then echoes
// every byte.
func startTunnelBackend(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer c.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		io.Copy(c, rw)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

func tunnelConf(port, backend int, extra string) string {
	return fmt.Sprintf(`error_log logs/error.log notice;
pid logs/nginx.pid;
%s
events { worker_connections 64; }
http {
    access_log off;
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://127.0.0.1:%d;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 60s;
        }
    }
}
`, extra, port, backend)
}

// openTunnel upgrades a connection through weir.
func openTunnel(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 101") {
		t.Fatalf("upgrade: %q %v", line, err)
	}
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if l == "\r\n" {
			break
		}
	}
	return c, br
}

// echoes tells whether the tunnel still carries bytes both ways.
func echoes(c net.Conn, br *bufio.Reader, msg string) bool {
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, msg); err != nil {
		return false
	}
	b := make([]byte, len(msg))
	_, err := io.ReadFull(br, b)
	return err == nil && string(b) == msg
}

// TestTunnelOnQuit: a graceful stop (QUIT) lets an upgraded connection
// (a WebSocket-style tunnel) live on until it closes; with
// worker_shutdown_timeout the tunnel is closed when the timeout ends.
func TestTunnelOnQuit(t *testing.T) {
	be := startTunnelBackend(t)
	port := freePort(t)
	w := startWeir(t, tunnelConf(port, be, ""), port)
	c, br := openTunnel(t, w.addr())
	defer c.Close()
	if !echoes(c, br, "before") {
		t.Fatal("tunnel does not echo")
	}
	w.signal(syscall.SIGQUIT)
	time.Sleep(700 * time.Millisecond)
	if !echoes(c, br, "during the stop") {
		t.Fatalf("tunnel closed by QUIT:\n%s", w.read("logs/error.log"))
	}
	select {
	case <-w.done:
		t.Fatal("weir exited with a tunnel open")
	default:
	}
	c.Close()
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("weir did not exit once the tunnel closed")
	}

	// bounded by worker_shutdown_timeout
	port = freePort(t)
	w = startWeir(t, tunnelConf(port, be, "worker_shutdown_timeout 1s;"), port)
	c, br = openTunnel(t, w.addr())
	defer c.Close()
	start := time.Now()
	w.signal(syscall.SIGQUIT)
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		t.Fatal("worker_shutdown_timeout did not end the tunnel")
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("weir exited after %v, before worker_shutdown_timeout", d)
	}
	if echoes(c, br, "after") {
		t.Errorf("tunnel still open after weir exited")
	}
}

// TestTunnelOnReload: a reload leaves an open tunnel alone.
func TestTunnelOnReload(t *testing.T) {
	be := startTunnelBackend(t)
	port := freePort(t)
	w := startWeir(t, tunnelConf(port, be, ""), port)
	c, br := openTunnel(t, w.addr())
	defer c.Close()
	w.signal(syscall.SIGHUP)
	waitFor(5*time.Second, func() bool { return len(w.errorLines("reconfiguring")) > 0 })
	time.Sleep(500 * time.Millisecond)
	if !echoes(c, br, "after the reload") {
		t.Fatalf("tunnel closed by a reload:\n%s", w.read("logs/error.log"))
	}
	c.Close()
	w.quit()
}

package static

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/testnet"
)

// nginxBinary returns the real nginx used as the oracle, or skips.
func nginxBinary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/sbin/nginx", "nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("nginx is not installed")
	return ""
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t testing.TB) int { return testnet.FreePort(t) }

// startNginx runs nginx in the foreground, as one process, with server
// holding the directives of one server block listening on a free
// loopback port, and returns that address. env is added to nginx's
// environment (TZ survives into nginx). nginx is stopped when the test
// ends.
func startNginx(t testing.TB, server string, env ...string) string {
	t.Helper()
	bin := nginxBinary(t)
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
error_log %[1]s/error.log info;
pid %[1]s/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    default_type application/octet-stream;
    types { text/plain txt; text/html html; }
    client_body_temp_path %[1]s/cb; proxy_temp_path %[1]s/pt; fastcgi_temp_path %[1]s/ft;
    uwsgi_temp_path %[1]s/ut; scgi_temp_path %[1]s/st;
    server {
        listen %[2]s;
%[3]s
    }
}
`, dir, addr, server)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir+"/", "-c", confPath)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return addr
		}
		if i == 100 {
			t.Fatalf("nginx did not start: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawResp is a response as read off the wire.
type rawResp struct {
	status int
	header [][2]string // in order, names as sent
	body   []byte
}

func (r *rawResp) get(name string) (string, bool) {
	for _, h := range r.header {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// rawRequest sends one request with "Connection: close" and reads the
// whole response, removing chunked framing.
func rawRequest(t testing.TB, addr, method, target string, hdr [][2]string) *rawResp {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var req bytes.Buffer
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n", method, target)
	for _, h := range hdr {
		fmt.Fprintf(&req, "%s: %s\r\n", h[0], h[1])
	}
	req.WriteString("\r\n")
	if _, err := c.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("bad status line %q", line)
	}
	resp := &rawResp{}
	resp.status, _ = strconv.Atoi(f[1])
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, _ := strings.Cut(line, ":")
		resp.header = append(resp.header, [2]string{name, strings.TrimSpace(value)})
	}
	if te, _ := resp.get("Transfer-Encoding"); te == "chunked" {
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
			if err != nil {
				t.Fatalf("chunk size %q", line)
			}
			if n == 0 {
				break
			}
			chunk := make([]byte, n+2)
			if _, err := io.ReadFull(br, chunk); err != nil {
				t.Fatal(err)
			}
			resp.body = append(resp.body, chunk[:n]...)
		}
		return resp
	}
	resp.body, err = io.ReadAll(br)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

package httpcore

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// differsFrom122 lists the table cases where current nginx, which weir
// follows, answers differently from the nginx 1.22 used as the oracle.
var differsFrom122 = map[string]string{
	"connect_405":                 "1.22 rejects the CONNECT request line with 400",
	"chunk_bare_lf_400":           "1.22 accepted bare LF in chunked framing",
	"chunk_extension_bare_lf_400": "1.22 accepted bare LF in chunked framing",
	"chunk_trailer_bare_lf_400":   "1.22 accepted bare LF in chunked framing",
}

// TestDifferentialNginx sends every table case to a real nginx and to
// weir and compares the status lines and whether the connection closed.
// It skips when nginx is not installed.
func TestDifferentialNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/nginx"); err != nil {
			t.Skip("nginx not installed")
		}
		bin = "/usr/sbin/nginx"
	}
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nginxAddr := ln.Addr().String()
	ln.Close()
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
error_log %[1]s/error.log info;
pid %[1]s/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    location / { return 200 "ok\n"; }
  }
}
`, dir, nginxAddr)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-c", filepath.Join(dir, "nginx.conf"), "-p", dir+"/")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Skip("nginx does not start:", err)
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", nginxAddr)
		if err == nil {
			c.Close()
			break
		}
		if i == 100 {
			t.Skip("nginx does not listen")
		}
		time.Sleep(20 * time.Millisecond)
	}

	h := &testHandler{set: DefaultSettings()}
	h.serve = func(w *Response, r *Request) {
		// as nginx's "return 200": discard the body, answer "ok"
		if err := r.DiscardBody(); err != nil {
			w.Status = 400
			w.KeepAlive = false
		}
		w.ContentType = "text/plain"
		w.ContentLength = 3
		w.Write([]byte("ok\n"))
	}
	weirAddr, _ := startServer(t, h)
	t.Run("cases", func(t *testing.T) { diffCases(t, nginxAddr, weirAddr) })
}

func diffCases(t *testing.T, nginxAddr, weirAddr string) {
	for _, tc := range statusCases {
		if why, ok := differsFrom122[tc.name]; ok {
			t.Logf("%s: skipped: %s", tc.name, why)
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n, nclosed := exchange(t, nginxAddr, tc.req, 200*time.Millisecond)
			w, wclosed := exchange(t, weirAddr, tc.req, 200*time.Millisecond)
			ns, ws := statusSeq(n), statusSeq(w)
			if ns != ws || nclosed != wclosed {
				t.Errorf("nginx %q closed=%v\nweir  %q closed=%v\nnginx:\n%s\nweir:\n%s", ns, nclosed, ws, wclosed, n, w)
			}
		})
	}
}

func statusSeq(resp string) string {
	var got []string
	for _, line := range strings.Split(resp, "\n") {
		if strings.HasPrefix(line, "HTTP/1.1 ") {
			got = append(got, strings.TrimSuffix(line, "\r"))
		}
	}
	if len(got) == 0 && resp != "" {
		return "(no header)"
	}
	return strings.Join(got, "|")
}

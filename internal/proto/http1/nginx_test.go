package http1

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/testnet"
)

// differsFrom122 lists the head cases where current nginx, which weir
// follows, answers differently from the nginx 1.22 used as the oracle, or
// that a one-shot request cannot show.
var differsFrom122 = map[string]string{
	"duplicate Content-Length":              "1.23 refuses duplicates; 1.22 took the last",
	"duplicate Transfer-Encoding":           "1.23 refuses duplicates",
	"Content-Length then Transfer-Encoding": "1.23 refuses both together",
	"Transfer-Encoding then Content-Length": "1.23 refuses both together",
	"unknown Transfer-Encoding":             "1.22 looked for \"chunked\" anywhere in the value",
	"Content-Length with a letter":          "1.22 ignored an invalid Content-Length",
	"negative Content-Length":               "1.22 ignored an invalid Content-Length",
	"empty Content-Length":                  "1.22 ignored an invalid Content-Length",
	"Content-Length list":                   "1.22 ignored an invalid Content-Length",
	"Content-Length overflow":               "1.22 ignored an invalid Content-Length",
	"103 skips the framing checks":          "1.29 takes 103 as early hints; 1.22 as the final response",
	"101":                                   "a tunnel only when the client asks for an upgrade",
	"incomplete status line":                "waits for more",
	"incomplete header":                     "waits for more",
}

// TestNginxAgrees sends every head case from a backend through a real
// nginx acting as a proxy and checks that nginx refuses exactly the heads
// ParseHead refuses, logging the same message, and otherwise passes the
// same status. It skips when nginx is not installed.
func TestNginxAgrees(t *testing.T) {
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

	type tcase struct {
		desc, in string
		bufSize  int
	}
	var cases []tcase
	for _, c := range headCases {
		if differsFrom122[c.desc] == "" {
			cases = append(cases, tcase{c.desc, c.in, 1024})
		}
	}
	big := "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 1100) + "\r\nContent-Length: 2\r\n\r\nhi"
	cases = append(cases, tcase{"too big header", big, 1024})

	backend := serveCases(t, func(i int) string { return cases[i].in })

	dir := t.TempDir()
	addr := freeAddr(t)
	conf := fmt.Sprintf(`daemon off;
worker_processes 1;
error_log %[1]s/error.log info;
pid %[1]s/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s;
  proxy_temp_path %[1]s;
  fastcgi_temp_path %[1]s;
  uwsgi_temp_path %[1]s;
  scgi_temp_path %[1]s;
  server {
    listen %[2]s;
    location / {
      proxy_pass http://%[3]s;
      proxy_buffer_size 1k;
      proxy_read_timeout 3s;
    }
  }
}
`, dir, addr, backend)
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
	waitListening(t, addr)
	logPath := filepath.Join(dir, "error.log")

	for i, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			var h ResponseHead
			buf := make([]byte, 0, c.bufSize)
			_, _, perr := ReadHead(strings.NewReader(c.in), &h, buf)

			before := fileSize(logPath)
			resp := fetch(t, addr, "/"+strconv.Itoa(i))
			log := readFrom(logPath, before)

			var ih *InvalidHeaderError
			switch {
			case errors.As(perr, &ih) || perr == ErrTooBig:
				if !strings.HasPrefix(resp, "HTTP/1.1 502 ") {
					t.Errorf("we refuse (%v), nginx answered %.40q", perr, resp)
				}
				if !strings.Contains(log, perr.Error()+" while reading response header from upstream") {
					t.Errorf("nginx logged %q, we say %q", log, perr.Error())
				}
			case perr == ErrNoValidHeader:
				if !strings.HasPrefix(resp, c.in[:min(len(c.in), 8)]) {
					t.Errorf("HTTP/0.9: nginx answered %.40q", resp)
				}
				if !strings.Contains(log, perr.Error()) {
					t.Errorf("nginx logged %q", log)
				}
			case perr == nil:
				want := fmt.Sprintf("HTTP/1.1 %d", h.Status)
				if !strings.HasPrefix(resp, want) {
					t.Errorf("nginx answered %.40q, want %s", resp, want)
				}
				if strings.Contains(log, "while reading response header") {
					t.Errorf("nginx logged %q", log)
				}
			default:
				t.Fatalf("parse: %v", perr)
			}
		})
	}
}

// serveCases runs a backend that answers a request for /N with the bytes
// of case N and closes the connection.
func serveCases(t *testing.T, resp func(int) string) string {
	return cgitest.Serve(t, "tcp", "127.0.0.1:0", func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		for {
			l, err := br.ReadString('\n')
			if err != nil || l == "\r\n" {
				break
			}
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return
		}
		i, err := strconv.Atoi(strings.TrimPrefix(f[1], "/"))
		if err != nil {
			return
		}
		io.WriteString(c, resp(i))
	})
}

func freeAddr(t *testing.T) string { return testnet.FreeAddr(t) }

func waitListening(t *testing.T, addr string) {
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("nginx does not listen")
}

func fetch(t *testing.T, addr, path string) string {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(8 * time.Second))
	io.WriteString(c, "GET "+path+" HTTP/1.0\r\nHost: test\r\n\r\n")
	b, _ := io.ReadAll(c)
	return string(b)
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func readFrom(p string, off int64) string {
	b, err := os.ReadFile(p)
	if err != nil || int64(len(b)) < off {
		return ""
	}
	return string(b[off:])
}

package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/server"
	"weir/internal/testnet"
)

// weirBin is the weir binary built for the tests.
var weirBin string

const nginxBin = "/usr/sbin/nginx"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "weir-server-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	weirBin = filepath.Join(dir, "weir")
	// WEIR_BUILD_TAGS passes build tags to the binary's build (go test's
	// own -tags do not reach it).
	build := exec.Command("go", "build", "-tags", os.Getenv("WEIR_BUILD_TAGS"), "-o", weirBin, "weir/cmd/weir")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building weir:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func haveNginx() bool {
	_, err := os.Stat(nginxBin)
	return err == nil
}

// result is what a finished command printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runCmd runs bin with args in dir (cwd) and returns its outputs.
func runCmd(t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s %q: %v", bin, args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int { return testnet.FreePort(t) }

// prefix is a server directory: conf/, logs/, html/.
type prefix struct {
	t   *testing.T
	dir string
}

func newPrefix(t *testing.T) *prefix {
	t.Helper()
	dir := t.TempDir() + "/"
	for _, d := range []string{"conf", "logs", "html"} {
		if err := os.MkdirAll(dir+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &prefix{t: t, dir: dir}
}

func (p *prefix) write(name, text string) {
	p.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p.dir+name), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(p.dir+name, []byte(text), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *prefix) read(name string) string {
	b, _ := os.ReadFile(p.dir + name)
	return string(b)
}

// conf writes conf/nginx.conf.
func (p *prefix) conf(text string) { p.write("conf/nginx.conf", text) }

// args are the options that point a server at this prefix.
func (p *prefix) args(more ...string) []string {
	return append([]string{"-p", p.dir, "-c", "conf/nginx.conf", "-e", "logs/error.log"}, more...)
}

// pid reads logs/nginx.pid.
func (p *prefix) pid() int {
	n, err := strconv.Atoi(strings.TrimSpace(p.read("logs/nginx.pid")))
	if err != nil {
		return 0
	}
	return n
}

// serverConf is a minimal configuration answering text on port.
func serverConf(port int, text string, extra ...string) string {
	return fmt.Sprintf(`pid logs/nginx.pid;
error_log logs/error.log notice;
events { worker_connections 64; }
http {
    access_log logs/access.log;
    server {
        listen 127.0.0.1:%d;
        location / { return 200 "%s\n"; }
        %s
    }
}
`, port, text, strings.Join(extra, "\n"))
}

// get fetches path from addr without keep-alive.
func get(addr, path string) (int, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitFor polls cond every 20ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive tells whether pid is a live (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// listenInode returns the inode of the listening TCP socket on port, from
// /proc/net/tcp: the same inode means the same socket.
func listenInode(t *testing.T, port int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Skip("no /proc/net/tcp")
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" {
			return f[9]
		}
	}
	return ""
}

// started is a weir process started in the foreground by a test.
type started struct {
	t    *testing.T
	cmd  *exec.Cmd
	errb *bytes.Buffer
	done chan struct{}
	err  error
	p    *prefix
}

// startForeground starts weir with "daemon off" and waits for its pid file.
func startForeground(t *testing.T, p *prefix, more ...string) *started {
	t.Helper()
	args := p.args(append([]string{"-g", "daemon off;"}, more...)...)
	cmd := exec.Command(weirBin, args...)
	s := &started{t: t, cmd: cmd, errb: &bytes.Buffer{}, done: make(chan struct{}), p: p}
	cmd.Stderr = s.errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			cmd.Process.Kill()
			<-s.done
		}
	})
	if !waitFor(5*time.Second, func() bool { return p.pid() == cmd.Process.Pid }) {
		s.stop()
		t.Fatalf("weir did not write its pid file; stderr:\n%s\nerror.log:\n%s", s.errb, p.read("logs/error.log"))
	}
	return s
}

func (s *started) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits for the process to exit and returns its status.
func (s *started) wait(d time.Duration) int {
	s.t.Helper()
	select {
	case <-s.done:
	case <-time.After(d):
		// SIGABRT makes the Go runtime print every goroutine, so a hang
		// shows where it is (in the error log, where stderr points).
		s.cmd.Process.Signal(syscall.SIGABRT)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
		}
		s.t.Fatalf("weir did not exit within %v; stderr:\n%s\nerror.log:\n%s", d, s.errb, s.p.read("logs/error.log"))
	}
	return s.cmd.ProcessState.ExitCode()
}

func (s *started) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
	}
}

// runInProcess runs weir in this process on p's conf/nginx.conf, its
// error log in logs/error.log, until the test ends.
func runInProcess(t *testing.T, p *prefix) {
	t.Helper()
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- server.Run(ctx, server.Options{
			Config:   config.Options{Prefix: p.dir, ConfFile: "conf/nginx.conf"},
			ErrorLog: "logs/error.log", ErrorLogSet: true, Stderr: io.Discard,
			Ready: func() { close(ready) },
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("weir did not stop")
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}
}

// startNginx runs nginx on n's conf/nginx.conf (error log in
// logs/error.log) until the test ends, once addr accepts connections.
func startNginx(t *testing.T, n *prefix, addr string) {
	t.Helper()
	cmd := exec.Command(nginxBin, "-p", n.dir, "-c", "conf/nginx.conf", "-e", "logs/error.log",
		"-g", "daemon off; master_process off; pid logs/nginx.pid;")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if !waitFor(5*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("nginx did not start")
	}
}

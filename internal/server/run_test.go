package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestForeground: "daemon off" serves in the process started, writes
// the pid file only once bound, and on QUIT stops with status 0 and
// removes the pid file.
func TestForeground(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "hello"))
	s := startForeground(t, p)
	if code, body, err := get(addr, "/"); err != nil || code != 200 || body != "hello\n" {
		t.Fatalf("GET / = %d %q %v", code, body, err)
	}
	s.signal(syscall.SIGQUIT)
	if code := s.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d; stderr:\n%s", code, s.errb)
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Errorf("still accepting after exit")
	}
	log := p.read("logs/error.log")
	for _, want := range []string{
		"[notice] " + strconv.Itoa(s.cmd.Process.Pid) + "#",
		"signal 3 (SIGQUIT) received, shutting down",
		"gracefully shutting down", "exiting", "] " + strconv.Itoa(s.cmd.Process.Pid) + "#" + strconv.Itoa(s.cmd.Process.Pid) + ": exit\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error.log lacks %q:\n%s", want, log)
		}
	}
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/access.log"), `"GET / HTTP/1.1" 200 6`) }) {
		t.Errorf("access.log: %q", p.read("logs/access.log"))
	}
}

// TestTerm: TERM and INT stop at once, with status 0.
func TestTerm(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		p := newPrefix(t)
		port := freePort(t)
		p.conf(serverConf(port, "x"))
		s := startForeground(t, p)
		s.signal(sig)
		if code := s.wait(5 * time.Second); code != 0 {
			t.Fatalf("%v: exit status %d; stderr:\n%s", sig, code, s.errb)
		}
		if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
			t.Errorf("%v: pid file left behind", sig)
		}
		if !strings.Contains(p.read("logs/error.log"), fmt.Sprintf("signal %d (%s) received, exiting", int(sig), map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig])) {
			t.Errorf("%v: error.log:\n%s", sig, p.read("logs/error.log"))
		}
	}
}

// TestStartFailures: a start that cannot bind, or cannot write its pid
// file, prints nginx's lines on standard error, exits 1 and leaves no pid
// file behind.
func TestStartFailures(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	inUse := fmt.Sprintf("weir: [emerg] bind() to 127.0.0.1:%d failed (98: Address already in use)\n", port)

	t.Run("address in use", func(t *testing.T) {
		p := newPrefix(t)
		p.conf(serverConf(port, "x"))
		start := time.Now()
		r := runCmd(t, weirBin, p.args("-g", "daemon off;")...)
		want := strings.Repeat(inUse, 5) + "weir: [emerg] still could not bind()\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("got (%d) %q, want %q", r.code, r.stderr, want)
		}
		if d := time.Since(start); d < 2*time.Second {
			t.Errorf("gave up after %v; nginx tries for 2.5s", d)
		}
		if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
			t.Errorf("pid file written without sockets")
		}
		if log := p.read("logs/error.log"); strings.Count(log, "try again to bind() after 500ms") != 5 {
			t.Errorf("error.log:\n%s", log)
		}
	})
	t.Run("address in use, daemon", func(t *testing.T) {
		p := newPrefix(t)
		p.conf(serverConf(port, "x"))
		r := runCmd(t, weirBin, p.args()...)
		want := strings.Repeat(inUse, 5) + "weir: [emerg] still could not bind()\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("got (%d) %q, want %q", r.code, r.stderr, want)
		}
	})
	t.Run("bad config, daemon", func(t *testing.T) {
		p := newPrefix(t)
		p.conf("events {}\nfoo;\n")
		r := runCmd(t, weirBin, p.args()...)
		want := fmt.Sprintf("weir: [emerg] unknown directive \"foo\" in %sconf/nginx.conf:2\n", p.dir)
		if r.code != 1 || r.stderr != want {
			t.Errorf("got (%d) %q, want %q", r.code, r.stderr, want)
		}
	})
	t.Run("pid file unwritable", func(t *testing.T) {
		p := newPrefix(t)
		p.conf(strings.Replace(serverConf(freePort(t), "x"), "pid logs/nginx.pid;", "pid none/nginx.pid;", 1))
		r := runCmd(t, weirBin, p.args("-g", "daemon off;")...)
		want := fmt.Sprintf("weir: [emerg] open() \"%snone/nginx.pid\" failed (2: No such file or directory)\n", p.dir)
		if r.code != 1 || r.stderr != want {
			t.Errorf("got (%d) %q, want %q", r.code, r.stderr, want)
		}
	})
}

// TestDaemon: the default "daemon on" returns at once with status 0 and
// leaves a detached server whose pid is in the pid file; -s stop ends it,
// and no process is left behind.
func TestDaemon(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "daemon"))
	r := runCmd(t, weirBin, p.args()...)
	if r.code != 0 || r.stderr != "" || r.stdout != "" {
		t.Fatalf("start: (%d) %q %q", r.code, r.stdout, r.stderr)
	}
	pid := p.pid()
	t.Cleanup(func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if !alive(pid) {
		t.Fatalf("no daemon at pid %d; error.log:\n%s", pid, p.read("logs/error.log"))
	}
	// The daemon leads its own session, away from the terminal.
	if sid, _ := getsid(pid); sid != pid {
		t.Errorf("daemon session %d, want %d", sid, pid)
	}
	if code, body, err := get(addr, "/"); err != nil || code != 200 || body != "daemon\n" {
		t.Fatalf("GET / = %d %q %v", code, body, err)
	}
	if r := runCmd(t, weirBin, p.args("-s", "reload")...); r.code != 0 || r.stderr != "" {
		t.Fatalf("-s reload: (%d) %q", r.code, r.stderr)
	}
	// A signal is handled after kill() returns: wait for the reload
	// before stopping, so that the two signals are not pending together.
	if !waitFor(5*time.Second, func() bool {
		return strings.Contains(p.read("logs/error.log"), "signal 1 (SIGHUP) received, reconfiguring")
	}) {
		t.Fatalf("no reload 5 s after -s reload; error.log:\n%s", p.read("logs/error.log"))
	}
	if r := runCmd(t, weirBin, p.args("-s", "stop")...); r.code != 0 || r.stderr != "" {
		t.Fatalf("-s stop: (%d) %q", r.code, r.stderr)
	}
	if !waitFor(5*time.Second, func() bool { return !alive(pid) }) {
		t.Fatalf("daemon %d still running after -s stop", pid)
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left behind")
	}
	if log := p.read("logs/error.log"); !strings.Contains(log, "signal 15 (SIGTERM) received, exiting") ||
		!strings.Contains(log, "signal process started") || !strings.Contains(log, "signal 1 (SIGHUP) received, reconfiguring") {
		t.Errorf("error.log:\n%s", log)
	}
}

func getsid(pid int) (int, error) {
	r, _, e := syscall.RawSyscall(syscall.SYS_GETSID, uintptr(pid), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// TestReload: HUP with a bad configuration keeps the old one serving and
// logs why; with a good one the new one serves, on the same listening
// socket (same inode), which never refuses a connection meanwhile; a new
// listen is opened and a removed one closed.
func TestReload(t *testing.T) {
	p := newPrefix(t)
	port, port2 := freePort(t), freePort(t)
	addr, addr2 := fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", port2)
	p.conf(serverConf(port, "one"))
	s := startForeground(t, p)
	inode := listenInode(t, port)
	if inode == "" {
		t.Fatal("no listening socket found")
	}

	// Hammer the socket for the whole test: no connection may fail.
	var stop atomic.Bool
	var failures atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			if code, _, err := get(addr, "/"); err != nil || code != 200 {
				failures.Add(1)
			}
		}
	}()
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()

	body := func(a string) string {
		_, b, err := get(a, "/")
		if err != nil {
			return err.Error()
		}
		return b
	}

	p.conf(serverConf(port, "two") + "foo;\n")
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/error.log"), "unknown directive \"foo\"") }) {
		t.Fatalf("bad reload not logged:\n%s", p.read("logs/error.log"))
	}
	if b := body(addr); b != "one\n" {
		t.Fatalf("after a bad reload: %q", b)
	}

	sock := p.dir + "s.sock"
	p.conf(serverConf(port, "two", fmt.Sprintf("listen 127.0.0.1:%d; listen unix:%s;", port2, sock)))
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return body(addr) == "two\n" }) {
		t.Fatalf("new configuration not serving: %q\n%s", body(addr), p.read("logs/error.log"))
	}
	if b := body(addr2); b != "two\n" {
		t.Fatalf("new listen: %q", b)
	}
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o666 {
		t.Fatalf("unix socket: %v %v", fi, err)
	}
	if got := listenInode(t, port); got != inode {
		t.Errorf("listening socket replaced: inode %s, was %s", got, inode)
	}

	p.conf(serverConf(port, "three"))
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { return body(addr) == "three\n" }) {
		t.Fatalf("third configuration not serving: %q", body(addr))
	}
	if !waitFor(2*time.Second, func() bool { _, err := net.Dial("tcp", addr2); return err != nil }) {
		t.Errorf("removed listen still accepting")
	}
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("removed unix socket file still there: %v", err)
	}
	if log := p.read("logs/error.log"); !strings.Contains(log, "[warn] "+strconv.Itoa(s.cmd.Process.Pid)+"#"+strconv.Itoa(s.cmd.Process.Pid)+": deleting socket "+sock+"\n") {
		t.Errorf("no deleting socket line:\n%s", log)
	}
	stop.Store(true)
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Errorf("%d requests failed during reloads", n)
	}
	if p.pid() != s.cmd.Process.Pid {
		t.Errorf("pid file changed")
	}
	log := p.read("logs/error.log")
	for _, want := range []string{"signal 1 (SIGHUP) received, reconfiguring", "[notice]", "reconfiguring"} {
		if !strings.Contains(log, want) {
			t.Errorf("error.log lacks %q", want)
		}
	}
	s.signal(syscall.SIGQUIT)
	if code := s.wait(10 * time.Second); code != 0 {
		t.Errorf("exit status %d", code)
	}
}

// TestQuitFinishesRequest: QUIT closes the listening socket at once, but
// a response being sent is sent whole before the process exits.
func TestQuitFinishesRequest(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "x", "location /big { root html; }"))
	const size = 64 << 20
	f, err := os.Create(p.dir + "html/big")
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(size)
	f.Close()
	s := startForeground(t, p)

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	var header []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading header: %v (%q)", err, header)
		}
		if line == "\r\n" {
			break
		}
		header = append(header, strings.TrimSpace(line))
	}
	if len(header) == 0 || header[0] != "HTTP/1.1 200 OK" {
		t.Fatalf("header %q", header)
	}
	first := make([]byte, 1<<20)
	if _, err := io.ReadFull(br, first); err != nil {
		t.Fatal(err)
	}

	s.signal(syscall.SIGQUIT)
	// A probe accepted before the listener closed must be closed here: an
	// exiting weir, like an exiting nginx worker, waits for a connection
	// that has not sent its first request yet (up to client_header_timeout).
	if !waitFor(5*time.Second, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}) {
		t.Fatalf("still accepting after QUIT")
	}
	time.Sleep(100 * time.Millisecond)
	select {
	case <-s.done:
		t.Fatalf("exited with a response in flight")
	default:
	}
	n, err := io.Copy(io.Discard, br)
	if err != nil || n+int64(len(first)) != size {
		t.Fatalf("read %d of %d: %v", n+int64(len(first)), size, err)
	}
	if code := s.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
}

// TestReopen: USR1 makes the server write to new files after the old
// ones were renamed away.
func TestReopen(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "x"))
	s := startForeground(t, p)
	get(addr, "/first")
	// The log line is written after the response is sent.
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/access.log"), "/first") }) {
		t.Fatalf("access.log: %q", p.read("logs/access.log"))
	}
	os.Rename(p.dir+"logs/access.log", p.dir+"logs/access.log.1")
	os.Rename(p.dir+"logs/error.log", p.dir+"logs/error.log.1")
	s.signal(syscall.SIGUSR1)
	if !waitFor(5*time.Second, func() bool {
		_, err := os.Stat(p.dir + "logs/access.log")
		return err == nil
	}) {
		t.Fatalf("access.log not reopened; error.log.1:\n%s", p.read("logs/error.log.1"))
	}
	get(addr, "/second")
	waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/access.log"), "/second") })
	if a := p.read("logs/access.log"); !strings.Contains(a, "/second") || strings.Contains(a, "/first") {
		t.Errorf("access.log after reopen: %q", a)
	}
	if a := p.read("logs/access.log.1"); strings.Contains(a, "/second") {
		t.Errorf("old access.log written after reopen: %q", a)
	}
	if !strings.Contains(p.read("logs/error.log.1"), "signal 10 (SIGUSR1) received, reopening logs") {
		t.Errorf("error.log.1:\n%s", p.read("logs/error.log.1"))
	}
	s.signal(syscall.SIGQUIT)
	s.wait(10 * time.Second)
	if !strings.Contains(p.read("logs/error.log"), "gracefully shutting down") {
		t.Errorf("new error.log:\n%s", p.read("logs/error.log"))
	}
}

// TestIgnoredSignals: WINCH (there are no worker processes to stop) is
// logged and changes nothing.
func TestIgnoredSignals(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "x"))
	s := startForeground(t, p)
	s.signal(syscall.SIGWINCH)
	if !waitFor(5*time.Second, func() bool {
		return strings.Contains(p.read("logs/error.log"), "signal 28 (SIGWINCH) received")
	}) {
		t.Fatalf("error.log:\n%s", p.read("logs/error.log"))
	}
	if code, _, err := get(addr, "/"); code != 200 || err != nil {
		t.Fatalf("GET after WINCH: %d %v", code, err)
	}
	s.stop()
}

// TestShutdownTimeout: worker_shutdown_timeout bounds a graceful stop
// whose client stopped reading.
func TestShutdownTimeout(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf("worker_shutdown_timeout 300ms;\n" + serverConf(port, "x", "location /big { root html; }"))
	f, err := os.Create(p.dir + "html/big")
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(64 << 20)
	f.Close()
	s := startForeground(t, p)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
	c.Read(make([]byte, 4096))
	start := time.Now()
	s.signal(syscall.SIGQUIT)
	if code := s.wait(5 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("stopped after %v, before the timeout", d)
	}
}

// TestReloadServesFreshConnection: a connection accepted before a reload
// whose request comes after it is answered, by the configuration that
// accepted it, with "Connection: close" — as an old nginx worker does (it
// closes only idle keep-alive connections when it shuts down).
func TestReloadServesFreshConnection(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "one"))
	s := startForeground(t, p)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(100 * time.Millisecond)
	p.conf(serverConf(port, "two"))
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool { _, b, _ := get(addr, "/"); return b == "two\n" }) {
		t.Fatal("reload did not take")
	}
	time.Sleep(100 * time.Millisecond)
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, _ := io.ReadAll(c)
	if r := string(resp); !strings.HasPrefix(r, "HTTP/1.1 200 OK\r\n") || !strings.Contains(r, "\r\nConnection: close\r\n") || !strings.HasSuffix(r, "\r\n\r\none\n") {
		t.Errorf("response %q", r)
	}
	s.stop()
}

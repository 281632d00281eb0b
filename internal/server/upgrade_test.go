package server_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// upgrade sends USR2 to s and waits for the new binary's pid file; it
// returns the new pid and makes sure the test stops that process.
func upgrade(t *testing.T, s *started) int {
	t.Helper()
	old := s.cmd.Process.Pid
	s.signal(syscall.SIGUSR2)
	var pid int
	if !waitFor(10*time.Second, func() bool { pid = s.p.pid(); return pid != 0 && pid != old }) {
		t.Fatalf("no new binary; error.log:\n%s", s.p.read("logs/error.log"))
	}
	t.Cleanup(func() {
		if alive(pid) {
			syscall.Kill(pid, syscall.SIGTERM)
			waitFor(5*time.Second, func() bool { return !alive(pid) })
		}
	})
	return pid
}

// TestBinaryUpgrade: USR2 renames the pid file to .oldbin and starts the
// new binary on the same sockets; both serve; a second USR2 is refused by
// either; QUIT to the old one leaves the new one serving alone.
func TestBinaryUpgrade(t *testing.T) {
	p := newPrefix(t)
	port, port2 := freePort(t), freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "one"))
	s := startForeground(t, p)
	old := s.cmd.Process.Pid
	inode := listenInode(t, port)
	// the new binary's configuration adds a socket
	p.conf(serverConf(port, "two", fmt.Sprintf("listen 127.0.0.1:%d;", port2)))
	pid := upgrade(t, s)
	if b := strings.TrimSpace(p.read("logs/nginx.pid.oldbin")); b != strconv.Itoa(old) {
		t.Fatalf("nginx.pid.oldbin = %q, want %d", b, old)
	}
	seen := map[string]bool{}
	waitFor(10*time.Second, func() bool {
		_, b, _ := get(addr, "/")
		seen[b] = true
		return seen["one\n"] && seen["two\n"]
	})
	if !seen["one\n"] || !seen["two\n"] {
		t.Errorf("both binaries should serve: saw %v", seen)
	}
	if _, b, err := get(fmt.Sprintf("127.0.0.1:%d", port2), "/"); b != "two\n" {
		t.Errorf("new socket: %q %v", b, err)
	}
	if got := listenInode(t, port); got != inode {
		t.Errorf("listening socket changed: inode %s, was %s", got, inode)
	}
	s.signal(syscall.SIGUSR2)
	syscall.Kill(pid, syscall.SIGUSR2)
	refused := "[crit] %d#%d: the changing binary signal is ignored: you should shutdown or terminate before either old or new binary's process"
	if !waitFor(5*time.Second, func() bool {
		l := p.read("logs/error.log")
		return strings.Contains(l, fmt.Sprintf(refused, old, old)) && strings.Contains(l, fmt.Sprintf(refused, pid, pid))
	}) {
		t.Errorf("second USR2 not refused by both; error.log:\n%s", p.read("logs/error.log"))
	}

	s.signal(syscall.SIGQUIT)
	if code := s.wait(10 * time.Second); code != 0 {
		t.Fatalf("old binary exit status %d", code)
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid.oldbin"); !os.IsNotExist(err) {
		t.Errorf("nginx.pid.oldbin left behind: %v", err)
	}
	if p.pid() != pid {
		t.Errorf("pid file %d, want %d", p.pid(), pid)
	}
	for i := 0; i < 20; i++ {
		if code, b, err := get(addr, "/"); code != 200 || b != "two\n" {
			t.Fatalf("after the old one quit: %d %q %v", code, b, err)
		}
	}
	if got := listenInode(t, port); got != inode {
		t.Errorf("listening socket changed: inode %s, was %s", got, inode)
	}
	log := p.read("logs/error.log")
	for _, want := range []string{
		fmt.Sprintf("[notice] %d#%d: signal 12 (SIGUSR2) received, changing binary", old, old),
		fmt.Sprintf("[notice] %d#%d: changing binary", old, old),
		fmt.Sprintf("[notice] %d#%d: start new binary process %d", old, old, pid),
		fmt.Sprintf("[notice] %d#%d: using inherited sockets from \"3;\"", pid, pid),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("error.log lacks %q:\n%s", want, log)
		}
	}
	// now alone, the new binary may be upgraded in its turn
	syscall.Kill(pid, syscall.SIGQUIT)
	if !waitFor(10*time.Second, func() bool { return !alive(pid) }) {
		t.Fatal("new binary did not quit")
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
}

// TestBinaryUpgradeFails: a new binary that cannot start (bad
// configuration) exits; the old one says so, renames the pid file back
// and serves on; a later USR2 works.
func TestBinaryUpgradeFails(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "one"))
	s := startForeground(t, p)
	old := s.cmd.Process.Pid
	p.conf(serverConf(port, "one") + "bogus;\n")
	s.signal(syscall.SIGUSR2)
	want := "new binary process "
	if !waitFor(10*time.Second, func() bool {
		return strings.Contains(p.read("logs/error.log"), " exited with code 1")
	}) {
		t.Fatalf("error.log:\n%s", p.read("logs/error.log"))
	}
	if !waitFor(5*time.Second, func() bool { return p.pid() == old }) {
		t.Fatalf("pid file not renamed back: %q", p.read("logs/nginx.pid"))
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid.oldbin"); !os.IsNotExist(err) {
		t.Errorf("nginx.pid.oldbin left behind")
	}
	log := p.read("logs/error.log")
	for _, w := range []string{want, "[emerg]", `unknown directive "bogus"`, "(SIGCHLD) received from "} {
		if !strings.Contains(log, w) {
			t.Errorf("error.log lacks %q:\n%s", w, log)
		}
	}
	if code, b, err := get(addr, "/"); code != 200 || b != "one\n" {
		t.Fatalf("old binary after a failed upgrade: %d %q %v", code, b, err)
	}
	// rollback: a new binary stopped before the old one gives the pid
	// file back
	p.conf(serverConf(port, "two"))
	pid := upgrade(t, s)
	syscall.Kill(pid, syscall.SIGQUIT)
	if !waitFor(10*time.Second, func() bool { return p.pid() == old && !alive(pid) }) {
		t.Fatalf("pid file after rollback: %q", p.read("logs/nginx.pid"))
	}
	if code, b, err := get(addr, "/"); code != 200 || b != "one\n" {
		t.Fatalf("old binary after rollback: %d %q %v", code, b, err)
	}
	s.signal(syscall.SIGQUIT)
	if code := s.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left behind")
	}
}

// TestBinaryUpgradeDaemon: a daemon's new binary stays in the foreground
// of the daemon's session and takes over once the old one quits.
func TestBinaryUpgradeDaemon(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "one"))
	if r := runCmd(t, weirBin, p.args()...); r.code != 0 {
		t.Fatalf("start: %d %s", r.code, r.stderr)
	}
	old := p.pid()
	t.Cleanup(func() { syscall.Kill(old, syscall.SIGTERM) })
	p.conf(serverConf(port, "two"))
	syscall.Kill(old, syscall.SIGUSR2)
	var pid int
	if !waitFor(10*time.Second, func() bool { pid = p.pid(); return pid != 0 && pid != old }) {
		t.Fatalf("no new binary; error.log:\n%s", p.read("logs/error.log"))
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGTERM) })
	syscall.Kill(old, syscall.SIGQUIT)
	if !waitFor(10*time.Second, func() bool { return !alive(old) }) {
		t.Fatal("old binary did not quit")
	}
	if code, b, err := get(addr, "/"); code != 200 || b != "two\n" {
		t.Fatalf("%d %q %v", code, b, err)
	}
	if r := runCmd(t, weirBin, p.args("-s", "quit")...); r.code != 0 {
		t.Fatalf("-s quit: %+v", r)
	}
	if !waitFor(10*time.Second, func() bool { return !alive(pid) }) {
		t.Fatal("new binary did not quit")
	}
}

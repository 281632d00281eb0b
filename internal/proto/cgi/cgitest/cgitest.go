// Package cgitest starts the real application servers the codec tests
// of fastcgi, scgi, uwsgi and memcached talk to (PHP-FPM, uWSGI,
// memcached). Tests skip when a binary is absent; every server listens on
// 127.0.0.1 or in a temporary directory and is stopped with its workers by its PID (the
// process group it leads).
package cgitest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// Binaries of the servers. PHPFPM is Debian's versioned php-fpmX.Y, the
// newest installed (a path that does not exist when there is none).
var PHPFPM = findPHPFPM()

const (
	UWSGI     = "/usr/bin/uwsgi"
	Memcached = "/usr/bin/memcached"
)

func findPHPFPM() string {
	m, _ := filepath.Glob("/usr/sbin/php-fpm*")
	sort.Strings(m)
	if len(m) == 0 {
		return "/usr/sbin/php-fpm"
	}
	return m[len(m)-1]
}

// Need skips t when bin is not installed.
func Need(t testing.TB, bin string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not installed", bin)
	}
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Serve runs a server listening on network and address that calls
// handle in a goroutine of its own for each connection (which handle
// closes) until the test ends; it returns the address to dial. For a fake
// server written in the test.
func Serve(t testing.TB, network, address string, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln.Addr().String()
}

// Start runs bin with args, its output collected, and stops it by PID
// when the test ends. It waits until network/addr accepts connections.
func Start(t testing.TB, network, addr, bin string, args ...string) {
	t.Helper()
	Need(t, bin)
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group, so that the workers it forks are stopped
	// with it; WaitDelay, so that a worker holding the output pipe does
	// not block Wait.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			t.Logf("stopping %s: %v", bin, err)
		}
		<-exited
		if t.Failed() {
			t.Logf("%s output:\n%s", bin, out.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout(network, addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			t.Fatalf("%s exited: %s", bin, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening on %s: %v\n%s", bin, addr, err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StartPHPFPM runs PHP-FPM with a static pool of two children on a
// loopback port and returns its address.
func StartPHPFPM(t testing.TB) string {
	t.Helper()
	Need(t, PHPFPM)
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	conf := "[global]\nerror_log = " + dir + "/fpm.log\ndaemonize = no\npid = " + dir + "/fpm.pid\n" +
		"[www]\nlisten = " + addr + "\npm = static\npm.max_children = 2\nclear_env = no\n"
	args := []string{"-F", "-n", "-y", dir + "/fpm.conf"}
	if os.Geteuid() == 0 {
		conf += "user = root\n"
		args = append(args, "-R")
	}
	WriteFile(t, dir+"/fpm.conf", conf)
	Start(t, "tcp", addr, PHPFPM, args...)
	return addr
}

// StartUWSGI runs uWSGI with the python3 plugin serving the WSGI app in
// file app.py of dir, with socketOpt ("--uwsgi-socket", "--scgi-socket"
// or "--http-socket") on a loopback port, and returns its address.
func StartUWSGI(t testing.TB, dir, socketOpt string) string {
	t.Helper()
	return StartUWSGIWith(t, dir, socketOpt, "")
}

// StartUWSGITLS runs uWSGI as StartUWSGI does, speaking the uwsgi
// protocol over TLS (--ssl-socket) with the certificate and key files
// cert and key. With clientCA, uWSGI requires a client certificate that
// the CA in that file signed ("!" before the file makes it required).
func StartUWSGITLS(t testing.TB, dir, cert, key, clientCA string) string {
	t.Helper()
	spec := "," + cert + "," + key
	if clientCA != "" {
		spec += ",HIGH,!" + clientCA
	}
	return StartUWSGIWith(t, dir, "--ssl-socket", spec)
}

// StartUWSGIWith is StartUWSGI with suffix after the address in the
// socket option's value.
func StartUWSGIWith(t testing.TB, dir, socketOpt, suffix string) string {
	t.Helper()
	Need(t, UWSGI)
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	args := []string{"--plugin", "python3", socketOpt, addr + suffix, "--chdir", dir,
		"--wsgi-file", dir + "/app.py", "--master", "--processes", "1", "--die-on-term", "--disable-logging"}
	Start(t, "tcp", addr, UWSGI, args...)
	return addr
}

// StartMemcached runs memcached on a loopback port and returns its
// address.
func StartMemcached(t testing.TB) string {
	t.Helper()
	port := FreePort(t)
	args := []string{"-l", "127.0.0.1", "-p", fmt.Sprint(port), "-U", "0"}
	if os.Geteuid() == 0 {
		args = append(args, "-u", "root")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	Start(t, "tcp", addr, Memcached, args...)
	return addr
}

// WriteFile writes a file or fails t.
func WriteFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

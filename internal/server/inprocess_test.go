package server_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/server"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestRunInProcess drives Run through its signal channel, so the race
// detector sees reload, reopen and graceful stop under load.
func TestRunInProcess(t *testing.T) {
	p := newPrefix(t)
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.conf(serverConf(port, "one"))
	sigs := make(chan os.Signal, 1)
	ready := make(chan struct{})
	var stderr syncBuffer
	o := server.Options{
		Config:      config.Options{Prefix: p.dir, ConfFile: "conf/nginx.conf"},
		ErrorLog:    "logs/error.log",
		ErrorLogSet: true,
		Stderr:      &stderr,
		Signals:     sigs,
		Ready:       func() { close(ready) },
	}
	done := make(chan error, 1)
	go func() { done <- server.Run(context.Background(), o) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("Run: %v; stderr:\n%s", err, stderr.String())
	case <-time.After(5 * time.Second):
		t.Fatal("not ready")
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var failed sync.Map
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if code, _, err := get(addr, "/"); err != nil || code != 200 {
					failed.Store(fmt.Sprint(code, err), true)
				}
			}
		}()
	}
	p.conf(serverConf(port, "two"))
	sigs <- syscall.SIGHUP
	if !waitFor(5*time.Second, func() bool { _, b, _ := get(addr, "/"); return b == "two\n" }) {
		t.Errorf("reload did not take")
	}
	sigs <- syscall.SIGUSR1
	p.conf(serverConf(port, "three") + "bad;\n")
	sigs <- syscall.SIGHUP
	time.Sleep(100 * time.Millisecond)
	cancel()
	wg.Wait()
	failed.Range(func(k, _ any) bool { t.Errorf("request failed: %v", k); return true })
	if _, b, _ := get(addr, "/"); b != "two\n" {
		t.Errorf("after a bad reload: %q", b)
	}
	sigs <- syscall.SIGQUIT
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop")
	}
	if stderr.String() != "" {
		t.Errorf("stderr: %q", stderr.String())
	}
	if _, err := os.Stat(p.dir + "logs/nginx.pid"); !os.IsNotExist(err) {
		t.Errorf("pid file left behind")
	}
	if log := p.read("logs/error.log"); !strings.Contains(log, `unknown directive "bad"`) {
		t.Errorf("error.log:\n%s", log)
	}
}

// TestRunStartError: Run reports a failed start as ErrStart, with nginx's
// line on the given standard error.
func TestRunStartError(t *testing.T) {
	p := newPrefix(t)
	p.conf("events {}\nfoo;\n")
	var stderr syncBuffer
	err := server.Run(context.Background(), server.Options{
		Config:  config.Options{Prefix: p.dir, ConfFile: "conf/nginx.conf"},
		Stderr:  &stderr,
		Signals: make(chan os.Signal),
	})
	if !errors.Is(err, server.ErrStart) {
		t.Fatalf("Run = %v", err)
	}
	want := fmt.Sprintf("weir: [emerg] unknown directive \"foo\" in %sconf/nginx.conf:2\n", p.dir)
	if stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

package stream

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/testnet"
)

// echo starts a TCP echo backend and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
			go func() {
				defer c.Close()
				io.Copy(c, c)
				c.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	return ln.Addr().String()
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string { return testnet.DeadAddr(t) }

// start loads a configuration with the stream block body and serves its
// first listen on a listener of the test's own.
func start(t *testing.T, body string) (addr string, dir string, s *Server) {
	t.Helper()
	dir = t.TempDir()
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	conf := "events {}\nstream {\n" + body + "\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Prefix: dir + "/", ConfFile: dir + "/nginx.conf"})
	if err != nil {
		t.Fatal(err)
	}
	log, err := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "logs/error.log"), Level: errlog.Info}})
	if err != nil {
		t.Fatal(err)
	}
	s, err = New(cfg.Stream, log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln, cfg.Stream.Listens[0])
	t.Cleanup(func() {
		ln.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		s.Wait(ctx)
		s.Close()
		log.Close()
	})
	return ln.Addr().String(), dir, s
}

func readLog(t *testing.T, path string, want int) []string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
		if len(b) > 0 && len(lines) >= want || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestProxyFailoverAndLog(t *testing.T) {
	good, dead := echo(t), deadAddr(t)
	addr, dir, _ := start(t, fmt.Sprintf(`
    log_format s '$protocol $status $bytes_sent $bytes_received "$upstream_addr" "$upstream_bytes_sent" "$upstream_bytes_received" "$upstream_connect_time"';
    access_log logs/access.log s;
    upstream u { server %s; server %s; }
    server { listen 127.0.0.1:1; proxy_pass u; proxy_half_close on; }`, dead, good))
	c := dial(t, addr)
	io.WriteString(c, "hello")
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "hello" {
		t.Fatalf("got %q, %v", got, err)
	}
	line := readLog(t, filepath.Join(dir, "logs/access.log"), 1)[0]
	prefix := fmt.Sprintf(`TCP 200 5 5 "%s, %s" "0, 5" "0, 5" "-, `, dead, good)
	if !strings.HasPrefix(line, prefix) {
		t.Errorf("access log %q, want prefix %q", line, prefix)
	}
	errs := strings.Join(readLog(t, filepath.Join(dir, "logs/error.log"), 5), "\n")
	for _, want := range []string{
		"connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: 127.0.0.1:1, upstream: \"" + dead + "\", bytes from/to client:0/0, bytes from/to upstream:0/0",
		"upstream server temporarily disabled while connecting to upstream",
		"connected to " + good,
		"upstream disconnected, bytes from/to client:5/5, bytes from/to upstream:5/5",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("error log lacks %q:\n%s", want, errs)
		}
	}
}

func TestNextUpstreamOff(t *testing.T) {
	good, dead := echo(t), deadAddr(t)
	addr, dir, _ := start(t, fmt.Sprintf(`
    log_format s '$status "$upstream_addr"';
    access_log logs/access.log s;
    upstream u { server %s; server %s; }
    server { listen 127.0.0.1:1; proxy_pass u; proxy_next_upstream off; }`, dead, good))
	io.ReadAll(dial(t, addr))
	if line := readLog(t, filepath.Join(dir, "logs/access.log"), 1)[0]; line != `502 "`+dead+`"` {
		t.Errorf("access log %q", line)
	}
}

func TestDownloadRate(t *testing.T) {
	for _, rate := range []string{"proxy_download_rate 20k;", "set $r 20k; proxy_download_rate $r;"} {
		t.Run(rate, func(t *testing.T) {
			good := echo(t)
			addr, _, _ := start(t, fmt.Sprintf(`
    server { listen 127.0.0.1:1; proxy_pass %s; %s proxy_half_close on; }`, good, rate))
			c := dial(t, addr)
			go func() {
				c.Write(make([]byte, 20000))
				c.(*net.TCPConn).CloseWrite()
			}()
			t0 := time.Now()
			got, _ := io.ReadAll(c)
			if len(got) != 20000 {
				t.Fatalf("got %d bytes", len(got))
			}
			// 20000 bytes at 20k/s: about a second (the first fifth at once)
			if d := time.Since(t0); d < 600*time.Millisecond {
				t.Errorf("20000 bytes at 20k/s took %v", d)
			}
		})
	}
}

// dial connects to addr for the rest of the test, with a deadline.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

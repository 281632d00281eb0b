package httpd

import (
	"bufio"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// startPipeline serves conf (with {{ROOT}} replaced by a site holding a
// 1 KiB file) through httpcore and the pipeline on a loopback port.
func startPipeline(tb testing.TB, conf string) string {
	tb.Helper()
	addr, _ := startPipelineDir(tb, conf)
	return addr
}

// startPipelineDir is startPipeline that also returns the prefix.
func startPipelineDir(tb testing.TB, conf string) (addr, prefix string) {
	tb.Helper()
	dir := tb.TempDir()
	html := filepath.Join(dir, "html")
	if err := os.MkdirAll(html, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(html, "1k.txt"), []byte(strings.Repeat("x", 1024)), 0o644); err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	conf = strings.NewReplacer("{{ROOT}}", html, "{{PORT}}", port).Replace(conf)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Prefix: dir + "/", ConfFile: filepath.Join(dir, "nginx.conf")})
	if err != nil {
		tb.Fatal(err)
	}
	lg, err := errlog.New([]errlog.Sink{{Path: filepath.Join(dir, "logs/error.log"), Level: errlog.Error}})
	if err != nil {
		tb.Fatal(err)
	}
	snap, err := NewSnapshot(cfg, lg)
	if err != nil {
		tb.Fatal(err)
	}
	srv := &httpcore.Server{Handler: New(snap)}
	done := make(chan struct{})
	go func() { srv.Serve(ln, cfg.HTTP.Listens[0].Addr); close(done) }()
	tb.Cleanup(func() {
		ln.Close()
		<-done
		srv.CloseAll()
		snap.Close()
		lg.Close()
	})
	return ln.Addr().String(), dir
}

// benchKeepalive sends req over one keep-alive connection b.N times and
// reads each response (Content-Length framed).
func benchKeepalive(b *testing.B, addr, req string) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	raw := []byte(req)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(raw); err != nil {
			b.Fatal(err)
		}
		n := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			if v, ok := strings.CutPrefix(string(line), "Content-Length: "); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if n < 0 {
			b.Fatal("no Content-Length")
		}
		if _, err := br.Discard(n); err != nil && err != io.EOF {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatic1K measures a 1 KiB static file through the whole
// pipeline (server and location selection, static handler, header
// filter) over one keep-alive loopback connection, without access log.
func BenchmarkStatic1K(b *testing.B) {
	addr := startPipeline(b, `events {} http { keepalive_requests 100000000; access_log off; sendfile on;
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}}; location / { } location ~ \.php$ { return 404; } } }`)
	benchKeepalive(b, addr, "GET /1k.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n")
}

// BenchmarkStatic1KLogged is BenchmarkStatic1K with the combined access log.
func BenchmarkStatic1KLogged(b *testing.B) {
	addr := startPipeline(b, `events {} http { keepalive_requests 100000000; sendfile on;
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}}; access_log logs/access.log combined; } }`)
	benchKeepalive(b, addr, "GET /1k.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n")
}

// BenchmarkReturn measures a rewrite-module answer (no file system).
func BenchmarkReturn(b *testing.B) {
	addr := startPipeline(b, `events {} http { keepalive_requests 100000000; access_log off;
		server { listen 127.0.0.1:{{PORT}}; location = /r { return 200 "hello $arg_x"; } } }`)
	benchKeepalive(b, addr, "GET /r?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n")
}

// startFixedUpstream starts a minimal upstream on 127.0.0.1 that answers
// every request on a connection with the same small response.
func startFixedUpstream(b *testing.B) net.Listener {
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nhello world\n")
	return startLoopback(b, func(c net.Conn) {
		br := bufio.NewReader(c)
		for {
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				if len(line) <= 2 {
					break
				}
			}
			if _, err := c.Write(answer); err != nil {
				return
			}
		}
	})
}

// startLoopback listens on 127.0.0.1 and runs serve for each connection
// in a goroutine of its own, closing the connection after it.
func startLoopback(b *testing.B, serve func(net.Conn)) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln
}

// BenchmarkProxyParallel proxies GETs over 16 keep-alive client
// connections at once: ns/op is the throughput cost (client, weir and
// the upstream share the process).
func BenchmarkProxyParallel(b *testing.B) {
	ln := startFixedUpstream(b)
	defer ln.Close()
	addr := startPipeline(b, `events {} http { access_log off; keepalive_requests 100000000;
		upstream u { server `+ln.Addr().String()+`; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; } } }`)
	req := []byte("GET /p HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Error(err)
			return
		}
		defer c.Close()
		br := bufio.NewReaderSize(c, 16<<10)
		for pb.Next() {
			if _, err := c.Write(req); err != nil {
				b.Error(err)
				return
			}
			n := -1
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					b.Error(err)
					return
				}
				if len(line) <= 2 {
					break
				}
				if v, ok := strings.CutPrefix(string(line), "Content-Length: "); ok {
					n, _ = strconv.Atoi(strings.TrimSpace(v))
				}
			}
			if _, err := br.Discard(n); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkProxy is one proxied GET over keep-alive on both sides, to a
// minimal upstream on 127.0.0.1 (a loop answering a fixed response), so
// the figure is weir's own cost per proxied request.
func BenchmarkProxy(b *testing.B) {
	ln := startFixedUpstream(b)
	defer ln.Close()
	addr, dir := startPipelineDir(b, `events {} http { access_log off; keepalive_requests 100000000;
		upstream u { server `+ln.Addr().String()+`; }
		server { listen 127.0.0.1:{{PORT}}; location / { proxy_pass http://u; } } }`)
	defer func() {
		if b.Failed() {
			e, _ := os.ReadFile(filepath.Join(dir, "logs/error.log"))
			b.Logf("%s", e)
		}
	}()
	benchKeepalive(b, addr, "GET /p HTTP/1.1\r\nHost: bench\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
}

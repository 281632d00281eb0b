package httpd

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
)

const gzipBenchConf = `events {} http { keepalive_requests 100000000; access_log off; sendfile on;
	gzip on; gzip_types text/plain; gzip_vary on;
	server { listen 127.0.0.1:{{PORT}}; root {{ROOT}}; location / { } } }`

// BenchmarkStatic1KGzip measures a 1 KiB static file compressed on the
// fly (read, pooled compressor, chunked) over one keep-alive connection.
func BenchmarkStatic1KGzip(b *testing.B) {
	addr := startPipeline(b, gzipBenchConf)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	raw := []byte("GET /1k.txt HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(raw); err != nil {
			b.Fatal(err)
		}
		gz := false
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(line) <= 2 {
				break
			}
			gz = gz || strings.HasPrefix(string(line), "Content-Encoding: gzip")
		}
		if !gz {
			b.Fatal("not compressed")
		}
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			n, err := strconv.ParseInt(strings.TrimSpace(string(line)), 16, 64)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := br.Discard(int(n) + 2); err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
}

// BenchmarkStatic1KGzipNoAE is BenchmarkStatic1K with gzip on but a
// client that does not take gzip: it should cost what BenchmarkStatic1K
// costs (no allocation on the refused path).
func BenchmarkStatic1KGzipNoAE(b *testing.B) {
	addr := startPipeline(b, gzipBenchConf)
	benchKeepalive(b, addr, "GET /1k.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\n\r\n")
}

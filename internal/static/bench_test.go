package static

import (
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"weir/internal/httpcore"
)

// discardOut is a responder that drops everything without allocating.
type discardOut struct{ n int64 }

func (d *discardOut) WriteHeader() error                      { return nil }
func (d *discardOut) Write(p []byte) (int, error)             { d.n += int64(len(p)); return len(p), nil }
func (d *discardOut) SendFile(f *os.File, off, n int64) error { d.n += n; return nil }

func benchServe(b *testing.B, sendfile bool, extra ...httpcore.Header) {
	dir := b.TempDir()
	p := writeFile(b, dir, "k.txt", strings.Repeat("x", 1024), testMtime)
	f, fi, oerr := Open(p, OpenOptions{})
	if oerr != nil {
		b.Fatal(oerr)
	}
	defer f.Close()
	opt := DefaultOptions
	opt.ContentType = "text/plain"
	opt.Sendfile = sendfile
	r := &httpcore.Request{Method: "GET", Headers: append([]httpcore.Header{
		{Name: "Host", Value: "localhost"},
		{Name: "User-Agent", Value: "bench/1.0"},
		{Name: "Accept", Value: "*/*"},
		{Name: "Accept-Encoding", Value: "gzip"},
	}, extra...)}
	w := &httpcore.Response{Header: make([]httpcore.Header, 0, 8)}
	out := &discardOut{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Header = w.Header[:0]
		if _, err := serveFile(w, out, r, f, fi, &opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServeFile1K(b *testing.B)         { benchServe(b, false) }
func BenchmarkServeFile1KSendfile(b *testing.B) { benchServe(b, true) }
func BenchmarkServeFile1KNotModified(b *testing.B) {
	benchServe(b, true, httpcore.Header{Name: "If-None-Match", Value: `"65e6b68c-400"`})
}
func BenchmarkServeFile1KRange(b *testing.B) {
	benchServe(b, true, httpcore.Header{Name: "Range", Value: "bytes=100-199"})
}

// BenchmarkServeFile1KLoopback measures a whole keep-alive exchange over
// loopback through weir's engine: request parsing, Open, ServeFile, the
// response write, and the client's read (which allocates nothing).
func BenchmarkServeFile1KLoopback(b *testing.B) {
	for _, sendfile := range []bool{false, true} {
		name := "read"
		if sendfile {
			name = "sendfile"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			p := writeFile(b, dir, "k.txt", strings.Repeat("x", 1024), testMtime)
			opt := DefaultOptions
			opt.ContentType = "text/plain"
			opt.Sendfile = sendfile
			addr := startWeir(b, func(w *httpcore.Response, r *httpcore.Request) {
				f, fi, oerr := Open(p, OpenOptions{})
				if oerr != nil {
					special(w, oerr.Status)
					return
				}
				w.KeepaliveRequests = 1 << 30
				ServeFile(w, r, f, fi, &opt)
				w.Finish()
				f.Close()
			})
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			req := []byte("GET /k.txt HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			// Learn the response size once; it stays the same (the Date
			// field has a fixed width).
			buf := make([]byte, 4096)
			c.Write(req)
			n, err := io.ReadAtLeast(c, buf, 1024)
			if err != nil {
				b.Fatal(err)
			}
			for !bytes.Contains(buf[:n], []byte("\r\n\r\n")) || n < bytes.Index(buf[:n], []byte("\r\n\r\n"))+4+1024 {
				m, err := c.Read(buf[n:])
				if err != nil {
					b.Fatal(err)
				}
				n += m
			}
			size := n
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf[:size]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

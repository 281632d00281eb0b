package static

import (
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

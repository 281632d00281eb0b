package accesslog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func open(t *testing.T, path string, buffer int, flush time.Duration) *Writer {
	t.Helper()
	w, err := Open(path, buffer, flush, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// TestBuffering walks ngx_http_log_write's cases step by step: what the
// file holds after each Write.
func TestBuffering(t *testing.T) {
	type step struct {
		write string
		file  string // file content after the write
	}
	tests := []struct {
		name   string
		buffer int
		steps  []step
	}{
		{"unbuffered writes each line", 0, []step{
			{"a\n", "a\n"},
			{"b\n", "a\nb\n"},
		}},
		{"buffered holds lines", 8, []step{
			{"aaa\n", ""},
			{"bbb\n", ""}, // exactly fills the buffer
			{"c\n", "aaa\nbbb\n"},
		}},
		{"line larger than buffer goes out alone", 4, []step{
			{"ab\n", ""},
			{"0123456789\n", "ab\n0123456789\n"},
			{"c\n", "ab\n0123456789\n"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "access.log")
			w := open(t, path, tc.buffer, 0)
			for i, s := range tc.steps {
				w.Write([]byte(s.write))
				if got := read(t, path); got != s.file {
					t.Fatalf("after step %d (%q): file %q, want %q", i, s.write, got, s.file)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			var all string
			for _, s := range tc.steps {
				all += s.write
			}
			if got := read(t, path); got != all {
				t.Errorf("after Flush: %q, want %q", got, all)
			}
		})
	}
}

func TestFlushTimer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	w := open(t, path, 4096, 20*time.Millisecond)
	w.Write([]byte("line\n"))
	if got := read(t, path); got != "" {
		t.Fatalf("written before flush time: %q", got)
	}
	deadline := time.Now().Add(2 * time.Second)
	for read(t, path) != "line\n" {
		if time.Now().After(deadline) {
			t.Fatal("flush= timer never wrote the buffer")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSharing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	a := open(t, path, 64, 0)
	b := open(t, path, 64, 0)
	c := open(t, path, 0, 0)
	if a.f != b.f {
		t.Error("same path and parameters opened twice")
	}
	if a.f == c.f {
		t.Error("different parameters share one buffer")
	}
	a.Write([]byte("a\n"))
	b.Write([]byte("b\n"))
	// Close flushes, so what a writer wrote is on disk when it returns,
	// but the file stays open for the other writer.
	a.Close()
	if got := read(t, path); got != "a\nb\n" {
		t.Errorf("after first close: %q", got)
	}
	b.Write([]byte("c\n"))
	b.Close()
	if got := read(t, path); got != "a\nb\nc\n" {
		t.Errorf("after last close: %q", got)
	}
	b.Close() // twice is harmless
}

func TestOpenError(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir+"/no/access.log", 0, 0, 0)
	want := `open() "` + dir + `/no/access.log" failed (2: No such file or directory)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestStdStreams(t *testing.T) {
	for _, path := range []string{"/dev/stdout", "/dev/stderr"} {
		t.Run(path, func(t *testing.T) {
			w, err := Open(path, 0, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
			if _, err := os.Stderr.Stat(); err != nil {
				t.Errorf("closing %s closed a standard stream: %v", path, err)
			}
		})
	}
}

// TestReopen rotates a buffered log under concurrent writers: every line
// lands whole, once, in the old file or the new one.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "access.log")
	w := open(t, path, 1024, time.Hour)
	const writers, lines = 4, 300
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				w.Write(fmt.Appendf(nil, "%d %d %s\n", g, i, strings.Repeat("z", 50)))
				if g == 0 && i == lines/2 {
					if err := os.Rename(path, path+".1"); err != nil {
						t.Error(err)
					}
					if err := Reopen(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	old, cur := read(t, path+".1"), read(t, path)
	if old == "" || cur == "" {
		t.Fatalf("old file %d bytes, new file %d bytes; want both non-empty", len(old), len(cur))
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(old+cur, "\n"), "\n") {
		if !strings.HasSuffix(line, strings.Repeat("z", 50)) || seen[line] {
			t.Fatalf("broken or duplicate line %q", line)
		}
		seen[line] = true
	}
	if len(seen) != writers*lines {
		t.Errorf("got %d lines, want %d", len(seen), writers*lines)
	}
}

func TestCloseAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	w, err := Open(path, 4096, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("pending\n"))
	if err := CloseAll(); err != nil {
		t.Fatal(err)
	}
	if got := read(t, path); got != "pending\n" {
		t.Errorf("CloseAll left %q", got)
	}
	w.Write([]byte("dropped\n")) // must not panic
	w.Close()
	if got := read(t, path); got != "pending\n" {
		t.Errorf("write after CloseAll reached the file: %q", got)
	}
}

func benchmarkWrite(b *testing.B, buffer int) {
	w, err := Open(filepath.Join(b.TempDir(), "access.log"), buffer, 0, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	line := []byte(`127.0.0.1 - - [21/Nov/2026:05:50:57 +0000] "GET /index.html HTTP/1.1" 200 612 "-" "curl/8.0"` + "\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		w.Write(line)
	}
}

func BenchmarkWriteUnbuffered(b *testing.B) { benchmarkWrite(b, 0) }
func BenchmarkWriteBuffered(b *testing.B)   { benchmarkWrite(b, 64<<10) }

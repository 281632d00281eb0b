package errlog

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var fixed = time.Date(2026, 11, 21, 5, 50, 57, 0, time.Local)

func newTest(t *testing.T, sinks ...Sink) *Logger {
	t.Helper()
	l, err := New(sinks)
	if err != nil {
		t.Fatal(err)
	}
	l.now = func() time.Time { return fixed }
	t.Cleanup(func() { l.Close() })
	return l
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		in   string
		want Level
		ok   bool
	}{
		{"emerg", Emerg, true}, {"alert", Alert, true}, {"crit", Crit, true},
		{"error", Error, true}, {"warn", Warn, true}, {"notice", Notice, true},
		{"info", Info, true}, {"debug", Debug, true},
		{"ERROR", 0, false}, {"warning", 0, false}, {"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseLevel(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("ParseLevel(%q) = %v, %v", tc.in, got, ok)
			}
			if ok && got.String() != tc.in {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestLine(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name string
		lv   Level
		conn uint64
		msg  string
		want string
	}{
		{"with connection", Error, 1, `open() "/x" failed (2: No such file or directory)`,
			"2026/11/21 05:50:57 [error] " + pid + "#" + pid + `: *1 open() "/x" failed (2: No such file or directory)` + "\n"},
		{"without connection", Notice, 0, "signal process started",
			"2026/11/21 05:50:57 [notice] " + pid + "#" + pid + ": signal process started\n"},
		{"emerg", Emerg, 0, "x", "2026/11/21 05:50:57 [emerg] " + pid + "#" + pid + ": x\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "error.log")
			l := newTest(t, Sink{Path: path, Level: Debug})
			l.Log(tc.lv, tc.conn, tc.msg)
			if got := read(t, path); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestLogf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l := newTest(t, Sink{Path: path, Level: Error})
	l.Logf(Error, 3, "%s() failed %s", "connect", SysError(os.ErrNotExist))
	if got := read(t, path); !strings.HasSuffix(got, ": *3 connect() failed (file does not exist)\n") {
		t.Errorf("got %q", got)
	}
}

func TestLevelsPerSink(t *testing.T) {
	dir := t.TempDir()
	warn, info := filepath.Join(dir, "warn.log"), filepath.Join(dir, "info.log")
	l := newTest(t, Sink{Path: warn, Level: Warn}, Sink{Path: info, Level: Info})
	if !l.Enabled(Info) || l.Enabled(Debug) {
		t.Errorf("Enabled: info %v debug %v", l.Enabled(Info), l.Enabled(Debug))
	}
	l.Log(Error, 0, "e")
	l.Log(Notice, 0, "n")
	l.Log(Debug, 0, "d")
	if got := strings.Count(read(t, warn), "\n"); got != 1 {
		t.Errorf("warn sink has %d lines, want 1", got)
	}
	if got := strings.Count(read(t, info), "\n"); got != 2 {
		t.Errorf("info sink has %d lines, want 2", got)
	}
}

func TestNilAndEmpty(t *testing.T) {
	var l *Logger
	l.Log(Emerg, 0, "no panic")
	e := newTest(t)
	if e.Enabled(Emerg) {
		t.Error("a logger without sinks is enabled")
	}
}

func TestOpenError(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, path, want string
	}{
		{"missing directory", dir + "/no/error.log", `open() "` + dir + `/no/error.log" failed (2: No such file or directory)`},
		{"is a directory", dir, `open() "` + dir + `" failed (21: Is a directory)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New([]Sink{{Path: tc.path, Level: Error}})
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestSharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	a := newTest(t, Sink{Path: path, Level: Error})
	b := newTest(t, Sink{Path: path, Level: Error})
	if a.sinks[0].f != b.sinks[0].f {
		t.Fatal("two loggers opened the same path twice")
	}
	a.Close()
	b.Log(Error, 0, "still open")
	if !strings.Contains(read(t, path), "still open") {
		t.Error("closing one logger closed the shared file")
	}
}

func TestTruncate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "error.log")
	l := newTest(t, Sink{Path: path, Level: Error})
	l.Log(Error, 0, strings.Repeat("x", 5000))
	got := read(t, path)
	if len(got) != maxLine || !strings.HasSuffix(got, "x\n") {
		t.Errorf("line is %d bytes, want %d ending in a newline", len(got), maxLine)
	}
}

// TestReopen rotates the file under concurrent writers: every line lands
// whole in exactly one of the two files.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "error.log")
	l := newTest(t, Sink{Path: path, Level: Error})
	const writers, lines = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range lines {
				l.Logf(Error, uint64(w+1), "line %d %s", i, strings.Repeat("y", 100))
			}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	all := read(t, path+".1") + read(t, path)
	got := strings.Split(strings.TrimSuffix(all, "\n"), "\n")
	if len(got) != writers*lines {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines)
	}
	for _, line := range got {
		if !strings.HasSuffix(line, strings.Repeat("y", 100)) || !strings.Contains(line, "[error]") {
			t.Fatalf("broken line %q", line)
		}
	}
}

func TestContext(t *testing.T) {
	tests := []struct {
		name string
		c    Context
		want string
	}{
		{"404", Context{Client: "127.0.0.1", Server: "example.com", Request: "GET /missing.html HTTP/1.1", Host: "localhost"},
			`, client: 127.0.0.1, server: example.com, request: "GET /missing.html HTTP/1.1", host: "localhost"`},
		{"upstream", Context{Client: "127.0.0.1", Server: "example.com", Request: "GET /up/x HTTP/1.1", Upstream: "http://127.0.0.1:18099/up/x", Host: "127.0.0.1:18081"},
			`, client: 127.0.0.1, server: example.com, request: "GET /up/x HTTP/1.1", upstream: "http://127.0.0.1:18099/up/x", host: "127.0.0.1:18081"`},
		{"empty server no host", Context{Client: "127.0.0.1", Request: "GET /nope HTTP/1.0"},
			`, client: 127.0.0.1, server: , request: "GET /nope HTTP/1.0"`},
		{"referrer", Context{Client: "127.0.0.1", Server: "example.com", Request: "GET / HTTP/1.1", Host: "h", Referrer: "http://ref/"},
			`, client: 127.0.0.1, server: example.com, request: "GET / HTTP/1.1", host: "h", referrer: "http://ref/"`},
		{"no client", Context{Server: "example.com"}, ``},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(tc.c.Append(nil)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			c := tc.c
			if c.Referrer == "" {
				if got := ClientSuffix(c.Client, c.Server, c.Request, c.Upstream, c.Host); got != tc.want {
					t.Errorf("ClientSuffix = %s", got)
				}
			}
		})
	}
}

func BenchmarkLogDisabled(b *testing.B) {
	l, _ := New(nil)
	b.ReportAllocs()
	for b.Loop() {
		l.Logf(Debug, 1, "%s %d", "x", 1)
	}
}

func BenchmarkLog(b *testing.B) {
	l, err := New([]Sink{{Path: filepath.Join(b.TempDir(), "error.log"), Level: Error}})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	for b.Loop() {
		l.Log(Error, 1, `open() "/x" failed (2: No such file or directory), client: 127.0.0.1, server: example.com`)
	}
}

package httpcore

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSubResponse checks that a subrequest's response records what the
// handler set, keeps the body only when asked, and sends nothing.
func TestSubResponse(t *testing.T) {
	w := NewSubResponse(false)
	w.Status = 401
	w.Header = append(w.Header, Header{Name: "WWW-Authenticate", Value: `Basic realm="x"`})
	called := false
	w.OnHeader = func(*Response) { called = true }
	if _, err := w.WriteString("dropped"); err != nil {
		t.Fatal(err)
	}
	if err := w.Finish(); err != nil {
		t.Fatal(err)
	}
	if !called || !w.HeaderSent() || w.Status != 401 || len(w.Header) != 1 {
		t.Fatalf("status %d header %v filter %v", w.Status, w.Header, called)
	}
	if len(w.Body()) != 0 || w.BytesSent() != 0 {
		t.Fatalf("body %q sent %d", w.Body(), w.BytesSent())
	}
	w.SendAtFinish()
	if _, _, err := w.Hijack(); err == nil {
		t.Fatal("a subrequest's response was hijacked")
	}

	k := NewSubResponse(true)
	k.WriteString("hello, ")
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("xxworld!"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := k.SendFile(f, 2, 6); err != nil {
		t.Fatal(err)
	}
	k.Finish()
	if got := string(k.Body()); got != "hello, world!" {
		t.Fatalf("kept body %q", got)
	}
}

package fastcgi

import "testing"

func TestBody(t *testing.T) {
	var b Body
	b.Init(200, false, 5)
	if p, extra := b.Stdout([]byte("abc")); string(p) != "abc" || extra {
		t.Fatal(string(p), extra)
	}
	if err := b.EndRequest(); err != ErrRequestClosed {
		t.Fatal(err)
	}
	if err := b.StdoutClosed(); err != ErrStdoutClosed {
		t.Fatal(err)
	}
	if p, extra := b.Stdout([]byte("defg")); string(p) != "de" || !extra {
		t.Fatal(string(p), extra)
	}
	if b.EndRequest() != nil || b.StdoutClosed() != nil {
		t.Fatal("complete body refused")
	}

	b.Init(200, false, -1)
	if p, extra := b.Stdout([]byte("anything")); string(p) != "anything" || extra || b.EndRequest() != nil {
		t.Fatal("no length")
	}
	b.Init(204, false, 10)
	if p, extra := b.Stdout([]byte("x")); len(p) != 0 || !extra {
		t.Fatal("204 passes data")
	}
	b.Init(200, true, 3)
	if b.EndRequest() != nil {
		t.Fatal("HEAD without data must end cleanly")
	}
	if p, extra := b.Stdout([]byte("abcd")); string(p) != "abc" || !extra {
		t.Fatal("HEAD with data: length applies", string(p), extra)
	}
}

package httpd

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func gz(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.Bytes()
}

// TestGunzipFilter: what a piece inflates to comes out of the Filter call
// that fed it, members one after another, split pieces too.
func TestGunzipFilter(t *testing.T) {
	two := append(gz("first member\n"), gz("second member\n")...)
	f := &gunzipFilter{fileLen: -1}
	got := string(f.Filter(two))
	end := string(f.End())
	if got != "first member\nsecond member\n" || end != "" {
		t.Errorf("one piece: Filter %q End %q", got, end)
	}
	f.Close()

	big := strings.Repeat("some text to inflate\n", 5000)
	z := gz(big)
	f = &gunzipFilter{fileLen: -1}
	var out strings.Builder
	for len(z) > 0 {
		n := min(len(z), 1000)
		out.Write(f.Filter(z[:n]))
		z = z[n:]
	}
	out.Write(f.End())
	if out.String() != big {
		t.Errorf("pieces: %d bytes, want %d", out.Len(), len(big))
	}
	f.Close()

	// a response cut short before its end stops the inflater
	f = &gunzipFilter{fileLen: -1}
	f.Filter(gz(big)[:100])
	f.Close()
}

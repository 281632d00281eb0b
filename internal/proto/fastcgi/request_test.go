package fastcgi

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestAppendBeginRequest(t *testing.T) {
	for _, tc := range []struct {
		keep bool
		want string
	}{
		{false, "0101000100080000" + "0001000000000000"},
		{true, "0101000100080000" + "0001010000000000"},
	} {
		got := hex.EncodeToString(AppendBeginRequest(nil, RequestID, tc.keep))
		if got != tc.want {
			t.Errorf("keep %v: %s, want %s", tc.keep, got, tc.want)
		}
	}
}

func TestAppendParams(t *testing.T) {
	long := strings.Repeat("v", 200)
	got, err := AppendParams(nil, 1, [][2]string{{"A", "bc"}, {"LONG", long}})
	if err != nil {
		t.Fatal(err)
	}
	// pairs: 1+1+1+2 = 5; 1+4+4+200 = 209; content 214, padding 2
	var want []byte
	want = append(want, 1, TypeParams, 0, 1, 0, 214, 2, 0)
	want = append(want, 1, 2, 'A', 'b', 'c')
	want = append(want, 4, 0x80, 0, 0, 200)
	want = append(want, "LONG"+long...)
	want = append(want, 0, 0)
	want = append(want, 1, TypeParams, 0, 1, 0, 0, 0, 0)
	if !bytes.Equal(got, want) {
		t.Fatalf("got\n%x\nwant\n%x", got, want)
	}
	if n := ParamLen("LONG", long); n != 209 {
		t.Errorf("ParamLen = %d", n)
	}
	// An exact multiple of 8 has no padding.
	got, _ = AppendParams(nil, 1, [][2]string{{"ABC", "def"}}) // 1+1+3+3 = 8
	if got[6] != 0 || len(got) != 8+8+8 {
		t.Errorf("no padding expected: %x", got)
	}
	// The empty params list is an empty record and the terminator.
	got, _ = AppendParams(nil, 1, nil)
	if hex.EncodeToString(got) != "0104000100000000"+"0104000100000000" {
		t.Errorf("empty: %x", got)
	}
}

func TestParamsTooBig(t *testing.T) {
	prefix := []byte("keep")
	dst, p := BeginParams(prefix, 1)
	dst = AppendParam(dst, "X", strings.Repeat("y", 65535))
	dst, err := p.End(dst)
	if err == nil || err.Error() != "fastcgi request record is too big: 65541" {
		t.Fatalf("err = %v", err)
	}
	if string(dst) != "keep" {
		t.Errorf("dst not cut back: %d bytes", len(dst))
	}
	// 65535 bytes exactly is accepted.
	dst, p = BeginParams(nil, 1)
	dst = AppendParam(dst, "X", strings.Repeat("y", 65535-6))
	if _, err := p.End(dst); err != nil {
		t.Fatal(err)
	}
}

func TestAppendStdin(t *testing.T) {
	body := bytes.Repeat([]byte("z"), StdinChunk+3)
	got := AppendStdin(nil, 1, body)
	got = AppendStdinEnd(got, 1)
	var want []byte
	want = append(want, 1, TypeStdin, 0, 1, 0x80, 0, 0, 0)
	want = append(want, body[:StdinChunk]...)
	want = append(want, 1, TypeStdin, 0, 1, 0, 3, 5, 0)
	want = append(want, "zzz\x00\x00\x00\x00\x00"...)
	want = append(want, 1, TypeStdin, 0, 1, 0, 0, 0, 0)
	if !bytes.Equal(got, want) {
		t.Fatalf("stdin records differ: %d vs %d bytes", len(got), len(want))
	}
	if n := len(AppendStdin(nil, 1, nil)); n != 0 {
		t.Errorf("empty body gave %d bytes", n)
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	params := [][2]string{
		{"SCRIPT_FILENAME", "/var/www/html/index.php"}, {"QUERY_STRING", "a=1&b=2"},
		{"REQUEST_METHOD", "POST"}, {"CONTENT_TYPE", "application/x-www-form-urlencoded"},
		{"CONTENT_LENGTH", "11"}, {"REQUEST_URI", "/index.php?a=1&b=2"},
		{"SERVER_PROTOCOL", "HTTP/1.1"}, {"REMOTE_ADDR", "127.0.0.1"},
		{"HTTP_HOST", "example.com"}, {"HTTP_USER_AGENT", "curl/8.5.0"},
	}
	body := []byte("hello=world")
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		dst := AppendBeginRequest(buf[:0], RequestID, true)
		dst, err := AppendParams(dst, RequestID, params)
		if err != nil {
			b.Fatal(err)
		}
		dst = AppendStdin(dst, RequestID, body)
		buf = AppendStdinEnd(dst, RequestID)
	}
}

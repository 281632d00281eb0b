package http1

import (
	"reflect"
	"testing"
)

// FuzzParseHead checks that ParseHead never panics and that the result
// does not depend on how the bytes arrive.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.0 404 Not Found\nServer: x\n\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK\r\nX_y: \x00\r\n\r\n",
		"HTTP/1.1 103 Early\r\nLink: a\r\n\r\nHTTP/1.1 204\r\n\r\n",
		"HTTP/1.1 403.1 x\r\nA\r\r\n b\r\n\r\n",
		"junk",
	} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		whole := parseWhole(string(in))
		if whole.Done && (whole.N <= 0 || whole.N > len(in)) {
			t.Fatalf("n %d out of range", whole.N)
		}
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			if split := parseSplit(string(in), sizes); !reflect.DeepEqual(split.copy(), whole.copy()) {
				t.Fatalf("split %v:\n%v\nwhole:\n%v", sizes, split, whole)
			}
		}
	})
}

// FuzzChunked checks that the chunked decoder never panics and that its
// output does not depend on how the bytes arrive.
func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n",
		"a;x=y\r\n0123456789\r\n0\r\nT: 1\r\n\r\n",
		"fffffffffffffffff\r\n",
		"5\nhello\n0\n\n",
		"1\r\na\r\n0\r\n\r\nextra",
	} {
		f.Add([]byte(s), uint8(2))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var d1 ChunkedDecoder
		data1, used1, done1, err1 := decodeAll(&d1, in, nil)
		if used1 > len(in) {
			t.Fatalf("used %d of %d", used1, len(in))
		}
		for _, sizes := range [][]int{{1}, {int(step%16) + 1, 1}} {
			var d2 ChunkedDecoder
			data2, used2, done2, err2 := decodeAll(&d2, in, sizes)
			if string(data1) != string(data2) || done1 != done2 || err1 != err2 ||
				(err1 == nil && used1 != used2) || !reflect.DeepEqual(d1.Trailers(), d2.Trailers()) {
				t.Fatalf("split %v: %q %d %v %v, whole: %q %d %v %v", sizes, data2, used2, done2, err2, data1, used1, done1, err1)
			}
		}
	})
}

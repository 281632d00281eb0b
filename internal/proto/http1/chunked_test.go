package http1

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

// decodeAll runs d over in fed in pieces of the given sizes (cycled), as a
// caller reading from a connection would. It returns the data, how many
// bytes of in belonged to the body, and the error.
func decodeAll(d *ChunkedDecoder, in []byte, sizes []int) (data []byte, used int, done bool, err error) {
	var pending []byte
	fed := 0
	k := 0
	for {
		for len(pending) > 0 {
			var part []byte
			var n int
			part, n, done, err = d.Decode(pending)
			data = append(data, part...)
			pending = pending[n:]
			used += n
			if err != nil || done {
				return data, used, done, err
			}
			if n == 0 {
				panic("Decode consumed nothing")
			}
		}
		if fed == len(in) {
			return data, used, false, nil
		}
		m := len(in) - fed
		if len(sizes) > 0 {
			m = min(m, max(sizes[k%len(sizes)], 1))
			k++
		}
		pending = in[fed : fed+m]
		fed += m
	}
}

func TestChunked(t *testing.T) {
	tests := []struct {
		desc     string
		in       string
		data     string
		used     int // -1: all of in
		done     bool
		err      error
		trailers []Header
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", -1, true, nil, nil},
		{"several chunks", "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n", "hello world", -1, true, nil, nil},
		{"hex upper and lower case", "A\r\n0123456789\r\na\r\nabcdefghij\r\n00\r\n\r\n", "0123456789abcdefghij", -1, true, nil, nil},
		{"leading zeros", "0000a\r\n0123456789\r\n0\r\n\r\n", "0123456789", -1, true, nil, nil},
		{"extensions", "5;name=value\r\nhello\r\n5 ; x\r\nworld\r\n0;last\r\n\r\n", "helloworld", -1, true, nil, nil},
		{"white space after the size", "5\t\r\nhello\r\n0 \r\n\r\n", "hello", -1, true, nil, nil},
		{"trailers", "5\r\nhello\r\n0\r\nX-Sum: abc \r\nX-Empty:\r\nNoColon\r\n\r\n", "hello", -1, true, nil,
			hs("X-Sum", "abc", "X-Empty", "", "NoColon", "")},
		{"bytes after the body", "1\r\na\r\n0\r\n\r\nHTTP/1.1", "a", 11, true, nil, nil},
		{"empty body", "0\r\n\r\n", "", -1, true, nil, nil},
		{"incomplete", "5\r\nhel", "hel", -1, false, nil, nil},
		{"incomplete trailer", "0\r\nX: 1\r\n", "", -1, false, nil, nil},

		{"no size", "\r\nhello\r\n0\r\n\r\n", "", 0, false, ErrInvalidChunked, nil},
		{"bad size digit", "5g\r\nhello\r\n", "", 1, false, ErrInvalidChunked, nil},
		{"negative size", "-5\r\n", "", 0, false, ErrInvalidChunked, nil},
		{"0x prefix", "0x5\r\nhello\r\n", "", 1, false, ErrInvalidChunked, nil},
		{"bare LF after the size", "5\nhello\r\n0\r\n\r\n", "", 1, false, ErrInvalidChunked, nil},
		{"bare LF after data", "5\r\nhello\n0\r\n\r\n", "hello", 8, false, ErrInvalidChunked, nil},
		{"data longer than the size", "3\r\nhello\r\n0\r\n\r\n", "hel", 6, false, ErrInvalidChunked, nil},
		{"CR without LF", "5\r\rhello", "", 2, false, ErrInvalidChunked, nil},
		{"bare LF in an extension", "5;a\nhello", "", 3, false, ErrInvalidChunked, nil},
		{"bare LF in the last chunk", "0\n\r\n", "", 1, false, ErrInvalidChunked, nil},
		{"bare LF ending the trailer", "0\r\n\n", "", 3, false, ErrInvalidChunked, nil},
		{"bare LF in a trailer", "0\r\nX: 1\n\r\n", "", 7, false, ErrInvalidChunked, nil},
		// nginx refuses a size above off_t's maximum / 16 at the byte after it
		{"largest size that fits", "7ffffffffffffff\r\n", "", -1, false, nil, nil},
		{"size past off_t / 16", "800000000000000\r\n", "", 15, false, ErrInvalidChunked, nil},
		{"size past off_t minus 5", "7ffffffffffffffb\r\n", "", 16, false, ErrInvalidChunked, nil},
		{"size overflow", "10000000000000000\r\n", "", 16, false, ErrInvalidChunked, nil},
		{"size overflow, long", "fffffffffffffffffffff\r\n", "", 15, false, ErrInvalidChunked, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			in := []byte(tt.in)
			want := tt.used
			if want < 0 {
				want = len(in)
			}
			for _, sizes := range [][]int{nil, {1}, {2}, {3, 1}, {5}} {
				var d ChunkedDecoder
				data, used, done, err := decodeAll(&d, in, sizes)
				if string(data) != tt.data || done != tt.done || err != tt.err {
					t.Errorf("sizes %v: data %q done %v err %v; want %q %v %v", sizes, data, done, err, tt.data, tt.done, tt.err)
				}
				if err == nil && used != want {
					t.Errorf("sizes %v: used %d, want %d", sizes, used, want)
				}
				if err != nil && sizes == nil && used != want {
					t.Errorf("error at %d, want %d", used, want)
				}
				if !reflect.DeepEqual(d.Trailers(), tt.trailers) {
					t.Errorf("sizes %v: trailers %q, want %q", sizes, d.Trailers(), tt.trailers)
				}
			}
		})
	}
}

func TestChunkedDataIsInPlace(t *testing.T) {
	in := []byte("5\r\nhello\r\n0\r\n\r\n")
	var d ChunkedDecoder
	data, n, done, err := d.Decode(in)
	if err != nil || done || string(data) != "hello" || n != 8 || &data[0] != &in[3] {
		t.Fatalf("%q %d %v %v", data, n, done, err)
	}
	data, n, done, err = d.Decode(in[8:])
	if err != nil || !done || data != nil || n != 7 {
		t.Fatalf("%q %d %v %v", data, n, done, err)
	}
	// a finished decoder consumes nothing more
	if _, n, done, _ := d.Decode([]byte("x")); n != 0 || !done {
		t.Fatal("decoded past the end")
	}
}

func TestChunkedTrailerLimit(t *testing.T) {
	d := ChunkedDecoder{MaxTrailerSize: 12}
	in := []byte("0\r\nA: 1\r\nB: 22\r\nC: 333\r\n\r\n")
	_, _, done, err := decodeAll(&d, in, nil)
	if !done || err != nil {
		t.Fatal(done, err)
	}
	if got := d.Trailers(); !reflect.DeepEqual(got, hs("A", "1", "B", "22")) {
		t.Fatalf("trailers %q", got)
	}
	d.Reset()
	if d.MaxTrailerSize != 12 || len(d.Trailers()) != 0 || d.Done() {
		t.Fatal("Reset")
	}
}

func TestAppendChunkRoundTrip(t *testing.T) {
	var b []byte
	var want bytes.Buffer
	for _, p := range []string{"a", strings.Repeat("x", 255), "", strings.Repeat("y", 4096)} {
		b = AppendChunk(b, []byte(p))
		want.WriteString(p)
	}
	b = AppendLastChunk(b)
	if !bytes.HasPrefix(b, []byte("1\r\na\r\nff\r\n")) {
		t.Fatalf("framing %q", b[:12])
	}
	var d ChunkedDecoder
	data, used, done, err := decodeAll(&d, b, []int{7})
	if !done || err != nil || used != len(b) || !bytes.Equal(data, want.Bytes()) {
		t.Fatalf("round trip: done %v err %v used %d/%d", done, err, used, len(b))
	}
}

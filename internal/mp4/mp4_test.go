package mp4

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func testMovie(moovFirst bool) Movie {
	t := Track{Video: true, Timescale: 1000}
	for i := 0; i < 20; i++ {
		t.Durations = append(t.Durations, 100)
		t.Sizes = append(t.Sizes, uint32(4+i%3))
		if i%5 == 0 {
			t.Sync = append(t.Sync, uint32(i+1))
		}
	}
	for i := 0; i < 10; i++ {
		t.Chunk = append(t.Chunk, 2)
	}
	return Movie{Timescale: 1000, Tracks: []Track{t}, MoovFirst: moovFirst}
}

var params = Params{BufferSize: 512 * 1024, MaxBufferSize: 10 << 20}

// chunks returns the chunk offsets of the first stco in b.
func chunks(t *testing.T, b []byte) []uint32 {
	i := bytes.Index(b, []byte("stco"))
	if i < 0 {
		t.Fatal("no stco")
	}
	n := get32(b[i+8:])
	var offs []uint32
	for k := uint32(0); k < n; k++ {
		offs = append(offs, get32(b[i+12+4*int(k):]))
	}
	return offs
}

func rewrite(t *testing.T, file []byte, p Params) []byte {
	t.Helper()
	res, err := Rewrite(bytes.NewReader(file), "f.mp4", int64(len(file)), p)
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte(nil), res.Prefix...), file[res.Start:res.End]...)
}

// TestStartKeepsSamples checks that after the cut each chunk offset
// still leads to the bytes of the same samples.
func TestStartKeepsSamples(t *testing.T) {
	file := Synth(testMovie(false))
	orig := chunks(t, file)
	for _, start := range []uint64{0, 400, 1000} {
		p := params
		p.Start = start
		out := rewrite(t, file, p)
		if !bytes.HasPrefix(out[4:], []byte("ftyp")) || !bytes.Contains(out[:64], []byte("moov")) {
			t.Fatalf("start %d: no ftyp and moov first", start)
		}
		got := chunks(t, out)
		skip := int(start / 200) // two samples of 100 ms a chunk
		if len(got) != len(orig)-skip {
			t.Fatalf("start %d: %d chunks, want %d", start, len(got), len(orig)-skip)
		}
		for i, off := range got {
			if !bytes.Equal(out[off:off+4], file[orig[i+skip]:orig[i+skip]+4]) {
				t.Errorf("start %d: chunk %d moved to other bytes", start, i)
			}
		}
	}
}

func TestDeclinedAndErrors(t *testing.T) {
	fast := Synth(testMovie(true))
	if _, err := Rewrite(bytes.NewReader(fast), "f.mp4", int64(len(fast)), params); !errors.Is(err, ErrDeclined) {
		t.Errorf("moov first, whole movie: %v, want ErrDeclined", err)
	}
	file := Synth(testMovie(false))
	for _, c := range []struct {
		file []byte
		p    func(*Params)
		want string
	}{
		{file, func(p *Params) { p.Start = 5000 }, `"f.mp4" mp4 start time exceeds file duration`},
		{file, func(p *Params) { p.Start = 1; p.BufferSize = 100; p.MaxBufferSize = 200 }, `"f.mp4" mp4 moov atom is too large:`},
		{file[:40], func(p *Params) { p.Start = 1 }, `"f.mp4" mp4 atom too large:`},
		{[]byte("\x00\x00\x00\x03xx"), func(p *Params) { p.Start = 1 }, `"f.mp4" mp4 atom is too small:3`},
		{append(file[:28:28], 0, 0), func(p *Params) { p.Start = 1 }, `"f.mp4" mp4 file truncated`},
		{nil, func(p *Params) { p.Start = 1 }, `no mp4 trak atoms were found in "f.mp4"`},
	} {
		p := params
		c.p(&p)
		_, err := Rewrite(bytes.NewReader(c.file), "f.mp4", int64(len(c.file)), p)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("got %v, want %s", err, c.want)
		}
	}
}

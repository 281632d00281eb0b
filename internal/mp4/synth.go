package mp4

// Synth builds small but valid MP4 files for tests: an ftyp, a moov with
// an mvhd and a trak per track (tkhd, edts, mdia with mdhd, hdlr and
// minf with vmhd or smhd, dinf and an stbl with stsd, stts, stss, ctts,
// stsc, stsz and stco or co64), and an mdat where the tracks' chunks
// alternate. Each sample's bytes name its track and number.

// Track is one track of a synthesised movie.
type Track struct {
	Video     bool     // vmhd and "vide", else smhd and "soun"
	Timescale uint32   // mdhd's
	Durations []uint32 // of each sample (run-length coded into stts)
	Sizes     []uint32 // of each sample
	Uniform   bool     // one size for all (stsz without a table): Sizes[0]
	Sync      []uint32 // stss's sample numbers (from 1); nil: no stss
	CTTS      []uint32 // each sample's composition offset; nil: no ctts
	Chunk     []uint32 // samples in each chunk (run-length coded into stsc)
}

// Movie is a synthesised file.
type Movie struct {
	Timescale uint32 // mvhd's
	Tracks    []Track
	MoovFirst bool // moov before mdat ("faststart")
	Co64      bool // 64-bit chunk offsets
	Version1  bool // 64-bit mvhd, tkhd and mdhd
	NoFtyp    bool
}

type atomWriter struct{ b []byte }

func (w *atomWriter) u8(v byte)    { w.b = append(w.b, v) }
func (w *atomWriter) u16(v uint16) { w.b = append(w.b, byte(v>>8), byte(v)) }
func (w *atomWriter) u32(v uint32) { w.b = append(w.b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v)) }
func (w *atomWriter) u64(v uint64) { w.u32(uint32(v >> 32)); w.u32(uint32(v)) }
func (w *atomWriter) zero(n int)   { w.b = append(w.b, make([]byte, n)...) }
func (w *atomWriter) str(s string) { w.b = append(w.b, s...) }
func (w *atomWriter) full(v byte)  { w.u8(v); w.zero(3) }
func (w *atomWriter) begin(name string) int {
	at := len(w.b)
	w.u32(0)
	w.str(name)
	return at
}
func (w *atomWriter) end(at int) { put32(w.b[at:], uint32(len(w.b)-at)) }

func (t *Track) duration() uint64 {
	var d uint64
	for _, v := range t.Durations {
		d += uint64(v)
	}
	return d
}

func (t *Track) size(i int) uint32 {
	if t.Uniform {
		return t.Sizes[0]
	}
	return t.Sizes[i]
}

// Synth writes the file.
func Synth(mv Movie) []byte {
	// the chunk offsets depend on where the mdat's data starts, which a
	// first moov tells when it comes before
	var head []byte
	if !mv.NoFtyp {
		w := &atomWriter{}
		at := w.begin("ftyp")
		w.str("isom")
		w.u32(512)
		w.str("isomiso2mp41")
		w.end(at)
		head = w.b
	}
	layout := func(dataStart int64) ([][]uint64, []byte) {
		offs := make([][]uint64, len(mv.Tracks))
		var data []byte
		pos := dataStart
		next := make([]int, len(mv.Tracks))
		for c := 0; ; c++ {
			more := false
			for i := range mv.Tracks {
				t := &mv.Tracks[i]
				if c >= len(t.Chunk) {
					continue
				}
				more = true
				offs[i] = append(offs[i], uint64(pos))
				for s := uint32(0); s < t.Chunk[c]; s++ {
					n := next[i]
					for k := uint32(0); k < t.size(n); k++ {
						data = append(data, "ABCDEFGH"[i%8])
						if k%8 == 1 {
							data[len(data)-1] = byte('0' + n%10)
						}
					}
					next[i]++
					pos += int64(t.size(n))
				}
			}
			if !more {
				break
			}
		}
		return offs, data
	}
	var out []byte
	if mv.MoovFirst {
		offs, _ := layout(0)
		moovLen := int64(len(mv.moov(offs)))
		offs, data := layout(int64(len(head)) + moovLen + 8)
		out = append(head, mv.moov(offs)...)
		out = append(out, mdat(data)...)
	} else {
		offs, data := layout(int64(len(head)) + 8)
		out = append(head, mdat(data)...)
		out = append(out, mv.moov(offs)...)
	}
	return out
}

func mdat(data []byte) []byte {
	w := &atomWriter{}
	at := w.begin("mdat")
	w.b = append(w.b, data...)
	w.end(at)
	return w.b
}

func (mv *Movie) moov(offs [][]uint64) []byte {
	w := &atomWriter{}
	moov := w.begin("moov")
	var longest uint64
	for i := range mv.Tracks {
		t := &mv.Tracks[i]
		d := t.duration() * uint64(mv.Timescale) / uint64(t.Timescale)
		longest = max(longest, d)
	}
	at := w.begin("mvhd")
	w.times(mv.Version1, mv.Timescale, longest)
	w.u32(0x00010000) // rate
	w.u16(0x0100)     // volume
	w.zero(10)
	w.matrix()
	w.zero(24)
	w.u32(uint32(len(mv.Tracks) + 1))
	w.end(at)
	for i := range mv.Tracks {
		mv.trak(w, i, offs[i])
	}
	w.end(moov)
	return w.b
}

// times writes version, flags, creation and modification times, a
// timescale and a duration (mvhd, mdhd).
func (w *atomWriter) times(v1 bool, timescale uint32, d uint64) {
	if v1 {
		w.full(1)
		w.u64(0)
		w.u64(0)
		w.u32(timescale)
		w.u64(d)
		return
	}
	w.full(0)
	w.u32(0)
	w.u32(0)
	w.u32(timescale)
	w.u32(uint32(d))
}

func (w *atomWriter) matrix() {
	for _, v := range []uint32{0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000} {
		w.u32(v)
	}
}

func (mv *Movie) trak(w *atomWriter, i int, offs []uint64) {
	t := &mv.Tracks[i]
	trak := w.begin("trak")
	movieDur := t.duration() * uint64(mv.Timescale) / uint64(t.Timescale)
	at := w.begin("tkhd")
	if mv.Version1 {
		w.full(1)
		w.b[len(w.b)-1] = 3
		w.u64(0)
		w.u64(0)
		w.u32(uint32(i + 1))
		w.u32(0)
		w.u64(movieDur)
	} else {
		w.full(0)
		w.b[len(w.b)-1] = 3
		w.u32(0)
		w.u32(0)
		w.u32(uint32(i + 1))
		w.u32(0)
		w.u32(uint32(movieDur))
	}
	w.zero(8)
	w.u16(0)
	w.u16(0)
	if t.Video {
		w.u16(0)
	} else {
		w.u16(0x0100)
	}
	w.u16(0)
	w.matrix()
	if t.Video {
		w.u32(16 << 16)
		w.u32(8 << 16)
	} else {
		w.u32(0)
		w.u32(0)
	}
	w.end(at)
	// an edit list of the whole track, which nginx drops
	edts := w.begin("edts")
	at = w.begin("elst")
	w.full(0)
	w.u32(1)
	w.u32(uint32(movieDur))
	w.u32(0)
	w.u32(0x00010000)
	w.end(at)
	w.end(edts)
	mdia := w.begin("mdia")
	at = w.begin("mdhd")
	w.times(mv.Version1, t.Timescale, t.duration())
	w.u16(0x55c4) // "und"
	w.u16(0)
	w.end(at)
	at = w.begin("hdlr")
	w.full(0)
	w.u32(0)
	if t.Video {
		w.str("vide")
	} else {
		w.str("soun")
	}
	w.zero(12)
	w.str("weir\x00")
	w.end(at)
	minf := w.begin("minf")
	if t.Video {
		at = w.begin("vmhd")
		w.full(0)
		w.b[len(w.b)-1] = 1
		w.zero(8)
	} else {
		at = w.begin("smhd")
		w.full(0)
		w.zero(4)
	}
	w.end(at)
	dinf := w.begin("dinf")
	at = w.begin("dref")
	w.full(0)
	w.u32(1)
	url := w.begin("url ")
	w.full(0)
	w.b[len(w.b)-1] = 1
	w.end(url)
	w.end(at)
	w.end(dinf)
	stbl := w.begin("stbl")
	mv.stbl(w, t, offs)
	w.end(stbl)
	w.end(minf)
	w.end(mdia)
	w.end(trak)
}

// runs writes a table of (count, value) entries, the run-length code of
// values (stts, ctts).
func (w *atomWriter) runs(name string, values []uint32) {
	at := w.begin(name)
	w.full(0)
	n := len(w.b)
	w.u32(0)
	var entries uint32
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j] == values[i] {
			j++
		}
		w.u32(uint32(j - i))
		w.u32(values[i])
		entries++
		i = j
	}
	put32(w.b[n:], entries)
	w.end(at)
}

func (mv *Movie) stbl(w *atomWriter, t *Track, offs []uint64) {
	at := w.begin("stsd")
	w.full(0)
	w.u32(1)
	e := w.begin("test")
	w.zero(6)
	w.u16(1)
	w.zero(8)
	w.end(e)
	w.end(at)

	w.runs("stts", t.Durations)

	if t.Sync != nil {
		at = w.begin("stss")
		w.full(0)
		w.u32(uint32(len(t.Sync)))
		for _, s := range t.Sync {
			w.u32(s)
		}
		w.end(at)
	}

	if t.CTTS != nil {
		w.runs("ctts", t.CTTS)
	}

	at = w.begin("stsc")
	w.full(0)
	n := len(w.b)
	w.u32(0)
	var entries uint32
	for c := range t.Chunk {
		if c == 0 || t.Chunk[c] != t.Chunk[c-1] {
			w.u32(uint32(c + 1))
			w.u32(t.Chunk[c])
			w.u32(1)
			entries++
		}
	}
	put32(w.b[n:], entries)
	w.end(at)

	at = w.begin("stsz")
	w.full(0)
	if t.Uniform {
		w.u32(t.Sizes[0])
		w.u32(uint32(len(t.Durations)))
	} else {
		w.u32(0)
		w.u32(uint32(len(t.Sizes)))
		for _, s := range t.Sizes {
			w.u32(s)
		}
	}
	w.end(at)

	if mv.Co64 {
		at = w.begin("co64")
		w.full(0)
		w.u32(uint32(len(offs)))
		for _, o := range offs {
			w.u64(o)
		}
	} else {
		at = w.begin("stco")
		w.full(0)
		w.u32(uint32(len(offs)))
		for _, o := range offs {
			w.u32(uint32(o))
		}
	}
	w.end(at)
}

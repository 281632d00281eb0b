package difftest

import (
	"strings"
	"testing"

	"weir/internal/mp4"
)

// movie is a five-second test movie: a video track at 10 frames a
// second (key frames every tenth, composition offsets, chunks of three)
// and a sound track of 1024-sample frames at 8 kHz in chunks of four.
func movie(change func(*mp4.Movie)) string {
	var v mp4.Track
	v.Video, v.Timescale = true, 1000
	for i := 0; i < 50; i++ {
		v.Durations = append(v.Durations, 100)
		v.Sizes = append(v.Sizes, uint32(5+i%7))
		v.CTTS = append(v.CTTS, uint32(100*(i%3)))
		if i%10 == 0 {
			v.Sync = append(v.Sync, uint32(i+1))
		}
	}
	for n := 50; n > 0; n -= 3 {
		v.Chunk = append(v.Chunk, uint32(min(n, 3)))
	}
	var a mp4.Track
	a.Timescale = 8000
	for i := 0; i < 39; i++ {
		a.Durations = append(a.Durations, 1024)
		a.Sizes = append(a.Sizes, uint32(3+i%4))
	}
	for n := 39; n > 0; n -= 4 {
		a.Chunk = append(a.Chunk, uint32(min(n, 4)))
	}
	m := mp4.Movie{Timescale: 1000, Tracks: []mp4.Track{v, a}}
	if change != nil {
		change(&m)
	}
	return string(mp4.Synth(m))
}

// TestMP4 compares the mp4 module's pseudo-streaming: the moov rewritten
// for start= and end= (byte for byte), on files with the moov after or
// before the mdat, co64 and version 1 atoms, a sound track of one
// sample size, mp4_start_key_frame, mp4_buffer_size and
// mp4_max_buffer_size, the values start= and end= take, ranges, HEAD,
// conditional requests, and the errors of broken files.
func TestMP4(t *testing.T) {
	plain := movie(nil)
	fast := movie(func(m *mp4.Movie) { m.MoovFirst = true })
	co64 := movie(func(m *mp4.Movie) { m.Co64, m.Version1 = true, true })
	uniform := movie(func(m *mp4.Movie) {
		m.Tracks[1].Uniform = true
		m.Tracks[0].CTTS = nil
		m.NoFtyp = true
	})
	// broken files: the atoms cut or doubled where nginx checks them
	moovAt := strings.Index(plain, "moov") - 4
	truncated := plain[:len(plain)-10]
	shortTail := plain[:28] + "\x00\x00"
	cmov := plain[:moovAt+12] + "cmov" + plain[moovAt+16:]
	dupMdat := plain[:moovAt] + plain[28:moovAt] + plain[moovAt:]
	noMdat := strings.Replace(plain, "mdat", "free", 1)
	noTrak := strings.ReplaceAll(plain, "trak", "skip")
	dupFtyp := plain[:28] + plain
	tooSmall := plain[:moovAt] + "\x00\x00\x00\x05moov"
	stts := strings.Index(plain, "stts")
	noStts := plain[:stts] + "xxxx" + plain[stts+4:]
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location / { mp4; }
        location /key/ { alias {{ROOT}}/; mp4; mp4_start_key_frame on; }
        location /small/ { alias {{ROOT}}/; mp4; mp4_buffer_size 1k; }
        location /max/ { alias {{ROOT}}/; mp4; mp4_buffer_size 512; mp4_max_buffer_size 1k; }
        location /nolog/ { alias {{ROOT}}/; mp4; log_not_found off; }
        location /mr/ { alias {{ROOT}}/; mp4; max_ranges 0; }
    }
`,
		files: map[string]string{
			"a.mp4":       plain,
			"fast.mp4":    fast,
			"co64.mp4":    co64,
			"uni.mp4":     uniform,
			"text.mp4":    "this is not a movie at all, just some text\n",
			"trunc.mp4":   truncated,
			"short.mp4":   shortTail,
			"dupmdat.mp4": dupMdat,
			"cmov.mp4":    cmov,
			"nomdat.mp4":  noMdat,
			"notrak.mp4":  noTrak,
			"dupftyp.mp4": dupFtyp,
			"small.mp4":   tooSmall,
			"nostts.mp4":  noStts,
			"empty.mp4":   "",
			"dir.mp4/x":   "x",
		},
		cases: []tc{
			get("whole", "/a.mp4"),
			get("start 0", "/a.mp4?start=0"),
			get("start 1", "/a.mp4?start=1"),
			get("start 1.5", "/a.mp4?start=1.5"),
			get("start 2.25", "/a.mp4?start=2.25"),
			get("start 4.9", "/a.mp4?start=4.9"),
			get("start 5", "/a.mp4?start=5"),
			get("start past end", "/a.mp4?start=10"),
			get("end 2", "/a.mp4?end=2"),
			get("end 0", "/a.mp4?end=0"),
			get("start 1 end 3", "/a.mp4?start=1&end=3"),
			get("start 0.35 end 1.77", "/a.mp4?start=0.35&end=1.77"),
			get("end before start", "/a.mp4?start=3&end=2"),
			get("end past end", "/a.mp4?start=4&end=100"),
			get("start many digits", "/a.mp4?start=1.23456789"),
			get("start dot first", "/a.mp4?start=.5"),
			get("start two dots", "/a.mp4?start=1.2.3"),
			get("start letters", "/a.mp4?start=abc"),
			get("start empty", "/a.mp4?start="),
			get("start upper case", "/a.mp4?START=2"),
			get("start huge", "/a.mp4?start=99999999999999999999"),
			get("fast whole", "/fast.mp4"),
			get("fast start 0", "/fast.mp4?start=0"),
			get("fast start 2", "/fast.mp4?start=2"),
			get("fast end 1", "/fast.mp4?end=1"),
			get("co64 start 2", "/co64.mp4?start=2"),
			get("co64 start 1 end 2", "/co64.mp4?start=1&end=2"),
			get("uniform start 2", "/uni.mp4?start=2"),
			get("uniform start 1.3 end 3.3", "/uni.mp4?start=1.3&end=3.3"),
			get("key frame start 2.5", "/key/a.mp4?start=2.5"),
			get("key frame start 1.05 end 2", "/key/a.mp4?start=1.05&end=2"),
			get("key frame fast", "/key/fast.mp4?start=3.3"),
			get("small buffer", "/small/a.mp4?start=2"),
			get("small buffer fast", "/small/fast.mp4?start=2"),
			get("max buffer", "/max/a.mp4?start=2"),
			get("max buffer whole", "/max/a.mp4"),
			get("max buffer fast start 0", "/max/fast.mp4?start=0"),
			req("head", "HEAD", "/a.mp4?start=2"),
			withBody("post", "POST", "/a.mp4", "x"),
			req("delete", "DELETE", "/a.mp4?start=2"),
			get("range", "/a.mp4?start=2", "Range: bytes=10-40"),
			get("range suffix", "/a.mp4?start=2", "Range: bytes=-30"),
			get("two ranges", "/a.mp4?start=2", "Range: bytes=0-1,5-6"),
			get("two ranges declined", "/fast.mp4?start=0", "Range: bytes=0-1,5-6"),
			get("two ranges whole", "/a.mp4", "Range: bytes=0-1,5-6"),
			get("range unsatisfiable", "/a.mp4?start=2", "Range: bytes=100000-"),
			get("range max_ranges 0", "/mr/a.mp4?start=2", "Range: bytes=0-1"),
			get("if-modified-since", "/a.mp4?start=2", "If-Modified-Since: Tue, 05 Mar 2024 06:07:08 GMT"),
			get("if-match fails", "/a.mp4?start=2", `If-Match: "x"`),
			get("text file", "/text.mp4?start=1"),
			get("text file whole", "/text.mp4"),
			get("truncated", "/trunc.mp4?start=1"),
			get("short tail", "/short.mp4?start=1"),
			get("duplicate mdat", "/dupmdat.mp4?start=1"),
			get("cmov", "/cmov.mp4?start=1"),
			get("no mdat", "/nomdat.mp4?start=1"),
			get("no trak", "/notrak.mp4?start=1"),
			get("duplicate ftyp", "/dupftyp.mp4?start=1"),
			get("atom too small", "/small.mp4?start=1"),
			get("no stts", "/nostts.mp4?start=1"),
			get("empty file", "/empty.mp4?start=1"),
			get("missing", "/missing.mp4?start=1"),
			get("missing log_not_found off", "/nolog/missing.mp4"),
			get("directory", "/dir.mp4?start=1"),
			get("directory slash", "/dir.mp4/"),
		},
	})
}

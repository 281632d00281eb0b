package mp4

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"weir/internal/errlog"
)

// Params are one request's interval and the location's settings.
type Params struct {
	Start  uint64 // start= in milliseconds
	Length uint64 // end= minus start= in milliseconds, 0 for the rest

	BufferSize    int64 // mp4_buffer_size
	MaxBufferSize int64 // mp4_max_buffer_size
	StartKeyFrame bool  // mp4_start_key_frame
}

// Result is the response body: Prefix, then the file's bytes from
// Start up to End.
type Result struct {
	Prefix     []byte
	Start, End int64
}

// Error is a failure nginx logs (at error level, or crit when Crit is
// set) before it answers 500.
type Error struct {
	Crit bool
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// ErrDeclined is Rewrite's answer when the whole file is to be sent as
// it is: its moov atom comes before its mdat and the whole movie is
// asked for.
var ErrDeclined = errors.New("mp4: send the whole file")

// Rewrite reads the MP4 file r of size bytes (name is its path, for the
// messages) and builds the response for p (ngx_http_mp4_process). The
// error is ErrDeclined or an *Error.
func Rewrite(r io.ReaderAt, name string, size int64, p Params) (res *Result, err error) {
	m := &file{r: r, name: name, end: size, p: p}
	defer func() {
		// nginx would read past a table that lies about its size; weir
		// refuses the file instead
		if v := recover(); v != nil {
			res, err = nil, m.errorf("\"%s\" mp4 file is malformed", name)
		}
	}()
	if err := m.process(); err != nil {
		return nil, err
	}
	return m.result(), nil
}

// the parts of a track's atoms, in the order they are sent (nginx's
// NGX_HTTP_MP4_*_ATOM and _DATA)
const (
	trakAtom = iota
	tkhdAtom
	edtsAtom
	elstAtom
	mdiaAtom
	mdhdAtom
	hdlrAtom
	minfAtom
	vmhdAtom
	smhdAtom
	dinfAtom
	stblAtom
	stsdAtom
	sttsAtom
	sttsData
	stssAtom
	stssData
	cttsAtom
	cttsData
	stscAtom
	stscStart
	stscData
	stscEnd
	stszAtom
	stszData
	stcoAtom
	stcoData
	co64Atom
	co64Data
	lastAtom
)

// buf is a piece of the output: b[pos:last], where b is the buffer the
// moov atom was read into (the tables are edited there in place) or a
// small array of its own.
type buf struct {
	b         []byte
	pos, last int
}

func (x *buf) bytes() []byte { return x.b[x.pos:x.last] }

// trak is ngx_http_mp4_trak_t.
type trak struct {
	timescale                uint32
	timeToSampleEntries      uint32
	sampleToChunkEntries     uint32
	syncSamplesEntries       uint32
	compositionOffsetEntries uint32
	sampleSizesEntries       uint32
	chunks                   uint32

	startSample, endSample             uint64
	startChunk, endChunk               uint64
	startChunkSamples, endChunkSamples uint64
	startChunkSamplesSize              uint64
	endChunkSamplesSize                uint64
	duration, prefix, movieDuration    uint64
	startOffset, endOffset             int64

	tkhdSize, mdhdSize, hdlrSize, vmhdSize, smhdSize, dinfSize, size int64

	out [lastAtom]*buf
}

// file is ngx_http_mp4_file_t.
type file struct {
	r    io.ReaderAt
	name string
	p    Params

	buffer              []byte
	bstart, bpos, bend  int
	bufferSize          int64
	offset, end         int64
	contentLength       int64
	timescale           uint32
	traks               []*trak
	ftypSize, moovSize  int64
	ftyp, mvhd          *buf
	moov                bool
	moovHeader          [8]byte
	mdat                bool
	mdatFirst, mdatLast int64
	mdatHeader          []byte
}

func (m *file) errorf(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...)}
}

func get16(b []byte) uint16    { return binary.BigEndian.Uint16(b) }
func get32(b []byte) uint32    { return binary.BigEndian.Uint32(b) }
func get64(b []byte) uint64    { return binary.BigEndian.Uint64(b) }
func put32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }
func put64(b []byte, v uint64) { binary.BigEndian.PutUint64(b, v) }

func setName(b []byte, name string) { copy(b[4:8], name) }

// header is ngx_mp4_atom_header: the 8 bytes before the atom's data.
func (m *file) header() int { return m.bpos - 8 }

// next is ngx_mp4_atom_next.
func (m *file) next(n uint64) {
	if n > uint64(m.bend-m.bpos) {
		m.bpos = m.bend
	} else {
		m.bpos += int(n)
	}
	m.offset += int64(n)
}

// result assembles the chain nginx sends.
func (m *file) result() *Result {
	var p []byte
	if m.ftyp != nil {
		p = append(p, m.ftyp.bytes()...)
	}
	p = append(p, m.moovHeader[:]...)
	if m.mvhd != nil {
		p = append(p, m.mvhd.bytes()...)
	}
	for _, t := range m.traks {
		for _, o := range t.out {
			if o != nil {
				p = append(p, o.bytes()...)
			}
		}
	}
	p = append(p, m.mdatHeader...)
	return &Result{Prefix: p, Start: m.mdatFirst, End: m.mdatLast}
}

type handler struct {
	name string
	fn   func(m *file, size uint64) error
}

var (
	topAtoms  []handler
	moovAtoms []handler
	trakAtoms = []handler{{"tkhd", (*file).readTkhd}, {"mdia", (*file).readMdia}}
	mdiaAtoms = []handler{{"mdhd", (*file).readMdhd}, {"hdlr", (*file).readHdlr}, {"minf", (*file).readMinf}}
	minfAtoms = []handler{{"vmhd", (*file).readVmhd}, {"smhd", (*file).readSmhd},
		{"dinf", (*file).readDinf}, {"stbl", (*file).readStbl}}
	stblAtoms = []handler{{"stsd", (*file).readStsd}, {"stts", (*file).readStts},
		{"stss", (*file).readStss}, {"ctts", (*file).readCtts}, {"stsc", (*file).readStsc},
		{"stsz", (*file).readStsz}, {"stco", (*file).readStco}, {"co64", (*file).readCo64}}
)

func init() {
	topAtoms = []handler{{"ftyp", (*file).readFtyp}, {"moov", (*file).readMoov}, {"mdat", (*file).readMdat}}
	moovAtoms = []handler{{"mvhd", (*file).readMvhd}, {"trak", (*file).readTrak}, {"cmov", (*file).readCmov}}
}

// process is ngx_http_mp4_process.
func (m *file) process() error {
	m.bufferSize = m.p.BufferSize
	if err := m.readAtom(topAtoms, uint64(m.end)); err != nil {
		return err
	}
	if len(m.traks) == 0 {
		return m.errorf("no mp4 trak atoms were found in \"%s\"", m.name)
	}
	if !m.mdat {
		return m.errorf("no mp4 mdat atom was found in \"%s\"", m.name)
	}
	if m.mvhd != nil {
		m.moovSize += int64(m.mvhd.last - m.mvhd.pos)
	}
	startOffset, endOffset := m.end, int64(0)
	for _, t := range m.traks {
		if err := m.updateStts(t); err != nil {
			return err
		}
		if err := m.updateStss(t); err != nil {
			return err
		}
		m.updateCtts(t)
		if err := m.updateStsc(t); err != nil {
			return err
		}
		if err := m.updateStsz(t); err != nil {
			return err
		}
		var err error
		if t.out[co64Data] != nil {
			err = m.updateCo64(t)
		} else {
			err = m.updateStco(t)
		}
		if err != nil {
			return err
		}
		t.addSize(stblAtom, 0)
		t.addSize(minfAtom, t.vmhdSize+t.smhdSize+t.dinfSize)
		m.updateMdhd(t)
		t.size += t.hdlrSize
		t.addSize(mdiaAtom, 0)
		t.size += t.tkhdSize
		m.updateEdts(t)
		t.addSize(trakAtom, 0)
		m.moovSize += t.size
		startOffset = min(startOffset, t.startOffset)
		endOffset = max(endOffset, t.endOffset)
	}
	if endOffset < startOffset {
		endOffset = startOffset
	}
	m.moovSize += 8
	put32(m.moovHeader[:], uint32(m.moovSize))
	setName(m.moovHeader[:], "moov")
	m.contentLength += m.moovSize
	if startOffset > m.mdatLast {
		return m.errorf("start time is out mp4 mdat atom in \"%s\"", m.name)
	}
	adjustment := m.ftypSize + m.moovSize + m.updateMdat(startOffset, endOffset) - startOffset
	for _, t := range m.traks {
		if t.out[co64Data] != nil {
			adjustCo64(t, uint64(adjustment))
		} else {
			adjustStco(t, int32(adjustment))
		}
	}
	return nil
}

// addSize is the update of a container atom (stbl, minf, mdia, trak):
// its header and extra are added to the track's size, which becomes
// the atom's size.
func (t *trak) addSize(atom int, extra int64) {
	t.size += 8 + extra
	a := t.out[atom]
	put32(a.b[a.pos:], uint32(t.size))
}

// readAtom is ngx_http_mp4_read_atom: the atoms of size bytes from the
// current offset, each given to its handler or skipped.
func (m *file) readAtom(atoms []handler, size uint64) error {
	end := m.offset + int64(size)
	for m.offset < end {
		if err := m.read(4); err != nil {
			return err
		}
		atomSize := uint64(get32(m.buffer[m.bpos:]))
		headerSize := uint64(8)
		if atomSize == 0 {
			return nil
		}
		if atomSize < 8 {
			if atomSize != 1 {
				return m.errorf("\"%s\" mp4 atom is too small:%d", m.name, atomSize)
			}
			if err := m.read(16); err != nil {
				return err
			}
			atomSize = get64(m.buffer[m.bpos+8:])
			headerSize = 16
			if atomSize < 16 {
				return m.errorf("\"%s\" mp4 atom is too small:%d", m.name, atomSize)
			}
		}
		if err := m.read(8); err != nil {
			return err
		}
		name := string(m.buffer[m.bpos+4 : m.bpos+8])
		if atomSize > uint64(math.MaxInt64-m.offset) || m.offset+int64(atomSize) > end {
			return m.errorf("\"%s\" mp4 atom too large:%d", m.name, atomSize)
		}
		handled := false
		for _, a := range atoms {
			if a.name == name {
				m.next(headerSize)
				if err := a.fn(m, atomSize-headerSize); err != nil {
					return err
				}
				handled = true
				break
			}
		}
		if !handled {
			m.next(atomSize)
		}
	}
	return nil
}

// read is ngx_http_mp4_read: makes size bytes at the offset available
// at bpos, reading the buffer again from the offset when they are not.
func (m *file) read(size int64) error {
	if m.buffer != nil && int64(m.bpos)+size <= int64(m.bend) {
		return nil
	}
	if m.offset+m.bufferSize > m.end {
		m.bufferSize = m.end - m.offset
	}
	if m.bufferSize < size {
		return m.errorf("\"%s\" mp4 file truncated", m.name)
	}
	if m.buffer == nil {
		m.buffer = make([]byte, m.bufferSize)
		m.bstart = 0
	}
	n, err := m.r.ReadAt(m.buffer[m.bstart:m.bstart+int(m.bufferSize)], m.offset)
	if int64(n) != m.bufferSize {
		if err != nil && err != io.EOF {
			return &Error{Crit: true, Msg: fmt.Sprintf("pread() \"%s\" failed %s", m.name, errlog.SysError(err))}
		}
		return &Error{Crit: true, Msg: fmt.Sprintf("pread() read only %d of %d from \"%s\"", n, m.bufferSize, m.name)}
	}
	m.bpos = m.bstart
	m.bend = m.bstart + int(m.bufferSize)
	return nil
}

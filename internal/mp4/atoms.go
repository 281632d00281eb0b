package mp4

// The readers of the atoms outside the sample tables, after nginx's
// ngx_http_mp4_read_*_atom: each checks its atom, takes its bytes as a
// piece of the output and moves past it.

// moovExcess is NGX_HTTP_MP4_MOOV_BUFFER_EXCESS: room kept after a moov
// that comes before the mdat, to read the atoms after it.
const moovExcess = 4 * 1024

func (m *file) last() *trak { return m.traks[len(m.traks)-1] }

// piece is the atom whose header is at h, n bytes long, in the buffer.
func (m *file) piece(h int, n int) *buf { return &buf{b: m.buffer, pos: h, last: h + n} }

func (m *file) readFtyp(size uint64) error {
	if size > 1024 || m.bpos+int(size) > m.bend {
		return m.errorf("\"%s\" mp4 ftyp atom is too large:%d", m.name, size)
	}
	if m.ftyp != nil {
		return m.errorf("duplicate mp4 ftyp atom in \"%s\"", m.name)
	}
	n := 8 + int(size)
	// copied: only the moov atom stays in the buffer
	b := make([]byte, n)
	put32(b, uint32(n))
	setName(b, "ftyp")
	copy(b[8:], m.buffer[m.bpos:m.bpos+int(size)])
	m.ftyp = &buf{b: b, last: n}
	m.ftypSize = int64(n)
	m.contentLength = int64(n)
	m.next(size)
	return nil
}

func (m *file) readMoov(size uint64) error {
	noMdat := !m.mdat
	if noMdat && m.p.Start == 0 && m.p.Length == 0 {
		// the moov is before the mdat and the whole movie is asked for
		return ErrDeclined
	}
	if m.moov {
		return m.errorf("duplicate mp4 moov atom in \"%s\"", m.name)
	}
	if size > uint64(m.bufferSize) {
		if size > uint64(m.p.MaxBufferSize) {
			return m.errorf("\"%s\" mp4 moov atom is too large:%d, you may want to increase mp4_max_buffer_size", m.name, size)
		}
		m.buffer, m.bpos, m.bend = nil, 0, 0
		m.bufferSize = int64(size)
		if noMdat {
			m.bufferSize += moovExcess
		}
	}
	if err := m.read(int64(size)); err != nil {
		return err
	}
	m.moov = true
	err := m.readAtom(moovAtoms, size)
	if noMdat {
		m.bstart = m.bpos
		m.bufferSize = moovExcess
		if m.bstart+moovExcess > m.bend {
			m.buffer, m.bpos, m.bend = nil, 0, 0
		}
	} else {
		// the atoms after the moov are skipped
		m.offset = m.end
	}
	return err
}

func (m *file) readMdat(size uint64) error {
	if m.mdat {
		return m.errorf("duplicate mp4 mdat atom in \"%s\"", m.name)
	}
	m.mdat = true
	m.mdatLast = m.offset + int64(size)
	if len(m.traks) > 0 {
		// the atoms after the mdat are skipped
		m.offset = m.end
	} else {
		m.next(size)
	}
	return nil
}

// updateMdat is ngx_http_mp4_update_mdat_atom: the mdat's header for
// the data from start to end, a 64-bit one when the size needs it; it
// returns the header's size.
func (m *file) updateMdat(start, end int64) int64 {
	size := uint64(end - start)
	m.mdatFirst, m.mdatLast = start, end
	var h []byte
	if size > 0xffffffff-8 {
		h = make([]byte, 16)
		put32(h, 1)
		put64(h[8:], 16+size)
	} else {
		h = make([]byte, 8)
		put32(h, uint32(8+size))
	}
	setName(h, "mdat")
	m.mdatHeader = h
	m.contentLength += int64(len(h)) + int64(size)
	return int64(len(h))
}

// scaled is a time in milliseconds in units of timescale.
func scaled(ms uint64, timescale uint32) uint64 { return ms * uint64(timescale) / 1000 }

// clip is a duration without the start, at most the length asked for.
func (m *file) clip(duration uint64, timescale uint32) uint64 {
	duration -= scaled(m.p.Start, timescale)
	if m.p.Length != 0 {
		duration = min(duration, scaled(m.p.Length, timescale))
	}
	return duration
}

// versioned reads the 32-bit (version 0) or 64-bit duration at the
// offsets off32/off64 of the atom at h, checking the atom's size for
// each version (small32, small64: the data sizes nginx's structs have).
func (m *file) versioned(h int, size uint64, what string, small32, small64 uint64, off32, off64 int) (uint64, bool, error) {
	b := m.buffer
	if small32 > size {
		return 0, false, m.errorf("\"%s\" mp4 %s atom too small", m.name, what)
	}
	if b[h+8] == 0 {
		return uint64(get32(b[h+off32:])), false, nil
	}
	if small64 > size {
		return 0, false, m.errorf("\"%s\" mp4 %s atom too small", m.name, what)
	}
	return get64(b[h+off64:]), true, nil
}

func putDuration(b []byte, v64 bool, d uint64) {
	if v64 {
		put64(b, d)
	} else {
		put32(b, uint32(d))
	}
}

func (m *file) readMvhd(size uint64) error {
	if m.mvhd != nil {
		return m.errorf("duplicate mp4 mvhd atom in \"%s\"", m.name)
	}
	h := m.header()
	b := m.buffer
	setName(b[h:], "mvhd")
	duration, v64, err := m.versioned(h, size, "mvhd", 100, 112, 24, 32)
	if err != nil {
		return err
	}
	timescale := get32(b[h+20:])
	if v64 {
		timescale = get32(b[h+28:])
	}
	m.timescale = timescale
	if duration < scaled(m.p.Start, timescale) {
		return m.errorf("\"%s\" mp4 start time exceeds file duration", m.name)
	}
	duration = m.clip(duration, timescale)
	n := 8 + int(size)
	put32(b[h:], uint32(n))
	if v64 {
		put64(b[h+32:], duration)
	} else {
		put32(b[h+24:], uint32(duration))
	}
	m.mvhd = m.piece(h, n)
	m.next(size)
	return nil
}

func (m *file) readTrak(size uint64) error {
	t := &trak{}
	m.traks = append(m.traks, t)
	h := m.header()
	setName(m.buffer[h:], "trak")
	t.out[trakAtom] = m.piece(h, 8)
	atomEnd := m.bpos + int(size)
	fileEnd := m.offset + int64(size)
	err := m.readAtom(trakAtoms, size)
	if err == ErrDeclined {
		// a track that ends before the start is left out
		m.traks = m.traks[:len(m.traks)-1]
		m.bpos = atomEnd
		m.offset = fileEnd
		return nil
	}
	return err
}

func (m *file) readCmov(uint64) error {
	return m.errorf("\"%s\" mp4 compressed moov atom (cmov) is not supported", m.name)
}

func (m *file) readTkhd(size uint64) error {
	h := m.header()
	b := m.buffer
	setName(b[h:], "tkhd")
	duration, v64, err := m.versioned(h, size, "tkhd", 84, 96, 28, 36)
	if err != nil {
		return err
	}
	if duration <= scaled(m.p.Start, m.timescale) {
		return ErrDeclined
	}
	duration = m.clip(duration, m.timescale)
	n := 8 + int(size)
	t := m.last()
	if t.out[tkhdAtom] != nil {
		return m.errorf("duplicate mp4 tkhd atom in \"%s\"", m.name)
	}
	t.tkhdSize = int64(n)
	t.movieDuration = duration
	put32(b[h:], uint32(n))
	if v64 {
		putDuration(b[h+36:], true, duration)
	} else {
		putDuration(b[h+28:], false, duration)
	}
	t.out[tkhdAtom] = m.piece(h, n)
	m.next(size)
	return nil
}

// container starts a container atom of the last track (mdia, minf,
// stbl): its 8-byte header is a piece, its atoms are read with atoms.
func (m *file) container(size uint64, name string, slot int, atoms []handler) error {
	h := m.header()
	setName(m.buffer[h:], name)
	t := m.last()
	if t.out[slot] != nil {
		return m.errorf("duplicate mp4 %s atom in \"%s\"", name, m.name)
	}
	t.out[slot] = m.piece(h, 8)
	return m.readAtom(atoms, size)
}

func (m *file) readMdia(size uint64) error { return m.container(size, "mdia", mdiaAtom, mdiaAtoms) }
func (m *file) readMinf(size uint64) error { return m.container(size, "minf", minfAtom, minfAtoms) }
func (m *file) readStbl(size uint64) error { return m.container(size, "stbl", stblAtom, stblAtoms) }

func (m *file) readMdhd(size uint64) error {
	h := m.header()
	b := m.buffer
	setName(b[h:], "mdhd")
	duration, v64, err := m.versioned(h, size, "mdhd", 24, 36, 24, 32)
	if err != nil {
		return err
	}
	timescale := get32(b[h+20:])
	if v64 {
		timescale = get32(b[h+28:])
	}
	if duration <= scaled(m.p.Start, timescale) {
		return ErrDeclined
	}
	duration = m.clip(duration, timescale)
	n := 8 + int(size)
	t := m.last()
	if t.out[mdhdAtom] != nil {
		return m.errorf("duplicate mp4 mdhd atom in \"%s\"", m.name)
	}
	t.mdhdSize = int64(n)
	t.timescale = timescale
	t.duration = duration
	put32(b[h:], uint32(n))
	t.out[mdhdAtom] = m.piece(h, n)
	m.next(size)
	return nil
}

// updateMdhd writes the track's duration, which the start's key frame
// may have lengthened.
func (m *file) updateMdhd(t *trak) {
	a := t.out[mdhdAtom]
	if a == nil {
		return
	}
	if a.b[a.pos+8] == 0 {
		put32(a.b[a.pos+24:], uint32(t.duration))
	} else {
		put64(a.b[a.pos+32:], t.duration)
	}
	t.size += t.mdhdSize
}

// leaf takes a whole atom of the last track (hdlr, vmhd, smhd, dinf)
// as it is; dup is the name in the duplicate message and other a slot
// that also counts as a duplicate (vmhd and smhd exclude each other).
func (m *file) leaf(size uint64, name, dup string, slot, other int) (int64, error) {
	h := m.header()
	n := 8 + int(size)
	put32(m.buffer[h:], uint32(n))
	setName(m.buffer[h:], name)
	t := m.last()
	if t.out[slot] != nil || t.out[other] != nil {
		return 0, m.errorf("duplicate mp4 %s atom in \"%s\"", dup, m.name)
	}
	t.out[slot] = m.piece(h, n)
	m.next(size)
	return int64(n), nil
}

func (m *file) readHdlr(size uint64) error {
	n, err := m.leaf(size, "hdlr", "hdlr", hdlrAtom, hdlrAtom)
	if err == nil {
		m.last().hdlrSize = n
	}
	return err
}

func (m *file) readVmhd(size uint64) error {
	n, err := m.leaf(size, "vmhd", "vmhd/smhd", vmhdAtom, smhdAtom)
	if err == nil {
		m.last().vmhdSize += n
	}
	return err
}

func (m *file) readSmhd(size uint64) error {
	n, err := m.leaf(size, "smhd", "vmhd/smhd", smhdAtom, vmhdAtom)
	if err == nil {
		m.last().smhdSize += n
	}
	return err
}

func (m *file) readDinf(size uint64) error {
	n, err := m.leaf(size, "dinf", "dinf", dinfAtom, dinfAtom)
	if err == nil {
		m.last().dinfSize += n
	}
	return err
}

// updateEdts is ngx_http_mp4_update_edts_atom: when the start moved
// back to a key frame, an edit list of one entry skips the frames
// before the asked time (the track's own edts is not sent).
func (m *file) updateEdts(t *trak) {
	if t.prefix == 0 {
		return
	}
	e := make([]byte, 8+36)
	put32(e, 8+36)
	setName(e, "edts")
	l := e[8:]
	put32(l, 36)
	setName(l, "elst")
	l[8] = 1 // version 1, flags 0
	put32(l[12:], 1)
	put64(l[16:], t.movieDuration)
	put64(l[24:], t.prefix)
	l[32], l[33] = 0, 1 // media rate 1, reserved 0
	t.out[edtsAtom] = &buf{b: e, last: 8}
	t.out[elstAtom] = &buf{b: e, pos: 8, last: 8 + 36}
	t.size += 8 + 36
}

func (m *file) readStsd(size uint64) error {
	h := m.header()
	n := 8 + int(size)
	put32(m.buffer[h:], uint32(n))
	setName(m.buffer[h:], "stsd")
	if 16 > size {
		return m.errorf("\"%s\" mp4 stsd atom too small", m.name)
	}
	t := m.last()
	if t.out[stsdAtom] != nil {
		return m.errorf("duplicate mp4 stsd atom in \"%s\"", m.name)
	}
	t.out[stsdAtom] = m.piece(h, n)
	t.size += int64(n)
	m.next(size)
	return nil
}

package mp4

// The sample tables, after nginx's ngx_http_mp4_read_*_atom,
// ngx_http_mp4_update_*_atom and ngx_http_mp4_crop_*_data: each table
// is cut in place in the moov buffer to the samples from the start up
// to the end.

// table reads the header of a table atom of the last track (version,
// flags, entries) whose entries take entrySize bytes after hdr bytes of
// header, checking its size; dupFirst checks for a duplicate before the
// entries are (stss, ctts), as nginx does there.
func (m *file) table(size uint64, name, dup string, hdr, entrySize int, slot, other int, dupFirst bool) (t *trak, h int, entries uint32, err error) {
	h = m.header()
	b := m.buffer
	setName(b[h:], name)
	small := m.errorf("\"%s\" mp4 %s atom too small", m.name, name)
	if uint64(hdr-8) > size {
		return nil, 0, 0, small
	}
	entries = get32(b[h+hdr-4:])
	t = m.last()
	duplicate := t.out[slot] != nil || t.out[other] != nil
	if dupFirst && duplicate {
		return nil, 0, 0, m.errorf("duplicate mp4 %s atom in \"%s\"", dup, m.name)
	}
	if uint64(hdr-8)+uint64(entries)*uint64(entrySize) > size {
		return nil, 0, 0, small
	}
	if !dupFirst && duplicate {
		return nil, 0, 0, m.errorf("duplicate mp4 %s atom in \"%s\"", dup, m.name)
	}
	t.out[slot] = m.piece(h, hdr)
	t.out[slot+1] = m.piece(h+hdr, int(entries)*entrySize)
	m.next(size)
	return t, h, entries, nil
}

func (m *file) readStts(size uint64) error {
	t, _, n, err := m.table(size, "stts", "stts", 16, 8, sttsAtom, sttsAtom, false)
	if err == nil {
		t.timeToSampleEntries = n
	}
	return err
}

func (m *file) readStss(size uint64) error {
	t, _, n, err := m.table(size, "stss", "stss", 16, 4, stssAtom, stssAtom, true)
	if err == nil {
		t.syncSamplesEntries = n
	}
	return err
}

func (m *file) readCtts(size uint64) error {
	t, _, n, err := m.table(size, "ctts", "ctts", 16, 8, cttsAtom, cttsAtom, true)
	if err == nil {
		t.compositionOffsetEntries = n
	}
	return err
}

func (m *file) readStsc(size uint64) error {
	t, _, n, err := m.table(size, "stsc", "stsc", 16, 12, stscAtom, stscAtom, false)
	if err == nil {
		// the extra entries stay in their own slots
		t.out[stscStart], t.out[stscData] = nil, t.out[stscStart]
		t.sampleToChunkEntries = n
	}
	return err
}

func (m *file) readStco(size uint64) error {
	t, _, n, err := m.table(size, "stco", "stco/co64", 16, 4, stcoAtom, co64Atom, false)
	if err == nil {
		t.chunks = n
	}
	return err
}

func (m *file) readCo64(size uint64) error {
	t, _, n, err := m.table(size, "co64", "stco/co64", 16, 8, co64Atom, stcoAtom, false)
	if err == nil {
		t.chunks = n
	}
	return err
}

func (m *file) readStsz(size uint64) error {
	h := m.header()
	b := m.buffer
	setName(b[h:], "stsz")
	if 12 > size {
		return m.errorf("\"%s\" mp4 stsz atom too small", m.name)
	}
	uniform := get32(b[h+12:])
	entries := get32(b[h+16:])
	t := m.last()
	if t.out[stszAtom] != nil {
		return m.errorf("duplicate mp4 stsz atom in \"%s\"", m.name)
	}
	t.sampleSizesEntries = entries
	t.out[stszAtom] = m.piece(h, 20)
	if uniform == 0 {
		if 12+uint64(entries)*4 > size {
			return m.errorf("\"%s\" mp4 stsz atom too small", m.name)
		}
		t.out[stszData] = m.piece(h+20, int(entries)*4)
	} else {
		// all samples of one size: the table is sent as it is (and
		// nginx does not count the samples of the start chunk)
		n := 8 + int64(size)
		put32(b[h:], uint32(n))
		t.size += n
	}
	m.next(size)
	return nil
}

// finish writes a table atom's size and entries once cut.
func (t *trak) finish(slot int, hdr int, entries uint32) {
	a, d := t.out[slot], t.out[slot+1]
	n := hdr
	if d != nil {
		n += d.last - d.pos
	}
	t.size += int64(n)
	put32(a.b[a.pos:], uint32(n))
	put32(a.b[a.pos+hdr-4:], entries)
}

func (m *file) updateStts(t *trak) error {
	if t.out[sttsData] == nil {
		return m.errorf("no mp4 stts atoms were found in \"%s\"", m.name)
	}
	if err := m.cropStts(t, true); err != nil {
		return err
	}
	if err := m.cropStts(t, false); err != nil {
		return err
	}
	t.finish(sttsAtom, 16, t.timeToSampleEntries)
	return nil
}

func (m *file) cropStts(t *trak, start bool) error {
	var ms uint64
	switch {
	case start:
		ms = m.p.Start
	case m.p.Length != 0:
		ms = m.p.Length
	default:
		return nil
	}
	data := t.out[sttsData]
	b := data.b
	startTime := scaled(ms, t.timescale) + t.prefix
	entries := t.timeToSampleEntries
	var startSample uint64
	var count, duration, rest uint32
	entry := data.pos
	found := false
	for entry < data.last {
		count, duration = get32(b[entry:]), get32(b[entry+4:])
		if startTime < uint64(count)*uint64(duration) {
			startSample += startTime / uint64(duration)
			rest = uint32(startTime / uint64(duration))
			found = true
			break
		}
		startSample += uint64(count)
		startTime -= uint64(count) * uint64(duration)
		entries--
		entry += 8
	}
	if !found {
		if start {
			return m.errorf("start time is out mp4 stts samples in \"%s\"", m.name)
		}
		t.endSample = t.startSample + startSample
		return nil
	}
	if !start {
		put32(b[entry:], rest)
		data.last = entry + 8
		t.timeToSampleEntries -= entries - 1
		t.endSample = t.startSample + startSample
		return nil
	}
	keyPrefix := m.seekKeyFrame(t, uint32(startSample))
	startSample -= uint64(keyPrefix)
	for rest < keyPrefix {
		t.prefix += uint64(rest * duration)
		keyPrefix -= rest
		entry -= 8
		entries++
		count, duration = get32(b[entry:]), get32(b[entry+4:])
		rest = count
	}
	t.prefix += uint64(keyPrefix * duration)
	t.duration += t.prefix
	rest -= keyPrefix
	put32(b[entry:], count-rest)
	data.pos = entry
	t.timeToSampleEntries = entries
	t.startSample = startSample
	return nil
}

// seekKeyFrame is ngx_http_mp4_seek_key_frame: with
// mp4_start_key_frame, how many samples before the start the key frame
// at or before it is.
func (m *file) seekKeyFrame(t *trak, startSample uint32) uint32 {
	if !m.p.StartKeyFrame {
		return 0
	}
	data := t.out[stssData]
	if data == nil {
		return 0
	}
	startSample++ // sync samples count from 1
	var keyPrefix uint32
	for e := data.pos; e < data.last; e += 4 {
		sample := get32(data.b[e:])
		if sample > startSample {
			break
		}
		keyPrefix = startSample - sample
	}
	return keyPrefix
}

func (m *file) updateStss(t *trak) error {
	data := t.out[stssData]
	if data == nil {
		return nil
	}
	m.cropStss(t, true)
	m.cropStss(t, false)
	if t.syncSamplesEntries != 0 {
		for e := data.pos; e < data.last; e += 4 {
			put32(data.b[e:], get32(data.b[e:])-uint32(t.startSample))
		}
	} else {
		t.out[stssData] = nil
	}
	n := 16 + data.last - data.pos
	t.size += int64(n)
	a := t.out[stssAtom]
	put32(a.b[a.pos:], uint32(n))
	put32(a.b[a.pos+12:], t.syncSamplesEntries)
	return nil
}

func (m *file) cropStss(t *trak, start bool) {
	var startSample uint32
	switch {
	case start:
		startSample = uint32(t.startSample + 1)
	case m.p.Length != 0:
		startSample = uint32(t.endSample + 1)
	default:
		return
	}
	data := t.out[stssData]
	entries := t.syncSamplesEntries
	e := data.pos
	for ; e < data.last; e += 4 {
		if get32(data.b[e:]) >= startSample {
			break
		}
		entries--
	}
	if start {
		data.pos = e
		t.syncSamplesEntries = entries
	} else {
		data.last = e
		t.syncSamplesEntries -= entries
	}
}

func (m *file) updateCtts(t *trak) {
	data := t.out[cttsData]
	if data == nil {
		return
	}
	m.cropCtts(t, true)
	m.cropCtts(t, false)
	if t.compositionOffsetEntries == 0 {
		t.out[cttsAtom], t.out[cttsData] = nil, nil
		return
	}
	t.finish(cttsAtom, 16, t.compositionOffsetEntries)
}

func (m *file) cropCtts(t *trak, start bool) {
	var startSample uint32
	switch {
	case start:
		startSample = uint32(t.startSample + 1)
	case m.p.Length != 0:
		startSample = uint32(t.endSample - t.startSample + 1)
	default:
		return
	}
	data := t.out[cttsData]
	b := data.b
	entries := t.compositionOffsetEntries
	for e := data.pos; e < data.last; e += 8 {
		count := get32(b[e:])
		if startSample <= count {
			rest := startSample - 1
			if start {
				put32(b[e:], count-rest)
				data.pos = e
				t.compositionOffsetEntries = entries
			} else {
				put32(b[e:], rest)
				data.last = e + 8
				t.compositionOffsetEntries -= entries - 1
			}
			return
		}
		startSample -= count
		entries--
	}
	if start {
		data.pos = data.last
		t.compositionOffsetEntries = 0
	}
}

func (m *file) updateStsc(t *trak) error {
	data := t.out[stscData]
	if data == nil {
		return m.errorf("no mp4 stsc atoms were found in \"%s\"", m.name)
	}
	if t.sampleToChunkEntries == 0 {
		return m.errorf("zero number of entries in stsc atom in \"%s\"", m.name)
	}
	if err := m.cropStsc(t, true); err != nil {
		return err
	}
	if err := m.cropStsc(t, false); err != nil {
		return err
	}
	for e := data.pos; e < data.last; e += 12 {
		put32(data.b[e:], get32(data.b[e:])-uint32(t.startChunk))
	}
	n := 16 + int(t.sampleToChunkEntries)*12
	t.size += int64(n)
	a := t.out[stscAtom]
	put32(a.b[a.pos:], uint32(n))
	put32(a.b[a.pos+12:], t.sampleToChunkEntries)
	return nil
}

// stscEntry is a sample-to-chunk entry of its own (the first chunk's
// remaining samples at the start, the last chunk's at the end).
func stscEntry(chunk, samples, id uint32) *buf {
	e := make([]byte, 12)
	put32(e, chunk)
	put32(e[4:], samples)
	put32(e[8:], id)
	return &buf{b: e, last: 12}
}

func (m *file) cropStsc(t *trak, start bool) error {
	entries := uint64(t.sampleToChunkEntries) - 1
	var startSample, samples uint32
	switch {
	case start:
		startSample = uint32(t.startSample)
	case m.p.Length != 0:
		startSample = uint32(t.endSample - t.startSample)
		if first := t.out[stscStart]; first != nil {
			samples = get32(first.b[first.pos+4:])
			entries--
			if samples > startSample {
				samples = startSample
				put32(first.b[first.pos+4:], samples)
			}
			startSample -= samples
		}
	default:
		return nil
	}
	data := t.out[stscData]
	b := data.b
	e := data.pos
	chunk, samples, id := get32(b[e:]), get32(b[e+4:]), get32(b[e+8:])
	var prevSamples, nextChunk uint32
	e += 12
	found := false
	for e < data.last {
		nextChunk = get32(b[e:])
		n := (nextChunk - chunk) * samples
		if startSample < n {
			found = true
			break
		}
		startSample -= n
		prevSamples = samples
		chunk = nextChunk
		samples, id = get32(b[e+4:]), get32(b[e+8:])
		entries--
		e += 12
	}
	if !found {
		nextChunk = t.chunks + 1
		if startSample > (nextChunk-chunk)*samples {
			what := "end"
			if start {
				what = "start"
			}
			return m.errorf("%s time is out mp4 stsc chunks in \"%s\"", what, m.name)
		}
	}
	entries++
	e -= 12
	if samples == 0 {
		return m.errorf("zero number of samples in \"%s\"", m.name)
	}
	targetChunk := uint64(chunk-1) + uint64(startSample/samples)
	chunkSamples := startSample % samples
	if start {
		data.pos = e
		t.sampleToChunkEntries = uint32(entries)
		t.startChunk = targetChunk
		t.startChunkSamples = uint64(chunkSamples)
		put32(b[e:], uint32(t.startChunk+1))
		samples -= chunkSamples
	} else {
		if startSample != 0 {
			data.last = e + 12
			t.sampleToChunkEntries -= uint32(entries - 1)
			t.endChunkSamples = uint64(samples)
		} else {
			data.last = e
			t.sampleToChunkEntries -= uint32(entries)
			t.endChunkSamples = uint64(prevSamples)
		}
		if chunkSamples != 0 {
			t.endChunk = targetChunk + 1
			t.endChunkSamples = uint64(chunkSamples)
		} else {
			t.endChunk = targetChunk
		}
		samples = chunkSamples
		nextChunk = chunk + 1
	}
	switch {
	case chunkSamples != 0 && uint64(nextChunk)-targetChunk == 2:
		put32(b[e+4:], samples)
	case chunkSamples != 0 && start:
		t.out[stscStart] = stscEntry(1, samples, id)
		put32(b[e:], uint32(t.startChunk+2))
		t.sampleToChunkEntries++
	case chunkSamples != 0:
		t.out[stscEnd] = stscEntry(uint32(t.endChunk-t.startChunk), samples, id)
		t.sampleToChunkEntries++
	}
	return nil
}

func (m *file) updateStsz(t *trak) error {
	data := t.out[stszData]
	if data == nil {
		return nil
	}
	entries := uint64(t.sampleSizesEntries)
	if t.startSample > entries {
		return m.errorf("start time is out mp4 stsz samples in \"%s\"", m.name)
	}
	entries -= t.startSample
	data.pos += int(t.startSample) * 4
	end := data.pos
	for p := end - int(t.startChunkSamples)*4; p < end; p += 4 {
		t.startChunkSamplesSize += uint64(get32(data.b[p:]))
	}
	if t.startChunkSamplesSize > uint64(m.end) {
		return m.errorf("too large mp4 start samples size in \"%s\"", m.name)
	}
	if m.p.Length != 0 {
		if t.endSample-t.startSample > entries {
			return m.errorf("end time is out mp4 stsz samples in \"%s\"", m.name)
		}
		entries = t.endSample - t.startSample
		data.last = data.pos + int(entries)*4
		end = data.last
		for p := end - int(t.endChunkSamples)*4; p < end; p += 4 {
			t.endChunkSamplesSize += uint64(get32(data.b[p:]))
		}
		if t.endChunkSamplesSize > uint64(m.end) {
			return m.errorf("too large mp4 end samples size in \"%s\"", m.name)
		}
	}
	t.finish(stszAtom, 20, uint32(entries))
	return nil
}

// updateOffsets is ngx_http_mp4_update_stco_atom and _co64_atom: the
// chunk offsets from the start chunk (the first moved past the samples
// before the start) to the end chunk, and where the track's data starts
// and ends in the file. w is 4 for stco, 8 for co64.
func (m *file) updateOffsets(t *trak, w int, name string) error {
	slot := stcoData
	if w == 8 {
		slot = co64Data
	}
	data := t.out[slot]
	if data == nil {
		return m.errorf("no mp4 %s atoms were found in \"%s\"", name, m.name)
	}
	if t.startChunk > uint64(t.chunks) {
		return m.errorf("start time is out mp4 %s chunks in \"%s\"", name, m.name)
	}
	b := data.b
	get := func(p int) uint64 {
		if w == 8 {
			return get64(b[p:])
		}
		return uint64(get32(b[p:]))
	}
	tooLarge := func(off, size uint64) bool {
		return off > uint64(m.end)-size || (w == 4 && off+size > 0xffffffff)
	}
	data.pos += int(t.startChunk) * w
	off, size := get(data.pos), t.startChunkSamplesSize
	if tooLarge(off, size) {
		return m.errorf("too large chunk offset in \"%s\"", m.name)
	}
	t.startOffset = int64(off + size)
	if w == 8 {
		put64(b[data.pos:], uint64(t.startOffset))
	} else {
		put32(b[data.pos:], uint32(t.startOffset))
	}
	var entries uint64
	if m.p.Length != 0 {
		if t.endChunk > uint64(t.chunks) {
			return m.errorf("end time is out mp4 %s chunks in \"%s\"", name, m.name)
		}
		entries = t.endChunk - t.startChunk
		if w == 4 {
			entries = uint64(uint32(entries))
		}
		data.last = data.pos + int(entries)*w
		if entries != 0 {
			off, size = get(data.last-w), t.endChunkSamplesSize
			if tooLarge(off, size) {
				return m.errorf("too large chunk offset in \"%s\"", m.name)
			}
			t.endOffset = int64(off + size)
		}
	} else {
		entries = uint64(t.chunks) - t.startChunk
		t.endOffset = m.mdatLast
	}
	if entries == 0 {
		t.startOffset = m.end
		t.endOffset = 0
	}
	t.finish(slot-1, 16, uint32(entries))
	return nil
}

func (m *file) updateStco(t *trak) error { return m.updateOffsets(t, 4, "stco") }
func (m *file) updateCo64(t *trak) error { return m.updateOffsets(t, 8, "co64") }

// adjustStco moves the chunk offsets by where the data now starts.
func adjustStco(t *trak, adjustment int32) {
	d := t.out[stcoData]
	for e := d.pos; e < d.last; e += 4 {
		put32(d.b[e:], get32(d.b[e:])+uint32(adjustment))
	}
}

func adjustCo64(t *trak, adjustment uint64) {
	d := t.out[co64Data]
	for e := d.pos; e < d.last; e += 8 {
		put64(d.b[e:], get64(d.b[e:])+adjustment)
	}
}

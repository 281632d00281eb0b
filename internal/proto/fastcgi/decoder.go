package fastcgi

// Decoder states (ngx_http_fastcgi_state_e).
const (
	stVersion uint8 = iota
	stType
	stIDHigh
	stIDLow
	stLenHigh
	stLenLow
	stPadLen
	stReserved
	stData
	stPadding
)

// Decoder splits a response byte stream into records. The zero value is
// ready and expects request id 1 (RequestID); Reset prepares it for the
// next response on a kept connection.
type Decoder struct {
	// ID is the request id the records must carry; 0 means RequestID.
	ID uint16

	state   uint8
	typ     uint8
	length  int // content bytes still to come in the current record
	padding int // padding bytes still to come
	endN    int // END_REQUEST content bytes seen
	end     [8]byte
	fresh   bool // the current record's header is read, none of its content
}

// Frame is what Decode found.
type Frame struct {
	// Type is TypeStdout, TypeStderr or TypeEndRequest; 0 when Decode
	// used all the bytes it was given without completing a frame.
	Type uint8
	// Data is STDOUT or STDERR content: a piece of one record's content,
	// aliasing the buffer given to Decode. Each piece is non-empty,
	// except that an empty STDOUT record (the end of the stdout stream)
	// is a Frame of TypeStdout with Data == nil.
	Data []byte
	// AppStatus and ProtocolStatus are the body of an END_REQUEST
	// record (zero if its content was shorter than 8 bytes).
	AppStatus      uint32
	ProtocolStatus uint8
}

// Reset clears d for the next response, keeping ID.
func (d *Decoder) Reset() { *d = Decoder{ID: d.ID} }

// Decode consumes bytes from the front of buf and returns at most one
// frame; n is the number of bytes used. Call it again on buf[n:] (and
// then on bytes read later) for the next frame. A frame of Type 0 means
// all of buf was used and more bytes are needed.
//
// An END_REQUEST frame is returned once its content and padding are
// consumed: nginx keeps the connection (fastcgi_keep_conn) only when
// nothing follows it in the same read, so the caller checks n ==
// len(buf). Errors are *RecordError; the decoder is then unusable.
func (d *Decoder) Decode(buf []byte) (n int, f Frame, err error) {
	for {
		if d.state < stData {
			m, err := d.header(buf[n:])
			n += m
			if err != nil {
				return n, Frame{}, err
			}
			if d.state < stData {
				return n, Frame{}, nil
			}
			if d.typ == TypeStdout && d.length == 0 {
				d.state = stPadding
				return n, Frame{Type: TypeStdout}, nil
			}
		}
		if d.state == stPadding {
			m := min(d.padding, len(buf)-n)
			d.padding -= m
			n += m
			if d.padding > 0 {
				return n, Frame{}, nil
			}
			d.state = stVersion
			if d.typ == TypeEndRequest {
				return n, d.endFrame(), nil
			}
			continue
		}
		// stData
		m := min(d.length, len(buf)-n)
		data := buf[n : n+m]
		d.length -= m
		n += m
		if m > 0 || d.length == 0 {
			d.fresh = false
		}
		if d.length == 0 {
			d.state = stPadding
		}
		if d.typ == TypeEndRequest {
			if c := copy(d.end[d.endN:], data); c > 0 {
				d.endN += c
			}
			if d.state == stData {
				return n, Frame{}, nil
			}
			continue
		}
		if m == 0 {
			if d.state == stPadding {
				continue // an empty STDERR record
			}
			return n, Frame{}, nil
		}
		return n, Frame{Type: d.typ, Data: data}, nil
	}
}

// Remaining reports the content and padding bytes of the current record
// still to come: after the first piece of a record, with the piece's
// length, its header's lengths.
func (d *Decoder) Remaining() (content, padding int) { return d.length, d.padding }

func (d *Decoder) endFrame() Frame {
	f := Frame{Type: TypeEndRequest}
	if d.endN == 8 {
		e := d.end
		f.AppStatus = uint32(e[0])<<24 | uint32(e[1])<<16 | uint32(e[2])<<8 | uint32(e[3])
		f.ProtocolStatus = e[4]
	}
	return f
}

// header ports ngx_http_fastcgi_process_record: it reads a record
// header, byte by byte so that it may arrive in pieces.
func (d *Decoder) header(b []byte) (int, error) {
	id := d.ID
	if id == 0 {
		id = RequestID
	}
	for i, ch := range b {
		switch d.state {
		case stVersion:
			if ch != Version {
				return i, &RecordError{Kind: BadVersion, Byte: ch}
			}
		case stType:
			switch ch {
			case TypeStdout, TypeStderr, TypeEndRequest:
				d.typ = ch
			default:
				return i, &RecordError{Kind: BadType, Byte: ch}
			}
		case stIDHigh:
			if ch != byte(id>>8) {
				return i, &RecordError{Kind: BadIDHigh, Byte: ch}
			}
		case stIDLow:
			if ch != byte(id) {
				return i, &RecordError{Kind: BadIDLow, Byte: ch}
			}
		case stLenHigh:
			d.length = int(ch) << 8
		case stLenLow:
			d.length |= int(ch)
		case stPadLen:
			d.padding = int(ch)
		case stReserved:
			d.state = stData
			d.endN = 0
			d.fresh = true
			return i + 1, nil
		}
		d.state++
	}
	return len(b), nil
}

// StderrAhead reports whether the bytes decoded so far end just after
// the header of a STDERR record with content: nginx, reading the
// response head (ngx_http_fastcgi_process_header), logs the record's
// content in that buffer at once, an empty "FastCGI sent in stderr: \"\"",
// and the rest from the next read.
func (d *Decoder) StderrAhead() bool {
	return d.fresh && d.state == stData && d.typ == TypeStderr && d.length > 0
}

// pending reports the type of a record whose header has been read and
// whose content or padding is still to come, 0 if none.
func (d *Decoder) pending() uint8 {
	if d.state >= stData {
		return d.typ
	}
	return 0
}

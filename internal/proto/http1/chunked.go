package http1

import "strings"

// Chunked states (ngx_http_parse_chunked).
const (
	chStart uint8 = iota
	chSize
	chExtension
	chExtensionAlmostDone
	chData
	chAfterData
	chAfterDataAlmostDone
	chLastExtension
	chLastExtensionAlmostDone
	chTrailer
	chTrailerAlmostDone
	chTrailerHeader
	chTrailerHeaderAlmostDone
)

const maxOffT = 1<<63 - 1

// DefaultMaxTrailerSize is the most trailer bytes a ChunkedDecoder keeps
// when MaxTrailerSize is 0.
const DefaultMaxTrailerSize = 4096

// ChunkedDecoder decodes a chunked body incrementally and in place. It
// ports ngx_http_parse_chunked of current nginx: hexadecimal sizes in
// either case, chunk extensions ignored, CRLF required everywhere in the
// framing (nginx 1.22 still took a bare LF; current nginx refuses it),
// sizes above off_t's maximum / 16 refused at the byte that follows them. Any error is ErrInvalidChunked.
//
// Trailer lines are checked only for their CRLF framing, as nginx does;
// they are kept (copied, so an allocation only when there are trailers)
// up to MaxTrailerSize bytes, and Trailers returns them once the body is
// done. A zero ChunkedDecoder is ready to use.
type ChunkedDecoder struct {
	// MaxTrailerSize caps the trailer bytes kept for Trailers (0 means
	// DefaultMaxTrailerSize). Trailers past it are dropped, not refused:
	// nginx itself never refuses a response for its trailers.
	MaxTrailerSize int

	state    uint8
	done     bool
	dropped  bool
	size     int64 // chunk data bytes still to come
	trail    []byte
	trailers []Header
}

// Reset prepares d for the next body, keeping its trailer buffer.
func (d *ChunkedDecoder) Reset() {
	*d = ChunkedDecoder{MaxTrailerSize: d.MaxTrailerSize, trail: d.trail[:0], trailers: d.trailers[:0]}
}

// Done reports whether the last chunk and the trailer have been read.
func (d *ChunkedDecoder) Done() bool { return d.done }

// Trailers returns the trailer fields of a finished body, names as sent,
// values without surrounding white space. A line without a colon is a
// name with an empty value.
func (d *ChunkedDecoder) Trailers() []Header { return d.trailers }

// Decode consumes framing from in up to and including the first run of
// chunk data, which it returns as a sub-slice of in (no copy). n is the
// number of bytes of in consumed. Call it again with in[n:] while n <
// len(in) and the body is not done: one call returns at most one data
// run, and a call that consumes all of in without returning data needs
// more input. done is set once the terminating CRLF of the trailer has
// been consumed; bytes of in past n then do not belong to the body.
func (d *ChunkedDecoder) Decode(in []byte) (data []byte, n int, done bool, err error) {
	if d.done {
		return nil, 0, true, nil
	}
	state := d.state
	if state == chData && d.size == 0 {
		state = chAfterData
	}
	i := 0
	for ; i < len(in); i++ {
		ch := in[i]
		switch state {
		case chStart:
			switch {
			case '0' <= ch && ch <= '9':
				d.size = int64(ch - '0')
			case 'a' <= ch|0x20 && ch|0x20 <= 'f':
				d.size = int64(ch|0x20-'a') + 10
			default:
				return nil, i, false, ErrInvalidChunked
			}
			state = chSize

		case chSize:
			if d.size > maxOffT/16 {
				return nil, i, false, ErrInvalidChunked
			}
			switch {
			case '0' <= ch && ch <= '9':
				d.size = d.size*16 + int64(ch-'0')
				continue
			case 'a' <= ch|0x20 && ch|0x20 <= 'f':
				d.size = d.size*16 + int64(ch|0x20-'a') + 10
				continue
			}
			last := d.size == 0
			switch ch {
			case '\r':
				state = chExtensionAlmostDone
				if last {
					state = chLastExtensionAlmostDone
				}
			case ';', ' ', '\t':
				state = chExtension
				if last {
					state = chLastExtension
				}
			default:
				return nil, i, false, ErrInvalidChunked
			}

		case chExtension, chLastExtension:
			switch ch {
			case '\r':
				state++ // the matching almost-done state
			case '\n':
				return nil, i, false, ErrInvalidChunked
			}

		case chExtensionAlmostDone:
			if ch != '\n' {
				return nil, i, false, ErrInvalidChunked
			}
			state = chData

		case chData:
			if d.size > maxOffT-5 {
				return nil, i, false, ErrInvalidChunked
			}
			take := len(in) - i
			if int64(take) > d.size {
				take = int(d.size)
			}
			d.size -= int64(take)
			d.state = chData
			return in[i : i+take], i + take, false, nil

		case chAfterData:
			if ch != '\r' {
				return nil, i, false, ErrInvalidChunked
			}
			state = chAfterDataAlmostDone

		case chAfterDataAlmostDone:
			if ch != '\n' {
				return nil, i, false, ErrInvalidChunked
			}
			state = chStart

		case chLastExtensionAlmostDone:
			if ch != '\n' {
				return nil, i, false, ErrInvalidChunked
			}
			state = chTrailer

		case chTrailer:
			switch ch {
			case '\r':
				state = chTrailerAlmostDone
			case '\n':
				return nil, i, false, ErrInvalidChunked
			default:
				d.keep(ch)
				state = chTrailerHeader
			}

		case chTrailerAlmostDone:
			if ch != '\n' {
				return nil, i, false, ErrInvalidChunked
			}
			d.finish()
			return nil, i + 1, true, nil

		case chTrailerHeader:
			switch ch {
			case '\r':
				state = chTrailerHeaderAlmostDone
			case '\n':
				return nil, i, false, ErrInvalidChunked
			default:
				d.keep(ch)
			}

		case chTrailerHeaderAlmostDone:
			if ch != '\n' {
				return nil, i, false, ErrInvalidChunked
			}
			d.keep('\n')
			state = chTrailer
		}
	}
	d.state = state
	if d.size > maxOffT-5 {
		return nil, i, false, ErrInvalidChunked
	}
	return nil, i, false, nil
}

// keep records one byte of the trailer.
func (d *ChunkedDecoder) keep(ch byte) {
	if d.dropped {
		return
	}
	max := d.MaxTrailerSize
	if max <= 0 {
		max = DefaultMaxTrailerSize
	}
	if len(d.trail) >= max {
		d.dropped = true
		return
	}
	d.trail = append(d.trail, ch)
}

// finish ends the body and splits the kept trailer into fields.
func (d *ChunkedDecoder) finish() {
	d.done = true
	d.state = chStart
	if len(d.trail) == 0 {
		return
	}
	s := string(d.trail)
	if d.dropped {
		// keep the complete lines only
		j := strings.LastIndexByte(s, '\n')
		s = s[:j+1]
	}
	for len(s) > 0 {
		ln := s
		if j := strings.IndexByte(s, '\n'); j >= 0 {
			ln, s = s[:j], s[j+1:]
		} else {
			s = ""
		}
		name, value, _ := strings.Cut(ln, ":")
		if name == "" {
			continue
		}
		d.trailers = append(d.trailers, Header{Name: name, Value: strings.Trim(value, " \t")})
	}
}

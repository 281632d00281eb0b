package httpcore

// Chunked states (ngx_http_parse_chunked).
const (
	chStart = iota
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

const (
	chunkAgain   = iota // need more bytes
	chunkData           // size bytes of chunk data follow at the returned position
	chunkDone           // the last chunk and trailer were read
	chunkInvalid        // "client sent invalid chunked body"
)

const maxOffT = 1<<63 - 1

// chunkParser ports ngx_http_parse_chunked of current nginx, which
// demands CRLF line ends everywhere in the framing (bare LF was disabled
// after 1.22) and ignores chunk extensions and trailers.
type chunkParser struct {
	state int
	size  int64 // bytes of chunk data still to come in the current chunk
	// length is nginx's ctx->length: the fewest bytes that certainly still
	// belong to the body. Reading no more than that never swallows a
	// pipelined request.
	length int64
}

// parse consumes framing bytes from b. It returns with chunkData when
// chunk data starts at the returned offset (p.size bytes of it; the
// caller consumes them and calls consumed), with chunkAgain when b is
// exhausted, or with chunkDone/chunkInvalid.
func (p *chunkParser) parse(b []byte) (int, int) {
	state := p.state
	if state == chData && p.size == 0 {
		state = chAfterData
	}
	rc := chunkAgain
	i := 0
loop:
	for ; i < len(b); i++ {
		ch := b[i]
		switch state {

		case chStart:
			if ch >= '0' && ch <= '9' {
				state = chSize
				p.size = int64(ch - '0')
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'f' {
				state = chSize
				p.size = int64(c-'a') + 10
				break
			}
			return i, chunkInvalid

		case chSize:
			if p.size > maxOffT/16 {
				return i, chunkInvalid
			}
			if ch >= '0' && ch <= '9' {
				p.size = p.size*16 + int64(ch-'0')
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'f' {
				p.size = p.size*16 + int64(c-'a') + 10
				break
			}
			if p.size == 0 {
				switch ch {
				case '\r':
					state = chLastExtensionAlmostDone
				case ';', ' ', '\t':
					state = chLastExtension
				default:
					return i, chunkInvalid
				}
				break
			}
			switch ch {
			case '\r':
				state = chExtensionAlmostDone
			case ';', ' ', '\t':
				state = chExtension
			default:
				return i, chunkInvalid
			}

		case chExtension:
			switch ch {
			case '\r':
				state = chExtensionAlmostDone
			case '\n':
				return i, chunkInvalid
			}

		case chExtensionAlmostDone:
			if ch != '\n' {
				return i, chunkInvalid
			}
			state = chData

		case chData:
			rc = chunkData
			break loop

		case chAfterData:
			if ch != '\r' {
				return i, chunkInvalid
			}
			state = chAfterDataAlmostDone

		case chAfterDataAlmostDone:
			if ch != '\n' {
				return i, chunkInvalid
			}
			state = chStart

		case chLastExtension:
			switch ch {
			case '\r':
				state = chLastExtensionAlmostDone
			case '\n':
				return i, chunkInvalid
			}

		case chLastExtensionAlmostDone:
			if ch != '\n' {
				return i, chunkInvalid
			}
			state = chTrailer

		case chTrailer:
			switch ch {
			case '\r':
				state = chTrailerAlmostDone
			case '\n':
				return i, chunkInvalid
			default:
				state = chTrailerHeader
			}

		case chTrailerAlmostDone:
			if ch != '\n' {
				return i, chunkInvalid
			}
			p.state = chStart
			return i + 1, chunkDone

		case chTrailerHeader:
			switch ch {
			case '\r':
				state = chTrailerHeaderAlmostDone
			case '\n':
				return i, chunkInvalid
			}

		case chTrailerHeaderAlmostDone:
			if ch != '\n' {
				return i, chunkInvalid
			}
			state = chTrailer
		}
	}

	p.state = state
	if p.size > maxOffT-5 {
		return i, chunkInvalid
	}
	switch state {
	case chStart:
		p.length = 5 // "0" CRLF CRLF
	case chSize:
		if p.size != 0 {
			p.length = 2 + p.size + 7 // CRLF data CRLF "0" CRLF CRLF
		} else {
			p.length = 2 + 2
		}
	case chExtension:
		p.length = 2 + p.size + 7
	case chExtensionAlmostDone:
		p.length = 1 + p.size + 7
	case chData:
		p.length = p.size + 7
	case chAfterData:
		p.length = 7
	case chAfterDataAlmostDone:
		p.length = 6
	case chLastExtension:
		p.length = 4
	case chLastExtensionAlmostDone:
		p.length = 3
	case chTrailer:
		p.length = 2
	case chTrailerAlmostDone:
		p.length = 1
	case chTrailerHeader:
		p.length = 4
	case chTrailerHeaderAlmostDone:
		p.length = 3
	}
	return i, rc
}

// consumed records that n bytes of chunk data were taken.
func (p *chunkParser) consumed(n int64) {
	p.size -= n
	p.length -= n
	if p.size == 0 {
		p.length = 7
	}
}

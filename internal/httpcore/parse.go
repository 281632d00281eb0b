package httpcore

import "bytes"

// This file ports nginx's request line and header line state machines
// (src/http/ngx_http_parse.c: ngx_http_parse_request_line and
// ngx_http_parse_header_line, current nginx). They are resumable: the
// state lives in the parser and the caller feeds the bytes of the current
// header buffer as they arrive, exactly as nginx does, so limits and
// errors fire at the same byte as in nginx. Positions are offsets into the
// current buffer; rebase moves them when a partial line is copied into a
// large header buffer (ngx_http_alloc_large_header_buffer).

// Parse results.
const (
	parseAgain = iota
	parseOK
	parseHeaderDone
	parseInvalidMethod
	parseInvalidRequest
	parseInvalidVersion
	parseInvalid09Method
	parseInvalidHeader
)

// Request line states (sw_* of ngx_http_parse_request_line).
const (
	rlStart = iota
	rlMethod
	rlSpacesBeforeURI
	rlSchema
	rlSchemaSlash
	rlSchemaSlashSlash
	rlSpacesBeforeHost
	rlHostStart
	rlHost
	rlHostEnd
	rlHostIPLiteral
	rlPort
	rlAfterSlashInURI
	rlCheckURI
	rlURI
	rlHTTP09
	rlHTTPH
	rlHTTPHT
	rlHTTPHTT
	rlHTTPHTTP
	rlFirstMajorDigit
	rlMajorDigit
	rlFirstMinorDigit
	rlMinorDigit
	rlSpacesAfterDigit
	rlAlmostDone
)

// Header line states (sw_* of ngx_http_parse_header_line).
const (
	hlStart = iota
	hlName
	hlSpaceBeforeValue
	hlValue
	hlSpaceAfterValue
	hlAlmostDone
	hlHeaderAlmostDone
)

// Methods the engine itself cares about.
const (
	methodOther = iota
	methodGET
	methodHEAD
	methodCONNECT
	methodTRACE
)

// usual is nginx's bitmap of URI characters that need no attention.
var usual = [8]uint32{
	0x00000000, // control characters
	0x7fff37d6, // ?>=< ;:98 7654 3210  /.-, +*)( '&%$ #"!
	0xffffffff, // _^]\ [ZYX WVUT SRQP  ONML KJIH GFED CBA@
	0x7fffffff, //  ~}| {zyx wvut srqp  onml kjih gfed cba`
	0xffffffff,
	0xffffffff,
	0xffffffff,
	0xffffffff,
}

func isUsual(ch byte) bool { return usual[ch>>5]&(1<<(ch&0x1f)) != 0 }

// nameChar marks the header name characters nginx hashes: letters,
// digits and '-' (the lowcase table of ngx_http_parse_header_line).
var nameChar = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['-'] = true
	return
}()

// parser holds the resumable state of both state machines and the
// offsets they record. An offset of -1 means "not seen".
type parser struct {
	state int

	// request line
	requestStart, requestEnd, methodEnd int
	uriStart, uriEnd, argsStart         int
	schemaStart, schemaEnd              int
	hostStart, hostEnd                  int
	protoStart                          int
	complexURI, quotedURI               bool
	plusInURI, emptyPathInURI           bool
	httpMajor, httpMinor                int
	method                              int

	// header line
	nameStart, nameEnd, valStart, valEnd int
	invalidHeader                        bool
}

func (p *parser) resetRequestLine() {
	*p = parser{
		requestStart: -1, requestEnd: -1, methodEnd: -1,
		uriStart: -1, uriEnd: -1, argsStart: -1,
		schemaStart: -1, schemaEnd: -1, hostStart: -1, hostEnd: -1,
		protoStart: -1,
		nameStart:  -1, nameEnd: -1, valStart: -1, valEnd: -1,
	}
}

// rebaseRequestLine moves the request line offsets after the bytes from
// old were copied to offset 0 of a new buffer.
func (p *parser) rebaseRequestLine(old int) {
	for _, o := range [...]*int{&p.requestStart, &p.requestEnd, &p.methodEnd,
		&p.uriStart, &p.uriEnd, &p.argsStart, &p.schemaStart, &p.schemaEnd,
		&p.hostStart, &p.hostEnd, &p.protoStart} {
		if *o >= 0 {
			*o -= old
		}
	}
}

func (p *parser) rebaseHeader(old int) {
	for _, o := range [...]*int{&p.nameStart, &p.nameEnd, &p.valStart, &p.valEnd} {
		if *o >= 0 {
			*o -= old
		}
	}
}

// parseRequestLine runs ngx_http_parse_request_line over b[*pos:]. On
// parseOK *pos is just past the line feed; on parseAgain all of b was
// consumed.
func (p *parser) parseRequestLine(b []byte, pos *int) int {
	state := p.state
	i := *pos
	for i < len(b) {
		ch := b[i]
		switch state {

		case rlStart:
			p.requestStart = i
			if ch == '\r' || ch == '\n' {
				break
			}
			if (ch < 'A' || ch > 'Z') && ch != '_' && ch != '-' {
				p.state = state
				*pos = i
				return parseInvalidMethod
			}
			state = rlMethod

		case rlMethod:
			// fast path over the rest of the method
			for ch != ' ' {
				if (ch < 'A' || ch > 'Z') && ch != '_' && ch != '-' {
					p.state = state
					*pos = i
					return parseInvalidMethod
				}
				i++
				if i == len(b) {
					p.state = state
					*pos = i
					return parseAgain
				}
				ch = b[i]
			}
			p.methodEnd = i - 1
			state = rlSpacesBeforeURI
			m := b[p.requestStart:i]
			switch string(m) {
			case "GET":
				p.method = methodGET
			case "HEAD":
				p.method = methodHEAD
			case "TRACE":
				p.method = methodTRACE
			case "CONNECT":
				p.method = methodCONNECT
				state = rlSpacesBeforeHost
			}

		case rlSpacesBeforeURI:
			if ch == '/' {
				p.uriStart = i
				state = rlAfterSlashInURI
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'z' {
				p.schemaStart = i
				state = rlSchema
				break
			}
			if ch != ' ' {
				*pos = i
				return parseInvalidRequest
			}

		case rlSchema:
			if c := ch | 0x20; c >= 'a' && c <= 'z' {
				break
			}
			if (ch >= '0' && ch <= '9') || ch == '+' || ch == '-' || ch == '.' {
				break
			}
			if ch != ':' {
				*pos = i
				return parseInvalidRequest
			}
			p.schemaEnd = i
			state = rlSchemaSlash

		case rlSchemaSlash:
			if ch != '/' {
				*pos = i
				return parseInvalidRequest
			}
			state = rlSchemaSlashSlash

		case rlSchemaSlashSlash:
			if ch != '/' {
				*pos = i
				return parseInvalidRequest
			}
			state = rlHostStart

		case rlSpacesBeforeHost:
			if ch == ' ' {
				break
			}
			state = rlHostStart
			continue

		case rlHostStart:
			p.hostStart = i
			if ch == '[' {
				state = rlHostIPLiteral
				break
			}
			state = rlHost
			continue

		case rlHost:
			if c := ch | 0x20; c >= 'a' && c <= 'z' {
				break
			}
			if (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' {
				break
			}
			state = rlHostEnd
			continue

		case rlHostEnd:
			if ch == ':' {
				state = rlPort
				break
			}
			p.hostEnd = i
			if p.method == methodCONNECT {
				*pos = i
				return parseInvalidRequest
			}
			switch ch {
			case '/':
				p.uriStart = i
				state = rlAfterSlashInURI
			case '?':
				p.uriStart = i
				p.argsStart = i + 1
				p.emptyPathInURI = true
				state = rlURI
			case ' ':
				// use the single "/" of "://" as the URI
				p.uriStart = p.schemaEnd + 1
				p.uriEnd = p.schemaEnd + 2
				state = rlHTTP09
			default:
				*pos = i
				return parseInvalidRequest
			}

		case rlHostIPLiteral:
			if ch >= '0' && ch <= '9' {
				break
			}
			if c := ch | 0x20; c >= 'a' && c <= 'z' {
				break
			}
			switch ch {
			case ':':
			case ']':
				state = rlHostEnd
			case '-', '.', '_', '~': // unreserved
			case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=': // sub-delims
			default:
				*pos = i
				return parseInvalidRequest
			}

		case rlPort:
			if ch >= '0' && ch <= '9' {
				break
			}
			p.hostEnd = i
			if p.method == methodCONNECT {
				if ch == ' ' {
					state = rlHTTP09
					break
				}
				*pos = i
				return parseInvalidRequest
			}
			switch ch {
			case '/':
				p.uriStart = i
				state = rlAfterSlashInURI
			case '?':
				p.uriStart = i
				p.argsStart = i + 1
				p.emptyPathInURI = true
				state = rlURI
			case ' ':
				p.uriStart = p.schemaEnd + 1
				p.uriEnd = p.schemaEnd + 2
				state = rlHTTP09
			default:
				*pos = i
				return parseInvalidRequest
			}

		// check "/.", "//" and "%" in URI
		case rlAfterSlashInURI:
			if isUsual(ch) {
				state = rlCheckURI
				break
			}
			switch ch {
			case ' ':
				p.uriEnd = i
				state = rlHTTP09
			case '\r':
				p.uriEnd = i
				p.httpMinor = 9
				state = rlAlmostDone
			case '\n':
				p.uriEnd = i
				p.httpMinor = 9
				return p.requestLineDone(b, i, pos)
			case '.':
				p.complexURI = true
				state = rlURI
			case '%':
				p.quotedURI = true
				state = rlURI
			case '/':
				p.complexURI = true
				state = rlURI
			case '?':
				p.argsStart = i + 1
				state = rlURI
			case '#':
				p.complexURI = true
				state = rlURI
			case '+':
				p.plusInURI = true
			default:
				if ch < 0x20 || ch == 0x7f {
					*pos = i
					return parseInvalidRequest
				}
				state = rlCheckURI
			}

		// check "/" and "%" in URI
		case rlCheckURI:
			for isUsual(ch) {
				i++
				if i == len(b) {
					p.state = state
					*pos = i
					return parseAgain
				}
				ch = b[i]
			}
			switch ch {
			case '/':
				state = rlAfterSlashInURI
			case '.':
			case ' ':
				p.uriEnd = i
				state = rlHTTP09
			case '\r':
				p.uriEnd = i
				p.httpMinor = 9
				state = rlAlmostDone
			case '\n':
				p.uriEnd = i
				p.httpMinor = 9
				return p.requestLineDone(b, i, pos)
			case '%':
				p.quotedURI = true
				state = rlURI
			case '?':
				p.argsStart = i + 1
				state = rlURI
			case '#':
				p.complexURI = true
				state = rlURI
			case '+':
				p.plusInURI = true
			default:
				if ch < 0x20 || ch == 0x7f {
					*pos = i
					return parseInvalidRequest
				}
			}

		case rlURI:
			for isUsual(ch) {
				i++
				if i == len(b) {
					p.state = state
					*pos = i
					return parseAgain
				}
				ch = b[i]
			}
			switch ch {
			case ' ':
				p.uriEnd = i
				state = rlHTTP09
			case '\r':
				p.uriEnd = i
				p.httpMinor = 9
				state = rlAlmostDone
			case '\n':
				p.uriEnd = i
				p.httpMinor = 9
				return p.requestLineDone(b, i, pos)
			case '#':
				p.complexURI = true
			default:
				if ch < 0x20 || ch == 0x7f {
					*pos = i
					return parseInvalidRequest
				}
			}

		// space+ after URI
		case rlHTTP09:
			switch ch {
			case ' ':
			case '\r':
				p.httpMinor = 9
				state = rlAlmostDone
			case '\n':
				p.httpMinor = 9
				return p.requestLineDone(b, i, pos)
			case 'H':
				p.protoStart = i
				state = rlHTTPH
			default:
				*pos = i
				return parseInvalidRequest
			}

		case rlHTTPH:
			if ch != 'T' {
				*pos = i
				return parseInvalidRequest
			}
			state = rlHTTPHT

		case rlHTTPHT:
			if ch != 'T' {
				*pos = i
				return parseInvalidRequest
			}
			state = rlHTTPHTT

		case rlHTTPHTT:
			if ch != 'P' {
				*pos = i
				return parseInvalidRequest
			}
			state = rlHTTPHTTP

		case rlHTTPHTTP:
			if ch != '/' {
				*pos = i
				return parseInvalidRequest
			}
			if p.method == methodCONNECT {
				p.uriStart = i
				p.uriEnd = i + 1
			}
			state = rlFirstMajorDigit

		case rlFirstMajorDigit:
			if ch < '1' || ch > '9' {
				*pos = i
				return parseInvalidRequest
			}
			p.httpMajor = int(ch - '0')
			if p.httpMajor > 1 {
				*pos = i
				return parseInvalidVersion
			}
			state = rlMajorDigit

		case rlMajorDigit:
			if ch == '.' {
				state = rlFirstMinorDigit
				break
			}
			if ch < '0' || ch > '9' {
				*pos = i
				return parseInvalidRequest
			}
			p.httpMajor = p.httpMajor*10 + int(ch-'0')
			if p.httpMajor > 1 {
				*pos = i
				return parseInvalidVersion
			}

		case rlFirstMinorDigit:
			if ch < '0' || ch > '9' {
				*pos = i
				return parseInvalidRequest
			}
			p.httpMinor = int(ch - '0')
			state = rlMinorDigit

		case rlMinorDigit:
			if ch == '\r' {
				state = rlAlmostDone
				break
			}
			if ch == '\n' {
				return p.requestLineDone(b, i, pos)
			}
			if ch == ' ' {
				state = rlSpacesAfterDigit
				break
			}
			if ch < '0' || ch > '9' {
				*pos = i
				return parseInvalidRequest
			}
			if p.httpMinor > 99 {
				*pos = i
				return parseInvalidRequest
			}
			p.httpMinor = p.httpMinor*10 + int(ch-'0')

		case rlSpacesAfterDigit:
			switch ch {
			case ' ':
			case '\r':
				state = rlAlmostDone
			case '\n':
				return p.requestLineDone(b, i, pos)
			default:
				*pos = i
				return parseInvalidRequest
			}

		case rlAlmostDone:
			p.requestEnd = i - 1
			if ch != '\n' {
				*pos = i
				return parseInvalidRequest
			}
			return p.requestLineDone(b, i, pos)
		}
		i++
	}
	p.state = state
	*pos = i
	return parseAgain
}

// requestLineDone is the "done:" label of ngx_http_parse_request_line; i
// is the line feed.
func (p *parser) requestLineDone(b []byte, i int, pos *int) int {
	*pos = i + 1
	if p.requestEnd < 0 {
		p.requestEnd = i
	}
	p.state = rlStart
	if p.httpMajor == 0 && p.httpMinor == 9 && p.method != methodGET {
		return parseInvalid09Method
	}
	return parseOK
}

// version returns nginx's http_version: major*1000 + minor.
func (p *parser) version() int { return p.httpMajor*1000 + p.httpMinor }

// parseHeaderLine runs ngx_http_parse_header_line over b[*pos:].
func (p *parser) parseHeaderLine(b []byte, pos *int, allowUnderscores bool) int {
	state := p.state
	i := *pos
	for i < len(b) {
		ch := b[i]
		switch state {

		case hlStart:
			p.nameStart = i
			p.invalidHeader = false
			switch ch {
			case '\r':
				p.valEnd = i
				state = hlHeaderAlmostDone
			case '\n':
				p.valEnd = i
				p.state = hlStart
				*pos = i + 1
				return parseHeaderDone
			default:
				state = hlName
				if nameChar[ch] {
					break
				}
				if ch == '_' {
					if !allowUnderscores {
						p.invalidHeader = true
					}
					break
				}
				if ch <= 0x20 || ch == 0x7f || ch == ':' {
					p.valEnd = i
					p.state = state
					*pos = i
					return parseInvalidHeader
				}
				p.invalidHeader = true
			}

		case hlName:
			for nameChar[ch] {
				i++
				if i == len(b) {
					p.state = state
					*pos = i
					return parseAgain
				}
				ch = b[i]
			}
			if ch == '_' {
				if !allowUnderscores {
					p.invalidHeader = true
				}
				break
			}
			if ch == ':' {
				p.nameEnd = i
				state = hlSpaceBeforeValue
				break
			}
			if ch == '\r' {
				p.nameEnd = i
				p.valStart = i
				p.valEnd = i
				state = hlAlmostDone
				break
			}
			if ch == '\n' {
				p.nameEnd = i
				p.valStart = i
				p.valEnd = i
				p.state = hlStart
				*pos = i + 1
				return parseOK
			}
			if ch <= 0x20 || ch == 0x7f {
				p.valEnd = i
				p.state = state
				*pos = i
				return parseInvalidHeader
			}
			p.invalidHeader = true

		case hlSpaceBeforeValue:
			switch ch {
			case ' ', '\t':
			case '\r':
				p.valStart = i
				p.valEnd = i
				state = hlAlmostDone
			case '\n':
				p.valStart = i
				p.valEnd = i
				p.state = hlStart
				*pos = i + 1
				return parseOK
			case 0:
				p.valEnd = i
				p.state = state
				*pos = i
				return parseInvalidHeader
			default:
				p.valStart = i
				state = hlValue
			}

		case hlValue:
			if rc, ok := p.valueFast(b, i, pos); ok {
				return rc
			}
			for valueOrdinary[ch] {
				i++
				if i == len(b) {
					p.state = state
					*pos = i
					return parseAgain
				}
				ch = b[i]
			}
			switch ch {
			case ' ', '\t':
				p.valEnd = i
				state = hlSpaceAfterValue
			case '\r':
				p.valEnd = i
				state = hlAlmostDone
			case '\n':
				p.valEnd = i
				p.state = hlStart
				*pos = i + 1
				return parseOK
			case 0:
				p.valEnd = i
				p.state = state
				*pos = i
				return parseInvalidHeader
			}

		case hlSpaceAfterValue:
			switch ch {
			case ' ', '\t':
			case '\r':
				state = hlAlmostDone
			case '\n':
				p.state = hlStart
				*pos = i + 1
				return parseOK
			case 0:
				p.valEnd = i
				p.state = state
				*pos = i
				return parseInvalidHeader
			default:
				state = hlValue
			}

		case hlAlmostDone:
			switch ch {
			case '\n':
				p.state = hlStart
				*pos = i + 1
				return parseOK
			case '\r':
			default:
				// header_end stays at the carriage return, as in nginx
				p.state = state
				*pos = i
				return parseInvalidHeader
			}

		case hlHeaderAlmostDone:
			if ch != '\n' {
				p.state = state
				*pos = i
				return parseInvalidHeader
			}
			p.state = hlStart
			*pos = i + 1
			return parseHeaderDone
		}
		i++
	}
	p.state = state
	*pos = i
	return parseAgain
}

// valueFast finishes a header value starting at b[i] (state hlValue, i at
// the value's first byte) when its line feed is already in b, with
// vectorised searches instead of the byte loop. It reproduces the byte
// loop exactly: the value ends before trailing spaces and tabs, a NUL
// before the CR is invalid, and after a CR only more CRs may precede the
// LF. ok is false when the line is not complete yet.
func (p *parser) valueFast(b []byte, i int, pos *int) (rc int, ok bool) {
	seg := b[i:]
	lf := bytes.IndexByte(seg, '\n')
	if lf < 0 {
		return 0, false
	}
	seg = seg[:lf]
	end := len(seg) // the terminator: first CR, else the LF
	if cr := bytes.IndexByte(seg, '\r'); cr >= 0 {
		end = cr
	}
	if z := bytes.IndexByte(seg[:end], 0); z >= 0 {
		p.valEnd = i + z
		*pos = i + z
		return parseInvalidHeader, true
	}
	v := end
	for v > 0 && (seg[v-1] == ' ' || seg[v-1] == '\t') {
		v--
	}
	p.valEnd = i + v
	for k := end; k < len(seg); k++ {
		if seg[k] != '\r' {
			*pos = i + k
			return parseInvalidHeader, true
		}
	}
	p.state = hlStart
	*pos = i + lf + 1
	return parseOK, true
}

// valueOrdinary marks the header value bytes the value state just skips.
var valueOrdinary = func() (t [256]bool) {
	for i := range t {
		t[i] = true
	}
	t[' '], t['\t'], t['\r'], t['\n'], t[0] = false, false, false, false, false
	return
}()

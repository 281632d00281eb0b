package http1

import (
	"strings"
	"unsafe"

	"weir/internal/httpcore"
)

// Header is one header field, name case preserved as sent. It is
// httpcore's type, so a parsed upstream header can be passed to the
// client's response without conversion.
type Header = httpcore.Header

// ResponseHead is a parsed status line and header of an upstream
// response. Its strings alias the buffer given to ParseHead.
//
// A zero ResponseHead is ready for ParseHead; Reset prepares one for the
// next response while keeping the Headers array, so a reused
// ResponseHead parses without allocating.
type ResponseHead struct {
	Status int // 200
	// StatusLine is the status as sent after the version, "200 OK" (the
	// code and the upstream's own reason text, which nginx passes on),
	// or "200" for a status line without reason. Empty for HTTP/0.9.
	StatusLine string
	ProtoMajor int // 1 (nginx accepts any 1..999); 0 for HTTP/0.9
	ProtoMinor int // 0 or 1; 9 for an HTTP/0.9 response (no status line)
	// Headers are the header lines in order, names as sent, values
	// without the surrounding white space. Lines nginx skips (IIS's
	// repeated "HTTP/1.1 ..." lines) are not in it; a line without a
	// colon is a name with an empty value, as in nginx.
	Headers []Header
	// ContentLength is the value of Content-Length, -1 if absent or if
	// the response is chunked.
	ContentLength int64
	Chunked       bool // Transfer-Encoding: chunked
	// ConnClose means the connection cannot be kept after the response:
	// a Connection header containing "close" (case-insensitive, as a
	// substring, like ngx_http_upstream_process_connection), any
	// response older than HTTP/1.1 (nginx does not honour an HTTP/1.0
	// upstream's keep-alive), or an HTTP/0.9 response.
	ConnClose bool
	// Upgrade is set for a 101 response. nginx switches to a tunnel only
	// when the client asked for an upgrade too; the caller checks that.
	Upgrade bool

	p parser
}

// parser is the state that carries ParseHead from one call to the next.
// Offsets are into the buffer passed to ParseHead.
type parser struct {
	started  bool
	inHeader bool // the status line is done
	done     bool // the head is done
	state    uint8
	pos      int // the next byte to look at

	// status line
	code, count            int
	statusStart, statusEnd int

	// current header line (nginx's header_name_start, header_name_end,
	// header_start, header_end)
	lineStart, nameEnd, valStart, valEnd int

	clIdx, teIdx int // index in Headers of Content-Length, Transfer-Encoding; -1 if none
}

// Reset clears h for the next response, keeping the Headers array.
func (h *ResponseHead) Reset() {
	hs := h.Headers[:0]
	*h = ResponseHead{Headers: hs, ContentLength: -1}
	h.p.started = true
	h.p.clIdx, h.p.teIdx = -1, -1
}

// EarlyHints reports a 103 response: nginx (1.29) forwards its headers as
// early hints when configured to, and then parses the next response on
// the connection (Reset, then ParseHead on the bytes after this head).
// The Content-Length and Transfer-Encoding checks are not applied to it.
// Other 1xx responses are final responses to nginx (it never sends
// Expect: 100-continue), and are passed on as they are.
func (h *ResponseHead) EarlyHints() bool { return h.Status == 103 }

// Status line states (ngx_http_parse_status_line).
const (
	stStart uint8 = iota
	stH
	stHT
	stHTT
	stHTTP
	stFirstMajor
	stMajor
	stFirstMinor
	stMinor
	stStatus
	stSpaceAfterStatus
	stStatusText
	stAlmostDone
)

// Header line states (ngx_http_parse_header_line).
const (
	hStart uint8 = iota
	hName
	hSpaceBeforeValue
	hValue
	hSpaceAfterValue
	hIgnoreLine
	hAlmostDone
	hHeaderAlmostDone
)

// ParseHead parses the response head in buf. It is incremental: when it
// returns done == false and no error, call it again with the same h and
// the same bytes with more appended (buf may move, its bytes may not
// change). When done, n is the length of the head and the body starts at
// buf[n:]; further calls return the same until Reset.
//
// The whole head must fit in the buffer, as in nginx: ParseHead returns
// ErrTooBig when the head is incomplete and len(buf) == cap(buf), so the
// caller reads into buf[len(buf):cap(buf)] with cap(buf) ==
// proxy_buffer_size.
//
// Errors: *InvalidHeaderError for a head nginx refuses, ErrTooBig, and
// ErrNoValidHeader when there is no valid status line (h is then set up
// as an HTTP/0.9 response and n is 0).
func ParseHead(h *ResponseHead, buf []byte) (n int, done bool, err error) {
	if !h.p.started {
		h.Reset()
	}
	if h.p.done {
		return h.p.pos, true, nil
	}
	if !h.p.inHeader {
		rc := h.parseStatusLine(buf)
		if rc == rcError {
			h.set09()
			return 0, false, ErrNoValidHeader
		}
		if rc == rcAgain {
			return h.more(buf)
		}
		h.p.inHeader = true
		h.p.state = hStart
	}
	return h.parseFields(buf)
}

// ParseFields parses header lines without a status line, as the CGI-style
// answers of FastCGI, SCGI and uwsgi applications come (their status is
// in a "Status:" field, which the caller interprets). It has ParseHead's
// contract otherwise: incremental, the same line grammar and framing
// checks, ErrTooBig for a full buffer; h.Status stays 0.
func ParseFields(h *ResponseHead, buf []byte) (n int, done bool, err error) {
	if !h.p.started {
		h.Reset()
	}
	if h.p.done {
		return h.p.pos, true, nil
	}
	if !h.p.inHeader {
		h.p.inHeader = true
		h.p.state = hStart
	}
	return h.parseFields(buf)
}

// parseFields parses header lines up to the empty line that ends them.
func (h *ResponseHead) parseFields(buf []byte) (n int, done bool, err error) {
	for {
		rc := h.parseHeaderLine(buf)
		switch rc {
		case rcOK:
			if err := h.addHeader(buf); err != nil {
				return h.p.pos, false, err
			}
			continue
		case rcHeaderDone:
			h.p.done = true
			h.headerDone()
			return h.p.pos, true, nil
		case rcAgain:
			return h.more(buf)
		}
		end := h.p.valEnd
		return h.p.pos, false, &InvalidHeaderError{
			Kind: BadLine,
			Line: string(buf[h.p.lineStart:end]),
			Byte: buf[end],
		}
	}
}

func (h *ResponseHead) more(buf []byte) (int, bool, error) {
	if len(buf) == cap(buf) {
		return h.p.pos, false, ErrTooBig
	}
	return h.p.pos, false, nil
}

// set09 sets h up as nginx's HTTP/0.9 fallback in
// ngx_http_proxy_process_status_line.
func (h *ResponseHead) set09() {
	h.Status = 200
	h.StatusLine = ""
	h.ProtoMajor, h.ProtoMinor = 0, 9
	h.Headers = h.Headers[:0]
	h.ContentLength = -1
	h.Chunked = false
	h.ConnClose = true
	h.Upgrade = false
}

const (
	rcAgain = iota
	rcOK
	rcHeaderDone
	rcError
)

// parseStatusLine ports ngx_http_parse_status_line.
func (h *ResponseHead) parseStatusLine(b []byte) int {
	p := &h.p
	state := p.state
	i := p.pos
	for ; i < len(b); i++ {
		ch := b[i]
		switch state {
		case stStart:
			if ch != 'H' {
				return rcError
			}
			state = stH
		case stH:
			if ch != 'T' {
				return rcError
			}
			state = stHT
		case stHT:
			if ch != 'T' {
				return rcError
			}
			state = stHTT
		case stHTT:
			if ch != 'P' {
				return rcError
			}
			state = stHTTP
		case stHTTP:
			if ch != '/' {
				return rcError
			}
			state = stFirstMajor
		case stFirstMajor:
			if ch < '1' || ch > '9' {
				return rcError
			}
			h.ProtoMajor = int(ch - '0')
			state = stMajor
		case stMajor:
			if ch == '.' {
				state = stFirstMinor
				break
			}
			if ch < '0' || ch > '9' || h.ProtoMajor > 99 {
				return rcError
			}
			h.ProtoMajor = h.ProtoMajor*10 + int(ch-'0')
		case stFirstMinor:
			if ch < '0' || ch > '9' {
				return rcError
			}
			h.ProtoMinor = int(ch - '0')
			state = stMinor
		case stMinor:
			if ch == ' ' {
				state = stStatus
				break
			}
			if ch < '0' || ch > '9' || h.ProtoMinor > 99 {
				return rcError
			}
			h.ProtoMinor = h.ProtoMinor*10 + int(ch-'0')
		case stStatus:
			if ch == ' ' {
				break
			}
			if ch < '0' || ch > '9' {
				return rcError
			}
			p.code = p.code*10 + int(ch-'0')
			p.count++
			if p.count == 3 {
				state = stSpaceAfterStatus
				p.statusStart = i - 2
			}
		case stSpaceAfterStatus:
			switch ch {
			case ' ', '.': // IIS may send 403.1
				state = stStatusText
			case '\r':
				state = stAlmostDone
			case '\n':
				return h.statusDone(b, i, i)
			default:
				return rcError
			}
		case stStatusText:
			switch ch {
			case '\r':
				state = stAlmostDone
			case '\n':
				return h.statusDone(b, i, i)
			}
		case stAlmostDone:
			if ch != '\n' {
				return rcError
			}
			return h.statusDone(b, i, i-1)
		}
	}
	p.state = state
	p.pos = i
	return rcAgain
}

func (h *ResponseHead) statusDone(b []byte, i, end int) int {
	p := &h.p
	p.statusEnd = end
	p.pos = i + 1
	p.state = 0
	h.Status = p.code
	h.StatusLine = unsafeString(b[p.statusStart:end])
	if h.ProtoMajor*1000+h.ProtoMinor < 1001 {
		h.ConnClose = true
	}
	return rcOK
}

// nameStop marks the bytes that end the fast scan of a header name: the
// ones ngx_http_parse_header_line's sw_name treats specially (':', CR,
// LF, '/', controls, space and DEL). Every other byte, including '_' and
// bytes nginx flags as invalid_header (which the proxy ignores), is part
// of the name.
var nameStop = func() (t [256]bool) {
	for c := 0; c <= 0x20; c++ {
		t[c] = true
	}
	t[0x7f] = true
	t[':'] = true
	t['/'] = true
	return t
}()

// valueStop marks the bytes that end the fast scan of a header value.
var valueStop = func() (t [256]bool) {
	t[' '], t['\t'], t['\r'], t['\n'], t[0] = true, true, true, true, true
	return t
}()

// parseHeaderLine ports ngx_http_parse_header_line as the proxy module
// calls it: underscores allowed, and a repeated "HTTP/..." status line
// (IIS) skipped. It leaves the offsets of the line in h.p.
func (h *ResponseHead) parseHeaderLine(b []byte) int {
	p := &h.p
	state := p.state
	i := p.pos
	n := len(b)
	for ; i < n; i++ {
		ch := b[i]
		switch state {
		case hStart:
			p.lineStart = i
			switch {
			case ch == '\r':
				p.valEnd = i
				state = hHeaderAlmostDone
			case ch == '\n':
				p.valEnd = i
				p.pos = i + 1
				p.state = hStart
				return rcHeaderDone
			case ch <= 0x20 || ch == 0x7f || ch == ':':
				p.valEnd = i
				p.pos = i
				return rcError
			default:
				state = hName
			}

		case hName:
			for !nameStop[ch] {
				i++
				if i == n {
					p.state = state
					p.pos = i
					return rcAgain
				}
				ch = b[i]
			}
			switch {
			case ch == ':':
				p.nameEnd = i
				state = hSpaceBeforeValue
			case ch == '\r':
				p.nameEnd, p.valStart, p.valEnd = i, i, i
				state = hAlmostDone
			case ch == '\n':
				p.nameEnd, p.valStart, p.valEnd = i, i, i
				return h.lineDone(i)
			case ch == '/':
				if i-p.lineStart == 4 && string(b[p.lineStart:i]) == "HTTP" {
					state = hIgnoreLine
				}
			default: // controls, space, DEL
				p.valEnd = i
				p.pos = i
				return rcError
			}

		case hSpaceBeforeValue:
			switch ch {
			case ' ', '\t':
			case '\r':
				p.valStart, p.valEnd = i, i
				state = hAlmostDone
			case '\n':
				p.valStart, p.valEnd = i, i
				return h.lineDone(i)
			case 0:
				p.valEnd = i
				p.pos = i
				return rcError
			default:
				p.valStart = i
				state = hValue
			}

		case hValue:
			for !valueStop[ch] {
				i++
				if i == n {
					p.state = state
					p.pos = i
					return rcAgain
				}
				ch = b[i]
			}
			switch ch {
			case ' ', '\t':
				p.valEnd = i
				state = hSpaceAfterValue
			case '\r':
				p.valEnd = i
				state = hAlmostDone
			case '\n':
				p.valEnd = i
				return h.lineDone(i)
			default: // NUL
				p.valEnd = i
				p.pos = i
				return rcError
			}

		case hSpaceAfterValue:
			switch ch {
			case ' ', '\t':
			case '\r':
				state = hAlmostDone
			case '\n':
				return h.lineDone(i)
			case 0:
				p.valEnd = i
				p.pos = i
				return rcError
			default:
				state = hValue
			}

		case hIgnoreLine:
			if ch == '\n' {
				state = hStart
			}

		case hAlmostDone:
			switch ch {
			case '\n':
				return h.lineDone(i)
			case '\r':
			default:
				p.pos = i
				return rcError
			}

		case hHeaderAlmostDone:
			if ch != '\n' {
				p.pos = i
				return rcError
			}
			p.pos = i + 1
			p.state = hStart
			return rcHeaderDone
		}
	}
	p.state = state
	p.pos = i
	return rcAgain
}

func (h *ResponseHead) lineDone(i int) int {
	h.p.pos = i + 1
	h.p.state = hStart
	return rcOK
}

// addHeader records the line just parsed and applies the header handlers
// of ngx_http_upstream.c that decide the framing.
func (h *ResponseHead) addHeader(b []byte) error {
	p := &h.p
	name := unsafeString(b[p.lineStart:p.nameEnd])
	value := unsafeString(b[p.valStart:p.valEnd])
	h.Headers = append(h.Headers, Header{Name: name, Value: value})
	if h.Status == 103 {
		return nil
	}
	idx := len(h.Headers) - 1
	switch len(name) {
	case 10:
		if equalFold(name, "connection") && containsFold(value, "close") {
			h.ConnClose = true
		}
	case 14:
		if equalFold(name, "content-length") {
			return h.contentLength(idx)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return h.transferEncoding(idx)
		}
	}
	return nil
}

// contentLength ports ngx_http_upstream_process_content_length (nginx
// 1.23 and later).
func (h *ResponseHead) contentLength(idx int) error {
	p := &h.p
	hd := h.Headers[idx]
	if p.clIdx >= 0 {
		return &InvalidHeaderError{Kind: DuplicateHeader, Line: line(hd), Prev: line(h.Headers[p.clIdx])}
	}
	if p.teIdx >= 0 {
		return &InvalidHeaderError{Kind: LengthAndEncoding}
	}
	p.clIdx = idx
	n, ok := atoof(hd.Value)
	if !ok {
		return &InvalidHeaderError{Kind: BadContentLength, Line: line(hd)}
	}
	h.ContentLength = n
	return nil
}

// transferEncoding ports ngx_http_upstream_process_transfer_encoding
// (nginx 1.23 and later): only "chunked" itself is known.
func (h *ResponseHead) transferEncoding(idx int) error {
	p := &h.p
	hd := h.Headers[idx]
	if p.teIdx >= 0 {
		return &InvalidHeaderError{Kind: DuplicateHeader, Line: line(hd), Prev: line(h.Headers[p.teIdx])}
	}
	if p.clIdx >= 0 {
		return &InvalidHeaderError{Kind: LengthAndEncoding}
	}
	p.teIdx = idx
	if !equalFold(hd.Value, "chunked") {
		return &InvalidHeaderError{Kind: UnknownEncoding, Value: strings.Clone(hd.Value)}
	}
	h.Chunked = true
	return nil
}

// headerDone finishes the head as ngx_http_proxy_process_header does.
func (h *ResponseHead) headerDone() {
	if h.Chunked {
		h.ContentLength = -1
	}
	h.Upgrade = h.Status == 101
}

func line(hd Header) string { return hd.Name + ": " + hd.Value }

// atoof ports ngx_atoof: decimal digits only, at least one, no overflow
// past 2^63-1.
func atoof(s string) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	const cutoff = (1<<63 - 1) / 10
	const cutlim = (1<<63 - 1) % 10
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v >= cutoff && (v > cutoff || d > cutlim) {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold compares s with the lower-case ASCII word w.
func equalFold(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if lower(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// containsFold reports whether the lower-case ASCII word w occurs in s,
// ignoring case (ngx_strlcasestrn).
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if equalFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// unsafeString returns a string that aliases b.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

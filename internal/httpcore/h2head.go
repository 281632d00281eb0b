package httpcore

import (
	"errors"
	"fmt"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Block is the header block being read (HEADERS and its CONTINUATION
// frames). Each field is checked as HPACK emits it, and a request's
// fields are written out at once as the HTTP/1.1 request header nginx's
// HTTP/2 module builds for its request processing: the request line,
// Host from :authority, then the header fields by their HTTP/2 names, in
// the order they came, and the cookies joined in one field at the end
// (ngx_http_v2_construct_cookie_header).
type h2Block struct {
	id        uint32
	endStream bool
	code      http2.ErrCode // a stream error found, 0 if none
	// refuse is nginx's error-log text for a pseudo-header field it
	// answers with 400 (ngx_http_v2_pseudo_header, and the fields
	// missing at the end of the block): the fields after it are not
	// taken, the request is answered from what came before
	refuse string
	// invalid is nginx's error-log text for a field name or value it
	// refuses (ngx_http_v2_validate_header): the stream is reset and
	// the request, made of the fields before, only logged (status 000)
	invalid string
	// cut: the connection ended inside the block (see cutBlock)
	cut bool
	// stopped: a field the engine refuses as it comes (a second Host or
	// unique header, 400) was taken; nginx takes no field after it
	stopped bool
	hosts   int    // :authority and host fields taken
	uniques uint16 // the unique headers taken (bits by uq* index)
	size    int    // the decoded names' and values' length
	// fieldLimit bounds each name and value as encoded; fieldTooLarge:
	// one was over it
	fieldLimit    int
	fieldTooLarge bool
	limit         int  // bounds size
	tooLarge      bool // size went over limit

	method, scheme, path, authority string
	pseudo                          uint8 // the pseudo-header fields seen
	regular                         bool  // a regular field came
	lineLate                        bool  // it came before all of :method, :path, :authority
	cl                              int64 // content-length: -1 none, -2 unusable
	head                            []byte
	cookie                          []byte
}

const (
	h2Method = 1 << iota
	h2Scheme
	h2Path
	h2Authority
)

func (hb *h2Block) reset(id uint32, endStream bool) {
	*hb = h2Block{id: id, endStream: endStream, limit: hb.limit, fieldLimit: hb.fieldLimit,
		cl: -1, head: hb.head[:0], cookie: hb.cookie[:0]}
}

func (hb *h2Block) fail(code http2.ErrCode) {
	if hb.code == 0 {
		hb.code = code
	}
}

// onHeaders starts a header block: a new stream.
func (hc *h2Conn) onHeaders(f *http2.HeadersFrame) error {
	id := f.StreamID
	if len(f.HeaderBlockFragment()) == 0 {
		return errH2ConnMsg{http2.ErrCodeFrameSize, "client sent HEADERS frame with empty header block"}
	}
	hc.mu.Lock()
	maxID := hc.maxID
	hc.mu.Unlock()
	if id%2 == 0 || id <= maxID {
		// stream ids only go up (§5.1.1), trailers included: nginx 1.22
		// takes none
		return errH2ConnMsg{http2.ErrCodeProtocol, fmt.Sprintf("client sent HEADERS frame with incorrect identifier %d, the last was %d", id, maxID)}
	}
	if f.HasPriority() && f.Priority.StreamDep == id {
		return errH2ConnMsg{http2.ErrCodeProtocol, fmt.Sprintf("client sent HEADERS frame for stream %d with incorrect dependency", id)}
	}
	hc.mu.Lock()
	hc.maxID = id
	hc.mu.Unlock()
	hc.hb.reset(id, f.StreamEnded())
	return hc.blockFragment(f.HeaderBlockFragment(), f.HeadersEnded())
}

func (hc *h2Conn) onContinuation(f *http2.ContinuationFrame) error {
	return hc.blockFragment(f.HeaderBlockFragment(), f.HeadersEnded())
}

// blockFragment decodes a piece of the header block; the decoder's
// state is the connection's, so every block is decoded, even one whose
// stream is refused.
func (hc *h2Conn) blockFragment(p []byte, end bool) error {
	hb := &hc.hb
	if _, err := hc.dec.Write(p); err != nil || hb.fieldTooLarge {
		if err == nil || errors.Is(err, hpack.ErrStringLength) {
			// (the decoder's own bound is past fieldLimit)
			hb.fieldTooLarge = true
			return errH2ConnMsg{http2.ErrCodeEnhanceYourCalm, "client sent too large header field"}
		}
		return errH2Conn(http2.ErrCodeCompression)
	}
	if hb.tooLarge {
		return errH2ConnMsg{http2.ErrCodeEnhanceYourCalm, "client sent too large header"}
	}
	if !end {
		return nil
	}
	if err := hc.dec.Close(); err != nil {
		return errH2Conn(http2.ErrCodeCompression)
	}
	if st := hc.endRequestBlock(); st != nil {
		hc.runStream(st)
	}
	return nil
}

// cutBlock makes the request of a header block the end of the
// connection cut (a connection error, the client gone): nginx has the
// request from the HEADERS frame on and logs it as the connection
// closes. A pseudo-header field it refuses (see h2Block.refuse) it
// answered with 400 as the field came, before the connection ended; a
// request made of fields it took is logged with status 000.
func (hc *h2Conn) cutBlock() {
	hb := &hc.hb
	// a block over the size limits ended the connection inside it too
	oversize := hb.fieldTooLarge || hb.tooLarge
	if (hc.contID == 0 || hb.id != hc.contID) && !oversize || hb.code != 0 || hb.invalid != "" {
		return
	}
	hc.contID = 0
	hb.cut = hb.refuse == ""
	hb.endStream = true
	if st := hc.endRequestBlock(); st != nil {
		hc.runStream(st)
	}
}

// onField is the HPACK decoder's emit function.
func (hc *h2Conn) onField(f hpack.HeaderField) {
	hb := &hc.hb
	if hb.fieldTooLarge || h2TooLong(f.Name, hb.fieldLimit) || h2TooLong(f.Value, hb.fieldLimit) {
		hb.fieldTooLarge = true
		return
	}
	hb.size += len(f.Name) + len(f.Value)
	if hb.size > hb.limit {
		hb.tooLarge = true
	}
	if hb.code != 0 || hb.tooLarge || hb.refuse != "" || hb.invalid != "" || hb.stopped {
		return
	}
	name, value := f.Name, f.Value
	if msg := h2FieldError(name, value); msg != "" {
		if name == "" {
			hb.fail(http2.ErrCodeProtocol)
		} else {
			hb.invalid = msg
		}
		return
	}
	if len(name) > 0 && name[0] == ':' {
		hb.pseudoField(name, value)
		if name == ":authority" && hb.refuse == "" {
			hb.tookHost()
		}
		return
	}
	hb.regularField(name, value)
	if hb.code != 0 {
		return
	}
	if name == "host" {
		hb.tookHost()
	} else if uq := uniqueHeader(name); uq >= 0 {
		// nginx's header handler refuses the second as it comes
		// (ngx_http_v2_state_process_header then drops the stream)
		hb.stopped = hb.uniques&(1<<uq) != 0
		hb.uniques |= 1 << uq
	}
}

// tookHost counts a Host: a second one is refused as it comes
// (ngx_http_process_host), the fields after it are not taken.
func (hb *h2Block) tookHost() {
	hb.hosts++
	hb.stopped = hb.hosts > 1
}

// h2TooLong reports whether s, as a client encodes it in HPACK (Huffman
// coded where that is shorter, as clients choose), is over limit bytes.
func h2TooLong(s string, limit int) bool {
	return len(s) > limit && hpack.HuffmanEncodeLength(s) > uint64(limit)
}

// regularField takes a field other than a pseudo-header one.
func (hb *h2Block) regularField(name, value string) {
	// nginx 1.22 takes the connection-specific fields of §8.2.2 and any
	// te as other fields; a transfer-encoding would make the rendering
	// a chunked body, so it stays refused
	if name == "transfer-encoding" {
		hb.fail(http2.ErrCodeProtocol)
		return
	}
	if !hb.regular {
		hb.regular = true
		if hb.pseudo&(h2Method|h2Path|h2Authority) == h2Method|h2Path|h2Authority {
			hb.writeLine()
		} else {
			// nginx takes pseudo-header fields after regular ones:
			// the line goes before the fields at the end of the block
			hb.lineLate = true
		}
	}
	switch name {
	case "cookie":
		if len(hb.cookie) > 0 {
			hb.cookie = append(hb.cookie, "; "...)
		}
		hb.cookie = append(hb.cookie, value...)
		return
	case "content-length":
		if hb.cl == -1 {
			hb.cl = h2ParseLength(value)
		} else {
			hb.cl = -2 // the engine refuses the duplicate
		}
	}
	hb.head = append(hb.head, name...)
	hb.head = append(hb.head, ": "...)
	hb.head = append(hb.head, value...)
	hb.head = append(hb.head, "\r\n"...)
}

// pseudoField takes a pseudo-header field (§8.3.1). As nginx 1.22
// (ngx_http_v2_pseudo_header), a field it does not know, a duplicate
// :method, :scheme or :path, an empty one or an unusable :path is
// answered with 400, and a pseudo-header field after the regular ones
// is taken.
func (hb *h2Block) pseudoField(name, value string) {
	var bit uint8
	switch name {
	case ":method":
		bit = h2Method
	case ":scheme":
		bit = h2Scheme
	case ":path":
		bit = h2Path
	case ":authority":
		bit = h2Authority
	default:
		hb.refuse = "client sent unknown pseudo-header \"" + name + "\""
		return
	}
	switch {
	case hb.pseudo&bit != 0 && bit != h2Authority:
		hb.refuse = "client sent duplicate " + name + " header"
		return
	case value == "" && bit != h2Authority:
		hb.refuse = "client sent empty " + name + " header"
		return
	case bit == h2Path && (!h2ValidPath(value) || value[0] != '/' && value != "*"):
		// an absolute form too: nginx wants the path alone
		hb.refuse = "client sent invalid :path header: \"" + value + "\""
		return
	case bit == h2Scheme && !h2ValidScheme(value):
		hb.refuse = "client sent invalid :scheme header: \"" + value + "\""
		return
	}
	switch bit {
	case h2Method:
		hb.method = value
	case h2Scheme:
		hb.scheme = value
	case h2Path:
		hb.path = value
	case h2Authority:
		if hb.pseudo&bit != 0 {
			// nginx takes :authority as a host field: the engine
			// refuses the second as a duplicate host header (400)
			hb.regularField("host", value)
			return
		}
		hb.authority = value
	}
	hb.pseudo |= bit
}

// writeLine writes the request line and Host. A CONNECT has no :path: it
// is written so that the header fields are taken (see h2Refused).
func (hb *h2Block) writeLine() {
	b := hb.head
	switch {
	case hb.method == "CONNECT":
		b = append(b, "GET /"...)
	case hb.method == "" || hb.path == "":
		// refused (h2Refuse): a line the engine takes, undone after
		b = append(b, "GET "...)
		if hb.path == "" {
			b = append(b, '/')
		}
		b = append(b, hb.path...)
	default:
		b = append(b, hb.method...)
		b = append(b, ' ')
		b = append(b, hb.path...)
	}
	b = append(b, " HTTP/1.1\r\n"...)
	if hb.pseudo&h2Authority != 0 {
		// by nginx's name for it (its duplicate host header line); an
		// empty one is refused as an invalid host
		b = append(b, "host: "...)
		b = append(b, hb.authority...)
		b = append(b, "\r\n"...)
	}
	hb.head = b
}

// endRequestBlock opens the stream of a complete request header block
// (to be started: runStream), or refuses it (nil).
func (hc *h2Conn) endRequestBlock() *h2Stream {
	hb := &hc.hb
	if hb.code == 0 && hb.refuse == "" && hb.invalid == "" && !hb.cut {
		// nginx 1.22's ngx_http_v2_construct_request_line
		switch {
		case hb.pseudo&h2Method == 0:
			hb.refuse = "client sent no :method header"
		case hb.method == "CONNECT":
			// the engine refuses it as nginx does (no :scheme)
			if hb.pseudo&(h2Scheme|h2Path) != 0 {
				hb.fail(http2.ErrCodeProtocol)
			}
		case hb.pseudo&h2Scheme == 0:
			hb.refuse = "client sent no :scheme header"
		case hb.pseudo&h2Path == 0:
			hb.refuse = "client sent no :path header"
		}
	}
	hc.mu.Lock()
	defer hc.mu.Unlock()
	switch {
	case hb.code != 0:
		hc.resetLocked(hb.id, hb.code)
		return nil
	case hc.dead, hc.goingAway && hb.id > hc.lastID:
		// opened after GOAWAY: the client may retry it elsewhere
		hc.resetLocked(hb.id, http2.ErrCodeRefusedStream)
		return nil
	case len(hc.streams) >= hc.maxStreams():
		// nginx: "concurrent streams exceeded"
		hc.resetLocked(hb.id, http2.ErrCodeRefusedStream)
		return nil
	case hb.invalid != "":
		// reset at once; the request is still logged (see h2Refuse)
		hc.resetLocked(hb.id, http2.ErrCodeProtocol)
		hb.endStream = true
	}
	switch {
	case !hb.regular:
		hb.writeLine()
	case hb.lineLate:
		fields := append([]byte(nil), hb.head...)
		hb.head = hb.head[:0]
		hb.writeLine()
		hb.head = append(hb.head, fields...)
	}
	if len(hb.cookie) > 0 && hb.refuse == "" && hb.invalid == "" && !hb.cut && !hb.stopped {
		// ngx_http_v2_construct_cookie_header runs with the request,
		// after the request line is built: a request refused or reset
		// before has no Cookie
		hb.head = append(hb.head, "cookie: "...)
		hb.head = append(hb.head, hb.cookie...)
		hb.head = append(hb.head, "\r\n"...)
	}
	body := !hb.endStream && hb.cl != 0
	chunk := body && hb.cl == -1
	if chunk {
		hb.head = append(hb.head, "Transfer-Encoding: chunked\r\n"...)
	}
	hb.head = append(hb.head, "\r\n"...)
	st := hc.newStream(hb, body, chunk)
	st.rst = hb.invalid != "" || hb.cut
	hc.streams[hb.id] = st
	hc.c.setWaiting(false)
	hc.requests++
	st.request = hc.requests
	return st
}

// h2FieldError is nginx's error-log text for a field it refuses, "" if
// it takes it (ngx_http_v2_validate_header): a name with upper-case
// letters, controls, spaces or a colon (past a pseudo-header's), a value
// with NUL, CR or LF (§8.2.1). Other odd characters in a name are the
// engine's to judge (ignore_invalid_headers), as nginx's.
func h2FieldError(name, value string) string {
	if name == "" {
		return "client sent invalid header name: \"\""
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c == 0x7f || c >= 'A' && c <= 'Z' || c == ':' && i > 0 {
			return "client sent invalid header name: \"" + name + "\""
		}
	}
	if !h2ValidValue(value) {
		return "client sent header \"" + name + "\" with invalid value: \"" + value + "\""
	}
	return ""
}

// h2ValidValue reports whether a field value has none of NUL, CR and LF
// (§8.2.1).
func h2ValidValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == 0 || c == '\r' || c == '\n' {
			return false
		}
	}
	return true
}

// h2ValidPath reports whether :path is free of spaces and control
// characters, which nginx's ngx_http_parse_uri refuses; "*" and paths
// without a slash are the engine's to refuse.
func h2ValidPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if c := p[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// h2ValidScheme reports whether :scheme is a scheme as RFC 3986 has it
// (a letter, then letters, digits, '+', '-', '.'), as nginx 1.22 checks
// it (ngx_http_v2_parse_scheme).
func h2ValidScheme(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (v[i] >= '0' && v[i] <= '9' || v[i] == '+' || v[i] == '-' || v[i] == '.'):
		default:
			return false
		}
	}
	return true
}

// h2ParseLength parses a content-length value; -2 when it is not a plain
// number (the engine refuses it).
func h2ParseLength(v string) int64 {
	if v == "" || len(v) > 18 {
		return -2
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return -2
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

package cgi

import (
	"strings"
	"unsafe"

	"weir/internal/proto/http1"
)

// HideHeaders are the response headers nginx's fastcgi, scgi and uwsgi
// modules hide from the client by default (ngx_http_fastcgi_hide_headers
// and its twins); *_pass_header can let them through.
var HideHeaders = []string{
	"Status",
	"X-Accel-Expires",
	"X-Accel-Redirect",
	"X-Accel-Limit-Rate",
	"X-Accel-Buffering",
	"X-Accel-Charset",
}

// StatusError is a Status header whose value does not start with three
// digits; nginx refuses the head as invalid (502).
type StatusError struct {
	Value string
}

// Error returns nginx's log message.
func (e *StatusError) Error() string {
	return `upstream sent invalid status "` + e.Value + `"`
}

// Parser parses CGI-style header lines incrementally. The zero value is
// ready for a first response; Reset prepares it for the next one.
type Parser struct {
	started bool
	done    bool
	state   uint8
	pos     int

	// current line: nginx's header_name_start, header_name_end,
	// header_start, header_end
	lineStart, nameEnd, valStart, valEnd int

	// indexes into the ResponseHead's Headers, -1 if none
	statusIdx, locIdx, clIdx, teIdx int
}

// Reset clears p for the next response.
func (p *Parser) Reset() {
	*p = Parser{started: true, statusIdx: -1, locIdx: -1, clIdx: -1, teIdx: -1}
}

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

const (
	rcAgain = iota
	rcOK
	rcHeaderDone
	rcError
)

// Parse parses the header lines in buf into h. It is incremental: when it
// returns done == false and no error, call it again with the same p, h
// and bytes, with more appended (buf may move; the bytes already given
// may not change). When done, n is the length of the head and the body
// starts at buf[n:].
//
// On a first call after Reset (or on a zero Parser) Parse resets h as
// well. Parse never reports a full buffer; the caller decides what is
// too big. Errors are *http1.InvalidHeaderError (nginx's "upstream sent
// invalid header: ...", a duplicate Content-Length and the other framing
// checks of ngx_http_upstream.c) and *StatusError.
func (p *Parser) Parse(h *http1.ResponseHead, buf []byte) (n int, done bool, err error) {
	if !p.started {
		p.Reset()
		h.Reset()
	}
	if p.done {
		return p.pos, true, nil
	}
	for {
		switch p.parseLine(buf) {
		case rcOK:
			if err := p.addHeader(h, buf); err != nil {
				return p.pos, false, err
			}
		case rcHeaderDone:
			if err := p.finish(h); err != nil {
				return p.pos, false, err
			}
			p.done = true
			return p.pos, true, nil
		case rcAgain:
			return p.pos, false, nil
		default:
			return p.pos, false, &http1.InvalidHeaderError{
				Kind: http1.BadLine,
				Line: string(buf[p.lineStart:p.valEnd]),
				Byte: buf[p.valEnd],
			}
		}
	}
}

// nameStop marks the bytes that end the fast scan of a header name.
var nameStop = func() (t [256]bool) {
	for c := 0; c <= 0x20; c++ {
		t[c] = true
	}
	t[0x7f], t[':'], t['/'] = true, true, true
	return t
}()

// valueStop marks the bytes that end the fast scan of a header value.
var valueStop = func() (t [256]bool) {
	t[' '], t['\t'], t['\r'], t['\n'], t[0] = true, true, true, true, true
	return t
}()

// parseLine ports ngx_http_parse_header_line as the upstream modules
// call it (underscores allowed; a line "HTTP/..." skipped, for IIS).
func (p *Parser) parseLine(b []byte) int {
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
				p.pos, p.state = i+1, hStart
				return rcHeaderDone
			case ch <= 0x20 || ch == 0x7f || ch == ':':
				p.valEnd, p.pos = i, i
				return rcError
			default:
				state = hName
			}
		case hName:
			for !nameStop[ch] {
				i++
				if i == n {
					p.state, p.pos = state, i
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
				return p.lineDone(i)
			case ch == '/':
				if i-p.lineStart == 4 && string(b[p.lineStart:i]) == "HTTP" {
					state = hIgnoreLine
				}
			default:
				p.valEnd, p.pos = i, i
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
				return p.lineDone(i)
			case 0:
				p.valEnd, p.pos = i, i
				return rcError
			default:
				p.valStart = i
				state = hValue
			}
		case hValue:
			for !valueStop[ch] {
				i++
				if i == n {
					p.state, p.pos = state, i
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
				return p.lineDone(i)
			default: // NUL
				p.valEnd, p.pos = i, i
				return rcError
			}
		case hSpaceAfterValue:
			switch ch {
			case ' ', '\t':
			case '\r':
				state = hAlmostDone
			case '\n':
				return p.lineDone(i)
			case 0:
				p.valEnd, p.pos = i, i
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
				return p.lineDone(i)
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
			p.pos, p.state = i+1, hStart
			return rcHeaderDone
		}
	}
	p.state, p.pos = state, i
	return rcAgain
}

func (p *Parser) lineDone(i int) int {
	p.pos, p.state = i+1, hStart
	return rcOK
}

// addHeader records the line just parsed and applies the handlers of
// ngx_http_upstream_headers_in that matter here.
func (p *Parser) addHeader(h *http1.ResponseHead, b []byte) error {
	name := unsafeString(b[p.lineStart:p.nameEnd])
	value := unsafeString(b[p.valStart:p.valEnd])
	h.Headers = append(h.Headers, http1.Header{Name: name, Value: value})
	idx := len(h.Headers) - 1
	switch len(name) {
	case 6:
		if equalFold(name, "status") && p.statusIdx < 0 {
			p.statusIdx = idx
		}
	case 8:
		if equalFold(name, "location") && p.locIdx < 0 {
			p.locIdx = idx
		}
	case 10:
		if equalFold(name, "connection") && containsFold(value, "close") {
			h.ConnClose = true
		}
	case 14:
		if equalFold(name, "content-length") {
			return p.contentLength(h, idx)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return p.transferEncoding(h, idx)
		}
	}
	return nil
}

// contentLength ports ngx_http_upstream_process_content_length.
func (p *Parser) contentLength(h *http1.ResponseHead, idx int) error {
	hd := h.Headers[idx]
	if p.clIdx >= 0 {
		return &http1.InvalidHeaderError{Kind: http1.DuplicateHeader, Line: line(hd), Prev: line(h.Headers[p.clIdx])}
	}
	if p.teIdx >= 0 {
		return &http1.InvalidHeaderError{Kind: http1.LengthAndEncoding}
	}
	p.clIdx = idx
	n, ok := atoof(hd.Value)
	if !ok {
		return &http1.InvalidHeaderError{Kind: http1.BadContentLength, Line: line(hd)}
	}
	h.ContentLength = n
	return nil
}

// transferEncoding ports ngx_http_upstream_process_transfer_encoding.
func (p *Parser) transferEncoding(h *http1.ResponseHead, idx int) error {
	hd := h.Headers[idx]
	if p.teIdx >= 0 {
		return &http1.InvalidHeaderError{Kind: http1.DuplicateHeader, Line: line(hd), Prev: line(h.Headers[p.teIdx])}
	}
	if p.clIdx >= 0 {
		return &http1.InvalidHeaderError{Kind: http1.LengthAndEncoding}
	}
	p.teIdx = idx
	if !equalFold(hd.Value, "chunked") {
		return &http1.InvalidHeaderError{Kind: http1.UnknownEncoding, Value: strings.Clone(hd.Value)}
	}
	h.Chunked = true
	return nil
}

// finish chooses the status as the PARSE_HEADER_DONE branch of
// ngx_http_fastcgi_process_header does.
func (p *Parser) finish(h *http1.ResponseHead) error {
	switch {
	case p.statusIdx >= 0:
		v := h.Headers[p.statusIdx].Value
		code, ok := status3(v)
		if !ok {
			return &StatusError{Value: strings.Clone(v)}
		}
		h.Status = code
		h.StatusLine = ""
		if len(v) > 3 {
			h.StatusLine = v
		}
	case p.locIdx >= 0:
		h.Status, h.StatusLine = 302, "302 Moved Temporarily"
	default:
		h.Status, h.StatusLine = 200, "200 OK"
	}
	if h.Chunked {
		h.ContentLength = -1
	}
	h.Upgrade = h.Status == 101
	return nil
}

// status3 is ngx_atoi(value, 3): the first three bytes, digits only.
func status3(v string) (int, bool) {
	if len(v) < 3 {
		return 0, false
	}
	n := 0
	for i := range 3 {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func line(hd http1.Header) string { return hd.Name + ": " + hd.Value }

// atoof ports ngx_atoof: decimal digits only, at least one, no overflow.
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

// equalFold reports whether s equals the lower-case ASCII word w, ignoring case.
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

func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if equalFold(s[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

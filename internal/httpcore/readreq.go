package httpcore

import (
	"fmt"
	"io"
	"unsafe"
)

// bstr returns b[i:j] as a string sharing b's memory. The engine's
// request strings are such views into its header buffers; they are valid
// until Handler.Serve returns.
func bstr(b []byte, i, j int) string {
	if j <= i {
		return ""
	}
	return unsafe.String(&b[i], j-i)
}

// clientErrors are nginx's ngx_http_client_errors.
var clientErrors = [...]string{
	parseInvalidMethod:   "client sent invalid method",
	parseInvalidRequest:  "client sent invalid request",
	parseInvalidVersion:  "client sent invalid version",
	parseInvalid09Method: "client sent invalid method in HTTP/0.9 request",
}

// readRequest reads and parses the request line and header of one request
// into s.req (ngx_http_process_request_line, ngx_http_process_request_headers
// and ngx_http_process_request_header). On refusal r.Err and r.ErrMsg are
// set.
func (c *conn) readRequest(s *stream) {
	r := &s.req
	p := &s.p
	p.resetRequestLine()

	// the request line
	rc := parseAgain
	for {
		if rc == parseAgain && c.pos == c.last {
			if !c.readHeaderBytes(s) {
				return
			}
		}
		rc = p.parseRequestLine(c.cur.b[:c.last], &c.pos)
		if rc == parseOK {
			break
		}
		if rc != parseAgain {
			c.requestLineError(s, rc)
			return
		}
		if c.pos == len(c.cur.b) && !c.allocLarge(s, true) {
			b := c.cur.b
			c.setRequestFields(s, b, true)
			r.RequestLine = bstr(b, p.requestStart, len(b))
			c.refuse(s, 414, "client sent too long URI")
			return
		}
	}

	b := c.cur.b
	headerLen := c.pos - p.requestStart
	// ngx_http_process_request_line counts the line as soon as it
	// parses, so a request refused for its URI or a header line logs
	// the bytes read so far as $request_length
	r.HeaderLen = headerLen
	r.LineDone = true
	c.setRequestFields(s, b, false)
	if !c.processURI(s, b) {
		return
	}
	if p.hostEnd >= 0 {
		h, lower, ok := validateHost(b[p.hostStart:p.hostEnd])
		if !ok {
			c.refuse(s, 400, "client sent invalid host in request line")
			return
		}
		r.Host = s.hostString(h, lower)
	}
	if p.version() < 1000 {
		// HTTP/0.9: no header, the response is the bare body
		s.out.http09 = true
		r.HeaderLen = headerLen
		r.HeaderDone = true
		return
	}

	// the header lines
	s.action = "reading client request headers"
	allowUnderscores := c.set.UnderscoresInHeaders
	rc = parseAgain
	for {
		if rc == parseAgain {
			if c.pos == len(c.cur.b) && !c.allocLarge(s, false) {
				if p.nameStart < 0 {
					c.refuse(s, 494, "client sent too large request")
				} else {
					b := c.cur.b
					n := len(b) - p.nameStart
					if n > maxErrorLine {
						n = maxErrorLine
					}
					c.refuse(s, 494, "client sent too long header line: \""+string(b[p.nameStart:p.nameStart+n])+"...\"")
				}
				return
			}
			if c.pos == c.last && !c.readHeaderBytes(s) {
				return
			}
		}
		rc = p.parseHeaderLine(c.cur.b[:c.last], &c.pos, allowUnderscores)
		switch rc {
		case parseOK:
			headerLen += c.pos - p.nameStart
			r.HeaderLen = headerLen
			if !c.headerLine(s) {
				return
			}
		case parseHeaderDone:
			headerLen += c.pos - p.nameStart
			r.HeaderLen = headerLen
			c.processRequestHeader(s)
			return
		case parseAgain:
		default:
			b := c.cur.b
			msg := "client sent invalid header line: \"" + string(b[p.nameStart:p.valEnd]) +
				fmt.Sprintf("\\x%02x...\"", b[p.valEnd])
			c.refuse(s, 400, msg)
			return
		}
	}
}

// maxErrorLine is NGX_MAX_ERROR_STR - 300, the most of a header line
// nginx quotes in "too long header line".
const maxErrorLine = 2048 - 300

// refuse marks the request refused by the engine with nginx's status and
// error log text (the text ends with nginx's " while ..." action).
func (c *conn) refuse(s *stream, code int, msg string) {
	r := &s.req
	r.Err = code
	r.ErrMsg = msg + " while " + s.action
	r.KeepAlive = false
}

// readHeaderBytes reads more header bytes into c.cur[c.last:]
// (ngx_http_read_request_header). client_header_timeout runs from the
// first time the header needs the socket. On failure the request is
// marked and false is returned.
func (c *conn) readHeaderBytes(s *stream) bool {
	if s.hdrDL == 0 {
		if c.idleFirst {
			// the first request's timer runs since the accept
			s.hdrDL = c.idleDeadline
		} else {
			s.hdrDL = nanotime() + int64(c.set.HeaderTimeout)
		}
	}
	n, err := c.read(c.cur.b[c.last:], s.hdrDL)
	if n > 0 {
		c.last += n
		return true
	}
	r := &s.req
	r.NoResponse = true
	switch {
	case err == nil || err == io.EOF:
		c.refuse(s, 400, "client prematurely closed connection")
	case isTimeout(err):
		c.refuse(s, 408, "client timed out (110: Connection timed out)")
	default:
		c.refuse(s, 400, "recv() failed ("+errnoText(err)+")")
	}
	if r.RequestLine == "" && s.p.requestStart >= 0 && s.p.requestEnd < 0 {
		r.RequestLine = partialLine(c.cur.b[:c.last], s.p.requestStart)
	}
	return false
}

// partialLine is what nginx's $request shows for a request line that was
// not parsed: the bytes up to the first CR or LF.
func partialLine(b []byte, start int) string {
	if start < 0 || start >= len(b) {
		return ""
	}
	end := start
	for end < len(b) && b[end] != '\r' && b[end] != '\n' {
		end++
	}
	return bstr(b, start, end)
}

// allocLarge is ngx_http_alloc_large_header_buffer: the current buffer is
// full in the middle of the request line (requestLine) or of a header
// line. The partial line moves to a large buffer. It reports false when
// the line is too long for a large buffer or all of them are used.
func (c *conn) allocLarge(s *stream, requestLine bool) bool {
	p := &s.p
	if requestLine && p.state == rlStart {
		// the client fills the buffer with empty lines
		c.pos, c.last = 0, 0
		return true
	}
	old := p.nameStart
	if requestLine {
		old = p.requestStart
	}
	size := c.set.LargeHeaderBufSize
	if p.state != 0 && c.pos-old >= size {
		return false
	}
	if c.nlarge >= c.set.LargeHeaderBuffers {
		return false
	}
	nb := getBuf(c.large)
	c.nlarge++
	c.curLarge = true
	s.bufs = append(s.bufs, nb)
	if p.state == 0 {
		c.cur = nb
		c.pos, c.last = 0, 0
		return true
	}
	n := copy(nb.b, c.cur.b[old:c.pos])
	c.cur = nb
	c.pos, c.last = n, n
	if requestLine {
		p.rebaseRequestLine(old)
	} else {
		p.rebaseHeader(old)
	}
	return true
}

// requestLineError refuses a request whose line does not parse.
func (c *conn) requestLineError(s *stream, rc int) {
	r := &s.req
	p := &s.p
	b := c.cur.b[:c.last]
	if p.methodEnd >= 0 {
		r.Method = bstr(b, p.requestStart, p.methodEnd+1)
	}
	if rc == parseInvalid09Method {
		// nginx answers it as HTTP/0.9, without a header
		s.out.http09 = true
		r.ProtoMinor = 9
		r.RequestLine = bstr(b, p.requestStart, p.requestEnd)
		r.RawURI = bstr(b, p.uriStart, p.uriEnd)
	} else {
		r.RequestLine = partialLine(b, p.requestStart)
	}
	code := 400
	if rc == parseInvalidVersion {
		code = 505
	}
	c.refuse(s, code, clientErrors[rc])
}

// setRequestFields fills the request line strings from the parser.
func (c *conn) setRequestFields(s *stream, b []byte, partial bool) {
	r := &s.req
	p := &s.p
	if p.methodEnd >= 0 {
		r.Method = bstr(b, p.requestStart, p.methodEnd+1)
	}
	if partial {
		return
	}
	r.RequestLine = bstr(b, p.requestStart, p.requestEnd)
	if p.protoStart >= 0 {
		r.Proto = bstr(b, p.protoStart, p.requestEnd)
	}
	r.ProtoMinor = p.httpMinor
	r.RawURI = bstr(b, p.uriStart, p.uriEnd)
}

// processURI is ngx_http_process_request_uri: it sets Path and Args.
func (c *conn) processURI(s *stream, b []byte) bool {
	r := &s.req
	p := &s.p
	if p.complexURI || p.quotedURI || p.emptyPathInURI {
		path, as, ae, ok := parseComplexURI(s.path[:0], b[p.uriStart:p.uriEnd], p.emptyPathInURI, c.set.MergeSlashes)
		if !ok {
			c.refuse(s, 400, "client sent invalid request")
			return false
		}
		s.path = path
		r.Path = bstr(path, 0, len(path))
		if as >= 0 {
			r.Args = bstr(b, p.uriStart+as, p.uriStart+ae)
		}
		return true
	}
	end := p.uriEnd
	if p.argsStart >= 0 {
		end = p.argsStart - 1
		r.Args = bstr(b, p.argsStart, p.uriEnd)
	}
	r.Path = bstr(b, p.uriStart, end)
	return true
}

// hostString returns the validated host as a string, lower-cased into the
// stream's scratch when needed.
func (s *stream) hostString(h []byte, lower bool) string {
	if !lower {
		return bstr(h, 0, len(h))
	}
	s.host = append(s.host[:0], h...)
	for i, ch := range s.host {
		if 'A' <= ch && ch <= 'Z' {
			s.host[i] = ch + 'a' - 'A'
		}
	}
	return bstr(s.host, 0, len(s.host))
}

// headerLine stores one parsed header line and runs nginx's handler for
// the headers it knows (ngx_http_headers_in). It reports false when the
// request is refused.
func (c *conn) headerLine(s *stream) bool {
	r := &s.req
	p := &s.p
	b := c.cur.b
	if p.invalidHeader && c.set.IgnoreInvalidHeaders {
		n := Note{Msg: fmt.Sprintf("client sent invalid header line: \"%s\" while %s", b[p.nameStart:p.valEnd], s.action)}
		if s.hostIdx >= 0 {
			n.Host, n.HostKnown = r.Headers[s.hostIdx].Value, true
		} else {
			n.LineHost = r.Host != ""
		}
		r.Notes = append(r.Notes, n)
		return true
	}
	vs, ve := p.valStart, p.valEnd
	if s.h2 != nil && p.nameEnd+2 <= c.pos-2 {
		// an HTTP/2 field's value is taken as it came, spaces at either
		// end included (nginx's HTTP/2 module trims nothing); the
		// rendering is "name: value\r\n"
		vs, ve = p.nameEnd+2, c.pos-2
	}
	h := Header{Name: bstr(b, p.nameStart, p.nameEnd), Value: bstr(b, vs, ve)}
	idx := len(r.Headers)
	if idx >= c.set.MaxHeaders {
		// max_headers: 494, answered as 400 "Request Header Or Cookie
		// Too Large"
		c.refuse(s, 494, "client sent too many header lines")
		return false
	}
	r.Headers = append(r.Headers, h)

	// the known names start with c, e, h, i, k, a or t: skip the others
	// (User-Agent, Accept...) without comparing
	switch h.Name[0] | 0x20 {
	case 'c', 'e', 'h', 'i', 'k', 'a', 't':
	default:
		return true
	}
	switch len(h.Name) {
	case 4:
		if EqualFold(h.Name, "Host") {
			return c.hostHeader(s, idx)
		}
	case 10:
		if EqualFold(h.Name, "Connection") {
			if containsFold(h.Value, "close") {
				s.connType = connClose
			} else if containsFold(h.Value, "keep-alive") {
				s.connType = connKeepAlive
			}
		} else if EqualFold(h.Name, "Keep-Alive") && s.keepIdx < 0 {
			s.keepIdx = idx
		}
	}
	uq := uniqueHeader(h.Name)
	if uq < 0 {
		return true
	}
	if prev := s.uniq[uq]; prev >= 0 {
		ph := r.Headers[prev]
		c.refuse(s, 400, fmt.Sprintf("client sent duplicate header line: \"%s: %s\", previous value: \"%s: %s\"",
			h.Name, h.Value, ph.Name, ph.Value))
		// nginx's variables of the header show the first
		// (headers_in.content_length and the like)
		r.Headers = r.Headers[:idx]
		return false
	}
	s.uniq[uq] = idx
	return true
}

// uniqueHeader is the uq* index of a header nginx takes once
// (ngx_http_process_unique_header_line), -1 for others.
func uniqueHeader(name string) int {
	switch len(name) {
	case 6:
		if EqualFold(name, "Expect") {
			return uqExpect
		}
	case 8:
		if EqualFold(name, "If-Match") {
			return uqIfMatch
		} else if EqualFold(name, "If-Range") {
			return uqIfRange
		}
	case 13:
		if EqualFold(name, "If-None-Match") {
			return uqIfNoneMatch
		} else if EqualFold(name, "Content-Range") {
			return uqContentRange
		} else if EqualFold(name, "Authorization") {
			return uqAuthorization
		}
	case 14:
		if EqualFold(name, "Content-Length") {
			return uqContentLength
		}
	case 17:
		if EqualFold(name, "Transfer-Encoding") {
			return uqTransferEncoding
		} else if EqualFold(name, "If-Modified-Since") {
			return uqIfModifiedSince
		}
	case 19:
		if EqualFold(name, "If-Unmodified-Since") {
			return uqIfUnmodifiedSince
		}
	}
	return -1
}

// hostHeader is ngx_http_process_host.
func (c *conn) hostHeader(s *stream, idx int) bool {
	r := &s.req
	h := r.Headers[idx]
	if s.hostIdx >= 0 {
		ph := r.Headers[s.hostIdx]
		c.refuse(s, 400, fmt.Sprintf("client sent duplicate host header: \"%s: %s\", previous value: \"%s: %s\"",
			h.Name, h.Value, ph.Name, ph.Value))
		// $http_host is nginx's headers_in.host: the first
		r.Headers = append(r.Headers[:idx], r.Headers[idx+1:]...)
		return false
	}
	s.hostIdx = idx
	host, lower, ok := validateHost(unsafe.Slice(unsafe.StringData(h.Value), len(h.Value)))
	if !ok {
		c.refuse(s, 400, "client sent invalid host header")
		return false
	}
	if r.Host == "" {
		r.Host = s.hostString(host, lower)
	}
	return true
}

// processRequestHeader is ngx_http_process_request_header: the checks
// made once the whole header is in.
func (c *conn) processRequestHeader(s *stream) {
	r := &s.req
	p := &s.p
	version := p.version()
	r.HeaderDone = true
	if s.hostIdx < 0 && version > 1000 {
		c.refuse(s, 400, "client sent HTTP/1.1 request without \"Host\" header")
		return
	}
	if i := s.uniq[uqContentLength]; i >= 0 {
		r.ContentLength = atoof(r.Headers[i].Value)
		if r.ContentLength < 0 {
			r.ContentLength = -1
			c.refuse(s, 400, "client sent invalid \"Content-Length\" header")
			return
		}
	}
	if i := s.uniq[uqTransferEncoding]; i >= 0 {
		if version < 1001 {
			c.refuse(s, 400, "client sent HTTP/1.0 request with \"Transfer-Encoding\" header")
			return
		}
		te := r.Headers[i].Value
		if len(te) == 7 && EqualFold(te, "chunked") {
			if s.uniq[uqContentLength] >= 0 {
				c.refuse(s, 400, "client sent \"Content-Length\" and \"Transfer-Encoding\" headers at the same time")
				return
			}
			r.Chunked = true
		} else {
			c.refuse(s, 501, "client sent unknown \"Transfer-Encoding\": \""+te+"\"")
			return
		}
	}
	switch p.method {
	case methodCONNECT:
		c.refuse(s, 405, "client sent CONNECT method")
		return
	case methodTRACE:
		c.refuse(s, 405, "client sent TRACE method")
		return
	}
	switch s.connType {
	case connNone:
		r.KeepAlive = version > 1000
	case connClose:
		r.KeepAlive = false
	case connKeepAlive:
		r.KeepAlive = true
	}
	if i := s.uniq[uqExpect]; i >= 0 && version >= 1001 {
		v := r.Headers[i].Value
		r.Expect100 = len(v) == 12 && EqualFold(v, "100-continue")
	}
	s.body.init(r)
}

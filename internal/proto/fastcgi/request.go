package fastcgi

import "strconv"

// TooBigError is nginx's refusal of a PARAMS record longer than
// MaxContent (an alert, then 500).
type TooBigError struct {
	Len int
}

// Error returns nginx's log message.
func (e *TooBigError) Error() string {
	return "fastcgi request record is too big: " + strconv.Itoa(e.Len)
}

// AppendBeginRequest appends a BEGIN_REQUEST record asking for the
// responder role, with the keep-conn flag when keepConn
// (fastcgi_keep_conn).
func AppendBeginRequest(dst []byte, id uint16, keepConn bool) []byte {
	dst = AppendRecordHeader(dst, TypeBeginRequest, id, 8, 0)
	var flags byte
	if keepConn {
		flags = FlagKeepConn
	}
	return append(dst, 0, RoleResponder, flags, 0, 0, 0, 0, 0)
}

// Params is a PARAMS record being written: BeginParams reserves its
// header, AppendParam adds name-value pairs after it, and End fills the
// header in.
type Params struct {
	start int
	id    uint16
}

// BeginParams starts a PARAMS record at the end of dst.
func BeginParams(dst []byte, id uint16) ([]byte, Params) {
	p := Params{start: len(dst), id: id}
	return AppendRecordHeader(dst, TypeParams, id, 0, 0), p
}

// AppendParam appends one name-value pair: each length in one byte when
// below 128, else in four bytes with the high bit set.
func AppendParam(dst []byte, name, value string) []byte {
	dst = appendLen(dst, len(name))
	dst = appendLen(dst, len(value))
	dst = append(dst, name...)
	return append(dst, value...)
}

// ParamLen returns the length AppendParam adds for name and value.
func ParamLen(name, value string) int {
	return lenLen(len(name)) + lenLen(len(value)) + len(name) + len(value)
}

func lenLen(n int) int {
	if n > 127 {
		return 4
	}
	return 1
}

func appendLen(dst []byte, n int) []byte {
	if n > 127 {
		return append(dst, byte(n>>24)&0x7f|0x80, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, byte(n))
}

// End finishes the PARAMS record begun in dst: it fills in the content
// length, appends the padding and then the empty PARAMS record that ends
// the params stream. Content longer than MaxContent is nginx's
// *TooBigError; dst is then returned cut back to where the record began.
func (p Params) End(dst []byte) ([]byte, error) {
	n := len(dst) - p.start - HeaderLen
	if n > MaxContent {
		return dst[:p.start], &TooBigError{Len: n}
	}
	pad := Padding(n)
	h := dst[p.start:]
	h[4], h[5], h[6] = byte(n>>8), byte(n), byte(pad)
	dst = append(dst, zeros[:pad]...)
	return AppendRecordHeader(dst, TypeParams, p.id, 0, 0), nil
}

// AppendParams appends the params as one PARAMS record and the empty
// PARAMS record after it: BeginParams, AppendParam for each pair, End.
func AppendParams(dst []byte, id uint16, params [][2]string) ([]byte, error) {
	dst, p := BeginParams(dst, id)
	for _, kv := range params {
		dst = AppendParam(dst, kv[0], kv[1])
	}
	return p.End(dst)
}

// AppendStdin appends body as STDIN records of at most StdinChunk bytes
// each, every one padded to a multiple of 8, as nginx cuts a buffered
// body. An empty body appends nothing. A caller that writes the body
// with writev instead of copying it uses AppendRecordHeader and Padding.
func AppendStdin(dst []byte, id uint16, body []byte) []byte {
	for len(body) > 0 {
		n := min(len(body), StdinChunk)
		pad := Padding(n)
		dst = AppendRecordHeader(dst, TypeStdin, id, n, pad)
		dst = append(dst, body[:n]...)
		dst = append(dst, zeros[:pad]...)
		body = body[n:]
	}
	return dst
}

// AppendStdinEnd appends the empty STDIN record that ends the body.
func AppendStdinEnd(dst []byte, id uint16) []byte {
	return AppendRecordHeader(dst, TypeStdin, id, 0, 0)
}

// Package uwsgi is the wire codec of nginx's ngx_http_uwsgi_module: the
// request packet (a 4-byte header and the vars) and the response head.
// It knows bytes only; the body follows the packet raw, and the
// response body runs to the end of the connection or its Content-Length.
package uwsgi

import (
	"strconv"

	"weir/internal/proto/cgi"
)

// MaxPacket is the largest vars block the 16-bit size can carry.
const MaxPacket = 65535

// TooBigError is nginx's refusal of a vars block longer than MaxPacket
// (an alert, then 500).
type TooBigError struct {
	Len int
}

// Error returns nginx's log message.
func (e *TooBigError) Error() string {
	return "uwsgi request is too big: " + strconv.Itoa(e.Len)
}

// Packet is a request packet being written: Begin reserves its header,
// AppendVar adds vars, End fills the header in.
type Packet struct {
	start int
}

// Begin starts a packet at the end of dst.
func Begin(dst []byte) ([]byte, Packet) {
	return append(dst, 0, 0, 0, 0), Packet{start: len(dst)}
}

// AppendVar appends one var: the key's length (16 bits, little endian),
// the key, the value's length, the value. Lengths beyond 65535 make the
// packet too big anyway, which End reports.
func AppendVar(dst []byte, key, value string) []byte {
	dst = append(dst, byte(len(key)), byte(len(key)>>8))
	dst = append(dst, key...)
	dst = append(dst, byte(len(value)), byte(len(value)>>8))
	return append(dst, value...)
}

// End finishes the packet begun in dst: modifier1, the size of the vars
// (16 bits, little endian), modifier2, as ngx_http_uwsgi_create_request
// writes them. Bytes appended raw after the vars (uwsgi_string) count in
// the size as in nginx. A size over MaxPacket is a *TooBigError, and dst
// is returned cut back to where the packet began.
func (p Packet) End(dst []byte, modifier1, modifier2 uint8) ([]byte, error) {
	n := len(dst) - p.start - 4
	if n > MaxPacket {
		return dst[:p.start], &TooBigError{Len: n}
	}
	h := dst[p.start:]
	h[0], h[1], h[2], h[3] = modifier1, byte(n), byte(n>>8), modifier2
	return dst, nil
}

// AppendRequest appends a whole packet with the given vars.
func AppendRequest(dst []byte, modifier1, modifier2 uint8, vars [][2]string) ([]byte, error) {
	dst, p := Begin(dst)
	for _, kv := range vars {
		dst = AppendVar(dst, kv[0], kv[1])
	}
	return p.End(dst, modifier1, modifier2)
}

// HeadParser parses the response head as ngx_http_uwsgi_process_status_line
// and ngx_http_uwsgi_process_header do: an HTTP status line (what uWSGI
// sends) and header, or else a CGI-style header; see cgi.ResponseParser.
type HeadParser = cgi.ResponseParser

// Package scgi is the wire codec of nginx's ngx_http_scgi_module: the
// request header netstring, and the response head (an HTTP status line
// and header, or a CGI-style header with "Status:"). It knows bytes
// only; the body follows the header raw, and the response body runs to
// the end of the connection or its Content-Length.
package scgi

import (
	"strconv"

	"weir/internal/proto/cgi"
)

// AppendRequest appends the SCGI request header as
// ngx_http_scgi_create_request writes it: a netstring whose content is
// "CONTENT_LENGTH" and contentLength in decimal, then each param, every
// name and value followed by a NUL byte. The body is sent raw after it.
//
// Like nginx, it adds nothing but CONTENT_LENGTH: the "SCGI" "1" pair the
// protocol requires comes from the configuration (nginx's scgi_params
// file has "scgi_param SCGI 1;"), in params, in order.
func AppendRequest(dst []byte, contentLength int64, params [][2]string) []byte {
	var num [20]byte
	cl := strconv.AppendInt(num[:0], contentLength, 10)
	n := len("CONTENT_LENGTH") + 1 + len(cl) + 1
	for _, kv := range params {
		n += len(kv[0]) + 1 + len(kv[1]) + 1
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, ':')
	dst = append(dst, "CONTENT_LENGTH\x00"...)
	dst = append(dst, cl...)
	dst = append(dst, 0)
	for _, kv := range params {
		dst = append(dst, kv[0]...)
		dst = append(dst, 0)
		dst = append(dst, kv[1]...)
		dst = append(dst, 0)
	}
	return append(dst, ',')
}

// HeadParser parses the response head as ngx_http_scgi_process_status_line
// and ngx_http_scgi_process_header do; see cgi.ResponseParser.
type HeadParser = cgi.ResponseParser

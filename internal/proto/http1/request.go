package http1

import "strconv"

// AppendRequestLine appends "METHOD URI HTTP/1.minor" and CRLF, the
// request line ngx_http_proxy_create_request writes (minor is 0 or 1,
// from proxy_http_version).
func AppendRequestLine(dst []byte, method, uri string, minor int) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, uri...)
	if minor == 1 {
		return append(dst, " HTTP/1.1\r\n"...)
	}
	return append(dst, " HTTP/1.0\r\n"...)
}

// AppendHeader appends one header line, "Name: value" and CRLF. The
// caller has left out fields whose value is empty, as nginx does for
// proxy_set_header.
func AppendHeader(dst []byte, name, value string) []byte {
	dst = append(dst, name...)
	dst = append(dst, ':', ' ')
	dst = append(dst, value...)
	return append(dst, '\r', '\n')
}

// AppendHeaderEnd appends the CRLF that ends a request head.
func AppendHeaderEnd(dst []byte) []byte { return append(dst, '\r', '\n') }

// AppendChunkHeader appends the size line of a chunk of n bytes, in
// lower-case hexadecimal as nginx's chunked request body filter writes
// it. n must be above 0: a zero size is the last chunk.
func AppendChunkHeader(dst []byte, n int) []byte {
	dst = strconv.AppendUint(dst, uint64(n), 16)
	return append(dst, '\r', '\n')
}

// AppendChunk appends p as one chunk: its size line, the data and CRLF.
// An empty p appends nothing, since a zero-size chunk would end the body.
// To send large data without copying it, write AppendChunkHeader, the
// data and AppendChunkEnd separately.
func AppendChunk(dst, p []byte) []byte {
	if len(p) == 0 {
		return dst
	}
	dst = AppendChunkHeader(dst, len(p))
	dst = append(dst, p...)
	return append(dst, '\r', '\n')
}

// AppendChunkEnd appends the CRLF that follows a chunk's data.
func AppendChunkEnd(dst []byte) []byte { return append(dst, '\r', '\n') }

// AppendLastChunk appends the last chunk and the empty trailer, "0" CRLF
// CRLF.
func AppendLastChunk(dst []byte) []byte { return append(dst, "0\r\n\r\n"...) }

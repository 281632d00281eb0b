package fastcgi

// Body applies nginx's accounting of a response body against the
// Content-Length of the head (f->rest in ngx_http_fastcgi_input_filter
// and ngx_http_fastcgi_non_buffered_filter) to the frames a Decoder
// yields after the head. The zero value passes everything; Init sets it
// up.
type Body struct {
	rest int64 // bytes still expected; -1: no length; -2: HEAD, not known yet
	len  int64 // the head's Content-Length, for HEAD
}

// Init prepares b after a head with the given status and Content-Length
// (-1 if none), for a HEAD request or not, as
// ngx_http_fastcgi_input_filter_init does: nothing is expected for 204
// and 304, and for HEAD the length applies from the first data on.
func (b *Body) Init(status int, head bool, contentLength int64) {
	switch {
	case status == 204 || status == 304:
		*b = Body{rest: 0}
	case head:
		*b = Body{rest: -2, len: contentLength}
	default:
		*b = Body{rest: contentLength}
	}
}

// Stdout takes a piece of STDOUT data (HeadResult.Body, then each STDOUT
// frame) and returns the part to pass on. extra reports that the
// application sent more than the Content-Length: nginx logs
// http1.WarnExtraLength at the warn level, passes the data cut to the
// length, stops reading the response and does not keep the connection.
func (b *Body) Stdout(data []byte) (pass []byte, extra bool) {
	if len(data) == 0 {
		return data, false
	}
	if b.rest == -2 {
		b.rest = b.len
	}
	if b.rest < 0 {
		return data, false
	}
	if int64(len(data)) > b.rest {
		data = data[:b.rest]
		b.rest = 0
		return data, true
	}
	b.rest -= int64(len(data))
	return data, false
}

// StdoutClosed checks an empty STDOUT record: ErrStdoutClosed when part
// of the Content-Length is missing (nginx checks this when it buffers
// the response, fastcgi_buffering on).
func (b *Body) StdoutClosed() error {
	if b.rest > 0 {
		return ErrStdoutClosed
	}
	return nil
}

// EndRequest checks an END_REQUEST record: ErrRequestClosed when part of
// the Content-Length is missing. Either error is an upstream error: the
// response is cut short and the connection closed.
func (b *Body) EndRequest() error {
	if b.rest > 0 {
		return ErrRequestClosed
	}
	return nil
}

package cgi

import (
	"errors"

	"weir/internal/proto/http1"
)

// ResponseParser parses the head of an SCGI or uwsgi response as
// ngx_http_scgi_process_status_line and ngx_http_uwsgi_process_status_line
// do: an HTTP status line and header when the response starts with one,
// else a CGI-style head (Parser) from the first byte. The zero value is
// ready; Reset prepares it for the next response.
type ResponseParser struct {
	started bool
	cgiMode bool
	cgi     Parser
}

// Reset clears p for the next response.
func (p *ResponseParser) Reset() {
	*p = ResponseParser{started: true}
	p.cgi.Reset()
}

// Parse parses the head in buf into h, incrementally as http1.ParseHead
// (call again with the same bytes and more appended while done is false
// and err is nil). n is the length of the head when done.
//
// Neither nginx module ever keeps an SCGI or uwsgi connection, so h.ConnClose
// is always set. As in http1.ParseHead, an incomplete head in a full
// buffer (len(buf) == cap(buf)) is http1.ErrTooBig. For a CGI-style
// head h.ProtoMajor and h.ProtoMinor are 0.
func (p *ResponseParser) Parse(h *http1.ResponseHead, buf []byte) (n int, done bool, err error) {
	if !p.started {
		p.Reset()
		h.Reset()
	}
	if !p.cgiMode {
		n, done, err = http1.ParseHead(h, buf)
		if !errors.Is(err, http1.ErrNoValidHeader) {
			if done {
				h.ConnClose = true
			}
			return n, done, err
		}
		p.cgiMode = true
		h.Reset()
		p.cgi.Reset()
	}
	n, done, err = p.cgi.Parse(h, buf)
	if err != nil {
		return n, false, err
	}
	if done {
		h.ConnClose = true
		return n, true, nil
	}
	if len(buf) == cap(buf) {
		return n, false, http1.ErrTooBig
	}
	return n, false, nil
}

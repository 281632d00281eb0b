package cgi

import (
	"errors"
	"strings"

	"weir/internal/httpcore"
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

// Parser parses CGI-style header lines incrementally: the header-line
// grammar and framing checks are http1's (ParseFields), the choice of
// status is this package's. The zero value is ready for a first
// response; Reset prepares it for the next one.
type Parser struct {
	started bool
	done    bool
	pos     int
}

// Reset clears p for the next response.
func (p *Parser) Reset() {
	*p = Parser{started: true}
}

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
	n, done, err = http1.ParseFields(h, buf)
	if errors.Is(err, http1.ErrTooBig) {
		err = nil
	}
	if err != nil || !done {
		return n, false, err
	}
	if err := finish(h); err != nil {
		return n, false, err
	}
	p.done, p.pos = true, n
	return n, true, nil
}

// finish chooses the status as the PARSE_HEADER_DONE branch of
// ngx_http_fastcgi_process_header does: the first Status field, else 302
// for a Location, else 200.
func finish(h *http1.ResponseHead) error {
	status, loc := -1, -1
	for i, hd := range h.Headers {
		switch {
		case status < 0 && len(hd.Name) == 6 && httpcore.EqualFold(hd.Name, "status"):
			status = i
		case loc < 0 && len(hd.Name) == 8 && httpcore.EqualFold(hd.Name, "location"):
			loc = i
		}
	}
	switch {
	case status >= 0:
		v := h.Headers[status].Value
		code, ok := status3(v)
		if !ok {
			return &StatusError{Value: strings.Clone(v)}
		}
		// the whole value is the status line, a bare "404" too (nginx
		// 1.22 answers "HTTP/1.1 404"; the FastCGI module of later
		// versions adds the reason then)
		h.Status, h.StatusLine = code, v
	case loc >= 0:
		h.Status, h.StatusLine = 302, "302 Moved Temporarily"
	default:
		h.Status, h.StatusLine = 200, "200 OK"
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

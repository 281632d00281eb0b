package fastcgi

import (
	"weir/internal/proto/cgi"
	"weir/internal/proto/http1"
)

// HeadParser reads the head of a FastCGI response, as
// ngx_http_fastcgi_process_header does: STDERR pieces are handed to the
// caller to log, STDOUT content is gathered and parsed as a CGI head.
//
// It works in place in the caller's buffer (fastcgi_buffer_size): the
// STDOUT content is moved down over the record headers, padding and
// STDERR text before it, so a header line split across records needs no
// copy elsewhere (nginx copies such lines into a separate allocation),
// and the record framing and STDERR text do not count against the
// buffer. The zero value is ready; Reset prepares it for the next
// response.
type HeadParser struct {
	// Decoder holds the record state; after the head it continues with
	// the body (HeadResult.Raw and what is read later).
	Decoder Decoder

	cgi  cgi.Parser
	w    int // end of the gathered STDOUT content
	r    int // start of the bytes not decoded yet
	done bool
}

// HeadResult is what Parse found.
type HeadResult struct {
	// Buf is the buffer from now on: Parse may have moved bytes inside it
	// and shortened it. Read more bytes into Buf[len(Buf):cap(Buf)] and
	// call Parse with Buf extended by them.
	Buf []byte
	// Stderr is a piece of STDERR content (aliasing Buf) for the caller
	// to log (AppendStderrLog) and match against fastcgi_catch_stderr;
	// call Parse again with the same Buf to go on.
	Stderr []byte
	// Done reports that the head is complete; its strings alias Buf.
	Done bool
	// Body is the STDOUT content after the head that was in the same
	// records (aliasing Buf); Raw is the rest of Buf, not yet decoded:
	// pass it to Decoder.Decode. Both are set only when Done.
	Body, Raw []byte
}

// Reset clears p for the next response, keeping Decoder.ID.
func (p *HeadParser) Reset() {
	*p = HeadParser{Decoder: Decoder{ID: p.Decoder.ID}}
	p.cgi.Reset()
}

// Parse goes on with the head in buf. Errors: *RecordError,
// ErrStdoutClosed (an empty STDOUT record before the end of the head),
// the errors of cgi.Parser, and http1.ErrTooBig when the head does not
// fit in the buffer (len(Buf) == cap(Buf) without a complete head).
func (p *HeadParser) Parse(h *http1.ResponseHead, buf []byte) (HeadResult, error) {
	if p.done {
		return HeadResult{Buf: buf, Done: true}, nil
	}
	if p.w == 0 && p.r == 0 {
		p.cgi.Reset()
		h.Reset()
	}
	for p.r < len(buf) {
		n, f, err := p.Decoder.Decode(buf[p.r:])
		p.r += n
		if err != nil {
			return HeadResult{Buf: buf}, err
		}
		switch f.Type {
		case 0:
			if t := p.Decoder.pending(); t == TypeEndRequest {
				return HeadResult{Buf: buf}, &RecordError{Kind: Unexpected, Byte: t}
			}
		case TypeEndRequest:
			return HeadResult{Buf: buf}, &RecordError{Kind: Unexpected, Byte: TypeEndRequest}
		case TypeStderr:
			return HeadResult{Buf: buf, Stderr: f.Data}, nil
		case TypeStdout:
			if f.Data == nil {
				return HeadResult{Buf: buf}, ErrStdoutClosed
			}
			p.w += copy(buf[p.w:], f.Data)
			hn, done, err := p.cgi.Parse(h, buf[:p.w])
			if err != nil {
				return HeadResult{Buf: buf}, err
			}
			if done {
				p.done = true
				return HeadResult{Buf: buf, Done: true, Body: buf[hn:p.w], Raw: buf[p.r:]}, nil
			}
		}
	}
	// Move the undecoded bytes down to the gathered content.
	rest := copy(buf[p.w:], buf[p.r:])
	buf = buf[:p.w+rest]
	p.r = p.w
	if len(buf) == cap(buf) {
		return HeadResult{Buf: buf}, http1.ErrTooBig
	}
	return HeadResult{Buf: buf}, nil
}

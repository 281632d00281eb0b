package httpcore

import (
	"io"
	"os"
)

// NewSubResponse returns the Response of a subrequest (nginx's
// ngx_http_subrequest with a header-only or in-memory output): the
// handler writes it with the same calls as a client's response, and its
// fields then hold the status and header the handler set, but nothing
// goes to any connection. With keepBody the body bytes given to Write and
// SendFile are kept for Body (what ssi or addition need); without, they
// are dropped as for a header_only subrequest. The Response of a client's
// request is untouched by this: a subrequest's is a detached stream whose
// output is always dropped.
func NewSubResponse(keepBody bool) *Response {
	s := &stream{}
	s.req.impl.s = s
	s.resp.impl.s = s
	s.body.s = s
	s.out.s = s
	s.out.drop = true
	s.out.keep = keepBody
	s.req.ContentLength = -1
	w := &s.resp
	w.Status = 200
	w.ContentLength = -1
	return w
}

// Body returns the body a NewSubResponse(true) kept.
func (w *Response) Body() []byte { return w.impl.s.out.kept }

// keepFile reads a file part into a subrequest's kept body.
func (o *outWriter) keepFile(f *os.File, off, n int64) error {
	l := len(o.kept)
	o.kept = append(o.kept, make([]byte, n)...)
	m, err := f.ReadAt(o.kept[l:], off)
	o.kept = o.kept[:l+m]
	if int64(m) < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// SendAtFinish makes Finish send the last bytes at once rather than
// leave them for the wait for the next request (holdLast): the handler
// will still have work to do after the response is complete (nginx keeps
// a request whose background subrequests, mirror's, are running after
// its response went out).
func (w *Response) SendAtFinish() {
	w.impl.s.out.noHold = true
}

package static

import (
	"bytes"
	"io"
	"os"
	"time"

	"weir/internal/httpcore"
)

// fakeOut stands in for the engine: it runs OnHeader and snapshots the
// response fields when the header is "sent", and collects the body.
type fakeOut struct {
	w         *httpcore.Response
	sent      bool
	status    int
	ctype     string
	clen      int64
	lm        time.Time
	hdr       []httpcore.Header
	body      bytes.Buffer
	sendfiles int
}

func (o *fakeOut) WriteHeader() error {
	if o.sent {
		return nil
	}
	if o.w.OnHeader != nil {
		o.w.OnHeader(o.w)
	}
	o.sent = true
	o.status, o.ctype, o.clen, o.lm = o.w.Status, o.w.ContentType, o.w.ContentLength, o.w.LastModified
	o.hdr = append([]httpcore.Header(nil), o.w.Header...)
	return nil
}

func (o *fakeOut) Write(p []byte) (int, error) {
	o.WriteHeader()
	return o.body.Write(p)
}

func (o *fakeOut) SendFile(f *os.File, off, n int64) error {
	o.WriteHeader()
	o.sendfiles++
	m, err := io.Copy(&o.body, io.NewSectionReader(f, off, n))
	if err == nil && m < n {
		err = io.ErrUnexpectedEOF // as the engine reports a file cut short
	}
	return err
}

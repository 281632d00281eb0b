package static

import (
	"errors"
	"os"
)

// ErrOverlappedRanges is ServeFile's error for several ranges of a Body
// with a Prefix: nginx's multipart range filter takes a body in one
// buffer only and fails ("range in overlapped buffers") once the header
// is made; the caller drops the response and closes the connection.
var ErrOverlappedRanges = errors.New("range in overlapped buffers")

// Body is a response body made of bytes in memory followed by a part of
// the file, as the flv and mp4 modules send: Prefix, then the file's
// bytes from Start up to End.
type Body struct {
	Prefix     []byte
	Start, End int64
}

// Size is the length of the body.
func (b *Body) Size() int64 { return int64(len(b.Prefix)) + b.End - b.Start }

// sendPart sends n bytes of the response body from off: of the file,
// or of opt.Body when it is set.
func sendPart(out responder, f *os.File, off, n int64, opt *Options) error {
	b := opt.Body
	if b == nil {
		return sendBody(out, f, off, n, opt.Sendfile)
	}
	if p := int64(len(b.Prefix)); off < p {
		m := min(n, p-off)
		if _, err := out.Write(b.Prefix[off : off+m]); err != nil {
			return err
		}
		off, n = off+m, n-m
	}
	return sendBody(out, f, b.Start+off-int64(len(b.Prefix)), n, opt.Sendfile)
}

package httpd

import (
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"sync"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// gunzipHeader is ngx_http_gunzip_header_filter, run after add_header and
// userid, before the other body filters: with gunzip on, a response whose
// own Content-Encoding is exactly gzip (an upstream's, gzip_static's; not
// add_header's) earns gzip_vary's Vary, and for a client that may not get
// gzip (ngx_http_gzip_ok) its body is inflated: Content-Encoding,
// Content-Length and Accept-Ranges go and the ETag is made weak. own is
// how many fields of w.Header came before add_header; it shrinks with the
// field taken out. The filter returned goes first in w.Filters.
func (q *request) gunzipHeader(w *httpcore.Response, own *int) httpcore.BodyFilter {
	if !q.lc.Gunzip.V {
		return nil
	}
	ce := -1
	for i, h := range w.Header[:*own] {
		if httpcore.EqualFold(h.Name, "content-encoding") {
			ce = i
		}
	}
	if ce < 0 || !strings.EqualFold(w.Header[ce].Value, "gzip") {
		return nil
	}
	if q.lc.Gzip.Vary.V {
		w.GzipVary = true
	}
	if q.gzipOK(w) {
		return nil
	}
	w.Header = append(w.Header[:ce], w.Header[ce+1:]...)
	*own--
	fileLen := int64(-1)
	if !q.passedHeaders {
		fileLen = w.ContentLength
	}
	w.ContentLength = -1
	w.Header = withoutField(w.Header, "accept-ranges")
	w.Header = weakETag(w.Header)
	return &gunzipFilter{q: q, w: w, fileLen: fileLen}
}

// gunzipFilter inflates the body (gzip members one after another, as
// nginx's inflateReset at a member's end). Go's inflater pulls its
// input, so it runs on a goroutine of its own that Filter feeds piece by
// piece, waiting until the piece is used up; Close ends it.
type gunzipFilter struct {
	q       *request
	w       *httpcore.Response
	started bool
	in      chan []byte   // compressed pieces; closed at the end
	need    chan struct{} // the inflater used up a piece
	done    chan struct{} // the inflater ended
	mu      sync.Mutex
	out     []byte // inflated, not yet passed on
	ret     []byte // what Filter returned last
	err     error  // why the inflater ended early
	closed  bool
	failed  bool
	fileLen int64 // a file's length, else -1
	fed     int64 // the compressed bytes given so far
}

// gunzipReader is the inflater's side of the feed.
type gunzipReader struct {
	f     *gunzipFilter
	cur   []byte
	first bool
}

func (r *gunzipReader) Read(p []byte) (int, error) {
	if err := r.more(); err != nil {
		return 0, err
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

func (r *gunzipReader) ReadByte() (byte, error) {
	if err := r.more(); err != nil {
		return 0, err
	}
	c := r.cur[0]
	r.cur = r.cur[1:]
	return c, nil
}

// more waits for the next piece once the current one is used up.
func (r *gunzipReader) more() error {
	for len(r.cur) == 0 {
		if !r.first {
			r.f.need <- struct{}{}
		}
		r.first = false
		b, ok := <-r.f.in
		if !ok {
			return io.EOF
		}
		r.cur = b
	}
	return nil
}

// Write takes the inflater's output.
func (f *gunzipFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	f.out = append(f.out, p...)
	f.mu.Unlock()
	return len(p), nil
}

func (f *gunzipFilter) start() {
	f.started = true
	f.in, f.need, f.done = make(chan []byte), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(f.done)
		// one member at a time: Go's multistream reader holds a
		// member's last bytes until it has read the next header, and
		// the reader is a ByteReader so that none is read ahead
		r := &gunzipReader{f: f, first: true}
		zr, err := gzip.NewReader(r)
		for err == nil {
			zr.Multistream(false)
			if _, err = io.Copy(f, zr); err == nil {
				err = zr.Reset(r)
			}
		}
		if err != io.EOF {
			f.mu.Lock()
			f.err = err
			f.mu.Unlock()
		}
	}()
}

// Filter feeds p and returns what it inflated to.
func (f *gunzipFilter) Filter(p []byte) []byte {
	if f.failed || f.closed {
		return nil
	}
	if !f.started {
		f.start()
	}
	f.fed += int64(len(p))
	b := append([]byte(nil), p...)
	select {
	case f.in <- b:
		select {
		case <-f.need:
		case <-f.done:
		}
	case <-f.done:
	}
	return f.take(false)
}

// End inflates the rest once the body is complete.
func (f *gunzipFilter) End() []byte {
	if f.failed || f.closed {
		return nil
	}
	if !f.started {
		f.start()
	}
	close(f.in)
	f.closed = true
	<-f.done
	return f.take(true)
}

// take returns the inflated bytes. An inflater that failed ends the
// response cut short, with nginx's alert, without the bytes of the piece
// that failed (nginx does not pass on the output of a failed inflate()).
// A body that stops inside a member is passed on as far as it went.
func (f *gunzipFilter) take(last bool) []byte {
	f.mu.Lock()
	out, err := f.out, f.err
	f.out = f.ret[:0]
	f.ret = out
	f.mu.Unlock()
	if err == nil || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return out
	}
	f.failed = true
	flush := 0
	if last || (f.fileLen >= 0 && f.fed == f.fileLen) {
		// Z_FINISH: the last piece, which a file's body is sent in
		// with last_buf (an upstream's comes after its data)
		flush = 4
	}
	q := f.q
	action := " while sending response to client"
	if q.passedHeaders {
		action = " while sending to client"
	}
	// Z_DATA_ERROR; the header still held (postpone_output) goes too
	q.log().Logf(errlog.Error, q.r.Conn.ID, "inflate() failed: %d, %d%s%s", flush, -3, action, q.logSuffix())
	f.w.Abort(false)
	return nil
}

// Close stops the inflater of a response that ended before its body did.
func (f *gunzipFilter) Close() {
	if f.started && !f.closed {
		f.closed = true
		close(f.in)
		<-f.done
	}
}

package httpd

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// reqBody is the client's request body read in full before the first
// attempt (proxy_request_buffering on), so that every retry can send it
// again: in memory up to client_body_buffer_size, the rest in a temp file
// under client_body_temp_path, as ngx_http_read_client_request_body keeps
// it.
type reqBody struct {
	mem  []byte
	file *os.File
	size int64
	keep bool // client_body_in_file_only on: the file outlives the request
}

func (b *reqBody) close() {
	if b.file != nil {
		name := b.file.Name()
		b.file.Close()
		if !b.keep {
			os.Remove(name)
		}
		b.file = nil
	}
	b.mem = b.mem[:0]
	b.size = 0
	b.keep = false
}

// readBody reads the whole request body. On failure it answers the
// client (or closes the connection) as nginx does and reports false.
func (q *request) readBody(b *reqBody) bool {
	if q.main != nil || q.keptBody != nil {
		return q.keptRequestBody(b)
	}
	q.bodyHandled = true
	r := q.r
	inFile := q.lc.ClientBodyInFileOnly.V == "on" || q.lc.ClientBodyInFileOnly.V == "clean"
	// over HTTP/2 the client may now send all of a body at once
	r.BufferBody()
	if r.ContentLength == 0 || (r.ContentLength < 0 && !r.Chunked) {
		r.TestExpect()
		if inFile && r.ContentLength == 0 {
			// an empty body still gets its (empty) file
			return q.openBodyFile(b)
		}
		return true
	}
	limit := q.lc.ClientBodyBufSize.V
	if limit <= 0 {
		limit = 16 * 1024
	}
	if r.ContentLength > 0 && q.bodyInMemory(limit) {
		if cap(b.mem) < int(r.ContentLength) {
			b.mem = make([]byte, 0, r.ContentLength)
		}
	} else if cap(b.mem) < int(limit) {
		b.mem = make([]byte, 0, limit)
	} else {
		// a pooled buffer may be larger: the body spills at the limit
		b.mem = b.mem[:0:limit]
	}
	// A chunked body over HTTP/1.x is decoded in place in nginx's
	// buffer of client_body_buffer_size: it goes to a file once the
	// bytes read after the header, framing included, overflow it; what
	// came with the header stays in memory.
	wireLimit := int64(-1)
	if r.Chunked && !r.IsH2() {
		pre, _ := r.BodyPreread()
		wireLimit = int64(pre) + limit
	}
	body := r.Body()
	var chunk [32 * 1024]byte
	for {
		if wireLimit >= 0 && b.file == nil && len(b.mem) == cap(b.mem) {
			b.mem = slices.Grow(b.mem, len(chunk))
		}
		var p []byte
		if b.file == nil && len(b.mem) < cap(b.mem) {
			p = b.mem[len(b.mem):cap(b.mem)]
		} else {
			p = chunk[:]
		}
		n, err := body.Read(p)
		if n > 0 {
			if b.file == nil && len(b.mem) < cap(b.mem) {
				b.mem = b.mem[:len(b.mem)+n]
			} else {
				if b.file == nil {
					if !q.openBodyFile(b) {
						return false
					}
				}
				if _, werr := b.file.Write(p[:n]); werr != nil {
					q.log().Logf(errlog.Crit, q.r.Conn.ID, "write() \"%s\" failed %s%s", b.file.Name(), errlog.SysError(werr), q.logSuffix())
					q.respondStatus(500)
					return false
				}
			}
			b.size += int64(n)
		}
		if wireLimit >= 0 && b.file == nil && r.BodyBytes() > wireLimit && !q.openBodyFile(b) {
			return false
		}
		if err == io.EOF {
			if inFile && b.file == nil {
				// client_body_in_file_only: the body goes to its file
				// whatever its size
				return q.openBodyFile(b)
			}
			return true
		}
		if err != nil {
			q.bodyError(err)
			return false
		}
	}
}

// bodyInMemory reports whether a body of known length stays in memory,
// as ngx_http_read_client_request_body sizes its buffer: a body that
// came whole with the header, or whose rest fits in the header buffer
// after the part that came with it, or whose rest is under
// client_body_buffer_size plus a quarter (the buffer is then the rest's
// size); else the buffer is client_body_buffer_size and the body goes
// to a temp file as it fills. Over HTTP/2 (ngx_http_v2_read_request_body)
// a length up to client_body_buffer_size stays in memory.
func (q *request) bodyInMemory(size int64) bool {
	r := q.r
	n := r.ContentLength
	if r.IsH2() {
		return n <= size
	}
	preread, room := r.BodyPreread()
	rest := n - min(int64(preread), n)
	return rest == 0 || preread > 0 && rest <= int64(room) || rest < size+size>>2
}

// openBodyFile creates the temp file a large body spills to; nginx warns
// that it does so.
func (q *request) openBodyFile(b *reqBody) bool {
	f, err := q.createBodyTemp()
	if err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() temp file failed %s%s", errlog.SysError(err), q.logSuffix())
		q.respondStatus(500)
		return false
	}
	// ngx_http_update_location_config: a notice with
	// client_body_in_file_only, where the file is the point
	level := errlog.Warn
	switch q.lc.ClientBodyInFileOnly.V {
	case "on":
		level, b.keep = errlog.Notice, true
	case "clean":
		level = errlog.Notice
	}
	q.log().Logf(level, q.r.Conn.ID, "a client request body is buffered to a temporary file %s%s", f.Name(), q.logSuffix())
	if _, err := f.Write(b.mem); err != nil {
		f.Close()
		os.Remove(f.Name())
		q.respondStatus(500)
		return false
	}
	b.file = f
	return true
}

// createBodyTemp creates the next temp file under client_body_temp_path.
func (q *request) createBodyTemp() (*os.File, error) {
	dir := q.lc.ClientBodyTemp.V
	if !q.lc.ClientBodyTemp.Set {
		dir = filepath.Join(q.snap.Cfg.Prefix, "client_body_temp")
	}
	return createTempFile(dir, q.lc.ClientBodyTempLevels.V)
}

// readClientBody reads the client's body into px.client when what goes
// upstream is not it, unless a previous pass read it (then px.body).
func (q *request) readClientBody() bool {
	px := q.px
	if px.bodyRead {
		px.client, px.body = px.body, reqBody{mem: px.client.mem[:0]}
		px.bodyRead, px.clientRead = false, true
		return true
	}
	if px.clientRead {
		return true
	}
	if !q.readBody(&px.client) {
		return false
	}
	px.clientRead = true
	return true
}

// clientBody is the client's body read for an upstream, if any.
func (q *request) clientBody() *reqBody {
	if q.keptBody != nil {
		return q.keptBody
	}
	if px := q.px; px != nil && px.bodyRead {
		return &px.body
	} else if px != nil && px.clientRead {
		return &px.client
	}
	return nil
}

// requestBodyVar is $request_body (ngx_http_variable_request_body): the
// body read for an upstream when it is all in memory; not found when
// none was read or when it went to a temp file.
func (q *request) requestBodyVar() (string, bool) {
	b := q.clientBody()
	if b == nil || b.file != nil || int64(len(b.mem)) < b.size || q.r.ContentLength < 0 && !q.r.Chunked {
		// an empty body is "" (Content-Length: 0, a chunked "0"), no
		// body at all is not found
		return "", false
	}
	return string(b.mem[:b.size]), true
}

// requestBodyFileVar is $request_body_file
// (ngx_http_variable_request_body_file): the temp file's name when the
// body read for an upstream went to one.
func (q *request) requestBodyFileVar() (string, bool) {
	b := q.clientBody()
	if b == nil || b.file == nil {
		return "", false
	}
	return b.file.Name(), true
}

// bodyError answers a failed body read as nginx's
// ngx_http_read_client_request_body handlers do.
func (q *request) bodyError(err error) {
	q.w.KeepAlive = false
	switch {
	case errors.Is(err, httpcore.ErrBodyTimeout):
		// ngx_http_read_client_request_body_handler finalizes with 408
		// and logs nothing; the HTTP/2 handler says "client timed out"
		if q.r.Proto == "HTTP/2.0" {
			q.log().Logf(errlog.Info, q.r.Conn.ID, "client timed out (110: Connection timed out) while reading client request body%s", q.logSuffix())
		}
		q.status = 408
		q.closed = true
	case errors.Is(err, httpcore.ErrBadChunk):
		msg := q.r.ErrMsg
		if msg == "" {
			msg = "client sent invalid chunked body"
		}
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s", msg, q.logSuffix())
		q.respondStatus(400)
	case errors.Is(err, httpcore.ErrBodyMismatch):
		// an HTTP/2 body its content-length does not match
		q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s", q.r.ErrMsg, q.logSuffix())
		q.respondStatus(400)
	case errors.Is(err, httpcore.ErrBodyTooLarge):
		// the engine's text has nginx's counts: "...: 1024+576 bytes"
		msg := q.r.ErrMsg
		if msg == "" {
			msg = "client intended to send too large chunked body"
		}
		q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s", msg, q.logSuffix())
		q.respondStatus(413)
	case errors.Is(err, httpcore.ErrStreamReset):
		// the HTTP/2 client reset the stream: nginx logs the reset as
		// the frame comes, then its body handler gives up (499); a
		// stream weir ended (a connection error) has no reset line
		if q.r.ErrMsg != "" {
			q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s", q.r.ErrMsg, q.logSuffix())
		}
		q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s", httpcore.ErrStreamReset, q.logSuffix())
		q.status = 499
		q.closed = true
	default:
		// ngx_http_do_read_client_request_body: no action is set while
		// the body is read
		q.log().Logf(errlog.Info, q.r.Conn.ID, "client prematurely closed connection%s", q.logSuffix())
		q.status = 400
		q.closed = true
	}
}

// buffers appends the request head and the body to dst when the body is
// in memory.
func (b *reqBody) buffers(dst [][]byte, head []byte) ([][]byte, bool) {
	if b.file != nil {
		return dst, false
	}
	return append(dst, head, b.mem), true
}

// writeTo writes the request head and the buffered body to c, in one
// writev when the body is in memory (c must be the raw connection for
// that: net.Buffers falls back to one write per buffer otherwise).
func (b *reqBody) writeTo(c net.Conn, head []byte) (int64, error) {
	if b.file == nil {
		if len(b.mem) == 0 {
			n, err := c.Write(head)
			return int64(n), err
		}
		bufs := net.Buffers{head, b.mem}
		return bufs.WriteTo(c)
	}
	n, err := c.Write(head)
	if err != nil {
		return int64(n), err
	}
	if _, err := b.file.Seek(0, io.SeekStart); err != nil {
		return int64(n), err
	}
	m, err := io.Copy(c, b.file)
	return int64(n) + m, err
}

// tempNumber numbers temp files as nginx's ngx_temp_number does: one
// counter for the process, so names are 0000000001, 0000000002, ...
var tempNumber atomic.Uint32

// createTempFile is ngx_create_temp_file: a new file named by the next
// temp number (ten digits), skipping ahead when a name is taken. levels
// are the path's hashed subdirectories (ngx_create_hashed_filename: 1:2
// puts 0000000001 in dir/1/00/), made when missing, as the directory
// itself is (ngx_create_full_path).
func createTempFile(dir string, levels []int) (*os.File, error) {
	n := tempNumber.Add(1)
	for range 100 {
		name := tempFileName(dir, levels, n)
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrNotExist) {
			if os.MkdirAll(filepath.Dir(name), 0o700) == nil {
				f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
			}
		}
		if err == nil || !errors.Is(err, os.ErrExist) {
			return f, err
		}
		n = tempNumber.Add(1 + uint32(rand.IntN(1000)))
	}
	return nil, os.ErrExist
}

// tempFileName is the path of temp file number n: its ten digits under
// one directory a level, each named by the digits before the previous
// level's, from the end.
func tempFileName(dir string, levels []int, n uint32) string {
	var b [10]byte
	name := fmt.Appendf(b[:0], "%010d", n)
	path := make([]byte, 0, len(dir)+len(name)+2*len(levels)+8)
	path = append(path, dir...)
	end := len(name)
	for _, l := range levels {
		if l <= 0 || l > end {
			break
		}
		path = append(path, '/')
		path = append(path, name[end-l:end]...)
		end -= l
	}
	path = append(path, '/')
	return string(append(path, name...))
}

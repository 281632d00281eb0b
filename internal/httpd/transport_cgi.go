package httpd

import (
	"errors"
	"io"
	"net"
	"strings"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/proto/cgi"
	"weir/internal/proto/fastcgi"
	"weir/internal/proto/http1"
	"weir/internal/proto/memcached"
	"weir/internal/proto/scgi"
	"weir/internal/proto/uwsgi"
	"weir/internal/upstream"
	"weir/internal/vars"
)

// The gateway protocols: FastCGI, uwsgi and SCGI carry the request as
// CGI parameters (the *_param list, then the client's headers as HTTP_*),
// memcached as a key. Their answers are CGI-style heads (or, for uwsgi and
// SCGI, HTTP ones); FastCGI frames everything in records.

func init() {
	transports = append(transports, &fastcgiTransport, &uwsgiTransport, &scgiTransport, &memcachedTransport)
}

var fastcgiTransport = transport{
	pass:      func(lc *config.Loc) *config.Pass { return lc.FastCGI.Pass },
	conf:      func(lc *config.Loc) *config.UpstreamConf { return &lc.FastCGI.UpstreamConf },
	build:     (*request).buildFastCGI,
	reset:     (*request).resetGateway,
	write:     (*request).writeFastCGI,
	inMemory:  fastcgiInMemory,
	frameBody: stdinRecords,
	endBody:   stdinEnd,
	read:      (*request).readFastCGI,
	parse: func(q *request, h *http1.ResponseHead, buf []byte) (int, bool, error) {
		n, done, err := q.px.cgiHead.Parse(h, buf)
		return n, unchunked(h, done), err
	},
	untilEOF:  true,
	hidden:    cgi.HideHeaders,
	countsRaw: true,
	// without fastcgi_keep_conn the application closes the connection
	oneShot: func(lc *config.Loc) bool { return !lc.FastCGI.KeepConn.V },
}

// uwsgiTransport speaks TLS for a "suwsgi://" target with the
// uwsgi_ssl_* settings, through the proxy module's TLS client code.
var uwsgiTransport = func() transport {
	tr := gatewayTransport(
		func(lc *config.Loc) *config.Pass { return lc.UWSGI.Pass },
		func(lc *config.Loc) *config.UpstreamConf { return &lc.UWSGI.UpstreamConf },
		(*request).buildUWSGI)
	tr.tlsScheme = "suwsgi://"
	tr.ssl = func(lc *config.Loc) *config.UpstreamSSL { return &lc.UWSGI.UpstreamSSL }
	tr.hidden = uwsgiHidden
	return tr
}()

// uwsgiHidden is ngx_http_uwsgi_hide_headers: the FastCGI and SCGI list
// less Status, which the uwsgi module reads but passes on to the client.
var uwsgiHidden = func() []string {
	var out []string
	for _, h := range cgi.HideHeaders {
		if h != "Status" {
			out = append(out, h)
		}
	}
	return out
}()

var scgiTransport = gatewayTransport(
	func(lc *config.Loc) *config.Pass { return lc.SCGI.Pass },
	func(lc *config.Loc) *config.UpstreamConf { return &lc.SCGI.UpstreamConf },
	(*request).buildSCGI)

// gatewayTransport is uwsgi's and SCGI's transport: a request built by
// build, the body raw after it, and an answer head that is HTTP or
// CGI-style.
func gatewayTransport(pass func(*config.Loc) *config.Pass, conf func(*config.Loc) *config.UpstreamConf, build func(*request)) transport {
	return transport{
		pass:     pass,
		conf:     conf,
		build:    build,
		reset:    (*request).resetGateway,
		write:    func(q *request, c net.Conn) (int64, error) { return q.px.body.writeTo(c, q.px.reqHead) },
		inMemory: headAndBody,
		read:     func(q *request, c *upstream.Conn, p []byte) (int, error) { return c.Read(p) },
		parse: func(q *request, h *http1.ResponseHead, buf []byte) (int, bool, error) {
			n, done, err := q.px.respHead.Parse(h, buf)
			return n, unchunked(h, done), err
		},
		hidden: cgi.HideHeaders,
		// the application closes the connection after its answer
		oneShot: func(*config.Loc) bool { return true },
	}
}

// unchunked leaves a gateway answer's body as it comes: only the proxy
// module decodes a chunked body (ngx_http_proxy_chunked_filter); for
// FastCGI, uwsgi and SCGI "Transfer-Encoding: chunked" is checked with the
// other headers, then neither passed on nor acted upon, and the client
// gets the application's bytes, chunk framing and all, in weir's own
// framing. It returns done.
func unchunked(h *http1.ResponseHead, done bool) bool {
	if done {
		h.Chunked = false
	}
	return done
}

var memcachedTransport = transport{
	pass:         func(lc *config.Loc) *config.Pass { return lc.Memcached.Pass },
	conf:         func(lc *config.Loc) *config.UpstreamConf { return &lc.Memcached.UpstreamConf },
	build:        (*request).buildMemcached,
	reset:        (*request).resetGateway,
	write:        func(q *request, c net.Conn) (int64, error) { n, err := c.Write(q.px.reqHead); return int64(n), err },
	inMemory:     func(q *request, dst [][]byte) ([][]byte, bool) { return append(dst, q.px.reqHead), true },
	read:         (*request).readMemcached,
	parse:        (*request).parseMemcached,
	untilEOF:     true,
	intercept404: true,
	countsRaw:    true,
}

// gatewayState is what the gateway transports keep per request.
type gatewayState struct {
	params  [][2]string
	whole   bool // FastCGI: reqHead is the whole request
	fcgiDec fastcgi.Decoder
	raw     []byte // FastCGI: bytes read, not yet decoded
	rawBuf  []byte
	pending []byte // FastCGI: STDOUT data decoded, not yet handed out
	out     int64  // FastCGI: STDOUT bytes handed out after the head
	end     bool   // FastCGI: END_REQUEST seen; memcached: value and trailer read
	reuse   bool   // the protocol allows keeping the connection
	mcKey   string // memcached: the escaped key sent
	mcBody  memcached.Body
	mcHead  bool // memcached: the head line was parsed
	scratch []byte
	// mcKeyEmpty: $memcached_key is empty or unset
	mcKeyEmpty bool
	// headRec: FastCGI: the content and padding lengths of the first
	// STDOUT record, which the cache stores with the head as nginx does
	headRec [2]int
	// buffered: FastCGI: the body goes through the event pipe
	// (fastcgi_buffering), whose filter checks the end of stdout
	buffered bool
	// headRaw: FastCGI: the bytes read into nginx's header buffer (one
	// fastcgi_buffer_size for the records of the head); stdout: a
	// STDOUT record came
	headRaw int
	stdout  bool
}

// cgiParams collects the *_param values and, with *_pass_request_headers,
// the client's headers as HTTP_NAME (ngx_http_fastcgi_create_request and
// its twins): a header is left out when a param of that HTTP_ name was
// set; repeated headers are joined as nginx joins them.
func (q *request) cgiParams() [][2]string {
	px := q.px
	out := px.gw.params[:0]
	params := px.uc.Params.V
	for _, hp := range params {
		v := q.eval(hp.Value)
		if v == "" && hp.IfNotEmpty {
			continue
		}
		out = append(out, [2]string{hp.Name, v})
	}
	if px.uc.PassRequestHeaders.V {
	next:
		for i, h := range q.r.Headers {
			for _, hp := range params {
				if len(hp.Name) > 5 && strings.HasPrefix(hp.Name, "HTTP_") && cgiNameEq(hp.Name[5:], h.Name) {
					continue next
				}
			}
			for _, prev := range q.r.Headers[:i] {
				if httpcore.EqualFold(prev.Name, h.Name) {
					continue next // joined with the first
				}
			}
			name := "HTTP_" + cgiName(h.Name)
			v := h.Value
			for _, later := range q.r.Headers[i+1:] {
				if httpcore.EqualFold(later.Name, h.Name) {
					// repeated: joined as $http_NAME joins them
					if joined, ok := q.requestHeader(strings.ReplaceAll(strings.ToLower(h.Name), "-", "_")); ok {
						v = joined
					}
					break
				}
			}
			out = append(out, [2]string{name, v})
		}
	}
	px.gw.params = out
	return out
}

// cgiName is a header name as a CGI variable: upper case, "-" as "_".
func cgiName(h string) string {
	b := make([]byte, len(h))
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		case c == '-':
			c = '_'
		}
		b[i] = c
	}
	return string(b)
}

// cgiNameEq compares the tail of an HTTP_ param with a header name as
// nginx's params hash does (case-insensitive, "-" as "_").
func cgiNameEq(param, header string) bool {
	if len(param) != len(header) {
		return false
	}
	for i := 0; i < len(param); i++ {
		a, b := param[i], header[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if b == '-' {
			b = '_'
		}
		if a != b {
			return false
		}
	}
	return true
}

// resetGateway clears what a gateway transport read in an earlier
// attempt.
func (q *request) resetGateway() {
	px := q.px
	g := &px.gw
	g.fcgiDec.Reset()
	g.raw, g.pending, g.end, g.reuse, g.mcHead = nil, nil, false, false, false
	g.out, g.buffered, g.headRec = 0, false, [2]int{}
	g.headRaw, g.stdout = 0, false
	px.cgiHead.Reset()
	px.respHead.Reset()
}

// wholeBody is the largest body buildFastCGI puts in the request head
// (the STDIN records after the params), so that the whole request is
// one buffer: nginx's default client_body_buffer_size. A larger one is
// framed in a buffer of its own when sent, which the pooled request
// state does not keep.
const wholeBody = 16 * 1024

// buildFastCGI writes BEGIN_REQUEST and the PARAMS records and, when the
// body is in memory and small, the STDIN records too.
func (q *request) buildFastCGI() {
	px := q.px
	b := fastcgi.AppendBeginRequest(px.reqHead[:0], 1, q.lc.FastCGI.KeepConn.V)
	b, err := fastcgi.AppendParams(b, 1, q.cgiParams())
	if err != nil {
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "%s%s", err.Error(), q.logSuffix())
	}
	px.gw.whole = !px.stream && px.body.file == nil && len(px.body.mem) <= wholeBody
	if px.gw.whole {
		b = fastcgi.AppendStdin(b, 1, px.body.mem)
		b = fastcgi.AppendStdinEnd(b, 1)
	}
	px.reqHead = b
}

// fastcgiInMemory is the FastCGI transport's inMemory: the whole
// request, when buildFastCGI put it in the head.
func fastcgiInMemory(q *request, dst [][]byte) ([][]byte, bool) {
	if !q.px.gw.whole {
		return dst, false
	}
	return append(dst, q.px.reqHead), true
}

// writeFastCGI sends the head records and the body as STDIN records.
func (q *request) writeFastCGI(c net.Conn) (int64, error) {
	px := q.px
	b := px.reqHead
	if px.gw.whole {
		n, err := c.Write(b)
		return int64(n), err
	}
	if px.body.file == nil {
		// a body over wholeBody: its records go to a scratch buffer,
		// reqHead stays as built for a retry
		out := append(px.gw.scratch[:0], b...)
		out = fastcgi.AppendStdinEnd(fastcgi.AppendStdin(out, 1, px.body.mem), 1)
		px.gw.scratch = out
		n, err := c.Write(out)
		return int64(n), err
	}
	n, err := c.Write(b)
	if err != nil {
		return int64(n), err
	}
	if _, err := px.body.file.Seek(0, io.SeekStart); err != nil {
		return int64(n), err
	}
	m, err, ferr := copyFramed(c, px.body.file, stdinRecords, stdinEnd, 0)
	if ferr != nil {
		err = ferr
	}
	return int64(n) + m, err
}

// logStderr writes STDERR content to the error log as nginx does.
func (q *request) logStderr(data []byte) {
	msg := fastcgi.AppendStderrLog(nil, data)
	q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s%s", msg, q.px.recordAction(), q.logSuffix())
}

// stdinRecords and stdinEnd frame a request body for FastCGI.
func stdinRecords(dst, p []byte) []byte { return fastcgi.AppendStdin(dst, 1, p) }
func stdinEnd(dst []byte) []byte        { return fastcgi.AppendStdinEnd(dst, 1) }

// readFastCGI hands out STDOUT content: it reads records from c, logs
// STDERR as nginx does ("FastCGI sent in stderr: ..."), and reports
// io.EOF at END_REQUEST. Before the end of the head
// (ngx_http_fastcgi_process_header) the end of stdout and END_REQUEST
// make the answer invalid, and the connection closing is the upstream's
// premature close. After it, the connection closing ends the body as
// END_REQUEST does, except for the event pipe of a kept connection
// (fastcgi_keep_conn), which waits for a record; and the event pipe
// refuses an end of stdout short of the head's Content-Length.
func (q *request) readFastCGI(c *upstream.Conn, p []byte) (int, error) {
	px := q.px
	g := &px.gw
	for {
		if len(g.pending) > 0 {
			n := copy(p, g.pending)
			g.pending = g.pending[n:]
			if px.haveHead {
				g.out += int64(n)
			}
			return n, nil
		}
		if g.end {
			return 0, io.EOF
		}
		for len(g.raw) > 0 {
			n, f, err := g.fcgiDec.Decode(g.raw)
			g.raw = g.raw[n:]
			if err != nil {
				return 0, &gatewayError{err}
			}
			switch f.Type {
			case fastcgi.TypeStdout:
				g.stdout = true
				switch {
				case len(f.Data) > 0:
					if !px.haveHead && g.headRec[0] == 0 {
						cl, pl := g.fcgiDec.Remaining()
						g.headRec = [2]int{len(f.Data) + cl, pl}
					}
					g.pending = f.Data
				case !px.haveHead:
					return 0, errStdoutBeforeHead
				case g.buffered && px.head.ContentLength >= 0 && g.out+int64(px.hlen-px.hdone) < px.head.ContentLength &&
					px.head.Status != 204 && px.head.Status != 304 && px.method != "HEAD":
					// (ngx_http_fastcgi_input_filter_init gives a 204, a
					// 304 and a HEAD's answer no length to wait for)
					return 0, errFastCGIStdoutShort
				}
			case 0:
				if !px.haveHead && g.fcgiDec.StderrAhead() {
					// the read ended after a STDERR record's header:
					// nginx logs the content it has, none
					if !g.stdout {
						g.headRaw = 0
					}
					q.logStderr(nil)
				}
			case fastcgi.TypeStderr:
				if len(f.Data) > 0 {
					if !g.stdout && len(g.raw) == 0 {
						// stderr alone so far, all of it read: nginx
						// starts its header buffer over
						g.headRaw = 0
					}
					q.logStderr(f.Data)
					if !px.haveHead && q.catchStderr(fastcgi.TrimStderr(f.Data)) {
						// fastcgi_catch_stderr: an invalid answer
						return 0, errCaughtStderr
					}
				}
			case fastcgi.TypeEndRequest:
				if !px.haveHead {
					return 0, errEndBeforeHead
				}
				g.end = true
				g.reuse = len(g.raw) == 0 && q.lc.FastCGI.KeepConn.V
			}
			if len(g.pending) > 0 || g.end {
				break
			}
		}
		if len(g.pending) > 0 || g.end {
			continue
		}
		if cap(g.rawBuf) == 0 {
			g.rawBuf = make([]byte, 16*1024)
		}
		// records of a later read are logged "while reading upstream"
		// (only those that came with the header keep its action)
		px.stderrAction = ""
		buf := g.rawBuf[:cap(g.rawBuf)]
		if !px.haveHead {
			// nginx reads the records of the head into one
			// fastcgi_buffer_size buffer, their framing included
			room := len(px.hbuf) - g.headRaw
			if room <= 0 {
				return 0, errTooBigHead
			}
			buf = buf[:min(room, len(buf))]
		} else if !g.buffered {
			// unbuffered, nginx reads on into that buffer
			// (ngx_http_upstream_process_non_buffered_request): what
			// comes past a Content-Length is read as far as it reaches
			buf = buf[:min(len(px.hbuf), len(buf))]
		}
		n, err := c.Read(buf)
		if n > 0 {
			px.st.received += int64(n)
			g.raw = g.rawBuf[:n]
			g.headRaw += n
			continue
		}
		if err == io.EOF && px.haveHead && g.buffered && q.lc.FastCGI.KeepConn.V {
			return 0, errClosedEarly
		}
		if err != nil {
			return 0, err
		}
	}
}

// errCaughtStderr is stderr text fastcgi_catch_stderr names: the answer
// counts as an invalid header (the next server may be tried).
var errCaughtStderr = errors.New("fastcgi_catch_stderr")

// catchStderr reports whether a piece of stderr holds one of the
// fastcgi_catch_stderr strings.
func (q *request) catchStderr(p []byte) bool {
	for _, v := range q.lc.FastCGI.CatchStderr.V {
		if s := q.eval(v); s != "" && strings.Contains(string(p), s) {
			return true
		}
	}
	return false
}

// errClosedEarly is the connection closing in the middle of a body whose
// end the protocol marks: a memcached value and its "END", a buffered
// FastCGI body on a kept connection (fastcgi_keep_conn);
// errFastCGIStdoutShort is the end of stdout before the Content-Length of
// the head. The body is cut after what was read. Their text is nginx's
// log message.
var (
	errClosedEarly        = errors.New("upstream prematurely closed connection")
	errFastCGIStdoutShort = errors.New("upstream prematurely closed FastCGI stdout")
)

// errStdoutBeforeHead and errEndBeforeHead end a FastCGI answer whose head
// is not complete: an invalid header; so does errTooBigHead, a head whose
// records fill fastcgi_buffer_size.
var (
	errTooBigHead       = &gatewayError{errors.New("upstream sent too big header")}
	errStdoutBeforeHead = &gatewayError{errors.New("upstream prematurely closed FastCGI stdout")}
	errEndBeforeHead    = &gatewayError{errors.New("upstream sent unexpected FastCGI record: 3")}
)

// gatewayError is a protocol error found while reading (a bad record);
// its text is nginx's log message.
type gatewayError struct{ err error }

func (e *gatewayError) Error() string { return e.err.Error() }

// buildUWSGI writes the uwsgi packet of the params.
func (q *request) buildUWSGI() {
	px := q.px
	px.respHead.Reset()
	u := &q.lc.UWSGI
	b, err := uwsgi.AppendRequest(px.reqHead[:0], uint8(u.Modifier1.V), uint8(u.Modifier2.V), q.cgiParams())
	if err != nil {
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "%s%s", err.Error(), q.logSuffix())
	}
	px.reqHead = b
}

// buildSCGI writes the SCGI netstring of the params.
func (q *request) buildSCGI() {
	px := q.px
	px.respHead.Reset()
	n := px.body.size
	if !px.uc.PassRequestBody.V {
		// the client's Content-Length still goes (as nginx 1.22 does)
		n = 0
		if q.r.ContentLength > 0 {
			n = q.r.ContentLength
		}
	}
	px.reqHead = scgi.AppendRequest(px.reqHead[:0], n, q.cgiParams())
}

// buildMemcached writes "get KEY" for $memcached_key.
func (q *request) buildMemcached() {
	px := q.px
	key := ""
	if slot, ok := q.snap.Cfg.HTTP.Vars.Slot("memcached_key"); ok {
		key, _ = q.value(&vars.Part{Kind: vars.User, N: slot, Name: "memcached_key"})
	}
	px.gw.mcKeyEmpty = key == ""
	px.gw.mcKey = string(memcached.AppendKey(nil, key))
	px.gw.mcHead, px.gw.end = false, false
	px.reqHead = memcached.AppendGet(px.reqHead[:0], key)
}

// parseMemcached parses the first line of memcached's answer.
func (q *request) parseMemcached(h *http1.ResponseHead, buf []byte) (int, bool, error) {
	px := q.px
	mh, n, err := memcached.ParseHead(buf, px.gw.mcKey, uint64(q.lc.Memcached.GzipFlag.V))
	if err != nil || n == 0 {
		return 0, false, err
	}
	*h = http1.ResponseHead{Status: mh.Status, ContentLength: mh.ContentLength, Headers: h.Headers[:0]}
	if mh.Gzip {
		h.Headers = append(h.Headers, http1.Header{Name: "Content-Encoding", Value: "gzip"})
	}
	px.gw.mcHead = true
	if mh.Status == 404 {
		q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s%s", memcached.AppendNotFoundLog(nil, px.gw.mcKey), px.action, q.logSuffix())
		px.gw.end, px.gw.reuse = true, len(buf) == n
	} else {
		px.gw.mcBody.Init(mh.ContentLength)
	}
	return n, true, nil
}

// readMemcached reads a value and checks its trailer; what it reads
// counts in $upstream_bytes_received, the trailer too.
func (q *request) readMemcached(c *upstream.Conn, p []byte) (int, error) {
	px := q.px
	g := &px.gw
	if !g.mcHead {
		n, err := c.Read(p)
		px.st.received += int64(n)
		return n, err
	}
	for {
		if g.end {
			return 0, io.EOF
		}
		n, err := c.Read(p)
		if n > 0 {
			px.st.received += int64(n)
			data, done, ferr := g.mcBody.Filter(p[:n])
			if done {
				g.end = true
				g.reuse = ferr == nil
				if ferr != nil {
					q.log().Logf(errlog.Error, q.r.Conn.ID, "%s%s%s", ferr.Error(), px.action, q.logSuffix())
				}
			}
			if len(data) > 0 {
				return copy(p, data), nil
			}
			continue
		}
		if err == io.EOF {
			return 0, errClosedEarly
		}
		if err != nil {
			return 0, err
		}
	}
}

// memcachedFirst gives the body bytes that came with the head line to the
// value's filter (they are in the header buffer, not read through
// readMemcached); it runs in the header's action, as nginx's filter on
// them before the action changes.
func (q *request) memcachedFirst(in []byte) []byte {
	g := &q.px.gw
	data, done, err := g.mcBody.Filter(in)
	if done {
		g.end = true
		g.reuse = err == nil
		if err != nil {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "%s while reading response header from upstream%s", err.Error(), q.logSuffix())
		}
	}
	return data
}

// fastcgiSplit is ngx_http_fastcgi_split: fastcgi_split_path_info's two
// captures over the URI give the script name and the path info; without
// it, or when it does not match, the URI is the script name.
func (q *request) fastcgiSplit() (script, info string) {
	re := q.lc.FastCGI.SplitPathInfo.V
	if re == nil {
		return q.uri, ""
	}
	m := re.FindSubmatchIndex(q.uri, nil)
	if len(m) < 6 || m[2] < 0 {
		return q.uri, ""
	}
	script = q.uri[m[2]:m[3]]
	if m[4] >= 0 {
		info = q.uri[m[4]:m[5]]
	}
	return script, info
}

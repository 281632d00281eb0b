package difftest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// tc is one request case: the exact bytes sent on one connection and how
// many responses to read back.
type tc struct {
	name string
	req  string
	// parts, when set, are written one after another with a pause, to
	// test requests that arrive in pieces; req is then ignored.
	parts []string
	n     int  // responses expected; 0 means 1
	port  int  // 0: {{PORT}}, 1: {{PORT2}}
	head  bool // the responses have no body (HEAD)
	// keepOpen is set when the server keeps the connection after the
	// last response; the client then checks it is still open and closes.
	keepOpen    bool
	needNonRoot bool       // chmod-based: meaningless as root
	h2          bool       // sent over HTTP/2 instead (see overH2)
	tls         *tlsClient // sent over TLS (see overTLS)
	skip        string     // "known: ..." differences left in the suite
	// ownPage: a HEAD answered with a page of the site's own (error_page
	// to a file), not the server's built-in one: no footer to correct
	ownPage bool
	// hangUp: the client closes the connection right after its bytes,
	// reading nothing (a client that gives up in the middle of a body)
	hangUp bool
}

// get is a GET with Host: localhost and Connection: close; hdr are extra
// "Name: value" lines, and "Host: x" replaces the default host ("Host:"
// alone removes it).
func get(name, uri string, hdr ...string) tc { return req(name, "GET", uri, hdr...) }

// req is like get with another method.
func req(name, method, uri string, hdr ...string) tc {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, uri)
	host, conn := "localhost", "close"
	var rest []string
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "host":
			host = v // "" leaves the header out
			continue
		case "connection":
			conn = v
			continue
		}
		rest = append(rest, h)
	}
	if host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", host)
	}
	for _, h := range rest {
		b.WriteString(h + "\r\n")
	}
	if conn != "" {
		fmt.Fprintf(&b, "Connection: %s\r\n", conn)
	}
	b.WriteString("\r\n")
	return tc{name: name, req: b.String(), head: method == "HEAD", keepOpen: conn != "close"}
}

// raw is a case with exact request bytes.
func raw(name, bytes string) tc { return tc{name: name, req: bytes} }

// split is a case whose bytes arrive in several writes.
func split(name string, parts ...string) tc { return tc{name: name, parts: parts} }

// rawN is raw with n responses expected (pipelining, keep-alive).
func rawN(name string, n int, bytes string) tc { return tc{name: name, req: bytes, n: n} }

func (c tc) onPort2() tc         { c.port = 1; return c }
func (c tc) known(why string) tc { c.skip = "known: " + why; return c }
func (c tc) nonRoot() tc         { c.needNonRoot = true; return c }
func (c tc) keep() tc            { c.keepOpen = true; return c }
func (c tc) headOnly() tc        { c.head = true; return c }
func (c tc) sitePage() tc        { c.ownPage = true; return c }
func (c tc) hangup() tc          { c.hangUp = true; return c }

// response is one response as read off the wire.
type response struct {
	statusLine string
	header     [][2]string // in order, names as sent
	body       []byte      // chunked framing removed
	wire       int         // the body's bytes on the wire, framing included
}

func (r *response) get(name string) (string, bool) {
	for _, h := range r.header {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// exchange is what one connection gave back.
type exchange struct {
	resps  []*response
	tail   []byte // bytes after the last complete response
	closed bool   // the server closed the connection
	err    string // a read error other than EOF (reset)
}

// send writes the case's bytes to addr and reads the responses.
func send(c tc, addr string) *exchange {
	if c.h2 {
		return sendH2(c, addr)
	}
	ex := &exchange{}
	conn, err := dial(c, addr)
	if err != nil {
		ex.err = err.Error()
		return ex
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	// Writes may fail when the server answers and closes early (too
	// large headers); what it sent before is still read.
	if c.parts != nil {
		for i, p := range c.parts {
			if i > 0 {
				time.Sleep(30 * time.Millisecond)
			}
			conn.Write([]byte(p))
		}
	} else {
		conn.Write([]byte(c.req))
	}
	if c.hangUp {
		// let the server read the bytes before the close comes
		time.Sleep(100 * time.Millisecond)
		return ex
	}
	want := c.n
	if want == 0 {
		want = 1
	}
	var buf []byte
	tmp := make([]byte, 64<<10)
	for {
		// Parse what is there; stop once every response is complete and
		// the server is expected to keep the connection.
		resps, rest, complete := parseResponses(buf, c.head, false)
		if complete && finals(resps) >= want && !c.keepOpen {
			// Everything is in. The server may still linger before it
			// closes (after 413, or with keep-alive the case did not
			// ask for): take what else comes within a moment and stop.
			ex.resps = resps
			conn.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
			for {
				n, err := conn.Read(tmp)
				ex.tail = append(ex.tail, tmp[:n]...)
				if err != nil {
					ex.closed = err == io.EOF
					// more whole answers (to bytes the case did not
					// count as a request) are answers too, whether
					// they came with the first read or after it
					more, rest, _ := parseResponses(ex.tail, c.head, ex.closed)
					if len(more) > 0 {
						ex.resps, ex.tail = append(ex.resps, more...), rest
					}
					return ex
				}
			}
		}
		if complete && finals(resps) >= want && c.keepOpen {
			ex.resps, ex.tail = resps, rest
			// Still open? A short read that times out says yes.
			conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			n, err := conn.Read(tmp)
			if n > 0 {
				ex.tail = append(ex.tail, tmp[:n]...)
			}
			if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
				ex.closed = true
			}
			return ex
		}
		n, err := conn.Read(tmp)
		buf = append(buf, tmp[:n]...)
		if err != nil {
			if err != io.EOF {
				ex.err = err.Error()
				if errors.Is(err, os.ErrDeadlineExceeded) {
					ex.err = "timeout"
				}
			}
			ex.closed = err == io.EOF
			ex.resps, ex.tail, _ = parseResponses(buf, c.head, true)
			return ex
		}
	}
}

// finals counts the final responses (not 100 Continue).
func finals(resps []*response) int {
	n := 0
	for _, r := range resps {
		if !strings.HasPrefix(r.statusLine, "HTTP/1.1 1") {
			n++
		}
	}
	return n
}

// parseResponses splits buf into responses. A response without a length
// runs to the end of the data when eof is set; otherwise it is incomplete.
// complete says that buf ends exactly after the last response.
func parseResponses(buf []byte, head, eof bool) (resps []*response, rest []byte, complete bool) {
	for len(buf) > 0 {
		r, n, ok := parseResponse(buf, head, eof)
		if !ok {
			return resps, buf, false
		}
		resps = append(resps, r)
		buf = buf[n:]
	}
	return resps, nil, true
}

func parseResponse(buf []byte, head, eof bool) (*response, int, bool) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return nil, 0, false
	}
	lines := strings.Split(string(buf[:end]), "\r\n")
	r := &response{statusLine: lines[0]}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		r.header = append(r.header, [2]string{k, strings.TrimSpace(v)})
	}
	pos := end + 4
	code := 0
	if f := strings.Fields(r.statusLine); len(f) > 1 {
		code, _ = strconv.Atoi(f[1])
	}
	if head || code == 204 || code == 304 || code/100 == 1 {
		return r, pos, true
	}
	if te, _ := r.get("Transfer-Encoding"); strings.EqualFold(te, "chunked") {
		for {
			le := bytes.Index(buf[pos:], []byte("\r\n"))
			if le < 0 {
				return nil, 0, false
			}
			szText, _, _ := strings.Cut(string(buf[pos:pos+le]), ";")
			sz, err := strconv.ParseInt(strings.TrimSpace(szText), 16, 64)
			if err != nil || sz < 0 {
				// (a raw upstream answer passed through may have any)
				return nil, 0, false
			}
			pos += le + 2
			if sz == 0 {
				// trailers end with an empty line
				te := bytes.Index(buf[pos:], []byte("\r\n"))
				for te > 0 {
					// a trailer field is compared as a header "(trailer) Name"
					k, v, _ := strings.Cut(string(buf[pos:pos+te]), ":")
					r.header = append(r.header, [2]string{"(trailer) " + k, strings.TrimSpace(v)})
					pos += te + 2
					te = bytes.Index(buf[pos:], []byte("\r\n"))
				}
				if te < 0 {
					return nil, 0, false
				}
				r.wire = pos + 2 - (end + 4)
				return r, pos + 2, true
			}
			if int64(len(buf)-pos) < sz+2 {
				return nil, 0, false
			}
			r.body = append(r.body, buf[pos:pos+int(sz)]...)
			pos += int(sz) + 2
		}
	}
	if cl, ok := r.get("Content-Length"); ok {
		n, err := strconv.Atoi(cl)
		if err != nil || len(buf)-pos < n {
			if eof {
				r.body = buf[pos:]
				return r, len(buf), true
			}
			return nil, 0, false
		}
		r.body = buf[pos : pos+n]
		return r, pos + n, true
	}
	if !eof {
		return nil, 0, false
	}
	r.body = buf[pos:]
	return r, len(buf), true
}

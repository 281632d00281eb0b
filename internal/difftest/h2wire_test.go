package difftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTP/2 cases. A case built as an HTTP/1 request (get, req, postBody,
// postChunked, ...) and marked overH2 is sent instead with Go's HTTP/2
// client, in cleartext with prior knowledge, on a new connection: the
// request line gives :method and :path, Host gives :authority, the other
// header lines become header fields (lower-cased by the client), and the
// body goes in DATA frames, with its length when the HTTP/1 text had a
// Content-Length and without one (each chunk a write of a streamed body)
// when it was chunked. The response becomes the same exchange as an
// HTTP/1 one, with the status line "HTTP/2 <code>", so that render and
// the comparison apply unchanged.
//
// What Go's client does to every request, the same for both servers: it
// sends a content-length field for a body of known length (after the
// others), drops the connection-specific fields (Connection, Keep-Alive,
// Upgrade, Transfer-Encoding, Proxy-Connection), splits a Cookie into one
// field per cookie-pair, and sends the header fields in the order of a
// map iteration (its default user-agent is left out, as the HTTP/1 cases
// send none). A case whose result shows the order of more than one
// field name (a proxied request's echo) would not even be comparable
// with itself (see "field order" in TestH2Proxy).

// overH2 sends the case over HTTP/2 instead.
func (c tc) overH2() tc {
	c.h2 = true
	c.keepOpen = false
	return c
}

// withBody appends a body to the case's bytes (its header gives the
// length).
func (c tc) withBody(body string) tc {
	c.req += body
	return c
}

// h2Req is the HTTP/2 request of an h2 case.
type h2Req struct {
	method, uri, host string
	hdr               [][2]string
	body              []string // the DATA writes
	length            bool     // the body's length is known
}

// parseH2Case reads the HTTP/1 text of an h2 case.
func parseH2Case(c tc) (*h2Req, error) {
	text := c.req
	if c.parts != nil {
		text = strings.Join(c.parts, "")
	}
	head, rest, ok := strings.Cut(text, "\r\n\r\n")
	if !ok {
		return nil, errors.New("no end of header")
	}
	lines := strings.Split(head, "\r\n")
	f := strings.Fields(lines[0])
	if len(f) != 3 {
		return nil, fmt.Errorf("request line %q", lines[0])
	}
	r := &h2Req{method: f[0], uri: f[1], host: "localhost"}
	chunked := false
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "host":
			r.host = v
			continue
		case "content-length":
			r.length = true
			continue
		case "transfer-encoding":
			chunked = true
			continue
		case "connection":
			continue
		}
		r.hdr = append(r.hdr, [2]string{k, v})
	}
	switch {
	case chunked:
		for rest != "" {
			le := strings.Index(rest, "\r\n")
			if le < 0 {
				return nil, errors.New("bad chunk")
			}
			sz, err := strconv.ParseInt(rest[:le], 16, 32)
			if err != nil || int(sz)+le+4 > len(rest) {
				return nil, errors.New("bad chunk size")
			}
			if sz == 0 {
				break
			}
			r.body = append(r.body, rest[le+2:le+2+int(sz)])
			rest = rest[le+2+int(sz)+2:]
		}
	case r.length:
		r.body = []string{rest}
	case rest != "":
		return nil, errors.New("a body without Content-Length or chunked")
	}
	return r, nil
}

// sendH2 sends an h2 case to addr and reads the response, with the 1xx
// responses before it.
func sendH2(c tc, addr string) *exchange {
	ex := &exchange{}
	hr, err := parseH2Case(c)
	if err != nil {
		ex.err = "the case cannot be sent over HTTP/2: " + err.Error()
		return ex
	}
	var protos http.Protocols
	protos.SetUnencryptedHTTP2(true)
	tr := &http.Transport{
		Protocols: &protos,
		// the body and content-encoding as sent
		DisableCompression: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &finConn{Conn: c}, nil
		},
		ExpectContinueTimeout: time.Second,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// One connection, and one try: the Transport's own RoundTrip would
	// send the request again after some failures (a reset stream, the
	// connection closed before the response).
	cc, err := tr.NewClientConn(ctx, "http", addr)
	if err != nil {
		ex.err = h2Err(err)
		return ex
	}
	defer cc.Close()

	// :path exactly as the case has it, escapes and dot segments included
	u := &url.URL{Scheme: "http", Host: addr, Opaque: hr.uri}
	var body io.Reader
	var pw *io.PipeWriter
	if hr.length {
		body = strings.NewReader(hr.body[0])
	} else if hr.body != nil {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		body = pr
	}
	req, err := http.NewRequestWithContext(ctx, hr.method, "http://"+addr+"/", body)
	if err != nil {
		ex.err = err.Error()
		return ex
	}
	req.URL = u
	req.Host = hr.host
	// like the HTTP/1 cases, no user-agent unless the case sends one
	req.Header["User-Agent"] = nil
	for _, h := range hr.hdr {
		k := textproto.CanonicalMIMEHeaderKey(h[0])
		req.Header[k] = append(req.Header[k], h[1])
	}
	if pw != nil {
		req.ContentLength = -1
		go func() {
			for i, p := range hr.body {
				if i > 0 {
					time.Sleep(20 * time.Millisecond)
				}
				if _, err := pw.Write([]byte(p)); err != nil {
					return
				}
			}
			pw.Close()
		}()
	}
	trace := &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			ex.resps = append(ex.resps, h2Response(code, http.Header(h), nil))
			return nil
		},
	}
	resp, err := cc.RoundTrip(req.WithContext(httptrace.WithClientTrace(ctx, trace)))
	if err != nil {
		ex.err = h2Err(err)
		return ex
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		ex.err = h2Err(err)
	}
	ex.resps = append(ex.resps, h2Response(resp.StatusCode, resp.Header, b))
	return ex
}

// finConn closes as a well-behaved client does: FIN first, then what the
// server still sends (a WINDOW_UPDATE for a body it did not read, a
// GOAWAY) is read until it closes too. Closed with unread bytes, the
// socket would be reset, which nginx logs at info ("recv() failed (104:
// Connection reset by peer) while processing HTTP/2 connection") or not,
// depending on timing.
type finConn struct {
	net.Conn
	once sync.Once
}

func (c *finConn) Close() error {
	c.once.Do(func() {
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			tc.CloseWrite()
			tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
			io.Copy(io.Discard, tc)
		}
		c.Conn.Close()
	})
	return nil
}

// h2Response is a response as the HTTP/1 reader would have made it: the
// header fields by name (Go's client keeps them in a map: the order the
// server sent them in is lost, and render sorts them anyway), lower case
// as both servers send them, the values of one name in their order.
func h2Response(code int, h http.Header, body []byte) *response {
	r := &response{statusLine: "HTTP/2 " + strconv.Itoa(code), body: body}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			r.header = append(r.header, [2]string{strings.ToLower(k), v})
		}
	}
	return r
}

// h2CodeRe finds the error code name in net/http's messages.
var h2CodeRe = regexp.MustCompile(`\b(?:[A-Z]+_)*(?:ERROR|STREAM|CANCEL|CALM|REQUIRED)\b`)

// h2Err names what went wrong on the stream in words that do not depend
// on stream ids or addresses: the error code of a RST_STREAM or GOAWAY,
// or the kind of failure.
func h2Err(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	case strings.Contains(s, "GOAWAY"):
		if m := h2CodeRe.FindString(s); m != "" {
			return "GOAWAY " + m
		}
		return "GOAWAY"
	case strings.Contains(s, "stream error"):
		return "RST_STREAM " + h2CodeRe.FindString(s)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "unexpected EOF"
	case strings.Contains(s, "connection reset"):
		return "connection reset"
	}
	return s
}

// h2ErrLine is the line render adds for an h2 exchange whose response
// came but whose body failed.
func h2ErrLine(ex *exchange) string {
	return "[body error: " + ex.err + "]"
}

// h2LenRe finds $request_length and $bytes_sent in the formats that
// write them as rl=N and bs=N.
var h2LenRe = regexp.MustCompile(`\b(rl|bs)=(\d+)\b`)

// h2Lengths hides the numbers of $request_length and $bytes_sent of an
// HTTP/2 request, leaving whether they are positive. Deliberate: nginx
// counts the bytes of the frames; weir counts the request's HTTP/1.1
// rendering, and the response's header frames as sent and its body.
func h2Lengths(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = h2LenRe.ReplaceAllStringFunc(l, func(m string) string {
			k, v, _ := strings.Cut(m, "=")
			if n, _ := strconv.Atoi(v); n > 0 {
				return k + "=N"
			}
			return m
		})
	}
	return out
}

package difftest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"weir/internal/testnet"
)

// Upstream servers for the proxy cases. Each server under test gets its
// own set of backends (b0, b1, ...), raw TCP servers on 127.0.0.1, so that
// per-backend state (dead, failing) and the balancers' sequences are
// comparable; a pool can also be shared when the backends' addresses must
// be the same text for both (hash consistent).
//
// A backend reads one request at a time exactly as it arrived and by
// default answers 200 with a body that names it and echoes the request:
// the request line, the header lines in order and as sent, and the body.
// What it answers instead is chosen per request by "r=NAME" in the request
// line (a canned response, see canned), or per backend by a case (mode).

// canned responses, chosen by r=NAME anywhere in the request line.
// {{BODY}} is the echo, {{LEN}} its length, {{NAME}} the backend's name.
// The backend closes the connection after writing one.
var canned = map[string]string{
	"fine":     "HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"noreason": "HTTP/1.1 200\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"hidden": "HTTP/1.1 200 OK\r\nDate: Thu, 01 Jan 2015 00:00:00 GMT\r\nServer: upstream/9\r\nX-Pad: pad\r\n" +
		"X-Accel-Expires: 10\r\nX-Accel-Buffering: no\r\n" +
		"X-Powered-By: php\r\nX-Foo: foo\r\nX-Bar: bar\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"multi": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Foo: one\r\nX-Foo: two\r\nCache-Control: no-cache\r\n" +
		"Cache-Control: private\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: sid=xyz; Domain=backend.test; Path=/app/x\r\n" +
		"Content-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"cookies": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
		"Set-Cookie: a=1; domain=backend.test; path=/app/; HttpOnly\r\n" +
		"Set-Cookie: b=2; Domain=.backend.test; Path=/app\r\n" +
		"Set-Cookie: c=3; path=/other/deep; domain=other.test\r\n" +
		"Set-Cookie: d=4\r\n" +
		"Content-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"loc-self":     "HTTP/1.1 302 Found\r\nLocation: http://{{ADDR}}/app/next?x=1\r\nContent-Length: 0\r\n\r\n",
	"loc-group":    "HTTP/1.1 301 Moved Permanently\r\nLocation: http://grp/app/moved\r\nContent-Length: 0\r\n\r\n",
	"loc-other":    "HTTP/1.1 302 Found\r\nLocation: http://other.test/app/x\r\nRefresh: 5; url=http://{{ADDR}}/app/r\r\nContent-Length: 0\r\n\r\n",
	"loc-relative": "HTTP/1.1 302 Found\r\nLocation: /app/rel\r\nContent-Length: 0\r\n\r\n",
	"loc-201":      "HTTP/1.1 201 Created\r\nLocation: http://{{ADDR}}/app/new\r\nContent-Length: 3\r\n\r\nok\n",
	"ranged": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nETag: \"r1\"\r\nLast-Modified: Thu, 01 Jan 2015 00:00:00 GMT\r\n" +
		"Accept-Ranges: none\r\nX-Up: r\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s404":     "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nX-Up: 404\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s500":     "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s502":     "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s503":     "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nRetry-After: 5\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s403":     "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s429":     "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"s204":     "HTTP/1.1 204 No Content\r\nX-Up: 204\r\n\r\n",
	"s304":     "HTTP/1.1 304 Not Modified\r\nETag: \"abc\"\r\nX-Up: 304\r\n\r\n",
	"http10":   "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n{{BODY}}",
	"nolength": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{{BODY}}",
	"chunked": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\n7;ext=1\r\n, world\r\n1\r\n\n\r\n0\r\nX-Trailer: t\r\n\r\n",
	"badchunk": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\nzz\r\n",
	"xab-off": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Accel-Buffering: off\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\nzz\r\n",
	"xab-noyes": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Accel-Buffering: no\r\nX-Accel-Buffering: YES\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\nzz\r\n",
	"xab-yesno": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Accel-Buffering: yes\r\nX-Accel-Buffering: No\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\nhello\r\nzz\r\n",
	"garbage":      "HELLO THERE\r\n\r\n",
	"badheader":    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nBad Header Line\r\nContent-Length: 3\r\n\r\nok\n",
	"badheader2":   "HTTP/1.1 200 OK\r\nX-Ok: 1\r\n: empty name\r\nContent-Length: 3\r\n\r\nok\n",
	"badstatus":    "HTTP/1.1 abc OK\r\nContent-Length: 3\r\n\r\nok\n",
	"http09":       "just some bytes without a status line\n",
	"midbody":      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789",
	"midchunk":     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n0123456789",
	"headeronly":   "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n",
	"dupcl":        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nok\n",
	"overlong":     "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\nEXTRA BYTES",
	"xaccel-file":  "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /files/a.txt\r\nX-Foo: kept?\r\nContent-Type: text/html\r\nContent-Length: 6\r\n\r\nignore",
	"xaccel-named": "HTTP/1.1 200 OK\r\nX-Accel-Redirect: @named\r\nX-Foo: kept?\r\nContent-Length: 6\r\n\r\nignore",
	"xaccel-args":  "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /show?from=accel\r\nContent-Length: 0\r\n\r\n",
	"xaccel-proxy": "HTTP/1.1 200 OK\r\nX-Accel-Redirect: /internal-proxy/deep?q=1\r\nContent-Length: 0\r\n\r\n",
	"upvars": "HTTP/1.1 200 Fine\r\nContent-Type: text/plain\r\nX-Foo: foo-value\r\nSet-Cookie: name=cookieval; Path=/\r\n" +
		"Set-Cookie: other=2\r\nContent-Length: 4\r\n\r\nabc\n",
	"gzip": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\nVary: Accept-Encoding\r\nETag: \"e1\"\r\n" +
		"Last-Modified: Tue, 05 Mar 2024 06:07:08 GMT\r\nAccept-Ranges: bytes\r\nContent-Length: 4\r\n\r\nabc\n",
	"expires": "HTTP/1.1 200 OK\r\nExpires: Thu, 01 Jan 2015 00:00:00 GMT\r\nCache-Control: max-age=5\r\nContent-Length: 4\r\n\r\nabc\n",
	"upgrade": "HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nKeep-Alive: timeout=5\r\nX-Hop: hop\r\nUpgrade: foo\r\n" +
		"Trailer: X-T\r\nProxy-Authenticate: Basic\r\nContent-Length: 4\r\n\r\nabc\n",
	"te-identity": "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 4\r\n\r\nabc\n",
	"te-and-cl":   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n4\r\nabc\n\r\n0\r\n\r\n",
	"continue":    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {{LEN}}\r\n\r\n{{BODY}}",
	"ws":          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: xyz\r\n\r\nhello from the tunnel\n",
	"big":         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 30000\r\n\r\n{{BIGBODY}}",
	"bigheader":   "HTTP/1.1 200 OK\r\nX-Big: {{BIG}}\r\nContent-Length: 3\r\n\r\nok\n",
}

// Modes a case can give a backend for its duration.
const (
	modeEcho  = ""      // echo, or the canned response the request asks for
	modeDead  = "dead"  // listener closed: connections are refused
	modeHang  = "hang"  // reads the request and never answers
	modeClose = "close" // reads the request and closes
	modeReset = "reset" // reads the request and resets the connection
	// modeBlackhole listens with a full accept queue and never accepts:
	// connections neither succeed nor fail (proxy_connect_timeout).
	modeBlackhole = "blackhole"
)

// backend is one upstream server.
type backend struct {
	name string
	addr string

	mu    sync.Mutex
	ln    net.Listener
	mode  string // a mode constant, "canned:NAME" or "status:CODE"
	conns map[net.Conn]bool
	hits  int

	hole     int        // the blackhole socket, when > 0
	holeFill []net.Conn // the connections that fill its queue

	// finPending counts canned answers written whose FIN is not sent
	// yet: the next case waits for them, so that a proxy never takes
	// such a connection from its pool before the FIN could be seen (on
	// a busy machine the backend can be preempted between the two)
	finPending atomic.Int32
}

// bset is the backends of one server under test.
type bset struct {
	t  *testing.T
	bs []*backend
}

// pool starts the backend sets of a site lazily, one per server name (or
// one for both when shared).
type pool struct {
	n      int
	shared bool
	mu     sync.Mutex
	sets   map[string]*bset
}

func newPool(n int) *pool { return &pool{n: n, sets: map[string]*bset{}} }

// addrs is the site.backends hook.
func (p *pool) addrs(t *testing.T, name string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := name
	if p.shared {
		key = "shared"
	}
	set := p.sets[key]
	if set == nil {
		set = &bset{t: t}
		for i := 0; i < p.n; i++ {
			// a port of testnet's, not one of the kernel's: a case
			// closes the listener (modeDead) and expects its connects
			// refused, and a port of the ephemeral range, once free,
			// goes to the next bind to port 0 of any test, whose server
			// then takes the proxy's connect (and resets it)
			ln := testnet.Listen(t)
			b := &backend{name: fmt.Sprintf("b%d", i), addr: ln.Addr().String(), ln: ln, conns: map[net.Conn]bool{}}
			go b.serve(ln)
			set.bs = append(set.bs, b)
		}
		p.sets[key] = set
		t.Cleanup(set.close)
	}
	var out []string
	for _, b := range set.bs {
		out = append(out, b.addr)
	}
	return out
}

// set returns the backends of one server under test.
func (p *pool) set(name string) *bset {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shared {
		return p.sets["shared"]
	}
	return p.sets[name]
}

func (s *bset) close() {
	for _, b := range s.bs {
		b.setMode(s.t, modeDead)
		b.mu.Lock()
		for c := range b.conns {
			c.Close()
		}
		b.mu.Unlock()
	}
}

func (b *backend) setMode(t *testing.T, mode string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hole > 0 && mode != modeBlackhole {
		// The listener first: its queued connections are reset and do
		// not linger on the port.
		syscall.Close(b.hole)
		b.hole = 0
		for _, c := range b.holeFill {
			c.Close()
		}
		b.holeFill = nil
	}
	if (mode == modeDead || mode == modeBlackhole) && b.ln != nil {
		b.ln.Close()
		b.ln = nil
		if mode == modeDead {
			waitRefused(b.addr)
		}
	}
	if mode == modeBlackhole && b.hole == 0 {
		b.blackhole(t)
	}
	if mode != modeDead && mode != modeBlackhole && b.ln == nil {
		var ln net.Listener
		var err error
		// The port was ours a moment ago; retry briefly if the kernel
		// still holds it.
		for i := 0; i < 200; i++ {
			if ln, err = net.Listen("tcp", b.addr); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("restarting %s on %s: %v", b.name, b.addr, err)
		}
		b.ln = ln
		go b.serve(ln)
	}
	b.mode = mode
}

// waitRefused waits until connects to addr are refused. A listener's
// Close returns before its socket is closed when an Accept is under way
// (the accepting goroutine closes it as it wakes): a proxy's connect
// meanwhile would be accepted and then reset, where the case expects a
// refusal (nginx logged 'recv() failed (104)' on a busy machine).
func waitRefused(addr string) {
	for i := 0; i < 400; i++ {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
}

// blackhole listens on the backend's address with a backlog of 0 and
// fills the accept queue, so that the kernel drops further SYNs.
func (b *backend) blackhole(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	ta, _ := net.ResolveTCPAddr("tcp", b.addr)
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	for i := 0; ; i++ {
		if err = syscall.Bind(fd, sa); err == nil || i == 50 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		syscall.Close(fd)
		t.Fatalf("blackhole on %s: %v", b.addr, err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	b.hole = fd
	// Fill the queue until a connection attempt hangs.
	for i := 0; i < 4; i++ {
		c, err := net.DialTimeout("tcp", b.addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		b.holeFill = append(b.holeFill, c)
	}
	t.Fatalf("blackhole on %s: the accept queue does not fill", b.addr)
}

func (b *backend) serve(ln net.Listener) { acceptLoop(ln, &b.mu, b.conns, b.handle) }

// acceptLoop serves ln until it is closed: each connection is handled on
// a goroutine of its own and then closed; conns (guarded by mu) holds the
// open ones.
func acceptLoop(ln net.Listener, mu *sync.Mutex, conns map[net.Conn]bool, handle func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		conns[c] = true
		mu.Unlock()
		go func() {
			handle(c)
			c.Close()
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
		}()
	}
}

// rawRequest is a request as the backend read it.
type rawRequest struct {
	line    string
	headers []string // "Name: value" exactly as sent
	body    []byte   // chunked framing removed
	chunked bool
	chunks  []string // the sizes of the chunks, as sent
	close   bool
}

// readRequest reads one request: the head up to the empty line, then a
// body by Content-Length or chunked framing.
func readRequest(r *bufio.Reader) (*rawRequest, error) {
	req := &rawRequest{}
	for first := true; ; first = false {
		l, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			if first {
				continue
			}
			break
		}
		if first {
			req.line = l
		} else {
			req.headers = append(req.headers, l)
		}
	}
	cl := -1
	for _, h := range req.headers {
		k, v, _ := strings.Cut(h, ":")
		v = strings.TrimSpace(v)
		switch strings.ToLower(k) {
		case "content-length":
			cl, _ = strconv.Atoi(v)
		case "transfer-encoding":
			req.chunked = strings.EqualFold(v, "chunked")
		case "connection":
			req.close = strings.EqualFold(v, "close")
		}
	}
	if strings.HasSuffix(req.line, "HTTP/1.0") {
		req.close = true
		for _, h := range req.headers {
			if strings.EqualFold(h, "connection: keep-alive") {
				req.close = false
			}
		}
	}
	switch {
	case req.chunked:
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return nil, err
			}
			szText, _, _ := strings.Cut(strings.TrimSpace(l), ";")
			sz, err := strconv.ParseInt(szText, 16, 32)
			if err != nil {
				return nil, fmt.Errorf("bad chunk size %q", l)
			}
			req.chunks = append(req.chunks, szText)
			if sz == 0 {
				for {
					l, err := r.ReadString('\n')
					if err != nil {
						return nil, err
					}
					if strings.TrimSpace(l) == "" {
						break
					}
				}
				break
			}
			buf := make([]byte, sz+2)
			if _, err := io.ReadFull(r, buf); err != nil {
				return nil, err
			}
			req.body = append(req.body, buf[:sz]...)
		}
	case cl > 0:
		req.body = make([]byte, cl)
		if _, err := io.ReadFull(r, req.body); err != nil {
			return nil, err
		}
	}
	return req, nil
}

// echo is the body that describes what the backend received.
func (b *backend) echo(req *rawRequest) string {
	var sb strings.Builder
	sb.WriteString(b.name + "\n" + req.line + "\n")
	for _, h := range req.headers {
		sb.WriteString(h + "\n")
	}
	if req.chunked {
		// the chunks as framed: nginx passes an unbuffered body on as it
		// read it
		fmt.Fprintf(&sb, "[chunked %s]\n", strings.Join(req.chunks, ","))
	}
	if len(req.body) <= 200 {
		fmt.Fprintf(&sb, "[body %d: %q]\n", len(req.body), req.body)
	} else {
		fmt.Fprintf(&sb, "[body %d]\n", len(req.body))
	}
	return sb.String()
}

func (b *backend) handle(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		// A kept-alive connection waits for the proxy's next request
		// well past any case (a deadline running from the accept closed
		// busy connections under a request, and nginx, reusing one,
		// logged "upstream prematurely closed connection"). Once a
		// request begins, nothing a case does waits longer than 1.5 s
		// (a hanging backend, a body announced and never sent).
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := r.Peek(1); err != nil {
			return
		}
		c.SetDeadline(time.Now().Add(1500 * time.Millisecond))
		req, err := readRequest(r)
		if err != nil {
			return
		}
		b.mu.Lock()
		mode := b.mode
		b.hits++
		b.mu.Unlock()
		switch {
		case mode == modeHang:
			io.Copy(io.Discard, r) // until the proxy gives up
			return
		case mode == modeClose:
			return
		case mode == modeReset:
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			return
		}
		body := b.echo(req)
		name := ""
		if strings.HasPrefix(mode, "canned:") {
			name = mode[len("canned:"):]
		} else if i := strings.Index(req.line, "r="); i >= 0 {
			name = req.line[i+2:]
			if j := strings.IndexAny(name, "& "); j >= 0 {
				name = name[:j]
			}
		}
		if text, ok := canned[name]; ok {
			out := strings.NewReplacer(
				"{{BODY}}", body, "{{LEN}}", strconv.Itoa(len(body)), "{{NAME}}", b.name,
				"{{ADDR}}", b.addr, "{{BIG}}", strings.Repeat("x", 8000),
				"{{BIGBODY}}", strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz\n", 30000/37)+strings.Repeat("-", 30000%37),
			).Replace(text)
			b.finPending.Add(1)
			c.Write([]byte(out))
			// Let the proxy read it all before the close.
			if tc, ok := c.(*net.TCPConn); ok {
				tc.CloseWrite()
			}
			b.finPending.Add(-1)
			c.SetReadDeadline(time.Now().Add(time.Second))
			io.Copy(io.Discard, r)
			return
		}
		status := "200 OK"
		if strings.HasPrefix(mode, "status:") {
			status = mode[len("status:"):]
		}
		var out bytes.Buffer
		fmt.Fprintf(&out, "HTTP/1.1 %s\r\nContent-Type: text/plain\r\nX-Backend: %s\r\nContent-Length: %d\r\n", status, b.name, len(body))
		if req.close {
			out.WriteString("Connection: close\r\n")
		}
		out.WriteString("\r\n")
		if !strings.HasPrefix(req.line, "HEAD ") {
			out.WriteString(body)
		}
		if _, err := c.Write(out.Bytes()); err != nil || req.close {
			return
		}
	}
}

// pcase is a proxy case: a tc, and what the backends do meanwhile.
type pcase struct {
	tc
	modes map[int]string // backend index → mode; others echo
	wait  time.Duration  // pause before the case (fail_timeout windows)
}

// with sets backend modes for a case: with(c, 1, modeDead, 2, "status:503 X").
func with(c tc, kv ...any) pcase {
	p := pcase{tc: c, modes: map[int]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.modes[kv[i].(int)] = kv[i+1].(string)
	}
	return p
}

// pc wraps a plain case.
func pc(c tc) pcase { return pcase{tc: c} }

// getN is n requests on one keep-alive connection, each built by uri(i);
// the last one closes.
func getN(name string, n int, uri func(i int) string, hdr ...string) tc {
	var b strings.Builder
	for i := 0; i < n; i++ {
		conn := "Connection: keep-alive"
		if i == n-1 {
			conn = "Connection: close"
		}
		r := get("", uri(i), append(append([]string(nil), hdr...), conn)...)
		b.WriteString(r.req)
	}
	return rawN(name, n, b.String())
}

// same is a uri function for getN that sends the same URI every time.
func same(uri string) func(int) string { return func(int) string { return uri } }

// runProxy starts the pair with its backends and runs the cases in order.
func runProxy(t *testing.T, p *pool, st *site, cases ...pcase) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	st.backends = p.addrs
	ng, we := startPair(t, st)
	t.Run("startup error log", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			if c.wait > 0 {
				time.Sleep(c.wait)
			}
			// Each backend gets the case's mode (echo by default); one
			// already in that mode is left alone.
			for _, name := range []string{"nginx", "weir"} {
				for i, b := range p.set(name).bs {
					b.mu.Lock()
					cur := b.mode
					b.mu.Unlock()
					if m := c.modes[i]; m != cur {
						b.setMode(t, m)
					}
				}
			}
			for _, name := range []string{"nginx", "weir"} {
				for _, b := range p.set(name).bs {
					for end := time.Now().Add(2 * time.Second); b.finPending.Load() > 0 && time.Now().Before(end); {
						time.Sleep(time.Millisecond)
					}
				}
			}
			runCase(t, c.tc, ng, we)
			if os.Getenv("DIFFTEST_SHOW") != "" {
				for _, name := range []string{"nginx", "weir"} {
					var hits []string
					for _, b := range p.set(name).bs {
						b.mu.Lock()
						hits = append(hits, fmt.Sprintf("%s=%d", b.name, b.hits))
						b.mu.Unlock()
					}
					t.Logf("%s backend hits: %s", name, strings.Join(hits, " "))
				}
			}
		})
	}
}

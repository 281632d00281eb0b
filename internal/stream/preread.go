package stream

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"weir/internal/errlog"
)

// hello is what ssl_preread found in a ClientHello
// (ngx_stream_ssl_preread_ctx_t).
type hello struct {
	version    [2]byte
	serverName string
	alpn       string
}

// helloResult is a parse's outcome.
type helloResult int

const (
	helloAgain    helloResult = iota // more bytes needed
	helloOK                          // parsed: the variables are set
	helloDeclined                    // not a ClientHello: they are not found
)

// parseHello is ngx_stream_ssl_preread_handler over the bytes read so
// far: TLS records (type 22, major version 3) carry the handshake
// message, which may span several; an SSLv2-style ClientHello gives only
// its version.
func parseHello(b []byte) (*hello, helloResult) {
	h := &hello{}
	var msg []byte
	for len(b) >= 5 {
		if b[0]&0x80 != 0 && b[2] == 1 && (b[3] == 0 || b[3] == 3) {
			h.version = [2]byte{b[3], b[4]}
			return h, helloOK
		}
		if b[0] != 0x16 || b[1] != 3 {
			return nil, helloDeclined
		}
		n := int(b[3])<<8 | int(b[4])
		if len(b) < 5+n {
			break
		}
		msg = append(msg, b[5:5+n]...)
		b = b[5+n:]
		switch r := h.parse(msg); r {
		case helloOK:
			return h, r
		case helloDeclined:
			return nil, r
		}
	}
	// what the records read so far gave (nginx fills its context as it
	// parses)
	return h, helloAgain
}

// helloReader reads the fields of a handshake message within its
// declared length.
type helloReader struct {
	b    []byte
	left int // bytes of the message not read yet
	bad  bool
	more bool // the message goes on past the bytes at hand
}

func (r *helloReader) take(n int) []byte {
	if r.bad || r.more {
		return nil
	}
	if n > r.left {
		r.bad = true // ngx: "failed to parse handshake"
		return nil
	}
	if n > len(r.b) {
		r.more = true
		return nil
	}
	v := r.b[:n]
	r.b, r.left = r.b[n:], r.left-n
	return v
}

func (r *helloReader) u8() int {
	if v := r.take(1); v != nil {
		return int(v[0])
	}
	return 0
}

func (r *helloReader) u16() int {
	if v := r.take(2); v != nil {
		return int(v[0])<<8 | int(v[1])
	}
	return 0
}

// parse reads the ClientHello in msg (the handshake bytes so far).
func (h *hello) parse(msg []byte) helloResult {
	if len(msg) < 4 {
		return helloAgain
	}
	if msg[0] != 1 {
		return helloDeclined // not a client hello
	}
	r := &helloReader{b: msg[4:], left: int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3])}
	done := func() helloResult {
		switch {
		case r.bad:
			return helloDeclined
		case r.more:
			return helloAgain
		}
		return helloOK
	}
	if v := r.take(2); v != nil {
		h.version = [2]byte{v[0], v[1]}
	}
	r.take(32)
	r.take(r.u8())  // session id
	r.take(r.u16()) // cipher suites
	r.take(r.u8())  // compression methods
	if r.bad || r.more || r.left == 0 {
		return done()
	}
	r.take(2) // the extensions' length
	hostSet, alpnSet := false, false
	for !r.bad && !r.more && r.left > 0 {
		typ, size := r.u16(), r.u16()
		if r.bad || r.more {
			break
		}
		switch {
		case typ == 0 && !hostSet:
			ext := r.u16()
			head := r.take(3)
			if head == nil {
				break
			}
			if head[0] != 0 {
				return helloDeclined // SNI hostname type is not DNS
			}
			n := int(head[1])<<8 | int(head[2])
			if ext < 3+n {
				return helloDeclined // SNI format error
			}
			name := r.take(n)
			if name == nil && n > 0 {
				break
			}
			h.serverName, hostSet = string(name), true
			r.take(ext - 3 - n)
		case typ == 16 && !alpnSet:
			ext := r.u16()
			alpnSet = true
			var list []byte
			for !r.bad && !r.more {
				n := r.u8()
				if r.bad || r.more {
					break
				}
				if n == 0 || ext < 1+n {
					return helloDeclined // ALPN empty protocol / format error
				}
				ext -= 1 + n
				list = append(list, r.take(n)...)
				if ext == 0 {
					break
				}
				list = append(list, ',')
			}
			h.alpn = string(list)
		case typ == 43:
			// supported_versions: TLSv1.3 whatever it lists
			h.version = [2]byte{3, 4}
			r.take(r.u8())
		default:
			r.take(size)
		}
	}
	return done()
}

// protocol is $ssl_preread_protocol: SSL_get_version's names.
func (h *hello) protocol() string {
	switch h.version {
	case [2]byte{0, 2}:
		return "SSLv2"
	case [2]byte{3, 0}:
		return "SSLv3"
	case [2]byte{3, 1}:
		return "TLSv1"
	case [2]byte{3, 2}:
		return "TLSv1.1"
	case [2]byte{3, 3}:
		return "TLSv1.2"
	case [2]byte{3, 4}:
		return "TLSv1.3"
	}
	return ""
}

// preread is ngx_stream_core_preread_phase with the ssl_preread handler:
// the client's bytes are read into a buffer of preread_buffer_size until
// a ClientHello is parsed or found not to be one; what was read goes to
// the upstream first. It returns the status that ends the session, or 0
// to go on: 400 with "preread buffer full", 200 when the client closes or
// preread_timeout (a deadline for the whole phase) passes.
func (ss *session) preread() int {
	cf := ss.conf
	ss.action = "prereading client data"
	defer func() { ss.action = "" }()
	buf := make([]byte, cf.PrereadBufferSize)
	n := 0
	deadline := time.Now().Add(cf.PrereadTimeout)
	for {
		if n == len(buf) {
			ss.logf(errlog.Error, "preread buffer full")
			return 400
		}
		ss.c.SetReadDeadline(deadline)
		k, err := ss.c.Read(buf[n:])
		n += k
		if k > 0 {
			// the handler's context exists from the first bytes on:
			// the variables are empty, not "not found", until a
			// declined parse drops it
			h, r := parseHello(buf[:n])
			ss.hello = h
			if r != helloAgain {
				ss.first = buf[:n]
				ss.c.SetReadDeadline(time.Time{})
				return 0
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, net.ErrClosed) {
				ss.logf(errlog.Info, "recv() failed %s", errlog.SysError(err))
			}
			return 200
		}
	}
}

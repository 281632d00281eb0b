package tlsconf

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"weir/internal/errlog"
)

// Responder is an OCSP responder's URL as nginx reads it (ngx_parse_url
// after "http://", port 80 by default, the rest from "/" the URI).
type Responder struct {
	Host  string
	Port  int
	URI   string
	Addrs []string // host:port, resolved when the configuration was read; nil for a name left to resolve
}

// ParseResponder reads url; resolve looks a host name up now (nginx does
// for ssl_stapling_responder and ssl_ocsp_responder, not for the URLs of
// client certificates). The error is ngx_parse_url's u.err ("invalid
// port", "no host", "host not found"), or "invalid URL prefix" when url
// is not http://.
func ParseResponder(url string, resolve bool) (Responder, error) {
	if len(url) <= 7 || !strings.EqualFold(url[:7], "http://") {
		return Responder{}, errors.New("invalid URL prefix")
	}
	rest := url[7:]
	r := Responder{Port: 80, URI: "/"}
	hostport := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostport, r.URI = rest[:i], rest[i:]
	}
	host := hostport
	if strings.HasPrefix(hostport, "[") {
		end := strings.IndexByte(hostport, ']')
		if end < 0 {
			return r, errors.New("invalid host")
		}
		host = hostport[1:end]
		if p := hostport[end+1:]; p != "" {
			if p[0] != ':' {
				return r, errors.New("invalid host")
			}
			n, err := strconv.Atoi(p[1:])
			if err != nil || n < 1 || n > 65535 {
				return r, errors.New("invalid port")
			}
			r.Port = n
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host = hostport[:i]
		n, err := strconv.Atoi(hostport[i+1:])
		if err != nil || n < 1 || n > 65535 {
			return r, errors.New("invalid port")
		}
		r.Port = n
	}
	if host == "" {
		return r, errors.New("no host")
	}
	r.Host = host
	if ip := net.ParseIP(host); ip != nil {
		r.Addrs = []string{net.JoinHostPort(ip.String(), strconv.Itoa(r.Port))}
		return r, nil
	}
	if resolve {
		ips, err := net.LookupHost(host)
		if err != nil || len(ips) == 0 {
			return r, errors.New("host not found")
		}
		for _, ip := range ips {
			r.Addrs = append(r.Addrs, net.JoinHostPort(ip, strconv.Itoa(r.Port)))
		}
	}
	return r, nil
}

// ocspLog writes the log lines of one OCSP request as nginx's
// ngx_ssl_ocsp_log_error words them: " while requesting certificate
// status, responder: HOST[, peer: ADDR][, certificate: "NAME"]".
type ocspLog struct {
	log  *errlog.Logger
	conn uint64
	host string
	peer string
	name string // the certificate file (stapling only)
}

func (l *ocspLog) printf(lv errlog.Level, format string, args ...any) {
	if !l.log.Enabled(lv) {
		return
	}
	msg := fmt.Sprintf(format, args...) + " while requesting certificate status, responder: " + l.host
	if l.peer != "" {
		msg += ", peer: " + l.peer
	}
	if l.name != "" {
		msg += ", certificate: \"" + l.name + "\""
	}
	l.log.Log(lv, l.conn, msg)
}

// ocspBufferSize is nginx's response buffer: what is past it is lost.
const ocspBufferSize = 16384

// fetch is ngx_ssl_ocsp_request: the request as GET over HTTP/1.0 to each
// address in turn until one answers; it returns the status code (0 when
// none answered) and the body. resolver says whether a resolver is
// configured for names without addresses.
func (r *Responder) fetch(req []byte, timeout time.Duration, resolver bool, l *ocspLog) (int, []byte) {
	addrs := r.Addrs
	if net.ParseIP(r.Host) == nil {
		switch {
		case resolver:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			ips, err := net.DefaultResolver.LookupHost(ctx, r.Host)
			cancel()
			if err != nil || len(ips) == 0 {
				l.printf(errlog.Error, "%s could not be resolved (3: Host not found)", r.Host)
				return 0, nil
			}
			addrs = nil
			for _, ip := range ips {
				addrs = append(addrs, net.JoinHostPort(ip, strconv.Itoa(r.Port)))
			}
		case len(addrs) == 0:
			l.printf(errlog.Error, "no resolver defined to resolve %s", r.Host)
			return 0, nil
		default:
			l.printf(errlog.Warn, "no resolver defined to resolve %s", r.Host)
		}
	}
	text := r.requestText(req)
	for _, a := range addrs {
		l.peer = a
		if code, body, ok := r.try(a, text, timeout, l); ok {
			return code, body
		}
	}
	return 0, nil
}

// requestText is ngx_ssl_ocsp_create_request's GET: the URI, a "/", the
// base64 of the request escaped as a URI component, and Host.
func (r *Responder) requestText(req []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(req)
	var esc strings.Builder
	for i := 0; i < len(b64); i++ {
		c := b64[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			esc.WriteByte(c)
			continue
		}
		fmt.Fprintf(&esc, "%%%02X", c)
	}
	uri := r.URI
	if !strings.HasSuffix(uri, "/") {
		uri += "/"
	}
	return []byte("GET " + uri + esc.String() + " HTTP/1.0\r\nHost: " + r.Host + "\r\n\r\n")
}

// try asks one address; ok is false when the next one is to be tried
// (ngx_ssl_ocsp_next), each failure logged as nginx does.
func (r *Responder) try(addr string, text []byte, timeout time.Duration, l *ocspLog) (int, []byte, bool) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			// the connect is non-blocking: the refusal shows in the read
			l.printf(errlog.Error, "recv() failed %s", errlog.SysError(syscall.ECONNREFUSED))
			l.printf(errlog.Error, "OCSP responder prematurely closed connection")
		case errors.Is(err, os.ErrDeadlineExceeded) || isTimeout(err):
			l.printf(errlog.Error, "OCSP responder timed out (110: Connection timed out)")
		default:
			l.printf(errlog.Error, "connect() failed %s", errlog.SysError(err))
		}
		return 0, nil, false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := conn.Write(text); err != nil {
		if isTimeout(err) {
			l.printf(errlog.Error, "OCSP responder timed out (110: Connection timed out)")
		} else {
			l.printf(errlog.Error, "send() failed %s", errlog.SysError(err))
		}
		return 0, nil, false
	}
	buf := make([]byte, 0, ocspBufferSize)
	for len(buf) < ocspBufferSize {
		n, err := conn.Read(buf[len(buf):ocspBufferSize])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			if isTimeout(err) {
				l.printf(errlog.Error, "OCSP responder timed out (110: Connection timed out)")
			} else {
				l.printf(errlog.Error, "recv() failed %s", errlog.SysError(err))
				l.printf(errlog.Error, "OCSP responder prematurely closed connection")
			}
			return 0, nil, false
		}
	}
	code, body, msg := parseOCSPHTTP(buf)
	if msg != "" {
		l.printf(errlog.Error, "%s", msg)
		return 0, nil, false
	}
	return code, body, true
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseOCSPHTTP reads a responder's whole answer as nginx's status line
// and header parsers do; msg is the failure to log.
func parseOCSPHTTP(b []byte) (code int, body []byte, msg string) {
	const invalid = "OCSP responder sent invalid response"
	const closed = "OCSP responder prematurely closed connection"
	line, rest, ok := cutLine(b)
	if !ok {
		if validStatusPrefix(b) {
			return 0, nil, closed
		}
		return 0, nil, invalid
	}
	code, ok = parseStatusLine(line)
	if !ok {
		return 0, nil, invalid
	}
	for {
		h, r, ok := cutLine(rest)
		if !ok {
			return 0, nil, closed
		}
		rest = r
		if len(h) == 0 {
			return code, rest, ""
		}
		name, value, found := bytes.Cut(h, []byte(":"))
		if !validHeaderName(name) {
			return 0, nil, invalid
		}
		if !found {
			continue
		}
		value = bytes.Trim(value, " ")
		if bytes.EqualFold(name, []byte("Content-Type")) && !bytes.EqualFold(value, []byte("application/ocsp-response")) {
			return 0, nil, fmt.Sprintf("OCSP responder sent invalid \"Content-Type\" header: \"%s\"", value)
		}
	}
}

// cutLine splits off a line ending in LF (or CRLF).
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return nil, b, false
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:], true
}

// parseStatusLine is ngx_ssl_ocsp_parse_status_line: "HTTP/M.N CODE[ text]".
func parseStatusLine(l []byte) (int, bool) {
	s := string(l)
	if !strings.HasPrefix(s, "HTTP/") {
		return 0, false
	}
	s = s[5:]
	ver, after, ok := strings.Cut(s, " ")
	maj, min, dot := strings.Cut(ver, ".")
	if !ok || !dot || !digits(maj) || !digits(min) || maj[0] == '0' {
		return 0, false
	}
	after = strings.TrimLeft(after, " ")
	if len(after) < 3 || !digits(after[:3]) {
		return 0, false
	}
	if len(after) > 3 && after[3] != ' ' && after[3] != '.' {
		return 0, false
	}
	n, _ := strconv.Atoi(after[:3])
	return n, true
}

func validStatusPrefix(b []byte) bool {
	return bytes.HasPrefix([]byte("HTTP/"), b) || bytes.HasPrefix(b, []byte("HTTP/"))
}

func digits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// validHeaderName: letters, digits and "-", starting with a letter or digit.
func validHeaderName(n []byte) bool {
	if len(n) == 0 {
		return false
	}
	for i, c := range n {
		l := c | 0x20
		if l >= 'a' && l <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 {
			continue
		}
		return false
	}
	return true
}

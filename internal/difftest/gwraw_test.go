package difftest

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// rawGateway is an application server for FastCGI, uwsgi, SCGI and
// memcached that answers each request with exactly the bytes it asks
// for, framing included, so that the cases can send what PHP-FPM or uWSGI
// never would: a broken FastCGI record stream, a chunked body, a Status
// header to uwsgi. The protocol is told by the request's first byte.
// The request's QUERY_STRING says what to answer: r= the response (the
// head and body the application writes), and for FastCGI m= how its
// records end and e= a STDERR record sent first. memcached's answer is
// rawMemcached's value for the key. After writing, the server waits a
// moment before it closes, so that the close is an event of its own.
func rawGateway(t *testing.T) string {
	return cgitest.Serve(t, "tcp", "127.0.0.1:0", rawGatewayServe)
}

// rawMemcached are the answers of rawGateway to "get KEY".
var rawMemcached = map[string]string{
	"ok":     "VALUE ok 0 3\r\nabc\r\nEND\r\n",
	"short":  "VALUE short 0 10\r\nabc",
	"noend":  "VALUE noend 0 3\r\nabc\r\n",
	"long":   "VALUE long 0 3\r\nabcd\r\nEND\r\n",
	"two":    "VALUE two 0 3\r\nabc\r\nVALUE two 0 3\r\nabc\r\nEND\r\n",
	"endlf":  "VALUE endlf 0 3\r\nabc\r\nEND\n",
	"badlen": "VALUE badlen 0 x\r\nabc\r\nEND\r\n",
}

func rawGatewayServe(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	var params map[string]string
	var out []byte
	switch {
	case first[0] == 1:
		params = readFastCGIRequest(br)
		out = fastcgiAnswer(params)
	case first[0] >= '0' && first[0] <= '9':
		params = readSCGIRequest(br)
		out = []byte(queryParam(params, "r"))
	case first[0] == 'g':
		line, _ := br.ReadString('\n')
		key := strings.TrimSuffix(strings.TrimPrefix(line, "get "), "\r\n")
		out = []byte(rawMemcached[key])
	default:
		params = readUWSGIRequest(br)
		out = []byte(queryParam(params, "r"))
	}
	c.Write(out)
	time.Sleep(50 * time.Millisecond)
}

// rawGatewayURI is the URI under /loc/ that asks rawGateway for the
// response resp, with the extra arguments ("m=noend").
func rawGatewayURI(loc, resp string, extra ...string) string {
	u := "/" + loc + "/x?r=" + url.QueryEscape(resp)
	for _, e := range extra {
		u += "&" + e
	}
	return u
}

// queryParam is the value of name in the request's QUERY_STRING.
func queryParam(params map[string]string, name string) string {
	q, _ := url.ParseQuery(params["QUERY_STRING"])
	return q.Get(name)
}

// readFastCGIRequest reads records up to the empty STDIN record and
// returns the PARAMS.
func readFastCGIRequest(br *bufio.Reader) map[string]string {
	params, _ := readFastCGIKeep(br)
	return params
}

// readFastCGIKeep is readFastCGIRequest that also says whether the
// BEGIN_REQUEST asked to keep the connection (FCGI_KEEP_CONN).
func readFastCGIKeep(br *bufio.Reader) (_ map[string]string, keep bool) {
	var params []byte
	for {
		var h [8]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			return nil, false
		}
		n, pad := int(binary.BigEndian.Uint16(h[4:6])), int(h[6])
		body := make([]byte, n+pad)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, false
		}
		switch h[1] {
		case 1: // BEGIN_REQUEST
			keep = n > 2 && body[2]&1 != 0
		case 4: // PARAMS
			params = append(params, body[:n]...)
		case 5: // STDIN
			if n == 0 {
				return fastcgiPairs(params), keep
			}
		}
	}
}

func fastcgiPairs(b []byte) map[string]string {
	m := map[string]string{}
	length := func() int {
		if len(b) == 0 {
			return -1
		}
		if b[0] < 0x80 {
			n := int(b[0])
			b = b[1:]
			return n
		}
		if len(b) < 4 {
			return -1
		}
		n := int(binary.BigEndian.Uint32(b) & 0x7fffffff)
		b = b[4:]
		return n
	}
	for len(b) > 0 {
		kn, vn := length(), length()
		if kn < 0 || vn < 0 || kn+vn > len(b) {
			break
		}
		m[string(b[:kn])] = string(b[kn : kn+vn])
		b = b[kn+vn:]
	}
	return m
}

// fastcgiAnswer frames the response r= in records as m= says: "" the
// usual STDOUT, empty STDOUT, END_REQUEST; "noend" STDOUT only (the
// connection closes without the end of stdout or of the request);
// "emptyout" STDOUT and its end, no END_REQUEST; "noempty" STDOUT and
// END_REQUEST; "endonly" END_REQUEST alone. e= is sent first as STDERR,
// e2= as STDERR after the STDOUT data, bt= a bad record after them.
func fastcgiAnswer(params map[string]string) []byte {
	rec := func(dst []byte, typ byte, data string) []byte {
		dst = append(dst, 1, typ, 0, 1, byte(len(data)>>8), byte(len(data)), 0, 0)
		return append(dst, data...)
	}
	r, mode, e := queryParam(params, "r"), queryParam(params, "m"), queryParam(params, "e")
	var b []byte
	if e != "" {
		b = rec(b, 7, e)
	}
	if r != "" && mode != "endonly" {
		b = rec(b, 6, r)
	}
	if e2 := queryParam(params, "e2"); e2 != "" {
		b = rec(b, 7, e2)
	}
	if bt, err := strconv.Atoi(queryParam(params, "bt")); err == nil {
		// a record of another type (bt=11) or request id (bt=-2)
		b = rec(b, byte(max(bt, 0)), "bad")
		if bt < 0 {
			b[len(b)-10], b[len(b)-8] = 6, byte(-bt)
		}
	}
	if mode == "" || mode == "emptyout" {
		b = rec(b, 6, "")
	}
	if mode == "" || mode == "noempty" || mode == "endonly" {
		b = rec(b, 3, "\x00\x00\x00\x00\x00\x00\x00\x00")
	}
	return b
}

// readSCGIRequest reads the netstring of the headers (a GET has no body).
func readSCGIRequest(br *bufio.Reader) map[string]string {
	ns, err := br.ReadString(':')
	if err != nil {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(ns, ":"))
	if err != nil {
		return nil
	}
	body := make([]byte, n+1)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil
	}
	m := map[string]string{}
	f := strings.Split(string(body[:n]), "\x00")
	for i := 0; i+1 < len(f); i += 2 {
		m[f[i]] = f[i+1]
	}
	return m
}

// readUWSGIRequest reads the uwsgi packet of the variables.
func readUWSGIRequest(br *bufio.Reader) map[string]string {
	var h [4]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return nil
	}
	b := make([]byte, binary.LittleEndian.Uint16(h[1:3]))
	if _, err := io.ReadFull(br, b); err != nil {
		return nil
	}
	m := map[string]string{}
	str := func() (string, bool) {
		if len(b) < 2 {
			return "", false
		}
		n := int(binary.LittleEndian.Uint16(b))
		if 2+n > len(b) {
			return "", false
		}
		s := string(b[2 : 2+n])
		b = b[2+n:]
		return s, true
	}
	for len(b) > 0 {
		k, ok1 := str()
		v, ok2 := str()
		if !ok1 || !ok2 {
			break
		}
		m[k] = v
	}
	return m
}

// TestGatewayRaw compares what nginx and weir make of gateway answers a
// real application seldom sends: FastCGI record streams that end early or
// oddly (before or after the head, buffered or not, on kept connections),
// a chunked body from FastCGI, uwsgi and SCGI, a Status header from
// uwsgi, memcached values cut short or with a bad trailer.
func TestGatewayRaw(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	gw := rawGateway(t)
	q := rawGatewayURI
	const (
		ok      = "Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n"
		short   = "Status: 200 OK\r\nContent-Length: 100\r\n\r\nhello\n"
		long    = "Status: 200 OK\r\nContent-Length: 2\r\n\r\nlonger\n"
		partial = "Status: 200 OK\r\nContent-Type: te"
		chunked = "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
		status  = "Status: 201 Made\r\nX-A: 1\r\n\r\nmade\n"
	)
	cases := []tc{
		// before the end of the head
		get("fastcgi stderr then end of stdout", q("f", "", "m=emptyout", "e=only+stderr")),
		get("fastcgi end request before the head", q("f", "", "m=endonly")),
		get("fastcgi stderr and end request", q("f", "", "m=endonly", "e=oops")),
		get("fastcgi closed in the head", q("f", partial, "m=noend")),
		get("fastcgi end of stdout in the head", q("f", partial, "m=emptyout")),
		get("fastcgi closed with nothing", q("f", "", "m=noend")),
		// after it
		get("fastcgi closed without end request", q("f", ok, "m=noend")),
		get("fastcgi closed without end request, short", q("f", short, "m=noend")),
		get("fastcgi closed after end of stdout", q("f", ok, "m=emptyout")),
		get("fastcgi end of stdout short of the length", q("f", short, "m=emptyout")),
		get("fastcgi end request short of the length", q("f", short)),
		get("fastcgi end request without end of stdout, short", q("f", short, "m=noempty")),
		get("fastcgi unbuffered closed without end request", q("fb", ok, "m=noend")),
		get("fastcgi unbuffered end of stdout short of the length", q("fb", short, "m=emptyout")),
		get("fastcgi unbuffered end request short of the length", q("fb", short)),
		get("fastcgi unbuffered longer than the length", q("fb", long)),
		get("fastcgi keep conn closed without end request", q("fk", ok, "m=noend")),
		get("fastcgi keep conn end of stdout short of the length", q("fk", short, "m=emptyout")),
		get("fastcgi keep conn unbuffered closed without end request", q("fkb", ok, "m=noend")),
		// Transfer-Encoding from a gateway: checked, not decoded
		get("fastcgi chunked answer", q("f", chunked)),
		get("fastcgi unbuffered chunked answer", q("fb", chunked)),
		get("uwsgi chunked answer", q("u", chunked)),
		get("uwsgi unbuffered chunked answer", q("ub", chunked)),
		get("scgi chunked answer", q("s", chunked)),
		// uwsgi passes Status on, SCGI and FastCGI hide it
		get("uwsgi status header", q("u", status)),
		get("uwsgi two status headers", q("u", "Status: 404 A\r\nStatus: 500 B\r\n\r\nx")),
		get("uwsgi status header hidden", q("uh", status)),
		get("scgi status header", q("s", status)),
		get("fastcgi status header", q("f", status)),
		// a Status without a reason: the status line of uwsgi and
		// SCGI, FastCGI adds the reason
		get("uwsgi status without reason", q("u", "Status: 404\r\nX-A: 1\r\n\r\nnf\n")),
		get("scgi status without reason", q("s", "Status: 201\r\n\r\nmade\n")),
		get("fastcgi status without reason", q("f", "Status: 201\r\n\r\nmade\n")),
		// memcached
		get("memcached value", "/mc/?k=ok"),
		get("memcached value cut short", "/mc/?k=short"),
		get("memcached closed before END", "/mc/?k=noend"),
		get("memcached value longer than said", "/mc/?k=long"),
		get("memcached two values", "/mc/?k=two"),
		get("memcached END without CR", "/mc/?k=endlf"),
		get("memcached bad length", "/mc/?k=badlen"),
	}
	runSite(t, &site{
		backends: func(*testing.T, string) []string { return []string{gw} },
		http: `
    log_format gw '$status "$request" $body_bytes_sent "up=[$upstream_addr] st=[$upstream_status] len=[$upstream_response_length]"';
    upstream ka { server {{B0}}; keepalive 2; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log gw;
        location /f/ { fastcgi_param QUERY_STRING $query_string; fastcgi_pass {{B0}}; }
        location /fb/ { fastcgi_param QUERY_STRING $query_string; fastcgi_buffering off; fastcgi_pass {{B0}}; }
        location /fk/ { fastcgi_param QUERY_STRING $query_string; fastcgi_keep_conn on; fastcgi_pass ka; }
        location /fkb/ { fastcgi_param QUERY_STRING $query_string; fastcgi_keep_conn on; fastcgi_buffering off; fastcgi_pass ka; }
        location /u/ { uwsgi_param QUERY_STRING $query_string; uwsgi_pass {{B0}}; }
        location /ub/ { uwsgi_param QUERY_STRING $query_string; uwsgi_buffering off; uwsgi_pass {{B0}}; }
        location /uh/ { uwsgi_param QUERY_STRING $query_string; uwsgi_hide_header Status; uwsgi_pass {{B0}}; }
        location /s/ { scgi_param QUERY_STRING $query_string; scgi_pass {{B0}}; }
        location /mc/ { set $memcached_key $arg_k; memcached_pass {{B0}}; }
    }`,
		cases: cases,
	})
}

package httpd

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/vars"
)

// eval computes a complex value (ngx_http_complex_value).
func (q *request) eval(v *vars.Value) string {
	if v == nil {
		return ""
	}
	if s, ok := v.Static(); ok {
		return s
	}
	if len(v.Parts) == 1 {
		s, _ := q.value(&v.Parts[0])
		return s
	}
	// A part may evaluate a value of its own ($document_root of a
	// root with variables): the scratch buffer is taken while in use.
	b := q.buf[:0]
	q.buf = nil
	for i := range v.Parts {
		s, _ := q.value(&v.Parts[i])
		b = append(b, s...)
	}
	q.buf = b
	return string(b)
}

// value returns one part's text and whether the variable was found (an
// unset variable logs in the log format as "-").
func (q *request) value(p *vars.Part) (string, bool) {
	switch p.Kind {
	case vars.Lit:
		return p.Lit, true
	case vars.Capture:
		return q.capture(p.N), true
	case vars.User:
		if p.N < len(q.user) && q.userSet[p.N] {
			return q.user[p.N], true
		}
		if m, ok := q.snap.Cfg.HTTP.Vars.Map(p.N); ok {
			return q.mapValue(p.N, q.snap.Cfg.HTTP.Maps[m]), true
		}
		if q.snap.Cfg.HTTP.Vars.Captured(p.N) {
			// ngx_http_variable_not_found
			return "", false
		}
		// ngx_http_rewrite_var: warn, then the empty value is cached
		// like any other, so the request warns once and logs "".
		if q.lc != nil && q.lc.UninitVarWarn.V && q.log().Enabled(errlog.Warn) {
			q.log().Logf(errlog.Warn, q.r.Conn.ID, "using uninitialized \"%s\" variable%s", p.Name, q.logSuffix())
		}
		if p.N < len(q.user) {
			q.user[p.N], q.userSet[p.N] = "", true
		}
		return "", true
	case vars.Fam:
		if s := p.N - 1; s >= 0 && s < len(q.userSet) && q.userSet[s] {
			return q.user[s], true
		}
		return q.family(p)
	}
	return q.builtin(p.ID)
}

func (q *request) family(p *vars.Part) (string, bool) {
	switch p.Fam {
	case vars.FamHTTP:
		return q.requestHeader(p.Name)
	case vars.FamArg:
		return argValue(q.args, p.Name)
	case vars.FamCookie:
		return q.cookie(p.Name)
	case vars.FamSentHTTP:
		return q.sentHeader(p.Name)
	case vars.FamUpstreamHTTP:
		return q.upstreamHeader(p.Name)
	case vars.FamUpstreamCookie:
		return q.upstreamCookie(p.Name)
	case vars.FamProxyProtocolTLV:
		return q.proxyProtocolTLV(p.Name)
	case vars.FamUpstreamTrailer:
		// only the grpc module keeps an answer's trailers
		// (ngx_http_grpc_filter); the proxy module's chunked parser
		// drops those of an HTTP/1.1 answer
		if q.px == nil || q.px.tr != nil && q.px.tr.proxy && q.lc.Proxy.HTTPVersion.V != "2" {
			return "", false
		}
		for _, h := range q.px.trailers {
			if headerNameEq(h.Name, p.Name) {
				return h.Value, true
			}
		}
		return "", false
	}
	return "", false
}

// headerNameEq compares a header name with a variable suffix, where "_"
// stands for "-" (ngx_http_variable_unknown_header).
func headerNameEq(h, v string) bool {
	if len(h) != len(v) {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == '-' {
			c = '_'
		}
		if c != v[i] {
			return false
		}
	}
	return true
}

// requestHeader joins repeated headers as nginx 1.23+ does: "; " for
// Cookie, ", " for the rest.
func (q *request) requestHeader(name string) (string, bool) {
	var first string
	n := 0
	var b []byte
	sep := ", "
	if name == "cookie" {
		sep = "; "
	}
	for _, h := range q.r.Headers {
		if !headerNameEq(h.Name, name) {
			continue
		}
		switch n {
		case 0:
			first = h.Value
		case 1:
			b = append(b, first...)
			fallthrough
		default:
			b = append(b, sep...)
			b = append(b, h.Value...)
		}
		n++
	}
	switch n {
	case 0:
		return "", false
	case 1:
		return first, true
	}
	return string(b), true
}

// argValue finds an argument by name, ASCII case-insensitively
// (ngx_http_arg); a name without "=" is no argument.
func argValue(args, name string) (string, bool) {
	for args != "" {
		var kv string
		kv, args, _ = strings.Cut(args, "&")
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// cookie finds a cookie as ngx_http_parse_multi_header_lines does: the
// name, optional spaces, "=", optional spaces, then the value up to the
// next ";" (trailing spaces kept); an entry that does not match is
// skipped up to the next ";" or ",".
func (q *request) cookie(name string) (string, bool) {
	v, _, ok := q.findCookie(name)
	return v, ok
}

// findCookie is cookie that also returns the whole Cookie line the
// value came from.
func (q *request) findCookie(name string) (value, line string, found bool) {
	for _, h := range q.r.Headers {
		if !headerNameEq(h.Name, "cookie") {
			continue
		}
		c := h.Value
		for len(c) > 0 {
			if len(c) >= len(name) && strings.EqualFold(c[:len(name)], name) {
				rest := strings.TrimLeft(c[len(name):], " ")
				if len(rest) > 0 && rest[0] == '=' {
					v := strings.TrimLeft(rest[1:], " ")
					if i := strings.IndexByte(v, ';'); i >= 0 {
						v = v[:i]
					}
					return v, h.Value, true
				}
			}
			i := strings.IndexAny(c, ";,")
			if i < 0 {
				break
			}
			c = strings.TrimLeft(c[i+1:], " ")
		}
	}
	return "", "", false
}

func (q *request) sentHeader(name string) (string, bool) {
	w := q.w
	switch name {
	case "content_type":
		return w.ContentType, w.ContentType != ""
	case "content_length":
		if w.ContentLength >= 0 {
			return strconv.FormatInt(w.ContentLength, 10), true
		}
		return "", false
	case "last_modified":
		if !w.LastModified.IsZero() {
			return w.LastModified.UTC().Format(httpTime), true
		}
		return "", false
	case "connection":
		// ngx_http_set_keepalive clears r->keepalive before the request
		// is freed and logged: the log phase sees "close"
		if w.Status == 101 {
			return "upgrade", true
		}
		if w.KeepAlive && !q.logging {
			return "keep-alive", true
		}
		return "close", true
	case "keep_alive":
		if w.KeepAlive && !q.logging && w.KeepaliveHeader > 0 {
			return "timeout=" + strconv.Itoa(int(w.KeepaliveHeader/time.Second)), true
		}
		return "", false
	case "transfer_encoding":
		// ngx_http_variable_sent_transfer_encoding: r->chunked, set
		// by the chunked header filter (not for a subrequest)
		if q.main == nil && w.Chunked() {
			return "chunked", true
		}
		return "", false
	case "location":
		if w.Location != "" {
			return w.Location, true
		}
	}
	for _, h := range w.Header {
		if headerNameEq(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

const httpTime = "Mon, 02 Jan 2006 15:04:05 GMT"

func (q *request) builtin(id vars.ID) (string, bool) {
	r := q.r
	switch id {
	case vars.Host:
		if r.Host != "" {
			return r.Host, true
		}
		return q.serverName, true
	case vars.URI, vars.DocumentURI:
		// r->uri is set once the request line parsed, even when the
		// URI then proves invalid ("" then)
		return q.uri, r.LineDone || q.internal
	case vars.RequestURI:
		// r->unparsed_uri is set only for a valid URI
		return r.RawURI, r.LineDone && r.Path != ""
	case vars.Args, vars.QueryString:
		return q.args, q.args != "" || q.argsSet
	case vars.IsArgs:
		if q.args != "" {
			return "?", true
		}
		return "", true
	case vars.RemoteAddr, vars.RemotePort, vars.BinaryRemoteAddr, vars.RealipRemoteAddr, vars.RealipRemotePort:
		return q.remoteVar(id), true
	case vars.ProxyProtocolAddr, vars.ProxyProtocolPort, vars.ProxyProtocolServerAddr, vars.ProxyProtocolServerPort:
		return q.proxyProtocolVar(id)
	case vars.ServerAddr:
		if r.Conn.Unix {
			return "unix:", true
		}
		return r.Conn.Local.Addr().Unmap().String(), true
	case vars.ServerPort:
		if r.Conn.Unix {
			return "", true
		}
		return strconv.Itoa(int(r.Conn.Local.Port())), true
	case vars.ServerName:
		return q.serverName, true
	case vars.ServerProtocol:
		return r.Proto, true
	case vars.HTTP2:
		// "h2" over TLS, "h2c" in cleartext, empty for HTTP/1.x
		if r.Proto != "HTTP/2.0" {
			return "", true
		}
		if q.tlsConn() != nil {
			return "h2", true
		}
		return "h2c", true
	case vars.Scheme:
		return q.scheme(), true
	case vars.HTTPS:
		return q.sslVar(id)
	case vars.Request:
		// an HTTP/2 request refused before its request line was made
		// has none ("-" in the log, as nginx's)
		return r.RequestLine, r.RequestLine != "" || r.Proto != "HTTP/2.0"
	case vars.RequestMethod:
		return q.method, r.LineDone || q.methodSet
	case vars.RequestLength:
		return strconv.FormatInt(int64(r.HeaderLen)+r.BodyBytes(), 10), true
	case vars.RequestTime:
		start := r.Start
		if q.subStart != 0 {
			// ngx_http_subrequest: a subrequest's own start
			start = time.Unix(0, q.subStart)
		}
		d := q.h.Now().Sub(start)
		if d < 0 {
			d = 0
		}
		ms := d.Milliseconds()
		return strconv.FormatInt(ms/1000, 10) + "." + pad3(ms%1000), true
	case vars.RequestID:
		return q.requestID(), true
	case vars.Status:
		// ngx_http_variable_status: a status forced by error_page
		// (r->err_status) comes first.
		st := q.status
		if q.errStatus != 0 {
			st = q.errStatus
		}
		if st < 100 {
			// "%03ui": 000 when nothing was sent, 009 for HTTP/0.9
			return pad3(int64(st)), true
		}
		return strconv.Itoa(st), true
	case vars.GzipRatio:
		return q.gzipRatio()
	case vars.BodyBytesSent:
		return strconv.FormatInt(q.w.BodyBytesSent()+q.extraSent, 10), true
	case vars.BytesSent:
		return strconv.FormatInt(q.w.BytesSent()+q.extraSent, 10), true
	case vars.Msec:
		t := q.h.Now()
		ms := t.UnixMilli()
		return strconv.FormatInt(ms/1000, 10) + "." + pad3(ms%1000), true
	case vars.TimeLocal:
		return q.h.Now().Format("02/Jan/2006:15:04:05 -0700"), true
	case vars.DateLocal, vars.DateGMT:
		return q.ssiDate(id == vars.DateGMT)
	case vars.TimeISO8601:
		return q.h.Now().Format("2006-01-02T15:04:05-07:00"), true
	case vars.Connection:
		return strconv.FormatUint(r.Conn.ID, 10), true
	case vars.ConnectionRequests:
		return strconv.Itoa(r.Conn.Requests), true
	case vars.ContentType:
		return q.requestHeader("content_type")
	case vars.ContentLength:
		// ngx_http_variable_content_length: the header, else the
		// length the body filters found (0 after a discarded chunked
		// body)
		if v, ok := q.requestHeader("content_length"); ok {
			return v, true
		}
		if q.px != nil && q.r.Chunked && !q.px.stream && q.px.bodyLen >= 0 {
			// a chunked body read whole for an upstream: its length
			// (r->headers_in.content_length_n set by the body reader)
			return strconv.FormatInt(q.px.bodyLen, 10), true
		}
		if r.DiscardedChunked() {
			return "0", true
		}
		return "", false
	case vars.DocumentRoot:
		return q.documentRoot(), true
	case vars.RealpathRoot:
		root := q.documentRoot()
		p, err := filepath.EvalSymlinks(root)
		if err != nil {
			// ngx_http_variable_realpath_root
			q.log().Logf(errlog.Crit, q.r.Conn.ID, "realpath() \"%s\" failed %s%s", root, errlog.SysError(err), q.logSuffix())
			return "", false
		}
		return p, true
	case vars.RequestFilename:
		if q.aliasLost() {
			return "", false
		}
		return q.mapURI(), true
	case vars.PID:
		return strconv.Itoa(os.Getpid()), true
	case vars.Hostname:
		return q.snap.hostname, true
	case vars.NginxVersion:
		return Version, true
	case vars.ConnectionsActive, vars.ConnectionsReading, vars.ConnectionsWriting, vars.ConnectionsWaiting:
		return connectionsVar(id), true
	case vars.InvalidReferer:
		return q.invalidReferer()
	case vars.ModernBrowser, vars.AncientBrowser, vars.MSIE:
		return q.browserVar(id)
	case vars.SecureLink:
		return q.secureLink()
	case vars.SecureLinkExpires:
		return q.slExpires, q.slExpiresSet
	case vars.UIDGot, vars.UIDSet, vars.UIDReset:
		return q.uidVar(id)
	case vars.UpstreamCacheStatus:
		return q.cacheStatusVar()
	case vars.SliceRange:
		return q.sliceRange()
	case vars.UpstreamCacheLastModified:
		return q.cacheLastModifiedVar()
	case vars.UpstreamCacheETag:
		return q.cacheETagVar()
	case vars.LimitReqStatus:
		return limitStatusVar(q.limitReqStatus)
	case vars.GRPCInternalTrailers:
		return q.grpcInternalTrailers()
	case vars.LimitConnStatus:
		return limitStatusVar(q.limitConnStatus)
	case vars.LimitRate:
		// r->limit_rate: the location's limit_rate is taken at the
		// write filter's first call, after the header filters (0 in
		// add_header or return's text); set $limit_rate and
		// X-Accel-Limit-Rate set it at once
		if !q.limitRateSet && !q.w.HeaderSent() {
			return "0", true
		}
		return strconv.FormatInt(q.w.LimitRate, 10), true
	case vars.RemoteUser:
		user, _, ok := q.basicCredentials()
		return user, ok
	case vars.RequestBody:
		return q.requestBodyVar()
	case vars.RequestBodyFile:
		return q.requestBodyFileVar()
	case vars.Pipe, vars.ConnectionTime, vars.RequestCompletion,
		vars.TCPInfoRTT, vars.TCPInfoRTTVar, vars.TCPInfoSndCwnd, vars.TCPInfoRcvSpace:
		return q.connVar(id)
	case vars.UpstreamAddr, vars.UpstreamStatus, vars.UpstreamConnectTime, vars.UpstreamHeaderTime,
		vars.UpstreamResponseTime, vars.UpstreamResponseLength, vars.UpstreamBytesReceived, vars.UpstreamBytesSent:
		return q.upstreamVar(id)
	case vars.ProxyHost:
		// the proxy module's context: not found for the other passes
		if q.px == nil || q.px.tr == nil || !q.px.tr.proxy {
			return "", false
		}
		return q.px.host, true
	case vars.ProxyPort:
		if q.px == nil || q.px.tr == nil || !q.px.tr.proxy {
			return "", false
		}
		return q.px.port, true
	case vars.ProxyAddXForwardedFor:
		return q.proxyAddXForwardedFor(), true
	case vars.FastcgiScriptName:
		script, _ := q.fastcgiSplit()
		if strings.HasSuffix(script, "/") {
			// ngx_http_fastcgi_script_name_variable: a directory gets
			// fastcgi_index
			script += q.eval(q.lc.FastCGI.Index.V)
		}
		return script, true
	case vars.FastcgiPathInfo:
		_, info := q.fastcgiSplit()
		return info, true
	}
	return q.sslVar(id)
}

func pad3(n int64) string {
	s := strconv.FormatInt(n, 10)
	return "000"[:3-len(s)] + s
}

func (q *request) requestID() string {
	if q.reqID != "" {
		return q.reqID
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	q.reqID = hex.EncodeToString(b[:])
	return q.reqID
}

var _ httpcore.Header

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

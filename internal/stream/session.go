package stream

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpd"
	"weir/internal/limit"
	"weir/internal/proxyproto"
	"weir/internal/upstream"
	"weir/internal/vars"
)

// session is one client connection: nginx's ngx_stream_session_t.
type session struct {
	srv    *Server
	conf   *config.StreamServer
	listen *config.StreamListen
	c      net.Conn
	id     uint64
	start  time.Time

	client     netip.AddrPort
	clientText string // "127.0.0.1", "unix:"
	status     int

	received, sent atomic.Int64       // from / to the client
	first          []byte             // a UDP session's first datagram, or what the preread phase read
	hello          *hello             // what ssl_preread found (nil: not found)
	pp             *proxyproto.Header // a "listen ... proxy_protocol" header's addresses
	ppSent         bool               // a datagram session's first datagram has the proxy_protocol header
	proxying       bool               // the proxy handler runs: lines name the bytes moved
	adhoc          *upstream.Set      // a proxy_pass address's group of one, closed at the end

	// the connection's own client address when set_real_ip_from took
	// the PROXY protocol header's ($realip_remote_addr, _port)
	realip     bool
	realipAddr netip.AddrPort
	realipText string

	// limit_conn: the counts held, $limit_conn_status
	held        []limit.Held
	limitStatus int

	// variables: user ones by slot, the last regex match's captures
	user     map[int]string
	caps     []int
	capSrc   string
	varDepth int

	// the upstream side
	pick     upstream.Pick
	peer     *upstream.Peer
	up       net.Conn
	tried    []attempt
	upSent   atomic.Int64
	upRecv   atomic.Int64
	upAddr   string // the peer being connected to or proxied to ("" = none yet)
	action   string // "connecting to upstream", "proxying connection"
	closeMu  sync.Mutex
	aborted  bool
	lastSeen atomic.Int64 // unix nanos of the last byte moved either way
}

// attempt is one peer tried, for the $upstream_* lists.
type attempt struct {
	addr               string
	connect, firstByte time.Duration // -1 = none
	session            time.Duration
	sent, received     int64
}

func newSession(s *Server, c net.Conn, l *config.StreamListen) *session {
	// ngx_stream_init_connection's action, until a phase sets another
	ss := &session{srv: s, conf: l.Server, listen: l, c: c, start: time.Now(), status: 200, action: "initializing session"}
	ss.id = s.o.NextID()
	switch ra := c.RemoteAddr().(type) {
	case *net.TCPAddr:
		ss.client = ra.AddrPort()
	case *net.UDPAddr:
		ss.client = ra.AddrPort()
	}
	if ss.client.IsValid() {
		ss.client = netip.AddrPortFrom(ss.client.Addr().Unmap(), ss.client.Port())
		ss.clientText = ss.client.Addr().String()
	} else {
		ss.clientText = "unix:"
	}
	return ss
}

// logf logs a line about the session with nginx's stream context
// (ngx_stream_log_error, ngx_stream_proxy_log_error): the action, the
// client and server, and with an upstream its address and the bytes
// moved.
func (ss *session) logf(lv errlog.Level, format string, args ...any) {
	l := ss.log()
	if !l.Enabled(lv) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if ss.action != "" {
		msg += " while " + ss.action
	}
	msg += ", " + ss.udp() + "client: " + ss.clientText + ", server: " + ss.listen.Addr
	if ss.upAddr != "" {
		msg += ", upstream: \"" + ss.upAddr + "\""
	}
	if ss.proxying {
		msg += ss.bytes()
	}
	l.Log(lv, ss.id, msg)
}

// bytes is the ", bytes from/to client:A/B, bytes from/to upstream:C/D"
// nginx's proxy adds to its lines.
func (ss *session) bytes() string {
	return fmt.Sprintf(", bytes from/to client:%d/%d, bytes from/to upstream:%d/%d",
		ss.received.Load(), ss.sent.Load(), ss.upRecv.Load(), ss.upSent.Load())
}

// plain logs a line without the context, as nginx's lines logged with
// no action and no handler.
func (ss *session) plain(lv errlog.Level, format string, args ...any) {
	if l := ss.log(); l.Enabled(lv) {
		l.Log(lv, ss.id, fmt.Sprintf(format, args...))
	}
}

// log is the session's error log: its server's error_log, else the main
// one (ngx_stream_init_connection's ngx_set_connection_log).
func (ss *session) log() *errlog.Logger {
	if l := ss.srv.errLogs[ss.conf]; l != nil {
		return l
	}
	return ss.srv.log
}

func (ss *session) run() {
	defer ss.srv.end(ss)
	defer ss.zoneEnd(ss.zoneStart())
	ss.plain(errlog.Info, "%sclient %s connected to %s", ss.udp(), ss.c.RemoteAddr().String(), ss.listen.Addr)
	if ss.listen.UDP {
		ss.readFirst()
	}
	if ss.listen.ProxyProtocol && !ss.listen.UDP {
		if ss.status = ss.readProxyHeader(); ss.status != 0 {
			ss.finish()
			return
		}
	}
	ss.status = ss.handle()
	ss.finish()
}

// handle runs the phases: access, then the content handler (return or
// proxy_pass). It returns the session's status.
func (ss *session) handle() int {
	ss.realIP()
	ss.runSets()
	if status := ss.limitConn(); status != 0 {
		return status
	}
	if !ss.allowed() {
		return 403
	}
	if ss.conf.SSL != nil && ss.listen.SSL {
		if status := ss.handshake(); status != 0 {
			return status
		}
	}
	if ss.conf.SSLPreread && !ss.listen.UDP {
		if status := ss.preread(); status != 0 {
			return status
		}
	}
	ss.action = "" // ngx_stream_core_content_phase
	if ss.conf.Return != nil {
		ss.action = "returning text" // ngx_stream_return_handler
		text := ss.eval(ss.conf.Return)
		n, _ := io.WriteString(ss.c, text)
		ss.sent.Add(int64(n))
		return 200
	}
	return ss.proxy()
}

// allowed is ngx_stream_access_handler: the first rule that matches the
// client's address decides.
func (ss *session) allowed() bool {
	for _, r := range ss.conf.Access {
		match := r.All
		switch {
		case r.Unix:
			match = ss.clientText == "unix:"
		case !r.All:
			a := ss.client.Addr()
			if r.Net.Addr().Is4() && a.Is4In6() {
				a = a.Unmap()
			}
			match = ss.client.IsValid() && r.Net.Contains(a)
		}
		if !match {
			continue
		}
		if r.Deny {
			ss.logf(errlog.Error, "access forbidden by rule")
			return false
		}
		return true
	}
	return true
}

// abort closes both connections (CloseAll).
func (ss *session) abort() {
	ss.closeMu.Lock()
	ss.aborted = true
	up, c := ss.up, ss.c
	ss.closeMu.Unlock()
	c.Close()
	if up != nil {
		up.Close()
	}
}

// finish is ngx_stream_finalize_session: the access log, then the close.
func (ss *session) finish() {
	if ss.adhoc != nil {
		ss.adhoc.Close()
	}
	ss.c.Close()
	ss.closeMu.Lock()
	if ss.up != nil {
		ss.up.Close()
	}
	ss.closeMu.Unlock()
	ss.writeLogs()
	ss.releaseConns()
}

func (ss *session) writeLogs() {
	for _, al := range ss.conf.AccessLogs {
		w, p := ss.srv.logs[al], ss.srv.syslog[al]
		if w == nil && p == nil {
			continue
		}
		if al.If != nil {
			if v := ss.eval(al.If); v == "" || v == "0" {
				continue
			}
		}
		if p != nil {
			// ngx_stream_log_handler: header and line in one datagram
			if p.Send(append(p.AppendHeader(nil), ss.format(al.Format)...)) != nil {
				ss.logf(errlog.Warn, "send() to syslog failed")
			}
			continue
		}
		line := ss.format(al.Format)
		w.Write(append(line, '\n'))
	}
}

// proxy is ngx_stream_proxy_handler with ngx_stream_proxy_connect and
// ngx_stream_proxy_next_upstream: peers are tried until one accepts the
// connection, then bytes are moved both ways.
func (ss *session) proxy() int {
	cf := ss.conf
	ss.proxying = true
	u := cf.Upstream
	g := ss.srv.ups.Group(u)
	if cf.Pass != nil {
		if g = ss.target(); g == nil {
			return 500
		}
		u = g.Upstream
	}
	if g == nil {
		return 500
	}
	in := upstream.Input{Client: ss.client.Addr()}
	if key := ss.srv.cfg.HashKeys[u]; key != nil {
		in.Key = ss.eval(key)
	}
	g.Begin(&ss.pick, in)
	tries := cf.NextUpstreamTries
	for {
		ss.action = "connecting to upstream"
		peer, err := ss.pick.Next()
		if err != nil {
			ss.upAddr = g.Name
			ss.tried = append(ss.tried, attempt{addr: g.Name, connect: -1, firstByte: -1})
			ss.logf(errlog.Error, "no live upstreams")
			return 502
		}
		ss.peer = peer
		ss.upAddr = peer.Name
		at := attempt{addr: peer.Name, connect: -1, firstByte: -1}
		ss.tried = append(ss.tried, at)
		t0 := time.Now()
		up, err := ss.connect(peer)
		if err == nil && cf.ProxyProtocol {
			err = ss.sendProxyHeader(up)
		}
		if err == nil && cf.ProxySSL && !ss.listen.UDP {
			up, err = ss.upstreamTLS(up, g.Upstream.Name)
		}
		if err == nil {
			ss.tried[len(ss.tried)-1].connect = time.Since(t0)
			ss.closeMu.Lock()
			ss.up = up
			aborted := ss.aborted
			ss.closeMu.Unlock()
			if aborted {
				ss.pick.Free(peer, upstream.StateOK)
				return 200
			}
			if ss.listen.UDP {
				return ss.relayUDP(t0)
			}
			return ss.relay(t0)
		}
		ss.tried[len(ss.tried)-1].session = time.Since(t0)
		switch {
		case errors.Is(err, errLogged):
		case errors.Is(err, os.ErrDeadlineExceeded):
			ss.logf(errlog.Error, "upstream timed out (110: Connection timed out)")
		default:
			ss.logf(errlog.Error, "connect() failed %s", errlog.SysError(err))
		}
		if ss.pick.Free(peer, upstream.StateFailed) {
			ss.logf(errlog.Warn, "upstream server temporarily disabled")
		}
		ss.peer = nil
		if tries > 0 {
			tries--
		}
		timedOut := cf.NextUpstreamTimeout > 0 && time.Since(ss.start) >= cf.NextUpstreamTimeout
		if !cf.NextUpstream || ss.pick.Tries() == 0 || tries == 0 && cf.NextUpstreamTries > 0 || timedOut {
			return 502
		}
	}
}

// connect opens the connection to peer with proxy_connect_timeout and
// proxy_bind. Each attempt takes a connection number, as nginx's
// ngx_get_connection does.
func (ss *session) connect(peer *upstream.Peer) (net.Conn, error) {
	ss.srv.o.NextID()
	d := net.Dialer{Timeout: ss.conf.ConnectTimeout, KeepAlive: -1}
	if ss.conf.Bind != nil && peer.Network == "tcp" {
		if ip, err := netip.ParseAddr(strings.Trim(ss.eval(ss.conf.Bind), "[]")); err == nil {
			d.LocalAddr = &net.TCPAddr{IP: ip.AsSlice()}
		}
	}
	network := peer.Network
	if ss.listen.UDP && network == "tcp" {
		network = "udp"
		if ss.conf.Bind != nil && d.LocalAddr != nil {
			d.LocalAddr = &net.UDPAddr{IP: d.LocalAddr.(*net.TCPAddr).IP}
		}
	}
	c, err := d.Dial(network, peer.Addr)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil, os.ErrDeadlineExceeded
		}
		return nil, err
	}
	return c, nil
}

// relay is ngx_stream_proxy_process: bytes move both ways through
// buffers of proxy_buffer_size, at most proxy_upload_rate and
// proxy_download_rate per second, until a side closes (with
// proxy_half_close, until both have) or nothing moves for proxy_timeout.
func (ss *session) relay(t0 time.Time) int {
	cf := ss.conf
	ss.plain(errlog.Info, "proxy %s connected to %s", ss.up.LocalAddr().String(), ss.peer.Name)
	// taken while the action is still the connect's, as nginx does
	upRate, downRate := ss.rate(cf.UploadRate, cf.UploadRateVar), ss.rate(cf.DownloadRate, cf.DownloadRateVar)
	ss.action = "proxying connection"
	ss.touch()
	if len(ss.first) > 0 {
		// the preread data goes first
		ss.up.SetWriteDeadline(time.Now().Add(cf.Timeout))
		w, _ := ss.up.Write(ss.first)
		ss.upSent.Add(int64(w)) // not in \$bytes_received: nginx counts what the proxy reads
	}
	var wg sync.WaitGroup
	type result struct {
		fromUpstream bool
		err          error
		timeout      bool
	}
	results := make(chan result, 2)
	dir := func(src, dst net.Conn, fromUpstream bool, rate int64, count, countDst *atomic.Int64) {
		defer wg.Done()
		buf := make([]byte, cf.BufferSize)
		startSec := time.Now().Unix()
		var moved int64
		for {
			n := len(buf)
			if rate > 0 {
				// ngx_stream_proxy_process: a second's worth more than
				// the whole seconds gone by, then a pause after each read
				limit := rate*(time.Now().Unix()-startSec+1) - moved
				if limit <= 0 {
					time.Sleep(time.Duration(-limit*1000/rate+1) * time.Millisecond)
					ss.touch()
					continue
				}
				if int64(n) > limit {
					n = int(limit)
				}
			}
			src.SetReadDeadline(ss.deadline())
			k, err := src.Read(buf[:n])
			if k > 0 {
				if fromUpstream && ss.tried[len(ss.tried)-1].firstByte < 0 {
					ss.tried[len(ss.tried)-1].firstByte = time.Since(t0)
				}
				count.Add(int64(k))
				moved += int64(k)
				ss.touch()
				dst.SetWriteDeadline(time.Now().Add(cf.Timeout))
				w, werr := dst.Write(buf[:k])
				countDst.Add(int64(w))
				ss.touch()
				if werr != nil {
					results <- result{fromUpstream: !fromUpstream, err: werr}
					return
				}
				if rate > 0 {
					time.Sleep(time.Duration(int64(k)*1000/rate) * time.Millisecond)
				}
			}
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					if time.Since(time.Unix(0, ss.lastSeen.Load())) < cf.Timeout {
						continue
					}
					results <- result{fromUpstream: fromUpstream, timeout: true}
					return
				}
				if !errors.Is(err, io.EOF) {
					results <- result{fromUpstream: fromUpstream, err: err}
					return
				}
				// reported before the half close: the other side's end,
				// which the half close may bring, is then reported
				// second, and the session's line names it, as nginx's
				results <- result{fromUpstream: fromUpstream}
				if cf.HalfClose {
					if cw, ok := dst.(interface{ CloseWrite() error }); ok {
						cw.CloseWrite()
					}
				}
				return
			}
		}
	}
	wg.Add(2)
	go dir(ss.c, ss.up, false, upRate, &ss.received, &ss.upSent)
	go dir(ss.up, ss.c, true, downRate, &ss.upRecv, &ss.sent)
	first := <-results
	if !cf.HalfClose && !first.fromUpstream && !first.timeout && first.err == nil && peerEnded(ss.up) {
		// the upstream's end came first: its goroutine finishes
		// moving what it read, then reports it
		first = <-results
	}
	if cf.HalfClose && !first.timeout && first.err == nil {
		second := <-results
		first = second
	}
	ss.endRelay(t0, &wg, upstream.StateOK)
	if first.timeout {
		ss.logf(errlog.Info, "connection timed out (110: Connection timed out)")
	} else if !ss.aborted {
		side := "client"
		if first.fromUpstream {
			side = "upstream"
		}
		ss.plain(errlog.Info, "%s disconnected, %s", side, strings.TrimPrefix(ss.bytes(), ", "))
	}
	return 200
}

// endRelay closes both sides, waits for the copying goroutines, notes
// the peer's session time and bytes and frees the peer with state.
func (ss *session) endRelay(t0 time.Time, wg *sync.WaitGroup, state upstream.State) {
	ss.closeMu.Lock()
	ss.c.Close()
	ss.up.Close()
	ss.closeMu.Unlock()
	wg.Wait()
	last := &ss.tried[len(ss.tried)-1]
	last.session = time.Since(t0)
	last.sent, last.received = ss.upSent.Load(), ss.upRecv.Load()
	ss.pick.Group().AccountStream(ss.peer, last.sent, last.received, last.connect, last.firstByte, last.session)
	ss.pick.Free(ss.peer, state)
}

func (ss *session) touch() { ss.lastSeen.Store(time.Now().UnixNano()) }

func (ss *session) deadline() time.Time {
	return time.Unix(0, ss.lastSeen.Load()).Add(ss.conf.Timeout)
}

// eval evaluates a compiled value against the session.
// rate is ngx_stream_complex_value_size for proxy_upload_rate and
// proxy_download_rate: n, or v's value taken as a size; one that is not
// a size is logged and means no limit.
func (ss *session) rate(n int64, v *vars.Value) int64 {
	if v == nil {
		return n
	}
	text := ss.eval(v)
	if n = config.ParseSize(text); n < 0 {
		ss.logf(errlog.Error, "invalid size \"%s\"", text)
		return 0
	}
	return n
}

func (ss *session) eval(v *vars.Value) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	for _, p := range v.Parts {
		s, _ := ss.part(p)
		b.WriteString(s)
	}
	return b.String()
}

// format renders a log_format line with its escaping (ngx_stream_log_*).
func (ss *session) format(f *config.LogFormat) []byte {
	var b []byte
	for _, p := range f.Value.Parts {
		if p.Kind == vars.Lit {
			b = append(b, p.Lit...)
			continue
		}
		v, found := ss.part(p)
		switch {
		case f.Escape == "json":
			b = httpd.AppendJSONEscaped(b, v)
		case !found:
			b = append(b, '-')
		case f.Escape == "none":
			b = append(b, v...)
		default:
			b = httpd.AppendLogEscaped(b, v)
		}
	}
	return b
}

// variable is the stream module's variables (ngx_stream_variables.c,
// ngx_stream_upstream.c).
func (ss *session) variable(name string) (string, bool) {
	switch name {
	case "remote_addr":
		return ss.clientText, true
	case "binary_remote_addr":
		if !ss.client.IsValid() {
			return "", true
		}
		return string(ss.client.Addr().AsSlice()), true
	case "remote_port":
		if !ss.client.IsValid() {
			return "", true
		}
		return strconv.Itoa(int(ss.client.Port())), true
	case "server_addr", "server_port":
		var ap netip.AddrPort
		switch la := ss.c.LocalAddr().(type) {
		case *net.TCPAddr:
			ap = la.AddrPort()
		case *net.UDPAddr:
			ap = la.AddrPort()
		default:
			return "unix:", name == "server_addr"
		}
		if name == "server_port" {
			return strconv.Itoa(int(ap.Port())), true
		}
		return ap.Addr().Unmap().String(), true
	case "protocol":
		if ss.listen.UDP {
			return "UDP", true
		}
		return "TCP", true
	case "status":
		return strconv.Itoa(ss.status), true
	case "bytes_sent":
		return strconv.FormatInt(ss.sent.Load(), 10), true
	case "bytes_received":
		return strconv.FormatInt(ss.received.Load(), 10), true
	case "session_time":
		return msec(time.Since(ss.start)), true
	case "connection":
		return strconv.FormatUint(ss.id, 10), true
	case "hostname":
		return ss.srv.o.Hostname, true
	case "pid":
		return strconv.Itoa(os.Getpid()), true
	case "nginx_version":
		return ss.srv.o.Version, true
	case "msec":
		t := time.Now()
		return fmt.Sprintf("%d.%03d", t.Unix(), t.Nanosecond()/1e6), true
	case "time_local":
		return time.Now().Format("02/Jan/2006:15:04:05 -0700"), true
	case "time_iso8601":
		return time.Now().Format("2006-01-02T15:04:05-07:00"), true
	case "ssl_preread_server_name", "ssl_preread_protocol", "ssl_preread_alpn_protocols":
		if ss.hello == nil {
			return "", false
		}
		switch name {
		case "ssl_preread_server_name":
			return ss.hello.serverName, true
		case "ssl_preread_protocol":
			return ss.hello.protocol(), true
		}
		return ss.hello.alpn, true
	case "proxy_protocol_addr", "proxy_protocol_port", "proxy_protocol_server_addr", "proxy_protocol_server_port":
		return ss.proxyProtocolVar(name)
	case "realip_remote_addr", "realip_remote_port":
		return ss.realIPVar(name), true
	case "limit_conn_status":
		return limitNames[ss.limitStatus], ss.limitStatus != 0
	case "upstream_addr":
		return ss.list(func(a *attempt) string { return a.addr })
	case "ssl_protocol", "ssl_cipher", "ssl_ciphers", "ssl_curve", "ssl_curves", "ssl_session_id",
		"ssl_session_reused", "ssl_server_name", "ssl_alpn_protocol", "ssl_client_cert",
		"ssl_client_raw_cert", "ssl_client_escaped_cert", "ssl_client_s_dn", "ssl_client_i_dn",
		"ssl_client_serial", "ssl_client_fingerprint", "ssl_client_verify",
		"ssl_client_v_start", "ssl_client_v_end", "ssl_client_v_remain":
		return ss.sslVar(name)
	case "upstream_bytes_sent":
		return ss.list(func(a *attempt) string { return strconv.FormatInt(a.sent, 10) })
	case "upstream_bytes_received":
		return ss.list(func(a *attempt) string { return strconv.FormatInt(a.received, 10) })
	case "upstream_connect_time":
		return ss.list(func(a *attempt) string { return timing(a.connect) })
	case "upstream_first_byte_time":
		return ss.list(func(a *attempt) string { return timing(a.firstByte) })
	case "upstream_session_time":
		return ss.list(func(a *attempt) string { return msec(a.session) })
	}
	return ss.userVar(name)
}

func timing(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return msec(d)
}

func (ss *session) list(f func(a *attempt) string) (string, bool) {
	if len(ss.tried) == 0 {
		return "", false
	}
	parts := make([]string, len(ss.tried))
	for i := range ss.tried {
		parts[i] = f(&ss.tried[i])
	}
	return strings.Join(parts, ", "), true
}

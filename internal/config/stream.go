package config

import (
	"fmt"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// The stream module (ngx_stream_module, ngx_stream_core_module,
// ngx_stream_proxy_module, ngx_stream_upstream_module and the stream
// log, access and return modules): TCP and UDP load balancing. Its
// directives share names with the http ones (server, listen, proxy_pass,
// upstream, access_log, ...) with other meanings, so they live in tables of
// their own, looked up first inside a stream block; a name they do not
// have falls through to the main table, which refuses it as nginx does
// ("not allowed here" for an http directive, "unknown directive"
// otherwise). The upstream block and its balancers are the http ones
// (nginx's stream upstream module has the same shape); so are log_format,
// access_log and allow/deny, run on the stream block's own state.

// The stream contexts (NGX_STREAM_MAIN_CONF, NGX_STREAM_SRV_CONF,
// NGX_STREAM_UPS_CONF).
const (
	CtxStream Ctx = 1 << (24 + iota)
	CtxStreamServer
	CtxStreamUpstream

	ctxStreamMainSrv = CtxStream | CtxStreamServer
)

// Stream is the stream{} block.
type Stream struct {
	Servers   []*StreamServer
	Upstreams []*Upstream
	// Listens are the sockets: one per protocol and address, in order.
	Listens    []*StreamListen
	LogFormats map[string]*LogFormat
	// HashKeys are the keys of the groups balanced by "hash $key".
	HashKeys map[*Upstream]*vars.Value
	// Vars are the variables map, geo, split_clients and set declare
	// (by name, as the stream module knows variables); Maps the blocks
	// computing them (the http module's Map, Vars.Map indexes it).
	Vars *vars.Table
	Maps []*Map
	// LimitZones are the limit_conn_zone zones (LimitZone.ID indexes it).
	LimitZones []*LimitZone
}

// StreamSet is one "set $var value" of a stream server
// (ngx_stream_set_module, run in the preaccess phase).
type StreamSet struct {
	Slot  int
	Value *vars.Value
}

// StreamListen is one listen of a stream server.
type StreamListen struct {
	*Listen
	UDP    bool
	SSL    bool // "listen ... ssl"
	Server *StreamServer
}

// Key identifies the socket: the protocol and the address.
func (l *StreamListen) Key() string {
	if l.UDP {
		return "udp:" + l.Addr
	}
	return "stream:" + l.Addr
}

// SocketKey identifies the socket a listen binds among the process's
// sockets: its address, with "udp:" before a datagram socket's (a UDP and
// a TCP socket may share an address and port).
func (l *Listen) SocketKey() string {
	if l.Network == "udp" {
		return "udp:" + l.Addr
	}
	return l.Addr
}

// StreamServer is one server{} of the stream block, merged.
type StreamServer struct {
	File string
	Line int

	Listens []*StreamListen
	// Upstream is the group proxy_pass names (a block, or an implicit
	// group of one address); nil with return.
	Upstream *Upstream
	Return   *vars.Value
	// Pass is a proxy_pass with variables: evaluated per session, a
	// group's name or an address with a port.
	Pass *vars.Value
	Sets []StreamSet

	ConnectTimeout      time.Duration
	Timeout             time.Duration
	NextUpstream        bool
	NextUpstreamTries   int
	NextUpstreamTimeout time.Duration
	BufferSize          int
	UploadRate          int64
	DownloadRate        int64
	HalfClose           bool
	// UploadRateVar and DownloadRateVar are the rates given with
	// variables (nil: the numbers above), evaluated once the upstream
	// is connected.
	UploadRateVar, DownloadRateVar *vars.Value
	// Bind is proxy_bind's address ("" = none); BindTransparent its
	// "transparent".
	Bind            *vars.Value
	BindTransparent bool
	// Responses is proxy_responses (-1 = no limit); Requests
	// proxy_requests (0 = no limit): UDP only.
	Responses int
	Requests  int
	// ProxyProtocol is "proxy_protocol on" (the header to upstreams);
	// ProxyProtocolTimeout bounds the reading of a "listen ...
	// proxy_protocol" header (30s).
	ProxyProtocol        bool
	ProxyProtocolTimeout time.Duration

	// SSLPreread is ssl_preread; PrereadBufferSize and PrereadTimeout
	// bound the preread phase (16k, 30s).
	SSLPreread        bool
	PrereadBufferSize int
	PrereadTimeout    time.Duration

	AccessLogs []*AccessLog // none: no access log
	Access     []*AccessRule
	// RealIPFrom is set_real_ip_from (ngx_stream_realip_module): the
	// addresses whose PROXY protocol header names the client.
	RealIPFrom []TrustedAddr
	// Limit holds limit_conn, limit_conn_log_level and limit_conn_dry_run.
	Limit LimitLoc
	// StatusZone is status_zone: the API's stream server zone ("" = none).
	StatusZone string
	// ErrorLogs are the error_log of the server or the stream block
	// (none: the main error log).
	ErrorLogs []ErrorLog
	// Resolver is the resolver directive's arguments (nil: none), for a
	// proxy_pass with variables naming a host; ResolverTimeout is
	// resolver_timeout (30s).
	Resolver        []string
	ResolverTimeout time.Duration

	// SSL is the TLS of a server with a "listen ... ssl" (nil without);
	// HandshakeTimeout is ssl_handshake_timeout (60s).
	SSL              *tlsconf.Site
	HandshakeTimeout time.Duration
	// ProxySSL is proxy_ssl, UpstreamSSL the proxy_ssl_* settings (with
	// the TLS client when proxy_ssl is on).
	ProxySSL    bool
	UpstreamSSL UpstreamSSL

	ssl     SSLSrv   // merged ssl_* settings, loaded at the end
	alpn    []string // ssl_alpn
	sslFile string   // the last "listen ... ssl"
	sslLine int

	pass     *conf.Stmt // proxy_pass, for errors found at the block's end
	ret      *conf.Stmt // return
	passName string     // a proxy_pass naming a group, linked at the end
}

// streamConf is the part of a stream server's settings given at the
// stream level too (ngx_stream_proxy_srv_conf_t and friends).
type streamConf struct {
	connectTimeout, timeout, nextTimeout Opt[time.Duration]
	prereadTimeout, ppTimeout            Opt[time.Duration]
	nextUpstream, halfClose, ppOn        Opt[bool]
	sslPreread                           Opt[bool]
	prereadBuffer                        Opt[int64]
	nextTries, bufferSize                Opt[int64]
	responses, requests                  Opt[int64]
	uploadRate, downloadRate             Opt[SizeValue]
	bind                                 Opt[*vars.Value]
	bindTransparent                      bool
	loc                                  Loc // access_log and allow/deny, set by the http setters

	ssl              Srv // the ssl_* directives' settings (its SSL), set by the http setters
	handshakeTimeout Opt[time.Duration]
	alpn             Opt[[]string]
	proxySSL         Opt[bool]
	upSSL            UpstreamSSL
}

// streamBuild is the builder's state inside a stream block.
type streamBuild struct {
	s       *Stream
	main    streamConf
	srv     *StreamServer
	sc      *streamConf
	formats []string
	values  []*vars.Value
	stmt    *conf.Stmt
	vars    map[string]bool // set, map: declared variables
}

var streamRows = map[string]*Directive{}
var streamUpstreamRows = map[string]*Directive{}

func streamRow(rows map[string]*Directive, ds ...Directive) {
	for i := range ds {
		d := ds[i]
		rows[d.Name] = &d
	}
}

func init() {
	register(Directive{Name: "stream", Ctx: CtxMain, Args: Block | Take0, Set: setStream})
	ms := ctxStreamMainSrv
	dur := func(f func(c *streamConf) *Opt[time.Duration]) func(*builder, *conf.Stmt) error {
		return timeSlot(func(b *builder) *Opt[time.Duration] { return f(b.stream.sc) })
	}
	size := func(f func(c *streamConf) *Opt[int64]) func(*builder, *conf.Stmt) error {
		return sizeSlot(func(b *builder) *Opt[int64] { return f(b.stream.sc) })
	}
	flag := func(f func(c *streamConf) *Opt[bool]) func(*builder, *conf.Stmt) error {
		return flagSlot(func(b *builder) *Opt[bool] { return f(b.stream.sc) })
	}
	num := func(f func(c *streamConf) *Opt[int64]) func(*builder, *conf.Stmt) error {
		return numSlot(func(b *builder) *Opt[int64] { return f(b.stream.sc) })
	}
	streamRow(streamRows,
		Directive{Name: "include", Ctx: ms | CtxStreamUpstream, Args: Take1, Set: ignoreSlot},
		Directive{Name: "server", Ctx: CtxStream, Args: Block | Take0, Set: setStreamServer},
		Directive{Name: "upstream", Ctx: CtxStream, Args: Block | Take1, Set: setStreamUpstream},
		Directive{Name: "listen", Ctx: CtxStreamServer, Args: OneMore, Set: setStreamListen},
		Directive{Name: "proxy_pass", Ctx: CtxStreamServer, Args: Take1, Set: setStreamProxyPass},
		Directive{Name: "return", Ctx: CtxStreamServer, Args: Take1, Set: setStreamReturn},
		Directive{Name: "proxy_connect_timeout", Ctx: ms, Args: Take1, Set: dur(func(c *streamConf) *Opt[time.Duration] { return &c.connectTimeout })},
		Directive{Name: "proxy_timeout", Ctx: ms, Args: Take1, Set: dur(func(c *streamConf) *Opt[time.Duration] { return &c.timeout })},
		Directive{Name: "proxy_next_upstream_timeout", Ctx: ms, Args: Take1, Set: dur(func(c *streamConf) *Opt[time.Duration] { return &c.nextTimeout })},
		Directive{Name: "proxy_next_upstream", Ctx: ms, Args: Flag, Set: flag(func(c *streamConf) *Opt[bool] { return &c.nextUpstream })},
		Directive{Name: "proxy_half_close", Ctx: ms, Args: Flag, Set: flag(func(c *streamConf) *Opt[bool] { return &c.halfClose })},
		Directive{Name: "proxy_protocol", Ctx: ms, Args: Flag, Set: flag(func(c *streamConf) *Opt[bool] { return &c.ppOn })},
		Directive{Name: "proxy_next_upstream_tries", Ctx: ms, Args: Take1, Set: num(func(c *streamConf) *Opt[int64] { return &c.nextTries })},
		Directive{Name: "proxy_responses", Ctx: ms, Args: Take1, Set: num(func(c *streamConf) *Opt[int64] { return &c.responses })},
		Directive{Name: "proxy_requests", Ctx: ms, Args: Take1, Set: num(func(c *streamConf) *Opt[int64] { return &c.requests })},
		Directive{Name: "proxy_buffer_size", Ctx: ms, Args: Take1, Set: size(func(c *streamConf) *Opt[int64] { return &c.bufferSize })},
		Directive{Name: "proxy_downstream_buffer", Ctx: ms, Args: Take1, Set: deprecated("proxy_buffer_size", size(func(c *streamConf) *Opt[int64] { return &c.bufferSize }))},
		Directive{Name: "proxy_upstream_buffer", Ctx: ms, Args: Take1, Set: deprecated("proxy_buffer_size", size(func(c *streamConf) *Opt[int64] { return &c.bufferSize }))},
		Directive{Name: "proxy_upload_rate", Ctx: ms, Args: Take1, Set: rateSlot(func(c *streamConf) *Opt[SizeValue] { return &c.uploadRate })},
		Directive{Name: "proxy_download_rate", Ctx: ms, Args: Take1, Set: rateSlot(func(c *streamConf) *Opt[SizeValue] { return &c.downloadRate })},
		Directive{Name: "proxy_bind", Ctx: ms, Args: Take12, Set: setStreamBind},
		Directive{Name: "log_format", Ctx: CtxStream, Args: TwoMore, Set: setStreamLogFormat},
		Directive{Name: "map", Ctx: CtxStream, Args: Block | Take2, Set: shadowed(setMap)},
		Directive{Name: "geo", Ctx: CtxStream, Args: Block | Take12, Set: shadowed(setGeo)},
		Directive{Name: "split_clients", Ctx: CtxStream, Args: Block | Take2, Set: shadowed(setSplitClients)},
		Directive{Name: "map_hash_max_size", Ctx: CtxStream, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.streamMapHashMax })},
		Directive{Name: "map_hash_bucket_size", Ctx: CtxStream, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.streamMapHashBucket })},
		Directive{Name: "set", Ctx: CtxStreamServer, Args: Take2, Set: setStreamSet},
		Directive{Name: "access_log", Ctx: ms, Args: OneMore, Set: setStreamAccessLog},
		Directive{Name: "allow", Ctx: ms, Args: Take1, Set: setStreamAccess},
		Directive{Name: "deny", Ctx: ms, Args: Take1, Set: setStreamAccess},
		Directive{Name: "set_real_ip_from", Ctx: ms, Args: Take1, Set: setStreamRealIPFrom},
		Directive{Name: "error_log", Ctx: ms, Args: OneMore, Set: streamShadowSet},
		Directive{Name: "tcp_nodelay", Ctx: ms, Args: Flag, Set: checkSlot(checkFlag)},
		Directive{Name: "preread_buffer_size", Ctx: ms, Args: Take1, Set: size(func(c *streamConf) *Opt[int64] { return &c.prereadBuffer })},
		Directive{Name: "preread_timeout", Ctx: ms, Args: Take1, Set: dur(func(c *streamConf) *Opt[time.Duration] { return &c.prereadTimeout })},
		Directive{Name: "ssl_preread", Ctx: ms, Args: Flag, Set: flag(func(c *streamConf) *Opt[bool] { return &c.sslPreread })},
		Directive{Name: "proxy_protocol_timeout", Ctx: ms, Args: Take1, Set: dur(func(c *streamConf) *Opt[time.Duration] { return &c.ppTimeout })},
		Directive{Name: "proxy_socket_keepalive", Ctx: ms, Args: Flag, Set: checkSlot(checkFlag)},
	)
	streamRow(streamUpstreamRows,
		Directive{Name: "include", Ctx: CtxStreamUpstream, Args: Take1, Set: ignoreSlot},
		Directive{Name: "server", Ctx: CtxStreamUpstream, Args: OneMore, Set: setStreamUpstreamServer},
		Directive{Name: "hash", Ctx: CtxStreamUpstream, Args: Take12, Set: setStreamHash},
		Directive{Name: "least_conn", Ctx: CtxStreamUpstream, Args: Take0, Set: setBalancer},
		Directive{Name: "random", Ctx: CtxStreamUpstream, Args: Take0 | Take12, Set: setRandom},
		Directive{Name: "zone", Ctx: CtxStreamUpstream, Args: Take12, Set: setZone},
	)
}

// deprecated is set followed by nginx's ngx_conf_deprecated warning
// naming the directive to use instead.
func deprecated(instead string, set func(*builder, *conf.Stmt) error) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if err := set(b, s); err != nil {
			return err
		}
		b.warn(s, "the \"%s\" directive is deprecated, use the \"%s\" directive instead", s.Name, instead)
		return nil
	}
}

// streamName reports whether name is a directive of the stream modules
// only, known to nginx (though not allowed outside the stream block)
// once load_module has loaded ngx_stream_module.so.
func (b *builder) streamName(name string) bool {
	if !b.main.streamLoaded {
		return false
	}
	_, ok := streamRows[name]
	if !ok {
		_, ok = streamUpstreamRows[name]
	}
	return ok
}

// streamDispatch is dispatch inside the stream block: the stream rows of
// the context first, then the main table (which refuses the name).
func (b *builder) streamDispatch(rows map[string]*Directive, s *conf.Stmt) error {
	d, ok := rows[s.Name]
	if !ok {
		return b.dispatch(s)
	}
	if d.Ctx&b.ctx == 0 {
		return conf.Errorf(s, "\"%s\" directive is not allowed here", s.Name)
	}
	if d.Args&Block != 0 && !s.HasBlock {
		return conf.Errorf(s, "directive \"%s\" has no opening \"{\"", s.Name)
	}
	return b.dispatchRow(d, s)
}

func (b *builder) streamBlock(c Ctx, rows map[string]*Directive, stmts []*conf.Stmt) error {
	saved := b.ctx
	b.ctx = c
	defer func() { b.ctx = saved }()
	for _, s := range stmts {
		if err := b.streamDispatch(rows, s); err != nil {
			return err
		}
	}
	return nil
}

// shadow runs f with the http builder state (the current level, the log
// formats, the upstream list) pointing at the stream block's, so that the
// http setters shared with stream (log_format, access_log, allow/deny,
// the upstream block's) act on it. The values f compiles are kept for the
// stream's variable check.
func (b *builder) shadow(f func() error) error {
	st := b.stream
	savedHTTP, savedCur, savedFormats, nvals := b.http, b.cur, b.formats, len(b.values)
	b.http = &HTTP{LogFormats: st.s.LogFormats, Upstreams: st.s.Upstreams, Vars: st.s.Vars, Maps: st.s.Maps, LimitZones: st.s.LimitZones}
	b.cur, b.formats = &st.sc.loc, st.formats
	err := f()
	st.s.Upstreams, st.formats, st.s.Maps, st.s.LimitZones = b.http.Upstreams, b.formats, b.http.Maps, b.http.LimitZones
	st.values = append(st.values, b.values[nvals:]...)
	b.http, b.cur, b.formats, b.values = savedHTTP, savedCur, savedFormats, b.values[:nvals]
	return err
}

// setStream is ngx_stream_block: the block is read, the servers merged,
// proxy_pass names linked to their groups, the groups finished and the
// variables checked.
func setStream(b *builder, s *conf.Stmt) error {
	if b.cfg.Stream != nil {
		return conf.Errorf(s, "\"stream\" directive is duplicate")
	}
	st := &streamBuild{s: &Stream{LogFormats: map[string]*LogFormat{}, HashKeys: map[*Upstream]*vars.Value{}, Vars: vars.NewTable()}, stmt: s, vars: map[string]bool{}}
	st.sc = &st.main
	b.cfg.Stream = st.s
	b.stream = st
	defer func() { b.stream = nil }()
	if err := b.streamBlock(CtxStream, streamRows, s.Block); err != nil {
		return err
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	return b.finishStream()
}

func (b *builder) finishStream() error {
	st := b.stream
	if err := b.finishStreamProxySSL(); err != nil {
		return err
	}
	for _, srv := range st.s.Servers {
		if srv.passName == "" {
			continue
		}
		for _, u := range st.s.Upstreams {
			if strings.EqualFold(u.Name, srv.passName) {
				srv.Upstream = u
			}
		}
		if srv.Upstream == nil {
			return conf.Errorf(srv.pass, "no port in upstream \"%s\"", srv.passName)
		}
	}
	for _, u := range st.s.Upstreams {
		primary := false
		for _, sv := range u.Servers {
			primary = primary || !sv.Backup
		}
		if !primary {
			return &conf.Error{Msg: fmt.Sprintf("no servers in upstream \"%s\" in %s:%d", u.Name, u.File, u.Line)}
		}
	}
	if err := b.finishStreamSSL(); err != nil {
		return err
	}
	for _, v := range st.values {
		for _, p := range v.Parts {
			if p.Kind == vars.Lit || p.Kind == vars.Capture {
				continue
			}
			name := StreamVarName(p)
			if _, declared := st.s.Vars.Slot(name); !StreamVars[name] && !st.vars[name] && !declared {
				return &conf.Error{Msg: fmt.Sprintf("unknown \"%s\" variable", name)}
			}
		}
	}
	return b.checkStreamVariablesHash()
}

// StreamVars are the stream module's built-in variables (core, upstream,
// ssl_preread).
var StreamVars = map[string]bool{
	"binary_remote_addr": true, "bytes_received": true, "bytes_sent": true, "connection": true,
	"hostname": true, "msec": true, "nginx_version": true, "pid": true, "protocol": true,
	"remote_addr": true, "remote_port": true, "server_addr": true, "server_port": true,
	"session_time": true, "status": true,
	"proxy_protocol_addr": true, "proxy_protocol_port": true, "proxy_protocol_server_addr": true, "proxy_protocol_server_port": true, "time_iso8601": true, "time_local": true,
	"upstream_addr": true, "upstream_bytes_sent": true, "upstream_bytes_received": true,
	"upstream_connect_time": true, "upstream_first_byte_time": true, "upstream_session_time": true,
	"ssl_preread_server_name": true, "ssl_preread_protocol": true, "ssl_preread_alpn_protocols": true,
	"limit_conn_status": true, "realip_remote_addr": true, "realip_remote_port": true,
	// ngx_stream_ssl_module's
	"ssl_protocol": true, "ssl_cipher": true, "ssl_ciphers": true, "ssl_curves": true,
	"ssl_session_id": true, "ssl_session_reused": true, "ssl_server_name": true, "ssl_alpn_protocol": true,
	"ssl_client_cert": true, "ssl_client_raw_cert": true, "ssl_client_escaped_cert": true,
	"ssl_client_s_dn": true, "ssl_client_i_dn": true, "ssl_curve": true,
	"ssl_client_serial": true, "ssl_client_fingerprint": true, "ssl_client_verify": true,
	"ssl_client_v_start": true, "ssl_client_v_end": true, "ssl_client_v_remain": true,
}

var famPrefixes = map[vars.Family]string{
	vars.FamHTTP: "http_", vars.FamArg: "arg_", vars.FamCookie: "cookie_", vars.FamSentHTTP: "sent_http_",
	vars.FamSentTrailer: "sent_trailer_", vars.FamUpstreamHTTP: "upstream_http_",
	vars.FamUpstreamCookie: "upstream_cookie_", vars.FamUpstreamTrailer: "upstream_trailer_",
	vars.FamProxyProtocolTLV: "proxy_protocol_tlv_",
}

// StreamVarName is the variable name of a compiled part, as the stream
// module knows variables: by name alone.
func StreamVarName(p vars.Part) string {
	switch p.Kind {
	case vars.Fam:
		return famPrefixes[p.Fam] + p.Name
	case vars.Capture:
		return fmt.Sprint(p.N)
	}
	return p.Name
}

// setStreamServer is ngx_stream_core_server with the merge of
// ngx_stream_core_merge_srv_conf and ngx_stream_proxy_merge_srv_conf.
func setStreamServer(b *builder, s *conf.Stmt) error {
	st := b.stream
	srv := &StreamServer{File: s.File, Line: s.Line}
	sc := &streamConf{}
	st.srv, st.sc = srv, sc
	defer func() { st.srv, st.sc = nil, &st.main }()
	if err := b.streamBlock(CtxStreamServer, streamRows, s.Block); err != nil {
		return err
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	if srv.pass == nil && srv.ret == nil {
		return conf.Errorf(s, "no handler for server")
	}
	m := &st.main
	dur := func(o Opt[time.Duration], p Opt[time.Duration], d time.Duration) time.Duration {
		o.Merge(p)
		o.Merge(Def(d))
		return o.V
	}
	n := func(o Opt[int64], p Opt[int64], d int64) int64 {
		o.Merge(p)
		o.Merge(Def(d))
		return o.V
	}
	fl := func(o Opt[bool], p Opt[bool], d bool) bool {
		o.Merge(p)
		o.Merge(Def(d))
		return o.V
	}
	srv.ConnectTimeout = dur(sc.connectTimeout, m.connectTimeout, 60*time.Second)
	srv.Timeout = dur(sc.timeout, m.timeout, 10*time.Minute)
	srv.NextUpstreamTimeout = dur(sc.nextTimeout, m.nextTimeout, 0)
	srv.NextUpstream = fl(sc.nextUpstream, m.nextUpstream, true)
	srv.HalfClose = fl(sc.halfClose, m.halfClose, false)
	srv.ProxyProtocol = fl(sc.ppOn, m.ppOn, false)
	srv.ProxyProtocolTimeout = dur(sc.ppTimeout, m.ppTimeout, 30*time.Second)
	srv.SSLPreread = fl(sc.sslPreread, m.sslPreread, false)
	srv.PrereadBufferSize = int(n(sc.prereadBuffer, m.prereadBuffer, 16384))
	srv.PrereadTimeout = dur(sc.prereadTimeout, m.prereadTimeout, 30*time.Second)
	srv.NextUpstreamTries = int(n(sc.nextTries, m.nextTries, 0))
	srv.BufferSize = int(n(sc.bufferSize, m.bufferSize, 16384))
	up, down := sc.uploadRate, sc.downloadRate
	up.Merge(m.uploadRate)
	down.Merge(m.downloadRate)
	srv.UploadRate, srv.UploadRateVar = up.V.N, up.V.V
	srv.DownloadRate, srv.DownloadRateVar = down.V.N, down.V.V
	srv.Responses = int(n(sc.responses, m.responses, -1))
	srv.Requests = int(n(sc.requests, m.requests, 0))
	if sc.bind.Set {
		srv.Bind, srv.BindTransparent = sc.bind.V, sc.bindTransparent
	} else {
		srv.Bind, srv.BindTransparent = m.bind.V, m.bindTransparent
	}
	logs := sc.loc.AccessLogs
	logs.Merge(m.loc.AccessLogs)
	for _, al := range logs.V {
		if !al.Off {
			srv.AccessLogs = append(srv.AccessLogs, al)
		}
	}
	rules := sc.loc.Access
	rules.Merge(m.loc.Access)
	srv.Access = rules.V
	from := sc.loc.RealIPFrom
	from.Merge(m.loc.RealIPFrom)
	srv.RealIPFrom = from.V
	elogs := sc.loc.ErrorLogs
	elogs.Merge(m.loc.ErrorLogs)
	srv.ErrorLogs = elogs.V
	mergeStreamSSL(srv, sc, m)
	mergeStreamLimit(srv, sc, m)
	st.s.Servers = append(st.s.Servers, srv)
	return nil
}

// setStreamListen is ngx_stream_core_listen.
func setStreamListen(b *builder, s *conf.Stmt) error {
	st := b.stream
	udp := false
	args := []string{s.Args[0]}
	var backlog, keepalive, ssl, pp bool
	for _, p := range s.Args[1:] {
		k, _, _ := strings.Cut(p, "=")
		switch k {
		case "udp":
			if p != "udp" {
				return conf.Errorf(s, "the invalid \"%s\" parameter", p)
			}
			udp = true
			continue
		case "backlog":
			backlog = true
		case "so_keepalive":
			keepalive = true
		case "ssl":
			ssl = true
		case "proxy_protocol":
			pp = true
		case "bind", "rcvbuf", "sndbuf", "ipv6only", "reuseport":
		default:
			return conf.Errorf(s, "the invalid \"%s\" parameter", p)
		}
		args = append(args, p)
	}
	ps := *s
	ps.Args = args
	l, err := parseListen(b, &ps)
	if err != nil {
		return err
	}
	if !listenHasPort(s.Args[0]) && l.Network == "tcp" {
		l.setAddr(l.AddrPort.Addr(), 0)
	}
	if udp {
		for _, bad := range []struct {
			on   bool
			name string
		}{{backlog, "backlog"}, {ssl, "ssl"}, {keepalive, "so_keepalive"}, {pp, "proxy_protocol"}} {
			if bad.on {
				return conf.Errorf(s, "\"listen\" directive \"%s\" parameter is incompatible with \"udp\"", bad.name)
			}
		}
	}
	if ssl && !udp {
		st.srv.sslFile, st.srv.sslLine = s.File, s.Line
	}
	for _, one := range l.expand() {
		if udp && one.Network == "unix" {
			return conf.Errorf(s, "\"listen unix:... udp\" in stream is not supported by weir yet")
		}
		if udp {
			one.Network = "udp"
		}
		sl := &StreamListen{Listen: one, UDP: udp, SSL: ssl, Server: st.srv}
		for _, o := range st.s.Listens {
			if o.Key() == sl.Key() {
				return conf.Errorf(s, "duplicate \"%s\" address and port pair", one.Addr)
			}
		}
		st.s.Listens = append(st.s.Listens, sl)
		st.srv.Listens = append(st.srv.Listens, sl)
	}
	return nil
}

// listenHasPort reports whether a listen address names a port ("80",
// "host:80", "[::1]:80"): a stream listen without one gets port 0.
func listenHasPort(a string) bool {
	if strings.HasPrefix(strings.ToLower(a), "unix:") {
		return true
	}
	if strings.HasPrefix(a, "[") {
		return strings.Contains(a, "]:")
	}
	return strings.Contains(a, ":") || isDigits(a)
}

// setStreamProxyPass is ngx_stream_proxy_pass: a group's name (linked when
// the block ends, a block defined later included) or an address with a
// port, which makes an implicit group of its own.
func setStreamProxyPass(b *builder, s *conf.Stmt) error {
	st := b.stream
	srv := st.srv
	if srv.pass != nil {
		return duplicate(s)
	}
	// the later of proxy_pass and return is the handler
	srv.pass, srv.Return = s, nil
	text := s.Args[0]
	if strings.Contains(text, "$") {
		v, err := b.streamCompile(s, text)
		if err != nil {
			return err
		}
		if _, static := v.Static(); !static {
			srv.Pass = v
			return nil
		}
	}
	pu, errText := parseURL(text, 0, false)
	if errText != "" {
		return conf.Errorf(s, "%s in upstream \"%s\"", errText, text)
	}
	if pu.noPort && !pu.unix {
		srv.passName = text
		return nil
	}
	var addrs []UpstreamAddr
	host := text
	if pu.unix {
		addrs = []UpstreamAddr{{Network: "unix", Addr: pu.host, Name: "unix:" + pu.host}}
	} else {
		addrs, errText = resolveHost(pu.host, pu.port)
		if errText != "" {
			return conf.Errorf(s, "%s in upstream \"%s\"", errText, pu.host)
		}
	}
	u := &Upstream{Name: text, File: s.File, Line: s.Line, Implicit: true, Port: pu.port}
	u.Servers = []*UpstreamServer{{File: s.File, Line: s.Line, Host: host, Addrs: addrs, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}}
	st.s.Upstreams = append(st.s.Upstreams, u)
	srv.Upstream = u
	return nil
}

// setStreamReturn is ngx_stream_return.
func setStreamReturn(b *builder, s *conf.Stmt) error {
	srv := b.stream.srv
	if srv.ret != nil {
		return duplicate(s)
	}
	srv.ret = s
	v, err := b.streamCompile(s, s.Args[0])
	if err != nil {
		return err
	}
	srv.Return = v
	return nil
}

func (b *builder) streamCompile(s *conf.Stmt, text string) (*vars.Value, error) {
	v, err := vars.Compile(text)
	if err != nil {
		return nil, conf.Errorf(s, "%s", err.Error())
	}
	b.stream.values = append(b.stream.values, v)
	return v, nil
}

// shadowed runs an http block directive (map, geo, split_clients) on the
// stream block's variables.
func shadowed(set func(*builder, *conf.Stmt) error) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		return b.shadow(func() error { return set(b, s) })
	}
}

// setStreamSet is ngx_stream_set: the variable (a built-in is refused),
// then the value.
func setStreamSet(b *builder, s *conf.Stmt) error {
	if !strings.HasPrefix(s.Args[0], "$") {
		return conf.Errorf(s, "invalid variable name \"%s\"", s.Args[0])
	}
	lname := strings.ToLower(s.Args[0][1:])
	if lname == "" || b.builtinVar(lname) {
		return conf.Errorf(s, "the duplicate \"%s\" variable", s.Args[0][1:])
	}
	slot := b.stream.s.Vars.Declare(lname)
	v, err := b.streamCompile(s, s.Args[1])
	if err != nil {
		return err
	}
	srv := b.stream.srv
	srv.Sets = append(srv.Sets, StreamSet{Slot: slot, Value: v})
	return nil
}

// builtinVar tells whether a variable name is a built-in that map, set,
// geo and split_clients may not declare: the stream module's inside a
// stream block, else the http module's that set cannot change.
func (b *builder) builtinVar(lname string) bool {
	if b.stream != nil {
		return StreamVars[lname]
	}
	_, builtin := vars.Lookup(lname)
	return builtin && !changeable[lname]
}

// setStreamBind is ngx_stream_proxy_bind: "off", or an address (with
// variables evaluated per session) and "transparent".
func setStreamBind(b *builder, s *conf.Stmt) error {
	sc := b.stream.sc
	if sc.bind.Set {
		return duplicate(s)
	}
	if s.Args[0] == "off" {
		sc.bind = Def[*vars.Value](nil)
		return nil
	}
	v, err := b.streamCompile(s, s.Args[0])
	if err != nil {
		return err
	}
	if text, static := v.Static(); static {
		if _, ok := inetAddr(text); !ok {
			if _, ok6 := inet6Addr(strings.Trim(text, "[]")); !ok6 {
				return conf.Errorf(s, "invalid address \"%s\"", text)
			}
		}
	}
	sc.bind = Def(v)
	if len(s.Args) == 2 {
		if s.Args[1] != "transparent" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		sc.bindTransparent = true
	}
	return nil
}

// setStreamLogFormat is ngx_stream_log_set_format (stream level only,
// no predefined "combined").
func setStreamLogFormat(b *builder, s *conf.Stmt) error {
	return b.shadow(func() error { return setLogFormat(b, s) })
}

// setStreamAccessLog is ngx_stream_log_set_log: as http's, but without
// a default format.
func setStreamAccessLog(b *builder, s *conf.Stmt) error {
	if len(s.Args) == 1 && s.Args[0] != "off" {
		return conf.Errorf(s, "log format is not specified")
	}
	return b.shadow(func() error { return setAccessLog(b, s) })
}

// rateSlot is proxy_upload_rate and proxy_download_rate
// (ngx_stream_set_complex_value_size_slot): a size, or a value with
// variables whose size is taken per session.
func rateSlot(field func(c *streamConf) *Opt[SizeValue]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		return setSizeValue(field(b.stream.sc), s, b.streamCompile)
	}
}

func setStreamAccess(b *builder, s *conf.Stmt) error {
	return b.shadow(func() error { return setAccess(b, s) })
}

// setStreamRealIPFrom is ngx_stream_realip_from: the http module's
// set_real_ip_from, for the stream block or a server.
func setStreamRealIPFrom(b *builder, s *conf.Stmt) error {
	return b.shadow(func() error { return setRealIPFrom(b, s) })
}

// setStreamUpstream is ngx_stream_upstream: the http block's code on the
// stream's list of groups.
func setStreamUpstream(b *builder, s *conf.Stmt) error {
	st := b.stream
	for _, u := range st.s.Upstreams {
		if strings.EqualFold(u.Name, s.Args[0]) && !u.Implicit {
			return conf.Errorf(s, "duplicate upstream \"%s\"", s.Args[0])
		}
	}
	u := &Upstream{Name: s.Args[0], File: s.File, Line: s.Line, seen: map[string]bool{}}
	st.s.Upstreams = append(st.s.Upstreams, u)
	err := b.shadow(func() error { return b.streamBlock(CtxStreamUpstream, streamUpstreamRows, s.Block) })
	if err != nil {
		return err
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	if len(u.Servers) == 0 {
		return conf.ErrorfEnd(s, "no servers are inside upstream")
	}
	return nil
}

// streamServerParams are the parameters of a stream upstream's server.
var streamServerParams = []string{"weight=", "max_conns=", "max_fails=", "fail_timeout=", "backup", "down"}

// setStreamUpstreamServer is ngx_stream_upstream_server: the http one
// with fewer parameters, and a port required.
func setStreamUpstreamServer(b *builder, s *conf.Stmt) error {
	for _, p := range s.Args[1:] {
		ok := false
		for _, k := range streamServerParams {
			ok = ok || p == k || strings.HasSuffix(k, "=") && strings.HasPrefix(p, k)
		}
		if !ok {
			return conf.Errorf(s, "invalid parameter \"%s\"", p)
		}
	}
	if err := setUpstreamServer(b, s); err != nil {
		return err
	}
	if pu, _ := parseURL(s.Args[0], 0, false); pu.noPort && !pu.unix {
		return conf.Errorf(s, "no port in upstream \"%s\"", s.Args[0])
	}
	return nil
}

// setStreamHash is ngx_stream_upstream_hash: the key is a stream value.
func setStreamHash(b *builder, s *conf.Stmt) error {
	u := b.curUpstream()
	key, err := vars.Compile(s.Args[0])
	if err != nil {
		return conf.Errorf(s, "%s", err.Error())
	}
	b.values = append(b.values, key)
	b.methodRedefined(s, u)
	u.Method, u.Consistent = "hash", false
	b.stream.s.HashKeys[u] = key
	if len(s.Args) == 2 {
		if s.Args[1] != "consistent" {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		u.Consistent = true
	}
	return nil
}

// StreamTarget is a proxy_pass value with variables evaluated: a group's
// name, or an address (ngx_stream_proxy_eval's ngx_parse_url with
// no_resolve).
type StreamTarget struct {
	Host   string // "[::1]" with brackets; a socket path for unix
	Port   int
	NoPort bool
	Unix   bool
}

// ParseStreamTarget parses the value, or returns nginx's error text
// ("invalid port", "no host", ...).
func ParseStreamTarget(text string) (StreamTarget, string) {
	pu, errText := parseURL(text, 0, false)
	return StreamTarget{Host: pu.host, Port: pu.port, NoPort: pu.noPort, Unix: pu.unix}, errText
}

// FindUpstream is the search of ngx_stream_proxy_handler among the
// groups: an upstream block by its name when no port was given, or a
// proxy_pass address's own group by host and port.
func (s *Stream) FindUpstream(t StreamTarget) *Upstream {
	for _, u := range s.Upstreams {
		host, port := u.Name, 0
		if u.Implicit {
			if pu, errText := parseURL(u.Name, 0, false); errText == "" {
				host, port = pu.host, pu.port
			}
		}
		if strings.EqualFold(host, t.Host) && (port == 0 && t.NoPort || port == t.Port && !t.NoPort) {
			return u
		}
	}
	return nil
}

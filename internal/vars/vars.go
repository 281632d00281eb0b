// Package vars compiles nginx variable references and complex values
// ("$scheme://$host$request_uri") once, at configuration load, into parts
// that name variables by index. It knows only names; the request pipeline
// (internal/httpd) evaluates the parts against a request, as nginx's
// ngx_http_compile_complex_value and ngx_http_complex_value split the work.
package vars

import (
	"errors"
	"fmt"
	"strings"
)

// ID names a built-in variable.
type ID int

// The built-in variables of nginx's core and rewrite modules.
const (
	None ID = iota
	Host
	URI
	DocumentURI
	RequestURI
	Args
	QueryString
	IsArgs
	RemoteAddr
	RemotePort
	ServerAddr
	ServerPort
	ServerName
	ServerProtocol
	Scheme
	HTTPS
	Request
	RequestMethod
	RequestLength
	RequestTime
	RequestID
	RequestBody
	Status
	BodyBytesSent
	BytesSent
	Msec
	TimeLocal
	TimeISO8601
	Connection
	ConnectionRequests
	ContentType
	ContentLength
	DocumentRoot
	RealpathRoot
	RequestFilename
	PID
	Hostname
	NginxVersion
	BinaryRemoteAddr
	LimitRate
	// SentHTTPContentType through HTTPXForwardedFor are nginx's built-in
	// header variables; headerAlias tests this range, so keep them
	// together and add no other variable between them.
	SentHTTPContentType
	SentHTTPContentLength
	SentHTTPLastModified
	SentHTTPLocation
	SentHTTPConnection
	SentHTTPKeepAlive
	SentHTTPTransferEncoding
	HTTPHost
	HTTPUserAgent
	HTTPReferer
	HTTPCookie
	HTTPXForwardedFor
	RemoteUser

	// Variables of nginx modules weir accepts in a configuration but has
	// no value for yet: they evaluate as not found, as in nginx when the
	// module has nothing to say (an $upstream_addr without upstream).
	Pipe
	RequestCompletion
	RequestBodyFile
	ProxyProtocolAddr
	ProxyProtocolPort
	ProxyProtocolServerAddr
	ProxyProtocolServerPort
	ConnectionTime
	TCPInfoRTT
	TCPInfoRTTVar
	TCPInfoSndCwnd
	TCPInfoRcvSpace
	SSLProtocol
	SSLCipher
	SSLCiphers
	SSLCurve
	SSLCurves
	SSLSessionID
	SSLSessionReused
	SSLEarlyData
	SSLServerName
	SSLALPNProtocol
	SSLClientCert
	SSLClientRawCert
	SSLClientEscapedCert
	SSLClientSDN
	SSLClientIDN
	SSLClientSDNLegacy
	SSLClientIDNLegacy
	SSLClientSerial
	SSLClientFingerprint
	SSLClientVerify
	SSLClientVStart
	SSLClientVEnd
	SSLClientVRemain
	RealipRemoteAddr
	RealipRemotePort
	UpstreamAddr
	UpstreamStatus
	UpstreamConnectTime
	UpstreamHeaderTime
	UpstreamResponseTime
	UpstreamResponseLength
	UpstreamBytesReceived
	UpstreamBytesSent
	UpstreamCacheStatus
	UpstreamCacheLastModified
	UpstreamCacheETag
	ProxyHost
	ProxyPort
	ProxyAddXForwardedFor
	ProxyInternalBodyLength
	ProxyInternalChunked
	FastcgiScriptName
	FastcgiPathInfo
	GzipRatio
	ConnectionsActive
	ConnectionsReading
	ConnectionsWriting
	ConnectionsWaiting
	HTTP2
	SecureLink
	SecureLinkExpires
	SliceRange
	InvalidReferer
	UIDGot
	UIDSet
	UIDReset
	LimitReqStatus
	LimitConnStatus
	ModernBrowser
	AncientBrowser
	MSIE
	DateLocal
	DateGMT
	GRPCInternalTrailers
	numBuiltins
)

var builtinNames = map[string]ID{
	"host": Host, "uri": URI, "document_uri": DocumentURI, "request_uri": RequestURI,
	"args": Args, "query_string": QueryString, "is_args": IsArgs,
	"remote_addr": RemoteAddr, "remote_port": RemotePort, "server_addr": ServerAddr,
	"server_port": ServerPort, "server_name": ServerName, "server_protocol": ServerProtocol,
	"scheme": Scheme, "https": HTTPS, "request": Request, "request_method": RequestMethod,
	"request_length": RequestLength, "request_time": RequestTime, "request_id": RequestID,
	"request_body": RequestBody, "status": Status, "body_bytes_sent": BodyBytesSent,
	"bytes_sent": BytesSent, "msec": Msec, "time_local": TimeLocal, "time_iso8601": TimeISO8601,
	"connection": Connection, "connection_requests": ConnectionRequests,
	"content_type": ContentType, "content_length": ContentLength,
	"document_root": DocumentRoot, "realpath_root": RealpathRoot,
	"request_filename": RequestFilename, "pid": PID, "hostname": Hostname,
	"nginx_version": NginxVersion, "binary_remote_addr": BinaryRemoteAddr,
	"limit_rate":             LimitRate,
	"sent_http_content_type": SentHTTPContentType, "sent_http_content_length": SentHTTPContentLength,
	"sent_http_last_modified": SentHTTPLastModified, "sent_http_location": SentHTTPLocation,
	"sent_http_connection": SentHTTPConnection, "sent_http_keep_alive": SentHTTPKeepAlive,
	"sent_http_transfer_encoding": SentHTTPTransferEncoding,
	"http_host":                   HTTPHost, "http_user_agent": HTTPUserAgent, "http_referer": HTTPReferer,
	"http_cookie": HTTPCookie, "http_x_forwarded_for": HTTPXForwardedFor,
	"remote_user": RemoteUser,

	"pipe":                       Pipe,
	"request_completion":         RequestCompletion,
	"request_body_file":          RequestBodyFile,
	"proxy_protocol_addr":        ProxyProtocolAddr,
	"proxy_protocol_port":        ProxyProtocolPort,
	"proxy_protocol_server_addr": ProxyProtocolServerAddr,
	"proxy_protocol_server_port": ProxyProtocolServerPort,
	"connection_time":            ConnectionTime,
	"tcpinfo_rtt":                TCPInfoRTT,
	"tcpinfo_rttvar":             TCPInfoRTTVar,
	"tcpinfo_snd_cwnd":           TCPInfoSndCwnd,
	"tcpinfo_rcv_space":          TCPInfoRcvSpace,
	"ssl_protocol":               SSLProtocol,
	"ssl_cipher":                 SSLCipher,
	"ssl_ciphers":                SSLCiphers,
	"ssl_curve":                  SSLCurve,
	"ssl_curves":                 SSLCurves,
	"ssl_session_id":             SSLSessionID,
	"ssl_session_reused":         SSLSessionReused,
	"ssl_early_data":             SSLEarlyData,
	"ssl_server_name":            SSLServerName,
	"ssl_alpn_protocol":          SSLALPNProtocol,
	"ssl_client_cert":            SSLClientCert,
	"ssl_client_raw_cert":        SSLClientRawCert,
	"ssl_client_escaped_cert":    SSLClientEscapedCert,
	"ssl_client_s_dn":            SSLClientSDN,
	"ssl_client_i_dn":            SSLClientIDN,
	"ssl_client_s_dn_legacy":     SSLClientSDNLegacy,
	"ssl_client_i_dn_legacy":     SSLClientIDNLegacy,
	"ssl_client_serial":          SSLClientSerial,
	"ssl_client_fingerprint":     SSLClientFingerprint,
	"ssl_client_verify":          SSLClientVerify,
	"ssl_client_v_start":         SSLClientVStart,
	"ssl_client_v_end":           SSLClientVEnd,
	"ssl_client_v_remain":        SSLClientVRemain,
	"realip_remote_addr":         RealipRemoteAddr,
	"realip_remote_port":         RealipRemotePort,
	"upstream_addr":              UpstreamAddr,
	"upstream_status":            UpstreamStatus,
	"upstream_connect_time":      UpstreamConnectTime,
	"upstream_header_time":       UpstreamHeaderTime,
	"upstream_response_time":     UpstreamResponseTime,
	"upstream_response_length":   UpstreamResponseLength,
	"upstream_bytes_received":    UpstreamBytesReceived,
	"upstream_bytes_sent":        UpstreamBytesSent,
	"upstream_cache_status":      UpstreamCacheStatus,
	"proxy_host":                 ProxyHost,
	"proxy_port":                 ProxyPort,
	"proxy_add_x_forwarded_for":  ProxyAddXForwardedFor,
	"proxy_internal_body_length": ProxyInternalBodyLength,
	"proxy_internal_chunked":     ProxyInternalChunked,
	"fastcgi_script_name":        FastcgiScriptName,
	"fastcgi_path_info":          FastcgiPathInfo,
	"gzip_ratio":                 GzipRatio,
	"connections_active":         ConnectionsActive,
	"connections_reading":        ConnectionsReading,
	"connections_writing":        ConnectionsWriting,
	"connections_waiting":        ConnectionsWaiting,
	"http2":                      HTTP2,
	"secure_link":                SecureLink,
	"secure_link_expires":        SecureLinkExpires,
	"slice_range":                SliceRange,
	"invalid_referer":            InvalidReferer,
	"uid_got":                    UIDGot,
	"uid_set":                    UIDSet,
	"uid_reset":                  UIDReset,
	"limit_req_status":           LimitReqStatus,
	"limit_conn_status":          LimitConnStatus,
	"modern_browser":             ModernBrowser,
	"ancient_browser":            AncientBrowser,
	"msie":                       MSIE,
	"date_local":                 DateLocal,
	"date_gmt":                   DateGMT,
	"grpc_internal_trailers":     GRPCInternalTrailers,

	"upstream_cache_last_modified": UpstreamCacheLastModified,
	"upstream_cache_etag":          UpstreamCacheETag,
}

// Lookup returns the built-in variable called name.
func Lookup(name string) (ID, bool) {
	id, ok := builtinNames[name]
	return id, ok
}

// Family is a prefixed variable family such as $http_NAME.
type Family int

const (
	FamHTTP             Family = iota + 1 // $http_*: request header
	FamArg                                // $arg_*: query argument
	FamCookie                             // $cookie_*: request cookie
	FamSentHTTP                           // $sent_http_*: response header
	FamSentTrailer                        // $sent_trailer_*
	FamUpstreamHTTP                       // $upstream_http_*
	FamUpstreamCookie                     // $upstream_cookie_*
	FamUpstreamTrailer                    // $upstream_trailer_*
	FamProxyProtocolTLV                   // $proxy_protocol_tlv_*
)

var families = []struct {
	prefix string
	fam    Family
}{
	{"http_", FamHTTP}, {"arg_", FamArg}, {"cookie_", FamCookie},
	{"sent_http_", FamSentHTTP}, {"sent_trailer_", FamSentTrailer},
	{"upstream_http_", FamUpstreamHTTP}, {"upstream_cookie_", FamUpstreamCookie},
	{"upstream_trailer_", FamUpstreamTrailer}, {"proxy_protocol_tlv_", FamProxyProtocolTLV},
}

// Kind says what a Part holds.
type Kind uint8

const (
	Lit     Kind = iota // literal text
	Builtin             // built-in variable ID
	Fam                 // family member: Fam + Name
	Capture             // regex capture $1..$9: N
	User                // user variable (set, named capture, map): N is the slot
)

// Part is one piece of a compiled value.
type Part struct {
	Kind Kind
	Lit  string
	ID   ID
	Fam  Family
	Name string // family suffix (lower-case; for FamHTTP "_" means "-") or user variable name
	// N is the capture number, the user variable's slot, or for a
	// family member that "set" also assigns ($http_x, $arg_x, ...)
	// 1 + that variable's slot (0: none).
	N int
}

// Value is a compiled complex value.
type Value struct {
	Raw   string
	Parts []Part
}

// Static reports whether v holds no variables, and its text.
func (v *Value) Static() (string, bool) {
	if v == nil {
		return "", true
	}
	if len(v.Parts) == 0 {
		return "", true
	}
	if len(v.Parts) == 1 && v.Parts[0].Kind == Lit {
		return v.Parts[0].Lit, true
	}
	return "", false
}

// HasCaptures reports whether v refers to $1..$9 (which makes proxy_pass,
// alias and rewrite behave differently in nginx).
func (v *Value) HasCaptures() bool {
	for _, p := range v.Parts {
		if p.Kind == Capture {
			return true
		}
	}
	return false
}

// Table holds the user variables of one configuration (set, named regex
// captures, map, ...), each given a slot; and remembers every name a value
// referred to, so that Check can report unknown variables after the whole
// configuration is read, as ngx_http_variables_init_vars does.
type Table struct {
	slots    map[string]int
	names    []string
	refs     []string
	captured map[int]bool
	maps     map[int]int // slot -> index of the map block that computes it
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{slots: map[string]int{}} }

// Declare adds the user variable name (lower-cased) and returns its slot.
func (t *Table) Declare(name string) int {
	name = strings.ToLower(name)
	if s, ok := t.slots[name]; ok {
		return s
	}
	t.slots[name] = len(t.names)
	t.names = append(t.names, name)
	return len(t.names) - 1
}

// DeclareCapture declares the variable of a named regex capture. Such a
// variable, even when also set, reads as not found without the
// "using uninitialized" warning when no match gave it a value
// (ngx_http_regex_compile installs ngx_http_variable_not_found).
func (t *Table) DeclareCapture(name string) int {
	slot := t.Declare(name)
	if t.captured == nil {
		t.captured = map[int]bool{}
	}
	t.captured[slot] = true
	delete(t.maps, slot)
	return slot
}

// DeclareMap declares the variable of map block m and returns its slot.
// Getters replace one another in declaration order, as nginx's
// get_handler: a map takes over a variable that set or a named capture
// declared before (ngx_http_map_block), a named capture compiled later
// takes it back (ngx_http_regex_compile), and of two maps of one variable
// the later one computes it; set never changes the getter.
func (t *Table) DeclareMap(name string, m int) int {
	slot := t.Declare(name)
	if t.maps == nil {
		t.maps = map[int]int{}
	}
	t.maps[slot] = m
	delete(t.captured, slot)
	return slot
}

// Map returns the index of the map block that computes the slot's
// variable.
func (t *Table) Map(slot int) (int, bool) {
	m, ok := t.maps[slot]
	return m, ok
}

// Captured reports whether the slot is a named regex capture's.
func (t *Table) Captured(slot int) bool { return t.captured[slot] }

// Slot returns the slot of a declared user variable.
func (t *Table) Slot(name string) (int, bool) {
	s, ok := t.slots[strings.ToLower(name)]
	return s, ok
}

// Len is the number of user variable slots a request needs.
func (t *Table) Len() int { return len(t.names) }

// Names returns user variable names by slot.
func (t *Table) Names() []string { return t.names }

// ErrUnknown is returned by Check.
type ErrUnknown struct{ Name string }

func (e *ErrUnknown) Error() string { return fmt.Sprintf("unknown \"%s\" variable", e.Name) }

// Check resolves every user-variable reference made so far to a slot. A
// name that is neither built in, a family member, nor declared is an
// error, reported as nginx does: `unknown "NAME" variable`, without a
// position.
func (t *Table) Check(values []*Value) error {
	for _, v := range values {
		for i := range v.Parts {
			p := &v.Parts[i]
			if p.Kind == Builtin || p.Kind == Fam {
				// A map of a changeable built-in ($args) or of a
				// family name ($arg_x) is found before either, as
				// ngx_http_variables_init_vars looks in the keys first.
				t.mapped(p)
			}
			if p.Kind == Fam {
				t.assigned(p)
			}
			if p.Kind != User {
				continue
			}
			s, ok := t.slots[p.Name]
			if !ok {
				return &ErrUnknown{Name: p.Name}
			}
			p.N = s
		}
	}
	return nil
}

// mapped turns a built-in or family part whose name a map declared into
// a reference to the map's variable.
func (t *Table) mapped(p *Part) {
	if len(t.maps) == 0 {
		return
	}
	name := p.Name
	if p.Kind == Fam {
		name = famName(p)
	}
	if s, ok := t.slots[name]; ok {
		if _, ok := t.maps[s]; ok {
			*p = Part{Kind: User, Name: name, N: s}
		}
	}
}

// assigned links a family member to the variable of the same name that
// "set" declared (GitLab's 'set $http_host_with_default ...'). nginx's
// set leaves such a variable without a getter, so it reads as the family
// member (the request header, argument, cookie) until a set has assigned
// it in the request, and as the assigned value after.
func (t *Table) assigned(p *Part) {
	if s, ok := t.slots[famName(p)]; ok && !t.captured[s] {
		if _, ok := t.maps[s]; !ok {
			p.N = s + 1
		}
	}
}

// famName is a family member's whole variable name ("arg_" + "x").
func famName(p *Part) string {
	for _, f := range families {
		if f.fam == p.Fam {
			return f.prefix + p.Name
		}
	}
	return p.Name
}

var errInvalidName = errors.New("invalid variable name")

// Ref classifies one variable name (without "$") as
// ngx_http_get_variable_index sees it: a built-in, a family member, or a
// user variable. A digit is a name like any other here ("$1" is a capture
// only inside a compiled value, see Compile).
func Ref(name string) Part {
	lname := strings.ToLower(name)
	if id, ok := builtinNames[lname]; ok && !headerAlias(id) {
		return Part{Kind: Builtin, ID: id, Name: lname}
	}
	for _, f := range families {
		// As ngx_http_variables_init_vars, the prefix alone is a member
		// (with an empty name).
		if strings.HasPrefix(lname, f.prefix) {
			return Part{Kind: Fam, Fam: f.fam, Name: lname[len(f.prefix):]}
		}
	}
	return Part{Kind: User, Name: lname}
}

// headerAlias reports whether id is one of the header variables nginx
// declares as built-ins ($http_host, $sent_http_content_type, ...): they
// are built-ins for the configuration's checks (Lookup: "set" may not
// assign them) but read like any member of their family.
func headerAlias(id ID) bool { return id >= SentHTTPContentType && id <= HTTPXForwardedFor }

func isNameChar(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// Compile parses s into parts, as ngx_http_script_compile does: "$name",
// "${name}", and the captures "$1".."$9" (the digit ends the name at once).
func Compile(s string) (*Value, error) {
	v := &Value{Raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			v.Parts = append(v.Parts, Part{Kind: Lit, Lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '$' {
			lit.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(s) {
			return nil, errInvalidName
		}
		if s[i] >= '1' && s[i] <= '9' {
			// "$0" is not a capture but a variable named "0...", as in
			// ngx_http_script_compile.
			flush()
			v.Parts = append(v.Parts, Part{Kind: Capture, N: int(s[i] - '0')})
			i++
			continue
		}
		bracket := false
		if s[i] == '{' {
			bracket = true
			i++
			if i >= len(s) {
				return nil, errInvalidName
			}
		}
		start := i
		for i < len(s) && isNameChar(s[i]) {
			i++
		}
		name := s[start:i]
		if bracket {
			if i >= len(s) || s[i] != '}' {
				return nil, fmt.Errorf("the closing bracket in \"%s\" variable is missing", name)
			}
			i++
		}
		if name == "" {
			return nil, errInvalidName
		}
		flush()
		v.Parts = append(v.Parts, Ref(name))
	}
	flush()
	return v, nil
}

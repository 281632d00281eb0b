package config

import (
	"net/netip"
	"time"

	"weir/internal/conf"
	"weir/internal/errlog"
	"weir/internal/regex"
	"weir/internal/tlsconf"
	"weir/internal/vars"
)

// Config is one immutable, fully merged configuration snapshot.
type Config struct {
	Prefix     string // -p, with a trailing slash
	ConfPrefix string // directory of the -c file, with a trailing slash
	ConfFile   string
	Tree       *conf.Tree

	Daemon                bool
	MasterProcess         bool
	WorkerProcesses       string
	PID                   string // absolute path
	ErrorLogs             []ErrorLog
	WorkerConnections     int
	WorkerRlimitNofile    int64
	WorkerShutdownTimeout time.Duration // 0 = none
	Env                   []string
	User                  string
	EventsUse             string        // the events "use" method; "" = the best one
	Warnings              []*conf.Error // printed by -t as [warn]

	HTTP   *HTTP   // nil without an http block
	Stream *Stream // nil without a stream block
}

// ErrorLog is one error_log sink.
type ErrorLog struct {
	Path   string // absolute path, "stderr", or "syslog:..." as written
	Level  string
	Syslog *errlog.Syslog // the syslog: target, nil for a file
	// Implicit is the log ngx_log_open_default adds at level error when
	// no main-level error_log names a file (the -e log).
	Implicit bool
}

// Sinks turns error_log entries into errlog sinks.
func Sinks(logs []ErrorLog) []errlog.Sink {
	sinks := make([]errlog.Sink, 0, len(logs))
	for _, e := range logs {
		lv, ok := errlog.ParseLevel(e.Level)
		if !ok {
			lv = errlog.DefaultLevel
		}
		sinks = append(sinks, errlog.Sink{Path: e.Path, Level: lv, Syslog: e.Syslog})
	}
	return sinks
}

// HTTP is the http{} block.
type HTTP struct {
	Servers    []*Server
	LogFormats map[string]*LogFormat
	Vars       *vars.Table
	Loc        *Loc // http-level location settings, merged with defaults
	Srv        *Srv
	Listens    []*ListenGroup // unique listening sockets with their servers
	Maps       []*Map         // map blocks in configuration order
	// Upstreams are the upstream blocks and the implicit groups of
	// *_pass directives, in configuration order.
	Upstreams []*Upstream
	// HealthChecks are the health_check directives and Matches the match
	// blocks (commercial nginx's ngx_http_upstream_hc_module).
	HealthChecks []*HealthCheck
	Matches      map[string]*HealthMatch
	// LimitZones are the limit_req and limit_conn zones in order of
	// first mention.
	LimitZones []*LimitZone
	// CacheZones are the *_cache_path caches in configuration order.
	CacheZones []*CacheZone
	// Charsets are the charset names and charset_map tables.
	Charsets *Charsets

	sslZones  map[string]int64 // ssl_session_cache shared zones and their sizes
	ocspZones map[string]int64 // ssl_ocsp_cache zones and their sizes
}

// LogFormat is a compiled log_format.
type LogFormat struct {
	Name   string
	Escape string // default, json, none
	Value  *vars.Value
}

// Server is one server{} block.
type Server struct {
	File    string
	Line    int
	Listens []*Listen
	Names   []*ServerName
	Srv     *Srv
	Loc     *Loc // server-level location settings
	// Rewrite is the server-level rewrite script (server_rewrite phase).
	Rewrite   []Instr
	Locations *LocTree
	// TLS is the server's ssl settings loaded for handshakes; nil when it
	// has no certificate (and does not reject handshakes).
	TLS *tlsconf.Site

	locs     []*Location // locations in configuration order, until the tree is built
	captures bool        // the last regex server name has captures (cscf->captures)
}

// ServerName is one server_name entry.
type ServerName struct {
	Name  string // as written, lower-cased ("" for the empty name)
	Regex *regex.Regexp
}

// Srv holds settings of nginx's core module that live at server level.
type Srv struct {
	ClientHeaderTimeout  Opt[time.Duration]
	ClientHeaderBufSize  Opt[int64]
	LargeHeaderBufNum    Opt[int64]
	LargeHeaderBufSize   Opt[int64]
	MaxHeaders           Opt[int64] // max_headers (nginx 1.27.2, Debian's 1.22.1 has it too)
	IgnoreInvalidHeaders Opt[bool]
	UnderscoresInHeaders Opt[bool]
	MergeSlashes         Opt[bool]
	ConnectionPoolSize   Opt[int64]
	SSL                  SSLSrv
	HTTP2                HTTP2Srv
}

// Match is how a location matches.
type Match int

const (
	MatchPrefix Match = iota
	MatchExact
	MatchPrefixNoRegex // ^~
	MatchRegex         // ~
	MatchRegexCaseless // ~*
	MatchNamed         // @name
	MatchNone          // if-block pseudo location
)

// Location is one location{} block (or an if{} block inside one).
type Location struct {
	File     string
	Line     int
	Name     string // the URI or regex or @name as written
	Match    Match
	Regex    *regex.Regexp
	Internal bool
	Loc      *Loc
	Rewrite  []Instr
	Nested   *LocTree
	Parent   *Location
	Server   *Server
	// LimitExcept is the limit_except block, for the methods not in
	// LimitAllow (see Limited).
	LimitExcept *Location
	LimitAllow  []string

	locs []*Location // nested locations in configuration order
}

// IsInternal reports whether l is internal: marked so itself or inside a
// location that is (nginx merges "internal" down to nested locations).
func (l *Location) IsInternal() bool {
	for ; l != nil; l = l.Parent {
		if l.Internal {
			return true
		}
	}
	return false
}

// LocTree holds a server's or a location's child locations, ready for
// nginx's lookup: exact and prefix locations sorted, regex locations in
// order of appearance, named ones by name.
type LocTree struct {
	Static []*Location // exact, prefix and ^~, sorted by name (ngx_http_cmp_locations)
	Regex  []*Location // ~ and ~* in config order
	Named  map[string]*Location
	// NoRegexFallback is true when the tree had no regex locations
	// (fast path).
}

// Loc holds the settings that nginx keeps in location configuration (set
// at http, server or location level, inherited downward).
type Loc struct {
	Root  Opt[*vars.Value]
	Alias bool // Root is an alias
	// AliasLen is nginx's clcf->alias: the length of the URI prefix an
	// alias replaces, the name of the location that set it (inherited
	// with it by nested locations); -1 for an alias in a regex location,
	// which names the whole path.
	AliasLen    int
	RootFile    string
	RootLine    int
	Index       Opt[[]*vars.Value]
	TryFiles    []*vars.Value // not inherited
	TryFileAt   string        // position of try_files for errors
	Types       Opt[map[string]string]
	DefaultType Opt[string]

	Sendfile             Opt[bool]
	TCPNopush            Opt[bool]
	TCPNodelay           Opt[bool]
	KeepaliveTimeout     Opt[time.Duration]
	KeepaliveHeader      Opt[time.Duration]
	KeepaliveRequests    Opt[int64]
	KeepaliveTime        Opt[time.Duration]
	KeepaliveDisable     Opt[uint32]        // keepalive_disable: KeepaliveDisable* bits
	AuthDelay            Opt[time.Duration] // auth_delay (nginx 1.17.10)
	DisableSymlinks      Opt[*Symlinks]     // disable_symlinks
	ClientMaxBodySize    Opt[int64]
	ClientBodyTimeout    Opt[time.Duration]
	ClientBodyBufSize    Opt[int64]
	ClientBodyTemp       Opt[string] // client_body_temp_path; unset = PREFIX/client_body_temp
	ClientBodyTempLevels Opt[[]int]  // its directory levels
	ClientBodyInFileOnly Opt[string] // client_body_in_file_only: off, on, clean
	SendTimeout          Opt[time.Duration]
	ServerTokens         Opt[string] // on, off, build
	ErrorPages           Opt[[]*ErrorPage]
	RecursiveErrorPages  Opt[bool]
	LogNotFound          Opt[bool]
	LogSubrequest        Opt[bool]
	AccessLogs           Opt[[]*AccessLog]
	AbsoluteRedirect     Opt[bool]
	PortInRedirect       Opt[bool]
	ServerNameInRedirect Opt[bool]
	MsiePadding          Opt[bool]
	Etag                 Opt[bool]
	IfModifiedSince      Opt[string] // off, exact, before
	MaxRanges            Opt[int64]  // -1 = unlimited
	AddHeaders           Opt[[]*AddHeader]
	Expires              Opt[*Expires]
	Autoindex            Opt[bool]
	AutoindexExact       Opt[bool]
	AutoindexFormat      Opt[string]
	AutoindexLocal       Opt[bool]
	RewriteLog           Opt[bool]
	UninitVarWarn        Opt[bool]
	ChunkedTE            Opt[bool]
	HTTP2ChunkSize       Opt[int64]
	Access               Opt[[]*AccessRule]
	ErrorLogs            Opt[[]ErrorLog]
	Resolver             Opt[[]string]
	ResolverTimeout      Opt[time.Duration]
	Satisfy              Opt[string]
	LimitRate            Opt[SizeValue]
	LimitRateAfter       Opt[SizeValue]
	LingeringClose       Opt[string] // off, on, always
	LingeringTime        Opt[time.Duration]
	LingeringTimeout     Opt[time.Duration]
	Limit                LimitLoc // limit_req and limit_conn
	Referer              RefererLoc
	SecureLink           SecureLinkLoc
	Charset              CharsetLoc
	SubFilter            SubFilterLoc
	Trailers             Opt[[]*AddHeader] // add_trailer
	RealIPFrom           Opt[[]TrustedAddr]
	RealIPHeader         Opt[string]
	RealIPRecursive      Opt[bool]
	AuthBasic            AuthBasicLoc

	// Gzip is the gzip filter's and gzip_static's settings.
	Gzip GzipLoc

	Dav         DavLoc    // ngx_http_dav_module
	UserID      UserIDLoc // ngx_http_userid_filter_module
	RandomIndex Opt[bool] // random_index
	Subreq      SubreqLoc // auth_request, mirror

	SSI      SSILoc      // ngx_http_ssi_filter_module
	Addition AdditionLoc // ngx_http_addition_filter_module

	Slice Opt[int64] // slice: the size of the slices, 0 for off

	Browser BrowserLoc // ngx_http_browser_module
	Status  StatusLoc  // status_zone, api
	Gunzip  Opt[bool]  // gunzip
	MP4     MP4Loc     // ngx_http_mp4_module

	// Handler is the content handler stub_status or empty_gif set at
	// this level (HandlerStubStatus, HandlerEmptyGIF); not inherited.
	Handler string

	// Proxy is the proxy module's settings; its Pass is not inherited.
	// So are those of the other upstream modules.
	Proxy     ProxyLoc
	FastCGI   FastCGILoc
	UWSGI     UWSGILoc
	SCGI      SCGILoc
	Memcached MemcachedLoc
	GRPC      GRPCLoc
}

// ErrorPage is one code of an error_page directive.
type ErrorPage struct {
	Code      int
	Overwrite int // =code; -1 = none; 0 = "=" (take the status of the target)
	Target    *vars.Value
}

// AccessLog is one access_log entry; Off true means "access_log off".
type AccessLog struct {
	Off    bool
	Path   *vars.Value
	Format *LogFormat
	Buffer int64
	Flush  time.Duration
	If     *vars.Value
	Gzip   int
	Syslog *errlog.Syslog // a syslog: target; Path is then its text
}

// AddHeader is one add_header.
type AddHeader struct {
	Name   string
	Value  *vars.Value
	Always bool
}

// Expires is the expires directive: Kind "off", "epoch", "max", "modified"
// (relative to Last-Modified), "access" (relative to now), or "daily" (@time).
type Expires struct {
	Kind  string
	Delta time.Duration
	Neg   bool
	Value *vars.Value // variable form
	// Modified is "expires modified $var": the variable's time counts
	// from Last-Modified.
	Modified bool
}

// AccessRule is one allow/deny.
type AccessRule struct {
	Deny bool
	All  bool
	Unix bool
	Net  netip.Prefix
}

package config

import (
	"time"

	"weir/internal/regex"
	"weir/internal/vars"
)

// Upstream is one upstream{} block, or an implicit group made by a
// proxy_pass (fastcgi_pass, ...) that names an address instead of a group
// (nginx's ngx_http_upstream_srv_conf_t; ngx_http_upstream_add).
type Upstream struct {
	Name     string // the group's name, or the host[:port] of an implicit group
	File     string
	Line     int
	Implicit bool // made by *_pass with an address; never by an upstream block
	Port     int  // implicit groups: the port written (0 = none, the scheme's default)

	Servers []*UpstreamServer // in configuration order

	// Method is the balancing method: "" (round robin), "ip_hash",
	// "hash", "least_conn" or "random".
	Method     string
	HashKey    *vars.Value // hash $key
	Consistent bool        // hash ... consistent
	RandomTwo  bool        // random two
	// RandomMethod is the method random two uses to pick of the two:
	// "least_conn" (the default and the only one in free nginx).
	RandomMethod string

	// Keepalive is the number of idle connections cached (keepalive N);
	// nginx 1.29.7 made "keepalive 32 local" the default. 0 = off.
	Keepalive         int
	KeepaliveLocal    bool // "local": connections are not shared between locations
	KeepaliveRequests int64
	KeepaliveTime     time.Duration
	KeepaliveTimeout  time.Duration
	Zone              string
	ZoneSize          int64
	// State is the state directive's file (commercial nginx), resolved
	// against the configuration prefix: the group's servers are read
	// from it and the API rewrites it. "" = none.
	State        string
	stateReading bool // the state file's server lines are being read

	// Sticky is the group's sticky directive (nginx 1.29.6); nil = none.
	Sticky *Sticky
	// Queue is the queue directive (commercial nginx): how many requests
	// may wait for a peer, and for how long. 0 = no queue.
	Queue        int
	QueueTimeout time.Duration

	// Resolver is the resolver given inside the block (nginx 1.27.3), or
	// the http level's when the block has a server to re-resolve;
	// ResolverTimeout likewise (30s).
	Resolver        []string
	ResolverTimeout time.Duration

	// LeastTime is least_time's mode (nginx 1.31.0; Method
	// "least_time"): "header" or "last_byte"; LeastTimeInflight its
	// "inflight".
	LeastTime         string
	LeastTimeInflight bool

	dport int             // implicit groups: the port dialled (the scheme's default when none was written)
	seen  map[string]bool // directives given once per block (keepalive, ...)
}

// UpstreamServer is one server line of an upstream block.
type UpstreamServer struct {
	File string
	Line int
	// Host is the address as written, without the "unix:" prefix for
	// sockets ("127.0.0.1:8081", "app.local", "[::1]:9000", "/run/app.sock").
	Host  string
	Addrs []UpstreamAddr // what Host resolved to, one peer each

	Weight      int
	MaxFails    int
	FailTimeout time.Duration
	MaxConns    int
	Backup      bool
	Down        bool
	SlowStart   time.Duration // slow_start= (commercial nginx); 0 = off
	Drain       bool          // drain (nginx 1.29.6): only sticky requests reach it
	Route       string        // route= (nginx 1.29.6): the server's sticky identifier

	// ResolveHost is the name "resolve" (nginx 1.27.3) has re-resolved at
	// run time ("" for a server resolved once at load, whose Addrs are
	// its peers; a re-resolved one has none at first). ResolvePort is the
	// port its addresses get; Service is service=, for SRV records.
	ResolveHost string
	ResolvePort int
	Service     string
}

// UpstreamAddr is one resolved address of a server line.
type UpstreamAddr struct {
	Network string // "tcp" or "unix"
	Addr    string // what to dial: "127.0.0.1:8081", "[::1]:80", "/run/app.sock"
	Name    string // as $upstream_addr shows it: "127.0.0.1:8081", "unix:/run/app.sock"
}

// Next-upstream conditions (ngx_http_upstream_next_t bits, in nginx's
// NGX_HTTP_UPSTREAM_FT_* order).
const (
	NextError NextUpstream = 1 << iota
	NextTimeout
	NextInvalidHeader
	NextHTTP500
	NextHTTP502
	NextHTTP503
	NextHTTP504
	NextHTTP403
	NextHTTP404
	NextHTTP429
	NextUpdating
	NextNonIdempotent
	NextOff // "off" was given (no other bit may be set)
)

// NextUpstream is a set of *_next_upstream conditions.
type NextUpstream uint32

// Ignored upstream response headers (*_ignore_headers).
const (
	IgnoreXAccelRedirect IgnoreHeaders = 1 << iota
	IgnoreXAccelExpires
	IgnoreXAccelLimitRate
	IgnoreXAccelBuffering
	IgnoreXAccelCharset
	IgnoreExpires
	IgnoreCacheControl
	IgnoreSetCookie
	IgnoreVary
)

// IgnoreHeaders is a set of *_ignore_headers values.
type IgnoreHeaders uint32

// Pass is the target of proxy_pass (and, later, fastcgi_pass and the other
// *_pass directives). It is set only in the location (or if-in-location)
// that names it; nested locations do not inherit it.
type Pass struct {
	File string
	Line int
	// URL is the argument as written ("http://backend/app/"); the default
	// proxy_redirect rule is derived from it.
	URL string
	// Upstream is the group when the target names no variables: an
	// upstream block or an implicit group of one address.
	Upstream *Upstream
	// Value is set instead when the target has variables; the group or
	// address is then found per request (an upstream block by name, else
	// an address; nginx needs a resolver for a host name).
	Value *vars.Value

	Scheme string // "http://" or "https://" (proxy_pass only)
	// URI is the part after the host ("/", "/app/", "" when none); nil
	// when none was written. With a URI the matched location prefix is
	// replaced by it (ngx_http_proxy_create_request).
	URI    *vars.Value
	HasURI bool
	// Host is what $proxy_host gives: "127.0.0.1:8081", "backend",
	// "unix:/run/app.sock"; Port is $proxy_port ("80" for a group).
	Host string
	Port string
	// LocationLen is the length of the location prefix that the URI part
	// replaces (clcf->name.len), 0 for regex and named locations, in which
	// a URI part is refused at load.
	LocationLen int
}

// HeaderParam is one proxy_set_header (or fastcgi_param ...) entry.
type HeaderParam struct {
	Name        string
	Value       *vars.Value
	IfNotEmpty  bool // fastcgi_param ... if_not_empty
	Lower       bool // name lower-cased matters (uwsgi/scgi keep case)
	FromDefault bool // one of the module's default headers, not written by the user
}

// Redirect is one proxy_redirect rule. Default marks "default", which
// the loader turns into the rule nginx derives from proxy_pass (From is
// then set as well).
type Redirect struct {
	Default bool
	From    RegexRule
	To      *vars.Value
}

// RegexRule is the match side of proxy_redirect and proxy_cookie_*: a
// value compared as a case-insensitive prefix (proxy_redirect) or whole
// (cookie domain, prefix for cookie path), or a regex written with ~ or
// ~* whose captures the replacement may use.
type RegexRule struct {
	Value *vars.Value
	Re    *regex.Regexp
}

// CookieRewrite is one proxy_cookie_domain or proxy_cookie_path rule.
type CookieRewrite struct {
	From RegexRule
	To   *vars.Value
}

// UpstreamConf holds the settings every upstream module keeps in its
// ngx_http_upstream_conf_t (proxy, fastcgi, uwsgi, scgi, memcached): the
// same family of directives under each module's prefix. Each module's
// location settings embed one; the merge fills it field by field.
type UpstreamConf struct {
	ConnectTimeout      Opt[time.Duration] // 60s
	SendTimeout         Opt[time.Duration] // 60s
	ReadTimeout         Opt[time.Duration] // 60s
	NextUpstream        Opt[NextUpstream]  // error timeout
	NextUpstreamTries   Opt[int64]         // 0 = no limit
	NextUpstreamTimeout Opt[time.Duration] // 0 = no limit

	Buffering        Opt[bool]  // on
	RequestBuffering Opt[bool]  // on
	BufferSize       Opt[int64] // 4k (one page)
	BuffersNum       Opt[int64] // 8
	BuffersSize      Opt[int64] // 4k
	BusyBuffersSize  Opt[int64] // 2 * max(buffer size, one buffer); -1 = unset (computed)
	MaxTempFileSize  Opt[int64] // 1024m
	TempFileWrite    Opt[int64] // 2 * max(buffer size, one buffer)
	TempPath         Opt[string]
	TempLevels       Opt[[]int] // the directory levels of *_temp_path (1 2 for the default path)

	HideHeaders        Opt[[]string] // names, lower-case
	PassHeaders        Opt[[]string] // names, lower-case
	IgnoreHeaders      Opt[IgnoreHeaders]
	PassRequestHeaders Opt[bool]        // on
	PassRequestBody    Opt[bool]        // on
	InterceptErrors    Opt[bool]        // off
	IgnoreClientAbort  Opt[bool]        // off
	SocketKeepalive    Opt[bool]        // off
	Bind               Opt[string]      // the address as written; "" = off
	BindValue          Opt[*vars.Value] // the same, compiled (it may have variables); nil = off
	BindTransparent    Opt[bool]        // proxy_bind ... transparent
	ForceRanges        Opt[bool]        // off
	LimitRate          Opt[int64]       // 0

	// Params are proxy_set_header / fastcgi_param entries, inherited only
	// when a level sets none.
	Params Opt[[]*HeaderParam]

	Cache CacheConf // *_cache and the other *_cache_* directives
}

// ProxyLoc is the proxy module's location settings
// (ngx_http_proxy_loc_conf_t).
type ProxyLoc struct {
	UpstreamConf
	Pass *Pass // not inherited

	Method      Opt[*vars.Value] // proxy_method; nil = the client's
	HTTPVersion Opt[string]      // "1.0", "1.1" (default since nginx 1.29.7), "2" (nginx 1.29.4)
	SetBody     Opt[*vars.Value]
	// Redirects are the proxy_redirect rules; unset means "default",
	// an empty set list means "off".
	Redirects     Opt[[]*Redirect]
	CookieDomains Opt[[]*CookieRewrite] // empty = off
	CookiePaths   Opt[[]*CookieRewrite] // empty = off
	CookieFlags   Opt[[]*CookieFlag]    // empty = off
	UpstreamSSL                         // proxy_ssl_*
}

// FastCGILoc is the fastcgi module's location settings
// (ngx_http_fastcgi_loc_conf_t). Params are fastcgi_param entries.
type FastCGILoc struct {
	UpstreamConf
	Pass *Pass // not inherited; Pass.Scheme is "fastcgi://"

	Index         Opt[*vars.Value]   // fastcgi_index
	SplitPathInfo Opt[*regex.Regexp] // fastcgi_split_path_info (two captures)
	KeepConn      Opt[bool]          // fastcgi_keep_conn, off
	CatchStderr   Opt[[]*vars.Value] // fastcgi_catch_stderr
}

// UWSGILoc is the uwsgi module's location settings. Params are
// uwsgi_param entries.
type UWSGILoc struct {
	UpstreamConf
	UpstreamSSL            // uwsgi_ssl_*, for "suwsgi://"
	Pass        *Pass      // Pass.Scheme is "uwsgi://" (or "suwsgi://")
	Modifier1   Opt[int64] // uwsgi_modifier1, 0
	Modifier2   Opt[int64] // uwsgi_modifier2, 0
}

// SCGILoc is the scgi module's location settings. Params are scgi_param
// entries.
type SCGILoc struct {
	UpstreamConf
	Pass *Pass // Pass.Scheme is "scgi://"
}

// MemcachedLoc is the memcached module's location settings; the key is
// the $memcached_key variable.
type MemcachedLoc struct {
	UpstreamConf
	Pass     *Pass      // Pass.Scheme is "memcached://"
	GzipFlag Opt[int64] // memcached_gzip_flag; 0 = none
}

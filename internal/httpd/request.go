package httpd

import (
	"strings"
	"sync"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/limit"
	"weir/internal/vars"
)

// maxURIChanges is nginx's NGX_HTTP_MAX_URI_CHANGES: internal redirects
// and "rewrite ... last" restarts allowed per request.
const maxURIChanges = 10

// request is the pipeline's state for one request (nginx's
// ngx_http_request_t fields the phases use).
type request struct {
	h    *Handler
	snap *Snapshot
	w    *httpcore.Response
	r    *httpcore.Request

	addr *config.AddrConf
	srv  *config.Server
	loc  *config.Location // matched location
	lc   *config.Loc      // effective settings (location or if block)

	fileSent bool // the static module had the file (its log action)

	srvZone *zoneStats // the server's status zone, counting the request

	// try_files found a file under the alias of a regex location, which
	// now names its directory (r->add_uri_to_alias)
	addURIToAlias bool
	// try_files redirected to an empty URI whose byte before, read by
	// nginx's handlers as its last, was the "/" ending the alias
	// (uriAfterSlash: the index and autoindex modules take it for a
	// directory)
	uriAfterSlash bool

	uri         string
	args        string
	argsSet     bool // r->args.data != NULL: $args is "" rather than "-" when empty
	method      string
	internal    bool // after an internal redirect or a rewrite
	methodSet   bool // error_page made it a GET (method_name set)
	uriChanged  bool // a rewrite without "last" or "break" changed the URI
	scriptLog   bool // rewrite_log where the running rewrite script started (e->log)
	scriptQuote bool // the running rewrite script's e->quote (see evalScript)
	changes     int
	status      int  // final status for the log
	errPage     bool // an error_page redirect happened
	noLog       bool
	logging     bool // the access logs are being written (c->log->action)
	completed   bool // the response went out whole ($request_completion)
	complTaken  bool // $request_completion was taken as "" (it is cached)
	bodyHandled bool // the body was discarded, or is deliberately left unread
	bodyChecked bool

	// the last successful regex match, for $1..$9
	capSrc string
	caps   []int

	user    []string
	userSet []bool

	filename string

	serverName string // for $server_name: first name of the server
	hostMatch  string

	errStatus int // status forced by error_page (r->err_status)

	limitRate    int64 // set $limit_rate
	limitRateSet bool
	closed       bool // close without a response (444, 408)
	reqID        string

	varDepth int // map variables being computed, one inside another

	slExpires    string // $secure_link_expires, once $secure_link found one
	slExpiresSet bool

	uid *uidState // the userid filter's state (its module ctx)

	px              *proxyState              // proxying state, once proxy_pass runs
	ups             []upState                // $upstream_* attempts
	upCtx           [4]string                // the "upstream:" of error-log lines, in parts (upstreamText)
	headerFilterFn  func(*httpcore.Response) // q.headerFilter, bound once for the pooled request
	sendFailFn      func(string)             // q.sendFailLog, bound likewise
	locChanged      bool                     // "rewrite ... break" changed the URI (r->valid_location = 0)
	autoRedirect    bool                     // the location search ended in nginx's auto_redirect (NGX_DONE)
	ctype           string                   // r->headers_out.content_type set before the content handler
	passedHeaders   bool                     // w.Header holds an upstream's headers
	overrideCharset string                   // an upstream's X-Accel-Charset (r->headers_out.override_charset)
	specialSent     bool                     // the response is nginx's built-in page (sendSpecial)
	accelRedirected bool                     // an upstream's X-Accel-Redirect was followed
	extraSent       int64                    // body bytes sent outside the engine's writer (tunnels, raw passing)

	limitReqStatus  uint8        // $limit_req_status (r->main->limit_req_status)
	limitConnStatus uint8        // $limit_conn_status
	passTrailers    bool         // grpc: the upstream's trailers follow the body
	connHeld        []limit.Held // limit_conn counts taken until the request ends
	rip             realipState  // the client address realip took from a header

	main        *request        // the main request of a subrequest (r->main); nil for a main request
	subStart    int64           // when a subrequest was made, Unix ns ($request_time counts from it); 0 for a main request
	subUpstream bool            // an auth subrequest used an upstream, which left c->log->action
	keptBody    *reqBody        // the body mirror read (a main request's), or a mirror subrequest's copy
	bg          *sync.WaitGroup // the mirror subrequests running
	headerOnly  bool            // a subrequest whose response body nobody reads (sr->header_only)
	argsSetVar  bool            // $args was assigned: the client's URI no longer goes as sent (r->valid_unparsed_uri = 0)

	ssi        *ssiFilter // the request's ssi filter, for $date_local/$date_gmt
	ssiMain    *ssiMain   // a main request's ssi state, shared with its subrequests
	staticSent bool       // the static module answered (it set c->log->action)

	slice *sliceCtx // the slicing of the request and its slice subrequests
	bgUp  *bgUpdate // a background cache update subrequest's (r->background)

	buf     []byte // scratch for evaluation
	logLine []byte
}

var reqPool = sync.Pool{New: func() any { return &request{caps: make([]int, 0, 20)} }}

// Serve implements httpcore.Handler.
func (h *Handler) Serve(w *httpcore.Response, r *httpcore.Request) {
	q := reqPool.Get().(*request)
	*q = request{caps: q.caps[:0], buf: q.buf[:0], logLine: q.logLine[:0], user: q.user[:0], userSet: q.userSet[:0], ups: q.ups[:0], headerFilterFn: q.headerFilterFn, sendFailFn: q.sendFailFn, connHeld: q.connHeld[:0]}
	if q.headerFilterFn == nil {
		q.headerFilterFn, q.sendFailFn = q.headerFilter, q.sendFailLog
	}
	q.h, q.snap, q.w, q.r = h, h.snap.Load(), w, r
	w.SendFailLog = q.sendFailFn
	q.uri, q.args, q.method = r.Path, r.Args, r.Method
	q.argsSet = r.Args != "" || emptyArgsBeforeHash(r.RawURI)
	q.serve()
	q.finish()
	// the connection's own lines go to this request's log from now on
	r.Conn.ErrorLog = q.log()
	if len(q.connHeld) > 0 {
		q.releaseConns()
	}
	if q.px != nil {
		q.px.release()
		q.px = nil
	}
	w.SendFailLog = nil // the engine may still write after Serve, q goes back to the pool
	q.h, q.snap, q.w, q.r, q.srv, q.loc, q.lc, q.addr = nil, nil, nil, nil, nil, nil, nil, nil
	reqPool.Put(q)
}

// log returns the error log for the request's current level: the
// location's, server's or http's error_log, else the main one.
func (q *request) log() *errlog.Logger {
	if l := q.snap.levelLog(q.lc); l != nil {
		return l
	}
	return q.snap.Log
}

// serve runs the phases.
func (q *request) serve() {
	s := q.snap
	if s.Cfg.HTTP == nil {
		q.w.KeepAlive = false
		q.respondStatus(500)
		return
	}
	n := s.Cfg.HTTP.Vars.Len()
	for i := 0; i < n; i++ {
		q.user = append(q.user, "")
		q.userSet = append(q.userSet, false)
	}
	q.addr = s.addrConf(q.r.Conn.Tag, q.r.Conn.Local)
	if q.addr == nil {
		q.w.KeepAlive = false
		q.respondStatus(500)
		return
	}
	q.findServer()
	q.logNotes()
	q.lc = q.srv.Loc
	q.zoneStart()
	q.setResponseDefaults()
	if q.r.Err != 0 {
		q.engineError()
		return
	}
	if q.sslCheck() {
		return
	}
	q.realip(q.srv.Loc) // post-read phase
	// server rewrite phase
	switch q.runScript(q.srv.Rewrite, nil) {
	case scriptDone:
		return
	}
	q.findAndRun()
}

// findServer selects the virtual server by Host (ngx_http_set_virtual_server).
func (q *request) findServer() {
	q.srv = q.addr.Default
	if host := q.r.Host; host != "" {
		if srv, name := q.addr.Names.Find(host); srv != nil {
			q.srv = srv
			if name != nil && name.Regex != nil {
				q.matchCaptures(name.Regex, host)
			}
		}
	} else if q.r.HeaderDone {
		// ngx_http_process_request_header looks up "" for a request
		// without Host once its header is in (a server without
		// server_name is named "").
		if srv, ok := q.addr.Names.Exact[""]; ok {
			q.srv = srv
		}
	}
	q.setServerName()
}

// setServerName sets $server_name for q.srv: its first name, without
// the leading dot of ".example.com" (ngx_http_core_server_name).
func (q *request) setServerName() {
	q.serverName = ""
	if len(q.srv.Names) > 0 {
		q.serverName = q.srv.Names[0].Name
		if len(q.serverName) > 1 && q.serverName[0] == '.' {
			q.serverName = q.serverName[1:]
		}
	}
}

// setResponseDefaults applies the settings that depend only on the
// current location to the response (keep-alive, Server).
func (q *request) setResponseDefaults() {
	lc := q.lc
	w := q.w
	w.KeepaliveTimeout = lc.KeepaliveTimeout.V
	w.KeepaliveHeader = lc.KeepaliveHeader.V
	w.KeepaliveRequests = int(lc.KeepaliveRequests.V)
	w.KeepaliveTime = lc.KeepaliveTime.V
	w.NoChunked = !lc.ChunkedTE.V
	w.SendTimeout = lc.SendTimeout.V
	if !q.limitRateSet {
		w.LimitRate = lc.LimitRate.V.N // one with variables: limitRateFromVars
	}
	w.LimitRateAfter = lc.LimitRateAfter.V.N
	switch lc.LingeringClose.V {
	case "off":
		w.Lingering = httpcore.LingerOff
	case "always":
		w.Lingering = httpcore.LingerAlways
	default:
		w.Lingering = httpcore.LingerOn
	}
	w.LingeringTime, w.LingeringTimeout = lc.LingeringTime.V, lc.LingeringTimeout.V
	switch lc.ServerTokens.V {
	case "off":
		w.Server = Name
	case "build":
		w.Server = Name + "/" + Version
	default:
		w.Server = Name + "/" + Version
	}
}

// limitRateFromVars evaluates a limit_rate (and then limit_rate_after)
// given with variables when the response starts, as ngx_http_write_filter
// does at its first write, unless the rate was set for this request ($limit_rate,
// X-Accel-Limit-Rate). A value that is not a size counts as 0, with
// nginx's error (ngx_http_complex_value_size).
func (q *request) limitRateFromVars(w *httpcore.Response) {
	lc := q.lc
	if q.limitRateSet || lc.LimitRate.V.V == nil {
		return
	}
	w.LimitRate = q.sizeOf(lc.LimitRate.V.V)
	if w.LimitRate != 0 && lc.LimitRateAfter.V.V != nil {
		w.LimitRateAfter = q.sizeOf(lc.LimitRateAfter.V.V)
	}
}

// sizeOf is ngx_http_complex_value_size with a default of 0.
func (q *request) sizeOf(v *vars.Value) int64 {
	s := q.eval(v)
	n := config.ParseSize(s)
	if n < 0 {
		// the action is the one of whoever writes first: the upstream
		// module's or the request's own
		action := "sending response to client"
		if q.px != nil {
			action = "sending to client"
		}
		q.log().Logf(errlog.Error, q.r.Conn.ID, "invalid size \"%s\" while %s%s", s, action, q.logSuffix())
		return 0
	}
	return n
}

// findAndRun finds the location for the current URI and runs the location
// phases; it is re-entered after "rewrite ... last" and internal
// redirects.
func (q *request) findAndRun() {
	for {
		if q.changes > maxURIChanges {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "rewrite or internal redirection cycle while processing \"%s\"%s", q.uri, q.logSuffix())
			q.respondStatus(500)
			return
		}
		q.autoRedirect = false
		loc := findLocation(q, q.srv.Locations)
		if loc == nil {
			q.loc = nil
			q.lc = q.srv.Loc
		} else {
			q.loc = loc
			q.lc = loc.Loc
			q.limitExcept()
		}
		q.updateLocationConfig()
		if !q.bodyChecked {
			// ngx_http_core_find_config_phase: the body size is checked as
			// soon as the location is known.
			q.bodyChecked = true
			max := q.lc.ClientMaxBodySize.V
			q.r.SetBodyLimit(max)
			q.r.SetBodyTimeout(q.lc.ClientBodyTimeout.V)
			if max > 0 && q.r.ContentLength > max {
				q.log().Logf(errlog.Error, q.r.Conn.ID, "client intended to send too large body: %d bytes%s", q.r.ContentLength, q.logSuffix())
				q.w.KeepAlive = false
				q.bodyHandled = true // the engine closes; the body is not read
				q.respondStatus(413)
				return
			}
		}
		if q.loc != nil && q.loc.IsInternal() && !q.internal {
			q.respondStatus(404)
			return
		}
		if q.autoRedirect {
			// ngx_http_core_find_config_phase, NGX_DONE
			target := q.loc.Name
			if q.args != "" {
				target = q.uri + "/?" + q.args
			}
			q.discardSpecial()
			q.redirect(301, target)
			return
		}
		var script []config.Instr
		if q.loc != nil && !q.inLimitExcept() {
			script = q.loc.Rewrite
		}
		switch q.runScript(script, q.loc) {
		case scriptDone:
			return
		case scriptRestart:
			q.changes++
			continue
		}
		q.contentPhase()
		return
	}
}

// internalRedirectArgs is ngx_http_split_args followed by
// ngx_http_internal_redirect, as try_files and error_page do: the args
// are what follows "?" in uri, and none when there is no "?".
func (q *request) internalRedirectArgs(uri string) {
	uri, q.args, q.argsSet = strings.Cut(uri, "?")
	q.internalRedirect(uri)
}

// internalRedirect restarts location processing for uri, keeping the
// request's args (ngx_http_internal_redirect(r, uri, &r->args), as index
// does).
func (q *request) internalRedirect(uri string) {
	q.changes++
	if q.changes > maxURIChanges {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "rewrite or internal redirection cycle while internally redirecting to \"%s\"%s", uri, q.logSuffix())
		q.respondStatus(500)
		return
	}
	q.uri = uri
	q.internal = true
	// ngx_http_internal_redirect: the server's configuration again, and
	// the phases from the server rewrite phase on (ngx_http_handler with
	// r->internal set), so the server's rewrites see the new URI.
	q.loc, q.lc = nil, q.srv.Loc
	q.locChanged = false // ngx_http_handler: r->valid_location = 1
	q.addURIToAlias = false
	q.updateLocationConfig()
	if q.runScript(q.srv.Rewrite, nil) == scriptDone {
		return
	}
	q.findAndRun()
}

// namedRedirect jumps to a named location (ngx_http_named_location).
func (q *request) namedRedirect(name string) {
	q.changes++
	if q.changes > maxURIChanges {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "rewrite or internal redirection cycle while redirect to named location \"%s\"%s", name, q.logSuffix())
		q.respondStatus(500)
		return
	}
	loc, ok := q.srv.Locations.Named[name]
	if !ok {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "could not find named location \"%s\"%s", name, q.logSuffix())
		q.respondStatus(500)
		return
	}
	q.internal = true
	q.loc, q.lc = loc, loc.Loc
	q.limitExcept()
	q.updateLocationConfig()
	script := loc.Rewrite
	if q.inLimitExcept() {
		script = nil
	}
	switch q.runScript(script, loc) {
	case scriptDone:
		return
	case scriptRestart:
		q.changes++
		q.findAndRun()
		return
	}
	q.contentPhase()
}

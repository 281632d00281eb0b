package httpd

import (
	"strconv"
	"strings"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
	"weir/internal/static"
)

// statusText holds the titles nginx puts in its error pages
// (ngx_http_error_pages): the code and reason as shown.
var statusTitle = map[int]string{
	301: "301 Moved Permanently", 302: "302 Found", 303: "303 See Other",
	307: "307 Temporary Redirect", 308: "308 Permanent Redirect",
	400: "400 Bad Request", 401: "401 Authorization Required", 402: "402 Payment Required",
	403: "403 Forbidden", 404: "404 Not Found", 405: "405 Not Allowed",
	406: "406 Not Acceptable", 408: "408 Request Time-out", 409: "409 Conflict",
	410: "410 Gone", 411: "411 Length Required", 412: "412 Precondition Failed",
	413: "413 Request Entity Too Large", 414: "414 Request-URI Too Large",
	415: "415 Unsupported Media Type", 416: "416 Requested Range Not Satisfiable",
	421: "421 Misdirected Request", 429: "429 Too Many Requests",
	494: "400 Request Header Or Cookie Too Large", 495: "400 The SSL certificate error",
	496: "400 No required SSL certificate was sent", 497: "400 The plain HTTP request was sent to HTTPS port",
	500: "500 Internal Server Error", 501: "501 Not Implemented", 502: "502 Bad Gateway",
	503: "503 Service Temporarily Unavailable", 504: "504 Gateway Time-out",
	505: "505 HTTP Version Not Supported", 507: "507 Insufficient Storage",
}

// errorPageBody builds nginx's built-in page for code, with weir's name
// in the footer (server_tokens decides whether the version shows).
func (q *request) errorPageBody(code int) string {
	title, ok := statusTitle[code]
	if !ok {
		return ""
	}
	foot := q.w.Server
	if foot == "" {
		foot = Name
	}
	h1 := "<center><h1>" + title + "</h1></center>\r\n"
	if code >= 494 && code <= 497 {
		// ngx_http_error_494_page and its kin: a 400 heading and the
		// reason on a line of its own
		h1 = "<center><h1>400 Bad Request</h1></center>\r\n<center>" + title[4:] + "</center>\r\n"
	}
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n" + h1 +
		"<hr><center>" + foot + "</center>\r\n</body>\r\n</html>\r\n"
	if code >= 400 && q.lc.MsiePadding.V && q.r.Proto != "" && q.friendlyErrorBrowser() {
		body += msiePadding
	}
	return body
}

// msiePadding makes an error page long enough that MSIE and Chrome show
// it instead of their own "friendly" page (ngx_http_msie_padding).
var msiePadding = strings.Repeat("<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n", 6)

// friendlyErrorBrowser reports whether the User-Agent is one nginx pads
// error pages for: MSIE or Chrome.
func (q *request) friendlyErrorBrowser() bool {
	ua, ok := q.requestHeader("user_agent")
	if !ok {
		return false
	}
	k := classifyUserAgent(ua)
	return k.msie || k.chrome
}

// updateLocationConfig is ngx_http_update_location_config, run when the
// request enters a location (found, named, internal redirect, if block):
// the response settings of the location and, after them,
// keepalive_disable: no keep-alive for a POST from an old MSIE (msie6) or
// for Safari on macOS (safari). The server-level settings a request gets
// before its location is known do not apply keepalive_disable.
func (q *request) updateLocationConfig() {
	q.setResponseDefaults()
	bits := q.lc.KeepaliveDisable.V
	if !q.w.KeepAlive || bits&(config.KeepaliveDisableMSIE6|config.KeepaliveDisableSafari) == 0 ||
		(bits&config.KeepaliveDisableSafari == 0 && q.r.Method != "POST") {
		return
	}
	ua, ok := q.requestHeader("user_agent")
	if !ok {
		return
	}
	k := classifyUserAgent(ua)
	if (k.msie6 && q.r.Method == "POST" && bits&config.KeepaliveDisableMSIE6 != 0) ||
		(k.safari && bits&config.KeepaliveDisableSafari != 0) {
		q.w.KeepAlive = false
	}
}

// userAgent is what ngx_http_process_user_agent makes of a User-Agent:
// MSIE (a version follows "MSIE "), MSIE 4, 5 or 6 without SV1 (msie6);
// when it is neither MSIE nor Opera, Chrome (no "Gecko/") and Safari on
// macOS (neither "Gecko/" nor "Chrome/").
type userAgent struct{ msie, msie6, chrome, safari bool }

func classifyUserAgent(ua string) (k userAgent) {
	if strings.Contains(ua, "Opera") {
		return k
	}
	if i := strings.Index(ua, "MSIE "); i >= 0 && i+7 < len(ua) {
		k.msie = true
		if ua[i+6] == '.' {
			switch ua[i+5] {
			case '4', '5':
				k.msie6 = true
			case '6':
				k.msie6 = !strings.Contains(ua[i+8:], "SV1")
			}
		}
		return k
	}
	switch {
	case strings.Contains(ua, "Gecko/"):
	case strings.Contains(ua, "Chrome/"):
		k.chrome = true
	default:
		k.safari = strings.Contains(ua, "Safari/") && strings.Contains(ua, "Mac OS X")
	}
	return k
}

// wireStatus maps nginx's internal codes to what goes on the wire.
func wireStatus(code int) int {
	switch code {
	case 494, 495, 496, 497:
		return 400
	case 498:
		return 404
	}
	return code
}

// respondStatus finalizes the request with an error or special status
// (ngx_http_finalize_request → ngx_http_special_response_handler),
// running error_page first.
func (q *request) respondStatus(code int) {
	if q.w.HeaderSent() {
		return
	}
	// no "100 Continue" before a special response, nor (nginx 1.22, as
	// tested) before an error page's answer
	q.r.ExpectTested()
	if code == 408 || code == 499 {
		// ngx_http_finalize_request terminates the request for these
		// ("return 408" too): no response, the connection closed, the
		// code logged
		q.closeNow()
		q.status = code
		return
	}
	// ngx_http_special_response_handler: r->err_status = error, so a
	// status forced by an earlier error_page gives way to this one.
	q.errStatus = 0
	q.specialKeepalive(code)
	if code >= 300 && q.tryErrorPage(code) {
		return
	}
	q.sendSpecial(code)
}

// specialKeepalive is the start of ngx_http_special_response_handler:
// the statuses that leave the request stream in doubt end keep-alive,
// whether an error_page or nginx's own page answers them. (A 494 from
// reading the header, like every refusal of the engine, closes anyway.)
func (q *request) specialKeepalive(code int) {
	switch code {
	case 400, 413, 414, 495, 496, 497, 500, 501:
		q.w.KeepAlive = false
	}
}

// sendSpecial sends nginx's built-in response for code.
func (q *request) sendSpecial(code int) {
	w := q.w
	q.specialKeepalive(code)
	q.specialSent = true
	w.Status = wireStatus(code)
	if q.errStatus != 0 {
		// an error page replaced the status already
	}
	q.status = w.Status
	w.LastModified = time.Time{}
	switch code {
	case 204, 304:
		w.ContentType = ""
		w.ContentLength = -1
		if code == 204 {
			w.ContentLength = 0
		}
		q.writeHeaderOnly()
		return
	}
	body := q.errorPageBody(code)
	if body == "" {
		// ngx_http_special_response_handler clears the type; a code
		// without a page (418, 599) goes out with no Content-Type.
		w.ContentType = ""
		w.ContentLength = 0
		q.writeHeaderOnly()
		return
	}
	w.ContentType = "text/html"
	w.ContentLength = int64(len(body))
	q.writeBody(body)
}

// tryErrorPage applies the error_page for code if one is set; it reports
// whether the request was handed over (ngx_http_send_error_page).
func (q *request) tryErrorPage(code int) bool {
	if q.errPage {
		return false
	}
	if q.changes > maxURIChanges {
		// after a redirection cycle nginx sends its own page
		// (r->uri_changes == 0)
		return false
	}
	var ep *config.ErrorPage
	for _, e := range q.lc.ErrorPages.V {
		if e.Code == code {
			ep = e
			break
		}
	}
	if ep == nil {
		return false
	}
	// ngx_http_special_response_handler: r->error_page is set only
	// where recursive_error_pages is off, so a page reached from a
	// recursive location may use error_page again wherever it lands.
	if !q.lc.RecursiveErrorPages.V {
		q.errPage = true
	}
	// The Location of a redirect that led here stays in headers_out
	// through the internal redirect and goes out with the final answer.
	q.w.Header = keepLocation(q.w.Header)
	target := q.eval(ep.Target)
	status := code
	if ep.Overwrite > 0 {
		status = ep.Overwrite
	}
	if ep.Overwrite == 0 {
		q.errStatus = 0
	} else {
		q.errStatus = wireStatus(status)
	}
	q.discardBody()
	if strings.HasPrefix(target, "@") {
		// a named location keeps the method
		q.namedRedirect(target)
		return true
	}
	if strings.HasPrefix(target, "/") {
		if q.method != "HEAD" {
			q.method, q.methodSet = "GET", true
		}
		if _, static := ep.Target.Static(); !static {
			// ngx_http_send_error_page splits a computed URI with
			// ngx_http_split_args, which leaves the args set even when
			// empty; a static URI's args were split at load.
			uri, args, _ := strings.Cut(target, "?")
			q.args, q.argsSet = args, true
			q.internalRedirect(uri)
			return true
		}
		q.internalRedirectArgs(target)
		return true
	}
	// a URL: redirect the client
	rc := 302
	if ep.Overwrite == 301 || ep.Overwrite == 302 || ep.Overwrite == 303 || ep.Overwrite == 307 || ep.Overwrite == 308 {
		rc = ep.Overwrite
	}
	q.errStatus = 0
	q.w.Header = append(q.w.Header[:0], httpcore.Header{Name: "Location", Value: target})
	q.sendSpecial(rc)
	return true
}

// redirect answers with code and a Location (return 301 URL, rewrite
// redirect/permanent), through error_page like any special response.
func (q *request) redirect(code int, location string) {
	q.errStatus = 0 // a special response, as in respondStatus
	// r->headers_out.location is set before the status is finalized, so
	// an error_page for the code keeps it (ngx_http_send_response,
	// ngx_http_script_regex_end_code, the static module).
	q.w.Header = append(q.w.Header[:0], httpcore.Header{Name: "Location", Value: location})
	if q.tryErrorPage(code) {
		return
	}
	q.w.Header = q.w.Header[:0]
	q.status = code
	w := q.w
	w.Status = code
	w.LastModified = time.Time{}
	body := q.errorPageBody(code)
	w.ContentType = "text/html"
	w.ContentLength = int64(len(body))
	w.Header = append(w.Header, httpcore.Header{Name: "Location", Value: location})
	q.writeBody(body)
}

// keepLocation returns h with every header but Location and
// WWW-Authenticate dropped (auth_basic's challenge stays in headers_out
// through error_page too).
func keepLocation(h []httpcore.Header) []httpcore.Header {
	out := h[:0]
	for _, x := range h {
		if headerNameEq(x.Name, "location") || headerNameEq(x.Name, "www_authenticate") {
			out = append(out, x)
		}
	}
	return out
}

// sendText answers "return CODE TEXT" for non-redirect codes.
func (q *request) sendText(code int, text string) {
	w := q.w
	if code == 200 && q.errStatus == 0 {
		// ngx_http_not_modified_header_filter sees every 200: without
		// Last-Modified and ETag only the preconditions can fail and
		// only "If-None-Match: *" matches
		switch static.NotModified(q.r, -1, "", q.imsMode()) {
		case 412:
			q.respondStatus(412)
			return
		case 304:
			w.Status, q.status = 304, 304
			q.writeHeaderOnly()
			return
		}
	}
	w.Status = code
	q.status = code
	// ngx_http_send_response sets the type from the URI's extension
	// (ngx_http_set_content_type), like a static file.
	w.ContentType = q.contentType(q.uri)
	w.ContentLength = int64(len(text))
	q.writeBody(text)
}

// closeNow is "return 444": close the connection without a response.
func (q *request) closeNow() {
	q.status = 444
	q.w.KeepAlive = false
	q.closed = true
}

// engineError answers a request the engine refused.
func (q *request) engineError() {
	code := q.r.Err
	if q.r.ErrMsg != "" && q.log().Enabled(errlog.Info) {
		q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s", q.r.ErrMsg, q.logSuffix())
	}
	q.w.KeepAlive = false
	if code == 408 || code == httpcore.StatusLogOnly {
		q.status = code
		if code == httpcore.StatusLogOnly {
			q.status = 0
		}
		q.closed = true
		return
	}
	q.respondStatus(code)
}

func (q *request) writeHeaderOnly() {
	q.prepareHeader()
	_ = q.w.WriteHeader()
}

func (q *request) writeBody(body string) {
	q.prepareHeader()
	if err := q.w.WriteHeader(); err != nil {
		return
	}
	if !q.w.HeadOnly() {
		_, _ = q.w.Write([]byte(body))
	}
}

// prepareHeader installs the header filter for this request.
func (q *request) prepareHeader() {
	q.w.OnHeader = q.headerFilterFn
}

// headerFilter runs just before the header is serialised: error_page's
// status override, add_header, expires and the absolute Location
// (ngx_http_headers_filter, ngx_http_header_filter).
func (q *request) headerFilter(w *httpcore.Response) {
	q.limitRateFromVars(w)
	if q.errStatus != 0 {
		// ngx_http_send_header: the upstream's status line goes too
		w.Status, w.StatusLine = q.errStatus, ""
	}
	q.status = w.Status
	if q.main != nil {
		// the header filters and ngx_http_header_filter pass a
		// subrequest's header by; the body filters that work in
		// subrequests too set up
		q.subrequestFilters(w)
		return
	}
	lc := q.lc
	own := len(w.Header)
	ok := false
	switch w.Status {
	case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
		ok = true
	}
	if ok && lc.Expires.V != nil && lc.Expires.V.Kind != "off" {
		q.addExpires(w, lc.Expires.V)
	}
	for _, h := range lc.AddHeaders.V {
		if !ok && !h.Always {
			continue
		}
		v := q.eval(h.Value)
		if v == "" {
			continue
		}
		w.Header = append(w.Header, httpcore.Header{Name: h.Name, Value: v})
	}
	q.useridFilter(w)
	gunzip := q.gunzipHeader(w, &own)
	q.bodyFilters(w, ok)
	if gunzip != nil {
		w.Filters = append([]httpcore.BodyFilter{gunzip}, w.Filters...)
	}
	q.gzipFilter(w, own)
	if strings.HasPrefix(w.Location, "/") && lc.AbsoluteRedirect.V {
		w.Location = q.absoluteURL(w.Location)
	}
	if q.passedHeaders {
		// an upstream's headers pass as they came (its Location only
		// went to w.Location when proxy_redirect rewrote it)
		return
	}
	for i := range w.Header {
		if headerNameEq(w.Header[i].Name, "location") && strings.HasPrefix(w.Header[i].Value, "/") && lc.AbsoluteRedirect.V {
			abs := q.absoluteURL(w.Header[i].Value)
			if w.Location == "" {
				// ngx_http_header_filter writes the Location it makes
				// absolute after Last-Modified, before Connection, and
				// drops it from the list (hash = 0)
				w.Location = abs
				w.Header = append(w.Header[:i], w.Header[i+1:]...)
				break
			}
			w.Header[i].Value = abs
		}
	}
}

// absoluteURL prefixes a local path with scheme, host and port as
// ngx_http_header_filter does for relative Location values.
func (q *request) absoluteURL(path string) string {
	host := ""
	switch {
	case q.lc.ServerNameInRedirect.V:
		host = q.serverName
	case q.r.Host != "":
		host = q.hostHeaderValue()
	default:
		host = q.r.Conn.Local.Addr().Unmap().String()
	}
	port := ""
	scheme, defPort := "http://", uint16(80)
	if q.tlsState() != nil {
		scheme, defPort = "https://", 443
	}
	if q.lc.PortInRedirect.V && !q.r.Conn.Unix {
		if p := q.r.Conn.Local.Port(); p != defPort {
			port = ":" + strconv.Itoa(int(p))
		}
	}
	return scheme + host + port + path
}

// hostHeaderValue is nginx's r->headers_in.server: the validated host
// without port.
func (q *request) hostHeaderValue() string { return q.r.Host }

var expiresMax = time.Date(2037, 12, 31, 23, 55, 55, 0, time.UTC)

func (q *request) addExpires(w *httpcore.Response, e *config.Expires) {
	// a negative time in the directive itself means no-cache whatever
	// the age (nginx tests conf->expires_time, 0 with a variable)
	negConf := e.Neg
	if e.Kind == "var" {
		// a value that is not a time adds nothing, silently
		if e, _ = config.ParseExpires(q.eval(e.Value), e.Modified); e == nil || e.Kind == "off" {
			return
		}
		negConf = false
	}
	var exp time.Time
	maxAge := int64(0)
	noCache := false
	now := q.h.Now().Truncate(time.Second)
	switch e.Kind {
	case "epoch":
		exp = time.Unix(1, 0)
		noCache = true
	case "max":
		exp = expiresMax
		maxAge = 315360000
	case "modified", "access", "daily":
		base := now
		if e.Kind == "modified" && !w.LastModified.IsZero() {
			base = w.LastModified
		}
		d := e.Delta
		if e.Neg {
			d = -d
		}
		if e.Kind == "daily" {
			midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
			exp = midnight.Add(e.Delta)
			if !exp.After(now) {
				exp = exp.Add(24 * time.Hour)
			}
		} else {
			exp = base.Add(d)
		}
		maxAge = int64(exp.Sub(now) / time.Second)
		if e.Delta == 0 && e.Kind != "daily" {
			// no time at all: now, and max-age=0, even from Last-Modified
			exp, maxAge = now, 0
		}
		if negConf || maxAge < 0 {
			noCache = true
		}
	default:
		return
	}
	cc := "max-age=" + strconv.FormatInt(maxAge, 10)
	if noCache {
		cc = "no-cache"
	}
	setExpiresHeaders(w, exp.UTC().Format(httpTime), cc)
}

// setExpiresHeaders puts the two values as ngx_http_set_expires does: an
// Expires line already there (an upstream's) gets the value in place,
// and so does the first Cache-Control line, the others dropped; the
// missing ones are added, Expires first.
func setExpiresHeaders(w *httpcore.Response, expires, cc string) {
	ei, ci := -1, -1
	hs := w.Header[:0]
	for _, h := range w.Header {
		switch {
		case ei < 0 && httpcore.EqualFold(h.Name, "expires"):
			ei = len(hs)
			h.Value = expires
		case httpcore.EqualFold(h.Name, "cache-control"):
			if ci >= 0 {
				continue
			}
			ci = len(hs)
			h.Value = cc
		}
		hs = append(hs, h)
	}
	w.Header = hs
	if ei < 0 {
		w.Header = append(w.Header, httpcore.Header{Name: "Expires", Value: expires})
	}
	if ci < 0 {
		w.Header = append(w.Header, httpcore.Header{Name: "Cache-Control", Value: cc})
	}
}

package httpd

import (
	"os"
	"syscall"

	"weir/internal/errlog"
	"weir/internal/htpasswd"
	"weir/internal/httpcore"
)

// What an access handler decides (ngx_http_core_access_phase reads the
// handler's return code): nothing to say, allowed, or a status.
const (
	accessDeclined = 0
	accessOK       = -1
)

// accessHandlers are the access phase's handlers in the order nginx runs
// them (the reverse of the modules' registration): allow/deny, then
// auth_basic, then auth_request. They are set in init: auth_request's
// subrequest runs the phases, this one included.
var accessHandlers [3]func(q *request, any bool) int

func init() {
	accessHandlers = [...]func(q *request, any bool) int{
		(*request).accessRules,
		(*request).authBasic,
		(*request).authRequest,
	}
}

// accessPhase is ngx_http_core_access_phase with
// ngx_http_core_post_access_phase, under satisfy: with "all" every handler
// that speaks must allow and the first refusal answers; with "any" the
// first handler that allows lets the request in (and the
// WWW-Authenticate of an earlier refusal is dropped), a 401 or 403 is kept
// (a 401 over a 403) until no handler is left, and any other status
// answers at once. It reports whether the request goes on.
func (q *request) accessPhase() bool {
	any := q.lc.Satisfy.V == "any"
	code := 0
	for _, h := range accessHandlers {
		rc := h(q, any)
		switch {
		case rc == accessDeclined, rc == accessOK && !any:
			continue
		case rc == accessOK:
			q.w.Header = dropHeader(q.w.Header, "www_authenticate")
			return true
		case any && (rc == 401 || rc == 403):
			if code != 401 {
				code = rc
			}
			continue
		}
		q.refuseAccess(rc)
		return false
	}
	if code == 0 {
		return true
	}
	if code == 403 {
		q.log().Logf(errlog.Error, q.r.Conn.ID, "access forbidden by rule%s", q.logSuffix())
	}
	q.refuseAccess(code)
	return false
}

// refuseAccess answers a refused request; a 401 first waits auth_delay
// (ngx_http_core_auth_delay), which a client that leaves ends with 499.
func (q *request) refuseAccess(code int) {
	if d := q.lc.AuthDelay.V; code == 401 && d > 0 {
		q.log().Logf(errlog.Info, q.r.Conn.ID, "delaying unauthorized request%s", q.logSuffix())
		if !q.delay(d) {
			return
		}
	}
	q.respondStatus(code)
}

// accessRules applies allow/deny in order (ngx_http_access_handler); with
// satisfy all a refusal is logged here, with any by the phase.
func (q *request) accessRules(any bool) int {
	rules := q.lc.Access.V
	if len(rules) == 0 {
		return accessDeclined
	}
	// the client realip may have set (c->sockaddr)
	ap, unix := q.remote()
	addr := ap.Addr().Unmap()
	for _, r := range rules {
		match := r.All || (r.Unix && unix) || (!unix && r.Net.IsValid() && r.Net.Contains(addr))
		if !match {
			continue
		}
		if !r.Deny {
			return accessOK
		}
		if !any {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "access forbidden by rule%s", q.logSuffix())
		}
		return 403
	}
	return accessDeclined
}

// authBasic is ngx_http_auth_basic_handler: with a realm other than
// "off" and a user file, the credentials of the Authorization header are
// looked up in the file (read on every request) and checked against the
// user's password field.
func (q *request) authBasic(bool) int {
	ab := &q.lc.AuthBasic
	if ab.Realm.V == nil || ab.UserFile.V == nil {
		return accessDeclined
	}
	realm := q.eval(ab.Realm.V)
	if realm == "off" {
		return accessDeclined
	}
	user, password, ok := q.basicCredentials()
	if !ok {
		if lg := q.log(); lg.Enabled(errlog.Info) {
			lg.Logf(errlog.Info, q.r.Conn.ID, "no user/password was provided for basic authentication%s", q.logSuffix())
		}
		return q.authRealm(realm)
	}
	path := q.snap.Cfg.FullConfPath(q.eval(ab.UserFile.V))
	f, err := os.Open(path)
	if err != nil {
		level, rc := errlog.Crit, 500
		if errnoOf(err) == syscall.ENOENT {
			level, rc = errlog.Error, 403
		}
		q.log().Logf(level, q.r.Conn.ID, "open() \"%s\" failed %s%s", path, errlog.SysError(err), q.logSuffix())
		return rc
	}
	hash, found, err := htpasswd.Find(f, user)
	if cerr := f.Close(); cerr != nil {
		q.log().Logf(errlog.Alert, q.r.Conn.ID, "close() \"%s\" failed %s%s", path, errlog.SysError(cerr), q.logSuffix())
	}
	switch {
	case err != nil:
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "pread() \"%s\" failed %s%s", path, errlog.SysError(err), q.logSuffix())
		return 500
	case !found:
		q.log().Logf(errlog.Error, q.r.Conn.ID, "user \"%s\" was not found in \"%s\"%s", user, path, q.logSuffix())
		return q.authRealm(realm)
	case !htpasswd.Match(password, hash):
		q.log().Logf(errlog.Error, q.r.Conn.ID, "user \"%s\": password mismatch%s", user, q.logSuffix())
		return q.authRealm(realm)
	}
	return accessOK
}

// basicCredentials is ngx_http_auth_basic_user: the user and password of
// the request's Basic Authorization header.
func (q *request) basicCredentials() (user, password string, ok bool) {
	v, ok := q.requestHeader("authorization")
	if !ok {
		return "", "", false
	}
	return htpasswd.ParseBasic(v)
}

// authRealm is ngx_http_auth_basic_set_realm: the challenge goes into the
// response headers and the answer is 401.
func (q *request) authRealm(realm string) int {
	q.w.Header = append(q.w.Header, httpcore.Header{Name: "WWW-Authenticate", Value: "Basic realm=\"" + realm + "\""})
	return 401
}

// dropHeader returns h without the headers named name (lower case, "_"
// for "-", as headerNameEq takes it).
func dropHeader(h []httpcore.Header, name string) []httpcore.Header {
	out := h[:0]
	for _, x := range h {
		if !headerNameEq(x.Name, name) {
			out = append(out, x)
		}
	}
	return out
}

// limitExcept gives a method that limit_except does not let through the
// block's settings, as ngx_http_update_location_config swaps
// r->loc_conf. The block is an implicit location of its own: the
// location's rewrite directives and try_files do not run for such a
// method, as the block has none.
func (q *request) limitExcept() {
	if q.loc.Limited(q.method) {
		q.lc = q.loc.LimitExcept.Loc
	}
}

// inLimitExcept reports whether the request runs with a limit_except
// block's settings.
func (q *request) inLimitExcept() bool {
	return q.loc != nil && q.loc.LimitExcept != nil && q.lc == q.loc.LimitExcept.Loc
}

package httpd

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// This file is weir's ngx_http_subrequest: a request made by the main one
// for another URI, run through the server rewrite phase, location lookup,
// the location's rewrites, preaccess, try_files and content, with a
// response that goes to no client (httpcore.NewSubResponse). Like
// nginx's, a subrequest
//   - skips the access phase (ngx_http_core_access_phase declines for
//     r != r->main) and the modules that act on main requests only
//     (mirror, the header filters: add_header, expires, userid, gzip...);
//   - is internal (an internal location takes it) and starts at the
//     server rewrite phase, with the main request's server;
//   - reads the main request's header lines and request line, and shares
//     its variables (sr->variables = r->variables): a variable one sets
//     the other sees;
//   - sends the main request's body only when that body was read for it
//     (mirror_request_body); otherwise it has an empty one, while the
//     main request's Content-Length still goes to a proxied upstream as
//     $proxy_internal_body_length;
//   - writes an access-log line only with log_subrequest on, and its
//     error-log lines name it (", subrequest: URI").

// newSubrequest makes a subrequest of q for uri with args and method;
// it does not run it.
func (q *request) newSubrequest(uri, args string, argsSet bool, method string) *request {
	s := &request{h: q.h, snap: q.snap, r: q.r, main: q, subStart: q.h.Now().UnixNano()}
	s.w = httpcore.NewSubResponse(false)
	s.headerFilterFn = s.headerFilter
	s.addr, s.srv, s.lc = q.addr, q.srv, q.srv.Loc
	s.serverName, s.hostMatch = q.serverName, q.hostMatch
	s.uri, s.args, s.argsSet, s.method = uri, args, argsSet, method
	s.internal = true
	s.headerOnly = true  // the only subrequests yet: auth_request's and mirror's
	s.bodyHandled = true // the client's body is the main request's to read
	s.bodyChecked = true
	s.user, s.userSet = q.user, q.userSet
	s.rip, s.reqID = q.rip, q.reqID
	s.limitReqStatus, s.limitConnStatus = q.limitReqStatus, q.limitConnStatus
	return s
}

// run runs the subrequest's phases and finalizes it (its log line
// included); release must follow once its state has been read.
func (s *request) run() {
	s.setResponseDefaults()
	if s.runScript(s.srv.Rewrite, nil) != scriptDone {
		s.findAndRun()
	}
	s.noLog = s.noLog || !s.lc.LogSubrequest.V
	s.finish()
}

// release frees what the subrequest holds.
func (s *request) release() {
	if len(s.connHeld) > 0 {
		s.releaseConns()
	}
	if s.px != nil {
		s.px.release()
		s.px = nil
	}
	if s.keptBody != nil {
		s.keptBody.close()
		s.keptBody = nil
	}
}

// subStatus is the subrequest's r->headers_out.status once it is done.
func (s *request) subStatus() int {
	if s.status != 0 {
		return s.status
	}
	return s.w.Status
}

// authRequest is ngx_http_auth_request_handler, the last handler of the
// access phase: the subrequest runs (GET, no args, an empty body, its
// response body dropped), auth_request_set's values are computed in it
// and set in the main request, then 2xx allows, 401 answers 401 with the
// subrequest's first WWW-Authenticate, 403 answers 403, and any other
// status is logged and answers 500.
func (q *request) authRequest(bool) int {
	sc := &q.lc.Subreq
	if sc.AuthRequest.V == "" {
		return accessDeclined
	}
	s := q.newSubrequest(sc.AuthRequest.V, "", false, "GET")
	s.run()
	defer s.release()
	if len(s.ups) > 0 {
		// the subrequest's upstream left c->log->action
		q.subUpstream = true
	}
	for _, a := range sc.AuthSet.V {
		// a copy: $upstream_http_* point into buffers release reuses
		q.setVar(a.Name, a.Slot, strings.Clone(s.eval(a.Value)))
	}
	status := s.subStatus()
	switch {
	case status == 403:
		return 403
	case status == 401:
		for _, h := range s.w.Header {
			if headerNameEq(h.Name, "www_authenticate") {
				q.w.Header = append(q.w.Header, h)
				break
			}
		}
		return 401
	case status >= 200 && status < 300:
		return accessOK
	}
	q.log().Logf(errlog.Error, q.r.Conn.ID, "auth request unexpected status: %d%s", status, q.logSuffix())
	return 500
}

// mirror is ngx_http_mirror_handler, in the precontent phase after
// try_files: a main request of a location with mirror URIs reads its
// body first when mirror_request_body is on, then starts one background
// subrequest per URI (the main request's method and args, header only)
// and goes on without waiting for them; the request ends (its log line,
// the connection's next request or close) only once they are done
// (waitBackground). It reports whether it answered the request (a body
// that could not be read).
func (q *request) mirror() bool {
	sc := &q.lc.Subreq
	if q.main != nil || len(sc.Mirror.V) == 0 {
		return false
	}
	withBody := !sc.MirrorBody.Set || sc.MirrorBody.V
	if withBody && q.keptBody == nil {
		b := &reqBody{}
		if !q.readBody(b) {
			b.close()
			return true
		}
		q.keptBody = b
	}
	if q.bg == nil {
		q.bg = &sync.WaitGroup{}
		// the response's last bytes go out at once: the wait for the
		// next request only starts once the mirrors are done
		q.w.SendAtFinish()
	}
	for _, uri := range sc.Mirror.V {
		s := q.newSubrequest(uri, q.args, q.argsSet, q.method)
		// running beside the main request: a copy of the variables
		s.user = append([]string(nil), q.user...)
		s.userSet = append([]bool(nil), q.userSet...)
		if withBody {
			b := &reqBody{}
			if err := b.copyFrom(q.keptBody); err != nil {
				q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", q.keptBody.file.Name(), errlog.SysError(err), q.logSuffix())
				q.respondStatus(500)
				return true
			}
			s.keptBody = b
		}
		q.bg.Add(1)
		go func() {
			defer q.bg.Done()
			s.run()
			s.release()
		}()
	}
	return false
}

// waitBackground waits for the mirror subrequests (nginx keeps the main
// request, r->main->count, until they end) and drops the body read for
// them.
func (q *request) waitBackground() {
	if q.bg != nil {
		q.bg.Wait()
		q.bg = nil
	}
	if q.keptBody != nil && q.main == nil {
		q.keptBody.close()
		q.keptBody = nil
	}
}

// keptRequestBody is readBody for a request whose body is already in
// q.keptBody (a main request whose mirror read it) or that has none of
// its own (a subrequest): b gets its own copy of the body, possibly
// empty.
func (q *request) keptRequestBody(b *reqBody) bool {
	if q.keptBody == nil {
		return true
	}
	if err := b.copyFrom(q.keptBody); err != nil {
		q.log().Logf(errlog.Crit, q.r.Conn.ID, "open() \"%s\" failed %s%s", q.keptBody.file.Name(), errlog.SysError(err), q.logSuffix())
		q.respondStatus(500)
		return false
	}
	return true
}

// copyFrom makes b a copy of src that can be read and closed on its own:
// the bytes in memory, and the temp file opened again (through
// /proc/self/fd, as it may be unlinked already) for an offset of its own.
func (b *reqBody) copyFrom(src *reqBody) error {
	b.mem = append(b.mem[:0], src.mem...)
	b.size = src.size
	if src.file == nil {
		return nil
	}
	f, err := os.Open("/proc/self/fd/" + strconv.Itoa(int(src.file.Fd())))
	if err != nil {
		f, err = os.Open(src.file.Name())
		if err != nil {
			return err
		}
	}
	b.file = f
	return nil
}

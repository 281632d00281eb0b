package httpd

import (
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/httpcore"
)

// levelLog returns the error log of a configuration level that has
// error_log (its own or inherited), else nil.
func (s *Snapshot) levelLog(l *config.Loc) *errlog.Logger {
	if l == nil || len(l.ErrorLogs.V) == 0 || s.logs == nil {
		return nil
	}
	return s.logs.errLogs[l]
}

// ConnLog returns the error log for the engine's own lines of a
// connection (nginx's c->log): the error_log of the default server of
// the address it came to (ngx_http_init_connection), and after a request
// the one of the location that request ended in, which the request left
// in ci.ErrorLog (the keep-alive wait keeps the request's log). nil
// means the main error log.
func (s *Snapshot) ConnLog(ci *httpcore.ConnInfo) *errlog.Logger {
	if s == nil || ci == nil {
		return nil
	}
	if l, ok := ci.ErrorLog.(*errlog.Logger); ok && l != nil {
		return l
	}
	tag, ok := ci.Tag.(string)
	if !ok || s.Cfg.HTTP == nil {
		return nil
	}
	if _, ok := s.groups[tag]; !ok {
		return nil
	}
	a := s.addrConf(tag, ci.Local)
	if a == nil || a.Default == nil {
		return nil
	}
	return s.levelLog(a.Default.Loc)
}

// sendFailLog writes the line of a failed or timed-out write to the
// client during the request, with the request's log, action and context
// (the client's address as realip set it): the upstream module's action
// once it sends, else the one the static and other handlers set.
func (q *request) sendFailLog(msg string) {
	action := q.answerAction()
	if px := q.px; px != nil {
		if q.sendFailLeft() {
			return
		}
		if px.watch.body && !px.gw.buffered {
			// an unbuffered answer is written as the upstream's bytes
			// come (ngx_http_upstream_process_non_buffered_upstream)
			action = px.action
		}
	}
	q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s%s", msg, action, q.logSuffix())
}

// answerAction is the action the request's answer set for its lines:
// the upstream module's once it sends (ngx_http_upstream_finalize_request
// sets "sending to client"), the static module's once it has the file,
// none after a return or a built-in page.
func (q *request) answerAction() string {
	switch {
	case q.px != nil:
		return " while sending to client"
	case q.fileSent:
		return " while sending response to client"
	}
	return ""
}

// setCloseLog gives the engine the action and context of a request after
// which the connection closes, for the failed shutdown() of its
// lingering close (ngx_http_set_lingering_close logs it with the request
// still there, before the access log line).
//
// The action is the last one set: the upstream module's, the static
// module's once it has the file, none after a return or a built-in page,
// and for a request that could not be read the engine's own.
func (q *request) setCloseLog() {
	if q.w.KeepAlive || q.logging {
		return
	}
	action := ""
	if q.r.Err == 0 {
		action = q.answerAction()
	}
	q.w.CloseLog = action + q.logSuffix()
}

package httpd

import (
	"weir/internal/config"
	"weir/internal/errlog"
)

// openSyslog makes the peer of an access_log syslog: directive (each
// directive has its own socket, made at its first line).
func (ls *logSet) openSyslog(al *config.AccessLog) {
	if ls.syslog[al] == nil {
		ls.syslog[al] = errlog.NewSyslogPeer(al.Syslog)
	}
}

// writeSyslog sends the request's line to syslog as ngx_http_log_handler
// does: the syslog header, then the format, no newline, one datagram. A
// line that does not go out is logged at warn (the peer itself logs why
// to the main error log).
func (q *request) writeSyslog(al *config.AccessLog) {
	p := q.snap.logs.syslog[al]
	if p == nil {
		return
	}
	line := p.AppendHeader(q.logLine[:0])
	line = q.formatLog(line, al.Format)
	q.logLine = line
	if err := p.Send(line); err != nil {
		q.log().Logf(errlog.Warn, q.r.Conn.ID, "send() to syslog failed%s", q.logSuffix())
	}
}

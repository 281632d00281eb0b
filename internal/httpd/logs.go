package httpd

import (
	"strings"

	"weir/internal/accesslog"
	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/vars"
)

// logSet holds the access-log writers a snapshot opened, by path, and
// the error logs of the http, server and location levels that set
// error_log (nginx logs a request's lines to its location's error_log).
type logSet struct {
	writers map[string]*accesslog.Writer
	syslog  map[*config.AccessLog]*errlog.SyslogPeer // one per access_log syslog:
	errLogs map[*config.Loc]*errlog.Logger
	opened  []*errlog.Logger
}

// openErrorLog records the logger for a level that sets error_log,
// sharing one logger between levels that name the same sinks.
func (ls *logSet) openErrorLog(l *config.Loc, byKey map[string]*errlog.Logger) error {
	if len(l.ErrorLogs.V) == 0 {
		return nil
	}
	var key strings.Builder
	for _, e := range l.ErrorLogs.V {
		key.WriteString(e.Path + "\x00" + e.Level + "\x00")
	}
	lg, ok := byKey[key.String()]
	if !ok {
		var err error
		if lg, err = errlog.New(config.Sinks(l.ErrorLogs.V)); err != nil {
			return err
		}
		byKey[key.String()] = lg
		ls.opened = append(ls.opened, lg)
	}
	ls.errLogs[l] = lg
	return nil
}

// openLogs opens every access_log with a static path in cfg.
func openLogs(cfg *config.Config) (*logSet, error) {
	ls := &logSet{writers: map[string]*accesslog.Writer{}, errLogs: map[*config.Loc]*errlog.Logger{},
		syslog: map[*config.AccessLog]*errlog.SyslogPeer{}}
	byKey := map[string]*errlog.Logger{}
	var err error
	visit := func(l *config.Loc) {
		if err != nil || l == nil {
			return
		}
		if err = ls.openErrorLog(l, byKey); err != nil {
			return
		}
		for _, al := range l.AccessLogs.V {
			if al.Off {
				continue
			}
			if al.Syslog != nil {
				ls.openSyslog(al)
				continue
			}
			p, static := al.Path.Static()
			if !static {
				continue
			}
			if _, ok := ls.writers[p]; ok {
				continue
			}
			w, e := accesslog.Open(p, int(al.Buffer), al.Flush, al.Gzip)
			if e != nil {
				err = e
				return
			}
			ls.writers[p] = w
		}
	}
	h := cfg.HTTP
	visit(h.Loc)
	defaultNeeded := len(h.Loc.AccessLogs.V) == 0
	for _, s := range h.Servers {
		visit(s.Loc)
		for i := range s.Rewrite {
			if s.Rewrite[i].Op == config.OpIf {
				visit(s.Rewrite[i].Block.Loc)
			}
		}
		if len(s.Loc.AccessLogs.V) == 0 {
			defaultNeeded = true
		}
		walkLocs(s.Locations, func(l *config.Location) {
			visit(l.Loc)
			if len(l.Loc.AccessLogs.V) == 0 {
				defaultNeeded = true
			}
		})
	}
	if err != nil {
		ls.close()
		return nil, err
	}
	if defaultNeeded {
		p := cfg.Prefix + "logs/access.log"
		if _, ok := ls.writers[p]; !ok {
			w, e := accesslog.Open(p, 0, 0, 0)
			if e != nil {
				ls.close()
				return nil, e
			}
			ls.writers[p] = w
		}
	}
	return ls, nil
}

func walkLocs(t *config.LocTree, f func(*config.Location)) {
	if t == nil {
		return
	}
	var each func(l *config.Location)
	each = func(l *config.Location) {
		f(l)
		for i := range l.Rewrite {
			if l.Rewrite[i].Op == config.OpIf {
				each(l.Rewrite[i].Block)
			}
		}
		if l.LimitExcept != nil {
			each(l.LimitExcept)
		}
		walkLocs(l.Nested, f)
	}
	for _, l := range t.Static {
		each(l)
	}
	for _, l := range t.Regex {
		each(l)
	}
	for _, l := range t.Named {
		each(l)
	}
}

func (ls *logSet) close() {
	for _, w := range ls.writers {
		_ = w.Close()
	}
	for _, l := range ls.opened {
		_ = l.Close()
	}
	for _, p := range ls.syslog {
		p.Close()
	}
}

// reopen reopens the error logs of the http, server and location levels
// (USR1); the access logs are reopened by accesslog.Reopen.
func (ls *logSet) reopen() error {
	return errlog.ReopenAll(ls.opened)
}

// finish runs the log phase.
func (q *request) finish() {
	if q.closed {
		// 444 and the like: nothing goes out, the engine closes (Finish
		// would send the header).
		q.w.KeepAlive = false
	} else {
		if !q.w.HeaderSent() {
			// a handler that answered nothing: nginx would have sent 500
			q.sendSpecial(500)
		}
		// ngx_http_finalize_request: r->request_complete
		q.completed = q.w.Finish() == nil
	}
	q.waitBackground()
	// ngx_http_free_request counts the request out before logging it
	q.w.EndStats()
	q.zoneEnd()
	q.setCloseLog()
	if q.noLog || q.snap.logs == nil {
		return
	}
	// ngx_http_log_request sets c->log->action
	q.logging = true
	logs := q.lc.AccessLogs.V
	if len(logs) == 0 {
		q.writeLog(nil)
		return
	}
	for _, al := range logs {
		if al.Off {
			return
		}
		q.writeLog(al)
	}
}

func (q *request) writeLog(al *config.AccessLog) {
	var f *config.LogFormat
	path := q.snap.Cfg.Prefix + "logs/access.log"
	if al != nil {
		f = al.Format
		if al.If != nil {
			v := q.eval(al.If)
			if v == "" || v == "0" {
				return
			}
		}
		if al.Syslog != nil {
			q.writeSyslog(al)
			return
		}
		path = q.eval(al.Path)
	} else {
		f = q.snap.Cfg.HTTP.LogFormats["combined"]
	}
	w := q.snap.logs.writers[path]
	if w == nil {
		nw, err := accesslog.Open(path, 0, 0, 0)
		if err != nil {
			q.log().Logf(errlog.Error, q.r.Conn.ID, "%s", err.Error())
			return
		}
		defer nw.Close()
		w = nw
	}
	line := q.logLine[:0]
	line = q.formatLog(line, f)
	line = append(line, '\n')
	q.logLine = line
	w.Write(line)
}

// formatLog renders a log_format with its escaping
// (ngx_http_log_variable, ngx_http_log_escape, ngx_http_log_json_variable).
func (q *request) formatLog(b []byte, f *config.LogFormat) []byte {
	for i := range f.Value.Parts {
		p := &f.Value.Parts[i]
		if p.Kind == vars.Lit {
			b = append(b, p.Lit...)
			continue
		}
		v, found := q.value(p)
		switch f.Escape {
		case "json":
			b = appendJSONEscaped(b, v)
		case "none":
			if !found {
				b = append(b, '-')
			} else {
				b = append(b, v...)
			}
		default:
			if !found {
				b = append(b, '-')
			} else {
				b = appendLogEscaped(b, v)
			}
		}
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// appendLogEscaped escapes '"', '\\', and bytes outside 0x20..0x7e as
// \xHH, as nginx's default log escaping does.
func appendLogEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' || c < 0x20 || c > 0x7e {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func appendJSONEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return b
}

// logNotes writes the lines the engine noted while reading the header,
// with the context nginx had then: the host only if it was read, and the
// default server's name before it, unless the request line named the
// host (ngx_http_process_request_line sets the virtual server from an
// absolute URI at once).
func (q *request) logNotes() {
	if len(q.r.Notes) == 0 || !q.log().Enabled(errlog.Info) {
		return
	}
	for _, n := range q.r.Notes {
		sn := q.serverName
		if !n.HostKnown && !n.LineHost {
			sn = ""
			if d := q.addr.Default; len(d.Names) > 0 {
				sn = strings.TrimPrefix(d.Names[0].Name, ".")
			}
		}
		c := errlog.Context{Client: q.r.Conn.RemoteText, Server: sn, Request: q.r.RequestLine, Host: n.Host, HostSent: n.HostKnown}
		if n.NoLine {
			c.Request = ""
		}
		q.log().Logf(errlog.Info, q.r.Conn.ID, "%s%s", n.Msg, c.Append(nil))
	}
}

// logSuffix is the ", client: ..., server: ..., request: ..., host: ..."
// tail nginx adds to request-related error-log lines.
func (q *request) logSuffix() string {
	// r->headers_in.host and .referer: the first of repeated headers
	host, hostSent := q.r.Header("host")
	ref, refSent := q.r.Header("referer")
	c := errlog.Context{Client: q.remoteText(), Server: q.serverName, Request: q.r.RequestLine,
		Upstream: q.upstreamText(), Host: host, Referrer: ref, HostSent: hostSent, ReferrerSent: refSent}
	if q.main != nil {
		c.Subrequest = q.uri
	}
	if q.logging {
		return " while logging request" + string(c.Append(nil))
	}
	if q.subUpstream && q.px == nil {
		return " while sending to client" + string(c.Append(nil))
	}
	return string(c.Append(nil))
}

package config

import (
	"strconv"
	"strings"

	"weir/internal/conf"
	"weir/internal/errlog"
)

// syslogFacilities and syslogSeverities are the names ngx_syslog accepts,
// numbered as RFC 3164 numbers them (nginx spells two severities as its
// log levels: "error", "warn").
var (
	syslogFacilities = []string{"kern", "user", "mail", "daemon", "auth", "intern", "lpr", "news", "uucp",
		"clock", "authpriv", "ftp", "ntp", "audit", "alert", "cron", "local0",
		"local1", "local2", "local3", "local4", "local5", "local6", "local7"}
	syslogSeverities = errLevels
)

// parseSyslog is ngx_syslog_process_conf for an access_log or error_log
// argument "syslog:param,param,...": server= (an address, a name resolved
// now, or unix:/path; port 514 by default), facility= (local7 by
// default), severity= (info by default), tag= (nginx by default, at most
// 32 letters, digits or underscores) and nohostname.
func parseSyslog(s *conf.Stmt, arg string) (*errlog.Syslog, error) {
	sl := &errlog.Syslog{Facility: -1, Severity: -1}
	hasServer, hasTag := false, false
	for _, p := range strings.Split(strings.TrimPrefix(arg, "syslog:"), ",") {
		switch {
		case strings.HasPrefix(p, "server="):
			if hasServer {
				return nil, conf.Errorf(s, "duplicate syslog \"server\"")
			}
			url := p[len("server="):]
			if err := syslogServer(sl, url); err != "" {
				return nil, conf.Errorf(s, "%s in syslog server \"%s\"", err, url)
			}
			hasServer = true
		case strings.HasPrefix(p, "facility="), strings.HasPrefix(p, "severity="):
			name, v, _ := strings.Cut(p, "=")
			dst, names := &sl.Facility, syslogFacilities
			if name == "severity" {
				dst, names = &sl.Severity, syslogSeverities
			}
			if *dst >= 0 {
				return nil, conf.Errorf(s, "duplicate syslog \"%s\"", name)
			}
			if *dst = indexOf(names, v); *dst < 0 {
				return nil, conf.Errorf(s, "unknown syslog %s \"%s\"", name, v)
			}
		case strings.HasPrefix(p, "tag="):
			if hasTag {
				return nil, conf.Errorf(s, "duplicate syslog \"tag\"")
			}
			v := p[len("tag="):]
			if len(v) > 32 {
				return nil, conf.Errorf(s, "syslog tag length exceeds 32")
			}
			for i := 0; i < len(v); i++ {
				c := v[i]
				if c != '_' && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') {
					return nil, conf.Errorf(s, "syslog \"tag\" only allows alphanumeric characters and underscore")
				}
			}
			sl.Tag, hasTag = v, true
		case p == "nohostname":
			sl.NoHostname = true
		default:
			return nil, conf.Errorf(s, "unknown syslog parameter \"%s\"", p)
		}
	}
	if !hasServer {
		return nil, conf.Errorf(s, "no syslog server specified")
	}
	if sl.Facility < 0 {
		sl.Facility = 23 // local7
	}
	if sl.Severity < 0 {
		sl.Severity = 6 // info
	}
	if !hasTag {
		sl.Tag = "nginx"
	}
	return sl, nil
}

// syslogServer is the ngx_parse_url of server=: the first address of a
// name, or a unix socket. It returns nginx's error text or "".
func syslogServer(sl *errlog.Syslog, url string) string {
	u, err := parseURL(url, 514, false)
	if err != "" {
		return err
	}
	if u.unix {
		sl.Unix, sl.Addr = true, u.host
		return ""
	}
	addrs, err := resolveHost(u.host, u.port)
	if err != "" {
		return err
	}
	sl.Addr = addrs[0].Addr
	return ""
}

func indexOf(list []string, v string) int {
	for i, s := range list {
		if s == v {
			return i
		}
	}
	return -1
}

// hasFileLog tells whether an error_log list names a file (or stderr):
// ngx_log_open_default adds the default log to one of syslog logs alone.
func hasFileLog(logs []ErrorLog) bool {
	for _, e := range logs {
		if e.Syslog == nil {
			return true
		}
	}
	return false
}

// logTarget is how the dump shows a log: its path, or the syslog target
// as parsed, e.g. "syslog(127.0.0.1:514 facility=23 severity=6 tag=nginx)".
func logTarget(path string, sl *errlog.Syslog) string {
	if sl == nil {
		return path
	}
	addr := sl.Addr
	if sl.Unix {
		addr = "unix:" + addr
	}
	s := "syslog(" + addr + " facility=" + strconv.Itoa(sl.Facility) + " severity=" + strconv.Itoa(sl.Severity) + " tag=" + sl.Tag
	if sl.NoHostname {
		s += " nohostname"
	}
	return s + ")"
}

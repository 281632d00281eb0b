package config

import (
	"net/netip"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// combinedFormat is nginx's predefined "combined" log format.
func combinedFormat() *LogFormat {
	v, _ := vars.Compile(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`)
	return &LogFormat{Name: "combined", Escape: "default", Value: v}
}

// setLogFormat implements ngx_http_log_set_format: the escape= option and
// the format strings concatenated.
func setLogFormat(b *builder, s *conf.Stmt) error {
	name := s.Args[0]
	if _, ok := b.http.LogFormats[name]; ok {
		return conf.Errorf(s, "duplicate \"log_format\" name \"%s\"", name)
	}
	args := s.Args[1:]
	esc := "default"
	if strings.HasPrefix(args[0], "escape=") {
		esc = args[0][len("escape="):]
		switch esc {
		case "default", "json", "none":
		default:
			return conf.Errorf(s, "unknown log format escaping \"%s\"", esc)
		}
		args = args[1:]
		if len(args) == 0 {
			return conf.Errorf(s, "invalid number of arguments in \"log_format\" directive")
		}
	}
	v, err := b.compile(s, strings.Join(args, ""))
	if err != nil {
		return err
	}
	b.http.LogFormats[name] = &LogFormat{Name: name, Escape: esc, Value: v}
	return nil
}

// setAccessLog implements ngx_http_log_set_log.
func setAccessLog(b *builder, s *conf.Stmt) error {
	if !b.cur.AccessLogs.Set {
		b.cur.AccessLogs = Def([]*AccessLog(nil))
	}
	if s.Args[0] == "off" {
		if len(s.Args) > 1 {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		b.cur.AccessLogs.V = append(b.cur.AccessLogs.V, &AccessLog{Off: true})
		return nil
	}
	al := &AccessLog{}
	path := s.Args[0]
	if strings.HasPrefix(path, "syslog:") {
		return conf.Errorf(s, "syslog is not supported by weir") // TODO: syslog
	}
	if !strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "$") {
		path = b.cfg.Prefix + path
	}
	pv, err := b.compile(s, path)
	if err != nil {
		return err
	}
	al.Path = pv
	fmtName := "combined"
	rest := s.Args[1:]
	if len(rest) > 0 && !strings.Contains(rest[0], "=") {
		fmtName = rest[0]
		rest = rest[1:]
	}
	f, ok := b.http.LogFormats[fmtName]
	if !ok {
		return conf.Errorf(s, "unknown log format \"%s\"", fmtName)
	}
	al.Format = f
	for _, p := range rest {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "buffer":
			n := ParseSize(v)
			if n < 0 {
				return conf.Errorf(s, "invalid buffer size \"%s\"", v)
			}
			al.Buffer = n
		case "flush":
			d, err := ParseTime(v)
			if err != nil || d == 0 {
				return conf.Errorf(s, "invalid flush time \"%s\"", v)
			}
			al.Flush = d
		case "gzip":
			al.Gzip = 1
		case "if":
			cv, err := b.compile(s, v)
			if err != nil {
				return err
			}
			al.If = cv
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", p)
		}
	}
	if al.Flush > 0 && al.Buffer == 0 {
		return conf.Errorf(s, "no buffer is defined for access_log \"%s\"", s.Args[0])
	}
	if al.Buffer > 0 && al.Flush == 0 {
		al.Flush = 0 // nginx flushes buffered logs only when full or on exit
	}
	b.cur.AccessLogs.V = append(b.cur.AccessLogs.V, al)
	return nil
}

func parsePrefix(a string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(a)
	if err != nil {
		return netip.Prefix{}, err
	}
	return p.Masked(), nil
}

var _ = time.Second

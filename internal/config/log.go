package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/vars"
)

// combinedFormat is nginx's predefined "combined" log format.
func combinedFormat() *LogFormat {
	v, _ := vars.Compile(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"`)
	return &LogFormat{Name: "combined", Escape: "default", Value: v}
}

// setLogFormat implements ngx_http_log_set_format: the escape= option and
// the format strings, each compiled on its own.
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
	}
	v, err := b.compileLogFormat(s, args)
	if err != nil {
		return err
	}
	b.http.LogFormats[name] = &LogFormat{Name: name, Escape: esc, Value: v}
	b.formats = append(b.formats, name)
	return nil
}

// compileLogFormat is ngx_http_log_compile_format: variables are "$name"
// or "${name}" (a digit is part of a name, not a capture), and a bad one
// is reported with the rest of its format string.
func (b *builder) compileLogFormat(s *conf.Stmt, args []string) (*vars.Value, error) {
	v := &vars.Value{Raw: strings.Join(args, "")}
	var lit strings.Builder
	for _, a := range args {
		for i := 0; i < len(a); {
			if a[i] != '$' {
				lit.WriteByte(a[i])
				i++
				continue
			}
			data := a[i:]
			invalid := conf.Errorf(s, "invalid parameter \"%s\"", data)
			i++
			if i == len(a) {
				return nil, invalid
			}
			bracket := a[i] == '{'
			if bracket {
				i++
				if i == len(a) {
					return nil, invalid
				}
			}
			start, end := i, i
			for ; i < len(a); i, end = i+1, i+1 {
				c := a[i]
				if c == '}' && bracket {
					i++
					bracket = false
					break
				}
				if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
					break
				}
			}
			name := a[start:end]
			if bracket {
				return nil, conf.Errorf(s, "the closing bracket in \"%s\" variable is missing", name)
			}
			if name == "" {
				return nil, invalid
			}
			if lit.Len() > 0 {
				v.Parts = append(v.Parts, vars.Part{Kind: vars.Lit, Lit: lit.String()})
				lit.Reset()
			}
			v.Parts = append(v.Parts, vars.Ref(name))
		}
	}
	if lit.Len() > 0 {
		v.Parts = append(v.Parts, vars.Part{Kind: vars.Lit, Lit: lit.String()})
	}
	b.values = append(b.values, v)
	return v, nil
}

// setAccessLog implements ngx_http_log_set_log.
func setAccessLog(b *builder, s *conf.Stmt) error {
	if s.Args[0] == "off" {
		if len(s.Args) > 1 {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		// "off" wins over every log of its level, as nginx's off flag.
		b.cur.AccessLogs = Def([]*AccessLog{{Off: true}})
		return nil
	}
	al := &AccessLog{}
	path := s.Args[0]
	static := true
	if strings.HasPrefix(path, "syslog:") {
		sl, err := parseSyslog(s, path)
		if err != nil {
			return err
		}
		al.Syslog = sl
		al.Path = &vars.Value{Raw: path, Parts: []vars.Part{{Kind: vars.Lit, Lit: path}}}
	} else {
		if path == "" {
			// ngx_conf_open_file gives a file without a name standard error
			path = "/dev/stderr"
		}
		path = b.full(path)
		pv, err := b.compile(s, path)
		if err != nil {
			return err
		}
		al.Path = pv
		_, static = pv.Static()
	}

	fmtName := "combined"
	if len(s.Args) > 1 {
		fmtName = s.Args[1]
	}
	for _, n := range b.formats {
		if strings.EqualFold(n, fmtName) {
			al.Format = b.http.LogFormats[n]
			break
		}
	}
	if al.Format == nil {
		return conf.Errorf(s, "unknown log format \"%s\"", fmtName)
	}
	var rest []string
	if len(s.Args) > 2 {
		rest = s.Args[2:]
	}
	for _, p := range rest {
		switch {
		case strings.HasPrefix(p, "buffer="):
			v := p[len("buffer="):]
			n := ParseSize(v)
			if n <= 0 {
				return conf.Errorf(s, "invalid buffer size \"%s\"", v)
			}
			al.Buffer = n
		case strings.HasPrefix(p, "flush="):
			v := p[len("flush="):]
			d, err := ParseTime(v)
			if err != nil || d == 0 {
				return conf.Errorf(s, "invalid flush time \"%s\"", v)
			}
			al.Flush = d
		case p == "gzip" || strings.HasPrefix(p, "gzip="):
			if al.Buffer == 0 {
				al.Buffer = 64 * 1024
			}
			al.Gzip = 1
			if p != "gzip" {
				v := p[len("gzip="):]
				n, ok := atoi(v)
				if !ok || n < 1 || n > 9 {
					return conf.Errorf(s, "invalid compression level \"%s\"", v)
				}
				al.Gzip = int(n)
			}
		case strings.HasPrefix(p, "if="):
			cv, err := b.compile(s, p[len("if="):])
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
	if al.Buffer > 0 {
		if !static {
			return conf.Errorf(s, "buffered logs cannot have variables in name")
		}
		if al.Syslog != nil {
			return conf.Errorf(s, "logs to syslog cannot be buffered")
		}
		// One file has one buffer: every buffered access_log of a path
		// must agree on it (nginx keeps the buffer on the open file).
		if prev, ok := b.logBufs[path]; ok {
			if prev.Buffer != al.Buffer || prev.Flush != al.Flush || prev.Gzip != al.Gzip {
				return conf.Errorf(s, "access_log \"%s\" already defined with conflicting parameters", s.Args[0])
			}
		} else {
			if b.logBufs == nil {
				b.logBufs = map[string]*AccessLog{}
			}
			b.logBufs[path] = al
		}
	}
	if !b.cur.AccessLogs.Set {
		b.cur.AccessLogs = Def([]*AccessLog(nil))
	}
	if l := b.cur.AccessLogs.V; len(l) == 1 && l[0].Off {
		return nil
	}
	b.cur.AccessLogs.V = append(b.cur.AccessLogs.V, al)
	return nil
}

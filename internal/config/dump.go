package config

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"weir/internal/regex"
	"weir/internal/vars"
)

// Dump renders the merged model as compact, deterministic text: the main
// settings, then every server with its listens, names, effective settings,
// rewrite script and locations (nested ones indented), then the listening
// sockets with the servers each local address reaches. It exists for the
// golden tests of this package and for people reading what weir made of a
// configuration; it is not meant to be parsed back.
//
// Every location shows its effective root (or alias), index, try_files,
// error_page, add_header, access_log, keepalive and client_max_body_size;
// any other setting is shown only where it differs from nginx's default,
// and inside an if block only where it differs from the enclosing level.
// Servers are numbered from 1 in configuration order and referred to as
// #N.
func Dump(c *Config) string {
	d := &dumper{servers: map[*Server]int{}, prefix: c.Prefix}
	d.main(c)
	if c.HTTP != nil {
		d.http(c.HTTP)
	}
	return d.b.String()
}

type dumper struct {
	b       strings.Builder
	servers map[*Server]int
	prefix  string
}

func (d *dumper) line(depth int, format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

func (d *dumper) main(c *Config) {
	for _, w := range c.Warnings {
		d.line(0, "warn: %s", w.Error())
	}
	d.line(0, "main daemon=%s master_process=%s worker_processes=%s worker_connections=%d pid=%s",
		onOff(c.Daemon), onOff(c.MasterProcess), orDash(c.WorkerProcesses), c.WorkerConnections, c.PID)
	var extra []string
	if c.User != "" {
		extra = append(extra, "user="+c.User)
	}
	if c.WorkerRlimitNofile != 0 {
		extra = append(extra, "worker_rlimit_nofile="+itoa(c.WorkerRlimitNofile))
	}
	if c.WorkerShutdownTimeout != 0 {
		extra = append(extra, "worker_shutdown_timeout="+c.WorkerShutdownTimeout.String())
	}
	if c.EventsUse != "" {
		extra = append(extra, "use="+c.EventsUse)
	}
	if len(c.Env) > 0 {
		extra = append(extra, "env="+strings.Join(c.Env, ","))
	}
	if len(extra) > 0 {
		d.line(0, "main %s", strings.Join(extra, " "))
	}
	for _, e := range c.ErrorLogs {
		d.line(0, "error_log %s %s", logTarget(e.Path, e.Syslog), e.Level)
	}
}

func (d *dumper) http(h *HTTP) {
	d.line(0, "http")
	names := make([]string, 0, len(h.LogFormats))
	for n := range h.LogFormats {
		if n != "combined" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		f := h.LogFormats[n]
		d.line(1, "log_format %s escape=%s %s", n, f.Escape, quote(f.Value.Raw))
	}
	if n := h.Vars.Names(); len(n) > 0 {
		d.line(1, "variables %s", strings.Join(n, " "))
	}
	for _, m := range h.Maps {
		d.mapLine(m)
	}
	for _, u := range h.Upstreams {
		d.upstream(u)
	}
	for i, s := range h.Servers {
		d.servers[s] = i + 1
	}
	for _, s := range h.Servers {
		d.server(s)
	}
	for _, g := range h.Listens {
		d.socket(g)
	}
}

func (d *dumper) server(s *Server) {
	d.line(0, "server #%d %s:%d", d.servers[s], s.File, s.Line)
	for _, l := range s.Listens {
		d.line(1, "listen %s", listenText(l))
	}
	var names []string
	for _, n := range s.Names {
		names = append(names, quote(n.Name))
	}
	d.line(1, "server_name %s", strings.Join(names, " "))
	if diff := optDiff(s.Srv, defaultSrv()); len(diff) > 0 {
		d.line(1, "srv %s", strings.Join(diff, " "))
	}
	d.settings(1, s.Loc)
	d.script(1, s.Rewrite, s.Loc)
	d.tree(1, s.Locations)
}

func (d *dumper) tree(depth int, t *LocTree) {
	if t == nil {
		return
	}
	for _, l := range t.Static {
		d.location(depth, l)
	}
	for _, l := range t.Regex {
		d.location(depth, l)
	}
	named := make([]string, 0, len(t.Named))
	for n := range t.Named {
		named = append(named, n)
	}
	slices.Sort(named)
	for _, n := range named {
		d.location(depth, t.Named[n])
	}
}

var matchText = map[Match]string{
	MatchPrefix: "", MatchExact: "= ", MatchPrefixNoRegex: "^~ ",
	MatchRegex: "~ ", MatchRegexCaseless: "~* ", MatchNamed: "",
}

func (d *dumper) location(depth int, l *Location) {
	flags := ""
	if l.Internal {
		flags = " internal"
	}
	d.line(depth, "location %s%s %s:%d%s", matchText[l.Match], quote(l.Name), l.File, l.Line, flags)
	d.settings(depth+1, l.Loc)
	d.script(depth+1, l.Rewrite, l.Loc)
	d.tree(depth+1, l.Nested)
}

// keyFields are the Loc fields settings prints always; the rest are shown
// when they differ from the reference level.
var keyFields = map[string]bool{
	"Root": true, "Alias": true, "AliasLen": true, "RootFile": true, "RootLine": true, "Index": true,
	"TryFiles": true, "TryFileAt": true, "ErrorPages": true, "AddHeaders": true,
	"AccessLogs": true, "KeepaliveTimeout": true, "KeepaliveHeader": true,
	"KeepaliveRequests": true, "ClientMaxBodySize": true,
}

// settings prints the key settings of a server or location level and the
// others that differ from nginx's defaults.
func (d *dumper) settings(depth int, l *Loc) {
	if l.Alias {
		d.line(depth, "alias %s", valueText(l.Root.V))
	} else {
		d.line(depth, "root %s", valueText(l.Root.V))
	}
	d.line(depth, "index %s", valuesText(l.Index.V))
	if len(l.TryFiles) > 0 {
		d.line(depth, "try_files %s", valuesText(l.TryFiles))
	}
	d.errorPages(depth, l.ErrorPages.V)
	for _, h := range l.AddHeaders.V {
		always := ""
		if h.Always {
			always = " always"
		}
		d.line(depth, "add_header %s %s%s", h.Name, valueText(h.Value), always)
	}
	d.accessLogs(depth, l.AccessLogs.V)
	d.line(depth, "keepalive_timeout %s header=%s requests=%d client_max_body_size %d",
		l.KeepaliveTimeout.V, l.KeepaliveHeader.V, l.KeepaliveRequests.V, l.ClientMaxBodySize.V)
	if diff := optDiff(l, defaultLoc()); len(diff) > 0 {
		d.line(depth, "settings %s", strings.Join(diff, " "))
	}
	d.upstreamModules(depth, l, d.moduleDefaults(), nil)
}

// moduleDefaults holds the upstream modules' settings of a level that
// sets none: the defaults with the computed buffer sizes and the
// prefix's temp paths.
func (d *dumper) moduleDefaults() *Loc {
	l := &Loc{Proxy: defaultProxy(), FastCGI: defaultFastCGI(), UWSGI: defaultUWSGI(), SCGI: defaultSCGI(), Memcached: defaultMemcached(), GRPC: defaultGRPC()}
	for _, u := range []*UpstreamConf{&l.Proxy.UpstreamConf, &l.FastCGI.UpstreamConf, &l.UWSGI.UpstreamConf, &l.SCGI.UpstreamConf} {
		u.BusyBuffersSize.V, u.TempFileWrite.V = 8192, 8192
	}
	defaultTempPaths(l, d.prefix)
	return l
}

// upstreamModules shows the *_pass of a level and the settings of each
// upstream module that differ from ref's. Inside an if block, around is
// the enclosing level, whose pass the block may take.
func (d *dumper) upstreamModules(depth int, l, ref, around *Loc) {
	var inherited [6]*Pass
	if around != nil {
		for i, slot := range passSlots(around) {
			inherited[i] = *slot
		}
	}
	d.module(depth, "proxy", l.Proxy.Pass, reflect.ValueOf(&l.Proxy).Elem(), reflect.ValueOf(&ref.Proxy).Elem(), inherited[0])
	d.module(depth, "fastcgi", l.FastCGI.Pass, reflect.ValueOf(&l.FastCGI).Elem(), reflect.ValueOf(&ref.FastCGI).Elem(), inherited[1])
	d.module(depth, "uwsgi", l.UWSGI.Pass, reflect.ValueOf(&l.UWSGI).Elem(), reflect.ValueOf(&ref.UWSGI).Elem(), inherited[2])
	d.module(depth, "scgi", l.SCGI.Pass, reflect.ValueOf(&l.SCGI).Elem(), reflect.ValueOf(&ref.SCGI).Elem(), inherited[3])
	d.module(depth, "memcached", l.Memcached.Pass, reflect.ValueOf(&l.Memcached).Elem(), reflect.ValueOf(&ref.Memcached).Elem(), inherited[4])
	d.module(depth, "grpc", l.GRPC.Pass, reflect.ValueOf(&l.GRPC).Elem(), reflect.ValueOf(&ref.GRPC).Elem(), inherited[5])
}

// errorPages prints error_page entries, one line per directive (the codes
// of one directive share their target).
func (d *dumper) errorPages(depth int, eps []*ErrorPage) {
	for i := 0; i < len(eps); {
		j := i
		var codes []string
		for j < len(eps) && eps[j].Target == eps[i].Target && eps[j].Overwrite == eps[i].Overwrite {
			codes = append(codes, strconv.Itoa(eps[j].Code))
			j++
		}
		over := ""
		switch o := eps[i].Overwrite; {
		case o == 0:
			over = " ="
		case o > 0:
			over = " =" + strconv.Itoa(o)
		}
		d.line(depth, "error_page %s%s %s", strings.Join(codes, " "), over, valueText(eps[i].Target))
		i = j
	}
}

func (d *dumper) accessLogs(depth int, logs []*AccessLog) {
	if len(logs) == 0 {
		d.line(depth, "access_log default")
		return
	}
	for _, a := range logs {
		if a.Off {
			d.line(depth, "access_log off")
			continue
		}
		s := "access_log " + logTarget(valueText(a.Path), a.Syslog) + " " + a.Format.Name
		if a.Buffer > 0 {
			s += " buffer=" + itoa(a.Buffer)
		}
		if a.Flush > 0 {
			s += " flush=" + a.Flush.String()
		}
		if a.Gzip > 0 {
			s += " gzip=" + strconv.Itoa(a.Gzip)
		}
		if a.If != nil {
			s += " if=" + valueText(a.If)
		}
		d.line(depth, "%s", s)
	}
}

// script prints a rewrite script; the settings of an if block are shown
// where they differ from the level around it.
func (d *dumper) script(depth int, script []Instr, around *Loc) {
	for _, in := range script {
		switch in.Op {
		case OpReturn:
			if in.Text == nil {
				d.line(depth, "return %d", in.Code)
			} else {
				d.line(depth, "return %d %s", in.Code, valueText(in.Text))
			}
		case OpRewrite:
			s := fmt.Sprintf("rewrite %s %s", quote(in.Regex.String()), valueText(in.Replacement))
			if in.Flag != "" {
				s += " " + in.Flag
			}
			if in.NewArgs {
				s += " newargs"
			}
			if in.KeepArgs {
				s += " keepargs"
			}
			d.line(depth, "%s", s)
		case OpSet:
			d.line(depth, "set $%s %s", in.Name, valueText(in.Value))
		case OpBreak:
			d.line(depth, "break")
		case OpIf:
			d.line(depth, "if %s %s:%d", condText(in.Cond), in.File, in.Line)
			l := in.Block.Loc
			if diff := locDiff(l, around); len(diff) > 0 {
				d.line(depth+1, "settings %s", strings.Join(diff, " "))
			}
			d.upstreamModules(depth+1, l, around, around)
			d.script(depth+1, in.Block.Rewrite, l)
		}
	}
}

var condOps = map[CondKind]string{
	CondEq: "=", CondNe: "!=", CondFile: "-f", CondNotFile: "!-f", CondDir: "-d",
	CondNotDir: "!-d", CondExists: "-e", CondNotExists: "!-e", CondExec: "-x", CondNotExec: "!-x",
}

func condText(c *Cond) string {
	switch c.Kind {
	case CondVar:
		return "(" + valueText(c.Left) + ")"
	case CondEq, CondNe:
		return "(" + valueText(c.Left) + " " + condOps[c.Kind] + " " + valueText(c.Right) + ")"
	case CondMatch, CondNotMatch:
		op := "~"
		if c.Kind == CondNotMatch {
			op = "!~"
		}
		if c.Caseless {
			op += "*"
		}
		return "(" + valueText(c.Left) + " " + op + " " + quote(c.Regex.String()) + ")"
	}
	return "(" + condOps[c.Kind] + " " + valueText(c.Left) + ")"
}

func (d *dumper) socket(g *ListenGroup) {
	d.line(0, "socket %s", listenText(g.Listen))
	for _, a := range g.Addrs {
		var srvs []string
		for _, s := range a.Servers {
			srvs = append(srvs, fmt.Sprintf("#%d", d.servers[s]))
		}
		d.line(1, "addr %s default #%d servers %s", a.Addr, d.servers[a.Default], strings.Join(srvs, " "))
		ni := a.Names
		if ni == nil {
			continue
		}
		exact := make([]string, 0, len(ni.Exact))
		for n := range ni.Exact {
			exact = append(exact, n)
		}
		slices.Sort(exact)
		for _, n := range exact {
			d.line(2, "name %s #%d", quote(n), d.servers[ni.Exact[n]])
		}
		for _, w := range ni.Front {
			n := "*" + w.suffix
			if w.dot {
				n = w.suffix
			}
			d.line(2, "name %s #%d", n, d.servers[w.srv])
		}
		for _, w := range ni.Back {
			d.line(2, "name %s* #%d", w.suffix, d.servers[w.srv])
		}
		for _, r := range ni.Regex {
			d.line(2, "name %s #%d", quote(r.name.Name), d.servers[r.srv])
		}
	}
}

func listenText(l *Listen) string {
	s := l.Addr
	add := func(f bool, w string) {
		if f {
			s += " " + w
		}
	}
	add(l.DefaultServer, "default_server")
	add(l.SSL, "ssl")
	add(l.HTTP2, "http2")
	add(l.ProxyProtocol, "proxy_protocol")
	add(l.Bind, "bind")
	add(l.Reuseport, "reuseport")
	add(l.Deferred, "deferred")
	if l.Network == "tcp" && l.AddrPort.Addr().Is6() {
		s += " ipv6only=" + onOff(l.IPv6Only)
	}
	add(l.Backlog != 511, "backlog="+strconv.Itoa(l.Backlog))
	add(l.RcvBuf != 0, "rcvbuf="+strconv.Itoa(l.RcvBuf))
	add(l.SndBuf != 0, "sndbuf="+strconv.Itoa(l.SndBuf))
	if l.SoKeepalive {
		if l.KeepIdle != 0 || l.KeepIntvl != 0 || l.KeepCnt != 0 {
			s += fmt.Sprintf(" so_keepalive=%s:%s:%d", l.KeepIdle, l.KeepIntvl, l.KeepCnt)
		} else {
			s += " so_keepalive=on"
		}
	}
	return s
}

// optDiff lists the Opt fields of a (a *Loc or *Srv) whose value differs
// from ref's, as name=value, skipping the key fields settings prints.
func optDiff(a, ref any) []string {
	av := reflect.ValueOf(a).Elem()
	rv := reflect.ValueOf(ref).Elem()
	var out []string
	for i := 0; i < av.NumField(); i++ {
		f := av.Type().Field(i)
		if keyFields[f.Name] || !isOpt(f.Type) {
			continue
		}
		x, y := fieldText(av.Field(i)), fieldText(rv.Field(i))
		if x != y {
			out = append(out, f.Name+"="+x)
		}
	}
	return out
}

// locDiff is optDiff between two levels, key fields included.
func locDiff(l, around *Loc) []string {
	av := reflect.ValueOf(l).Elem()
	rv := reflect.ValueOf(around).Elem()
	var out []string
	for i := 0; i < av.NumField(); i++ {
		f := av.Type().Field(i)
		if !isOpt(f.Type) {
			continue
		}
		x, y := fieldText(av.Field(i)), fieldText(rv.Field(i))
		if x != y {
			out = append(out, f.Name+"="+x)
		}
	}
	return out
}

func isOpt(t reflect.Type) bool {
	if t.Kind() != reflect.Struct {
		return false
	}
	_, ok := t.FieldByName("Set")
	return ok && t.NumField() == 2
}

// fieldText renders an Opt's value.
func fieldText(o reflect.Value) string {
	if !o.FieldByName("Set").Bool() {
		return "unset"
	}
	return valText(o.FieldByName("V").Interface())
}

func valText(v any) string {
	switch x := v.(type) {
	case bool:
		return onOff(x)
	case int64:
		return itoa(x)
	case string:
		return quote(x)
	case time.Duration:
		return x.String()
	case *vars.Value:
		return valueText(x)
	case SizeValue:
		if x.V != nil {
			return valueText(x.V)
		}
		return itoa(x.N)
	case *regex.Regexp:
		if x == nil {
			return "nil"
		}
		return quote(x.String())
	case []*vars.Value:
		return "[" + valuesText(x) + "]"
	case map[string]string:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			keys[i] = k + ":" + x[k]
		}
		return "{" + strings.Join(keys, ",") + "}"
	case []ErrorLog:
		var s []string
		for _, e := range x {
			s = append(s, logTarget(e.Path, e.Syslog)+":"+e.Level)
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*AccessRule:
		var s []string
		for _, r := range x {
			w := "allow"
			if r.Deny {
				w = "deny"
			}
			switch {
			case r.All:
				w += ":all"
			case r.Unix:
				w += ":unix:"
			default:
				w += ":" + r.Net.String()
			}
			s = append(s, w)
		}
		return "[" + strings.Join(s, ",") + "]"
	case *Expires:
		if x == nil {
			return "nil"
		}
		s := x.Kind
		if x.Kind == "var" {
			return s + ":" + valueText(x.Value)
		}
		if x.Delta != 0 || x.Kind == "access" || x.Kind == "modified" || x.Kind == "daily" {
			sign := ""
			if x.Neg {
				sign = "-"
			}
			s += ":" + sign + x.Delta.String()
		}
		return s
	case []string:
		return "[" + strings.Join(x, ",") + "]"
	case NextUpstream:
		return maskText(x, nextUpstreamNames)
	case IgnoreHeaders:
		return maskText(x, ignoreHeaderNames)
	case []*HeaderParam:
		var s []string
		for _, h := range x {
			w := h.Name + ":" + valueText(h.Value)
			if h.IfNotEmpty {
				w += ":if_not_empty"
			}
			if h.FromDefault {
				w += "(default)"
			}
			s = append(s, w)
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*Redirect:
		var s []string
		for _, r := range x {
			w := ruleText(r.From) + "->" + valueText(r.To)
			if r.Default {
				w = "default:" + w
			}
			s = append(s, w)
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*CookieRewrite:
		var s []string
		for _, r := range x {
			s = append(s, ruleText(r.From)+"->"+valueText(r.To))
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*CookieFlag:
		var s []string
		for _, r := range x {
			w := ruleText(RegexRule{Value: r.Name, Re: r.Re})
			for _, f := range r.Flags {
				w += ":" + valueText(f)
			}
			s = append(s, w)
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*AddHeader:
		var s []string
		for _, h := range x {
			w := h.Name + ":" + valueText(h.Value)
			if h.Always {
				w += ":always"
			}
			s = append(s, w)
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*ErrorPage:
		var s []string
		for _, e := range x {
			s = append(s, fmt.Sprintf("%d:%d:%s", e.Code, e.Overwrite, valueText(e.Target)))
		}
		return "[" + strings.Join(s, ",") + "]"
	case []*AccessLog:
		var s []string
		for _, a := range x {
			if a.Off {
				s = append(s, "off")
				continue
			}
			s = append(s, valueText(a.Path)+":"+a.Format.Name)
		}
		return "[" + strings.Join(s, ",") + "]"
	}
	return fmt.Sprintf("%v", v)
}

func valueText(v *vars.Value) string {
	if v == nil {
		return "-"
	}
	return quote(v.Raw)
}

func valuesText(vs []*vars.Value) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = valueText(v)
	}
	return strings.Join(s, " ")
}

// quote leaves plain words as they are and Go-quotes the rest.
func quote(s string) string {
	if s == "" {
		return `""`
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c == '"' || c == ';' || c == '{' || c == '}' || c >= 0x7f {
			return strconv.Quote(s)
		}
	}
	return s
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// mapLine shows a map block on one line: the source, the flags, the keys
// as hashed (lower-cased, unescaped) with their values, in order, then the
// default.
func (d *dumper) mapLine(m *Map) {
	if m.Geo != nil || m.Split != nil {
		d.line(1, "%s", strings.Join(m.blockDump(), " "))
		return
	}
	parts := []string{"map $" + m.Name, quote(m.Source.Raw)}
	if m.Hostnames {
		parts = append(parts, "hostnames")
	}
	if m.Volatile {
		parts = append(parts, "volatile")
	}
	for _, e := range m.entries {
		k := e.key
		if !e.regex && (strings.HasPrefix(k, "~") || k == "default") {
			k = "\\" + k
		}
		parts = append(parts, quote(k)+"="+quote(e.value.Raw))
	}
	if m.Default != nil {
		parts = append(parts, "default="+quote(m.Default.Raw))
	}
	d.line(1, "%s", strings.Join(parts, " "))
}

// upstream shows one group: its header line (method, keepalive, zone),
// then its servers with the addresses they resolved to.
func (d *dumper) upstream(u *Upstream) {
	parts := []string{"upstream", quote(u.Name), fmt.Sprintf("%s:%d", u.File, u.Line)}
	if u.Implicit {
		parts = append(parts, "implicit")
		if u.Port != 0 {
			parts = append(parts, "port="+strconv.Itoa(u.Port))
		}
	}
	switch u.Method {
	case "":
	case "hash":
		m := "hash " + valueText(u.HashKey)
		if u.Consistent {
			m += " consistent"
		}
		parts = append(parts, m)
	case "random":
		m := "random"
		if u.RandomTwo {
			m += " two " + u.RandomMethod
		}
		parts = append(parts, m)
	default:
		parts = append(parts, u.Method)
	}
	ka := "keepalive=" + strconv.Itoa(u.Keepalive)
	if u.KeepaliveLocal {
		ka += " local"
	}
	parts = append(parts, ka, "requests="+itoa(u.KeepaliveRequests),
		"time="+u.KeepaliveTime.String(), "timeout="+u.KeepaliveTimeout.String())
	if u.Zone != "" {
		parts = append(parts, "zone="+quote(u.Zone)+":"+itoa(u.ZoneSize))
	}
	if len(u.Resolver) > 0 {
		parts = append(parts, "resolver="+strings.Join(u.Resolver, ","))
	}
	d.line(1, "%s", strings.Join(parts, " "))
	for _, s := range u.Servers {
		w := fmt.Sprintf("server %s weight=%d max_fails=%d fail_timeout=%s", quote(s.Host), s.Weight, s.MaxFails, s.FailTimeout)
		if s.MaxConns != 0 {
			w += " max_conns=" + strconv.Itoa(s.MaxConns)
		}
		if s.Backup {
			w += " backup"
		}
		if s.Down {
			w += " down"
		}
		var names []string
		for _, a := range s.Addrs {
			n := a.Name
			if a.Network == "unix" {
				n += "(" + a.Addr + ")"
			}
			names = append(names, n)
		}
		d.line(2, "%s -> %s", w, strings.Join(names, " "))
	}
}

// module shows a level's *_pass of one module (name) and its settings v
// that differ from ref. Inside an if block, inherited is the enclosing
// level's pass, shown as such when the block takes it.
func (d *dumper) module(depth int, name string, pass *Pass, v, ref reflect.Value, inherited *Pass) {
	if pass != nil {
		if pass == inherited {
			d.line(depth, "%s_pass inherited", name)
		} else {
			d.line(depth, "%s", passText(name, pass))
		}
	}
	var diff []string
	proxyDiff(v, ref, &diff)
	if len(diff) > 0 {
		d.line(depth, "%s %s", name, strings.Join(diff, " "))
	}
}

func passText(name string, p *Pass) string {
	s := name + "_pass " + quote(p.URL)
	if p.Value != nil {
		s += " variables"
		if p.Scheme != "" {
			s += " scheme=" + p.Scheme
		}
		return s
	}
	u := p.Upstream
	grp := quote(u.Name)
	if u.Implicit {
		grp += "(implicit)"
	}
	s += fmt.Sprintf(" -> %s scheme=%s host=%s port=%s", grp, p.Scheme, quote(p.Host), orDash(p.Port))
	if name != "proxy" {
		return s
	}
	if p.HasURI {
		s += " uri=" + valueText(p.URI)
	}
	return s + " location_len=" + strconv.Itoa(p.LocationLen)
}

// proxyDiff lists the Opt fields of a ProxyLoc (its UpstreamConf
// flattened) that differ from ref's.
func proxyDiff(av, rv reflect.Value, out *[]string) {
	for i := 0; i < av.NumField(); i++ {
		f := av.Type().Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !isOpt(f.Type) {
			proxyDiff(av.Field(i), rv.Field(i), out)
			continue
		}
		if !isOpt(f.Type) {
			continue
		}
		x, y := fieldText(av.Field(i)), fieldText(rv.Field(i))
		if x != y {
			*out = append(*out, f.Name+"="+x)
		}
	}
}

func maskText[T ~uint32](m T, names map[string]T) string {
	var s []string
	for n, b := range names {
		if m&b != 0 {
			s = append(s, n)
		}
	}
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "|")
}

func ruleText(r RegexRule) string {
	if r.Re != nil {
		return "~" + quote(r.Re.String())
	}
	return valueText(r.Value)
}

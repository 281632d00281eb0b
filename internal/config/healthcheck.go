package config

import (
	"fmt"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// This file is the configuration of what commercial nginx (NGINX Plus)
// offers for upstream groups and free nginx lacks, in its directive
// syntax: active health checks (ngx_http_upstream_hc_module's
// health_check and match) and the queue directive of the upstream block.
// slow_start= is read with the other server parameters (upstream.go).

// HealthCheck is one health_check directive of a location.
type HealthCheck struct {
	File string
	Line int

	Interval      time.Duration // 5s
	Jitter        time.Duration // 0: no random delay
	Fails         int           // consecutive failed checks that make a peer unhealthy; 1
	Passes        int           // consecutive passed checks that make it healthy again; 1
	URI           string        // "/"
	Mandatory     bool          // new peers start in the "checking" state
	Persistent    bool          // mandatory persistent: a peer healthy before a reload starts up
	MatchName     string        // match=; "" = status 2xx or 3xx
	Match         *HealthMatch  // the block MatchName names, found when the http block ends
	Port          int           // 0 = the server's port
	GRPC          bool          // type=grpc
	GRPCService   string        // grpc_service=
	GRPCStatus    int           // grpc_status=: a non-zero status taken as healthy
	KeepaliveTime time.Duration // 0: a connection per check

	// Loc is the location's settings (its *_pass, timeouts, TLS), Pass
	// the pass whose group is checked, Upstream that group.
	Loc      *Loc
	Pass     *Pass
	Upstream *Upstream
}

// HealthMatch is a match block: the tests a response to a health check
// must pass, all of them.
type HealthMatch struct {
	Name    string
	File    string
	Line    int
	Status  *StatusTest // nil: any status
	Headers []HeaderTest
	Body    *BodyTest // nil: any body
	// Require are the require lines' values, every one of which must
	// be neither empty nor "0" (the variables of the check's answer).
	Require []*vars.Value
}

// StatusTest is "status [!] CODE|FROM-TO ...".
type StatusTest struct {
	Not    bool
	Ranges [][2]int // inclusive
}

// Match reports whether code passes the test.
func (t *StatusTest) Match(code int) bool {
	in := false
	for _, r := range t.Ranges {
		if code >= r[0] && code <= r[1] {
			in = true
			break
		}
	}
	return in != t.Not
}

// Header test operators.
const (
	HeaderPresent  = iota // header NAME
	HeaderAbsent          // header ! NAME
	HeaderEqual           // header NAME = VALUE
	HeaderNotEqual        // header NAME != VALUE
	HeaderRegex           // header NAME ~ REGEX
	HeaderNotRegex        // header NAME !~ REGEX
)

// HeaderTest is one header line of a match block.
type HeaderTest struct {
	Name  string
	Op    int
	Value string
	Re    *regex.Regexp
}

// BodyTest is "body ~|!~ REGEX": the first 256k of the body are examined.
type BodyTest struct {
	Not bool
	Re  *regex.Regexp
}

// MatchBodyLimit is how much of a response body a match block examines.
const MatchBodyLimit = 256 * 1024

func init() {
	register(
		Directive{Name: "health_check", Ctx: CtxLocation, Args: Take0 | OneMore, Set: setHealthCheck},
		Directive{Name: "match", Ctx: CtxHTTP, Args: Block | Take1, Set: setMatch},
		Directive{Name: "queue", Ctx: CtxUpstream, Args: Take12, Set: setQueue},
	)
}

// setHealthCheck reads health_check's parameters. type=grpc comes after
// all the others and only grpc_service= and grpc_status= may follow it;
// it does not go with uri= or match=.
func setHealthCheck(b *builder, s *conf.Stmt) error {
	hc := &HealthCheck{File: s.File, Line: s.Line, Interval: 5 * time.Second, Fails: 1, Passes: 1, URI: "/", Loc: b.cur}
	invalid := func(p string) error { return conf.Errorf(s, "invalid parameter \"%s\"", p) }
	positive := func(p, v string) (int, error) {
		n, ok := atoi(v)
		if !ok || n == 0 || n > 1<<31-1 {
			return 0, invalid(p)
		}
		return int(n), nil
	}
	var err error
	hasURI := false
	for _, p := range s.Args {
		name, v, hasValue := strings.Cut(p, "=")
		if hc.GRPC && name != "grpc_service" && name != "grpc_status" {
			return invalid(p)
		}
		switch {
		case name == "interval" && hasValue:
			if hc.Interval, err = ParseTime(v); err != nil || hc.Interval == 0 {
				return invalid(p)
			}
		case name == "jitter" && hasValue:
			if hc.Jitter, err = ParseTime(v); err != nil {
				return invalid(p)
			}
		case name == "fails" && hasValue:
			if hc.Fails, err = positive(p, v); err != nil {
				return err
			}
		case name == "passes" && hasValue:
			if hc.Passes, err = positive(p, v); err != nil {
				return err
			}
		case name == "uri" && hasValue:
			if v == "" {
				return invalid(p)
			}
			hc.URI, hasURI = v, true
		case p == "mandatory":
			hc.Mandatory = true
		case p == "persistent":
			if !hc.Mandatory {
				return invalid(p)
			}
			hc.Persistent = true
		case name == "match" && hasValue:
			if v == "" {
				return invalid(p)
			}
			hc.MatchName = v
		case name == "port" && hasValue:
			n, ok := atoi(v)
			if !ok || n < 1 || n > 65535 {
				return invalid(p)
			}
			hc.Port = int(n)
		case name == "keepalive_time" && hasValue:
			if hc.KeepaliveTime, err = ParseTime(v); err != nil {
				return invalid(p)
			}
		case p == "type=grpc":
			if hasURI || hc.MatchName != "" {
				return invalid(p)
			}
			hc.GRPC = true
		case name == "grpc_service" && hasValue && hc.GRPC:
			hc.GRPCService = v
		case name == "grpc_status" && hasValue && hc.GRPC:
			if hc.GRPCStatus, err = positive(p, v); err != nil {
				return err
			}
		default:
			return invalid(p)
		}
	}
	b.http.HealthChecks = append(b.http.HealthChecks, hc)
	return nil
}

// setMatch reads a match block: one status test, one body test, any
// number of header tests.
func setMatch(b *builder, s *conf.Stmt) error {
	name := s.Args[0]
	if b.http.Matches[name] != nil {
		return conf.Errorf(s, "duplicate match \"%s\"", name)
	}
	m := &HealthMatch{Name: name, File: s.File, Line: s.Line}
	if b.http.Matches == nil {
		b.http.Matches = map[string]*HealthMatch{}
	}
	b.http.Matches[name] = m
	for _, st := range s.Block {
		if st.HasBlock {
			return conf.Errorf(st, "directive \"%s\" has no opening \"{\"", st.Name)
		}
		var err error
		switch st.Name {
		case "status":
			err = matchStatus(st, m)
		case "header":
			err = matchHeader(st, m)
		case "body":
			err = matchBody(st, m)
		case "require":
			err = matchRequire(b, st, m)
		default:
			err = conf.Errorf(st, "unknown directive \"%s\"", st.Name)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// matchRequire is "require $var ...": each argument is a value with
// variables; a match block may have several such lines.
func matchRequire(b *builder, st *conf.Stmt, m *HealthMatch) error {
	if len(st.Args) == 0 {
		return conf.Errorf(st, "invalid number of arguments in \"%s\" directive", st.Name)
	}
	for _, a := range st.Args {
		v, err := b.compile(st, a)
		if err != nil {
			return err
		}
		m.Require = append(m.Require, v)
	}
	return nil
}

func matchStatus(st *conf.Stmt, m *HealthMatch) error {
	if m.Status != nil {
		return duplicate(st)
	}
	t := &StatusTest{}
	args := st.Args
	if len(args) > 0 && args[0] == "!" {
		t.Not, args = true, args[1:]
	}
	if len(args) == 0 {
		return conf.Errorf(st, "invalid number of arguments in \"%s\" directive", st.Name)
	}
	for _, a := range args {
		from, to, isRange := strings.Cut(a, "-")
		lo, ok1 := atoi(from)
		hi, ok2 := lo, true
		if isRange {
			hi, ok2 = atoi(to)
		}
		if !ok1 || !ok2 || lo < 100 || hi > 999 || lo > hi {
			return conf.Errorf(st, "invalid parameter \"%s\"", a)
		}
		t.Ranges = append(t.Ranges, [2]int{int(lo), int(hi)})
	}
	m.Status = t
	return nil
}

func matchHeader(st *conf.Stmt, m *HealthMatch) error {
	a := st.Args
	var t HeaderTest
	switch {
	case len(a) == 1 && a[0] != "!":
		t = HeaderTest{Name: a[0], Op: HeaderPresent}
	case len(a) == 2 && a[0] == "!":
		t = HeaderTest{Name: a[1], Op: HeaderAbsent}
	case len(a) == 3:
		t = HeaderTest{Name: a[0], Value: a[2]}
		switch a[1] {
		case "=":
			t.Op = HeaderEqual
		case "!=":
			t.Op = HeaderNotEqual
		case "~", "!~":
			t.Op = HeaderRegex
			if a[1] == "!~" {
				t.Op = HeaderNotRegex
			}
			re, err := regex.Compile(a[2], false)
			if err != nil {
				return conf.Errorf(st, "%s", err.Error())
			}
			t.Re = re
		default:
			return conf.Errorf(st, "invalid parameter \"%s\"", a[1])
		}
	default:
		return conf.Errorf(st, "invalid number of arguments in \"%s\" directive", st.Name)
	}
	m.Headers = append(m.Headers, t)
	return nil
}

func matchBody(st *conf.Stmt, m *HealthMatch) error {
	if m.Body != nil {
		return duplicate(st)
	}
	if len(st.Args) != 2 {
		return conf.Errorf(st, "invalid number of arguments in \"%s\" directive", st.Name)
	}
	t := &BodyTest{}
	switch st.Args[0] {
	case "~":
	case "!~":
		t.Not = true
	default:
		return conf.Errorf(st, "invalid parameter \"%s\"", st.Args[0])
	}
	re, err := regex.Compile(st.Args[1], false)
	if err != nil {
		return conf.Errorf(st, "%s", err.Error())
	}
	t.Re = re
	m.Body = t
	return nil
}

// setQueue is "queue NUMBER [timeout=TIME]": requests that find no peer
// wait for one, up to NUMBER of them, each up to the timeout (60s). A
// balancing method given after it replaces it, as the documentation
// warns ("activate them before the queue directive").
func setQueue(b *builder, s *conf.Stmt) error {
	u, n, err := upstreamCount(b, s)
	if err != nil {
		return err
	}
	if n == 0 || n > 1<<31-1 {
		return conf.Errorf(s, "invalid value \"%s\" in \"%s\" directive", s.Args[0], s.Name)
	}
	u.Queue, u.QueueTimeout = int(n), 60*time.Second
	if len(s.Args) == 2 {
		v, ok := strings.CutPrefix(s.Args[1], "timeout=")
		d, err := ParseTime(v)
		if !ok || err != nil {
			return conf.Errorf(s, "invalid parameter \"%s\"", s.Args[1])
		}
		u.QueueTimeout = d
	}
	return nil
}

// upstreamCount reads the number of a directive given once per upstream
// block (keepalive, queue).
func upstreamCount(b *builder, s *conf.Stmt) (*Upstream, int64, error) {
	u := b.curUpstream()
	if u.seen[s.Name] {
		return nil, 0, duplicate(s)
	}
	u.seen[s.Name] = true
	n, ok := atoi(s.Args[0])
	if !ok {
		return nil, 0, conf.Errorf(s, "invalid value \"%s\" in \"%s\" directive", s.Args[0], s.Name)
	}
	return u, n, nil
}

// finishHealthChecks ties each health_check to the group of its
// location's *_pass and its match block, once the http block is read
// and the groups are resolved: the group must be an upstream block with
// a zone, as commercial nginx keeps the checks' state there.
func (b *builder) finishHealthChecks() error {
	for _, hc := range b.http.HealthChecks {
		at := func(format string, args ...any) error {
			return &conf.Error{Msg: fmt.Sprintf(format, args...) + fmt.Sprintf(" in %s:%d", hc.File, hc.Line)}
		}
		for _, slot := range passSlots(hc.Loc) {
			if *slot != nil {
				hc.Pass = *slot
				break
			}
		}
		if hc.Pass == nil || hc.Pass.Upstream == nil {
			return at("health check requires an upstream group")
		}
		hc.Upstream = hc.Pass.Upstream
		if hc.Upstream.Zone == "" {
			return at("health check requires upstream zone")
		}
		if hc.MatchName != "" {
			if hc.Match = b.http.Matches[hc.MatchName]; hc.Match == nil {
				return at("match \"%s\" not found", hc.MatchName)
			}
		}
	}
	return nil
}

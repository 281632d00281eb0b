package config

import (
	"fmt"
	"math"
	"strings"

	"weir/internal/conf"
	"weir/internal/vars"
)

// This file is the configuration of ngx_http_limit_req_module and
// ngx_http_limit_conn_module: their zones (http level) and the limits,
// statuses, log levels and dry-run switches of each level.

// LimitZone is a shared memory zone of limit_req_zone or limit_conn_zone.
// A limit may name a zone declared later: the zone exists from its first
// mention and has no size until declared.
type LimitZone struct {
	Name    string
	Conn    bool  // limit_conn_zone's; else limit_req_zone's
	Size    int64 // 0 while only limits named it
	Key     *vars.Value
	KeyText string
	Rate    int64 // limit_req: requests per 1000 seconds
	ID      int   // index in HTTP.LimitZones
	bound   bool  // a *_zone directive declared it
}

// LimitReq is one limit_req; Burst and Delay are in the zone's units
// (×1000); nodelay is a delay no excess reaches.
type LimitReq struct {
	Zone  *LimitZone
	Burst int64
	Delay int64
}

// LimitConn is one limit_conn.
type LimitConn struct {
	Zone *LimitZone
	Max  int64
}

// LimitLoc holds both modules' location settings. A level with any
// limit_req (limit_conn) replaces all of the outer level's.
type LimitLoc struct {
	Reqs         Opt[[]*LimitReq]
	ReqStatus    Opt[int64]
	ReqLogLevel  Opt[string] // info, notice, warn, error
	ReqDryRun    Opt[bool]
	Conns        Opt[[]*LimitConn]
	ConnStatus   Opt[int64]
	ConnLogLevel Opt[string]
	ConnDryRun   Opt[bool]
}

func defaultLimitLoc() LimitLoc {
	return LimitLoc{
		Reqs: Def([]*LimitReq(nil)), ReqStatus: Def(int64(503)), ReqLogLevel: Def("error"), ReqDryRun: Def(false),
		Conns: Def([]*LimitConn(nil)), ConnStatus: Def(int64(503)), ConnLogLevel: Def("error"), ConnDryRun: Def(false),
	}
}

func init() {
	hsl := CtxHTTP | CtxServer | CtxLocation
	levels := []string{"info", "notice", "warn", "error"}
	register(
		Directive{Name: "limit_req_zone", Ctx: CtxHTTP, Args: Take3, Set: setLimitZone},
		Directive{Name: "limit_req", Ctx: hsl, Args: Take123, Set: setLimitReq},
		Directive{Name: "limit_req_status", Ctx: hsl, Args: Take1, Set: limitStatus(func(l *Loc) *Opt[int64] { return &l.Limit.ReqStatus })},
		Directive{Name: "limit_req_log_level", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.Limit.ReqLogLevel }, levels...)},
		Directive{Name: "limit_req_dry_run", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Limit.ReqDryRun })},
		Directive{Name: "limit_conn_zone", Ctx: CtxHTTP, Args: Take2, Set: setLimitZone},
		Directive{Name: "limit_conn", Ctx: hsl, Args: Take2, Set: setLimitConn},
		Directive{Name: "limit_conn_status", Ctx: hsl, Args: Take1, Set: limitStatus(func(l *Loc) *Opt[int64] { return &l.Limit.ConnStatus })},
		Directive{Name: "limit_conn_log_level", Ctx: hsl, Args: Take1, Set: enumSlot(func(b *builder) *Opt[string] { return &b.cur.Limit.ConnLogLevel }, levels...)},
		Directive{Name: "limit_conn_dry_run", Ctx: hsl, Args: Flag, Set: lflag(func(l *Loc) *Opt[bool] { return &l.Limit.ConnDryRun })},
	)
}

// limitStatus is ngx_conf_set_num_slot with the modules' 400..599 bounds.
func limitStatus(f func(l *Loc) *Opt[int64]) func(*builder, *conf.Stmt) error {
	num := numSlot(func(b *builder) *Opt[int64] { return f(b.cur) })
	return func(b *builder, s *conf.Stmt) error {
		if err := num(b, s); err != nil {
			return err
		}
		if v := f(b.cur).V; v < 400 || v > 599 {
			return conf.Errorf(s, "value must be between 400 and 599")
		}
		return nil
	}
}

// limitZone is ngx_shared_memory_add for the limit modules' zones: one
// namespace with the other shared zones, a size given twice must agree.
func (b *builder) limitZone(s *conf.Stmt, name string, size int64, connZone bool) (*LimitZone, error) {
	h := b.http
	if h.otherZone(name) {
		return nil, conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", name)
	}
	for _, z := range h.LimitZones {
		if z.Name != name {
			continue
		}
		if z.Conn != connZone {
			return nil, conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", name)
		}
		if z.Size == 0 {
			z.Size = size
		}
		if size != 0 && size != z.Size {
			return nil, conf.Errorf(s, "the size %d of shared memory zone \"%s\" conflicts with already declared size %d", size, name, z.Size)
		}
		return z, nil
	}
	z := &LimitZone{Name: name, Conn: connZone, Size: size, ID: len(h.LimitZones)}
	h.LimitZones = append(h.LimitZones, z)
	return z, nil
}

// parseZoneArg reads "zone=name:size" as both *_zone directives do.
func parseZoneArg(s *conf.Stmt, a string) (string, int64, error) {
	name, sz, ok := strings.Cut(a[len("zone="):], ":")
	if !ok {
		return "", 0, conf.Errorf(s, "invalid zone size \"%s\"", a)
	}
	size := ParseSize(sz)
	if size < 0 {
		return "", 0, conf.Errorf(s, "invalid zone size \"%s\"", a)
	}
	if size < minZoneSize {
		return "", 0, conf.Errorf(s, "zone \"%s\" is too small", a)
	}
	return name, size, nil
}

// setLimitZone is ngx_http_limit_req_zone and ngx_http_limit_conn_zone:
// a key, zone=name:size and, for limit_req, rate=Nr/s or Nr/m.
func setLimitZone(b *builder, s *conf.Stmt) error {
	connZone := s.Name == "limit_conn_zone"
	key, err := b.compile(s, s.Args[0])
	if err != nil {
		return err
	}
	var name string
	var size int64
	rate, scale := int64(1), int64(1)
	for _, a := range s.Args[1:] {
		switch {
		case strings.HasPrefix(a, "zone="):
			if name, size, err = parseZoneArg(s, a); err != nil {
				return err
			}
		case !connZone && strings.HasPrefix(a, "rate="):
			v := a[len("rate="):]
			if strings.HasSuffix(a, "r/s") {
				v, scale = v[:len(v)-3], 1
			} else if strings.HasSuffix(a, "r/m") {
				v, scale = v[:len(v)-3], 60
			}
			n, ok := atoi(v)
			if !ok || n == 0 || n > math.MaxInt64/1000 {
				return conf.Errorf(s, "invalid rate \"%s\"", a)
			}
			rate = n
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
	}
	if name == "" {
		return conf.Errorf(s, "\"%s\" must have \"zone\" parameter", s.Name)
	}
	z, err := b.limitZone(s, name, size, connZone)
	if err != nil {
		return err
	}
	if z.bound {
		return conf.Errorf(s, "%s \"%s\" is already bound to key \"%s\"", s.Name, name, z.KeyText)
	}
	z.bound, z.Key, z.KeyText, z.Rate = true, key, s.Args[0], rate*1000/scale
	return nil
}

// setLimitReq is ngx_http_limit_req.
func setLimitReq(b *builder, s *conf.Stmt) error {
	var z *LimitZone
	var burst, delay int64
	for _, a := range s.Args {
		switch {
		case strings.HasPrefix(a, "zone="):
			var err error
			if z, err = b.limitZone(s, a[len("zone="):], 0, false); err != nil {
				return err
			}
		case strings.HasPrefix(a, "burst="):
			n, ok := atoi(a[len("burst="):])
			if !ok || n == 0 || n > math.MaxInt64/1000 {
				return conf.Errorf(s, "invalid burst value \"%s\"", a)
			}
			burst = n
		case strings.HasPrefix(a, "delay="):
			n, ok := atoi(a[len("delay="):])
			if !ok || n == 0 || n > math.MaxInt64/1000 {
				return conf.Errorf(s, "invalid delay value \"%s\"", a)
			}
			delay = n
		case a == "nodelay":
			delay = math.MaxInt64 / 1000
		default:
			return conf.Errorf(s, "invalid parameter \"%s\"", a)
		}
	}
	if z == nil {
		return conf.Errorf(s, "\"%s\" must have \"zone\" parameter", s.Name)
	}
	l := &b.cur.Limit
	for _, o := range l.Reqs.V {
		if o.Zone == z {
			return duplicate(s)
		}
	}
	l.Reqs = Def(append(l.Reqs.V, &LimitReq{Zone: z, Burst: burst * 1000, Delay: delay * 1000}))
	return nil
}

// setLimitConn is ngx_http_limit_conn.
func setLimitConn(b *builder, s *conf.Stmt) error {
	z, err := b.limitZone(s, s.Args[0], 0, true)
	if err != nil {
		return err
	}
	l := &b.cur.Limit
	for _, o := range l.Conns.V {
		if o.Zone == z {
			return duplicate(s)
		}
	}
	n, ok := atoi(s.Args[1])
	if !ok || n == 0 {
		return conf.Errorf(s, "invalid number of connections \"%s\"", s.Args[1])
	}
	if n > 65535 {
		return conf.Errorf(s, "connection limit must be less 65536")
	}
	l.Conns = Def(append(l.Conns.V, &LimitConn{Zone: z, Max: n}))
	return nil
}

// checkLimitZones is ngx_init_cycle's size check for the limit zones (the
// http and stream modules'): a zone only limits named has none.
func (b *builder) checkLimitZones() error {
	var zones []*LimitZone
	if b.cfg.HTTP != nil {
		zones = b.cfg.HTTP.LimitZones
	}
	if b.cfg.Stream != nil {
		zones = append(zones[:len(zones):len(zones)], b.cfg.Stream.LimitZones...)
	}
	for _, z := range zones {
		if z.Size == 0 {
			return &conf.Error{Msg: fmt.Sprintf("zero size shared memory zone \"%s\"", z.Name), Late: true}
		}
	}
	return nil
}

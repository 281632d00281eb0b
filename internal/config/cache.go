package config

import (
	"fmt"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
)

// The upstream cache (ngx_http_file_cache.c and the *_cache directives
// of ngx_http_upstream_conf_t): *_cache_path declares a cache (a keys
// zone and a directory) at the http level; *_cache and the other
// *_cache_* directives choose and tune it per location.

// CacheZone is one *_cache_path (ngx_http_file_cache_t).
type CacheZone struct {
	Name        string
	Module      string // "proxy", "fastcgi", "uwsgi", "scgi": the zone's tag
	Path        string // absolute, as written
	Levels      []int  // the lengths of the directory levels (1 or 2 each)
	Size        int64  // the keys zone's size
	Inactive    time.Duration
	MaxSize     int64 // -1: no limit
	MinFree     int64
	UseTempPath bool

	LoaderFiles      int64
	LoaderSleep      time.Duration
	LoaderThreshold  time.Duration
	ManagerFiles     int64
	ManagerSleep     time.Duration
	ManagerThreshold time.Duration

	File string
	Line int
}

// CacheRef is a *_cache value other than off: a zone named in the
// configuration (resolved when the levels merge) or a value evaluated
// per request.
type CacheRef struct {
	Name  string
	Zone  *CacheZone
	Value *vars.Value
	stmt  *conf.Stmt
}

// CacheValid is one *_cache_valid entry: Status 0 is "any".
type CacheValid struct {
	Status int
	Valid  time.Duration
}

// Cache methods (ngx_http_upstream_cache_method_mask).
const (
	CacheGET uint32 = 1 << iota
	CacheHEAD
	CachePOST
)

// CacheConf is the cache part of ngx_http_upstream_conf_t.
type CacheConf struct {
	Cache            Opt[*CacheRef] // nil: off
	Key              Opt[*vars.Value]
	Valid            Opt[[]CacheValid]
	MinUses          Opt[int64]
	MaxRangeOffset   Opt[int64] // -1: no limit
	UseStale         Opt[NextUpstream]
	Methods          Opt[uint32]
	Lock             Opt[bool]
	LockTimeout      Opt[time.Duration]
	LockAge          Opt[time.Duration]
	Revalidate       Opt[bool]
	BackgroundUpdate Opt[bool]
	ConvertHead      Opt[bool]
	Bypass           Opt[[]*vars.Value]
	NoCache          Opt[[]*vars.Value]

	// *_store and *_store_access, kept with the cache settings as
	// ngx_http_upstream_conf_t keeps them: a level may not have both
	Store       Opt[Store]
	StoreAccess Opt[uint32] // the stored file's mode, 0600

	// the level's *_cache was made off by its *_store (or the other way
	// round), which nginx does at the merge: the directive may still
	// come, to be refused as incompatible rather than a duplicate
	offByStore, offByCache bool
}

// Store is a *_store other than off: the file the URI maps to under the
// root (Path nil), or the one Path names.
type Store struct {
	On   bool
	Path *vars.Value
}

// defaultCacheConf holds ngx_http_*_merge_loc_conf's cache defaults; the
// key's default is the module's (finishCaches).
func defaultCacheConf() CacheConf {
	return CacheConf{
		Cache:            Def[*CacheRef](nil),
		Key:              Def[*vars.Value](nil),
		Valid:            Def([]CacheValid(nil)),
		MinUses:          Def(int64(1)),
		MaxRangeOffset:   Def(int64(-1)),
		UseStale:         Def(NextOff),
		Methods:          Def(uint32(0)),
		Lock:             Def(false),
		LockTimeout:      Def(5 * time.Second),
		LockAge:          Def(5 * time.Second),
		Revalidate:       Def(false),
		BackgroundUpdate: Def(false),
		ConvertHead:      Def(true),
		Bypass:           Def([]*vars.Value(nil)),
		NoCache:          Def([]*vars.Value(nil)),
		Store:            Def(Store{}),
		StoreAccess:      Def(uint32(0o600)),
	}
}

// cacheMethodNames are the values of *_cache_methods.
var cacheMethodNames = map[string]uint32{"get": CacheGET, "head": CacheHEAD, "post": CachePOST}

// cacheRows are the setters of the cache directives for sharedRows.
func cacheRows(prefix string, uc ucOf, next map[string]NextUpstream) map[string]Directive {
	cc := func(b *builder) *CacheConf { return &uc(b).Cache }
	return map[string]Directive{
		"cache":                   {Args: Take1, Set: setCache(prefix, cc)},
		"cache_path":              {Ctx: CtxHTTP, Args: TwoMore, Set: setCachePath(prefix)},
		"cache_key":               {Args: Take1, Set: complexSlot(func(b *builder) *Opt[*vars.Value] { return &cc(b).Key })},
		"cache_valid":             {Args: OneMore, Set: setCacheValid(cc)},
		"cache_min_uses":          {Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &cc(b).MinUses })},
		"cache_max_range_offset":  {Args: Take1, Set: offSlot(func(b *builder) *Opt[int64] { return &cc(b).MaxRangeOffset })},
		"cache_use_stale":         {Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[NextUpstream] { return &cc(b).UseStale }, next)},
		"cache_methods":           {Args: OneMore, Set: bitmaskSlot(func(b *builder) *Opt[uint32] { return &cc(b).Methods }, cacheMethodNames)},
		"cache_lock":              {Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &cc(b).Lock })},
		"cache_lock_timeout":      {Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &cc(b).LockTimeout })},
		"cache_lock_age":          {Args: Take1, Set: timeSlot(func(b *builder) *Opt[time.Duration] { return &cc(b).LockAge })},
		"cache_revalidate":        {Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &cc(b).Revalidate })},
		"cache_convert_head":      {Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &cc(b).ConvertHead })},
		"cache_background_update": {Args: Flag, Set: flagSlot(func(b *builder) *Opt[bool] { return &cc(b).BackgroundUpdate })},
		"cache_bypass":            {Args: OneMore, Set: predicatesSlot(func(b *builder) *Opt[[]*vars.Value] { return &cc(b).Bypass })},
		"no_cache":                {Args: OneMore, Set: predicatesSlot(func(b *builder) *Opt[[]*vars.Value] { return &cc(b).NoCache })},
		"store":                   {Args: Take1, Set: setStore(prefix, cc)},
		"store_access":            {Args: Take123, Set: accessSlot(func(b *builder) *Opt[uint32] { return &cc(b).StoreAccess })},
	}
}

// setCache is ngx_http_proxy_cache and its siblings: off, a zone's name
// (resolved at the merge, where nginx reports an unknown one), or a value
// with variables naming a zone per request.
func setCache(prefix string, cc func(b *builder) *CacheConf) setter {
	return func(b *builder, s *conf.Stmt) error {
		c := cc(b)
		o := &c.Cache
		if o.Set && !c.offByStore {
			return duplicate(s)
		}
		c.offByStore = false
		a := s.Args[0]
		if a == "off" {
			*o = Def[*CacheRef](nil)
			return nil
		}
		if c.Store.Set && c.Store.V.On {
			return conf.Errorf(s, "\"%s\" directive is incompatible with \"%s_store\"", s.Name, prefix)
		}
		if !c.Store.Set {
			c.Store, c.offByCache = Def(Store{}), true
		}
		ref := &CacheRef{Name: a, stmt: s}
		if strings.Contains(a, "$") {
			v, err := b.compile(s, a)
			if err != nil {
				return err
			}
			ref.Value = v
		} else {
			for _, z := range b.http.CacheZones {
				if z.Name == a && z.Module != prefix {
					return conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", a)
				}
			}
		}
		*o = Def(ref)
		return nil
	}
}

// setStore is ngx_http_proxy_store and its siblings: off, on (the file
// the URI maps to) or a path with variables; not on a level with a cache.
// nginx's merge then turns the level's cache off (and a cache's level's
// store): here each directive does it to the other, unless set.
func setStore(prefix string, cc func(b *builder) *CacheConf) setter {
	return func(b *builder, s *conf.Stmt) error {
		c := cc(b)
		o := &c.Store
		if o.Set && !c.offByCache {
			return duplicate(s)
		}
		c.offByCache = false
		a := s.Args[0]
		if a == "off" {
			*o = Def(Store{})
			return nil
		}
		if c.Cache.Set && c.Cache.V != nil {
			return conf.Errorf(s, "\"%s\" directive is incompatible with \"%s_cache\"", s.Name, prefix)
		}
		st := Store{On: true}
		if a != "on" {
			v, err := b.compile(s, a)
			if err != nil {
				return err
			}
			st.Path = v
		}
		*o = Def(st)
		if !c.Cache.Set {
			c.Cache, c.offByStore = Def[*CacheRef](nil), true
		}
		return nil
	}
}

// setCacheValid is ngx_http_file_cache_valid_set_slot: a time alone
// covers 200, 301 and 302; codes (at least 100) or "any" before it.
func setCacheValid(cc func(b *builder) *CacheConf) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := &cc(b).Valid
		if !o.Set {
			*o = Def([]CacheValid(nil))
		}
		last := s.Args[len(s.Args)-1]
		valid, err := ParseSeconds(last)
		if err != nil {
			return conf.Errorf(s, "invalid time value \"%s\"", last)
		}
		if len(s.Args) == 1 {
			for _, st := range []int{200, 301, 302} {
				o.V = append(o.V, CacheValid{Status: st, Valid: valid})
			}
			return nil
		}
		for _, a := range s.Args[:len(s.Args)-1] {
			st := 0
			if a != "any" {
				n, ok := atoi(a)
				if !ok || n < 100 {
					return conf.Errorf(s, "invalid status \"%s\"", a)
				}
				st = int(n)
			}
			o.V = append(o.V, CacheValid{Status: st, Valid: valid})
		}
		return nil
	}
}

// predicatesSlot is ngx_http_set_predicate_slot: each argument is a
// value; all the directives of a level add to one list.
func predicatesSlot(field func(b *builder) *Opt[[]*vars.Value]) setter {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if !o.Set {
			*o = Def([]*vars.Value(nil))
		}
		for _, a := range s.Args {
			v, err := b.compile(s, a)
			if err != nil {
				return err
			}
			o.V = append(o.V, v)
		}
		return nil
	}
}

// setCachePath is ngx_http_file_cache_set_slot.
func setCachePath(prefix string) setter {
	return func(b *builder, s *conf.Stmt) error {
		z := &CacheZone{Module: prefix, Inactive: 10 * time.Minute, MaxSize: -1, UseTempPath: true,
			LoaderFiles: 100, LoaderSleep: 50 * time.Millisecond, LoaderThreshold: 200 * time.Millisecond,
			ManagerFiles: 100, ManagerSleep: 50 * time.Millisecond, ManagerThreshold: 200 * time.Millisecond,
			File: s.File, Line: s.Line}
		// (nginx 1.22 keeps a trailing slash: "/c/" is another path than "/c")
		z.Path = b.full(s.Args[0])
		for _, a := range s.Args[1:] {
			key, val, _ := strings.Cut(a, "=")
			var err error
			switch key {
			case "levels":
				err = z.parseLevels(s, a, val)
			case "use_temp_path":
				switch val {
				case "on":
					z.UseTempPath = true
				case "off":
					z.UseTempPath = false
				default:
					err = conf.Errorf(s, "invalid use_temp_path value \"%s\", it must be \"on\" or \"off\"", a)
				}
			case "keys_zone":
				name, sz, ok := strings.Cut(val, ":")
				size := ParseSize(sz)
				switch {
				case !ok || size < 0:
					err = conf.Errorf(s, "invalid keys zone size \"%s\"", a)
				case size < 8192:
					err = conf.Errorf(s, "keys zone \"%s\" is too small", a)
				default:
					z.Name, z.Size = name, size
				}
			case "inactive":
				d, perr := ParseSeconds(val)
				if perr != nil {
					err = conf.Errorf(s, "invalid inactive value \"%s\"", a)
				}
				z.Inactive = d
			case "max_size", "min_free":
				n := ParseOffset(val)
				if n < 0 {
					err = conf.Errorf(s, "invalid %s value \"%s\"", key, a)
				} else if key == "max_size" {
					z.MaxSize = n
				} else {
					z.MinFree = n
				}
			case "loader_files", "manager_files":
				n, ok := atoi(val)
				if !ok {
					err = conf.Errorf(s, "invalid %s value \"%s\"", key, a)
				} else if key == "loader_files" {
					z.LoaderFiles = n
				} else {
					z.ManagerFiles = n
				}
			case "loader_sleep", "loader_threshold", "manager_sleep", "manager_threshold":
				d, perr := ParseTime(val)
				if perr != nil {
					err = conf.Errorf(s, "invalid %s value \"%s\"", key, a)
				}
				switch key {
				case "loader_sleep":
					z.LoaderSleep = d
				case "loader_threshold":
					z.LoaderThreshold = d
				case "manager_sleep":
					z.ManagerSleep = d
				default:
					z.ManagerThreshold = d
				}
			default:
				err = conf.Errorf(s, "invalid parameter \"%s\"", a)
			}
			if err != nil {
				return err
			}
		}
		if z.Name == "" || z.Size == 0 {
			return conf.Errorf(s, "\"%s\" must have \"keys_zone\" parameter", s.Name)
		}
		return b.addCacheZone(s, z)
	}
}

// parseLevels reads levels=1:2 as ngx_http_file_cache_set_slot: up to
// three levels of one or two characters each.
func (z *CacheZone) parseLevels(s *conf.Stmt, a, val string) error {
	z.Levels = nil
	if val == "" {
		return nil
	}
	parts := strings.Split(val, ":")
	if len(parts) > 3 {
		return conf.Errorf(s, "invalid \"levels\" \"%s\"", a)
	}
	for _, p := range parts {
		if p != "1" && p != "2" {
			return conf.Errorf(s, "invalid \"levels\" \"%s\"", a)
		}
		z.Levels = append(z.Levels, int(p[0]-'0'))
	}
	return nil
}

// addCacheZone is ngx_add_path and ngx_shared_memory_add for a cache: a
// directory used twice, a zone name taken by another cache or another
// kind of zone are refused.
func (b *builder) addCacheZone(s *conf.Stmt, z *CacheZone) error {
	h := b.http
	for _, o := range h.CacheZones {
		if o.Path == z.Path {
			return &conf.Error{Msg: fmt.Sprintf("the same path name \"%s\" used in %s:%d and in %s:%d", z.Path, o.File, o.Line, s.File, s.Line)}
		}
	}
	other := false
	for _, u := range h.Upstreams {
		other = other || u.Zone == z.Name
	}
	for _, l := range h.LimitZones {
		other = other || l.Name == z.Name
	}
	if _, ok := h.sslZones[z.Name]; ok || other {
		return conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", z.Name)
	}
	for _, o := range h.CacheZones {
		if o.Name != z.Name {
			continue
		}
		if o.Module != z.Module {
			return conf.Errorf(s, "the shared memory zone \"%s\" is already declared for a different use", z.Name)
		}
		return conf.Errorf(s, "duplicate zone \"%s\"", z.Name)
	}
	h.CacheZones = append(h.CacheZones, z)
	return nil
}

// finishCaches is the cache part of each module's merge_loc_conf: a
// zone named by *_cache must have been declared by the module's
// *_cache_path, the key defaults to proxy's (the other modules have
// none), GET and HEAD are always cached methods, and use_stale off wins.
// Errors are positioned at the end of the http block s.
func (b *builder) finishCaches(s *conf.Stmt) error {
	var proxyKey *vars.Value
	return b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		for _, m := range []struct {
			prefix string
			uc     *UpstreamConf
		}{{"proxy", &l.Proxy.UpstreamConf}, {"fastcgi", &l.FastCGI.UpstreamConf}, {"uwsgi", &l.UWSGI.UpstreamConf}, {"scgi", &l.SCGI.UpstreamConf}} {
			if err := b.finishCache(s, m.prefix, &m.uc.Cache, &proxyKey); err != nil {
				return err
			}
		}
		return nil
	})
}

// finishCache merges one module's cache settings; proxyKey holds proxy's
// default key once compiled.
func (b *builder) finishCache(s *conf.Stmt, prefix string, c *CacheConf, proxyKey **vars.Value) error {
	c.Methods.V |= CacheGET | CacheHEAD
	if c.UseStale.V&NextOff != 0 {
		c.UseStale.V = NextOff
	}
	ref := c.Cache.V
	if ref == nil {
		return nil
	}
	if ref.Value == nil && ref.Zone == nil {
		for _, z := range b.http.CacheZones {
			if z.Name == ref.Name && z.Module == prefix {
				ref.Zone = z
			}
		}
		if ref.Zone == nil {
			return conf.ErrorfEnd(s, "\"%s_cache\" zone \"%s\" is unknown", prefix, ref.Name)
		}
	}
	if c.Key.V == nil {
		if prefix != "proxy" {
			// a warning only (nginx 1.22); the module's cache is not
			// used without a key
			b.warnings = append(b.warnings, conf.ErrorfEnd(s, "no \"%s_cache_key\" for \"%s_cache\"", prefix, prefix))
			return nil
		}
		if *proxyKey == nil {
			v, err := b.compile(s, "$scheme$proxy_host$request_uri")
			if err != nil {
				return err
			}
			*proxyKey = v
		}
		c.Key = Def(*proxyKey)
	}
	return nil
}

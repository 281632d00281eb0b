package config

import (
	"strings"

	"weir/internal/conf"
	"weir/internal/regex"
	"weir/internal/vars"
)

// Map is one map block (nginx's ngx_http_map_ctx_t): the variable it
// computes from the source value, and its keys. A key's value is a
// complex value, evaluated when the variable is read.
type Map struct {
	File string
	Line int
	Name string // the variable, lower-cased, without "$"
	Slot int

	Source    *vars.Value
	Hostnames bool
	Volatile  bool // not cached for the request (NGX_HTTP_VAR_NOCACHEABLE)

	// Split or Geo, when set, computes the variable instead of the
	// keys: a split_clients or geo block (of the same getter slot).
	Split *SplitClients
	Geo   *Geo

	HostHash
	Regex   []MapRegex  // in configuration order
	Default *vars.Value // nil: the empty string

	entries []mapEntry // the keys as hashed, in order, for Dump
}

// MapWildcard is a leading wildcard of a hostnames map: Star is
// "*.example.com", which needs a label before the name; without it,
// ".example.com" also matches "example.com" itself.
type MapWildcard struct {
	Value *vars.Value
	Star  bool
}

// MapRegex is a "~regex" or "~*regex" key.
type MapRegex struct {
	Regex *regex.Regexp
	Value *vars.Value
}

type mapEntry struct {
	key   string
	value *vars.Value
	regex bool
}

// HostHash is nginx's combined hash of exact names and leading and
// trailing wildcards (ngx_hash_combined_t), as map and valid_referers
// build it with ngx_hash_add_key.
type HostHash struct {
	Exact map[string]*vars.Value // lower-cased keys
	Head  map[string]MapWildcard // "*.example.com" and ".example.com" by "example.com"
	Tail  map[string]*vars.Value // "www.example.*" by "www.example"
}

func newHostHash() HostHash {
	return HostHash{Exact: map[string]*vars.Value{}, Head: map[string]MapWildcard{}, Tail: map[string]*vars.Value{}}
}

// Find looks up the exact and wildcard keys, as ngx_hash_find_combined
// does: low is the lower-cased source (without its trailing dot in a
// hostnames map). An exact key wins, then the longest leading wildcard,
// then the longest trailing one. The regex keys of a map are the
// caller's, since their captures belong to the request.
func (m *HostHash) Find(low string) (*vars.Value, bool) {
	if v, ok := m.Exact[low]; ok {
		return v, true
	}
	if low == "" {
		return nil, false
	}
	if len(m.Head) > 0 {
		if w, ok := m.Head[low]; ok && !w.Star {
			return w.Value, true
		}
		for i := 0; i < len(low); i++ {
			if low[i] == '.' {
				if w, ok := m.Head[low[i+1:]]; ok {
					return w.Value, true
				}
			}
		}
	}
	for i := len(low) - 1; i > 0 && len(m.Tail) > 0; i-- {
		if low[i] == '.' {
			if v, ok := m.Tail[low[:i]]; ok {
				return v, true
			}
		}
	}
	return nil, false
}

// LowerASCII lower-cases the ASCII letters of s only, as ngx_hash_strlow
// and ngx_tolower do for map keys and what they are looked up with.
func LowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// Lookup is ngx_http_map_find (and ngx_stream_map_find) on the source's
// value: the exact and wildcard keys, then the regexes in order (match
// runs one, setting its captures), else the default.
func (m *Map) Lookup(src string, match func(re *regex.Regexp, s string) bool) *vars.Value {
	if m.Hostnames && src != "" && src[len(src)-1] == '.' {
		src = src[:len(src)-1]
	}
	if v, ok := m.Find(LowerASCII(src)); ok {
		return v
	}
	if src != "" {
		for i := range m.Regex {
			if match(m.Regex[i].Regex, src) {
				return m.Regex[i].Value
			}
		}
	}
	return m.Default
}

// mapKeys are the conflict checks of ngx_hash_add_key while a block is
// read: the exact names (with the names of ".example.com" keys) and the
// names of leading and trailing wildcards.
type mapKeys struct {
	exact, head, tail map[string]bool
}

// setMap is ngx_http_map_block: the source, the variable, then the block
// read by ngx_http_map, one "KEY VALUE;" per statement.
func setMap(b *builder, s *conf.Stmt) error {
	src, err := b.compile(s, s.Args[0])
	if err != nil {
		return err
	}
	name := s.Args[1]
	if name == "" || name[0] != '$' {
		return conf.Errorf(s, "invalid variable name \"%s\"", name)
	}
	name = name[1:]
	if name == "" {
		return conf.Errorf(s, "invalid variable name \"%s\"", s.Args[1])
	}
	lname := strings.ToLower(name)
	if b.builtinVar(lname) {
		return conf.Errorf(s, "the duplicate \"%s\" variable", name)
	}
	// ngx_http_map_block sets the defaults of map_hash_* when it starts,
	// so that those directives are duplicates after the first map.
	hashMax, hashBucket := b.mapHash()
	if !hashMax.Set {
		*hashMax = Def(int64(2048))
	}
	if !hashBucket.Set {
		*hashBucket = Def(int64(cacheLine))
	} else if v := hashBucket.V; v <= 1<<32 {
		hashBucket.V = (v + cacheLine - 1) &^ (cacheLine - 1)
	}

	m := &Map{File: s.File, Line: s.Line, Name: lname, Source: src, HostHash: newHostHash()}
	// The variable reads through the map from here on, before the block's
	// own regexes are compiled, as in nginx.
	volatile := changeable[lname] // $args and $limit_rate are not cacheable
	if slot, ok := b.http.Vars.Slot(lname); ok {
		if i, ok := b.http.Vars.Map(slot); ok && b.http.Maps[i].Volatile {
			volatile = true
		}
	}
	m.Slot = b.http.Vars.DeclareMap(lname, len(b.http.Maps))
	b.http.Maps = append(b.http.Maps, m)

	keys := newMapKeys()
	values := map[string]*vars.Value{}
	for _, st := range s.Block {
		if err := b.mapEntry(s, m, keys, values, st); err != nil {
			return err
		}
	}
	if b.truncated && s.EndLine == 0 {
		return errTruncated
	}
	m.Volatile = m.Volatile || volatile
	return b.checkMapHash(m)
}

// mapEntry is ngx_http_map: one statement of map block s.
func (b *builder) mapEntry(s *conf.Stmt, m *Map, keys *mapKeys, values map[string]*vars.Value, st *conf.Stmt) error {
	if st.HasBlock {
		return conf.Errorf(st, "unexpected \"{\"")
	}
	if len(st.Args) == 0 {
		switch st.Name {
		case "hostnames":
			m.Hostnames = true
			return nil
		case "volatile":
			m.Volatile = true
			return nil
		}
	}
	if len(st.Args) != 1 {
		// "include" with one argument was expanded by the parser.
		return conf.Errorf(st, "invalid number of the map parameters")
	}
	key, raw := st.Name, st.Args[0]
	// nginx compiles values and regexes with the configuration saved when
	// the block began (ctx->cf), whose position, for an entry read through
	// an include, is the include's in the map's file.
	at := st
	for at.Include != nil && at.File != s.File {
		at = at.Include
	}
	// nginx keeps one value per distinct text.
	v, ok := values[raw]
	if !ok {
		cv, err := b.compile(at, raw)
		if err != nil {
			return err
		}
		v, values[raw] = cv, cv
	}
	if key == "default" {
		if m.Default != nil {
			return conf.Errorf(st, "duplicate default map parameter")
		}
		m.Default = v
		return nil
	}
	if strings.HasPrefix(key, "~") {
		pattern, caseless := key[1:], false
		if strings.HasPrefix(pattern, "*") {
			pattern, caseless = pattern[1:], true
		}
		re, err := b.compileRegex(at, pattern, caseless)
		if err != nil {
			return err
		}
		m.Regex = append(m.Regex, MapRegex{Regex: re, Value: v})
		m.entries = append(m.entries, mapEntry{key, v, true})
		return nil
	}
	key = strings.TrimPrefix(key, "\\")
	low, err := m.add(keys, st, key, v, m.Hostnames)
	if err != nil {
		return err
	}
	m.entries = append(m.entries, mapEntry{low, v, false})
	return nil
}

func newMapKeys() *mapKeys {
	return &mapKeys{exact: map[string]bool{}, head: map[string]bool{}, tail: map[string]bool{}}
}

// add is ngx_hash_add_key: key goes in lower-cased, as a wildcard too
// when wildcards is set (NGX_HASH_WILDCARD_KEY), with nginx's errors for
// an invalid wildcard and a key already taken. It returns the key as
// hashed.
func (m *HostHash) add(keys *mapKeys, st *conf.Stmt, key string, v *vars.Value, wildcards bool) (string, error) {
	low := LowerASCII(key)
	var busy bool
	if wildcards {
		form, ok := wildcardForm(key)
		if !ok {
			return "", conf.Errorf(st, "invalid hostname or wildcard \"%s\"", key)
		}
		switch form {
		case '.':
			name := low[1:]
			busy = keys.exact[name] || keys.head[name]
			keys.exact[name], keys.head[name] = true, true
			m.Head[name] = MapWildcard{Value: v}
		case '*':
			name := low[2:]
			busy = keys.head[name]
			keys.head[name] = true
			m.Head[name] = MapWildcard{Value: v, Star: true}
		case 't':
			name := low[:len(low)-2]
			busy = keys.tail[name]
			keys.tail[name] = true
			m.Tail[name] = v
		}
		if form != 0 {
			if busy {
				return "", conf.Errorf(st, "conflicting parameter \"%s\"", low)
			}
			return low, nil
		}
	}
	if keys.exact[low] {
		return "", conf.Errorf(st, "conflicting parameter \"%s\"", low)
	}
	keys.exact[low] = true
	m.Exact[low] = v
	return low, nil
}

// wildcardForm classifies a key of a hostnames map as ngx_hash_add_key
// does with NGX_HASH_WILDCARD_KEY: '.' for ".example.com", '*' for
// "*.example.com", 't' for "www.example.*", 0 for an exact name; ok is
// false for anything else with a "*", or with ".." or a NUL.
func wildcardForm(key string) (form byte, ok bool) {
	stars := 0
	for i := 0; i < len(key); i++ {
		switch {
		case key[i] == '*':
			if stars++; stars > 1 {
				return 0, false
			}
		case key[i] == '.' && i+1 < len(key) && key[i+1] == '.', key[i] == 0:
			return 0, false
		}
	}
	n := len(key)
	switch {
	case n > 1 && key[0] == '.':
		return '.', true
	case n > 2 && key[0] == '*' && key[1] == '.':
		return '*', true
	case n > 2 && key[n-2] == '.' && key[n-1] == '*':
		return 't', true
	case stars > 0:
		return 0, false
	}
	return 0, true
}

// cacheLine is ngx_cacheline_size on the machines weir runs on: the
// default map_hash_bucket_size, and what a set one is rounded up to.
const cacheLine = 64

// checkMapHash reports the errors and warnings of ngx_hash_init and
// ngx_hash_wildcard_init for the map's keys: the exact ones, then the
// tables of the leading and trailing wildcards of a hostnames map. Like
// nginx, it prints them without a position. (weir needs no such tables,
// but says the same.)
func (b *builder) checkMapHash(m *Map) error {
	max, bucket := b.mapHash()
	return b.buildHostHash("map_hash", &m.HostHash, max.V, bucket.V)
}

// mapHash is the map_hash_max_size and map_hash_bucket_size of the block
// at hand: the http block's, or the stream block's (ngx_stream_map_module
// has its own).
func (b *builder) mapHash() (max, bucket *Opt[int64]) {
	if b.stream != nil {
		return &b.streamMapHashMax, &b.streamMapHashBucket
	}
	return &b.mapHashMax, &b.mapHashBucket
}

func init() {
	register(
		Directive{Name: "map", Ctx: CtxHTTP, Args: Block | Take2, Set: setMap},
		Directive{Name: "map_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.mapHashMax })},
		Directive{Name: "map_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.mapHashBucket })},
	)
}

package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"weir/internal/conf"
)

// nginx keeps names it looks up often (server names, map keys, the
// headers a proxy sets) in static hash tables built once the
// configuration is read (ngx_hash_init). weir needs no such tables, but
// what nginx says while building them is part of -t: an error when a name
// cannot fit a bucket at all, a warning when the names fit no table of at
// most *_max_size buckets. This file reproduces both.

// hashElt is NGX_HASH_ELT_SIZE on a 64-bit machine: the value pointer,
// the name's length (two bytes) and the name, rounded up to a pointer.
func hashElt(n int) int64 { return 8 + int64((n+2+7)&^7) }

// hashKey is ngx_hash_key_lc: the name lower-cased, hash*31 + byte, in a
// machine word.
func hashKey(s string) uint64 {
	var h uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = h*31 + uint64(c)
	}
	return h
}

// alignBucket rounds a *_hash_bucket_size up to the cache line, as the
// modules do before building their tables.
func alignBucket(v int64) int64 {
	if v > 1<<32 {
		return v
	}
	return (v + cacheLine - 1) &^ (cacheLine - 1)
}

// hashFits is the size search of ngx_hash_init: whether some table of at
// most max buckets (starting where nginx starts) holds the names with no
// bucket over bucket bytes, its terminating pointer included.
func hashFits(names []string, max, bucket int64) bool {
	if len(names) == 0 {
		return true
	}
	room := bucket - 8
	n := int64(len(names))
	start := int64(1)
	if per := room / 16; per > 0 && n/per > 0 {
		start = n / per
	}
	if max > 10000 && max/n < 100 {
		start = max - 1000
	}
	keys := make([]uint64, len(names))
	sizes := make([]int64, len(names))
	for i, s := range names {
		keys[i], sizes[i] = hashKey(s), hashElt(len(s))
	}
	test := make([]int64, max+1)
next:
	for size := start; size <= max; size++ {
		clear(test[:size])
		for i, k := range keys {
			at := k % uint64(size)
			if test[at]+sizes[i] > room {
				continue next
			}
			test[at] += sizes[i]
		}
		return true
	}
	return false
}

// hashBuildError is what ngx_hash_init refuses for the table called name
// before it looks for a size, or nil.
func hashBuildError(name string, names []string, max, bucket int64) error {
	if len(names) == 0 {
		return nil
	}
	if max == 0 {
		return &conf.Error{Msg: "could not build " + name + ", you should increase " + name + "_max_size: 0"}
	}
	if bucket > 65536-cacheLine {
		return &conf.Error{Msg: "could not build " + name + ", too large " + name + "_bucket_size: " + itoa(bucket)}
	}
	for _, s := range names {
		if bucket < hashElt(len(s))+8 {
			return &conf.Error{Msg: "could not build " + name + ", you should increase " + name + "_bucket_size: " + itoa(bucket)}
		}
	}
	return nil
}

// warnHash adds nginx's warning when names fit no table of the hash
// called name (ngx_hash_init then builds one of max buckets, larger than
// bucket allows).
func (b *builder) warnHash(name string, names []string, max, bucket int64) {
	if max <= 0 || bucket > 65536-cacheLine || hashFits(names, max, bucket) {
		return
	}
	b.warnings = append(b.warnings, &conf.Error{Msg: fmt.Sprintf(
		"could not build optimal %s, you should increase either %s_max_size: %d or %s_bucket_size: %d; ignoring %s_bucket_size",
		name, name, max, name, bucket, name)})
}

// checkNamesHash is the hash part of ngx_http_server_names for one
// address: the exact names in server_names_hash (".example.com" adds
// "example.com" only to the keys checked for conflicts, not to the
// table), then the leading and the trailing wildcards, each
// in ngx_hash_wildcard_init's tables.
func (b *builder) checkNamesHash(ni *NameIndex) error {
	max, bucket := int64(512), int64(cacheLine)
	if b.namesHashMax.Set {
		max = b.namesHashMax.V
	}
	if b.namesHashBucket.Set {
		bucket = alignBucket(b.namesHashBucket.V)
	}
	var exact []string
	for n := range ni.Exact {
		exact = append(exact, n)
	}
	var head, tail []string
	for _, w := range ni.Front {
		head = append(head, headKey(w.suffix[1:], !w.dot))
	}
	for _, w := range ni.Back {
		tail = append(tail, strings.TrimSuffix(w.suffix, "."))
	}
	return b.buildNameTables("server_names_hash", exact, head, tail, max, bucket)
}

// buildNameTables builds the tables of a set of host names as
// ngx_http_server_names, ngx_http_map_block and
// ngx_http_referer_merge_conf do: the exact names (ngx_hash_init), then
// the leading and the trailing wildcards (ngx_hash_wildcard_init), each
// only when it has keys.
func (b *builder) buildNameTables(name string, exact, head, tail []string, max, bucket int64) error {
	if err := b.buildHash(name, exact, max, bucket); err != nil {
		return err
	}
	for _, keys := range [][]string{head, tail} {
		if len(keys) > 0 {
			if err := b.buildWildcardHash(name, keys, max, bucket); err != nil {
				return err
			}
		}
	}
	return nil
}

// buildHostHash is buildNameTables for a map's or valid_referers' names.
func (b *builder) buildHostHash(name string, m *HostHash, max, bucket int64) error {
	var head []string
	for k, w := range m.Head {
		head = append(head, headKey(k, w.Star))
	}
	return b.buildNameTables(name, slices.Collect(maps.Keys(m.Exact)), head, slices.Collect(maps.Keys(m.Tail)), max, bucket)
}

func init() {
	register(
		Directive{Name: "server_names_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.namesHashMax })},
		Directive{Name: "server_names_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.namesHashBucket })},
		Directive{Name: "proxy_headers_hash_max_size", Ctx: CtxHTTP | CtxServer | CtxLocation, Args: Take1, Set: proxyHashSize},
		Directive{Name: "proxy_headers_hash_bucket_size", Ctx: CtxHTTP | CtxServer | CtxLocation, Args: Take1, Set: proxyHashSize},
	)
}

// proxyHeaderNames are the headers ngx_http_proxy_headers sets unless
// proxy_set_header does, and proxyCacheHeaderNames the longer list of a
// level that caches (ngx_http_proxy_cache_headers): what goes into
// proxy_headers_hash after the configuration's own names.
var (
	proxyHeaderNames      = []string{"Host", "Connection", "Content-Length", "Transfer-Encoding", "TE", "Keep-Alive", "Expect", "Upgrade"}
	proxyCacheHeaderNames = append(proxyHeaderNames[:len(proxyHeaderNames):len(proxyHeaderNames)],
		"If-Modified-Since", "If-Unmodified-Since", "If-None-Match", "If-Match", "Range", "If-Range")
)

// hashSizes are a level's *_hash_max_size and *_hash_bucket_size.
type hashSizes struct{ max, bucket Opt[int64] }

// proxyHashSize is proxy_headers_hash_max_size and
// proxy_headers_hash_bucket_size, kept per level.
var proxyHashSize = levelHashSize(func(b *builder) *map[*Loc]*hashSizes { return &b.proxyHash })

// levelHashSize is a *_hash_max_size or *_hash_bucket_size directive
// (ngx_conf_set_num_slot) whose value is kept per level in the map field
// gives.
func levelHashSize(field func(b *builder) *map[*Loc]*hashSizes) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		m := field(b)
		if *m == nil {
			*m = map[*Loc]*hashSizes{}
		}
		h := (*m)[b.cur]
		if h == nil {
			h = &hashSizes{}
			(*m)[b.cur] = h
		}
		o := &h.max
		if strings.HasSuffix(s.Name, "_bucket_size") {
			o = &h.bucket
		}
		return numSlot(func(*builder) *Opt[int64] { return o })(b, s)
	}
}

// hashLevels merges per-level *_hash_max_size and *_hash_bucket_size down
// the levels as walkLevels visits them, over nginx's defaults.
type hashLevels struct {
	own         map[*Loc]*hashSizes
	at          map[*Loc]hashSizes
	max, bucket int64
}

func newHashLevels(own map[*Loc]*hashSizes, http *Loc, max, bucket int64) *hashLevels {
	h := &hashLevels{own: own, at: map[*Loc]hashSizes{}, max: max, bucket: bucket}
	if o := own[http]; o != nil {
		h.at[http] = *o
	}
	return h
}

// sizes are level l's merged sizes, the bucket size aligned to the cache
// line as the modules do.
func (h *hashLevels) sizes(l, parent *Loc) (max, bucket int64) {
	hs := h.at[parent]
	if o := h.own[l]; o != nil {
		if o.max.Set {
			hs.max = o.max
		}
		if o.bucket.Set {
			hs.bucket = o.bucket
		}
	}
	h.at[l] = hs
	max, bucket = h.max, h.bucket
	if hs.max.Set {
		max = hs.max.V
	}
	if hs.bucket.Set {
		bucket = alignBucket(hs.bucket.V)
	}
	return max, bucket
}

// buildHash is ngx_hash_init's verdict on names for the table called name:
// an error, or nil after the warning if they fit no table of max buckets.
func (b *builder) buildHash(name string, names []string, max, bucket int64) error {
	if err := hashBuildError(name, names, max, bucket); err != nil {
		return err
	}
	b.warnHash(name, names, max, bucket)
	return nil
}

// proxyHideNames are the upstream headers the proxy hides by default
// (ngx_http_proxy_hide_headers), the start of its hide_headers_hash, which
// nginx also calls proxy_headers_hash.
var proxyHideNames = []string{"Date", "Server", "X-Pad", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}

// userParams are the proxy_set_header entries of a list, nil when it
// holds only the defaults (no proxy_set_header at any level above).
func userParams(ps []*HeaderParam) []*HeaderParam {
	if slices.ContainsFunc(ps, func(p *HeaderParam) bool { return !p.FromDefault }) {
		return ps
	}
	return nil
}

func sameList[T any](a, b []T) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// checkProxyHeadersHash is the hash part of ngx_http_proxy_merge_loc_conf,
// level by level in nginx's merge order. ngx_http_proxy_init_headers
// builds a table for each proxy_set_header list where a level first uses
// it (a list of the http block once, for all servers), for each server
// when no level above sets one, and again with the cache headers for a
// level that caches unless it inherits both from a caching level;
// ngx_http_upstream_hide_headers_hash builds one for the hidden headers
// once for the http block and at each level with its own
// proxy_hide_header or proxy_pass_header. The names are the list's own,
// duplicates included, then the defaults it does not name.
func (b *builder) checkProxyHeadersHash() error {
	lv := newHashLevels(b.proxyHash, b.http.Loc, 512, 64)
	built := map[*HeaderParam]bool{}
	cacheOwner := map[*Loc]*Loc{}
	cacheBuilt := map[*Loc]bool{}
	hideBuilt := false
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		max, bucket := lv.sizes(l, parent)
		build := func(own []string, defaults []string) error {
			names := own
			for _, d := range defaults {
				if !slices.ContainsFunc(own, func(n string) bool { return strings.EqualFold(n, d) }) {
					names = append(names, d)
				}
			}
			return b.buildHash("proxy_headers_hash", names, max, bucket)
		}
		top := parent == b.http.Loc
		if err := b.hideHeadersHash(&hideBuilt, "proxy_headers_hash", proxyHideNames, &l.Proxy.UpstreamConf, &parent.Proxy.UpstreamConf, top, max, bucket); err != nil {
			return err
		}
		params := userParams(l.Proxy.Params.V)
		var own []string
		for _, p := range params {
			own = append(own, p.Name)
		}
		switch {
		case len(params) > 0 && !built[params[0]]:
			built[params[0]] = true
			fallthrough
		case len(params) == 0 && top:
			if err := build(slices.Clone(own), proxyHeaderNames); err != nil {
				return err
			}
		}
		if l.Proxy.Cache.Cache.V == nil {
			return nil
		}
		owner := l
		if sameList(params, userParams(parent.Proxy.Params.V)) && parent.Proxy.Cache.Cache.V != nil && !(top && len(params) == 0) {
			owner = parent
			if o := cacheOwner[parent]; o != nil {
				owner = o
			}
		}
		cacheOwner[l] = owner
		if cacheBuilt[owner] {
			return nil
		}
		cacheBuilt[owner] = true
		return build(own, proxyCacheHeaderNames)
	})
}

// typesHashSize is types_hash_max_size and types_hash_bucket_size, kept
// per level.
var typesHashSize = levelHashSize(func(b *builder) *map[*Loc]*hashSizes { return &b.typesHash })

// checkTypesHash is the types part of ngx_http_core_merge_loc_conf, level
// by level in nginx's merge order: a types{} of the http block is hashed
// once, when the first server is merged (with that server's sizes); a
// server or location with its own types{} is hashed where it is merged,
// and a server with none above it hashes the default types (html, gif,
// jpg). Levels that inherit a hashed list build nothing. httpOwn tells
// whether the http block has a types{} of its own.
func (b *builder) checkTypesHash(httpOwn bool) error {
	lv := newHashLevels(b.typesHash, b.http.Loc, 1024, cacheLine)
	httpBuilt := false
	return b.walkLevels(func(l, parent *Loc, _ *Location, _ bool) error {
		max, bucket := lv.sizes(l, parent)
		build := func(types map[string]string) error {
			return b.buildHash("types_hash", slices.Collect(maps.Keys(types)), max, bucket)
		}
		top := parent == b.http.Loc
		if top && httpOwn && !httpBuilt {
			httpBuilt = true
			if err := build(parent.Types.V); err != nil {
				return err
			}
		}
		if reflect.ValueOf(l.Types.V).UnsafePointer() == reflect.ValueOf(parent.Types.V).UnsafePointer() && (!top || httpOwn) {
			return nil
		}
		return build(l.Types.V)
	})
}

// headKey is ngx_hash_add_key's key for a leading wildcard of host (the
// name after "*." or "."): the labels reversed, "*.example.com" as
// "com.example." and ".example.com" as "com.example".
func headKey(host string, star bool) string {
	labels := strings.Split(host, ".")
	slices.Reverse(labels)
	k := strings.Join(labels, ".")
	if star {
		k += "."
	}
	return k
}

// dnsLess is ngx_dns_strcmp's order, in which the wildcard keys are
// sorted: bytes without case, the dot below every other character.
func dnsLess(a, b string) bool {
	for i := 0; ; i++ {
		if i == len(a) || i == len(b) {
			return len(a) < len(b)
		}
		c1, c2 := a[i]|0x20, b[i]|0x20
		if a[i] < 'A' || a[i] > 'Z' {
			c1 = a[i]
		}
		if b[i] < 'A' || b[i] > 'Z' {
			c2 = b[i]
		}
		if c1 == c2 {
			continue
		}
		if c1 == '.' {
			c1 = ' '
		}
		if c2 == '.' {
			c2 = ' '
		}
		return c1 < c2
	}
}

// buildWildcardHash is ngx_hash_wildcard_init over wildcard keys (head or
// tail form): one table per run of keys sharing a first label, holding
// the labels that follow it, built depth first before the table of the
// first labels themselves; each is ngx_hash_init's, with its warning or
// error under the hash's name.
func (b *builder) buildWildcardHash(name string, keys []string, max, bucket int64) error {
	keys = slices.Clone(keys)
	slices.SortStableFunc(keys, func(x, y string) int {
		if dnsLess(x, y) {
			return -1
		}
		if dnsLess(y, x) {
			return 1
		}
		return 0
	})
	return b.wildcardLevel(name, keys, max, bucket)
}

func (b *builder) wildcardLevel(name string, keys []string, max, bucket int64) error {
	var curr []string
	for n := 0; n < len(keys); {
		k := keys[n]
		l := strings.IndexByte(k, '.')
		dot := l >= 0
		if !dot {
			l = len(k)
		}
		curr = append(curr, k[:l])
		plen := l
		if dot {
			plen++
		}
		var next []string
		if len(k) != plen {
			next = append(next, k[plen:])
		}
		i := n + 1
		for ; i < len(keys); i++ {
			o := keys[i]
			if len(o) < plen || o[:plen] != k[:plen] || !dot && len(o) > plen && o[plen] != '.' {
				break
			}
			next = append(next, o[l+1:])
		}
		if len(next) > 0 {
			if err := b.wildcardLevel(name, next, max, bucket); err != nil {
				return err
			}
		}
		n = i
	}
	return b.buildHash(name, curr, max, bucket)
}

// hideHeadersHash is ngx_http_upstream_hide_headers_hash for a level with
// upstream settings u under pu: the module's hidden headers (defaults),
// then the level's *_hide_header names not already there, less its
// *_pass_header names, hashed where a level sets either list, and for the
// lists of the http block by the first server that inherits them (nginx
// keeps that table for the http block then, so the other servers reuse
// it); httpBuilt records that.
func (b *builder) hideHeadersHash(httpBuilt *bool, name string, defaults []string, u, pu *UpstreamConf, top bool, max, bucket int64) error {
	inherits := sameList(u.HideHeaders.V, pu.HideHeaders.V) && sameList(u.PassHeaders.V, pu.PassHeaders.V)
	if inherits && (!top || *httpBuilt) {
		return nil
	}
	if inherits {
		*httpBuilt = true
	}
	var names []string
	for _, n := range append(slices.Clone(defaults), u.HideHeaders.V...) {
		if !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, n) }) &&
			!slices.ContainsFunc(u.PassHeaders.V, func(m string) bool { return strings.EqualFold(m, n) }) {
			names = append(names, n)
		}
	}
	return b.buildHash(name, names, max, bucket)
}

// The headers the fastcgi, uwsgi, scgi and grpc modules hide by default
// (ngx_http_*_hide_headers).
var (
	fastcgiHideNames = []string{"Status", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}
	uwsgiHideNames   = []string{"X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}
	grpcHideNames    = []string{"Date", "Server", "X-Accel-Expires", "X-Accel-Redirect", "X-Accel-Limit-Rate", "X-Accel-Buffering", "X-Accel-Charset"}
)

// paramHashes are the tables one of the fastcgi, uwsgi and scgi modules
// builds while its levels are merged, all of nginx's fixed sizes (512
// buckets of 64 bytes): PREFIX_hide_headers_hash, and PREFIX_params_hash
// of the names after "HTTP_" of the PREFIX_param entries that start with
// it, built once for each list, where a level first uses it
// (ngx_http_*_init_params).
type paramHashes struct {
	prefix    string
	hide      []string
	httpBuilt bool
	built     map[*HeaderParam]bool
}

func newParamHashes(prefix string, hide []string) *paramHashes {
	return &paramHashes{prefix: prefix, hide: hide, built: map[*HeaderParam]bool{}}
}

func (h *paramHashes) hideHash(b *builder, u, pu *UpstreamConf, top bool) error {
	return b.hideHeadersHash(&h.httpBuilt, h.prefix+"_hide_headers_hash", h.hide, u, pu, top, 512, 64)
}

func (h *paramHashes) paramsHash(b *builder, params []*HeaderParam) error {
	if len(params) == 0 || h.built[params[0]] {
		return nil
	}
	h.built[params[0]] = true
	var names []string
	for _, p := range params {
		if len(p.Name) > len("HTTP_") && strings.HasPrefix(p.Name, "HTTP_") {
			names = append(names, p.Name[len("HTTP_"):])
		}
	}
	return b.buildHash(h.prefix+"_params_hash", names, 512, 64)
}

// grpcHeadersHash is the table of ngx_http_grpc_init_headers for a
// grpc_set_header list (with the default headers it does not name), once
// for each list. A list of the defaults alone is hashed too, but its short
// names always fit.
func (b *builder) grpcHeadersHash(hs *paramHashes, params []*HeaderParam) error {
	params = userParams(params)
	if len(params) == 0 || hs.built[params[0]] {
		return nil
	}
	hs.built[params[0]] = true
	var names []string
	for _, p := range params {
		names = append(names, p.Name)
	}
	return b.buildHash("grpc_headers_hash", names, 512, 64)
}

// checkTestTypesHash is the table ngx_http_merge_types builds for the
// MIME type lists of gzip_types, ssi_types, charset_types,
// sub_filter_types and addition_types, named test_types_hash, of nginx's
// fixed 2048 buckets of 64 bytes: once for each list a level uses (an
// http block's list by the first server inheriting it), none for "*". A
// type over 46 bytes is its error.
func (b *builder) checkTestTypesHash() error {
	built := map[*string]bool{}
	return b.walkLevels(func(l, _ *Loc, _ *Location, _ bool) error {
		for _, t := range []MIMETypes{l.Gzip.Types.V, l.SSI.Types.V, l.Charset.Types.V, l.SubFilter.Types.V, l.Addition.Types.V} {
			if t.Any || len(t.List) == 0 || built[&t.List[0]] {
				continue
			}
			built[&t.List[0]] = true
			if err := b.buildHash("test_types_hash", t.List, 2048, 64); err != nil {
				return err
			}
		}
		return nil
	})
}

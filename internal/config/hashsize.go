package config

import (
	"fmt"
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
// address: the exact names (".example.com" adds "example.com") in
// server_names_hash, then the wildcards' labels.
func (b *builder) checkNamesHash(ni *NameIndex, dotted map[string]bool) error {
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
	for n := range dotted {
		if _, ok := ni.Exact[n]; !ok {
			exact = append(exact, n)
		}
	}
	if err := hashBuildError("server_names_hash", exact, max, bucket); err != nil {
		return err
	}
	b.warnHash("server_names_hash", exact, max, bucket)
	var labels []string
	for _, w := range ni.Front {
		labels = append(labels, strings.Split(strings.Trim(w.suffix, "."), ".")...)
	}
	for _, w := range ni.Back {
		labels = append(labels, strings.Split(strings.Trim(w.suffix, "."), ".")...)
	}
	return hashBuildError("server_names_hash", labels, max, bucket)
}

func init() {
	register(
		Directive{Name: "server_names_hash_max_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.namesHashMax })},
		Directive{Name: "server_names_hash_bucket_size", Ctx: CtxHTTP, Args: Take1, Set: numSlot(func(b *builder) *Opt[int64] { return &b.namesHashBucket })},
	)
}

package config

import (
	"fmt"
	"runtime"
	"strings"

	"weir/internal/conf"
)

// This file checks directives weir accepts without acting on them (file
// caches, thread pools, CPU affinity, pool sizes, store permissions), so
// that a value nginx refuses fails weir's -t at the same place with the
// same words.

// threadPools is what ngx_thread_pool_module keeps while reading: every
// pool named by thread_pool or by "aio threads=NAME", in the order of its
// first mention.
type threadPools struct {
	pools []*threadPool
}

type threadPool struct {
	name    string
	defined bool   // a thread_pool directive declared it
	file    string // where it was first mentioned
	line    int
}

// add is ngx_thread_pool_add: the pool called name, created on its first
// mention.
func (t *threadPools) add(s *conf.Stmt, name string) *threadPool {
	for _, p := range t.pools {
		if p.name == name {
			return p
		}
	}
	p := &threadPool{name: name, file: s.File, line: s.Line}
	t.pools = append(t.pools, p)
	return p
}

// check is ngx_thread_pool_init_conf: a pool referenced but never
// declared is an error, except "default", which has built-in settings.
func (t *threadPools) check() error {
	for _, p := range t.pools {
		if p.defined || p.name == "default" {
			continue
		}
		return &conf.Error{Msg: fmt.Sprintf("unknown thread pool \"%s\" in %s:%d", p.name, p.file, p.line), Late: true}
	}
	return nil
}

// setThreadPool is ngx_thread_pool: a name, then a positive threads=N
// and an optional max_queue=N; other words are ignored.
func setThreadPool(b *builder, s *conf.Stmt) error {
	p := b.threads.add(s, s.Args[0])
	if p.defined {
		return conf.Errorf(s, "duplicate thread pool \"%s\"", p.name)
	}
	threads := int64(0)
	for _, a := range s.Args[1:] {
		switch {
		case strings.HasPrefix(a, "threads="):
			n, ok := atoi(a[len("threads="):])
			if !ok || n == 0 {
				return conf.Errorf(s, "invalid threads value \"%s\"", a)
			}
			threads = n
		case strings.HasPrefix(a, "max_queue="):
			if _, ok := atoi(a[len("max_queue="):]); !ok {
				return conf.Errorf(s, "invalid max_queue value \"%s\"", a)
			}
		}
	}
	if threads == 0 {
		return conf.Errorf(s, "\"%s\" must have \"threads\" parameter", s.Name)
	}
	p.defined = true
	return nil
}

// setAio is ngx_http_core_set_aio for a Linux build with threads: "off",
// "threads" (the pool "default") or "threads=POOL", where POOL may hold
// variables. weir serves files without aio; "on" (file AIO, which Debian's
// nginx is built without) is accepted as nginx built with it accepts it.
func setAio(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	a := s.Args[0]
	switch {
	case a == "off", a == "on":
	case a == "threads":
		b.threads.add(s, "default")
	case strings.HasPrefix(a, "threads="):
		name := a[len("threads="):]
		if strings.Contains(name, "$") {
			_, err := b.compile(s, name)
			return err
		}
		b.threads.add(s, name)
	default:
		return invalidValue(s)
	}
	return nil
}

// setOpenFileCache is ngx_http_core_open_file_cache and, with log set,
// ngx_http_log_open_file_cache: max=N, inactive=TIME (and for the log
// cache min_uses=N and valid=TIME) or off; a cache that is not off needs
// max.
func setOpenFileCache(log bool) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if !b.once(s) {
			return duplicate(s)
		}
		var max int64
		off := false
		for _, a := range s.Args {
			_, val, _ := strings.Cut(a, "=")
			ok := false
			switch {
			case strings.HasPrefix(a, "max="):
				var n int64
				n, ok = atoi(val)
				ok = ok && (log || n > 0)
				max = n
			case strings.HasPrefix(a, "inactive="), log && strings.HasPrefix(a, "valid="):
				ok = parseTime(val, true) >= 0
			case log && strings.HasPrefix(a, "min_uses="):
				_, ok = atoi(val)
			case a == "off":
				ok, off = true, true
			}
			if !ok {
				return conf.Errorf(s, "invalid \"%s\" parameter \"%s\"", s.Name, a)
			}
		}
		switch {
		case off:
		case max == 0 && log:
			return conf.Errorf(s, "\"%s\" must have \"max\" parameter", s.Name)
		case max == 0:
			return conf.Errorf(s, "\"%s\" must have the \"max\" parameter", s.Name)
		}
		return nil
	}
}

// minPoolSize and poolAlignment are nginx's NGX_MIN_POOL_SIZE and
// NGX_POOL_ALIGNMENT on a 64-bit build.
const (
	minPoolSize   = 112
	poolAlignment = 16
)

// poolSize adds ngx_http_core_pool_size, the post handler of
// connection_pool_size and request_pool_size, to their size setter.
func poolSize(set func(*builder, *conf.Stmt) error) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if err := set(b, s); err != nil {
			return err
		}
		switch n := ParseSize(s.Args[0]); {
		case n < minPoolSize:
			return conf.Errorf(s, "the pool size must be no less than %d", minPoolSize)
		case n%poolAlignment != 0:
			return conf.Errorf(s, "the pool size must be a multiple of %d", poolAlignment)
		}
		return nil
	}
}

// maxCPUs is CPU_SETSIZE, the most CPUs a worker_cpu_affinity mask may
// name.
const maxCPUs = 1024

// setCPUAffinity is ngx_set_cpu_affinity: "auto" and at most one mask,
// or masks of binary digits, which nginx reads from the right.
func setCPUAffinity(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	masks := s.Args
	if masks[0] == "auto" {
		if len(masks) > 2 {
			return conf.Errorf(s, "invalid number of arguments in \"%s\" directive", s.Name)
		}
		masks = masks[1:]
		b.main.cpuMasks = -1
	} else {
		b.main.cpuMasks = len(masks)
	}
	for _, m := range masks {
		if len(m) > maxCPUs {
			return conf.Errorf(s, "\"%s\" supports up to %d CPUs only", s.Name, maxCPUs)
		}
		for i := len(m) - 1; i >= 0; i-- {
			if m[i] != '0' && m[i] != '1' {
				return conf.Errorf(s, "invalid character \"%c\" in \"%s\"", m[i], s.Name)
			}
		}
	}
	return nil
}

// checkCPUMasks is the warning of ngx_core_module_init_conf about
// worker_cpu_affinity masks that do not match worker_processes.
func (b *builder) checkCPUMasks() {
	n := b.main.cpuMasks
	if n <= 1 {
		return
	}
	workers := int64(1)
	switch w := b.main.workerProcesses.V; {
	case w == "auto":
		workers = int64(runtime.NumCPU())
	case w != "":
		workers, _ = atoi(w)
	}
	if int64(n) != workers {
		b.warnings = append(b.warnings, &conf.Error{Late: true,
			Msg: "the number of \"worker_processes\" is not equal to the number of \"worker_cpu_affinity\" masks, using last mask for remaining worker processes"})
	}
}

// checkConnections is the part of ngx_event_init_conf that wants a
// connection for every listening socket and one more.
func (b *builder) checkConnections(connections int) error {
	listening := 0
	if b.cfg.HTTP != nil {
		listening = len(b.cfg.HTTP.Listens)
	}
	if connections < listening+1 {
		return &conf.Error{Msg: fmt.Sprintf("%d worker_connections are not enough for %d listening sockets", connections, listening), Late: true}
	}
	return nil
}

// checkResolver is the reading of ngx_resolver_create: valid=TIME,
// ipv4= and ipv6= on or off, and name server addresses (port 53 unless
// given), each of which must parse and resolve; at least one is needed.
func checkResolver(s *conf.Stmt) error {
	servers := 0
	for _, a := range s.Args {
		switch {
		case strings.HasPrefix(a, "valid="):
			if parseTime(a[len("valid="):], true) < 0 {
				return conf.Errorf(s, "invalid parameter: %s", a)
			}
			continue
		case strings.HasPrefix(a, "ipv4="), strings.HasPrefix(a, "ipv6="):
			if v := a[len("ipv4="):]; v != "on" && v != "off" {
				return conf.Errorf(s, "invalid parameter: %s", a)
			}
			continue
		case strings.HasPrefix(a, "status_zone=") && len(a) > len("status_zone="):
			// the commercial nginx's resolver statistics
			continue
		}
		pu, errText := parseURL(a, 53, false)
		if errText == "" && !pu.unix {
			_, errText = resolveHost(pu.host, pu.port)
		}
		if errText != "" {
			return conf.Errorf(s, "%s in resolver \"%s\"", errText, a)
		}
		servers++
	}
	if servers == 0 {
		return conf.Errorf(s, "no name servers defined")
	}
	return nil
}

// setResolver is ngx_http_core_resolver: one resolver per level.
func setResolver(b *builder, s *conf.Stmt) error {
	if !b.once(s) {
		return duplicate(s)
	}
	if err := checkResolver(s); err != nil {
		return err
	}
	b.cur.Resolver = Def(append([]string{}, s.Args...))
	return nil
}

// setResolverTimeout is ngx_http_core's resolver_timeout.
func setResolverTimeout(b *builder, s *conf.Stmt) error {
	if err := checkSlot(checkMsec)(b, s); err != nil {
		return err
	}
	d, _ := ParseTime(s.Args[0])
	b.cur.ResolverTimeout = Def(d)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// This file holds what the proxy and TLS modes share: the backend, the
// servers started from a configuration in the temporary directory, the
// runs measured with the CPU the server, the load generator and the rest
// of the machine spend meanwhile, and the medians of interleaved rounds.

// benchServer is one server under test, started by rig.start.
type benchServer struct {
	name   string
	cmd    *exec.Cmd
	prefix string // its directory: nginx.conf, logs/
}

// start writes conf(prefix) to dir/name/nginx.conf, starts bin with it
// and waits for addrs to accept connections.
func (r *rig) start(name, bin string, conf func(prefix string) string, addrs ...string) *benchServer {
	prefix := r.prefix(name)
	r.fail(os.WriteFile(prefix+"nginx.conf", []byte(conf(prefix)), 0o644))
	return r.run(name, prefix, exec.Command(bin, "-p", prefix, "-c", prefix+"nginx.conf"), addrs...)
}

// prefix makes the directory dir/name/ with its logs/ and returns it.
func (r *rig) prefix(name string) string {
	prefix := filepath.Join(r.dir, name) + "/"
	r.fail(os.MkdirAll(prefix+"logs", 0o755))
	return prefix
}

// run starts cmd, which runs in the foreground with its files under
// prefix, and waits for addrs to accept connections; close stops it.
func (r *rig) run(name, prefix string, cmd *exec.Cmd, addrs ...string) *benchServer {
	cmd.Stderr = os.Stderr
	r.fail(cmd.Start())
	s := &benchServer{name, cmd, prefix}
	r.started = append(r.started, s)
	for _, a := range addrs {
		r.fail(waitAddr(a))
	}
	return s
}

// usedPorts are the ports uniquePort has given.
var usedPorts = map[int]bool{}

// uniquePort is a free port below Linux's ephemeral range (32768 and
// up), where other processes' outgoing connections may take a port
// between the test and the server's bind on a busy machine, and never
// the same port twice in a run.
func uniquePort() int {
	for i := 0; i < 1000; i++ {
		p := 20000 + mathrand.IntN(12000)
		if usedPorts[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		usedPorts[p] = true
		return p
	}
	check(errors.New("no free port in 20000-31999"))
	return 0
}

// waitAddr waits up to 5 s for addr to accept a connection.
func waitAddr(addr string) error {
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not open", addr)
}

func (s *benchServer) pid() int { return s.cmd.Process.Pid }

// errorLog reports the lines of the server's error log.
func (s *benchServer) errorLog() []string {
	b, _ := os.ReadFile(s.prefix + "logs/error.log")
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

// logHead is the common head of the servers' configurations.
func logHead(prefix string) string {
	return fmt.Sprintf(`daemon off;
pid %slogs/bench.pid;
error_log %slogs/error.log;
`, prefix, prefix)
}

// rig is the proxy modes' setting: a temporary directory, the backend
// and the servers under test in front of it.
type rig struct {
	dir       string
	backend   *benchServer
	bport     int
	upstreams string // the http block's upstream groups, for proxyConf
	// accepts counts the connections the backend has accepted; nil
	// when the backend cannot tell.
	accepts func() int64
	servers []*benchServer
	started []*benchServer // all, for close
	seen    map[string]int // error log lines already shown, per server
}

// newDir makes the rig's temporary directory; mode names the benchmark
// in the error when nginx is missing.
func newDir(nginxBin, mode string) *rig {
	if _, err := os.Stat(nginxBin); err != nil {
		check(fmt.Errorf("the %s benchmark needs nginx: %v", mode, err))
	}
	dir, err := os.MkdirTemp("", "weirbench")
	check(err)
	r := &rig{dir: dir, seen: map[string]int{}}
	// nginx's workers run as an unprivileged user when started as
	// root: the files must be readable by everyone.
	r.fail(os.Chmod(dir, 0o755))
	return r
}

// newRig makes the directory and starts the backend, an nginx with one
// worker answering fixed 64-byte and 16 KiB bodies, with an upstream
// group "backend" for it (keepalive 64).
func newRig(nginxBin, mode string) *rig {
	r := newDir(nginxBin, mode)
	r.bport = uniquePort()
	r.accepts = r.backendAccepts
	r.upstreams = fmt.Sprintf(`    upstream backend {
        server 127.0.0.1:%d;
        keepalive 64;
    }
`, r.bport)
	html := filepath.Join(r.dir, "backend-html")
	r.fail(os.MkdirAll(html, 0o755))
	body64 := strings.Repeat("x", 63) + "\n"
	body16k := strings.Repeat(strings.Repeat("y", 63)+"\n", 256)
	r.fail(os.WriteFile(filepath.Join(html, "64"), []byte(body64), 0o644))
	r.fail(os.WriteFile(filepath.Join(html, "16k"), []byte(body16k), 0o644))
	conf := func(prefix string) string {
		return "worker_processes 1;\n" + logHead(prefix) + fmt.Sprintf(`events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    open_file_cache max=10;
    default_type text/plain;
    server {
        listen 127.0.0.1:%d;
        root %s;
        location = /status { stub_status; }
    }
}
`, r.bport, html)
	}
	r.backend = r.start("backend", nginxBin, conf, fmt.Sprintf("127.0.0.1:%d", r.bport))
	return r
}

// backendAccepts is the number of connections the backend has accepted
// (stub_status), counting the one that asks; -1 when it cannot be read.
func (r *rig) backendAccepts() int64 {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.bport), 5*time.Second)
	if err != nil {
		return -1
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /status HTTP/1.0\r\n\r\n"); err != nil {
		return -1
	}
	b, _ := io.ReadAll(io.LimitReader(c, 4096))
	if n := counts(acceptsRe, b); n != nil {
		return n[0]
	}
	return -1
}

var acceptsRe = regexp.MustCompile(`\n\s*(\d+) \d+ \d+\s*\n`)

// startProxies starts nginx (worker_processes workers) and weir (its
// defaults) with proxyConf around the server blocks blocks(name) gives,
// and waits for the addresses it gives too.
func (r *rig) startProxies(weirBin, nginxBin string, workers int, blocks func(name string) (string, []string)) {
	for _, t := range []struct{ name, bin, main string }{
		{"nginx", nginxBin, fmt.Sprintf("worker_processes %d;\n", workers)},
		{"weir", weirBin, ""},
	} {
		servers, addrs := blocks(t.name)
		conf := func(prefix string) string { return proxyConf(prefix, t.main, r.upstreams, servers) }
		r.servers = append(r.servers, r.start(t.name, t.bin, conf, addrs...))
	}
}

// close stops the processes the rig started, newest first, and removes
// its directory.
func (r *rig) close() {
	for i := len(r.started) - 1; i >= 0; i-- {
		stop(r.started[i].cmd)
	}
	r.started = nil
	os.RemoveAll(r.dir)
}

// fail closes the rig and exits when err is not nil.
func (r *rig) fail(err error) {
	if err != nil {
		r.close()
		check(err)
	}
}

// proxyConf is the proxy modes' configuration: main-context lines, the
// http block with the upstream groups, and the servers.
// worker_rlimit_nofile stays within the hard limit, which an
// unprivileged container cannot raise (both servers would log an alert).
func proxyConf(prefix, main, upstreams, servers string) string {
	var rl syscall.Rlimit
	files := uint64(65535)
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil {
		files = min(files, rl.Max)
	}
	return main + logHead(prefix) + fmt.Sprintf(`worker_rlimit_nofile %d;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
%s%s}
`, files, upstreams, servers)
}

// proxyLocation passes everything to the backend over the pool.
const proxyLocation = `        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
`

// sample is one measured run. The load fills rate, n, errs, the
// latencies and loadCPU; measure fills the rest.
type sample struct {
	rate     float64 // requests (or handshakes) per second
	p50, p99 float64 // ms
	n        int64   // requests completed
	errs     int64   // failed requests, socket errors, non-2xx answers
	loadCPU  time.Duration

	cpu      float64 // server CPU per request, µs
	switches float64 // server context switches per request
	backend  float64 // backend CPU per request, µs
	client   float64 // load generator CPU per request, µs
	other    float64 // cores used meanwhile by other processes (and steal)
	idle     float64 // cores left idle meanwhile
	rss      int64   // server RSS after the run, bytes
	upstream int64   // connections the backend accepted during the run
}

// measure runs load against s and adds the CPU spent per request by the
// server (and its children), by the backend (and its children) and by
// the load generator, what other processes used meanwhile (a shared
// machine shows in that figure), and the connections the backend
// accepted.
func (r *rig) measure(s *benchServer, load func() sample) sample {
	backend := r.backend.pid()
	a0, t0, m0, s0, b0 := r.acceptCount(), time.Now(), machineTicks(), cpuTicks(s.pid()), cpuTicks(backend)
	c0, i0 := ctxSwitches(s.pid()), idleTicks()
	x := load()
	a1, t1, m1, s1, b1 := r.acceptCount(), time.Now(), machineTicks(), cpuTicks(s.pid()), cpuTicks(backend)
	c1, i1 := ctxSwitches(s.pid()), idleTicks()
	server, bcpu := float64(s1-s0)/ticksPerSecond, float64(b1-b0)/ticksPerSecond
	if x.n > 0 {
		x.cpu = server * 1e6 / float64(x.n)
		x.switches = float64(c1-c0) / float64(x.n)
		x.backend = bcpu * 1e6 / float64(x.n)
		x.client = x.loadCPU.Seconds() * 1e6 / float64(x.n)
	}
	busy := float64(m1-m0)/ticksPerSecond - server - bcpu - x.loadCPU.Seconds()
	x.other = max(busy, 0) / t1.Sub(t0).Seconds()
	x.idle = float64(i1-i0) / ticksPerSecond / t1.Sub(t0).Seconds()
	x.rss = rss(s.pid())
	x.upstream = -1
	if a0 >= 0 && a1 >= 0 {
		x.upstream = a1 - a0 - 1 // the second status request
	}
	return x
}

// acceptCount is r.accepts(), or -1 without it.
func (r *rig) acceptCount() int64 {
	if r.accepts == nil {
		return -1
	}
	return r.accepts()
}

// machineTicks is the time all CPUs spent running processes (user,
// nice, system) or stolen by the hypervisor, from the first line of
// /proc/stat; interrupts, idle and I/O wait are left out.
func machineTicks() int64 { return statTicks(0, 1, 2, 7) }

// idleTicks is the time all CPUs spent idle or waiting for I/O.
func idleTicks() int64 { return statTicks(3, 4) }

// statTicks sums the given fields of the first line of /proc/stat:
// user nice system idle iowait irq softirq steal (guest is in user).
func statTicks(fields ...int) int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)[1:]
	var sum int64
	for _, i := range fields {
		if i < len(f) {
			v, _ := strconv.ParseInt(f[i], 10, 64)
			sum += v
		}
	}
	return sum
}

// interleave runs each server in turn, rounds times, and returns the
// samples per server name.
func interleave(rounds int, servers []*benchServer, run func(*benchServer) sample) map[string][]sample {
	got := map[string][]sample{}
	for round := 0; round < rounds; round++ {
		for _, s := range servers {
			got[s.name] = append(got[s.name], run(s))
		}
	}
	return got
}

// medianSample is the median of each figure over the samples; errors
// are summed.
func medianSample(xs []sample) sample {
	pick := func(f func(sample) float64) float64 {
		v := make([]float64, len(xs))
		for i, x := range xs {
			v[i] = f(x)
		}
		return median(v)
	}
	m := sample{
		rate:     pick(func(x sample) float64 { return x.rate }),
		p50:      pick(func(x sample) float64 { return x.p50 }),
		p99:      pick(func(x sample) float64 { return x.p99 }),
		cpu:      pick(func(x sample) float64 { return x.cpu }),
		switches: pick(func(x sample) float64 { return x.switches }),
		backend:  pick(func(x sample) float64 { return x.backend }),
		client:   pick(func(x sample) float64 { return x.client }),
		other:    pick(func(x sample) float64 { return x.other }),
		idle:     pick(func(x sample) float64 { return x.idle }),
		rss:      int64(pick(func(x sample) float64 { return float64(x.rss) })),
		upstream: int64(pick(func(x sample) float64 { return float64(x.upstream) })),
	}
	for _, x := range xs {
		m.errs += x.errs
		m.n += x.n
	}
	return m
}

// spread is the lowest and highest rate of the rounds.
func spread(xs []sample) string {
	if len(xs) == 0 {
		return ""
	}
	lo, hi := xs[0].rate, xs[0].rate
	for _, x := range xs {
		lo, hi = min(lo, x.rate), max(hi, x.rate)
	}
	return fmt.Sprintf("%.0f–%.0f", lo, hi)
}

// runLoad runs a load generator bounded by d plus a margin and returns
// its output and the CPU it used.
func runLoad(d time.Duration, name string, args ...string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	out, err := cmd.CombinedOutput()
	var used time.Duration
	if cmd.ProcessState != nil {
		used = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	return out, used, err
}

var (
	latRe     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)`)
	wrkNRe    = regexp.MustCompile(`(\d+) requests in`)
	sockErrRe = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	non2xxRe  = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

// wrkLatency runs wrk with --latency and two threads (one per core; one
// for a single connection). Socket errors and error answers are counted
// in errs and shown on stderr.
func wrkLatency(url, conns string, d time.Duration) sample {
	threads := "-t2"
	if conns == "1" {
		threads = "-t1"
	}
	out, used, err := runLoad(d, "wrk", threads, "-c"+conns, "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "weirbench: wrk: %v\n%s", err, out)
		return sample{errs: 1}
	}
	r := sample{loadCPU: used}
	r.errs = sum(counts(non2xxRe, out)) + sum(counts(sockErrRe, out))
	reportErrors(url, r.errs, out)
	if m := rpsRe.FindSubmatch(out); m != nil {
		r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := wrkNRe.FindSubmatch(out); m != nil {
		r.n, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	for _, m := range latRe.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if m[1] == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	return r
}

// counts are the numbers re's groups match in out; nil without a match.
func counts(re *regexp.Regexp, out []byte) []int64 {
	m := re.FindSubmatch(out)
	if m == nil {
		return nil
	}
	n := make([]int64, len(m)-1)
	for i := range n {
		n[i], _ = strconv.ParseInt(string(m[i+1]), 10, 64)
	}
	return n
}

func sum(v []int64) int64 {
	var t int64
	for _, x := range v {
		t += x
	}
	return t
}

var (
	logHeadRe   = regexp.MustCompile(`^\S+ \S+ \[(\w+)\] \d+#\d+: (\*\d+ )?`)
	logClientRe = regexp.MustCompile(`, client: .*`)
)

// errorLogs summarises the lines the servers' error logs got since the
// last call: each message (without time, process, connection and the
// request's details) with its count.
func (r *rig) errorLogs() {
	for _, s := range append(r.servers, r.backend) {
		lines := s.errorLog()
		fresh := lines[min(r.seen[s.name], len(lines)):]
		r.seen[s.name] = len(lines)
		fmt.Printf("%s error log: %d new lines\n", s.name, len(fresh))
		count := map[string]int{}
		var order []string
		for _, l := range fresh {
			m := logHeadRe.FindStringSubmatch(l)
			if m != nil {
				l = "[" + m[1] + "] " + l[len(m[0]):]
			}
			l = logClientRe.ReplaceAllString(l, "")
			if count[l] == 0 {
				order = append(order, l)
			}
			count[l]++
		}
		for _, l := range order[:min(len(order), 8)] {
			fmt.Printf("    %d× %s\n", count[l], l)
		}
	}
}

// reportErrors shows a load generator's output when it counted errors.
func reportErrors(url string, errs int64, out []byte) {
	if errs > 0 {
		fmt.Fprintf(os.Stderr, "weirbench: %s: %d errors:\n%s", url, errs, out)
	}
}

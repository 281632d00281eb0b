// Command weirbench measures weir against nginx on this machine, in one
// run, with the same configuration and the same load. Both servers listen
// on 127.0.0.1 only; every load is bounded in time and count.
//
// The default mode serves a 1 KiB static file over keep-alive (wrk,
// several connection counts) and measures the memory each idle keep-alive
// connection costs the server (RSS growth over N idle connections).
//
// -mode proxy puts each server in front of the same backend (an nginx
// with one worker answering fixed 64-byte and 16 KiB bodies) with an
// upstream keep-alive pool, and reports for each body size and connection
// count the requests per second, p50/p99 latency, CPU and context
// switches per request, the server's memory, the CPU per request the
// backend and wrk spent, and the cores the machine left idle meanwhile
// (work the three processes did not keep the cores busy with), in
// interleaved rounds.
//
// -mode tls terminates TLS in front of the same backend: full handshakes
// per second (ECDSA and RSA certificates, TLS 1.3 and 1.2, no
// resumption), keep-alive HTTPS (wrk) and HTTP/2 (h2load).
//
// -mode php puts each server in front of one PHP-FPM pool (pm = static,
// -php-children children, opcache on) running a one-line page, through
// fastcgi_pass with nginx's fastcgi_params, in two variants: a new
// connection to PHP-FPM per request (nginx's default) and "keepalive 8"
// with fastcgi_keep_conn on. Besides the servers' figures it reports
// PHP-FPM's CPU per request.
//
//	go build -o weir ./cmd/weir && go run ./cmd/weirbench -weir ./weir
//	go run ./cmd/weirbench -weir ./weir -mode proxy
//	go run ./cmd/weirbench -weir ./weir -mode tls
//	go run ./cmd/weirbench -weir ./weir -mode php
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	weirBin := flag.String("weir", "./weir", "weir binary")
	nginxBin := flag.String("nginx", "/usr/sbin/nginx", "nginx binary (skipped when absent)")
	conns := flag.String("conns", "64,256", "wrk connection counts")
	dur := flag.Duration("d", 10*time.Second, "duration of each wrk run")
	idle := flag.Int("idle", 10000, "idle keep-alive connections for the memory test")
	workers := flag.Int("nginx-workers", 2, "nginx worker_processes")
	rounds := flag.Int("rounds", 3, "alternating rounds per connection count")
	mode := flag.String("mode", "static", "static, proxy, tls or php")
	flag.Parse()
	if *mode == "proxy" || *mode == "php" {
		if *conns == "64,256" {
			*conns = "1,64,256"
		}
		bench := proxyBench
		if *mode == "php" {
			bench = phpBench
		}
		bench(*weirBin, *nginxBin, *workers, *conns, *dur, *rounds)
		return
	}
	if *mode == "tls" {
		tlsBench(*weirBin, *nginxBin, *workers, *conns, *dur, *rounds)
		return
	}

	dir, err := os.MkdirTemp("", "weirbench")
	check(err)
	defer os.RemoveAll(dir)
	// nginx's workers run as an unprivileged user when started as root:
	// the site must be readable by everyone, or nginx answers 403.
	check(os.Chmod(dir, 0o755))
	html := filepath.Join(dir, "html")
	check(os.MkdirAll(html, 0o755))
	body := strings.Repeat("0123456789abcdef", 64) // 1 KiB
	check(os.WriteFile(filepath.Join(html, "1k.txt"), []byte(body), 0o644))

	type target struct {
		name, bin, conf string
	}
	var targets []target
	if _, err := os.Stat(*nginxBin); err == nil {
		targets = append(targets, target{"nginx", *nginxBin, fmt.Sprintf("worker_processes %d;\n", *workers)})
	}
	targets = append(targets, target{"weir", *weirBin, ""})

	type running struct {
		target
		cmd  *exec.Cmd
		addr string
	}
	var servers []*running
	defer func() {
		for _, r := range servers {
			stop(r.cmd)
		}
	}()
	for _, t := range targets {
		port := freePort()
		prefix := filepath.Join(dir, t.name) + "/"
		check(os.MkdirAll(prefix+"logs", 0o755))
		conf := t.conf + fmt.Sprintf(`daemon off;
pid %slogs/bench.pid;
error_log %slogs/error.log;
worker_rlimit_nofile 65535;
events { worker_connections 20000; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    default_type text/plain;
    server {
        listen 127.0.0.1:%d;
        root %s;
    }
}
`, prefix, prefix, port, html)
		check(os.WriteFile(prefix+"nginx.conf", []byte(conf), 0o644))
		cmd := exec.Command(t.bin, "-p", prefix, "-c", prefix+"nginx.conf")
		cmd.Stderr = os.Stderr
		check(cmd.Start())
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		waitPort(addr)
		servers = append(servers, &running{t, cmd, addr})
	}

	// The machine may be shared: runs alternate between the servers and
	// the median of several rounds is reported, with the server's own CPU
	// time per request (user+system of the process and its children),
	// which other load disturbs less than the rate does.
	for _, c := range strings.Split(*conns, ",") {
		rps := map[string][]float64{}
		cpu := map[string][]float64{}
		for round := 0; round < *rounds; round++ {
			for _, r := range servers {
				before := cpuTicks(r.cmd.Process.Pid)
				v := wrk("http://"+r.addr+"/1k.txt", c, *dur)
				after := cpuTicks(r.cmd.Process.Pid)
				rps[r.name] = append(rps[r.name], v)
				if v > 0 {
					cpu[r.name] = append(cpu[r.name], float64(after-before)*1e6/ticksPerSecond/(v*dur.Seconds()))
				}
			}
		}
		for _, r := range servers {
			fmt.Printf("%-6s %4s conns: %8.0f req/s (median of %d; runs %s), %5.1f µs CPU per request\n",
				r.name, c, median(rps[r.name]), *rounds, list(rps[r.name]), median(cpu[r.name]))
		}
	}
	for _, r := range servers {
		fmt.Printf("%-6s %d idle keep-alive connections: %s\n", r.name, *idle, idleCost(r.cmd.Process.Pid, r.addr, *idle))
	}
}

// ticksPerSecond is USER_HZ, the unit of /proc/PID/stat times on Linux.
const ticksPerSecond = 100

// cpuTicks sums utime+stime of pid and its children (nginx's workers).
func cpuTicks(pid int) int64 {
	total := procTicks(pid)
	for _, k := range children(pid) {
		total += procTicks(k)
	}
	return total
}

func procTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// the fields after the command name, which is in parentheses
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// ctxSwitches is the number of context switches, voluntary and not, of
// every thread of pid and of its children.
func ctxSwitches(pid int) int64 {
	var total int64
	for _, p := range append([]int{pid}, children(pid)...) {
		tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		for _, t := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", p, t.Name()))
			if err != nil {
				continue
			}
			for _, line := range strings.Split(string(b), "\n") {
				if name, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(name, "ctxt_switches") {
					n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
					total += n
				}
			}
		}
	}
	return total
}

func children(pid int) []int {
	var out []int
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	for _, f := range strings.Fields(string(kids)) {
		if k, err := strconv.Atoi(f); err == nil {
			out = append(out, k)
		}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

func list(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(parts, " ")
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGQUIT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

var rpsRe = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk runs wrk with two threads (one per core) and returns requests/s.
func wrk(url, conns string, d time.Duration) float64 {
	out, err := exec.Command("wrk", "-t2", "-c"+conns, "-d"+strconv.Itoa(int(d.Seconds()))+"s", url).CombinedOutput()
	if err != nil {
		fmt.Fprintln(os.Stderr, "weirbench: wrk:", err)
		return 0
	}
	if bytes.Contains(out, []byte("Non-2xx or 3xx responses")) {
		fmt.Fprintf(os.Stderr, "weirbench: %s answered errors:\n%s", url, out)
		return 0
	}
	m := rpsRe.FindSubmatch(out)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// idleCost opens n keep-alive connections, makes one request on each,
// leaves them idle, and reports the server's RSS growth per connection
// (summed over the process and its children, for nginx's workers).
func idleCost(pid int, addr string, n int) string {
	var rl syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	if rl.Cur < uint64(n)+100 {
		rl.Cur = min(rl.Max, uint64(n)+100)
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	time.Sleep(500 * time.Millisecond)
	before := rss(pid)
	cs := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	req := []byte("GET /1k.txt HTTP/1.1\r\nHost: bench\r\n\r\n")
	buf := make([]byte, 8192)
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return fmt.Sprintf("dial failed after %d: %v", i, err)
		}
		cs = append(cs, c)
		if _, err := c.Write(req); err != nil {
			return "write: " + err.Error()
		}
		if err := readResponse(c, buf); err != nil {
			return fmt.Sprintf("read after %d connections: %v", i, err)
		}
	}
	time.Sleep(2 * time.Second)
	after := rss(pid)
	per := float64(after-before) / float64(len(cs))
	return fmt.Sprintf("%.0f bytes each (RSS %d KiB -> %d KiB)", per, before/1024, after/1024)
}

// readResponse reads one response with a 1 KiB body.
func readResponse(c net.Conn, buf []byte) error {
	got := 0
	for {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := c.Read(buf[got:])
		if err != nil {
			return fmt.Errorf("%w after %q", err, buf[:got+k])
		}
		got += k
		if h := strings.Index(string(buf[:got]), "\r\n\r\n"); h >= 0 && got >= h+4+1024 {
			return nil
		}
		if got == len(buf) {
			return fmt.Errorf("response too long")
		}
	}
}

// rss sums VmRSS of pid and its children.
func rss(pid int) int64 {
	total := readRSS(pid)
	for _, k := range children(pid) {
		total += readRSS(k)
	}
	return total
}

func readRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(addr string) { check(waitAddr(addr)) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "weirbench:", err)
		os.Exit(1)
	}
}

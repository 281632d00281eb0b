package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// proxyBench runs nginx and weir as reverse proxies in front of one
// backend, with the same configuration, and prints a table per body size
// and connection count.
func proxyBench(weirBin, nginxBin string, workers int, conns string, dur time.Duration, rounds int) {
	if _, err := os.Stat(nginxBin); err != nil {
		check(fmt.Errorf("the proxy benchmark needs nginx as the backend: %v", err))
	}
	dir, err := os.MkdirTemp("", "weirbench")
	check(err)
	defer os.RemoveAll(dir)
	check(os.Chmod(dir, 0o755))

	// the backend: nginx, one worker, fixed bodies from memory
	bport := freePort()
	bprefix := filepath.Join(dir, "backend") + "/"
	check(os.MkdirAll(bprefix+"logs", 0o755))
	body64 := strings.Repeat("x", 63) + "\n"
	body16k := strings.Repeat(strings.Repeat("y", 63)+"\n", 256)
	check(os.MkdirAll(bprefix+"html", 0o755))
	check(os.WriteFile(bprefix+"html/64", []byte(body64), 0o644))
	check(os.WriteFile(bprefix+"html/16k", []byte(body16k), 0o644))
	bconf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %slogs/bench.pid;
error_log %slogs/error.log;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    open_file_cache max=10;
    default_type text/plain;
    server { listen 127.0.0.1:%d; root %shtml; }
}
`, bprefix, bprefix, bport, bprefix)
	check(os.WriteFile(bprefix+"nginx.conf", []byte(bconf), 0o644))
	backend := exec.Command(nginxBin, "-p", bprefix, "-c", bprefix+"nginx.conf")
	backend.Stderr = os.Stderr
	check(backend.Start())
	defer stop(backend)
	waitPort(fmt.Sprintf("127.0.0.1:%d", bport))

	type server struct {
		name string
		cmd  *exec.Cmd
		addr string
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			stop(s.cmd)
		}
	}()
	for _, t := range []struct{ name, bin, main string }{
		{"nginx", nginxBin, fmt.Sprintf("worker_processes %d;\n", workers)},
		{"weir", weirBin, ""},
	} {
		port := freePort()
		prefix := filepath.Join(dir, t.name) + "/"
		check(os.MkdirAll(prefix+"logs", 0o755))
		conf := t.main + fmt.Sprintf(`daemon off;
pid %slogs/bench.pid;
error_log %slogs/error.log;
worker_rlimit_nofile 65535;
events { worker_connections 20000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    upstream backend {
        server 127.0.0.1:%d;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:%d;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`, prefix, prefix, bport, port)
		check(os.WriteFile(prefix+"nginx.conf", []byte(conf), 0o644))
		cmd := exec.Command(t.bin, "-p", prefix, "-c", prefix+"nginx.conf")
		cmd.Stderr = os.Stderr
		check(cmd.Start())
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		waitPort(addr)
		servers = append(servers, &server{t.name, cmd, addr})
	}

	fmt.Printf("%-6s %6s %6s %10s %9s %9s %9s %9s\n", "server", "body", "conns", "req/s", "p50", "p99", "CPU/req", "RSS")
	for _, size := range []string{"64", "16k"} {
		for _, c := range strings.Split(conns, ",") {
			type sample struct{ rps, p50, p99, cpu float64 }
			got := map[string][]sample{}
			for round := 0; round < rounds; round++ {
				for _, s := range servers {
					before := cpuTicks(s.cmd.Process.Pid)
					r := wrkLatency("http://"+s.addr+"/"+size, c, dur)
					after := cpuTicks(s.cmd.Process.Pid)
					if r.rps > 0 {
						r.cpu = float64(after-before) * 1e6 / ticksPerSecond / (r.rps * dur.Seconds())
					}
					got[s.name] = append(got[s.name], sample{r.rps, r.p50, r.p99, r.cpu})
				}
			}
			for _, s := range servers {
				var rps, p50, p99, cpu []float64
				for _, x := range got[s.name] {
					rps, p50, p99, cpu = append(rps, x.rps), append(p50, x.p50), append(p99, x.p99), append(cpu, x.cpu)
				}
				fmt.Printf("%-6s %6s %6s %10.0f %7.2fms %7.2fms %7.1fµs %6d KiB\n", s.name, size, c,
					median(rps), median(p50), median(p99), median(cpu), rss(s.cmd.Process.Pid)/1024)
			}
		}
	}
}

// wrkResult is one wrk run: requests/s, p50 and p99 latency in ms.
type wrkResult struct{ rps, p50, p99, cpu float64 }

var latRe = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)`)

// wrkLatency runs wrk with --latency and two threads (one per core; one
// for a single connection).
func wrkLatency(url, conns string, d time.Duration) wrkResult {
	threads := "-t2"
	if conns == "1" {
		threads = "-t1"
	}
	out, err := exec.Command("wrk", threads, "-c"+conns, "-d"+strconv.Itoa(int(d.Seconds()))+"s", "--latency", url).CombinedOutput()
	if err != nil {
		fmt.Fprintln(os.Stderr, "weirbench: wrk:", err)
		return wrkResult{}
	}
	if strings.Contains(string(out), "Non-2xx or 3xx responses") {
		fmt.Fprintf(os.Stderr, "weirbench: %s answered errors:\n%s", url, out)
		return wrkResult{}
	}
	var r wrkResult
	if m := rpsRe.FindSubmatch(out); m != nil {
		r.rps, _ = strconv.ParseFloat(string(m[1]), 64)
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

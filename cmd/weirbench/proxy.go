package main

import (
	"fmt"
	"strings"
	"time"
)

// proxyBench runs nginx and weir as reverse proxies in front of one
// backend, with the same configuration, and prints a table per body size
// and connection count.
func proxyBench(weirBin, nginxBin string, workers int, conns string, dur time.Duration, rounds int) {
	r := newRig(nginxBin, "proxy")
	defer r.close()
	addrs := map[string]string{}
	r.startProxies(weirBin, nginxBin, workers, func(name string) (string, []string) {
		port := uniquePort()
		addrs[name] = fmt.Sprintf("127.0.0.1:%d", port)
		return fmt.Sprintf("    server {\n        listen 127.0.0.1:%d;\n%s    }\n", port, proxyLocation), []string{addrs[name]}
	})
	servers := r.servers

	fmt.Printf("%-6s %6s %6s %10s %9s %9s %9s %7s %9s %9s %6s %9s\n", "server", "body", "conns", "req/s", "p50", "p99", "CPU/req", "cs/req", "backend", "wrk", "idle", "RSS")
	for _, size := range []string{"64", "16k"} {
		for _, c := range strings.Split(conns, ",") {
			got := interleave(rounds, servers, func(s *benchServer) sample {
				return r.measure(s, func() sample {
					return wrkLatency("http://"+addrs[s.name]+"/"+size, c, dur)
				})
			})
			for _, s := range servers {
				m := medianSample(got[s.name])
				fmt.Printf("%-6s %6s %6s %10.0f %7.2fms %7.2fms %7.1fµs %7.2f %7.1fµs %7.1fµs %6.2f %6d KiB\n", s.name, size, c,
					m.rate, m.p50, m.p99, m.cpu, m.switches, m.backend, m.client, m.idle, m.rss/1024)
			}
		}
	}
}

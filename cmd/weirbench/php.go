package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

var (
	phpChildren = flag.Int("php-children", 4, "php mode: PHP-FPM children (pm = static)")
	phpFPMBin   = flag.String("php-fpm", cgitest.PHPFPM, "php mode: PHP-FPM binary (Debian's php-fpmX.Y)")
)

// phpScript is the page both servers pass to PHP-FPM.
const phpScript = `<?php header("Content-Type: text/plain"); echo "hello from php ", $_SERVER["REQUEST_URI"], "\n";`

// phpParams is nginx's fastcgi_params, written into both servers'
// directories (weir's conf/ and Debian's /etc/nginx/ copies differ).
const phpParams = `fastcgi_param  QUERY_STRING       $query_string;
fastcgi_param  REQUEST_METHOD     $request_method;
fastcgi_param  CONTENT_TYPE       $content_type;
fastcgi_param  CONTENT_LENGTH     $content_length;
fastcgi_param  SCRIPT_NAME        $fastcgi_script_name;
fastcgi_param  REQUEST_URI        $request_uri;
fastcgi_param  DOCUMENT_URI       $document_uri;
fastcgi_param  DOCUMENT_ROOT      $document_root;
fastcgi_param  SERVER_PROTOCOL    $server_protocol;
fastcgi_param  REQUEST_SCHEME     $scheme;
fastcgi_param  HTTPS              $https if_not_empty;
fastcgi_param  GATEWAY_INTERFACE  CGI/1.1;
fastcgi_param  SERVER_SOFTWARE    nginx/$nginx_version;
fastcgi_param  REMOTE_ADDR        $remote_addr;
fastcgi_param  REMOTE_PORT        $remote_port;
fastcgi_param  SERVER_ADDR        $server_addr;
fastcgi_param  SERVER_PORT        $server_port;
fastcgi_param  SERVER_NAME        $server_name;
fastcgi_param  REDIRECT_STATUS    200;
`

// phpVariants are the two ways to reach the pool: a connection per
// request (nginx's default) and kept connections. A PHP-FPM child serves
// one kept connection until the server closes it, so idle connections
// hold children: keepalive_timeout 1s and a pause before each run let
// the server measured before give its children back.
var phpVariants = []struct{ name, upstream, location string }{
	{"close", "", ""},
	{"keepalive 8", "        keepalive 8;\n        keepalive_timeout 1s;\n", "            fastcgi_keep_conn on;\n"},
}

// phpPause is the pause before each run (see phpVariants).
const phpPause = 1500 * time.Millisecond

// phpBench runs nginx and weir in front of one PHP-FPM pool with the
// same configuration and prints a table per variant and connection
// count: the servers' CPU per request, and PHP-FPM's.
func phpBench(weirBin, nginxBin string, workers int, conns string, dur time.Duration, rounds int) {
	if _, err := os.Stat(*phpFPMBin); err != nil {
		check(fmt.Errorf("the php benchmark needs PHP-FPM (Debian package php-fpm): %v", err))
	}
	r := newDir(nginxBin, "php")
	defer r.close()
	html := filepath.Join(r.dir, "html")
	r.fail(os.MkdirAll(html, 0o755))
	r.fail(os.WriteFile(filepath.Join(html, "hello.php"), []byte(phpScript), 0o644))
	r.bport = uniquePort()
	r.backend = startFPM(r, *phpFPMBin, r.bport, *phpChildren)
	var ups strings.Builder
	for i, v := range phpVariants {
		fmt.Fprintf(&ups, "    upstream php%d {\n        server 127.0.0.1:%d;\n%s    }\n", i, r.bport, v.upstream)
	}
	r.upstreams = ups.String()

	addrs := map[string][]string{} // server name, then variant
	r.startProxies(weirBin, nginxBin, workers, func(name string) (string, []string) {
		r.fail(os.WriteFile(r.prefix(name)+"fastcgi_params", []byte(phpParams), 0o644))
		var blocks strings.Builder
		for i, v := range phpVariants {
			port := uniquePort()
			addrs[name] = append(addrs[name], fmt.Sprintf("127.0.0.1:%d", port))
			fmt.Fprintf(&blocks, `    server {
        listen 127.0.0.1:%d;
        root %s;
        location ~ \.php$ {
            include fastcgi_params;
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
%s            fastcgi_pass php%d;
        }
    }
`, port, html, v.location, i)
		}
		return blocks.String(), addrs[name]
	})
	for _, s := range r.servers {
		for _, a := range addrs[s.name] {
			r.fail(phpProbe(a))
		}
	}

	out, _ := exec.Command(*phpFPMBin, "-v").Output()
	first, _, _ := strings.Cut(string(out), "\n")
	fmt.Printf("%s, pm = static, %d children, opcache on\nload average before: %s", first, *phpChildren, loadavg())
	// nginx keeps 8 idle connections per worker, weir 8 per GOMAXPROCS
	if kept := 8 * (workers + runtime.NumCPU()); *phpChildren <= kept {
		fmt.Printf("note: with keepalive 8 the servers may keep up to %d idle connections, each holding a PHP-FPM child:\n"+
			"with %d children, requests wait behind idle connections (-php-children %d avoids it)\n", kept, *phpChildren, kept+8)
	}
	fmt.Printf("\n### GET /hello.php through FastCGI (wrk), %s runs, median of %d rounds\n\n", dur, rounds)
	t := newTable("server", "upstream", "conns", "req/s", "rounds", "p50", "p99", "server CPU/req", "php-fpm CPU/req",
		"wrk CPU/req", "other load", "RSS", "errors (all rounds)")
	for i, v := range phpVariants {
		for _, c := range strings.Split(conns, ",") {
			got := interleave(rounds, r.servers, func(s *benchServer) sample {
				time.Sleep(phpPause)
				return r.measure(s, func() sample { return wrkLatency("http://"+addrs[s.name][i]+"/hello.php", c, dur) })
			})
			for _, s := range r.servers {
				m := medianSample(got[s.name])
				t.row(s.name, v.name, c, f0(m.rate), spread(got[s.name]), ms(m.p50), ms(m.p99), us(m.cpu), us(m.backend),
					us(m.client), cores(m.other), mib(m.rss), strconv.FormatInt(m.errs, 10))
			}
		}
	}
	t.print()
	fmt.Printf("\nload average after: %s", loadavg())
	r.errorLogs()
}

// startFPM starts PHP-FPM in the foreground with one static pool of
// children on 127.0.0.1:port, its error log in logs/error.log, without
// php.ini (as the tests run it) but with opcache, as a site has it.
func startFPM(r *rig, bin string, port, children int) *benchServer {
	prefix := r.prefix("php-fpm")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf := fmt.Sprintf("[global]\nerror_log = %slogs/error.log\ndaemonize = no\npid = %slogs/fpm.pid\n"+
		"[bench]\nlisten = %s\nlisten.backlog = 1024\npm = static\npm.max_children = %d\n",
		prefix, prefix, addr, children)
	args := []string{"-F", "-n", "-y", prefix + "fpm.conf", "-d", "zend_extension=opcache.so", "-d", "opcache.enable=1"}
	if os.Geteuid() == 0 {
		conf += "user = root\n"
		args = append(args, "-R")
	}
	r.fail(os.WriteFile(prefix+"fpm.conf", []byte(conf), 0o644))
	return r.run("php-fpm", prefix, exec.Command(bin, args...), addr)
}

// phpProbe checks that addr runs the page before the load.
func phpProbe(addr string) error {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/hello.php")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return err
	}
	if want := "hello from php /hello.php\n"; resp.StatusCode != 200 || string(body) != want {
		return fmt.Errorf("%s/hello.php: %s %q, want 200 %q", addr, resp.Status, body, want)
	}
	return nil
}

package httpd

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// fpmPool is one PHP-FPM master with one pool, which a test stops and
// starts again by its PID.
type fpmPool struct {
	t      *testing.T
	name   string // the pool's POOL environment variable
	listen string // host:port, or a unix socket path
	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	out    bytes.Buffer
}

// startFPMPool starts PHP-FPM with one static pool on listen whose
// scripts see getenv("POOL") == name. It is stopped when the test ends.
func startFPMPool(t *testing.T, name, listen string) *fpmPool {
	t.Helper()
	p := &fpmPool{t: t, name: name, listen: listen, dir: t.TempDir()}
	p.start()
	t.Cleanup(p.stop)
	return p
}

func (p *fpmPool) network() string {
	if strings.HasPrefix(p.listen, "/") {
		return "unix"
	}
	return "tcp"
}

// start runs the master (again) and waits until it accepts connections.
func (p *fpmPool) start() {
	t := p.t
	t.Helper()
	conf := fmt.Sprintf("[global]\nerror_log = %s/fpm.log\ndaemonize = no\npid = %s/fpm.pid\n"+
		"[%s]\nlisten = %s\npm = static\npm.max_children = 2\nclear_env = no\nenv[POOL] = %s\n",
		p.dir, p.dir, p.name, p.listen, p.name)
	args := []string{"-F", "-n", "-y", p.dir + "/fpm.conf"}
	if os.Geteuid() == 0 {
		conf += "user = root\n"
		args = append(args, "-R")
	} else if p.network() == "unix" {
		conf += "listen.mode = 0666\n"
	}
	cgitest.WriteFile(t, p.dir+"/fpm.conf", conf)
	p.out.Reset()
	p.cmd = exec.Command(cgitest.PHPFPM, args...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	// Its own process group: the children go with the master.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p.cmd.WaitDelay = 2 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { cmd.Wait(); close(exited) }(p.cmd, p.exited)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout(p.network(), p.listen, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.exited:
			t.Fatalf("php-fpm pool %s exited: %s", p.name, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("php-fpm pool %s not listening on %s: %v", p.name, p.listen, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the master's process group by its PID and waits for it;
// the port is refused from then on.
func (p *fpmPool) stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	select {
	case <-p.exited:
	default:
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
	p.cmd = nil
}

// TestSeedUpstreamPHPFPM runs the seed configuration's upstream group in
// front of real PHP-FPM pools: three on TCP (a weighted, one with
// max_fails, a plain one) and a backup on a unix socket, with ip_hash
// after the servers (nginx refuses "backup" on a server line after
// ip_hash; placed last, the backup is reached through round robin once
// the hashed tries are spent). Each pool answers with its name.
//
// The seed gives server B fail_timeout=30s (and the others the default
// 10s); a test that waits for a failed server to come back would take
// that long, so every server here has fail_timeout=1s. B keeps
// max_fails=5.
func TestSeedUpstreamPHPFPM(t *testing.T) {
	cgitest.Need(t, cgitest.PHPFPM)
	a := startFPMPool(t, "a", fmt.Sprintf("127.0.0.1:%d", cgitest.FreePort(t)))
	b := startFPMPool(t, "b", fmt.Sprintf("127.0.0.1:%d", cgitest.FreePort(t)))
	c := startFPMPool(t, "c", fmt.Sprintf("127.0.0.1:%d", cgitest.FreePort(t)))
	sock := filepath.Join(t.TempDir(), "php.sock")
	startFPMPool(t, "backup", sock)

	addr, dir := gatewayEnv(t, `events {} http {
		error_log logs/error.log info;
		log_format up '$status $upstream_addr $upstream_status';
		access_log logs/access.log up;
		upstream backend {
			server {{A}} weight=3 fail_timeout=1s;
			server {{B}} max_fails=5 fail_timeout=1s;
			server {{C}} fail_timeout=1s;
			server unix:{{S}} backup;
			ip_hash;
		}
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ {
				fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
				include fastcgi_params;
				fastcgi_pass backend;
			} } }`,
		map[string]string{"A": a.listen, "B": b.listen, "C": c.listen, "S": sock},
		map[string]string{"pool.php": `<?php header("Content-Type: text/plain"); echo getenv("POOL");`})

	// All pools up: the client (127.0.0.1) always lands on one of the
	// primaries.
	first := get(t, addr, "/pool.php")
	if first.status != 200 || (first.body != "a" && first.body != "b" && first.body != "c") {
		t.Fatalf("first request: %d %q", first.status, first.body)
	}
	for i := 0; i < 8; i++ {
		if r := get(t, addr, "/pool.php"); r.status != 200 || r.body != first.body {
			t.Fatalf("request %d: ip_hash moved the client from %q to %d %q", i, first.body, r.status, r.body)
		}
	}

	// The three TCP pools stop: every request ends at the backup.
	a.stop()
	b.stop()
	c.stop()
	for i := 0; i < 4; i++ {
		if r := get(t, addr, "/pool.php"); r.status != 200 || r.body != "backup" {
			t.Fatalf("request %d with the primaries down: %d %q\n%s", i, r.status, r.body, readLog(t, dir, "error.log"))
		}
	}
	elog := readLog(t, dir, "error.log")
	for _, p := range []*fpmPool{a, b, c} {
		want := `connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, ` +
			`server: , request: "GET /pool.php HTTP/1.1", upstream: "fastcgi://` + p.listen + `"`
		if !strings.Contains(elog, want) {
			t.Errorf("no connect() failed line for pool %s; want\n%s\nerror log:\n%s", p.name, want, elog)
		}
	}
	if t.Failed() {
		return
	}

	// The pools come back on the same ports. While the client's server
	// is inside its fail_timeout, ip_hash passes it over (to the next
	// server by hash that did not fail often enough, such as B with
	// max_fails=5, or to the backup); once fail_timeout has passed, the
	// client is back on its own pool.
	a.start()
	b.start()
	c.start()
	var seen []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get(t, addr, "/pool.php")
		seen = append(seen, r.body)
		if r.status == 200 && r.body == first.body {
			break
		}
		if r.status != 200 || !strings.Contains(" a b c backup ", " "+r.body+" ") {
			t.Fatalf("while the pools recover: %d %q", r.status, r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the client did not go back to pool %q within 5s (fail_timeout=1s): %q", first.body, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("pool %q; while recovering: %q", first.body, seen)
	for i := 0; i < 4; i++ {
		if r := get(t, addr, "/pool.php"); r.status != 200 || r.body != first.body {
			t.Fatalf("request %d after recovery: %d %q, want pool %q", i, r.status, r.body, first.body)
		}
	}
}

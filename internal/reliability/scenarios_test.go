package reliability

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestReloads: 20 reloads during the load, alternating two upstream
// lists (servers added and removed, all alive): no request fails.
func TestReloads(t *testing.T) { reloads(t, false) }

// TestReloadsHTTP2 is TestReloads with HTTP/2 clients: an old
// generation's connections get GOAWAY, finish their streams and close;
// the client opens a new connection for what comes next.
func TestReloadsHTTP2(t *testing.T) { reloads(t, true) }

func reloads(t *testing.T, h2 bool) {
	var ports [4]int
	for i := range ports {
		ports[i] = startGoBackend(t).port
	}
	port := freePort(t)
	a := confOpts{port: port, upstreams: ports[:2], http2: h2}
	b := confOpts{port: port, upstreams: ports[1:], http2: h2}
	w := startWeir(t, a.text(), port)
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d + 2*time.Second, delayMax: 5, h2: h2})
	n := every(l, d/20, 20, func(i int) {
		if i%2 == 0 {
			w.writeConf(b.text())
		} else {
			w.writeConf(a.text())
		}
		w.signal(syscall.SIGHUP)
		// one at a time: a signal sent while the same one is pending
		// is delivered once
		waitFor(5*time.Second, func() bool {
			return len(w.errorLines("signal 1 (SIGHUP) received, reconfiguring")) == i+1
		})
	})
	l.stop()
	r := l.wait(t)
	if got := len(w.errorLines("signal 1 (SIGHUP) received, reconfiguring")); got != n {
		t.Errorf("%d reloads logged, %d sent:\n%s", got, n, w.read("logs/error.log"))
	}
	if lines := w.errorLines("[emerg]"); len(lines) > 0 {
		t.Errorf("reload errors:\n%s", strings.Join(lines, "\n"))
	}
	name := "reload"
	if h2 {
		name = "reload-http2"
	}
	expectNoFailures(t, name, r, fmt.Sprintf(" (%d reloads)", n), w)
	w.quit()
}

// TestRollingDeploy: three backends behind max_fails=3 fail_timeout=3s,
// each in turn stopped with SIGTERM (it finishes its requests in flight)
// and started again on its port a second later. With
// "proxy_next_upstream error timeout non_idempotent" no request fails.
//
// Without non_idempotent a POST can still fail, rarely, as it does with
// nginx: a backend that stops closes its idle keep-alive connections, and
// one may close just as weir sends a request on it; a GET is then sent to
// the next server, a POST is not (it may have been processed) and is
// answered 502. The strict variant checks that rule: no GET fails, a
// failed POST is a 502 with its error-log line.
func TestRollingDeploy(t *testing.T) {
	r, w := rollingDeploy(t, "proxy_next_upstream error timeout non_idempotent;")
	expectNoFailures(t, "rolling-deploy", r, " (3 backend restarts, proxy_next_upstream error timeout non_idempotent)", w)
	w.quit()
}

func TestRollingDeployStrict(t *testing.T) {
	r, w := rollingDeploy(t, "")
	postRule(t, "rolling-deploy-strict", r, w)
	w.quit()
}

// postRule reports a scenario where no GET may fail and a POST is never
// passed to another server once it was sent (proxy_next_upstream without
// non_idempotent, as nginx's ngx_http_upstream_next): a POST whose
// upstream connection failed after the request went out (its error-log
// line: anything but a failed connect) must be answered 502, and every
// POST answered 502 has such a line.
func postRule(t *testing.T, name string, r *loadResult, w *weir) {
	t.Helper()
	getFailed := r.failed.Load() - r.postFailed.Load()
	bad := 0
	got502 := map[int64]bool{}
	r.mu.Lock()
	for _, f := range r.failures {
		if f.method != "POST" || f.status != 502 {
			bad++
		} else {
			got502[f.id] = true
		}
	}
	r.mu.Unlock()
	afterSend := map[int64]bool{}
	for _, line := range w.errorLines(`request: "POST `) {
		if !strings.Contains(line, "[error]") || strings.Contains(line, "connect() failed") || strings.Contains(line, "no live upstreams") {
			continue
		}
		if id := requestID(line); id > 0 {
			afterSend[id] = true
		}
	}
	passedOn, unexplained := 0, 0
	example := ""
	for id := range afterSend {
		if !got502[id] {
			passedOn++
			if example == "" {
				example = strings.Join(w.errorLines(fmt.Sprintf("?id=%d ", id)), "\n")
			}
		}
	}
	for id := range got502 {
		if !afterSend[id] {
			unexplained++
		}
	}
	report(name, r.sent.Load(), r.failed.Load(),
		fmt.Sprintf(" (GETs: %d failed; POSTs: %d of %d answered 502, %d failed after being sent, %d of them passed on to another server)",
			getFailed, r.postFailed.Load(), r.postSent.Load(), len(afterSend), passedOn))
	if getFailed != 0 || bad != 0 {
		t.Errorf("%s: %d GETs failed, %d failures other than a POST's 502:\n%s", name, getFailed, bad, r.summary())
	}
	if unexplained != 0 {
		t.Errorf("%s: %d POSTs answered 502 without their error-log line", name, unexplained)
	}
	if passedOn != 0 {
		t.Errorf("%s: %d POSTs failed after they were sent and were passed on to another server, not answered 502 (non_idempotent is not set); one of them:\n%s", name, passedOn, example)
	}
	if r.failed.Load() > 0 || passedOn > 0 || testing.Verbose() {
		t.Logf("%s: weir's error log says:\n%s", name, w.errorSummary())
	}
}

// requestID is the ?id= of the request an error-log line names.
func requestID(line string) int64 {
	i := strings.Index(line, "?id=")
	if i < 0 {
		return 0
	}
	j := i + 4
	for j < len(line) && line[j] >= '0' && line[j] <= '9' {
		j++
	}
	id, _ := strconv.ParseInt(line[i+4:j], 10, 64)
	return id
}

func rollingDeploy(t *testing.T, locExtra string) (*loadResult, *weir) {
	var bes [3]*procBackend
	var ports []int
	for i := range bes {
		bes[i] = startProcBackend(t, freePort(t))
		ports = append(ports, bes[i].port)
	}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports, server: " max_fails=3 fail_timeout=3s", locExtra: locExtra}.text(), port)
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d + 30*time.Second, delayMax: 20})
	start := time.Now()
	restarts := 0
	// A stopped backend refuses connections: weir passes the requests to
	// the next server, and after three failures leaves it alone for
	// fail_timeout. As a deploy tool waits for a restarted server to be
	// healthy before it stops the next, the next is stopped only once
	// fail_timeout has passed (else all three could be out at once:
	// "no live upstreams", as nginx would say too). With -short one
	// backend is restarted.
	n := len(bes)
	if testing.Short() {
		n = 1
	}
	for i, b := range bes[:n] {
		time.Sleep(300 * time.Millisecond)
		b.term()
		time.Sleep(time.Second)
		bes[i] = startProcBackend(t, b.port)
		restarts++
		if i < n-1 {
			time.Sleep(3200 * time.Millisecond)
		}
	}
	if rest := d - time.Since(start); rest > 0 {
		time.Sleep(rest)
	}
	l.stop()
	return l.wait(t), w
}

// TestSigkillBackend: one of three backends is killed with SIGKILL in
// the middle of the load. No GET fails (they go to the next server); a
// POST that was sent to the killed backend is not sent again
// (proxy_next_upstream without non_idempotent), so it may fail, but only
// as a 502 with its error-log line, never as a hang or a wrong answer.
func TestSigkillBackend(t *testing.T) {
	var bes [3]*procBackend
	var ports []int
	for i := range bes {
		bes[i] = startProcBackend(t, freePort(t))
		ports = append(ports, bes[i].port)
	}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports, server: " max_fails=3 fail_timeout=3s"}.text(), port)
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d, delayMax: 50})
	time.Sleep(d / 3)
	bes[1].kill()
	r := l.wait(t)
	postRule(t, "sigkill", r, w)
	w.quit()
}

// hangingBackend accepts connections and never answers.
type hangingBackend struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startHangingBackend(t *testing.T) *hangingBackend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := &hangingBackend{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	}()
	t.Cleanup(h.close)
	return h
}

func (h *hangingBackend) close() {
	h.ln.Close()
	h.mu.Lock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
	h.mu.Unlock()
}

func (h *hangingBackend) port() int { return h.ln.Addr().(*net.TCPAddr).Port }

// TestHangingBackend: one backend accepts and never answers, another is
// a port nobody listens on... (refused at once); requests fail over after
// proxy_read_timeout (500ms) to the live ones. Non-idempotent requests
// may be passed on too here (proxy_next_upstream error timeout
// non_idempotent): no request fails. The weir process's descriptors and
// threads come back to where they were.
func TestHangingBackend(t *testing.T) {
	h := startHangingBackend(t)
	good := []int{startGoBackend(t).port, startGoBackend(t).port}
	port := freePort(t)
	o := confOpts{
		port: port, upstreams: append([]int{h.port()}, good...), server: " max_fails=1 fail_timeout=1s",
		readTimeout: "500ms",
		locExtra:    "proxy_next_upstream error timeout non_idempotent;",
	}
	w := startWeir(t, o.text(), port)
	pid := w.pid()
	// warm up: pools, buffers, the runtime's threads
	warm := startLoad(w.addr(), loadOpts{duration: 5 * time.Second, max: 2000})
	warm.wait(t)
	time.Sleep(500 * time.Millisecond)
	// weir keeps idle connections to the live backends (keepalive 32 per
	// worker thread, weir's default): those are counted apart
	before := stats(pid)
	pooledBefore := connsTo(pid, good...)
	l := startLoad(w.addr(), loadOpts{duration: scenarioTime()})
	r := l.wait(t)
	// the hanging backend lets go of weir's connections, as a server
	// that finally times out would
	h.close()
	var after procStats
	pooledAfter, toHang := 0, 0
	settled := waitFor(10*time.Second, func() bool {
		after = stats(pid)
		pooledAfter, toHang = connsTo(pid, good...), connsTo(pid, h.port())
		return toHang == 0 && after.fds-pooledAfter <= before.fds-pooledBefore+4
	})
	timeouts := len(w.errorLines("upstream timed out (110: Connection timed out) while reading response header from upstream"))
	expectNoFailures(t, "hanging-backend", r, fmt.Sprintf(" (%d upstream timeouts; before: %v, %d pooled upstream; after: %v, %d pooled upstream)", timeouts, before, pooledBefore, after, pooledAfter), w)
	if timeouts == 0 {
		t.Errorf("no upstream timeout logged")
	}
	if !settled {
		t.Errorf("descriptors leak: %v before, %v after (the hanging backend was on port %d, the others on %v, weir on %d); weir's sockets:\n%s",
			before, after, h.port(), good, port, sockets(pid))
	}
	if after.threads > before.threads+8 {
		t.Errorf("threads grew: %v before, %v after", before, after)
	}
	w.quit()
}

// TestBinaryUpgrade: USR2 during the load, then QUIT to the old process
// once the new one serves: no request fails.
func TestBinaryUpgrade(t *testing.T) {
	ports := []int{startGoBackend(t).port, startGoBackend(t).port}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports}.text(), port)
	old := w.pid()
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d, delayMax: 5})
	time.Sleep(d / 4)
	w.signal(syscall.SIGUSR2)
	var pid int
	if !waitFor(10*time.Second, func() bool { pid = w.pid(); return pid != 0 && pid != old }) {
		l.stop()
		l.wait(t)
		t.Fatalf("no new binary:\n%s", w.read("logs/error.log"))
	}
	time.Sleep(d / 4)
	w.quit()
	r := l.wait(t)
	if w.pid() != pid || !alive(pid) {
		t.Errorf("the new binary %d should serve on (pid file %d)", pid, w.pid())
	}
	if _, err := os.Stat(w.dir + "logs/nginx.pid.oldbin"); !os.IsNotExist(err) {
		t.Errorf("nginx.pid.oldbin left behind")
	}
	expectNoFailures(t, "binary-upgrade", r, fmt.Sprintf(" (old %d, new %d)", old, pid), w)
	syscall.Kill(pid, syscall.SIGQUIT)
	if !waitFor(20*time.Second, func() bool { return !alive(pid) }) {
		t.Errorf("the new binary did not quit")
	}
}

// TestLogRotation: the access log is renamed and USR1 sent every so often
// during the load: every request is in exactly one of the files.
func TestLogRotation(t *testing.T) {
	ports := []int{startGoBackend(t).port}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports, accessLog: true}.text(), port)
	d := scenarioTime()
	first := idSeq.Load() + 1
	l := startLoad(w.addr(), loadOpts{duration: d})
	n := every(l, d/10, 9, func(i int) {
		if err := os.Rename(w.dir+"logs/access.log", fmt.Sprintf("%slogs/access.log.%d", w.dir, i)); err != nil {
			t.Errorf("rename: %v", err)
		}
		w.signal(syscall.SIGUSR1)
		waitFor(5*time.Second, func() bool {
			return len(w.errorLines("signal 10 (SIGUSR1) received, reopening logs")) == i+1
		})
	})
	r := l.wait(t)
	last := idSeq.Load()
	w.quit()
	files, _ := filepath.Glob(w.dir + "logs/access.log*")
	seen := map[int64]int{}
	lines := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			i := strings.Index(line, "?id=")
			if i < 0 {
				continue
			}
			j := i + 4
			for j < len(line) && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			id, _ := strconv.ParseInt(line[i+4:j], 10, 64)
			if id >= first && id <= last {
				seen[id]++
				lines++
			}
		}
	}
	missing, twice := 0, 0
	for id := first; id <= last; id++ {
		switch seen[id] {
		case 0:
			missing++
		case 1:
		default:
			twice++
		}
	}
	expectNoFailures(t, "log-rotation", r, fmt.Sprintf(" (%d rotations, %d files, %d lines, %d requests missing, %d logged twice)", n, len(files), lines, missing, twice), w)
	if int64(lines) != r.sent.Load() || missing != 0 || twice != 0 {
		t.Errorf("%d requests sent, %d logged; %d missing, %d more than once", r.sent.Load(), lines, missing, twice)
	}
}

// TestSlowClients: slow clients (a request header a byte a second, or a
// body a byte every 1.5s) alongside the load, with client_header_timeout and
// client_body_timeout 1s: the load is served; the slow ones are closed
// (or answered 408) after their timeout, never served.
func TestSlowClients(t *testing.T) {
	ports := []int{startGoBackend(t).port}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports,
		httpExtra: "client_header_timeout 1s; client_body_timeout 1s;"}.text(), port)
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d})
	var slowTotal, slowServed, slowLate, slow408 atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			end := time.Now().Add(d)
			for time.Now().Before(end) {
				status, took := slowClient(w.addr(), i%2 == 0, end.Add(5*time.Second))
				slowTotal.Add(1)
				switch {
				case status == 200:
					slowServed.Add(1)
				case status == 408:
					slow408.Add(1)
				}
				if took > 3*time.Second {
					slowLate.Add(1)
				}
			}
		}(i)
	}
	r := l.wait(t)
	wg.Wait()
	expectNoFailures(t, "slow-clients", r, fmt.Sprintf(" (%d slow clients: %d closed in time, %d answered 408, %d served, %d closed late)",
		slowTotal.Load(), slowTotal.Load()-slowLate.Load(), slow408.Load(), slowServed.Load(), slowLate.Load()), w)
	if slowServed.Load() != 0 || slowLate.Load() != 0 {
		t.Errorf("slow clients: %d served, %d closed after more than 3s", slowServed.Load(), slowLate.Load())
	}
	w.quit()
}

// slowClient trickles a request header (header: a byte a second;
// client_header_timeout bounds the whole header) or a body (a byte every
// 1.5s; client_body_timeout bounds each wait for the next bytes) until
// weir closes the connection or the deadline; it returns the status weir
// answered (0: none) and how long weir took.
func slowClient(addr string, header bool, deadline time.Time) (int, time.Duration) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return -1, 0
	}
	defer c.Close()
	start := time.Now()
	var head, trickle string
	if header {
		head = "GET /echo?slow=1 HTTP/1.1\r\n"
		trickle = "Host: x\r\nX-Slow: " + strings.Repeat("s", 200) + "\r\n\r\n"
	} else {
		head = "POST /echo?slow=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n"
		trickle = strings.Repeat("b", 200)
	}
	closed := make(chan []byte, 1)
	go func() {
		c.SetReadDeadline(deadline)
		b, _ := io.ReadAll(c)
		closed <- b
	}()
	c.Write([]byte(head))
	pause := time.Second
	if !header {
		pause = 1500 * time.Millisecond
	}
	for i := 0; i < len(trickle); i++ {
		select {
		case b := <-closed:
			return status(b), time.Since(start)
		case <-time.After(pause):
		}
		if time.Now().After(deadline) {
			break
		}
		if _, err := c.Write([]byte{trickle[i]}); err != nil {
			break
		}
	}
	b := <-closed
	return status(b), time.Since(start)
}

func status(b []byte) int {
	s := string(b)
	if !strings.HasPrefix(s, "HTTP/1.") || len(s) < 12 {
		return 0
	}
	n, _ := strconv.Atoi(s[9:12])
	return n
}

// TestConnectionFlood: 5,000 connections at once against
// worker_connections 1024 alongside the load: weir refuses the excess
// (closing them, "worker_connections are not enough") without crashing,
// serves the rest, and its memory stays bounded.
func TestConnectionFlood(t *testing.T) {
	ports := []int{startGoBackend(t).port}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports, conns: 1024}.text(), port)
	pid := w.pid()
	d := scenarioTime()
	l := startLoad(w.addr(), loadOpts{duration: d})
	// The flood starts once the load's clients are connected and served:
	// a client still opening its connection when 5,000 others arrive is
	// one of the excess, for weir as for nginx (both reclaim connections
	// that wait for a first request).
	for warm := time.Now(); l.res.sent.Load() < 1000 && time.Since(warm) < 5*time.Second; {
		time.Sleep(10 * time.Millisecond)
	}
	const flood = 5000
	var served, refused, other atomic.Int64
	var maxRSS atomic.Int64
	stopWatch := make(chan struct{})
	go func() {
		for {
			if s := stats(pid); int64(s.rssKB) > maxRSS.Load() {
				maxRSS.Store(int64(s.rssKB))
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	rounds := 0
	for start := time.Now(); rounds < 5 && (rounds == 0 || time.Since(start) < d-3*time.Second); rounds++ {
		var wg sync.WaitGroup
		conns := make([]net.Conn, flood)
		for i := range conns {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", w.addr(), 5*time.Second)
				if err == nil {
					conns[i] = c
				}
			}(i)
		}
		wg.Wait()
		time.Sleep(200 * time.Millisecond)
		for i, c := range conns {
			if c == nil {
				refused.Add(1)
				continue
			}
			wg.Add(1)
			go func(i int, c net.Conn) {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fmt.Fprintf(c, "GET /echo?flood=%d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", i)
				b, _ := io.ReadAll(c)
				switch st := status(b); {
				case st == 200:
					served.Add(1)
				case st == 0:
					refused.Add(1)
				default:
					other.Add(1)
				}
			}(i, c)
		}
		wg.Wait()
	}
	r := l.wait(t)
	close(stopWatch)
	alive := alive(pid)
	notEnough := len(w.errorLines("1024 worker_connections are not enough"))
	// With every slot taken, weir closes idle connections as nginx does,
	// and the load's clients hold some of them: a request sent on one as
	// it closes, or on the new connection of a client whose idle one was
	// taken, finds it closed without an answer. weir spares a connection
	// that answered several requests a moment ago, which keeps these few;
	// any other failure, or many of these, is a defect.
	reclaimed := r.take(func(f failure) bool {
		return f.status == 0 && (f.err == "http: server closed idle connection" || f.err == "EOF")
	})
	expectNoFailures(t, "connection-flood", r, fmt.Sprintf(" (%d rounds of %d connections: %d served, %d refused, %d other; %d \"not enough\" lines; %d load requests on a reclaimed connection; max rss %d kB)",
		rounds, flood, served.Load(), refused.Load(), other.Load(), notEnough, reclaimed, maxRSS.Load()), w)
	if reclaimed > 16 {
		t.Errorf("%d load requests lost on reclaimed connections, more than 16", reclaimed)
	}
	if !alive {
		t.Fatalf("weir died:\n%s", w.read("logs/error.log"))
	}
	if served.Load() == 0 || other.Load() != 0 {
		t.Errorf("flood: %d served, %d other answers", served.Load(), other.Load())
	}
	if notEnough == 0 {
		t.Errorf("no \"worker_connections are not enough\" line")
	}
	if maxRSS.Load() > 512*1024 {
		t.Errorf("rss reached %d kB", maxRSS.Load())
	}
	w.quit()
}

// TestSoak: a million requests (50,000 with -short); the process's
// descriptors, threads and memory at the end are within a few percent of
// where they were after the first 10,000.
func TestSoak(t *testing.T) {
	total := int64(1000000)
	if testing.Short() {
		total = 50000
	}
	ports := []int{startGoBackend(t).port, startGoBackend(t).port}
	port := freePort(t)
	w := startWeir(t, confOpts{port: port, upstreams: ports}.text(), port)
	pid := w.pid()
	warm := startLoad(w.addr(), loadOpts{duration: time.Minute, max: 10000})
	wr := warm.wait(t)
	time.Sleep(300 * time.Millisecond)
	early, earlyPooled := stats(pid), connsTo(pid, ports...)
	l := startLoad(w.addr(), loadOpts{duration: 4 * time.Minute, max: total - wr.sent.Load()})
	r := l.wait(t)
	time.Sleep(300 * time.Millisecond)
	end, endPooled := stats(pid), connsTo(pid, ports...)
	sent, failed := wr.sent.Load()+r.sent.Load(), wr.failed.Load()+r.failed.Load()
	report("soak", sent, failed, fmt.Sprintf(" (after 10000: %v, %d to the backends; at the end: %v, %d to the backends)", early, earlyPooled, end, endPooled))
	if failed != 0 {
		t.Errorf("soak: %d failed:\n%s%s", failed, wr.summary(), r.summary())
	}
	if sent < total {
		t.Errorf("soak: only %d of %d sent in the time allowed", sent, total)
	}
	// the idle connections to the backends are as many as the load last
	// needed at once, up to the pool's bound (keepalive 32 for each
	// worker thread): a count that differs between the two moments is
	// not a leak, one past the bound is
	if other, otherEarly := end.fds-endPooled, early.fds-earlyPooled; other > otherEarly+otherEarly/20+2 {
		t.Errorf("descriptors other than the backend connections grew: %d, then %d (%v, then %v)", otherEarly, other, early, end)
	}
	if bound := 32 * runtime.GOMAXPROCS(0); endPooled > bound {
		t.Errorf("%d connections to the backends at the end, more than the pool's %d", endPooled, bound)
	}
	// OS threads are not goroutines: Go starts a few more while syscalls
	// block on a busy machine and keeps them parked; a leak of
	// connections shows in the descriptors and the memory
	if end.threads > early.threads+8 {
		t.Errorf("threads grew: %v, then %v", early, end)
	}
	if end.rssKB > early.rssKB+early.rssKB/10+4096 {
		t.Errorf("rss grew: %v, then %v", early, end)
	}
	w.quit()
}

// Package reliability is weir's reliability suite: it runs the built
// binary against real backends on 127.0.0.1 under a bounded load of
// keep-alive clients, while the operator's events happen (reloads,
// binary upgrades, log rotation, backends redeployed or killed, slow
// clients, a connection flood, a long soak), and counts every request that
// failed or was answered wrongly. Each scenario prints one line,
//
//	scenario NAME: N sent, N failed
//
// on standard output, and fails when its expectation is not met. A
// scenario runs 20 s (about 3 s with -short).
package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"weir/internal/testnet"
)

var (
	weirBin    string // the weir binary built for the suite
	backendBin string // testdata/backend, built for the suite
)

// table collects the scenario lines, printed again together at the end.
var (
	tableMu sync.Mutex
	table   []string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "weir-reliability")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	weirBin = filepath.Join(dir, "weir")
	backendBin = filepath.Join(dir, "backend")
	for _, b := range [][]string{
		{"go", "build", "-tags", os.Getenv("WEIR_BUILD_TAGS"), "-o", weirBin, "weir/cmd/weir"},
		{"go", "build", "-o", backendBin, "./testdata/backend"},
	} {
		cmd := exec.Command(b[0], b[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "building:", strings.Join(b, " "), err)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	if len(table) > 0 {
		fmt.Println("reliability summary:")
		for _, l := range table {
			fmt.Println("  " + l)
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// scenarioTime is how long a scenario's load runs.
func scenarioTime() time.Duration {
	if testing.Short() {
		return 3 * time.Second
	}
	return 20 * time.Second
}

// report prints and records a scenario's line.
func report(name string, sent, failed int64, extra string) {
	line := fmt.Sprintf("scenario %s: %d sent, %d failed%s", name, sent, failed, extra)
	fmt.Println(line)
	tableMu.Lock()
	table = append(table, line)
	tableMu.Unlock()
}

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int { return testnet.FreePort(t) }

// waitFor polls cond every 20ms for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive tells whether pid is a live (not zombie) process.
func alive(pid int) bool {
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// ---- backends ----

// echoHandler is the in-process backend: the same answers as
// testdata/backend.
func echoHandler(w http.ResponseWriter, r *http.Request) {
	if ms, err := strconv.Atoi(r.URL.Query().Get("delay")); err == nil && ms > 0 {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
		return
	}
	body := r.Method + " " + r.RequestURI
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	io.WriteString(w, body)
}

// goBackend is an in-process backend on a port of its own.
type goBackend struct {
	port int
	srv  *http.Server
}

func startGoBackend(t *testing.T) *goBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &goBackend{port: ln.Addr().(*net.TCPAddr).Port, srv: &http.Server{Handler: http.HandlerFunc(echoHandler)}}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

// procBackend is testdata/backend running as a process of its own, to be
// stopped with SIGTERM or SIGKILL.
type procBackend struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

func startProcBackend(t *testing.T, port int) *procBackend {
	t.Helper()
	cmd := exec.Command(backendBin, "-listen", fmt.Sprintf("127.0.0.1:%d", port))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &procBackend{t: t, port: port, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() { b.kill() })
	if !waitFor(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatalf("backend on port %d did not start", port)
	}
	return b
}

// term stops the backend with SIGTERM and waits for it to exit.
func (b *procBackend) term() {
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(25 * time.Second):
		b.t.Errorf("backend %d did not exit on SIGTERM", b.port)
		b.kill()
	}
}

func (b *procBackend) kill() {
	select {
	case <-b.done:
	default:
		b.cmd.Process.Signal(syscall.SIGKILL)
		<-b.done
	}
}

// ---- weir ----

// weir is a weir process started in the foreground (daemon off) with its
// own prefix directory.
type weir struct {
	t    *testing.T
	dir  string
	port int
	cmd  *exec.Cmd
	done chan struct{}
}

// confOpts shape the configuration of a scenario.
type confOpts struct {
	port        int
	upstreams   []int
	server      string // extra upstream server parameters
	conns       int    // worker_connections (default 4096)
	accessLog   bool
	httpExtra   string
	locExtra    string
	readTimeout string // proxy_read_timeout (default 10s)
	noKeepalive bool   // no cache of upstream connections
	http2       bool   // the listener takes HTTP/2 (prior knowledge) too
}

func (o confOpts) text() string {
	conns := o.conns
	if conns == 0 {
		conns = 4096
	}
	var ups strings.Builder
	for _, p := range o.upstreams {
		fmt.Fprintf(&ups, "        server 127.0.0.1:%d%s;\n", p, o.server)
	}
	alog := "access_log off;"
	if o.accessLog {
		alog = "access_log logs/access.log;"
	}
	keepalive := "keepalive 32;"
	if o.noKeepalive {
		keepalive = ""
	}
	rt := o.readTimeout
	if rt == "" {
		rt = "10s"
	}
	listen := ""
	if o.http2 {
		listen = " http2"
	}
	return fmt.Sprintf(`error_log logs/error.log notice;
pid logs/nginx.pid;
events { worker_connections %d; }
http {
    %s
    %s
    upstream be {
%s        %s
    }
    server {
        listen 127.0.0.1:%d%s;
        location / {
            proxy_pass http://be;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_connect_timeout 500ms;
            proxy_read_timeout %s;
            %s
        }
    }
}
`, conns, alog, o.httpExtra, ups.String(), keepalive, o.port, listen, rt, o.locExtra)
}

func startWeir(t *testing.T, conf string, port int) *weir {
	t.Helper()
	dir := t.TempDir() + "/"
	for _, d := range []string{"conf", "logs", "html"} {
		os.MkdirAll(dir+d, 0o755)
	}
	w := &weir{t: t, dir: dir, port: port, done: make(chan struct{})}
	w.writeConf(conf)
	// standard output and error go to files: a new binary started by an
	// upgrade inherits them and outlives this process
	out, err := os.Create(dir + "logs/stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(weirBin, "-p", dir, "-c", "conf/nginx.conf", "-e", "logs/error.log", "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.cmd = cmd
	go func() {
		cmd.Wait()
		close(w.done)
	}()
	t.Cleanup(func() {
		// whatever serves now (a new binary too), then the one started
		for _, pid := range []int{w.pid(), w.oldPID()} {
			if pid > 0 && pid != cmd.Process.Pid && alive(pid) {
				syscall.Kill(pid, syscall.SIGTERM)
				waitFor(10*time.Second, func() bool { return !alive(pid) })
			}
		}
		select {
		case <-w.done:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-w.done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-w.done
			}
		}
	})
	if !waitFor(10*time.Second, func() bool { return w.pid() == cmd.Process.Pid }) {
		t.Fatalf("weir did not start:\n%s\n%s", w.read("logs/stderr"), w.read("logs/error.log"))
	}
	return w
}

func (w *weir) addr() string { return fmt.Sprintf("127.0.0.1:%d", w.port) }

// writeConf replaces conf/nginx.conf at once (a reload must not read a
// half-written file).
func (w *weir) writeConf(text string) {
	w.t.Helper()
	tmp := w.dir + "conf/nginx.conf.tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Rename(tmp, w.dir+"conf/nginx.conf"); err != nil {
		w.t.Fatal(err)
	}
}

func (w *weir) read(name string) string {
	b, _ := os.ReadFile(w.dir + name)
	return string(b)
}

func (w *weir) readPID(name string) int {
	n, _ := strconv.Atoi(strings.TrimSpace(w.read(name)))
	return n
}

// pid is the pid in the pid file; oldPID the one in nginx.pid.oldbin.
func (w *weir) pid() int    { return w.readPID("logs/nginx.pid") }
func (w *weir) oldPID() int { return w.readPID("logs/nginx.pid.oldbin") }

// signal sends sig to the process started.
func (w *weir) signal(sig syscall.Signal) {
	w.cmd.Process.Signal(sig)
}

// quit stops the process started gracefully and checks its status.
func (w *weir) quit() {
	w.t.Helper()
	w.signal(syscall.SIGQUIT)
	select {
	case <-w.done:
		if code := w.cmd.ProcessState.ExitCode(); code != 0 {
			w.t.Errorf("weir exit status %d", code)
		}
	case <-time.After(30 * time.Second):
		w.t.Errorf("weir did not exit on QUIT")
	}
}

// errorLines returns the error log's lines that contain s.
func (w *weir) errorLines(s string) []string {
	var out []string
	for _, l := range strings.Split(w.read("logs/error.log"), "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// procStats is what /proc says of a process.
type procStats struct {
	fds, threads int
	rssKB        int
}

func (s procStats) String() string {
	return fmt.Sprintf("fds %d, threads %d, rss %d kB", s.fds, s.threads, s.rssKB)
}

func stats(pid int) procStats {
	var s procStats
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.fds = len(ents)
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "Threads:":
			s.threads, _ = strconv.Atoi(f[1])
		case "VmRSS:":
			s.rssKB, _ = strconv.Atoi(f[1])
		}
	}
	return s
}

// ---- load ----

// loadOpts shape a load.
type loadOpts struct {
	clients  int           // concurrent keep-alive clients (64)
	duration time.Duration // at most this long
	max      int64         // at most this many requests (0: no limit)
	delayMax int           // a random ?delay=0..delayMax ms on a request in four
	path     string        // "/echo"
	// h2: the clients speak HTTP/2 with prior knowledge, each on its own
	// connection; net/http's client sends again a request that a GOAWAY
	// left unprocessed, as browsers do
	h2 bool
}

// failure is one request that failed or was answered wrongly.
type failure struct {
	method string
	id     int64
	status int // 0: no answer
	err    string
}

// loadResult counts a load's requests.
type loadResult struct {
	sent, failed         atomic.Int64
	postSent, postFailed atomic.Int64
	mu                   sync.Mutex
	failures             []failure // every failure, at most 10,000 kept
}

// take removes the failures that match from the result (from its count
// and its list) and returns how many there were.
func (r *loadResult) take(match func(failure) bool) int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var n int64
	kept := r.failures[:0]
	for _, f := range r.failures {
		if !match(f) {
			kept = append(kept, f)
			continue
		}
		n++
		if f.method == http.MethodPost {
			r.postFailed.Add(-1)
		}
	}
	r.failures = kept
	r.failed.Add(-n)
	return n
}

func (r *loadResult) fail(f failure) {
	r.failed.Add(1)
	if f.method == http.MethodPost {
		r.postFailed.Add(1)
	}
	r.mu.Lock()
	if len(r.failures) < 10000 {
		r.failures = append(r.failures, f)
	}
	r.mu.Unlock()
}

// summary describes the first failures, for a test's error.
func (r *loadResult) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	count := map[string]int{}
	var keys []string
	for _, f := range r.failures {
		k := fmt.Sprintf("%s status %d %s", f.method, f.status, f.err)
		if count[k] == 0 {
			keys = append(keys, k)
		}
		count[k]++
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i == 20 {
			b.WriteString("  ...\n")
			break
		}
		fmt.Fprintf(&b, "  %d x %s\n", count[k], k)
	}
	return b.String()
}

// load is a running load; wait ends it.
type load struct {
	res   *loadResult
	done  chan struct{}
	stop  context.CancelFunc
	bound time.Duration // how long wait waits for it
}

// idSeq numbers the requests of the whole suite, so that an id names one
// request in an access log.
var idSeq atomic.Int64

// postBody is request id's body: a length and bytes derived from the id.
func postBody(id int64) []byte {
	n := int(id*7919%4096) + 1
	b := make([]byte, n)
	x := uint32(id)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = 'a' + byte(x%26)
	}
	return b
}

// startLoad starts o.clients keep-alive clients against addr; each sends
// GETs and POSTs in turn until o.duration has passed, o.max requests were
// sent, or stop is called, and checks every answer.
func startLoad(addr string, o loadOpts) *load {
	if o.clients == 0 {
		o.clients = 64
	}
	if o.path == "" {
		o.path = "/echo"
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	// the clients stop starting requests at the duration, and a request
	// lasts at most the client's timeout
	const clientTimeout = 20 * time.Second
	l := &load{res: &loadResult{}, done: make(chan struct{}), stop: cancel, bound: o.duration + clientTimeout + 30*time.Second}
	tr := &http.Transport{
		MaxIdleConns: o.clients, MaxIdleConnsPerHost: o.clients, MaxConnsPerHost: o.clients,
		IdleConnTimeout: 60 * time.Second, DisableCompression: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}
	if o.h2 {
		var protos http.Protocols
		protos.SetUnencryptedHTTP2(true)
		tr.Protocols = &protos
	}
	client := &http.Client{Transport: tr, Timeout: clientTimeout}
	var wg sync.WaitGroup
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				if o.max > 0 && l.res.sent.Load() >= o.max {
					return
				}
				one(client, addr, o, l.res, (c+n)%2 == 1)
			}
		}(c)
	}
	go func() {
		wg.Wait()
		tr.CloseIdleConnections()
		cancel()
		close(l.done)
	}()
	return l
}

// one sends one request and checks its answer.
func one(client *http.Client, addr string, o loadOpts, res *loadResult, post bool) {
	id := idSeq.Add(1)
	url := fmt.Sprintf("http://%s%s?id=%d", addr, o.path, id)
	if o.delayMax > 0 && id%4 == 0 {
		url += fmt.Sprintf("&delay=%d", int(id/4)%(o.delayMax+1))
	}
	method := http.MethodGet
	var body []byte
	var want []byte
	if post {
		method = http.MethodPost
		body = postBody(id)
		want = body
	} else {
		want = []byte("GET " + strings.TrimPrefix(url, "http://"+addr))
	}
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if !post {
		req.Body = nil
		req.GetBody = nil
		req.ContentLength = 0
	}
	res.sent.Add(1)
	if post {
		res.postSent.Add(1)
	}
	resp, err := client.Do(req)
	if err != nil {
		res.fail(failure{method: method, id: id, err: shortErr(err)})
		return
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		res.fail(failure{method: method, id: id, status: resp.StatusCode, err: "body: " + shortErr(err)})
	case resp.StatusCode != http.StatusOK:
		res.fail(failure{method: method, id: id, status: resp.StatusCode})
	case !bytes.Equal(got, want):
		res.fail(failure{method: method, id: id, status: resp.StatusCode, err: fmt.Sprintf("wrong body (%d bytes, want %d)", len(got), len(want))})
	}
}

// shortErr drops the URL from a client error.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "\": "); i >= 0 {
		s = s[i+3:]
	}
	return s
}

// wait waits for the load to end (bounded: its duration plus the client
// timeout).
func (l *load) wait(t *testing.T) *loadResult {
	t.Helper()
	select {
	case <-l.done:
	case <-time.After(l.bound):
		t.Fatal("the load did not end")
	}
	return l.res
}

// expectNoFailures reports a scenario that must have no failure; w, when
// not nil, is the weir whose error log explains the failures.
func expectNoFailures(t *testing.T, name string, r *loadResult, extra string, w *weir) {
	t.Helper()
	report(name, r.sent.Load(), r.failed.Load(), extra)
	if r.sent.Load() == 0 {
		t.Errorf("%s: nothing sent", name)
	}
	if r.failed.Load() != 0 {
		t.Errorf("%s: %d of %d requests failed:\n%s", name, r.failed.Load(), r.sent.Load(), r.summary())
		if w != nil {
			t.Errorf("%s: weir's error log says:\n%s", name, w.errorSummary())
		}
	}
}

// errorSummary counts the error log's [error] and worse lines by their
// message (the time, pid, connection and request context dropped).
func (w *weir) errorSummary() string {
	count := map[string]int{}
	var keys []string
	for _, l := range strings.Split(w.read("logs/error.log"), "\n") {
		i := strings.Index(l, " [")
		if i < 0 || strings.Contains(l, "[notice]") || strings.Contains(l, "[info]") {
			continue
		}
		msg := l[i+1:]
		if j := strings.Index(msg, ": "); j >= 0 {
			lv := msg[:strings.Index(msg, "]")+1]
			msg = lv + " " + msg[j+2:]
		}
		if j := strings.Index(msg, ", client: "); j >= 0 {
			msg = msg[:j]
		}
		if strings.HasPrefix(msg, "*") {
			if j := strings.Index(msg, " "); j >= 0 {
				msg = msg[j+1:]
			}
		}
		msg = strings.TrimSpace(strings.TrimPrefix(msg, "*"))
		if k := strings.Index(msg, "] *"); k >= 0 {
			if j := strings.Index(msg[k+3:], " "); j >= 0 {
				msg = msg[:k+2] + msg[k+3+j:]
			}
		}
		if count[msg] == 0 {
			keys = append(keys, msg)
		}
		count[msg]++
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i == 30 {
			b.WriteString("  ...\n")
			break
		}
		fmt.Fprintf(&b, "  %d x %s\n", count[k], k)
	}
	return b.String()
}

// every runs f every d until the load ends or n times, whichever first.
func every(l *load, d time.Duration, n int, f func(i int)) int {
	done := 0
	tick := time.NewTicker(d)
	defer tick.Stop()
	for done < n {
		select {
		case <-l.done:
			return done
		case <-tick.C:
			f(done)
			done++
		}
	}
	return done
}

// sockets describes the process's TCP sockets by state and port pair, to
// tell what descriptors a leak holds (from /proc/PID/fd and
// /proc/net/tcp).
func sockets(pid int) string {
	inodes := map[string]bool{}
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	other := 0
	for _, e := range ents {
		l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name()))
		if err != nil {
			continue
		}
		if strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		} else {
			other++
		}
	}
	states := map[string]string{"01": "ESTABLISHED", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "0A": "LISTEN", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "09": "LAST_ACK"}
	count := map[string]int{}
	b, _ := os.ReadFile("/proc/net/tcp")
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || !inodes[f[9]] {
			continue
		}
		port := func(a string) string {
			i := strings.LastIndexByte(a, ':')
			n, _ := strconv.ParseInt(a[i+1:], 16, 32)
			return strconv.Itoa(int(n))
		}
		st := states[f[3]]
		if st == "" {
			st = f[3]
		}
		count[fmt.Sprintf("%s local %s remote %s", st, port(f[1]), port(f[2]))]++
	}
	var keys []string
	for k := range count {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out strings.Builder
	fmt.Fprintf(&out, "  %d descriptors other than sockets\n", other)
	for _, k := range keys {
		fmt.Fprintf(&out, "  %d x %s\n", count[k], k)
	}
	return out.String()
}

// connsTo counts the process's TCP sockets whose remote port is one of
// ports.
func connsTo(pid int, ports ...int) int {
	want := map[string]bool{}
	for _, p := range ports {
		want[fmt.Sprintf("%04X", p)] = true
	}
	inodes := map[string]bool{}
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	for _, e := range ents {
		if l, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, e.Name())); err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	n := 0
	b, _ := os.ReadFile("/proc/net/tcp")
	for _, line := range strings.Split(string(b), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 10 || !inodes[f[9]] {
			continue
		}
		if i := strings.LastIndexByte(f[2], ':'); i >= 0 && want[f[2][i+1:]] {
			n++
		}
	}
	return n
}

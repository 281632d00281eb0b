package health

import (
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/regex"
	"weir/internal/upstream"
)

func re(s string) *regex.Regexp {
	r, err := regex.Compile(s, false)
	if err != nil {
		panic(err)
	}
	return r
}

func TestMatch(t *testing.T) {
	h := http.Header{"Content-Type": {"text/html"}, "Connection": {"close"}}
	welcome := &config.HealthMatch{Name: "welcome",
		Status:  &config.StatusTest{Ranges: [][2]int{{200, 200}}},
		Headers: []config.HeaderTest{{Name: "content-type", Op: config.HeaderEqual, Value: "text/html"}},
		Body:    &config.BodyTest{Re: re("Welcome to nginx!")},
	}
	notRedirect := &config.HealthMatch{Name: "not_redirect",
		Status:  &config.StatusTest{Not: true, Ranges: [][2]int{{301, 303}, {307, 307}}},
		Headers: []config.HeaderTest{{Name: "Refresh", Op: config.HeaderAbsent}},
	}
	hdr := func(op int, v string) *config.HealthMatch {
		t := config.HeaderTest{Name: "Connection", Op: op, Value: v}
		if op == config.HeaderRegex || op == config.HeaderNotRegex {
			t.Re = re(v)
		}
		return &config.HealthMatch{Headers: []config.HeaderTest{t}}
	}
	for _, c := range []struct {
		m      *config.HealthMatch
		status int
		body   string
		want   string
	}{
		{nil, 200, "", ""},
		{nil, 399, "", ""},
		{nil, 199, "", "checking status code"},
		{nil, 404, "", "checking status code"},
		{welcome, 200, "<h1>Welcome to nginx!</h1>", ""},
		{welcome, 204, "<h1>Welcome to nginx!</h1>", "checking status code"},
		{welcome, 200, "maintenance", "checking body"},
		{notRedirect, 200, "", ""},
		{notRedirect, 302, "", "checking status code"},
		{notRedirect, 304, "", ""},
		{hdr(config.HeaderPresent, ""), 200, "", ""},
		{hdr(config.HeaderAbsent, ""), 200, "", "checking headers"},
		{hdr(config.HeaderNotEqual, "keep-alive"), 200, "", ""},
		{hdr(config.HeaderNotEqual, "close"), 200, "", "checking headers"},
		{hdr(config.HeaderRegex, "^clo"), 200, "", ""},
		{hdr(config.HeaderNotRegex, "^clo"), 200, "", "checking headers"},
		{&config.HealthMatch{Headers: []config.HeaderTest{{Name: "X-Missing", Op: config.HeaderNotEqual, Value: "a"}}}, 200, "", "checking headers"},
		{&config.HealthMatch{Body: &config.BodyTest{Not: true, Re: re("maintenance")}}, 500, "ok", ""},
	} {
		if got := Test(c.m, c.status, h, []byte(c.body)); got != c.want {
			t.Errorf("match %v, status %d, body %q: %q, want %q", c.m, c.status, c.body, got, c.want)
		}
	}
}

// backend is an HTTP server whose health answer the test switches.
type backend struct {
	srv    *httptest.Server
	status atomic.Int32
	checks atomic.Int32
}

func newBackend(t *testing.T) *backend {
	b := &backend{}
	b.status.Store(200)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			b.checks.Add(1)
		}
		w.WriteHeader(int(b.status.Load()))
		w.Write([]byte("ok"))
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *backend) addr() string { return strings.TrimPrefix(b.srv.URL, "http://") }

func setup(t *testing.T, hc *config.HealthCheck, bs ...*backend) (*upstream.Set, *upstream.Group) {
	u := &config.Upstream{Name: "backend", Zone: "backend"}
	for _, b := range bs {
		u.Servers = append(u.Servers, &config.UpstreamServer{Host: b.addr(), Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second,
			Addrs: []config.UpstreamAddr{{Network: "tcp", Addr: b.addr(), Name: b.addr()}}})
	}
	loc := &config.Loc{}
	loc.Proxy.ConnectTimeout = config.Def(2 * time.Second)
	loc.Proxy.SendTimeout = config.Def(2 * time.Second)
	loc.Proxy.ReadTimeout = config.Def(2 * time.Second)
	hc.Loc, hc.Upstream = loc, u
	hc.Pass = &config.Pass{Scheme: "http://", Host: "backend", Upstream: u}
	loc.Proxy.Pass = hc.Pass
	if hc.Fails == 0 {
		hc.Fails = 1
	}
	if hc.Passes == 0 {
		hc.Passes = 1
	}
	if hc.URI == "" {
		hc.URI = "/health"
	}
	hc.Interval = 20 * time.Millisecond
	s := upstream.NewSet([]*config.Upstream{u}, upstream.Options{})
	t.Cleanup(s.Close)
	return s, s.Group(u)
}

// waitFor polls cond until it holds, or fails the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestChecksMoveState(t *testing.T) {
	b1, b2 := newBackend(t), newBackend(t)
	hc := &config.HealthCheck{Fails: 2, Passes: 3}
	s, g := setup(t, hc, b1, b2)
	c := Start(s, []*config.HealthCheck{hc}, nil, nil)
	defer c.Stop()
	p1 := g.Peers()[0]
	waitFor(t, "first checks", func() bool { return b1.checks.Load() >= 1 })
	if !g.Healthy(p1) {
		t.Fatal("peer unhealthy after a passed check")
	}
	b1.status.Store(503)
	waitFor(t, "peer 1 unhealthy", func() bool { return !g.Healthy(p1) })
	n := b1.checks.Load()
	b1.status.Store(200)
	waitFor(t, "peer 1 healthy again", func() bool { return g.Healthy(p1) })
	if got := b1.checks.Load() - n; got < 3 {
		t.Fatalf("healthy again after %d checks, want passes=3", got)
	}
	// a dead server fails on connect
	b2.srv.Close()
	waitFor(t, "peer 2 unhealthy", func() bool { return !g.Healthy(g.Peers()[1]) })
}

// mandatory: a peer is "checking" (not used) until its first check; with
// persistent, a reload keeps a healthy peer up from the start.
func TestMandatoryPersistent(t *testing.T) {
	b := newBackend(t)
	b.status.Store(500)
	hc := &config.HealthCheck{Mandatory: true, Persistent: true}
	s, g := setup(t, hc, b)
	c := Start(s, []*config.HealthCheck{hc}, nil, nil)
	p := g.Peers()[0]
	if g.Healthy(p) {
		t.Fatal("mandatory: healthy before any check")
	}
	waitFor(t, "checks", func() bool { return b.checks.Load() >= 3 })
	if g.Healthy(p) {
		t.Fatal("failing check made the peer healthy")
	}
	b.status.Store(200)
	waitFor(t, "healthy", func() bool { return g.Healthy(p) })

	// the reload: a new set, the old checks stopped
	hc2 := &config.HealthCheck{Mandatory: true, Persistent: true}
	s2, g2 := setup(t, hc2, b)
	b.status.Store(500)
	c2 := Start(s2, []*config.HealthCheck{hc2}, nil, c)
	defer c2.Stop()
	if !g2.Healthy(g2.Peers()[0]) {
		t.Fatal("persistent: a peer healthy before the reload starts unhealthy")
	}
	waitFor(t, "unhealthy after reload", func() bool { return !g2.Healthy(g2.Peers()[0]) })
}

// The error log names the check, the peer and the group.
func TestCheckLog(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	path := t.TempDir() + "/error.log"
	l, err := errlog.New([]errlog.Sink{{Path: path, Level: errlog.Warn}})
	if err != nil {
		t.Skip("error log:", err)
	}
	defer l.Close()
	hc := &config.HealthCheck{}
	b := &backend{srv: &httptest.Server{URL: "http://" + addr}}
	s, g := setup(t, hc, b)
	c := Start(s, []*config.HealthCheck{hc}, l, nil)
	waitFor(t, "unhealthy", func() bool { return !g.Healthy(g.Peers()[0]) })
	c.Stop()
	data := readFile(t, path)
	for _, want := range []string{
		"[error] ", "connect() failed (111: Connection refused) while connecting to upstream, health check \"\" of peer " + addr + " in upstream \"backend\"",
		"[warn] ", "peer is unhealthy while connecting to upstream, health check \"\" of peer " + addr + " in upstream \"backend\"",
	} {
		if !strings.Contains(data, want) {
			t.Errorf("error log lacks %q:\n%s", want, data)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Stop cuts a check that waits for an answer: a hung backend does not
// hold a reload or the shutdown for the read timeout, and the cut check
// is neither a verdict nor a log line.
func TestStopCutsHungCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c // read nothing, answer nothing
		}
	}()
	path := t.TempDir() + "/error.log"
	l, err := errlog.New([]errlog.Sink{{Path: path, Level: errlog.Info}})
	if err != nil {
		t.Skip("error log:", err)
	}
	defer l.Close()
	hc := &config.HealthCheck{}
	b := &backend{srv: &httptest.Server{URL: "http://" + ln.Addr().String()}}
	s, g := setup(t, hc, b)
	hc.Loc.Proxy.ReadTimeout = config.Def(30 * time.Second)
	c := Start(s, []*config.HealthCheck{hc}, l, nil)
	select {
	case conn := <-accepted:
		defer conn.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("no check came")
	}
	time.Sleep(50 * time.Millisecond) // the check waits for its answer
	t0 := time.Now()
	c.Stop()
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("Stop took %v with a check waiting for an answer", d)
	}
	if !g.Healthy(g.Peers()[0]) {
		t.Error("a check cut by Stop made the peer unhealthy")
	}
	if data := readFile(t, path); strings.Contains(data, "health check") {
		t.Errorf("a check cut by Stop was logged:\n%s", data)
	}
}

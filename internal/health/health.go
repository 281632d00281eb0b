// Package health runs the active health checks of commercial nginx's
// ngx_http_upstream_hc_module (health_check, match) against the peers
// of upstream groups: one checker per peer and check, in the background,
// each telling the group when its peer turns unhealthy or healthy again.
//
// weir is one process, so a peer is checked once per interval, where
// nginx's workers share the work through the group's zone.
package health

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"weir/internal/config"
	"weir/internal/errlog"
	"weir/internal/upstream"
	"weir/internal/vars"
)

// Answer is what a check got, for the variables of a match block's
// require lines.
type Answer struct {
	Peer   string // the peer's address ($upstream_addr)
	Status int
	Header http.Header
}

// Evaluator gives the value of v for an answer to a check: the
// variables of the upstream's answer have their values, most others are
// empty, as in nginx's checks.
type Evaluator func(v *vars.Value, a *Answer) string

// Checkers are the running checks of one configuration snapshot.
type Checkers struct {
	log  *errlog.Logger
	eval Evaluator
	stop chan struct{}
	wg   sync.WaitGroup
	// ctx ends with Stop: a check under way is cut short (a connect or
	// an answer that does not come would otherwise hold a reload or the
	// shutdown for up to the read timeout), and gives no verdict
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	healthy map[string]bool // "upstream\x00peer" -> considered healthy, for the next reload's persistent checks
}

// Start begins the checks of cfg's health_check directives on the groups
// of set. prev, the previous snapshot's checkers (nil at start), is
// stopped first; its verdicts give the initial state of peers under a
// "mandatory persistent" check.
func Start(set *upstream.Set, checks []*config.HealthCheck, log *errlog.Logger, prev *Checkers) *Checkers {
	return StartEval(set, checks, log, prev, nil)
}

// StartEval is Start with the evaluator of the match blocks' require
// lines (nil: a require line fails).
func StartEval(set *upstream.Set, checks []*config.HealthCheck, log *errlog.Logger, prev *Checkers, eval Evaluator) *Checkers {
	var before map[string]bool
	if prev != nil {
		prev.Stop()
		before = prev.snapshot()
	}
	c := &Checkers{log: log, eval: eval, stop: make(chan struct{}), healthy: map[string]bool{}}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, hc := range checks {
		g := set.Group(hc.Upstream)
		if g == nil {
			continue
		}
		for _, peer := range g.Peers() {
			k := &checker{c: c, hc: hc, g: g, peer: peer, key: g.Name + "\x00" + peer.Name}
			k.healthy = true
			if hc.Mandatory && !(hc.Persistent && before[k.key]) {
				// the "checking" state until the first check completes
				k.healthy, k.first = false, true
				g.SetChecking(peer)
			}
			c.set(k.key, k.healthy)
			c.wg.Add(1)
			go k.run()
		}
	}
	return c
}

// Stop ends every check and waits for them. It is idempotent.
func (c *Checkers) Stop() {
	if c == nil {
		return
	}
	c.cancel()
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.wg.Wait()
}

func (c *Checkers) set(key string, up bool) {
	c.mu.Lock()
	c.healthy[key] = up
	c.mu.Unlock()
}

func (c *Checkers) snapshot() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]bool, len(c.healthy))
	for k, v := range c.healthy {
		m[k] = v
	}
	return m
}

// checker is one health_check against one peer.
type checker struct {
	c    *Checkers
	hc   *config.HealthCheck
	g    *upstream.Group
	peer *upstream.Peer
	key  string

	healthy bool
	first   bool // mandatory: the first check decides at once
	fails   int  // consecutive failed checks
	passes  int  // consecutive passed checks

	conn     net.Conn     // kept with keepalive_time
	h2       *http.Client // type=grpc: the HTTP/2 client (grpc.go)
	br       *bufio.Reader
	connFrom time.Time
}

func (k *checker) run() {
	defer k.c.wg.Done()
	defer k.closeConn()
	defer k.closeGRPC()
	stop := k.c.stop
	wait := time.Duration(0) // the first check at once
	for {
		if wait > 0 {
			if !upstream.Sleep(stop, wait) {
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		k.check()
		wait = k.hc.Interval
		if k.hc.Jitter > 0 {
			wait += time.Duration(rand.Int64N(int64(k.hc.Jitter)))
		}
	}
}

// check runs one check and moves the peer's state: fails consecutive
// failures make it unhealthy, passes consecutive passes healthy again.
func (k *checker) check() {
	reason := k.probe()
	if k.c.ctx.Err() != nil {
		return // cut short by Stop: no verdict
	}
	was, first := k.healthy, k.first
	defer func() { k.g.HealthChecked(k.peer, reason == "", !k.healthy && (was || first)) }()
	if reason == "" {
		k.fails = 0
		k.passes++
		if !k.healthy && (k.first || k.passes >= k.hc.Passes) {
			k.setHealthy(true, "")
		}
		k.first = false
		return
	}
	k.passes = 0
	k.fails++
	if k.healthy && k.fails >= k.hc.Fails || k.first {
		k.setHealthy(false, reason)
	}
	k.first = false
}

func (k *checker) setHealthy(up bool, reason string) {
	if up == k.healthy {
		if !up && k.first {
			// the "checking" state becomes "unhealthy": logged, the
			// hold already taken
			k.logf(errlog.Warn, "peer is unhealthy while %s", reason)
		}
		return
	}
	k.healthy = up
	k.c.set(k.key, up)
	k.g.SetCheckDown(k.peer, !up)
	if up {
		k.logf(errlog.Notice, "peer is healthy")
	} else {
		k.logf(errlog.Warn, "peer is unhealthy while %s", reason)
	}
}

// logf writes a line in the error log with the check's context.
func (k *checker) logf(lv errlog.Level, format string, args ...any) {
	if !k.c.log.Enabled(lv) || k.c.ctx.Err() != nil {
		return
	}
	name := ""
	if k.hc.Match != nil {
		name = k.hc.Match.Name
	}
	k.c.log.Logf(lv, 0, format+", health check \"%s\" of peer %s in upstream \"%s\"", append(args, name, k.peer.Name, k.g.Name)...)
}

// probe makes one check and returns "" when it passed, else what failed
// ("connecting to upstream", "checking status code", ...), having logged
// the error of a failed connection or read.
func (k *checker) probe() string {
	uc := upstreamConf(k.hc)
	scheme := k.hc.Pass.Scheme
	if k.hc.GRPC {
		return k.grpcProbe(uc, scheme == "grpcs://")
	}
	if scheme != "http://" && scheme != "https://" {
		// other protocols: the connection alone is checked
		c, reason := k.dial(uc.ConnectTimeout.V, scheme == "grpcs://")
		if c != nil {
			c.Close()
		}
		return reason
	}
	fresh := false
	if k.conn == nil || k.hc.KeepaliveTime == 0 || time.Since(k.connFrom) >= k.hc.KeepaliveTime {
		k.closeConn()
		c, reason := k.dial(uc.ConnectTimeout.V, scheme == "https://")
		if c == nil {
			return reason
		}
		k.conn, k.br, k.connFrom, fresh = c, bufio.NewReader(c), time.Now(), true
	}
	reason := k.exchange(uc)
	if reason != "" && !fresh && k.conn == nil {
		// a kept connection the server had closed: once more on a new one
		c, r := k.dial(uc.ConnectTimeout.V, scheme == "https://")
		if c == nil {
			return r
		}
		k.conn, k.br, k.connFrom = c, bufio.NewReader(c), time.Now()
		reason = k.exchange(uc)
	}
	if k.hc.KeepaliveTime == 0 {
		k.closeConn()
	}
	return reason
}

func upstreamConf(hc *config.HealthCheck) *config.UpstreamConf {
	l := hc.Loc
	switch hc.Pass {
	case l.FastCGI.Pass:
		return &l.FastCGI.UpstreamConf
	case l.UWSGI.Pass:
		return &l.UWSGI.UpstreamConf
	case l.SCGI.Pass:
		return &l.SCGI.UpstreamConf
	case l.Memcached.Pass:
		return &l.Memcached.UpstreamConf
	case l.GRPC.Pass:
		return &l.GRPC.UpstreamConf
	}
	return &l.Proxy.UpstreamConf
}

// dial connects to the peer, on the check's port when port= is given.
func (k *checker) dial(timeout time.Duration, useTLS bool) (net.Conn, string) {
	addr := k.peer.Addr
	if k.hc.Port != 0 && k.peer.Network != "unix" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = net.JoinHostPort(host, strconv.Itoa(k.hc.Port))
		}
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(k.c.ctx, k.peer.Network, addr)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			k.logf(errlog.Error, "upstream timed out (110: Connection timed out) while connecting to upstream")
		} else {
			k.logf(errlog.Error, "connect() failed %s while connecting to upstream", errlog.SysError(err))
		}
		return nil, "connecting to upstream"
	}
	if useTLS {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, ServerName: serverName(k.hc.Pass.Host)})
		_ = tc.SetDeadline(time.Now().Add(timeout))
		if err := tc.HandshakeContext(k.c.ctx); err != nil {
			c.Close()
			k.logf(errlog.Error, "SSL_do_handshake() failed while SSL handshaking to upstream")
			return nil, "SSL handshaking to upstream"
		}
		_ = tc.SetDeadline(time.Time{})
		return tc, ""
	}
	return c, ""
}

func serverName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

func (k *checker) closeConn() {
	if k.conn != nil {
		k.conn.Close()
		k.conn, k.br = nil, nil
	}
}

// exchange sends the check's request on k.conn and tests the answer.
// The connection is closed unless it may be kept.
func (k *checker) exchange(uc *config.UpstreamConf) string {
	c := k.conn
	// Stop wakes the reads and writes below
	defer context.AfterFunc(k.c.ctx, func() { c.SetDeadline(time.Unix(1, 0)) })()
	conn := "close"
	if k.hc.KeepaliveTime > 0 {
		conn = "keep-alive"
	}
	req := "GET " + k.hc.URI + " HTTP/1.1\r\nHost: " + k.hc.Pass.Host + "\r\nConnection: " + conn + "\r\n\r\n"
	_ = c.SetWriteDeadline(time.Now().Add(uc.SendTimeout.V))
	if _, err := io.WriteString(c, req); err != nil {
		k.closeConn()
		k.logf(errlog.Error, "send() failed %s while sending request to upstream", errlog.SysError(err))
		return "sending request to upstream"
	}
	_ = c.SetReadDeadline(time.Now().Add(uc.ReadTimeout.V))
	resp, err := http.ReadResponse(k.br, nil)
	if err != nil {
		k.closeConn()
		return k.readError(err, "reading response header from upstream")
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, config.MatchBodyLimit))
	if err != nil {
		k.closeConn()
		return k.readError(err, "reading upstream")
	}
	// keep the connection only when its answer was read to the end
	if resp.Close || resp.ContentLength < 0 && len(body) == config.MatchBodyLimit {
		k.closeConn()
	} else if n, _ := io.Copy(io.Discard, io.LimitReader(resp.Body, 1)); n > 0 {
		k.closeConn()
	}
	resp.Body.Close()
	if reason := Test(k.hc.Match, resp.StatusCode, resp.Header, body); reason != "" {
		return reason
	}
	if k.hc.Match != nil && len(k.hc.Match.Require) > 0 {
		return Require(k.hc.Match, k.c.eval, &Answer{Peer: k.peer.Name, Status: resp.StatusCode, Header: resp.Header})
	}
	return ""
}

// Require applies a match block's require lines to an answer: every
// value must be neither empty nor "0". It returns "" when they pass,
// else "checking variables".
func Require(m *config.HealthMatch, eval Evaluator, a *Answer) string {
	for _, v := range m.Require {
		if eval == nil {
			return "checking variables"
		}
		if s := eval(v, a); s == "" || s == "0" {
			return "checking variables"
		}
	}
	return ""
}

func (k *checker) readError(err error, action string) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		k.logf(errlog.Error, "upstream timed out (110: Connection timed out) while %s", action)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		k.logf(errlog.Error, "upstream prematurely closed connection while %s", action)
	case strings.Contains(err.Error(), "malformed"):
		k.logf(errlog.Error, "upstream sent invalid header while %s", action)
	default:
		k.logf(errlog.Error, "recv() failed %s while %s", errlog.SysError(err), action)
	}
	return action
}

// Test applies a match block to a response (m nil: the status must be
// 2xx or 3xx) and returns "" when it passes, else which test failed.
func Test(m *config.HealthMatch, status int, h http.Header, body []byte) string {
	if m == nil {
		if status < 200 || status > 399 {
			return "checking status code"
		}
		return ""
	}
	if m.Status != nil && !m.Status.Match(status) {
		return "checking status code"
	}
	for _, t := range m.Headers {
		vals, present := h[http.CanonicalHeaderKey(t.Name)]
		if !present {
			// a name net/http would not canonicalize
			for name, v := range h {
				if strings.EqualFold(name, t.Name) {
					vals, present = v, true
					break
				}
			}
		}
		v := ""
		if present && len(vals) > 0 {
			v = vals[0]
		}
		ok := false
		switch t.Op {
		case config.HeaderPresent:
			ok = present
		case config.HeaderAbsent:
			ok = !present
		case config.HeaderEqual:
			ok = present && v == t.Value
		case config.HeaderNotEqual:
			ok = present && v != t.Value
		case config.HeaderRegex:
			ok = present && t.Re.MatchString(v)
		case config.HeaderNotRegex:
			ok = present && !t.Re.MatchString(v)
		}
		if !ok {
			return "checking headers"
		}
	}
	if m.Body != nil && m.Body.Re.MatchString(string(body)) == m.Body.Not {
		return "checking body"
	}
	return ""
}

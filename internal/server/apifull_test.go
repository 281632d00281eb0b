package server_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/testnet"
	"weir/internal/tlsconf/tlstest"
)

// selfSigned writes a server certificate and its key into dir and
// returns their paths.
func selfSigned(t *testing.T, dir string) (string, string) {
	ca := tlstest.NewCA("api test CA")
	tlstest.Write(t, dir, "s", ca.Server(tlstest.ECDSA, "localhost"))
	return filepath.Join(dir, "s.crt"), filepath.Join(dir, "s.key")
}

// getJSON sends a request to the API and decodes its answer (nil for
// an empty body).
func (c apiClient) getJSON(method, path, body string) (int, any) {
	c.t.Helper()
	st, _, b := c.do(method, path, body)
	if b == "" {
		return st, nil
	}
	var v any
	if err := json.Unmarshal([]byte(b), &v); err != nil {
		c.t.Fatalf("%s %s: %d %q: %v", method, path, st, b, err)
	}
	return st, v
}

// num reads the number at the path of keys (object keys, or indexes of
// arrays written as "#N") in v; it fails the test when there is none.
func num(t *testing.T, v any, keys ...string) int64 {
	t.Helper()
	x := dig(t, v, keys...)
	f, ok := x.(float64)
	if !ok {
		t.Fatalf("%v: %v is not a number", keys, x)
	}
	return int64(f)
}

func dig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				t.Fatalf("no %q in %v", k, x)
			}
		case []any:
			var i int
			fmt.Sscanf(k, "#%d", &i)
			if i >= len(x) {
				t.Fatalf("no %s in %v", k, x)
			}
			v = x[i]
		default:
			t.Fatalf("%q of %v", k, v)
		}
	}
	return v
}

// apiErrCode is the code of an API error answer.
func apiErrCode(v any) string {
	m, _ := v.(map[string]any)
	e, _ := m["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// TestAPIEndpoints pins the endpoints of the commercial nginx's API
// version 9 beyond the status zones and the http upstreams, with real
// traffic: the lists of endpoints, /processes, /connections,
// /http/requests, /workers, /http/caches, /http/limit_reqs,
// /http/limit_conns, /ssl and their resets with DELETE, and the methods
// each allows.
func TestAPIEndpoints(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	release := make(chan struct{})
	slowLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "slow")
	})}
	go slow.Serve(slowLn)
	t.Cleanup(func() { slow.Close() })
	var releaseOnce bool
	t.Cleanup(func() {
		if !releaseOnce {
			close(release)
		}
	})
	c, _, _ := startTwo(t, `
    proxy_cache_path cache keys_zone=cz:1m max_size=1m;
    proxy_cache_path cache2 keys_zone=other:1m;
    limit_req_zone $arg_k zone=rq:1m rate=1r/m;
    limit_req_zone $arg_k zone=dry:1m rate=1r/m;
    limit_conn_zone $binary_remote_addr zone=cn:1m;
    upstream u { server %[1]s; }
    server {
        listen 127.0.0.1:%[3]d;
        listen 127.0.0.1:`+fmt.Sprint(freePort(t))+` ssl;
        ssl_certificate `+cert+`;
        ssl_certificate_key `+key+`;
        location /c { proxy_pass http://u; proxy_cache cz; proxy_cache_valid 200 1m; }
        location /r { proxy_pass http://u; limit_req zone=rq; }
        location /d { proxy_pass http://u; limit_req zone=dry; limit_req_dry_run on; }
        location /s { proxy_pass http://`+slowLn.Addr().String()+`; limit_conn cn 1; }
        location /api { api write=on; }
        location /ro { api; }
    }
`)
	// zones keep their counts across configurations with the same
	// names, as nginx's shared memory zones do: start them afresh
	for _, z := range []string{"caches/cz", "limit_reqs/rq", "limit_reqs/dry", "limit_conns/cn"} {
		if st, _ := c.getJSON("DELETE", "/api/9/http/"+z, ""); st != 204 {
			t.Fatalf("DELETE %s: %d", z, st)
		}
	}
	for _, e := range []struct {
		path, want string
	}{
		{"/api/9/", `["nginx","processes","connections","http","stream","ssl","workers"]`},
		{"/api/9/http/", `["requests","server_zones","location_zones","caches","limit_conns","limit_reqs","upstreams"]`},
		{"/api/9/stream/", `["server_zones","limit_conns","upstreams"]`},
		{"/api/9/processes", `{"respawned":0}`},
		{"/api/9/stream/server_zones", `{}`},
		{"/api/9/http/caches?fields=", `{"cz":{},"other":{}}`},
		{"/api/9/http/limit_reqs?fields=passed", `{"dry":{"passed":0},"rq":{"passed":0}}`},
	} {
		if st, _, b := c.do("GET", e.path, ""); st != 200 || b != e.want {
			t.Errorf("GET %s: %d %s, want %s", e.path, st, b, e.want)
		}
	}

	// the cache: a miss written to the cache, then hits (a key new to
	// the zone, which keeps its keys across configurations)
	k := fmt.Sprint(time.Now().UnixNano())
	for range 3 {
		if _, _, b := c.do("GET", "/c/x"+k, ""); b != "a" {
			t.Fatalf("/c/x: %q", b)
		}
	}
	// a request counts once its response went out: the last may still
	// be ending
	var v any
	waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/caches/cz", "")
		return num(t, v, "miss", "responses")+num(t, v, "hit", "responses") == 3
	})
	if num(t, v, "miss", "responses") != 1 || num(t, v, "miss", "bytes") != 1 || num(t, v, "miss", "responses_written") != 1 ||
		num(t, v, "miss", "bytes_written") != 1 || num(t, v, "hit", "responses") != 2 || num(t, v, "hit", "bytes") != 2 ||
		num(t, v, "max_size") != 1<<20 || num(t, v, "size") <= 0 || num(t, v, "bypass", "responses") != 0 {
		t.Errorf("cache: %v", v)
	}
	if _, ok := dig(t, v, "cold").(bool); !ok {
		t.Errorf("cold: %v", v)
	}
	if _, v := c.getJSON("GET", "/api/9/http/caches/other", ""); v.(map[string]any)["max_size"] != nil {
		t.Errorf("a cache without max_size: %v", v)
	}
	if st, _ := c.getJSON("DELETE", "/api/9/http/caches/cz", ""); st != 204 {
		t.Errorf("DELETE cache: %d", st)
	}
	if _, v := c.getJSON("GET", "/api/9/http/caches/cz", ""); num(t, v, "hit", "responses") != 0 || num(t, v, "size") <= 0 {
		t.Errorf("cache after DELETE: %v", v)
	}

	// limit_req: one passes, the next is rejected (or so counted in
	// dry run); a zone keeps its keys across configurations, so the key
	// is new to it
	for _, p := range []string{"/r", "/r", "/r", "/d", "/d"} {
		c.do("GET", p+"?k="+k, "")
	}
	waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/limit_reqs", "")
		return num(t, v, "dry", "passed")+num(t, v, "dry", "rejected_dry_run") == 2
	})
	if num(t, v, "rq", "passed") != 1 || num(t, v, "rq", "rejected") != 2 || num(t, v, "rq", "rejected_dry_run") != 0 ||
		num(t, v, "dry", "passed") != 1 || num(t, v, "dry", "rejected_dry_run") != 1 || num(t, v, "dry", "rejected") != 0 {
		t.Errorf("limit_reqs: %v", v)
	}
	c.do("DELETE", "/api/9/http/limit_reqs/rq", "")
	if _, _, b := c.do("GET", "/api/9/http/limit_reqs/rq", ""); b != `{"passed":0,"delayed":0,"rejected":0,"delayed_dry_run":0,"rejected_dry_run":0}` {
		t.Errorf("limit_req after DELETE: %s", b)
	}

	// limit_conn: a second request while the first is in progress
	done := make(chan string)
	go func() { _, _, b := c.do("GET", "/s", ""); done <- b }()
	if !waitFor(3*time.Second, func() bool {
		_, v := c.getJSON("GET", "/api/9/http/limit_conns/cn", "")
		return num(t, v, "passed") == 1
	}) {
		t.Fatal("the first request to /s did not pass limit_conn")
	}
	if st, _, _ := c.do("GET", "/s", ""); st != 503 {
		t.Errorf("second /s: %d", st)
	}
	close(release)
	releaseOnce = true
	if b := <-done; b != "slow" {
		t.Errorf("first /s: %q", b)
	}
	if _, _, b := c.do("GET", "/api/9/http/limit_conns", ""); b != `{"cn":{"passed":1,"rejected":1,"rejected_dry_run":0}}` {
		t.Errorf("limit_conns: %s", b)
	}

	// the process's counters move with requests; DELETE starts them
	// again
	_, v = c.getJSON("GET", "/api/9/http/requests", "")
	total := num(t, v, "total")
	c.do("GET", "/c/x", "")
	if _, v := c.getJSON("GET", "/api/9/http/requests", ""); num(t, v, "total") != total+2 || num(t, v, "current") < 1 {
		t.Errorf("requests: %v, before %d", v, total)
	}
	// each reset is followed by the one request that reads it (every
	// request of the client has its own connection)
	reset := func(path string) any {
		if st, _ := c.getJSON("DELETE", path, ""); st != 204 {
			t.Errorf("DELETE %s: %d", path, st)
		}
		_, v := c.getJSON("GET", path, "")
		return v
	}
	if v := reset("/api/9/http/requests"); num(t, v, "total") != 1 {
		t.Errorf("requests after DELETE: %v", v)
	}
	if v := reset("/api/9/connections"); num(t, v, "accepted") != 1 || num(t, v, "dropped") != 0 || num(t, v, "active") < 1 {
		t.Errorf("connections after DELETE: %v", v)
	}
	v = reset("/api/9/workers")
	if w := v.([]any); len(w) != 1 || num(t, v, "#0", "id") != 0 || num(t, v, "#0", "pid") != int64(os.Getpid()) ||
		num(t, v, "#0", "connections", "accepted") != 1 || num(t, v, "#0", "http", "requests", "total") != 1 {
		t.Errorf("workers: %v", v)
	}
	if _, v := c.getJSON("GET", "/api/9/workers/0?fields=id,pid", ""); num(t, v, "id") != 0 || len(v.(map[string]any)) != 2 {
		t.Errorf("workers/0: %v", v)
	}

	// methods: DELETE where the documentation allows it, 405 elsewhere
	for _, e := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"DELETE", "/api/9/processes", 204, ""},
		{"DELETE", "/api/9/ssl", 204, ""},
		{"POST", "/api/9/processes", 405, "MethodNotSupported"},
		{"PATCH", "/api/9/connections", 405, "MethodNotSupported"},
		{"DELETE", "/api/9/nginx", 405, "MethodNotSupported"},
		{"DELETE", "/api/9/http/caches", 405, "MethodNotSupported"},
		{"DELETE", "/api/9/http/", 405, "MethodNotSupported"},
		{"POST", "/api/9/http/limit_conns/cn", 405, "MethodNotSupported"},
		{"DELETE", "/ro/9/http/caches/cz", 405, "MethodDisabled"},
		{"DELETE", "/ro/9/connections", 405, "MethodDisabled"},
		{"GET", "/api/9/http/caches/nope", 404, "CacheNotFound"},
		{"DELETE", "/api/9/http/caches/nope", 404, "CacheNotFound"},
		{"GET", "/api/9/http/limit_reqs/cn", 404, "LimitReqNotFound"},
		{"GET", "/api/9/http/limit_conns/rq", 404, "LimitConnNotFound"},
		{"GET", "/api/9/workers/1", 404, "WorkerNotFound"},
		{"GET", "/api/9/stream/server_zones/x", 404, "ServerZoneNotFound"},
		{"GET", "/api/9/stream/upstreams/x", 404, "UpstreamNotFound"},
		{"GET", "/api/9/http/caches/cz/x", 404, "PathNotFound"},
	} {
		st, v := c.getJSON(e.method, e.path, "")
		if st != e.status || apiErrCode(v) != e.code {
			t.Errorf("%s %s: %d %v", e.method, e.path, st, v)
		}
	}
}

// TestAPISSL counts the TLS handshakes of client connections: made,
// reused (a resumed session), failed for want of a common protocol.
func TestAPISSL(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	sslPort := freePort(t)
	c, _, _ := startTwo(t, `
    server {
        listen 127.0.0.1:%[3]d;
        listen 127.0.0.1:`+fmt.Sprint(sslPort)+` ssl;
        ssl_certificate `+cert+`;
        ssl_certificate_key `+key+`;
        location / { return 200 ok; }
        location /api { api write=on; }
    }
`)
	if st, _ := c.getJSON("DELETE", "/api/9/ssl", ""); st != 204 {
		t.Fatalf("DELETE /ssl: %d", st)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sslPort)
	cache := tls.NewLRUClientSessionCache(4)
	for range 2 {
		conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ClientSessionCache: cache, MaxVersion: tls.VersionTLS12})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, "GET / HTTP/1.0\r\n\r\n")
		io.ReadAll(conn)
		conn.Close()
	}
	if _, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	want := `{"handshakes":2,"handshakes_failed":1,"session_reuses":1,"no_common_protocol":1,"no_common_cipher":0,"handshake_timeout":0,"peer_rejected_cert":0,"verify_failures":{"no_cert":0,"expired_cert":0,"revoked_cert":0,"hostname_mismatch":0,"other":0}}`
	var b string
	waitFor(3*time.Second, func() bool { _, _, b = c.do("GET", "/api/9/ssl", ""); return b == want })
	if b != want {
		t.Errorf("ssl: %s\nwant %s", b, want)
	}
}

// TestAPIStream pins /stream/server_zones (status_zone in a stream
// server), /stream/upstreams with its peers' connections, bytes and
// times, the changes of a stream group's servers, and
// /stream/limit_conns.
func TestAPIStream(t *testing.T) {
	a := backend(t, "a")
	port, sport := freePort(t), freePort(t)
	p := newPrefix(t)
	p.conf(fmt.Sprintf(`error_log logs/error.log notice;
events {}
http {
    access_log off;
    server { listen 127.0.0.1:%[2]d; location /api { api write=on; } }
}
stream {
    limit_conn_zone $binary_remote_addr zone=sc:1m;
    upstream su { zone su 64k; server %[1]s; }
    upstream st { server %[1]s; }
    server { listen 127.0.0.1:%[3]d; proxy_pass su; status_zone sz; limit_conn sc 10; }
}
`, a, port, sport))
	runInProcess(t, p)
	c := apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}
	for _, z := range []string{"server_zones/sz", "limit_conns/sc"} {
		if st, _ := c.getJSON("DELETE", "/api/9/stream/"+z, ""); st != 204 {
			t.Fatalf("DELETE %s: %d", z, st)
		}
	}
	req := "GET /x HTTP/1.0\r\n\r\n"
	for range 2 {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sport))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, req)
		if b, _ := io.ReadAll(conn); !strings.HasSuffix(string(b), "\r\n\r\na") {
			t.Fatalf("through the stream proxy: %q", b)
		}
		conn.Close()
	}
	var v any
	if !waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/stream/server_zones/sz", "")
		return num(t, v, "sessions", "total") == 2
	}) {
		t.Fatalf("server zone: %v", v)
	}
	if num(t, v, "processing") != 0 || num(t, v, "connections") != 2 || num(t, v, "sessions", "2xx") != 2 ||
		num(t, v, "received") != int64(2*len(req)) || num(t, v, "sent") <= 2 || num(t, v, "discarded") != 0 {
		t.Errorf("server zone: %v", v)
	}
	_, v = c.getJSON("GET", "/api/9/stream/upstreams", "")
	if _, ok := v.(map[string]any)["st"]; ok {
		t.Errorf("a group without a zone is listed: %v", v)
	}
	peer := dig(t, v, "su", "peers", "#0")
	if dig(t, peer, "state") != "up" || num(t, peer, "connections") != 2 || num(t, peer, "sent") != int64(2*len(req)) ||
		num(t, peer, "received") != num(t, v, "su", "peers", "#0", "received") || num(t, peer, "received") <= 2 ||
		num(t, peer, "connect_time") < 0 || num(t, peer, "first_byte_time") < 0 || num(t, peer, "response_time") < 0 {
		t.Errorf("stream peer: %v", peer)
	}
	if _, ok := peer.(map[string]any)["requests"]; ok {
		t.Errorf("a stream peer has requests: %v", peer)
	}
	if _, ok := dig(t, v, "su").(map[string]any)["keepalive"]; ok {
		t.Errorf("a stream upstream has keepalive: %v", v)
	}
	if _, _, b := c.do("GET", "/api/9/stream/limit_conns", ""); b != `{"sc":{"passed":2,"rejected":0,"rejected_dry_run":0}}` {
		t.Errorf("stream limit_conns: %s", b)
	}
	if st, _ := c.getJSON("DELETE", "/api/9/stream/server_zones/sz", ""); st != 204 {
		t.Errorf("DELETE server zone: %d", st)
	}
	if _, v := c.getJSON("GET", "/api/9/stream/server_zones/sz", ""); num(t, v, "connections") != 0 || num(t, v, "sent") != 0 {
		t.Errorf("server zone after DELETE: %v", v)
	}
	if st, _ := c.getJSON("DELETE", "/api/9/stream/upstreams/su", ""); st != 204 {
		t.Errorf("DELETE stream upstream: %d", st)
	}
	if _, v := c.getJSON("GET", "/api/9/stream/upstreams/su", ""); num(t, v, "peers", "#0", "connections") != 0 {
		t.Errorf("stream upstream after DELETE: %v", v)
	}

	srv := "/api/9/stream/upstreams/su/servers"
	for _, e := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"GET", srv, "", 200, `[{"id":0,"server":"` + a + `","weight":1,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","backup":false,"down":false}]`},
		{"POST", srv, `{"server":"` + a + `","weight":2}`, 201, `{"id":1,"server":"` + a + `","weight":2,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","backup":false,"down":false}`},
		{"PATCH", srv + "/1", `{"down":true}`, 200, `{"id":1,"server":"` + a + `","weight":2,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","backup":false,"down":true}`},
		{"DELETE", srv + "/0", "", 200, `[{"id":1,"server":"` + a + `","weight":2,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","backup":false,"down":true}]`},
	} {
		if st, _, b := c.do(e.method, e.path, e.body); st != e.status || b != e.want {
			t.Errorf("%s %s %s: %d %s\nwant %s", e.method, e.path, e.body, st, b, e.want)
		}
	}
	// the only server is down now: the proxy finds no live upstream
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", sport))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, req)
	if b, _ := io.ReadAll(conn); len(b) != 0 {
		t.Errorf("a down server answered: %q", b)
	}
	conn.Close()
	if !waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/stream/server_zones/sz", "")
		return num(t, v, "sessions", "5xx") == 1
	}) {
		t.Errorf("a 502 session: %v", v)
	}
	for _, e := range []struct {
		method, path, body string
		code, text         string
	}{
		{"PATCH", srv + "/1", `{"route":"r"}`, "UpstreamConfFormatError", `unknown parameter "route"`},
		{"PATCH", srv + "/1", `{"drain":true}`, "UpstreamConfFormatError", `unknown parameter "drain"`},
		{"POST", srv, `{"server":"127.0.0.1"}`, "UpstreamBadAddress", `no port in server "127.0.0.1"`},
		{"GET", "/api/9/stream/upstreams/st/servers", "", "UpstreamStatic", "upstream is static"},
	} {
		_, v := c.getJSON(e.method, e.path, e.body)
		if apiErrCode(v) != e.code || dig(t, v, "error", "text") != e.text {
			t.Errorf("%s %s %s: %v", e.method, e.path, e.body, v)
		}
	}
}

// TestAPIHealthChecks pins the peers' health_checks object and the
// states active checks give them: "checking" until a mandatory check's
// first answer, "unhealthy" after failed checks (with downtime and
// downstart), "up" with last_passed.
func TestAPIHealthChecks(t *testing.T) {
	good := backend(t, "a")
	dead := testnet.FreeAddr(t) // nothing listens there
	// a listener that accepts nothing: a check's connection is made
	// (in the backlog) and not answered before proxy_read_timeout
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hang.Close() })
	port := freePort(t)
	p := httpPrefix(t, `
    upstream u { zone u 64k; server %[1]s; server %[2]s; }
    upstream m { zone m 64k; server %[3]s; }
    server {
        listen 127.0.0.1:%[4]d;
        location / { proxy_pass http://u; health_check interval=100ms; }
        location /m { proxy_pass http://m; proxy_read_timeout 3s; health_check mandatory; }
        location /api { api write=on; }
    }
`, good, dead, hang.Addr().String(), port)
	runInProcess(t, p)
	c := apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}
	var v any
	if !waitFor(5*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/upstreams/u", "")
		return num(t, v, "peers", "#0", "health_checks", "checks") >= 3 && num(t, v, "peers", "#1", "health_checks", "checks") >= 3
	}) {
		t.Fatalf("checks: %v", v)
	}
	up, down := dig(t, v, "peers", "#0"), dig(t, v, "peers", "#1")
	if dig(t, up, "state") != "up" || num(t, up, "health_checks", "fails") != 0 || dig(t, up, "health_checks", "last_passed") != true ||
		num(t, up, "health_checks", "unhealthy") != 0 || num(t, up, "downtime") != 0 {
		t.Errorf("healthy peer: %v", up)
	}
	if _, ok := up.(map[string]any)["downstart"]; ok {
		t.Errorf("healthy peer with downstart: %v", up)
	}
	if dig(t, down, "state") != "unhealthy" || num(t, down, "health_checks", "fails") != num(t, down, "health_checks", "checks") ||
		dig(t, down, "health_checks", "last_passed") != false || num(t, down, "health_checks", "unhealthy") != 1 {
		t.Errorf("unhealthy peer: %v", down)
	}
	if s, _ := dig(t, down, "downstart").(string); !strings.HasSuffix(s, "Z") {
		t.Errorf("unhealthy peer's downstart: %v", down)
	}
	if !waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/upstreams/u", "")
		return num(t, v, "peers", "#1", "downtime") > 0
	}) {
		t.Errorf("no downtime: %v", v)
	}
	_, v = c.getJSON("GET", "/api/9/http/upstreams/m", "")
	if m := dig(t, v, "peers", "#0"); dig(t, m, "state") != "checking" || num(t, m, "health_checks", "checks") != 0 {
		t.Errorf("a peer before its first mandatory check: %v", m)
	} else if _, ok := m.(map[string]any)["health_checks"].(map[string]any)["last_passed"]; ok {
		t.Errorf("last_passed before any check: %v", m)
	}
}

// TestAPIZonesKeptOnReload: a status zone keeps its counts across a
// reload that keeps its name, as nginx keeps the zone's shared memory;
// a zone the new configuration drops is gone.
func TestAPIZonesKeptOnReload(t *testing.T) {
	port := freePort(t)
	p := httpPrefix(t, `
    server {
        listen 127.0.0.1:%[1]d;
        status_zone front;
        location / { return 200 ok; status_zone loc; }
        location /old { return 200 old; status_zone gone; }
        location /api { api; status_zone off; }
    }
`, port)
	s := startForeground(t, p)
	c := apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}
	for range 3 {
		c.do("GET", "/", "")
	}
	c.do("GET", "/old", "")
	var v any
	waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/location_zones/loc", "")
		return num(t, v, "requests") == 3
	})
	_, v = c.getJSON("GET", "/api/9/nginx", "")
	gen := num(t, v, "generation")
	p.conf(strings.Replace(p.read("conf/nginx.conf"), "location /old { return 200 old; status_zone gone; }", "", 1))
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/nginx", "")
		return num(t, v, "generation") > gen
	}) {
		t.Fatalf("no reload: %v\n%s", v, p.read("logs/error.log"))
	}
	c.do("GET", "/", "")
	waitFor(3*time.Second, func() bool {
		_, v = c.getJSON("GET", "/api/9/http/location_zones/loc", "")
		return num(t, v, "requests") == 4
	})
	if num(t, v, "requests") != 4 || num(t, v, "responses", "2xx") != 4 {
		t.Errorf("location zone after the reload: %v", v)
	}
	if _, v := c.getJSON("GET", "/api/9/http/server_zones/front", ""); num(t, v, "requests") < 5 {
		t.Errorf("server zone after the reload: %v", v)
	}
	if st, v := c.getJSON("GET", "/api/9/http/location_zones/gone", ""); st != 404 {
		t.Errorf("a dropped zone: %d %v", st, v)
	}
}

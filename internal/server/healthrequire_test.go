package server_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestHealthRequire: a match block's require line passes when each of
// its values is neither empty nor "0", evaluated on the check's answer
// ($upstream_http_NAME through a map, $upstream_status); a peer whose
// answer fails it is unhealthy ("checking variables") and takes no
// requests until it passes again. A client request's variable
// ($http_host) is empty in a check.
func TestHealthRequire(t *testing.T) {
	var aState atomic.Value
	aState.Store("green")
	hb := func(name string, state func() string) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-State", state())
			io.WriteString(w, name)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		return ln.Addr().String()
	}
	a := hb("a", func() string { return aState.Load().(string) })
	b := hb("b", func() string { return "green" })
	port := freePort(t)
	p := httpPrefix(t, `
    map $upstream_http_x_state $state_ok {
        green 1;
        default 0;
    }
    match ok {
        status 200;
        require $state_ok $upstream_status;
    }
    match host {
        require $http_host;
    }
    upstream u {
        zone u 64k;
        server %[1]s;
        server %[2]s;
    }
    upstream w {
        zone w 64k;
        server %[2]s;
    }
    server {
        listen 127.0.0.1:%[3]d;
        location / { proxy_pass http://u; health_check interval=200ms match=ok; }
        location /w { proxy_pass http://w; health_check interval=200ms match=host; }
    }
`, a, b, port)
	runInProcess(t, p)
	c := apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}

	if got := c.seq("/", 4); got != "a b a b" {
		t.Fatalf("all healthy: %q\n%s", got, p.read("logs/error.log"))
	}
	aState.Store("red")
	unhealthy := fmt.Sprintf(`peer is unhealthy while checking variables, health check "ok" of peer %s in upstream "u"`, a)
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/error.log"), unhealthy) }) {
		t.Fatalf("no unhealthy line:\n%s", p.read("logs/error.log"))
	}
	if got := c.seq("/", 4); got != "b b b b" {
		t.Fatalf("a unhealthy: %q", got)
	}
	aState.Store("green")
	healthy := fmt.Sprintf(`peer is healthy, health check "ok" of peer %s in upstream "u"`, a)
	if !waitFor(5*time.Second, func() bool { return strings.Contains(p.read("logs/error.log"), healthy) }) {
		t.Fatalf("no healthy line:\n%s", p.read("logs/error.log"))
	}
	hostFail := fmt.Sprintf(`peer is unhealthy while checking variables, health check "host" of peer %s in upstream "w"`, b)
	if log := p.read("logs/error.log"); !strings.Contains(log, hostFail) {
		t.Errorf("$http_host is not empty in a check:\n%s", log)
	}
}

// httpPrefix is a prefix whose conf/nginx.conf has the http block's
// text (formatted with args), the error log at notice, no access log.
func httpPrefix(t *testing.T, text string, args ...any) *prefix {
	p := newPrefix(t)
	p.conf(fmt.Sprintf("error_log logs/error.log notice;\nevents {}\nhttp {\n    access_log off;"+text+"}\n", args...))
	return p
}

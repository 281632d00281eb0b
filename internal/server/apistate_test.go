package server_test

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAPIState: the servers of a group with "state FILE" are read from
// the file and the API rewrites it after each change, so that the
// changes outlive a reload and a restart (commercial nginx's state
// directive); a group without one goes back to its server lines at a
// reload, the API's changes lost, as the commercial nginx's documentation
// warns. A group whose state file does not exist yet has no servers.
func TestAPIState(t *testing.T) {
	a, b := backend(t, "a"), backend(t, "b")
	port := freePort(t)
	p := httpPrefix(t, `
    upstream u {
        zone u 64k;
        state state/u.conf;
    }
    upstream v {
        zone v 64k;
        server %[1]s;
    }
    server {
        listen 127.0.0.1:%[2]d;
        location / { proxy_pass http://u; }
        location /v { proxy_pass http://v; }
        location /api { api write=on; }
    }
`, a, port)
	p.write("state/.keep", "")
	s := startForeground(t, p)
	c := apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}
	srv := "/api/9/http/upstreams/u/servers"

	if st, _, body := c.do("GET", srv, ""); st != 200 || body != "[]" {
		t.Fatalf("empty group: %d %s", st, body)
	}
	if st, _, _ := c.do("GET", "/", ""); st != 502 {
		t.Fatalf("empty group answered %d", st)
	}
	for _, step := range []struct{ method, path, body string }{
		{"POST", srv, `{"server":"` + a + `"}`},
		{"POST", srv, `{"server":"` + b + `","weight":2,"max_fails":3,"fail_timeout":"5s","route":"rb"}`},
		{"POST", srv, `{"server":"127.0.0.1:1","backup":true}`},
		{"POST", srv, `{"server":"127.0.0.1:2","down":true}`},
		{"DELETE", srv + "/3", ``},
		{"PATCH", srv + "/0", `{"max_conns":5,"slow_start":"10s"}`},
		{"POST", "/api/9/http/upstreams/v/servers", `{"server":"` + b + `"}`},
	} {
		if st, _, body := c.do(step.method, step.path, step.body); st != 200 && st != 201 {
			t.Fatalf("%s %s %s: %d %s", step.method, step.path, step.body, st, body)
		}
	}
	want := "server " + a + " max_conns=5 slow_start=10s;\n" +
		"server " + b + " weight=2 max_fails=3 fail_timeout=5s route=rb;\n" +
		"server 127.0.0.1:1 backup;\n"
	if got := p.read("state/u.conf"); got != want {
		t.Fatalf("state file:\n%s\nwant:\n%s", got, want)
	}
	if got := c.seq("/", 3); got != "b a b" {
		t.Fatalf("before the reload: %q", got)
	}
	if got := c.seq("/v", 2); got != "a b" {
		t.Fatalf("v before the reload: %q", got)
	}

	servers := "[" + `{"id":0,"server":"` + a + `","weight":1,"max_conns":5,"max_fails":1,"fail_timeout":"10s","slow_start":"10s","route":"","backup":false,"down":false},` +
		`{"id":1,"server":"` + b + `","weight":2,"max_conns":0,"max_fails":3,"fail_timeout":"5s","slow_start":"0s","route":"rb","backup":false,"down":false},` +
		`{"id":2,"server":"127.0.0.1:1","weight":1,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","route":"","backup":true,"down":false}]`
	s.signal(syscall.SIGHUP)
	if !waitFor(5*time.Second, func() bool {
		_, _, body := c.do("GET", "/api/9/http/upstreams/v/servers", "")
		return !strings.Contains(body, b)
	}) {
		t.Fatalf("v kept the server the API added after a reload\n%s", p.read("logs/error.log"))
	}
	if st, _, body := c.do("GET", srv, ""); st != 200 || body != servers {
		t.Fatalf("after the reload: %d %s\nwant %s", st, body, servers)
	}
	if got := c.seq("/", 3); got != "b a b" {
		t.Fatalf("after the reload: %q", got)
	}

	s.stop()
	s = startForeground(t, p)
	if st, _, body := c.do("GET", srv, ""); st != 200 || body != servers {
		t.Fatalf("after a restart: %d %s\nwant %s", st, body, servers)
	}
	if st, _, body := c.do("DELETE", srv+"/0", ""); st != 200 {
		t.Fatalf("DELETE: %d %s", st, body)
	}
	if got, want := p.read("state/u.conf"), "server "+b+" weight=2 max_fails=3 fail_timeout=5s route=rb;\nserver 127.0.0.1:1 backup;\n"; got != want {
		t.Fatalf("state file after DELETE:\n%s", got)
	}
	s.stop()
}

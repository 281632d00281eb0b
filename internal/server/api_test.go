package server_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// backend is a small HTTP server on 127.0.0.1 answering its name; with
// learn set it also sets the cookie "sess=NAME-N".
func backend(t *testing.T, name string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/learn" && r.Header.Get("Cookie") == "" {
			n++
			w.Header().Set("Set-Cookie", fmt.Sprintf("sess=%s-%d", name, n))
		}
		io.WriteString(w, name)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type apiClient struct {
	t    *testing.T
	base string
}

// do sends a request and returns the status, the Set-Cookie header and
// the body.
func (c apiClient) do(method, path, body string, hdr ...string) (int, string, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Set-Cookie"), string(b)
}

// seq is the backends' names of n requests to path, joined.
func (c apiClient) seq(path string, n int, hdr ...string) string {
	c.t.Helper()
	var out []string
	for range n {
		_, _, b := c.do("GET", path, "", hdr...)
		out = append(out, b)
	}
	return strings.Join(out, " ")
}

// startTwo runs weir with two backends "a" and "b" and the http block's
// text, where %[1]s and %[2]s are their addresses, %[3]d weir's port.
func startTwo(t *testing.T, text string) (apiClient, string, string) {
	a, b := backend(t, "a"), backend(t, "b")
	port := freePort(t)
	p := newPrefix(t)
	p.conf(fmt.Sprintf("error_log logs/error.log notice;\nevents {}\nhttp {\n    access_log off;\n"+text+"}\n", a, b, port))
	runInProcess(t, p)
	return apiClient{t, fmt.Sprintf("http://127.0.0.1:%d", port)}, a, b
}

// TestAPIUpstreams changes an upstream group through the API and checks
// after each call that balancing follows, and pins the API's objects and
// errors (commercial nginx's ngx_http_api_module, version 9).
func TestAPIUpstreams(t *testing.T) {
	c, a, b := startTwo(t, `
    upstream u {
        zone u 64k;
        server %[1]s;
        server %[2]s route=rb;
    }
    upstream static { server %[1]s; }
    server {
        listen 127.0.0.1:%[3]d;
        status_zone front;
        location / { proxy_pass http://u; status_zone loc; }
        location /api { api write=on; }
        location /ro { api; }
    }
`)
	srv := "/api/9/http/upstreams/u/servers"

	if got := c.seq("/", 4); got != "a b a b" {
		t.Fatalf("round robin: %q", got)
	}
	st, _, body := c.do("GET", srv, "")
	want := fmt.Sprintf(`[{"id":0,"server":"%s","weight":1,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","route":"","backup":false,"down":false},`+
		`{"id":1,"server":"%s","weight":1,"max_conns":0,"max_fails":1,"fail_timeout":"10s","slow_start":"0s","route":"rb","backup":false,"down":false}]`, a, b)
	if st != 200 || body != want {
		t.Fatalf("servers: %d %s", st, body)
	}
	steps := []struct {
		method, path, body string
		status             int
		seq                string
	}{
		{"PATCH", srv + "/0", `{"down":true}`, 200, "b b b b"},
		{"PATCH", srv + "/0", `{"down":false,"weight":3}`, 200, "a a b a"},
		{"PATCH", srv + "/1", `{"drain":true}`, 200, "a a a a"},
		{"DELETE", srv + "/1", ``, 200, "a a a a"},
		{"POST", srv, `{"server":"` + b + `","weight":3}`, 201, "a b a b"},
		{"PATCH", srv + "/2", `{"max_conns":0,"fail_timeout":"5s","route":"x"}`, 200, "a b a b"},
	}
	for _, s := range steps {
		st, _, body := c.do(s.method, s.path, s.body)
		if st != s.status {
			t.Fatalf("%s %s %s: %d %s", s.method, s.path, s.body, st, body)
		}
		if got := c.seq("/", 4); got != s.seq {
			t.Fatalf("after %s %s %s: %q, want %q", s.method, s.path, s.body, got, s.seq)
		}
	}
	_, _, body = c.do("GET", srv+"/2", "")
	if want := `{"id":2,"server":"` + b + `","weight":3,"max_conns":0,"max_fails":1,"fail_timeout":"5s","slow_start":"0s","route":"x","backup":false,"down":false}`; body != want {
		t.Errorf("server 2: %s", body)
	}

	errs := []struct {
		method, path, body string
		status             int
		code, text         string
	}{
		{"GET", "/api/9/http/upstreams/nope", "", 404, "UpstreamNotFound", "upstream not found"},
		{"GET", "/api/9/http/upstreams/static/servers", "", 400, "UpstreamStatic", "upstream is static"},
		{"GET", srv + "/7", "", 404, "UpstreamServerNotFound", `server with ID "7" does not exist`},
		{"GET", srv + "/x", "", 400, "UpstreamBadServerId", "invalid server ID"},
		{"PATCH", srv + "/0", `{"foo":1}`, 400, "UpstreamConfFormatError", `unknown parameter "foo"`},
		{"PATCH", srv + "/0", `{"weight":"3"}`, 400, "UpstreamConfFormatError", `invalid "weight" value`},
		{"PATCH", srv + "/0", `{"weight":0}`, 400, "UpstreamBadWeight", `invalid "weight"`},
		{"PATCH", srv + "/0", `{"down":{}}`, 400, "UpstreamConfFormatError", "nested object or list"},
		{"PATCH", srv + "/0", `{"route":"` + strings.Repeat("r", 33) + `"}`, 400, "UpstreamBadRoute", "route is too long"},
		{"PATCH", srv + "/0", `down`, 415, "JsonError", "json error"},
		{"POST", srv, `{"weight":2}`, 400, "UpstreamConfFormatError", `missing "server" argument`},
		{"POST", srv, `{"server":"127.0.0.1:99999"}`, 400, "UpstreamBadAddress", `"invalid port" while parsing`},
		{"POST", srv, `{"server":"` + b + `","backup":true}`, 400, "UpstreamNoBackup", `upstream "u" has no backup`},
		{"POST", "/ro/9/http/upstreams/u/servers", `{"server":"` + b + `"}`, 405, "MethodDisabled", "method disabled"},
		{"POST", "/api/9/nginx", ``, 405, "MethodNotSupported", "method not supported"},
		{"GET", "/api/10/nginx", "", 404, "UnknownVersion", "unknown version"},
		{"GET", "/api/9/nope", "", 404, "PathNotFound", "path not found"},
		{"GET", "/api/9/http/server_zones/nope", "", 404, "ServerZoneNotFound", "server zone not found"},
	}
	for _, e := range errs {
		st, _, body := c.do(e.method, e.path, e.body)
		var got struct {
			Error struct {
				Status     int
				Text, Code string
			}
			RequestID string `json:"request_id"`
			Href      string
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil || st != e.status || got.Error.Status != e.status ||
			got.Error.Code != e.code || got.Error.Text != e.text || len(got.RequestID) != 32 ||
			got.Href != "https://nginx.org/en/docs/http/ngx_http_api_module.html" {
			t.Errorf("%s %s %s: %d %s", e.method, e.path, e.body, st, body)
		}
	}

	// the peers' statistics, fields=, the status zones
	_, _, body = c.do("GET", "/api/9/http/upstreams/u?fields=zone,zombies", "")
	if body != `{"zombies":0,"zone":"u"}` {
		t.Errorf("fields: %s", body)
	}
	_, _, body = c.do("GET", "/api/9/http/upstreams?fields=", "")
	if body != `{"u":{}}` {
		t.Errorf("upstreams with empty fields: %s", body)
	}
	var ups struct {
		Peers []struct {
			ID        int
			State     string
			Requests  int
			Responses map[string]any
		}
	}
	_, _, body = c.do("GET", "/api/9/http/upstreams/u", "")
	if err := json.Unmarshal([]byte(body), &ups); err != nil || len(ups.Peers) != 2 || ups.Peers[0].State != "up" ||
		ups.Peers[0].Requests == 0 || ups.Peers[0].Responses["2xx"].(float64) != float64(ups.Peers[0].Requests) {
		t.Errorf("upstream: %s", body)
	}
	_, _, body = c.do("GET", "/api/9/http/location_zones/loc", "")
	var lz struct {
		Requests  int
		Responses struct{ Total int }
	}
	if err := json.Unmarshal([]byte(body), &lz); err != nil || lz.Requests != 28 || lz.Responses.Total != 28 {
		t.Errorf("location zone: %s", body)
	}
	// the request before may still be ending on its connection (a
	// request counts out after its response went): only this one is left
	// once that is done
	waitFor(3*time.Second, func() bool {
		_, _, body = c.do("GET", "/api/9/http/server_zones/front?fields=processing", "")
		return body == `{"processing":1}`
	})
	if body != `{"processing":1}` {
		t.Errorf("server zone: %s", body)
	}
	if st, _, body := c.do("GET", "/api/", ""); st != 200 || body != "[1,2,3,4,5,6,7,8,9]" {
		t.Errorf("versions: %d %s", st, body)
	}
}

// TestSticky pins nginx 1.29.6's sticky cookie, route and learn, and the
// drain parameter: only requests bound to a draining server reach it.
func TestSticky(t *testing.T) {
	c, a, b := startTwo(t, `
    upstream ck {
        server %[1]s;
        server %[2]s drain;
        sticky cookie srv expires=1h domain=.example.com httponly secure samesite=lax path=/;
    }
    upstream rt {
        zone rt 64k;
        server %[1]s route=ra;
        server %[2]s route=rb;
        sticky route $arg_route $cookie_route;
    }
    upstream ln {
        server %[1]s;
        server %[2]s;
        sticky learn create=$upstream_cookie_sess lookup=$cookie_sess zone=sess:1m;
    }
    server {
        listen 127.0.0.1:%[3]d;
        location / { proxy_pass http://ck; }
        location /rt { proxy_pass http://rt; }
        location /learn { proxy_pass http://ln; }
        location /api { api write=on; }
    }
`)
	hexOf := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

	// cookie: the draining server gets nothing new, the cookie names a
	// and its attributes come in nginx's order
	if got := c.seq("/", 3); got != "a a a" {
		t.Errorf("drain: %q", got)
	}
	_, cookie, _ := c.do("GET", "/", "")
	re := "srv=" + hexOf(a) + "; expires="
	if !strings.HasPrefix(cookie, re) || !strings.HasSuffix(cookie, "; max-age=3600; domain=.example.com; httponly; secure; samesite=lax; path=/") {
		t.Errorf("cookie: %q", cookie)
	}
	if got := c.seq("/", 3, "Cookie", "srv="+hexOf(b)); got != "b b b" {
		t.Errorf("a cookie of the draining server: %q", got)
	}
	if _, cookie, _ := c.do("GET", "/", "", "Cookie", "srv="+hexOf(b)); !strings.HasPrefix(cookie, "srv="+hexOf(b)+";") {
		t.Errorf("cookie for b: %q", cookie)
	}
	if got := c.seq("/", 2, "Cookie", "srv=junk"); got != "a a" {
		t.Errorf("an unknown cookie: %q", got)
	}

	// route: the first non-empty variable; a down server is not used
	if got := c.seq("/rt?route=rb", 3); got != "b b b" {
		t.Errorf("route by argument: %q", got)
	}
	if got := c.seq("/rt?route=", 2, "Cookie", "route=ra"); got != "a a" {
		t.Errorf("route by cookie: %q", got)
	}
	if st, _, body := c.do("PATCH", "/api/9/http/upstreams/rt/servers/1", `{"down":true}`); st != 200 {
		t.Fatalf("patch: %d %s", st, body)
	}
	if got := c.seq("/rt?route=rb", 2); got != "a a" {
		t.Errorf("route to a down server: %q", got)
	}

	// learn: the session the upstream created sticks to its server
	_, _, first := c.do("GET", "/learn", "")
	other := map[string]string{"a": "b", "b": "a"}[first]
	_, _, second := c.do("GET", "/learn", "")
	if second != other {
		t.Fatalf("learn: round robin gave %q then %q", first, second)
	}
	if got := c.seq("/learn", 3, "Cookie", "sess="+first+"-1"); got != strings.Repeat(first+" ", 2)+first {
		t.Errorf("learned session of %s: %q", first, got)
	}
	if got := c.seq("/learn", 2, "Cookie", "sess="+second+"-1"); got != second+" "+second {
		t.Errorf("learned session of %s: %q", second, got)
	}
}

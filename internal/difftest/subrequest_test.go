package difftest

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func init() {
	// the auth backend's answers, chosen by the request's X-Auth header
	// (proxy_pass .../auth?r=$http_x_auth)
	canned["auth401"] = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"up\"\r\nWWW-Authenticate: Bearer\r\n" +
		"X-User: nobody\r\nContent-Length: 5\r\n\r\nnope\n"
	canned["authok"] = "HTTP/1.1 200 OK\r\nX-User: alice\r\nContent-Length: 3\r\n\r\nok\n"
	canned["auth302"] = "HTTP/1.1 302 Found\r\nLocation: http://x/\r\nX-User: bob\r\nContent-Length: 0\r\n\r\n"
}

// subrequestHTTP is the configuration of TestAuthRequest and
// TestMirror: b0 is the auth and main backend, b1 the mirrors'.
const subrequestHTTP = `
    proxy_http_version 1.0;
    log_format sub '$status "$request" u=$uri a=$args s=$upstream_status m=$request_method au=$au l=$upstream_response_length';
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log sub;
        location /p/ { auth_request /auth; auth_request_set $au $upstream_http_x_user; add_header X-AU $au; proxy_pass http://{{B0}}; }
        location = /auth {
            internal;
            proxy_pass http://{{B0}}/auth?r=$http_x_auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }
        location /s/ { auth_request /auth; auth_request_set $au $upstream_http_x_user; }
        location /ep/ { auth_request /auth; error_page 401 /e401.html; error_page 403 =200 /e403.html; }
        location /any/ { satisfy any; allow 127.0.0.2; deny all; auth_request /auth; }
        location /anyok/ { satisfy any; allow 127.0.0.1; auth_request /auth; }
        location /all/ { deny all; auth_request /auth; }
        location /basic/ { satisfy any; auth_basic x; auth_basic_user_file {{ROOT}}/htpasswd; auth_request /auth; }
        location /basicall/ { auth_basic x; auth_basic_user_file {{ROOT}}/htpasswd; auth_request /auth; }
        location /ret/ { auth_request /nofile; return 200 "before access\n"; }
        location /st/ { auth_request /r204; auth_request_set $au "$status:$uri:$args:$request_method:$request_uri"; add_header X-AU $au; }
        location = /r204 { log_subrequest on; return 204; }
        location = /r302 { return 302 /elsewhere; }
        location /r302/ { auth_request /r302; }
        location /r404/ { auth_request /nofile; }
        location /rdead/ { auth_request /dead; }
        location = /dead { proxy_pass http://127.0.0.1:1; }
        location /named/ { auth_request @n; }
        location @n { return 204; }
        location /redir/ { auth_request /rw; }
        location = /rw { rewrite ^ /r204 last; }
        location /argsset/ { auth_request /r204; auth_request_set $args "x=1"; proxy_pass http://{{B0}}; }
        location /off/ { auth_request off; }
        location /setargs/ { set $args "z=3"; proxy_pass http://{{B0}}; }

        location /m/ { mirror /mir; proxy_pass http://{{B0}}; }
        location /mnb/ { mirror /mir; mirror_request_body off; proxy_pass http://{{B0}}; }
        location = /mir { internal; log_subrequest on; proxy_pass http://{{B1}}/mirror$request_uri; proxy_read_timeout 1s; }
        location /m2/ { mirror /mir; mirror /r204; }
        location /mtf/ { mirror /mir; try_files /nonexist =404; }
        location /mtf2/ { mirror /mir; try_files $uri =404; }
        location /mret/ { mirror /mir; return 200 "x\n"; }
        location /mdeny/ { mirror /mir; deny all; }
        location /mrw/ { mirror /r204; rewrite ^ /m2/f.txt last; }
        location /moff/ { mirror off; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name inh;
        root {{ROOT}};
        access_log logs/access.log sub;
        auth_request /auth;
        mirror /mir;
        location / { }
        location /off/ { auth_request off; mirror off; }
        location = /auth { internal; proxy_pass http://{{B0}}/auth?r=$http_x_auth; proxy_pass_request_body off; proxy_set_header Content-Length ""; }
        location = /mir { internal; log_subrequest on; proxy_pass http://{{B1}}/inh$request_uri; }
    }`

var subrequestFiles = map[string]string{
	"s/f.txt": "s\n", "st/f.txt": "st\n", "ep/f.txt": "ep\n", "any/f.txt": "any\n", "anyok/f.txt": "anyok\n",
	"all/f.txt": "all\n", "basic/f.txt": "basic\n", "basicall/f.txt": "basicall\n", "r302/f.txt": "r302\n",
	"r404/f.txt": "r404\n", "rdead/f.txt": "rdead\n", "named/f.txt": "named\n", "redir/f.txt": "redir\n",
	"off/f.txt": "off\n", "m2/f.txt": "m2\n", "mtf2/f.txt": "mtf2\n", "moff/f.txt": "moff\n", "f.txt": "top\n",
	"e401.html": "custom 401\n", "e403.html": "custom 403\n", "htpasswd": "plain:{PLAIN}secret\n",
}

// TestAuthRequest covers auth_request and auth_request_set against nginx:
// a backend that decides by a header (2xx allows, 401 answers 401 with
// the first WWW-Authenticate, 403 answers 403, anything else is logged
// as an unexpected status and answers 500), the variables evaluated in
// the subrequest ($upstream_http_*, its $status, $uri, $args and
// method) and kept after the auth (also on a refusal), error_page 401 and
// 403, satisfy any and all with allow/deny and auth_basic, a return that
// answers before the access phase, subrequests to a static file, a named
// location (a URI, not a jump), a rewrite, a dead upstream, inheritance
// and off, log_subrequest, and the subrequest's error-log lines.
func TestAuthRequest(t *testing.T) {
	p := newPool(2)
	runProxy(t, p, &site{http: subrequestHTTP, files: subrequestFiles},
		pc(get("allowed", "/p/x?a=1", "X-Auth: authok")),
		pc(get("allowed 204", "/p/x", "X-Auth: s204")),
		pc(get("refused 401", "/p/x", "X-Auth: auth401")),
		pc(get("refused 403", "/p/x", "X-Auth: s403")),
		pc(get("unexpected 500", "/p/x", "X-Auth: s500")),
		pc(get("unexpected 302", "/p/x", "X-Auth: auth302")),
		pc(get("unexpected 404", "/p/x", "X-Auth: s404")),
		pc(postBody("POST body stays for the main request", "/p/x", "hello", "X-Auth: authok")),
		pc(req("HEAD allowed", "HEAD", "/p/x", "X-Auth: authok")),
		pc(get("static allowed", "/s/f.txt", "X-Auth: authok")),
		pc(get("static refused", "/s/f.txt", "X-Auth: auth401")),
		pc(get("error_page 401", "/ep/f.txt", "X-Auth: auth401")),
		pc(get("error_page 403 =200", "/ep/f.txt", "X-Auth: s403")),
		pc(get("error_page allowed", "/ep/f.txt", "X-Auth: authok")),
		pc(get("satisfy any deny and 403", "/any/f.txt", "X-Auth: s403")),
		pc(get("satisfy any deny and 401", "/any/f.txt", "X-Auth: auth401")),
		pc(get("satisfy any deny and allowed", "/any/f.txt", "X-Auth: authok")),
		pc(get("satisfy any deny and 500", "/any/f.txt", "X-Auth: s500")),
		pc(get("satisfy any allow skips the subrequest", "/anyok/f.txt", "X-Auth: s500")),
		pc(get("satisfy all deny first", "/all/f.txt", "X-Auth: authok")),
		pc(get("satisfy any basic fails auth allows", "/basic/f.txt", "X-Auth: authok")),
		pc(get("satisfy any basic fails auth 403", "/basic/f.txt", "X-Auth: s403")),
		pc(get("satisfy any basic ok", "/basic/f.txt", "X-Auth: s403", basic("plain:secret"))),
		pc(get("satisfy all basic then auth", "/basicall/f.txt", "X-Auth: s403", basic("plain:secret"))),
		pc(get("satisfy all basic fails first", "/basicall/f.txt", "X-Auth: authok")),
		pc(get("return before access", "/ret/x")),
		pc(get("subrequest variables", "/st/f.txt?q=1")),
		pc(get("subrequest redirect is unexpected", "/r302/f.txt")),
		pc(get("subrequest to a missing file", "/r404/f.txt")),
		pc(get("subrequest to a dead upstream", "/rdead/f.txt")),
		pc(get("named location is a URI", "/named/f.txt")),
		pc(get("subrequest rewritten", "/redir/f.txt")),
		pc(get("auth_request_set args", "/argsset/x?y=2")),
		pc(get("off", "/off/f.txt")),
		pc(get("set args goes to proxy_pass", "/setargs/x?y=2")),
		pc(get("inherited from server refused", "/f.txt", "Host: inh", "X-Auth: s403")),
		pc(get("inherited from server allowed", "/f.txt", "Host: inh", "X-Auth: authok")),
		pc(get("inherited off", "/off/f.txt", "Host: inh", "X-Auth: s403")),
	)
}

// TestMirror covers mirror and mirror_request_body against nginx: the
// subrequests (the main request's method, args and body, logged with
// log_subrequest, their answers ignored) in the precontent phase after
// try_files (a try_files that answers or redirects fires none), none for
// a return or a refusal, several URIs, inheritance and off; and the
// timing: the main response goes out at once while the mirror is slow,
// the next keep-alive request waits for it, and so does the main
// request's log line.
func TestMirror(t *testing.T) {
	p := newPool(2)
	runProxy(t, p, &site{http: subrequestHTTP, files: subrequestFiles},
		pc(get("GET mirrored", "/m/x?a=1")),
		pc(req("HEAD mirrored", "HEAD", "/m/x")),
		pc(postBody("POST body mirrored", "/m/x", "hello")),
		pc(postChunked("chunked body mirrored", "/m/x", "hel", "lo")),
		pc(get("two mirrors", "/m2/f.txt?b=2")),
		pc(get("try_files answers first", "/mtf/x")),
		pc(get("try_files finds the file", "/mtf2/f.txt")),
		pc(get("return fires none", "/mret/x")),
		pc(get("deny fires none", "/mdeny/x")),
		pc(get("rewrite last then mirrors", "/mrw/x")),
		pc(get("off", "/moff/f.txt")),
		pc(get("inherited from server", "/f.txt", "Host: inh")),
		pc(get("inherited off", "/off/x", "Host: inh")),
	)
}

// TestMirrorTiming measures what a client sees while a mirror's backend
// hangs (proxy_read_timeout 1s): nginx sends the main response at once,
// answers the next request on the keep-alive connection only once the
// mirror timed out, and logs the main request then. A mirror without the
// body (mirror_request_body off) still sends the client's Content-Length,
// so its backend waits for a body that never comes.
func TestMirrorTiming(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	p := newPool(2)
	st := &site{http: subrequestHTTP, files: subrequestFiles, backends: p.addrs}
	ng, we := startPair(t, st)
	for _, name := range []string{"nginx", "weir"} {
		p.set(name).bs[1].setMode(t, modeHang)
	}
	for _, s := range []*server{ng, we} {
		first, second := keepAliveTimes(t, s.addr(0), "GET /m/x HTTP/1.1\r\nHost: localhost\r\n\r\n")
		if first > 500*time.Millisecond || second < 900*time.Millisecond {
			t.Errorf("%s: first response after %v, second after %v; want at once, then after the mirror's 1s", s.name, first, second)
		}
	}
	// weir's second mirror times out a second after nginx's
	time.Sleep(1300 * time.Millisecond)
	compareLogs(t, tc{name: "keep-alive"}, ng, we, nil)
	for _, name := range []string{"nginx", "weir"} {
		p.set(name).bs[1].setMode(t, modeEcho)
	}
	body := postBody("", "/mnb/x", "hello")
	exN, exW := send(body, ng.addr(0)), send(body, we.addr(0))
	if exN.err != exW.err {
		t.Errorf("POST with mirror_request_body off: nginx %q, weir %q", exN.err, exW.err)
	}
	time.Sleep(1300 * time.Millisecond)
	compareLogs(t, tc{name: "mirror without body"}, ng, we, nil)
}

// keepAliveTimes sends two requests on one connection, the second after
// the first response, and returns when each response was complete.
func keepAliveTimes(t *testing.T, addr, request string) (first, second time.Duration) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	start := time.Now()
	var got [2]time.Duration
	for i := range got {
		req := request
		if i == 1 {
			req = strings.Replace(req, "\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
		}
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		n := -1
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("response %d: %v", i, err)
			}
			if v, ok := strings.CutPrefix(strings.ToLower(line), "content-length:"); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
			if line == "\r\n" {
				break
			}
		}
		if _, err := r.Discard(n); err != nil {
			t.Fatalf("response %d body: %v", i, err)
		}
		got[i] = time.Since(start)
	}
	return got[0], got[1]
}

package difftest

import (
	"net"
	"strings"
	"testing"
	"time"
)

// headBackend is a backend that reads each connection's request head
// and calls answer, which writes the response.
func headBackend(t *testing.T, answer func(c net.Conn)) []string {
	return []string{streamBackend(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		if strings.Contains(string(buf[:n]), "\r\n\r\n") {
			answer(c)
		}
	})}
}

// slowBackend answers every request after a pause with a short body.
func slowBackend(pause time.Duration) func(t *testing.T, _ string) []string {
	return func(t *testing.T, _ string) []string {
		return headBackend(t, func(c net.Conn) {
			time.Sleep(pause)
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nslow\n"))
		})
	}
}

// TestSubrequestTime pins $request_time and $upstream_response_time in a
// subrequest's log line (log_subrequest on): nginx measures a
// subrequest's time from its own start (ngx_http_subrequest takes the
// time anew), so an ssi include that waits for the one before it logs
// its own time, not the main request's. The times are logged in buckets
// of 0.3 s (a backend answers after 0.3 s).
func TestSubrequestTime(t *testing.T) {
	runSite(t, &site{
		http: `
    map $request_time $rt { volatile; ~^0\.[0-2] 0; ~^0\.[3-5] 1; ~^0\.[6-8] 2; default more; }
    map $upstream_response_time $urt { volatile; "" none; ~^0\.[0-2] 0; ~^0\.[3-5] 1; ~^0\.[6-8] 2; default more; }
    log_format rt '$status "$request" "$uri" rt=$rt urt=$urt';
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log rt;
        log_subrequest on;
        location /slow/ { proxy_pass http://{{B0}}; }
        location /fast/ { return 200 "fast\n"; }
        location /ssi/ { ssi on; }
        location /auth/ { auth_request /slow/auth; return 200 "ok\n"; }
    }`,
		backends: slowBackend(300 * time.Millisecond),
		files: map[string]string{
			"ssi/wait.html":  `<!--# include virtual="/slow/a" wait="yes" -->[<!--# include virtual="/slow/b" wait="yes" -->]<!--# include virtual="/fast/c" -->` + "\n",
			"ssi/after.html": `<!--# include virtual="/slow/a" wait="yes" -->[<!--# include virtual="/fast/c" -->]` + "\n",
		},
		cases: []tc{
			get("ssi waits: each include its own time", "/ssi/wait.html"),
			get("ssi fast after a slow one", "/ssi/after.html"),
			get("auth_request", "/auth/x"),
		},
	})
}

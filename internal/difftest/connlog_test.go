package difftest

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestConnLog pins which error log the connection's own lines go to
// (nginx's c->log): before a request, the error_log of the default
// server of the address; after one, the error_log of the location the
// request ended in (ngx_http_update_location_config), which the
// keep-alive wait keeps, so "client ... closed keepalive connection" is
// written (or not, by its level) there. The next request starts over on
// the default server's. The main log is at info; /quiet/ logs at crit
// into another file, so its keep-alive line must not show in the main
// log; the default server logs into srv.log (compared at the end).
func TestConnLog(t *testing.T) {
	const ka = "Connection: keep-alive"
	runSite(t, &site{
		http: `client_header_timeout 1s;
    server {
        listen 127.0.0.1:{{PORT}};
        error_log logs/srv.log info;
        location /loud/ { error_log logs/error.log info; return 200 "loud\n"; }
        location /quiet/ { error_log logs/loc.log crit; return 200 "quiet\n"; }
        location /toquiet/ { error_log logs/error.log info; error_page 404 /quiet/x; return 404; }
        location /toloud/ { error_log logs/loc.log crit; error_page 404 /loud/x; return 404; }
        location / { return 200 "srv\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        location / { error_log logs/loc.log crit; return 200 "other\n"; }
    }`,
		cases: []tc{
			get("loud keep-alive", "/loud/x", ka),
			get("quiet keep-alive", "/quiet/x", ka),
			get("server level keep-alive", "/x", ka),
			rawN("loud then quiet", 2, "GET /loud/a HTTP/1.1\r\nHost: x\r\n\r\nGET /quiet/b HTTP/1.1\r\nHost: x\r\n\r\n").keep(),
			rawN("quiet then loud", 2, "GET /quiet/a HTTP/1.1\r\nHost: x\r\n\r\nGET /loud/b HTTP/1.1\r\nHost: x\r\n\r\n").keep(),
			get("error_page into quiet", "/toquiet/x", ka),
			get("error_page into loud", "/toloud/x", ka),
			raw("no request: the default server's log", ""),
			get("main log server keep-alive", "/x", ka).onPort2(),
			raw("main log server: no request", "").onPort2(),
			rawN("quiet then bad request", 2, "GET /quiet/a HTTP/1.1\r\nHost: x\r\n\r\nBAD\r\n\r\n"),
		},
		after: func(t *testing.T, ng, we *server) {
			// a reset after a response: "closed keepalive connection
			// (104: ...)" in the location's log
			for _, uri := range []string{"/loud/r", "/quiet/r"} {
				for _, s := range []*server{ng, we} {
					resetAfterResponse(t, s.addr(0), uri)
				}
				compareLogs(t, tc{name: "reset " + uri}, ng, we, nil)
			}
			sameLogFiles(t, ng, we, "srv.log", "loc.log")
		},
	})
}

// resetAfterResponse sends a keep-alive GET, reads the response and
// resets the connection (SO_LINGER 0).
func resetAfterResponse(t *testing.T, addr, uri string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("GET " + uri + " HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// sameLogFiles compares whole error-log files other than the main one,
// normalised as the main one is.
func sameLogFiles(t *testing.T, ng, we *server, files ...string) {
	t.Helper()
	time.Sleep(100 * time.Millisecond)
	for _, f := range files {
		read := func(s *server) []string {
			var off int64
			if _, err := os.Stat(filepath.Join(s.prefix, "logs", f)); err != nil {
				return []string{"[no file]"}
			}
			return normError(s.newLines(f, &off), s)
		}
		n, w := read(ng), read(we)
		if !equalLines(n, w) {
			t.Errorf("%s differs:%s", f, sideBySide(n, w, "nginx", "weir"))
		}
	}
}

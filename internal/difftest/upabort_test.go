package difftest

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUpstreamClientAbort: a client that closes its connection while a
// proxied body is on its way, between the upstream's slow parts. nginx's
// ngx_http_upstream_check_broken_connection sees the close at once on
// the client's read event (EPOLLRDHUP) and ends the answer: '[info]
// epoll_wait() reported that client prematurely closed connection, so
// upstream connection is closed too', with the reset's error when the
// client reset ('(104: Connection reset by peer)'), in the action of the
// upstream's last step; the log has 499 when nothing reached the client
// (a buffered answer's header waits for its first buffer) and the status
// otherwise, with what was read from the upstream until then. With
// proxy_ignore_client_abort the close is seen at the next write, which
// fails ('writev() failed ... while sending to client' buffered, 'while
// reading upstream' not) and ends the answer all the same. Each client
// reads until it has some bytes, waits while the upstream pauses, and
// closes (a reset when bytes are left unread).
func TestUpstreamClientAbort(t *testing.T) {
	type leave struct {
		name, uri string
		read      int           // bytes to read before the wait
		wait      time.Duration // then the close
		settle    time.Duration // until both have logged
		known     string
	}
	slow := "n=20&d=100&first=100"  // 100 bytes, then 16 KiB every 100 ms
	late := "n=3&d=300&first=0"     // the header, then 16 KiB every 300 ms
	stall := "n=0&hd=400&first=100" // the header after 400 ms
	leaves := []leave{
		{"buffered reset", "/b/x?" + slow, 500, 30 * time.Millisecond, 200 * time.Millisecond, ""},
		{"unbuffered reset", "/u/x?" + slow, 500, 30 * time.Millisecond, 200 * time.Millisecond, ""},
		{"buffered nothing sent", "/b/x?" + late, 0, 100 * time.Millisecond, 200 * time.Millisecond, ""},
		{"unbuffered header sent", "/u/x?" + late, 1, 100 * time.Millisecond, 200 * time.Millisecond, ""},
		{"ignore buffered", "/ib/x?" + slow, 500, 30 * time.Millisecond, 300 * time.Millisecond, ""},
		{"ignore unbuffered", "/iu/x?" + slow, 500, 30 * time.Millisecond, 300 * time.Millisecond, ""},
		{"kept upstream reset", "/k/x?" + slow, 500, 30 * time.Millisecond, 200 * time.Millisecond, ""},
		{"before the header", "/b/x?" + stall, 0, 100 * time.Millisecond, 500 * time.Millisecond, ""},
	}
	runSite(t, &site{
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status ubr=$upstream_bytes_received url=$upstream_response_length"';
    upstream kept { server {{B0}}; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        location /b/ { proxy_pass http://{{B0}}; }
        location /u/ { proxy_pass http://{{B0}}; proxy_buffering off; }
        location /ib/ { proxy_pass http://{{B0}}; proxy_ignore_client_abort on; }
        location /iu/ { proxy_pass http://{{B0}}; proxy_buffering off; proxy_ignore_client_abort on; }
        location /k/ { proxy_pass http://kept; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }`,
		backends: func(t *testing.T, name string) []string {
			return []string{serveConns(t, slowAnswer)}
		},
		cases: []tc{get("start", "/b/x?n=0&first=10")},
		after: func(t *testing.T, ng, we *server) {
			for _, l := range leaves {
				leaveBoth(t, ng, we, l.name, l.known, l.settle, func(s *server) { leavingClient(t, s.addr(0), l.uri, l.read, l.wait) })
			}
		},
	})
}

// leaveBoth runs a client that leaves against both servers at once,
// waits settle for their lines, and compares the logs as the case name
// (skipped when known says why they differ).
func leaveBoth(t *testing.T, ng, we *server, name, known string, settle time.Duration, client func(s *server)) {
	if known != "" {
		t.Run(name, func(t *testing.T) { t.Skip("known: " + known) })
		return
	}
	var wg sync.WaitGroup
	for _, s := range []*server{ng, we} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client(s)
		}()
	}
	wg.Wait()
	time.Sleep(settle)
	t.Run(name, func(t *testing.T) { compareLogs(t, tc{name: name}, ng, we, nil) })
}

// leavingClient sends a GET for uri, reads until it has read bytes (or
// the connection ends), waits, and closes.
func leavingClient(t *testing.T, addr, uri string, read int, wait time.Duration) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", uri)
	b := make([]byte, 1024)
	for got := 0; got < read; {
		n, err := c.Read(b)
		got += n
		if err != nil {
			break
		}
	}
	time.Sleep(wait)
}

// slowAnswer answers each request on a connection as its arguments say:
// the header after hd ms, then first bytes, then n parts of 16 KiB d ms
// apart, all announced by a Content-Length.
func slowAnswer(c net.Conn) {
	eachRequest(c, func(_ int, req *rawRequest, _ *bufio.Reader) bool {
		arg := func(k string) int {
			v, _ := strconv.Atoi(queryArg(req, k))
			return v
		}
		n, d, first := arg("n"), time.Duration(arg("d"))*time.Millisecond, arg("first")
		time.Sleep(time.Duration(arg("hd")) * time.Millisecond)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s", first+n*16384, strings.Repeat("a", first))
		for j := 0; j < n; j++ {
			time.Sleep(d)
			if _, err := c.Write([]byte(strings.Repeat("b", 16384))); err != nil {
				return false
			}
		}
		return true
	})
}

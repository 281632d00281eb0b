package difftest

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// sleepPHP sleeps for ?s= seconds before it answers: a slow script.
const sleepPHP = `<?php
sleep((int)($_GET["s"] ?? 5));
echo "slept\n";
`

// TestUpstreamClientAbortHeader: a client that leaves before the
// upstream's response header has come, while nginx connects to the
// upstream, or waits for its answer. nginx's
// ngx_http_upstream_check_broken_connection (the client's read event,
// EPOLLRDHUP, set from ngx_http_upstream_init on) ends the request at
// once: '[info] epoll_wait() reported that client prematurely closed
// connection, so upstream connection is closed too while connecting to
// upstream|reading response header from upstream' (with the reset's
// error when the client reset), the upstream connection closed (a
// PHP-FPM worker's request aborted), 499 in the access log. Over TLS the
// same. On an HTTP/2 stream the client's RST_STREAM is logged as it
// comes ('client canceled stream 1 while reading response header from
// upstream') and the request ends with 499 and no line of its own; a
// connection that closes ends its streams likewise. With
// proxy_ignore_client_abort the upstream's answer is waited for and
// logged with its status.
func TestUpstreamClientAbortHeader(t *testing.T) {
	files := testPKI(t)
	files["s.php"] = sleepPHP
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	type leave struct {
		name   string
		run    func(addr func(int) string) // the client: sends, waits, leaves
		settle time.Duration               // until both have logged
		known  string
	}
	stall := "/b/x?n=0&hd=1500&first=10" // the header after 1.5 s
	h1 := func(uri string, how leaveHow) func(func(int) string) {
		return func(addr func(int) string) { leaveEarly(t, addr(0), "GET", uri, "", false, how) }
	}
	post := func(uri, body string) func(func(int) string) {
		return func(addr func(int) string) { leaveEarly(t, addr(0), "POST", uri, body, false, leaveClose) }
	}
	h1tls := func(uri string) func(func(int) string) {
		return func(addr func(int) string) { leaveEarly(t, addr(1), "GET", uri, "", true, leaveClose) }
	}
	h2 := func(sc *h2script) func(func(int) string) {
		return func(addr func(int) string) { runH2Script(addr(1), true, sc) }
	}
	leaves := []leave{
		{name: "close while the header waits", run: h1(stall, leaveClose), settle: 300 * time.Millisecond},
		{name: "reset while the header waits", run: h1(stall, leaveReset), settle: 300 * time.Millisecond},
		// weir's first read of a new connection has the idle wait's
		// deadline (200 ms); a watch that inherited it ended then, and
		// missed a close that came later
		{name: "close after 600 ms while the header waits", run: h1(stall, leaveCloseLate), settle: 300 * time.Millisecond},
		{name: "close after 600 ms after a body", run: func(addr func(int) string) {
			leaveEarly(t, addr(0), "POST", stall, "0123456789", false, leaveCloseLate)
		}, settle: 300 * time.Millisecond},
		{name: "close while connecting", run: h1("/hole/x", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while php sleeps", run: h1("/php/s.php?s=5", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while the upstream's TLS handshake waits", run: h1("/hs/x", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while the header waits, unbuffered", run: h1("/u/x?n=0&hd=1500&first=10", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while a kept upstream thinks", run: h1("/k/x?n=0&hd=1500&first=10", leaveClose), settle: 300 * time.Millisecond},
		{name: "kept upstream after", run: h1("/k/x?n=0&first=10", leaveRead), settle: 100 * time.Millisecond},
		{name: "close after a body", run: post("/b/x?n=0&hd=1500&first=10", "0123456789"), settle: 300 * time.Millisecond},
		{name: "close after a streamed body", run: post("/rb/x?n=0&hd=1500&first=10", "0123456789"), settle: 300 * time.Millisecond},
		{name: "close while scgi waits", run: h1("/scgi/x", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while uwsgi waits", run: h1("/uwsgi/x", leaveClose), settle: 300 * time.Millisecond},
		{name: "close while memcached waits", run: h1("/mc/x", leaveClose), settle: 300 * time.Millisecond},
		{name: "tls close while the header waits", run: h1tls(stall), settle: 300 * time.Millisecond},
		{name: "ignore_client_abort", run: h1("/i/x?n=0&hd=600&first=10", leaveHalf), settle: 900 * time.Millisecond},
		{name: "ignore_client_abort, the client gone", run: h1("/i/x?n=0&hd=600&first=10", leaveClose), settle: 900 * time.Millisecond},
		{name: "h2 reset while the header waits", run: h2(script(hdrs(1, true, stall), sleep(200), rst(1, http2.ErrCodeCancel))), settle: 300 * time.Millisecond},
		{name: "h2 reset while php sleeps", run: h2(script(hdrs(1, true, "/php/s.php?s=5"), sleep(200), rst(1, http2.ErrCodeInternal))), settle: 300 * time.Millisecond},
		{name: "h2 connection closes while the header waits", run: func(addr func(int) string) { h2Leave(t, addr(1), stall) }, settle: 300 * time.Millisecond},
	}
	runSite(t, &site{
		files: files,
		http: `
    log_format up '$status "$request" $body_bytes_sent "us=$upstream_status ubr=$upstream_bytes_received url=$upstream_response_length"';
    upstream kept { server {{B0}}; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} ssl http2;
        ssl_certificate {{ROOT}}/pki/srv-ec.crt;
        ssl_certificate_key {{ROOT}}/pki/srv-ec.key;
        server_name localhost;
        root {{ROOT}};
        access_log logs/access.log up;
        location /b/ { proxy_pass http://{{B0}}; }
        location /u/ { proxy_pass http://{{B0}}; proxy_buffering off; }
        location /i/ { proxy_pass http://{{B0}}; proxy_ignore_client_abort on; }
        location /k/ { proxy_pass http://kept; proxy_http_version 1.1; proxy_set_header Connection ""; }
        location /rb/ { proxy_pass http://{{B0}}; proxy_request_buffering off; }
        location /scgi/ { scgi_pass {{B3}}; }
        location /uwsgi/ { uwsgi_pass {{B3}}; }
        location /mc/ { set $memcached_key $uri; memcached_pass {{B3}}; }
        location /hole/ { proxy_pass http://{{B1}}; proxy_connect_timeout 3s; }
        location /hs/ { proxy_pass https://{{B3}}; proxy_connect_timeout 3s; }
        location /php/ {
            ` + fcgiParams + `
            fastcgi_param SCRIPT_FILENAME $document_root/s.php;
            fastcgi_pass {{B2}};
        }
    }`,
		backends: func(t *testing.T, name string) []string {
			hole := &backend{name: "hole", addr: deadAddr(t)}
			hole.blackhole(t)
			t.Cleanup(func() {
				for _, c := range hole.holeFill {
					c.Close()
				}
				if hole.hole > 0 {
					syscall.Close(hole.hole)
				}
			})
			return []string{serveConns(t, slowAnswer), hole.addr, fpm, serveConns(t, holdConn)}
		},
		cases: []tc{get("start", "/b/x?n=0&first=10"), get("kept start", "/k/x?n=0&first=10")},
		after: func(t *testing.T, ng, we *server) {
			for _, l := range leaves {
				leaveBoth(t, ng, we, l.name, l.known, l.settle, func(s *server) { l.run(s.addr) })
			}
		},
	})
}

// holdConn reads what comes and never answers, until the peer closes
// (or 10 s pass).
func holdConn(c net.Conn) {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	b := make([]byte, 4096)
	for {
		if _, err := c.Read(b); err != nil {
			return
		}
	}
}

// leaveHow is how leaveEarly's client leaves.
type leaveHow int

const (
	leaveClose     leaveHow = iota // closes after 200 ms
	leaveReset                     // resets after 200 ms
	leaveHalf                      // half-closes after 200 ms and reads the answer
	leaveRead                      // reads the answer
	leaveCloseLate                 // closes after 600 ms
)

// leaveEarly sends a request for uri with body (over TLS when tlsOn),
// waits 200 ms without reading, and leaves as how says.
func leaveEarly(t *testing.T, addr, method, uri, body string, tlsOn bool, how leaveHow) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	var c net.Conn = nc
	if tlsOn {
		tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
		tc.SetDeadline(time.Now().Add(3 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Error(err)
			nc.Close()
			return
		}
		c = tc
	}
	if body != "" {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", method, uri, len(body), body)
	} else {
		fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", method, uri)
	}
	defer c.Close()
	switch how {
	case leaveRead:
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.Copy(io.Discard, c)
		return
	case leaveHalf:
		time.Sleep(200 * time.Millisecond)
		nc.(*net.TCPConn).CloseWrite()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		io.Copy(io.Discard, c)
		return
	}
	if how == leaveCloseLate {
		time.Sleep(400 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	if how == leaveReset {
		nc.(*net.TCPConn).SetLinger(0)
	}
}

// h2Leave opens an HTTP/2 connection over TLS, sends a GET for uri, waits
// 200 ms and closes the connection.
func h2Leave(t *testing.T, addr, uri string) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", NextProtos: []string{"h2"}})
	tc.SetDeadline(time.Now().Add(3 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Error(err)
		nc.Close()
		return
	}
	defer tc.Close()
	fr := http2.NewFramer(tc, tc)
	tc.Write([]byte(http2.ClientPreface))
	fr.WriteSettings()
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, kv := range hdrs(1, true, uri).fields {
		enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
	}
	fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
	time.Sleep(200 * time.Millisecond)
}

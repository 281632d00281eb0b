package difftest

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Stream module (TCP load balancing): each case connects to one stream
// listener, talks to it, and what it received, the access-log line and
// the error-log lines (at info) are compared with nginx's.

// streamEcho is a TCP backend that echoes what it reads, 50ms later
// (so that a client's end of input reaches the proxy first), and once the
// client has finished sending, closes its side too.
func streamEcho(t *testing.T) string {
	return streamBackend(t, func(c net.Conn) {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				time.Sleep(50 * time.Millisecond)
				c.Write(buf[:n])
			}
			if err != nil {
				break
			}
		}
		c.(*net.TCPConn).CloseWrite()
		io.Copy(io.Discard, c)
	})
}

// streamBackend serves each connection with f on its own goroutine.
func streamBackend(t *testing.T, f func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				f(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// streamCase is one conversation: the listener ({{Ln}}, the n-th of the
// listen ports) and what the client does.
type streamCase struct {
	name   string
	listen int
	// send is written first; with closeWrite the client then shuts its
	// writing side; wait is how long the client waits for data after
	// that before it reads what came and closes.
	send       string
	closeWrite bool
	wait       time.Duration
	// readN, when set, reads that many bytes before closeWrite
	readN int
	// udp, when set, makes the case a UDP client: each datagram is sent
	// 30ms after the previous one, then the answers are read until none
	// has come for wait (400ms without)
	udp []string
	// talk, when set, is the whole conversation on the connection; it
	// returns what the client saw
	talk func(c net.Conn) string
}

const streamListens = 8

// streamSite makes a site whose backends are the echo backend {{B0}}, a
// greeting backend {{B1}} (sends a line and closes), a closed port {{B2}},
// then the listen ports {{B3}}... (B3PORT, ...) of the stream servers.
func streamSite(stream string) *site {
	return &site{
		http:   "",
		stream: stream,
		backends: func(t *testing.T, name string) []string {
			greet := streamBackend(t, func(c net.Conn) { io.WriteString(c, "220 ready\r\n") })
			ports := freePorts(t, 1+streamListens)
			out := []string{streamEcho(t), greet, fmt.Sprintf("127.0.0.1:%d", ports[0])}
			for _, p := range ports[1:] {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
}

func runStream(t *testing.T, st *site, cases []streamCase) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	if _, err := os.Stat("/usr/lib/nginx/modules/ngx_stream_module.so"); err != nil {
		t.Skip("nginx's stream module is not installed (libnginx-mod-stream)")
	}
	t.Parallel()
	ng, we := startPair(t, st)
	t.Run("startup error log", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := ng.normalizer().Replace(streamTalk(ng, c))
			w := we.normalizer().Replace(streamTalk(we, c))
			if n != w {
				t.Errorf("client saw:\nnginx: %q\nweir:  %q", n, w)
			}
			compareLogs(t, tc{name: c.name}, ng, we, nil)
		})
	}
}

// streamTalk runs c against s and returns what the client saw.
func streamTalk(s *server, c streamCase) string {
	addr := s.backends[3+c.listen]
	if c.udp != nil {
		return udpTalk(addr, c)
	}
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if c.talk != nil {
		return c.talk(conn)
	}
	var got strings.Builder
	if c.send != "" {
		io.WriteString(conn, c.send)
	}
	if c.readN > 0 {
		buf := make([]byte, c.readN)
		n, err := io.ReadFull(conn, buf)
		got.Write(buf[:n])
		if err != nil {
			got.WriteString(" [" + shortErr(err.Error()) + "]")
			return got.String()
		}
	}
	if c.closeWrite {
		conn.(*net.TCPConn).CloseWrite()
	}
	if c.wait > 0 {
		time.Sleep(c.wait)
	}
	b, err := io.ReadAll(conn)
	got.Write(b)
	if err != nil {
		got.WriteString(" [" + shortErr(err.Error()) + "]")
	} else {
		got.WriteString(" [eof]")
	}
	return got.String()
}

func TestStreamProxy(t *testing.T) {
	st := streamSite(`
    log_format s '$remote_addr $protocol $status $bytes_sent $bytes_received "$upstream_addr" "$upstream_bytes_sent" "$upstream_bytes_received" $connection $server_addr $server_port';
    access_log logs/access.log s;
    upstream failover { server {{B2}}; server {{B0}}; }
    upstream down { server {{B0}} down; }
    server { listen {{B3}}; proxy_pass {{B0}}; }
    server { listen {{B4}}; proxy_pass failover; }
    server { listen {{B5}}; proxy_pass {{B2}}; }
    server { listen {{B6}}; proxy_pass {{B1}}; }
    server { listen {{B7}}; proxy_pass {{B0}}; proxy_half_close on; }
    server { listen {{B8}}; proxy_pass down; }
    server { listen {{B9}}; return "hello $remote_addr $protocol $server_port\n"; }
    server { listen {{B10}}; proxy_pass {{B0}}; proxy_timeout 300ms; }
`)
	runStream(t, st, []streamCase{
		{name: "echo, the client closes", listen: 0, send: "hello", readN: 5, closeWrite: true},
		{name: "half close off: the answer is lost", listen: 0, send: "hello", closeWrite: true},
		{name: "failover to the next server", listen: 1, send: "ping", readN: 4, closeWrite: true},
		{name: "the failed server is skipped now", listen: 1, send: "ping", readN: 4, closeWrite: true},
		{name: "connection refused: 502", listen: 2},
		{name: "the upstream closes first", listen: 3, wait: 100 * time.Millisecond},
		{name: "half close on: the answer comes back", listen: 4, send: "both ways", closeWrite: true},
		{name: "no live upstreams", listen: 5},
		{name: "return", listen: 6},
		{name: "proxy_timeout", listen: 7, send: "idle", readN: 4},
	})
}

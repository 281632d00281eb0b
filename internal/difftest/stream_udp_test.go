package difftest

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// Stream module, UDP: datagram sessions (listen ... udp, proxy_responses,
// proxy_requests, proxy_timeout) compared with nginx: the datagrams the
// client gets back, the access-log lines and the error-log lines.

// udpEcho is a UDP backend answering each datagram with "echo:" and the
// datagram: twice for one starting with "two", never for "none".
func udpEcho(t *testing.T) string {
	return udpBackend(t, func(pc net.PacketConn, d []byte, from net.Addr) {
		times := 1
		switch {
		case strings.HasPrefix(string(d), "two"):
			times = 2
		case strings.HasPrefix(string(d), "none"):
			times = 0
		}
		for i := 0; i < times; i++ {
			pc.WriteTo([]byte("echo:"+string(d)), from)
		}
	})
}

// udpBackend serves each datagram with f on a UDP port of 127.0.0.1.
func udpBackend(t *testing.T, f func(pc net.PacketConn, d []byte, from net.Addr)) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			f(pc, buf[:n], from)
		}
	}()
	return pc.LocalAddr().String()
}

// udpSite makes a site whose backends are the UDP echo {{B0}}, a UDP
// port nothing listens on {{B1}}, the TCP echo {{B2}}, then the listen
// ports {{B3}}... of the stream servers.
func udpSite(stream string) *site {
	return &site{
		stream: stream,
		backends: func(t *testing.T, name string) []string {
			ports := freePorts(t, 1+streamListens)
			out := []string{udpEcho(t), fmt.Sprintf("127.0.0.1:%d", ports[0]), streamEcho(t)}
			for _, p := range ports[1:] {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
}

// udpTalk sends c's datagrams to addr from one socket and returns the
// answers, each quoted.
func udpTalk(addr string, c streamCase) string {
	conn, err := net.Dial("udp", addr)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer conn.Close()
	for i, d := range c.udp {
		if i > 0 {
			time.Sleep(30 * time.Millisecond)
		}
		conn.Write([]byte(d))
	}
	wait := c.wait
	if wait == 0 {
		wait = 400 * time.Millisecond
	}
	var got []string
	buf := make([]byte, 65536)
	// the first answer may take a loaded machine a while: more time for
	// it than for the ones after (a case that gets none pays it)
	first := wait + time.Second
	for {
		conn.SetReadDeadline(time.Now().Add(first))
		first = wait
		n, err := conn.Read(buf)
		if err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				got = append(got, "["+shortErr(err.Error())+"]")
			}
			break
		}
		got = append(got, fmt.Sprintf("%q", buf[:n]))
	}
	return strings.Join(got, " ")
}

func TestStreamUDP(t *testing.T) {
	st := udpSite(`
    log_format s '$remote_addr $protocol $status $bytes_sent $bytes_received "$upstream_addr" "$upstream_bytes_sent" "$upstream_bytes_received" $connection $server_addr $server_port';
    access_log logs/access.log s;
    proxy_timeout 200ms;
    upstream two { server {{B0}}; server {{B0}}; }
    server { listen {{B3}} udp; proxy_pass {{B0}}; }
    server { listen {{B4}} udp; proxy_pass {{B0}}; proxy_responses 1; }
    server { listen {{B5}} udp; proxy_pass {{B0}}; proxy_responses 2; }
    server { listen {{B6}} udp; proxy_pass {{B1}}; proxy_responses 1; }
    server { listen {{B7}} udp; proxy_pass {{B0}}; proxy_requests 2; proxy_responses 1; }
    server { listen {{B8}} udp; return "hi $protocol $remote_addr\n"; }
    server { listen {{B9}} udp; proxy_pass two; proxy_responses 0; }
    server { listen {{B10}} udp reuseport; listen {{B10}}; proxy_pass {{B0}}; proxy_responses 1; }
`)
	runStream(t, st, []streamCase{
		{name: "no proxy_responses: the session times out", listen: 0, udp: []string{"a", "b"}},
		{name: "proxy_responses 1: one session per datagram", listen: 1, udp: []string{"a", "b"}},
		{name: "proxy_responses 2", listen: 2, udp: []string{"two", "b"}},
		{name: "too few answers: upstream timed out", listen: 2, udp: []string{"none"}},
		{name: "refused port: recv() failed", listen: 3, udp: []string{"a"}},
		{name: "proxy_requests 2", listen: 4, udp: []string{"a", "b", "c"}},
		{name: "return", listen: 5, udp: []string{"x"}},
		{name: "proxy_responses 0: done at once", listen: 6, udp: []string{"a"}},
		{name: "udp and tcp on one port: udp", listen: 7, udp: []string{"u"}},
		{name: "udp and tcp on one port: tcp (refused by the udp backend)", listen: 7},
	})
}

package difftest

import (
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
)

// Stream module: the end of a TCP session whose backend sends its last
// data and closes at once (the data and the end in one segment) while
// the client closes as soon as it has the data. nginx handles the
// upstream's event (the data, then the end read at once) before the
// client's end arrives: "upstream disconnected", every time.

// corkedBackend writes a line and closes with TCP_CORK on, so that the
// line and the FIN leave together.
func corkedBackend(t *testing.T) string {
	return streamBackend(t, func(c net.Conn) {
		if rc, err := c.(*net.TCPConn).SyscallConn(); err == nil {
			rc.Control(func(fd uintptr) {
				syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1)
			})
		}
		io.WriteString(c, "220 ready\r\n")
	})
}

func TestStreamEndRace(t *testing.T) {
	st := &site{
		stream: `
    log_format s '$status $bytes_sent $bytes_received $upstream_bytes_received';
    access_log logs/access.log s;
    server { listen {{B3}}; proxy_pass {{B0}}; }
`,
		backends: func(t *testing.T, name string) []string {
			out := []string{corkedBackend(t)}
			for _, p := range freePorts(t, 3) {
				out = append(out, fmt.Sprintf("127.0.0.1:%d", p))
			}
			return out
		},
	}
	talk := func(c net.Conn) string {
		buf := make([]byte, 11)
		if _, err := io.ReadFull(c, buf); err != nil {
			return "read: " + shortErr(err.Error())
		}
		return string(buf)
	}
	var cases []streamCase
	for i := 0; i < 20; i++ {
		cases = append(cases, streamCase{name: fmt.Sprintf("last data and close, %d", i), listen: 0, talk: talk})
	}
	runStream(t, st, cases)
}

// Package testnet gives tests loopback ports for the servers they start.
package testnet

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreePorts returns n loopback ports that were free a moment ago, for a
// server's listeners (or for addresses nothing must listen on). They are
// chosen below the kernel's ephemeral range when it leaves room: a port of
// that range, free when chosen, can be taken by any outgoing connection or
// bind to port 0 (the tests' many backends and clients) before the server
// binds it, which then fails with "Address already in use". No port is
// handed out twice in one test binary: two servers compared side by side
// get their sets at different moments, and a port of one set reused in the
// other makes one server talk to the other's listener. Nor twice to test
// binaries that run at once (go test runs packages in parallel): each port
// handed out is claimed by a lock on a shared file until the binary exits
// (claim), so that one package's probe of a port (a listen and a close)
// cannot reset a connection another package's server makes to its own
// address that nothing listens on, nor take a port it handed out.
func FreePorts(tb testing.TB, n int) []int {
	tb.Helper()
	givenMu.Lock()
	defer givenMu.Unlock()
	var ports []int
	for tries := 0; len(ports) < n; tries++ {
		if tries > 100*n {
			tb.Fatal("testnet: no free port found")
		}
		port, err := pick()
		if err != nil {
			tb.Fatal(err)
		}
		if given[port] || !claim(port) || !free(port) {
			continue
		}
		given[port] = true
		ports = append(ports, port)
	}
	return ports
}

// FreePort returns one port as FreePorts does.
func FreePort(tb testing.TB) int {
	tb.Helper()
	return FreePorts(tb, 1)[0]
}

// DeadAddr returns a loopback address nothing listens on, for a server
// whose connections are refused: a port FreePorts hands out, which no other
// test (of this binary or another) is given, so nothing comes to listen on
// it while the test runs.
func DeadAddr(tb testing.TB) string {
	tb.Helper()
	return FreeAddr(tb)
}

// FreeAddr returns "127.0.0.1:port" for a port FreePort returns.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	return fmt.Sprintf("127.0.0.1:%d", FreePort(tb))
}

// Listen returns a TCP listener on 127.0.0.1 at a port FreePort returns,
// for a test's own server. A port free when checked can still be taken
// before the bind (by a process outside the claims, or a connection whose
// local port the kernel chose where the ephemeral range reaches into the
// quiet one), so a bind that fails for that reason takes the next port.
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	return listenFirst(tb, func() string { return FreeAddr(tb) })
}

// listenFirst binds the first of the addresses next gives that is not in
// use, trying up to 20.
func listenFirst(tb testing.TB, next func() string) net.Listener {
	tb.Helper()
	var err error
	for range 20 {
		var ln net.Listener
		ln, err = net.Listen("tcp", next())
		if err == nil {
			return ln
		}
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	tb.Fatal(err)
	return nil
}

var (
	givenMu sync.Mutex
	given   = map[int]bool{}
	rnd     = rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	// below the ephemeral range: [low, low+span)
	low, span = quietRange()
)

// quietRange reads the kernel's ephemeral range and returns the 12000
// ports below it, or 0, 0 when there is no room (ports then come from a
// bind to port 0).
func quietRange() (int, int) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0, 0
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 0, 0
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo-12000 < 10000 {
		return 0, 0
	}
	return lo - 12000, 12000
}

// pick returns a candidate: a random port of the quiet range, or one the
// kernel picks.
func pick() (int, error) {
	if span > 0 {
		return low + rnd.IntN(span), nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// free reports whether port can be bound on 127.0.0.1 for TCP and UDP
// (stream servers listen on both).
func free(port int) bool {
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

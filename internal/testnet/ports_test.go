package testnet

import (
	"net"
	"strconv"
	"testing"
)

func TestFreePorts(t *testing.T) {
	seen := map[int]bool{}
	for i := 0; i < 5; i++ {
		for _, p := range FreePorts(t, 4) {
			if seen[p] {
				t.Fatalf("port %d handed out twice", p)
			}
			seen[p] = true
			if span > 0 && (p < low || p >= low+span) {
				t.Fatalf("port %d outside the quiet range %d-%d", p, low, low+span-1)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				t.Fatalf("port %d is not free: %v", p, err)
			}
			ln.Close()
		}
	}
}

// TestListenSkipsTakenPort: a port taken between its check and the bind
// does not fail the test; the next one is bound.
func TestListenSkipsTakenPort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addrs := []string{taken.Addr().String(), FreeAddr(t)}
	i := 0
	ln := listenFirst(t, func() string { i++; return addrs[i-1] })
	defer ln.Close()
	if got := ln.Addr().String(); got != addrs[1] {
		t.Fatalf("bound %s, want %s", got, addrs[1])
	}
	if ln := Listen(t); ln == nil {
		t.Fatal("Listen gave no listener")
	} else {
		ln.Close()
	}
}

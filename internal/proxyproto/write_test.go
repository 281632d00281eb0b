package proxyproto

import (
	"net/netip"
	"testing"
)

func TestV1(t *testing.T) {
	for _, tc := range []struct {
		client, local string
		want          string
	}{
		{"127.0.0.1:5555", "127.0.0.1:80", "PROXY TCP4 127.0.0.1 127.0.0.1 5555 80\r\n"},
		{"[::1]:5555", "[::1]:80", "PROXY TCP6 ::1 ::1 5555 80\r\n"},
		{"[::ffff:10.0.0.1]:5555", "[::ffff:10.0.0.2]:80", "PROXY TCP6 ::ffff:10.0.0.1 ::ffff:10.0.0.2 5555 80\r\n"},
		{"", "", "PROXY UNKNOWN\r\n"},
	} {
		var c, l netip.AddrPort
		if tc.client != "" {
			c, l = netip.MustParseAddrPort(tc.client), netip.MustParseAddrPort(tc.local)
		}
		if got := string(V1(c, l)); got != tc.want {
			t.Errorf("%s %s: got %q, want %q", tc.client, tc.local, got, tc.want)
		}
	}
	// the header the stream module reads back
	if h, n, _ := Parse(V1(netip.MustParseAddrPort("192.0.2.1:1"), netip.MustParseAddrPort("192.0.2.2:2"))); h == nil || n <= 0 || h.SrcAddr != "192.0.2.1" || h.DstPort != 2 {
		t.Errorf("parsed back: %+v %d", h, n)
	}
}

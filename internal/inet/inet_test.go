package inet

import (
	"net/netip"
	"testing"
)

// TestParseAddrPort pins ngx_parse_addr_port's forms, as nginx 1.22's
// realip module took them from X-Forwarded-For (checked with
// $remote_addr and $remote_port).
func TestParseAddrPort(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string // Ntop of the address, ":port" when one; "" for refused
	}{
		{"1.2.3.4", "1.2.3.4"},
		{"1.2.3.4:8080", "1.2.3.4:8080"},
		{"01.2..4", "1.2.0.4"},
		{"255.255.255.255", ""},
		{"1.2.3.4:0", ""},
		{"1.2.3.4:65536", ""},
		{"1.2.3.256", ""},
		{"1.2.3", ""},
		{"unknown", ""},
		{"", ""},
		{"2001:DB8::1", "2001:db8::1"},
		{"[2001:db8::1]:443", "2001:db8::1:443"},
		{"[2001:db8::1]", ""},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{":1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"1:2:3:4:5:6:7:8:9", ""},
		{"1:2:3:4:5:6:7::", ""},
		{"1::", "1::"},
		{"::", "::"},
		{"::1", "::1"},
		{"::ffff:1.2.3.4", "::ffff:1.2.3.4"},
		{"::1.2.3.4", "::1.2.3.4"},
		{"::102", "::0.0.1.2"},
		{"::1:2", "::0.1.0.2"},
		{"1::2::3", ""},
		{"fe80::1%eth0", ""},
		{"12345::", ""},
	} {
		ap, ok := ParseAddrPort(c.in)
		got := ""
		if ok {
			got = Ntop(ap.Addr())
			if ap.Port() != 0 {
				got += ":" + itoa(int(ap.Port()))
			}
		}
		if got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}

func itoa(n int) string {
	return netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(n)).String()[len("0.0.0.0:"):]
}

// TestNtop pins ngx_inet6_ntop where it differs from Go's String.
func TestNtop(t *testing.T) {
	for in, want := range map[string]string{
		"1.2.3.4":            "1.2.3.4",
		"2001:db8:0:1::1":    "2001:db8:0:1::1",
		"2001:0:0:1:0:0:0:1": "2001:0:0:1::1",
		"::1":                "::1",
		"::":                 "::",
		"::ffff:0:1":         "::ffff:0.0.0.1",
		"::ffff:1.2.3.4":     "::ffff:1.2.3.4",
		"::0.0.1.2":          "::0.0.1.2",
		"1:0:0:0:0:0:0:0":    "1::",
	} {
		if got := Ntop(netip.MustParseAddr(in)); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
}

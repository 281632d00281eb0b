package config

import "testing"

func TestBrowserVersion(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"6", 6000000, true},
		{"6.0", 6000000, true},
		{"1.8.0.5", 1080005, true},
		{"4000.99.99.99", 4000999999, true},
		{"1..", 1000000, true},
		{"", 0, true},
		{"1.5.0.5.7", 1050005, true}, // the scale is 0 after the fourth dot
		{"6.0b", 0, false},
		{"-1", 0, false},
	} {
		got, ok := BrowserVersion(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("BrowserVersion(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

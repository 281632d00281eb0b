package config

import (
	"testing"

	"weir/internal/vars"
)

// TestMapFind pins the host-name rules of a hostnames map
// (ngx_hash_find_combined): exact first, then the longest leading
// wildcard, then the longest trailing one.
func TestMapFind(t *testing.T) {
	val := func(s string) *vars.Value { return &vars.Value{Raw: s, Parts: []vars.Part{{Kind: vars.Lit, Lit: s}}} }
	m := &HostHash{
		Exact: map[string]*vars.Value{"example.com": val("exact"), "": val("empty")},
		Head: map[string]MapWildcard{
			"example.com":   {Value: val("star"), Star: true},
			"b.example.com": {Value: val("deeper"), Star: true},
			"example.org":   {Value: val("dot")},
		},
		Tail: map[string]*vars.Value{"www.example": val("tail"), "www": val("www")},
	}
	for _, c := range []struct{ in, want string }{
		{"example.com", "exact"},
		{"", "empty"},
		{"a.example.com", "star"},
		{"x.y.example.com", "star"},
		{"b.example.com", "star"},
		{"x.b.example.com", "deeper"},
		{".example.com", "star"},
		{"example.org", "dot"},
		{"a.example.org", "dot"},
		{"www.example.co.uk", "tail"},
		{"www.example", "www"},
		{"www.other.com", "www"},
		{"www", "-"},
		{"com", "-"},
		{"other.net", "-"},
	} {
		got := "-"
		if v, ok := m.Find(c.in); ok {
			got = v.Raw
		}
		if got != c.want {
			t.Errorf("Find(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestWildcardForm(t *testing.T) {
	for _, c := range []struct {
		key  string
		form byte
		ok   bool
	}{
		{"example.com", 0, true},
		{".example.com", '.', true},
		{"*.example.com", '*', true},
		{"www.example.*", 't', true},
		{".", 0, true},
		{".*", '.', true},
		{"*", 0, false},
		{"*.", 0, false},
		{"*.a.*", 0, false},
		{"a..b", 0, false},
		{"w*w.a", 0, false},
		{"a\x00b", 0, false},
	} {
		form, ok := wildcardForm(c.key)
		if form != c.form || ok != c.ok {
			t.Errorf("wildcardForm(%q) = %q %v, want %q %v", c.key, form, ok, c.form, c.ok)
		}
	}
}

package static

import "testing"

func TestLookupExt(t *testing.T) {
	for _, tc := range []struct{ uri, want string }{
		{"/index.html", "html"},
		{"/a/b.TAR.GZ", "gz"},
		{"/a/B.Html", "html"},
		{"/a.b/c", ""},
		{"/a/.profile", ""},
		{"/a/..x", "x"},
		{"/a/b.", ""},
		{"/x", ""},
		{"/", ""},
		{"", ""},
		{"a.b", ""}, // nginx does not look at the first two bytes
		{"/a.b", "b"},
	} {
		if got := LookupExt(tc.uri); got != tc.want {
			t.Errorf("LookupExt(%q) = %q, want %q", tc.uri, got, tc.want)
		}
	}
}

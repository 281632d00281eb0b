package httpd

import "testing"

func TestParseContentRange(t *testing.T) {
	for _, c := range []struct {
		in string
		cr contentRange
		ok bool
	}{
		{"bytes 0-99/1050", contentRange{0, 100, 1050}, true},
		{"bytes  100 - 199 / 1050 ", contentRange{100, 200, 1050}, true},
		{"bytes 0-99/*", contentRange{0, 100, -1}, true},
		{"Bytes 0-99/1050", contentRange{}, false},
		{"bytes 0/1050", contentRange{}, false},
		{"bytes -5/10", contentRange{}, false},
		{"bytes 0-99/10x", contentRange{}, false},
		{"bytes 0-99", contentRange{}, false},
		{"bytes 99999999999999999999-1/2", contentRange{}, false},
	} {
		cr, ok := parseContentRange(c.in)
		if ok != c.ok || ok && cr != c.cr {
			t.Errorf("%q: got %v %v, want %v %v", c.in, cr, ok, c.cr, c.ok)
		}
	}
}

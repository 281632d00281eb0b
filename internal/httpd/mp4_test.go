package httpd

import "testing"

// TestMP4Millis pins ngx_http_mp4_atofp(value, 3).
func TestMP4Millis(t *testing.T) {
	for in, want := range map[string]int64{
		"": -1, "0": 0, "1": 1000, "1.5": 1500, ".5": 500, "2.": 2000, "1.23456789": 1234,
		"1.2.3": -1, "abc": -1, "-1": -1, "+1": -1, "9223372036854775": 9223372036854775000,
		"9223372036854776": -1, "99999999999999999999": -1, "0.0009": 0,
	} {
		if got := mp4Millis(in); got != want {
			t.Errorf("mp4Millis(%q) = %d, want %d", in, got, want)
		}
	}
}

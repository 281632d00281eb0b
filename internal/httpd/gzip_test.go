package httpd

import "testing"

// TestAcceptsGzip pins ngx_http_gzip_accept_encoding and
// ngx_http_gzip_quantity (the "gzip," fast path is in gzipOK).
func TestAcceptsGzip(t *testing.T) {
	for _, c := range []struct {
		ae   string
		want bool
	}{
		{"gzip", true},
		{"GZip", true},
		{"deflate, gzip", true},
		{"deflate,gzip", true},
		{"gzip ,deflate", true},
		{"gzip;q=1", true},
		{"gzip; q=0.5", true},
		{"gzip;Q=0.001", true},
		{"gzip;q=1.000", true},
		{"gzip;q=1.", true},
		{"gzip;q=0", false},
		{"gzip;q=0.0", false},
		{"gzip;q=0.000", false},
		{"gzip;q=1.5", false},
		{"gzip;q=0.5000", false},
		{"gzip;q=x", false},
		{"gzip;q=", false},
		{"gzip;q", false},
		{"gzip;level=1", false},
		{"gzip;", true},
		{"x-gzip", false},
		{"xgzip, gzip", true},
		{"gzipx", false},
		{"br, gzipx", false},
		{"gzip2", false},
		{"identity", false},
		{"*", false},
	} {
		if got := acceptsGzip(c.ae); got != c.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", c.ae, got, c.want)
		}
	}
}

func TestGzipQuantity(t *testing.T) {
	for s, want := range map[string]int{"1": 100, "0": 0, "0.5": 5, "0.55": 10, "1.0": 100, "0.9 ": 9, "1,": 100, "2": 0, "0.1x": 0} {
		if got := gzipQuantity(s); got != want {
			t.Errorf("gzipQuantity(%q) = %d, want %d", s, got, want)
		}
	}
}

package difftest

import (
	"fmt"
	"strings"
	"testing"
)

// TestMaxHeaders covers max_headers (Debian's nginx 1.22.1 has it, as
// nginx 1.27.2 does): a request with more header lines than the default
// server of its address allows is answered 400 "Request Header Or Cookie
// Too Large" and logged "client sent too many header lines"; ignored
// invalid lines do not count; the default is 1000.
func TestMaxHeaders(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "X-%d: v\r\n", i)
		}
		return b.String()
	}
	reqWith := func(extra string) string {
		return "GET /f.txt HTTP/1.1\r\nHost: localhost\r\n" + extra + "Connection: close\r\n\r\n"
	}
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        max_headers 4;
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        root {{ROOT}};
    }`,
		files: map[string]string{"f.txt": "file\n"},
		cases: []tc{
			raw("at the limit", reqWith(many(2))),
			raw("one over", reqWith(many(3))),
			raw("invalid lines do not count", reqWith("Bad Line: x\r\n"+many(2))),
			raw("default allows 1000", reqWith(many(998))).onPort2(),
			raw("default refuses 1001", reqWith(many(999))).onPort2(),
		},
	})
}

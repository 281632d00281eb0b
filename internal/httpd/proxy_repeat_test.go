package httpd

import (
	"net"
	"strings"
	"testing"
)

// TestProxyRepeatedHeaders: of the upstream headers nginx keeps one of
// (since 1.23.0), a repeat is ignored with a warning, the first line
// counting; Set-Cookie and other lists pass whole.
func TestProxyRepeatedHeaders(t *testing.T) {
	up := fakeBackend(t, func(c net.Conn) {
		readRequestHead(c)
		c.Write([]byte("HTTP/1.1 302 Found\r\nLocation: http://x.test/one\r\nLocation: http://x.test/two\r\n" +
			"ETag: \"a\"\r\nETag: \"b\"\r\nContent-Type: text/plain\r\ncontent-type: text/html\r\n" +
			"Date: Thu, 01 Jan 2015 00:00:00 GMT\r\nDate: Fri, 02 Jan 2015 00:00:00 GMT\r\n" +
			"Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Other: 1\r\nX-Other: 2\r\nContent-Length: 2\r\n\r\nok"))
	})
	addr, dir := proxyEnv(t, `events {} http {
		error_log logs/error.log warn;
		server { listen 127.0.0.1:{{PORT}};
			location / { proxy_pass http://{{U}}; } } }`,
		map[string]string{"U": up})
	r := get(t, addr, "/x")
	if r.status != 302 {
		t.Fatalf("status %d", r.status)
	}
	for name, want := range map[string]string{
		"Location": "http://x.test/one", "Etag": `"a"`, "Content-Type": "text/plain",
		"Set-Cookie": "a=1|b=2", "X-Other": "1|2",
	} {
		if got := strings.Join(r.header.Values(name), "|"); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	elog := waitLog(t, dir, "error.log", 4)
	for _, want := range []string{
		`[warn] `,
		`upstream sent duplicate header line: "Location: http://x.test/two", previous value: "Location: http://x.test/one", ignored while reading response header from upstream, client: 127.0.0.1`,
		`upstream sent duplicate header line: "ETag: "b"", previous value: "ETag: "a"", ignored while reading`,
		`upstream sent duplicate header line: "content-type: text/html", previous value: "Content-Type: text/plain", ignored while reading`,
		`upstream sent duplicate header line: "Date: Fri, 02 Jan 2015 00:00:00 GMT", previous value: "Date: Thu, 01 Jan 2015 00:00:00 GMT", ignored while reading`,
	} {
		if !strings.Contains(elog, want) {
			t.Errorf("error log lacks %q:\n%s", want, elog)
		}
	}
	if strings.Contains(elog, "Set-Cookie") || strings.Contains(elog, "X-Other") {
		t.Errorf("a list header was taken for a repeat:\n%s", elog)
	}
}

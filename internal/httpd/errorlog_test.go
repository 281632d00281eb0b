package httpd

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocationErrorLog: a request's error-log lines go to the error_log of
// its location (or server, or http level), not to the main one, as in nginx.
func TestLocationErrorLog(t *testing.T) {
	addr, dir := startPipelineDir(t, `events {} http {
		error_log logs/http.log;
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location /loc/ { error_log logs/loc.log; }
			location /srv/ { }
		} }`)
	for _, uri := range []string{"/loc/missing", "/srv/missing"} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("GET " + uri + " HTTP/1.0\r\n\r\n"))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		c.Close()
		if !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 404") {
			t.Fatalf("%s: %q", uri, buf[:n])
		}
	}
	read := func(name string) string {
		b, _ := os.ReadFile(filepath.Join(dir, "logs", name))
		return string(b)
	}
	for _, tc := range []struct{ file, has, hasNot string }{
		{"loc.log", `html/loc/missing" failed (2: No such file or directory)`, "/srv/missing"},
		{"http.log", `html/srv/missing" failed (2: No such file or directory)`, "/loc/missing"},
		{"error.log", "", "missing"},
	} {
		got := read(tc.file)
		if tc.has != "" && !strings.Contains(got, tc.has) {
			t.Errorf("%s lacks %q:\n%s", tc.file, tc.has, got)
		}
		if strings.Contains(got, tc.hasNot) {
			t.Errorf("%s has %q:\n%s", tc.file, tc.hasNot, got)
		}
	}
}

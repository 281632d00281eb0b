package difftest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/testnet"
)

// Application servers for the gateway cases (fastcgi_pass, uwsgi_pass,
// scgi_pass, memcached_pass). Unlike the proxy backends they are shared
// by nginx and weir: they keep no state per client that would make the
// two servers' answers differ, and sharing keeps the addresses the same
// text in both configurations.

// startFPMPool runs PHP-FPM with one static pool listening on listen (a
// loopback host:port, or a unix socket path when it starts with "/"),
// with children enough for both servers' kept FastCGI connections; extra
// are more pool settings, one a line.
func startFPMPool(t *testing.T, listen, extra string) {
	t.Helper()
	cgitest.Need(t, cgitest.PHPFPM)
	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "[global]\nerror_log = %s/fpm.log\ndaemonize = no\npid = %s/fpm.pid\n", dir, dir)
	fmt.Fprintf(&b, "[pool]\nlisten = %s\npm = static\npm.max_children = 8\nclear_env = no\n", listen)
	// PHP's errors go to the FastCGI stderr stream (the error log), not
	// into the page, where the servers' prefixes would show.
	b.WriteString("php_admin_value[error_reporting] = E_ALL\nphp_admin_flag[display_errors] = off\nphp_admin_flag[log_errors] = on\n")
	b.WriteString(extra)
	args := []string{"-F", "-n", "-y", dir + "/fpm.conf"}
	if os.Geteuid() == 0 {
		b.WriteString("user = root\n")
		args = append(args, "-R")
	} else if strings.HasPrefix(listen, "/") {
		b.WriteString("listen.mode = 0666\n")
	}
	cgitest.WriteFile(t, dir+"/fpm.conf", b.String())
	network := "tcp"
	if strings.HasPrefix(listen, "/") {
		network = "unix"
	}
	cgitest.Start(t, network, listen, cgitest.PHPFPM, args...)
}

// deadAddr is a loopback address nothing listens on.
func deadAddr(t *testing.T) string { return testnet.DeadAddr(t) }

// memcachedSet stores key with flags and value through memcached's text
// protocol.
func memcachedSet(t *testing.T, addr, key string, flags int, value string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	fmt.Fprintf(c, "set %s %d 0 %d\r\n%s\r\n", key, flags, len(value), value)
	buf := make([]byte, 64)
	n, _ := c.Read(buf)
	if string(buf[:n]) != "STORED\r\n" {
		t.Fatalf("memcached set %q: %q", key, buf[:n])
	}
}

// wsgiApp echoes the WSGI environment a uwsgi or SCGI request arrived
// with: the CGI variables that matter, every HTTP_* one, and the body.
// ?status=CODE+TEXT sets the status; ?hdr=1 adds headers; ?nolen=1 leaves
// out Content-Length; ?nobody=1 sends no body.
const wsgiApp = `
import hashlib
from urllib.parse import parse_qs

KEYS = ["REQUEST_METHOD", "REQUEST_URI", "PATH_INFO", "SCRIPT_NAME", "QUERY_STRING",
        "CONTENT_TYPE", "CONTENT_LENGTH", "DOCUMENT_ROOT", "DOCUMENT_URI", "SERVER_PROTOCOL",
        "SERVER_NAME", "SERVER_PORT", "REMOTE_ADDR", "REQUEST_SCHEME", "HTTPS", "SCGI",
        "X_CUSTOM", "UWSGI_SCHEME"]

def application(env, start_response):
    q = parse_qs(env.get("QUERY_STRING", ""))
    body = env["wsgi.input"].read()
    out = []
    for k in KEYS:
        out.append("%s=%r" % (k, env.get(k)))
    for k in sorted(env):
        if k.startswith("HTTP_"):
            out.append("%s=%r" % (k, env[k]))
    out.append("body %d %s %r" % (len(body), hashlib.md5(body).hexdigest(), body[:40]))
    text = ("\n".join(out) + "\n").encode()
    status = q.get("status", ["200 OK"])[0]
    headers = [("Content-Type", "text/plain")]
    if "hdr" in q:
        headers += [("X-App", "one"), ("X-App", "two"), ("Set-Cookie", "s=1; Path=/")]
    if "nolen" not in q:
        headers.append(("Content-Length", str(len(text))))
    start_response(status, headers)
    if env["REQUEST_METHOD"] == "HEAD" or "nobody" in q:
        return [b""]
    return [text]
`

// startWSGI writes the app and runs it under uWSGI with socketOpt
// ("--uwsgi-socket" or "--scgi-socket"). A one-second socket timeout: a
// request whose announced body never comes (scgi_pass_request_body off)
// ends quickly.
func startWSGI(t *testing.T, socketOpt string) string {
	t.Helper()
	return startWSGIApp(t, socketOpt, wsgiApp)
}

// startWSGIApp is startWSGI with another application.
func startWSGIApp(t *testing.T, socketOpt, app string) string {
	t.Helper()
	cgitest.Need(t, cgitest.UWSGI)
	dir := t.TempDir()
	cgitest.WriteFile(t, filepath.Join(dir, "app.py"), app)
	addr := fmt.Sprintf("127.0.0.1:%d", cgitest.FreePort(t))
	args := []string{"--plugin", "python3", socketOpt, addr, "--chdir", dir, "--wsgi-file", dir + "/app.py",
		"--master", "--processes", "1", "--die-on-term", "--disable-logging", "--socket-timeout", "1"}
	cgitest.Start(t, "tcp", addr, cgitest.UWSGI, args...)
	return addr
}

// cgitestMemcached runs memcached (cgitest skips when it is absent).
func cgitestMemcached(t *testing.T) string {
	t.Helper()
	cgitest.Need(t, cgitest.Memcached)
	return cgitest.StartMemcached(t)
}

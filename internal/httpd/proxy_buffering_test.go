package httpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http/httputil"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
)

// bigBody is 4 MiB of seeded noise: a byte out of place or missing shows.
var bigBody = func() []byte {
	b := make([]byte, 4<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}()

// bigBackend is an HTTP/1.1 upstream on 127.0.0.1 that keeps its
// connections and answers /big with bigBody (Content-Length), /chunked
// with it in chunks, /cut with the first half of it (announcing all of
// it, then closing), /nobuf with it and X-Accel-Buffering: no, /slow
// with its first 3 MiB and then 64 KiB every 50 ms, anything else with
// "ok". done
// gets a token as each body has been written to the socket (or failed to
// be: cutAt is then where).
type bigBackend struct {
	addr  string
	conns atomic.Int32
	done  chan struct{}
	cutAt atomic.Int64
}

func startBigBackend(t *testing.T) *bigBackend {
	b := &bigBackend{done: make(chan struct{}, 16)}
	b.cutAt.Store(-1)
	b.addr = fakeBackend(t, func(c net.Conn) {
		b.conns.Add(1)
		br := bufio.NewReader(c)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			for h := ""; h != "\r\n"; {
				if h, err = br.ReadString('\n'); err != nil {
					return
				}
			}
			path := strings.Fields(line)[1]
			switch path {
			case "/big", "/nobuf":
				extra := ""
				if path == "/nobuf" {
					extra = "X-Accel-Buffering: no\r\n"
				}
				_, err = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n", len(bigBody), extra)
				if err == nil {
					_, err = c.Write(bigBody)
				}
			case "/chunked":
				_, err = io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
				for p := bigBody; err == nil && len(p) > 0; {
					n := min(len(p), 7777)
					_, err = fmt.Fprintf(c, "%x\r\n%s\r\n", n, p[:n])
					p = p[n:]
				}
				if err == nil {
					_, err = io.WriteString(c, "0\r\n\r\n")
				}
			case "/slow":
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(bigBody))
				for off, n := 0, 3<<20; off < len(bigBody); off, n = off+n, 64<<10 {
					if _, err = c.Write(bigBody[off : off+n]); err != nil {
						b.cutAt.Store(int64(off))
						b.done <- struct{}{}
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			case "/cut":
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(bigBody))
				c.Write(bigBody[:len(bigBody)/2])
				b.done <- struct{}{}
				return
			default:
				_, err = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				continue
			}
			if err != nil {
				return
			}
			b.done <- struct{}{}
		}
	})
	return b
}

// slowResult is what slowGet saw.
type slowResult struct {
	head   string
	body   []byte
	atDone int           // body bytes received when the upstream had written its answer (-1: not seen)
	took   time.Duration // from the request to the end of the answer
	err    error         // how the read ended when not by a clean end of file
}

// slowGet asks for uri on a connection with a small receive buffer and
// reads the answer 8 KiB at a time with a pause after each read, as a
// slow client does, until the server closes (Connection: close) or
// stop bytes of body came (stop > 0: it then closes). done is watched for
// the upstream's end.
func slowGet(t *testing.T, addr, uri string, done <-chan struct{}, stop int) slowResult {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	if _, err := io.WriteString(c, "GET "+uri+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res := slowResult{atDone: -1}
	var all []byte
	buf := make([]byte, 8<<10)
	hlen := -1
	for {
		n, err := c.Read(buf)
		all = append(all, buf[:n]...)
		if hlen < 0 {
			if i := bytes.Index(all, []byte("\r\n\r\n")); i >= 0 {
				hlen = i + 4
			}
		}
		got := 0
		if hlen >= 0 {
			got = len(all) - hlen
		}
		if res.atDone < 0 {
			select {
			case <-done:
				res.atDone = got
			default:
			}
		}
		if err != nil {
			if err != io.EOF {
				res.err = err
			}
			break
		}
		if stop > 0 && got >= stop {
			break
		}
		time.Sleep(time.Millisecond)
	}
	res.took = time.Since(start)
	if hlen < 0 {
		t.Fatalf("%s: no header in %q (%v)", uri, all, res.err)
	}
	res.head, res.body = string(all[:hlen]), all[hlen:]
	if strings.Contains(res.head, "Transfer-Encoding: chunked") {
		body, err := io.ReadAll(httputil.NewChunkedReader(bytes.NewReader(res.body)))
		if err != nil && res.err == nil {
			res.err = err
		}
		res.body = body
	}
	return res
}

// tempFiles lists the files under dir.
func tempFiles(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// openTempFiles counts this process's descriptors open on files under
// dir (on Linux; -1 elsewhere), and sums their sizes.
func openTempFiles(dir string) int {
	n, _ := openTempSize(dir)
	return n
}

func openTempSize(dir string) (n int, size int64) {
	if runtime.GOOS != "linux" {
		return -1, 0
	}
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		fd := "/proc/self/fd/" + e.Name()
		if l, err := os.Readlink(fd); err == nil && strings.HasPrefix(l, dir+"/") {
			n++
			if fi, err := os.Stat(fd); err == nil {
				size += fi.Size()
			}
		}
	}
	return n, size
}

// waitLine returns a log once a line of it holds s.
func waitLine(t *testing.T, dir, name, s string) string {
	t.Helper()
	var log string
	waitUntil(func() bool {
		log = readLog(t, dir, name)
		return strings.Contains(log, s)
	})
	return log
}

// waitUntil polls cond for up to 5 s.
func waitUntil(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// accessTimes finds the access log line of request (in bufferingLog's
// format) and returns its $request_time and $upstream_response_time.
func accessTimes(t *testing.T, log, request string) (rt, urt float64) {
	t.Helper()
	var f []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasSuffix(l, `"`+request+`"`) {
			f = strings.Fields(l)
		}
	}
	if len(f) < 2 {
		t.Fatalf("no access log line of %q:\n%s", request, log)
	}
	rt, err1 := strconv.ParseFloat(f[0], 64)
	urt, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("access log line %q", f)
	}
	return rt, urt
}

// tryGet asks for uri on a new connection and returns the body (for
// goroutines, which may not end the test).
func tryGet(addr, uri string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET "+uri+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(c)
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return string(b[i+4:]), err
	}
	return "", fmt.Errorf("answer %q: %v", b, err)
}

// bufferingLog is the access log format of these tests.
const bufferingLog = `log_format t '$request_time $upstream_response_time $status $body_bytes_sent "$request"';`

const bufferingConf = `events {} http {
	error_log logs/warn.log info;
	` + bufferingLog + `
	access_log logs/access.log t;
	upstream u { server {{A}} max_conns=1; keepalive 4; }
	server { listen 127.0.0.1:{{PORT}};
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		location / { proxy_pass http://u; }
		location /nospool/ { proxy_pass http://u/; proxy_max_temp_file_size 0; }
		location /capped/ { proxy_pass http://u/; proxy_max_temp_file_size 256k; }
		location /paced/ { proxy_pass http://u/; limit_rate 3m; }
		location /off/ { proxy_pass http://u/; proxy_buffering off; }
	} }`

// TestProxyBufferingSpools: with proxy_buffering on, a slow client's 4 MiB
// answer is read from the upstream at the upstream's pace, the part the
// client has not taken going to an unlinked temp file in proxy_temp_path
// with nginx's warning; the upstream connection goes back to the
// keep-alive pool (and $upstream_response_time ends) long before the
// client is done.
func TestProxyBufferingSpools(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	temp := filepath.Join(dir, "proxy_temp")
	for _, uri := range []string{"/big", "/chunked"} {
		t.Run(uri[1:], func(t *testing.T) {
			before := be.conns.Load()
			var midFiles []string
			midOpen := -1
			done := make(chan struct{})
			go func() {
				select {
				case <-be.done:
				case <-time.After(20 * time.Second):
					return
				}
				// the connection is back in the pool: a second request
				// goes on it (max_conns=1 refuses it while the first
				// holds the server), while the slow one is still going
				deadline := time.Now().Add(5 * time.Second)
				for {
					body, err := tryGet(addr, "/small")
					if body == "ok" {
						break
					}
					if time.Now().After(deadline) {
						t.Errorf("second request: %q %v", body, err)
						break
					}
					time.Sleep(2 * time.Millisecond)
				}
				// the upstream has been read: weir holds the rest in
				// an unlinked file and the ring while the client reads
				midFiles, midOpen = tempFiles(temp), openTempFiles(temp)
				close(done)
			}()
			res := slowGet(t, addr, uri, done, 0)
			if res.err != nil || !bytes.Equal(res.body, bigBody) {
				t.Fatalf("%d body bytes (want %d, equal %v), %v", len(res.body), len(bigBody), bytes.Equal(res.body, bigBody), res.err)
			}
			if res.atDone < 0 || res.atDone > len(bigBody)/8 {
				t.Errorf("the upstream was released when the client had %d of %d bytes (after %v)", res.atDone, len(bigBody), res.took)
			}
			if n := be.conns.Load() - before; n > 1 {
				t.Errorf("%d upstream connections for two requests: the first was not pooled before the second", n)
			}
			if len(midFiles) != 0 || midOpen == 0 {
				t.Errorf("while the client read: files %v (want none: unlinked), %d open (want 1)", midFiles, midOpen)
			}
			rt, urt := accessTimes(t, waitLine(t, dir, "access.log", "GET "+uri+" HTTP/1.1"), "GET "+uri+" HTTP/1.1")
			if rt < 0.3 || urt*3 > rt {
				t.Errorf("$request_time %v, $upstream_response_time %v: the upstream's time should end long before the client's", rt, urt)
			}
		})
	}
	if !waitUntil(func() bool { return openTempFiles(temp) <= 0 }) {
		t.Errorf("temp files still open")
	}
	if files := tempFiles(temp); len(files) != 0 {
		t.Errorf("temp files left: %v", files)
	}
	warn := regexp.MustCompile(`\[warn\] \d+#\d+: \*\d+ an upstream response is buffered to a temporary file ` +
		regexp.QuoteMeta(temp) + `/\d/\d\d/\d{10} while reading upstream, client: 127\.0\.0\.1, server: , request: "GET /big HTTP/1\.1", upstream: "http://` +
		regexp.QuoteMeta(be.addr) + `/big", host: "x"`)
	if elog := readLog(t, dir, "warn.log"); !warn.MatchString(elog) || strings.Count(elog, "buffered to a temporary file") != 2 {
		t.Errorf("error log:\n%s", elog)
	}
}

// TestProxyBufferingNoSpool: with proxy_max_temp_file_size 0, with
// proxy_buffering off and with X-Accel-Buffering: no, nothing goes to a
// temp file: the upstream is read as fast as the slow client takes it,
// and held until the last of it is written to the client.
func TestProxyBufferingNoSpool(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	for _, uri := range []string{"/nospool/big", "/off/big", "/nobuf"} {
		t.Run(strings.ReplaceAll(uri[1:], "/", "_"), func(t *testing.T) {
			res := slowGet(t, addr, uri, nil, 0)
			if res.err != nil || !bytes.Equal(res.body, bigBody) {
				t.Fatalf("%d body bytes (want %d), %v", len(res.body), len(bigBody), res.err)
			}
			// held: the upstream's time ends with the last write to
			// the client (what the sockets hold, a few MiB at most,
			// is the client's to read after it)
			rt, urt := accessTimes(t, waitLine(t, dir, "access.log", "GET "+uri+" HTTP/1.1"), "GET "+uri+" HTTP/1.1")
			if rt < 0.2 || urt < rt*0.8 {
				t.Errorf("$request_time %v, $upstream_response_time %v: the upstream was not held", rt, urt)
			}
		})
	}
	if files := tempFiles(filepath.Join(dir, "proxy_temp")); len(files) != 0 {
		t.Errorf("temp files: %v", files)
	}
	if elog := readLog(t, dir, "warn.log"); strings.Contains(elog, "temporary file") {
		t.Errorf("error log:\n%s", elog)
	}
}

// TestProxyBufferingH2: an HTTP/2 client's buffered answers go through
// the writer from the start (a stream's writes may wait on flow control
// whatever the socket says): bodies byte-exact, sized and chunked.
func TestProxyBufferingH2(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, strings.Replace(bufferingConf, "listen 127.0.0.1:{{PORT}};", "listen 127.0.0.1:{{PORT}} http2;", 1),
		map[string]string{"A": be.addr})
	cl := h2cClient(t)
	for _, uri := range []string{"/big", "/chunked", "/small"} {
		r, body := fetch(t, cl, "GET", "http://"+addr+uri, nil)
		want := string(bigBody)
		if uri == "/small" {
			want = "ok"
		}
		if r.ProtoMajor != 2 || r.StatusCode != 200 || body != want {
			t.Fatalf("%s: %s %d, %d body bytes (want %d)", uri, r.Proto, r.StatusCode, len(body), len(want))
		}
	}
	if files := tempFiles(filepath.Join(dir, "proxy_temp")); len(files) != 0 {
		t.Errorf("temp files left: %v", files)
	}
}

// TestProxyBufferingLimitRate: a client held back by limit_rate is a slow
// one: what it has not taken is spooled, and the upstream released. (A
// paced write counts as stuck whatever the socket says; the burst of the
// first second may fill the socket before that matters.)
func TestProxyBufferingLimitRate(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	// 3 MiB/s, the first second's worth at once: about a second
	body, err := tryGet(addr, "/paced/big")
	if err != nil || body != string(bigBody) {
		t.Fatalf("%d body bytes (want %d), %v", len(body), len(bigBody), err)
	}
	rt, urt := accessTimes(t, waitLine(t, dir, "access.log", "GET /paced/big HTTP/1.1"), "GET /paced/big HTTP/1.1")
	if rt < 0.5 || urt*3 > rt {
		t.Errorf("$request_time %v, $upstream_response_time %v: the upstream's time should end long before the client's", rt, urt)
	}
	if !strings.Contains(readLog(t, dir, "warn.log"), "an upstream response is buffered to a temporary file") {
		t.Errorf("error log:\n%s", readLog(t, dir, "warn.log"))
	}
	if files := tempFiles(filepath.Join(dir, "proxy_temp")); len(files) != 0 {
		t.Errorf("temp files left: %v", files)
	}
}

// TestProxyBufferingCapped: proxy_max_temp_file_size caps the temp file;
// beyond it the upstream is read as the client takes it.
func TestProxyBufferingCapped(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the temp file is looked at through /proc/self/fd")
	}
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	temp := filepath.Join(dir, "proxy_temp")
	var largest atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if _, size := openTempSize(temp); size > largest.Load() {
				largest.Store(size)
			}
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	res := slowGet(t, addr, "/capped/big", nil, 0)
	close(stop)
	<-sampled
	if res.err != nil || !bytes.Equal(res.body, bigBody) {
		t.Fatalf("%d body bytes (want %d), %v", len(res.body), len(bigBody), res.err)
	}
	if l := largest.Load(); l == 0 || l > 256<<10 {
		t.Errorf("the temp file grew to %d bytes (cap 256 KiB)", l)
	}
	if !strings.Contains(readLog(t, dir, "warn.log"), "an upstream response is buffered to a temporary file") {
		t.Errorf("error log:\n%s", readLog(t, dir, "warn.log"))
	}
}

// TestProxyBufferingClientGone: a client that leaves in the middle of a
// spooled answer ends it: the upstream, still sending, is cut off, the
// temp file is closed, and nothing is logged but the client's close
// (the failed write's line, or the watch's as nginx's
// check_broken_connection, with the request's context) and the temp
// file's.
func TestProxyBufferingClientGone(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	temp := filepath.Join(dir, "proxy_temp")
	res := slowGet(t, addr, "/slow", nil, 512<<10)
	if len(res.body) < 512<<10 || !bytes.Equal(res.body[:512<<10], bigBody[:512<<10]) {
		t.Fatalf("%d body bytes, or their start differs (%q)", len(res.body), res.head)
	}
	line := strings.TrimSpace(waitLog(t, dir, "access.log", 1))
	if f := strings.Fields(line); len(f) < 4 || f[2] != "200" {
		t.Fatalf("access log %q", line)
	}
	if n, _ := strconv.Atoi(strings.Fields(line)[3]); n >= len(bigBody) {
		t.Errorf("access log %q: all sent to a client that left", line)
	}
	select {
	case <-be.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the upstream is still sending")
	}
	// the client leaves in the first 3 MiB's time; the last MiB would
	// take the upstream 800 ms more
	if at := be.cutAt.Load(); at < 0 || at > int64(len(bigBody))-256<<10 {
		t.Errorf("the upstream's write failed at %d of %d bytes (-1: never)", at, len(bigBody))
	}
	if !waitUntil(func() bool { return openTempFiles(temp) <= 0 }) {
		t.Errorf("temp file still open")
	}
	if files := tempFiles(temp); len(files) != 0 {
		t.Errorf("temp files left: %v", files)
	}
	for _, l := range strings.Split(strings.TrimSpace(readLog(t, dir, "warn.log")), "\n") {
		if l != "" && !strings.Contains(l, "[warn]") && !strings.Contains(l, "an upstream response is buffered to a temporary file") &&
			!(strings.Contains(l, "[info]") && strings.Contains(l, ") while sending to client, client: ")) &&
			!(strings.Contains(l, "[info] ") && strings.Contains(l, "epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too")) {
			t.Errorf("error log line %q", l)
		}
	}
}

// TestProxyBufferingUpstreamCut: an upstream that closes in the middle of
// a spooled answer: the client gets all that was read, then the
// connection is closed short of the Content-Length, with nginx's line.
func TestProxyBufferingUpstreamCut(t *testing.T) {
	be := startBigBackend(t)
	addr, dir := proxyEnv(t, bufferingConf, map[string]string{"A": be.addr})
	res := slowGet(t, addr, "/cut", be.done, 0)
	if !bytes.Equal(res.body, bigBody[:len(bigBody)/2]) {
		t.Fatalf("%d body bytes, want the %d the upstream sent", len(res.body), len(bigBody)/2)
	}
	if !strings.Contains(res.head, "Content-Length: "+strconv.Itoa(len(bigBody))) {
		t.Errorf("head %q", res.head)
	}
	if files := tempFiles(filepath.Join(dir, "proxy_temp")); len(files) != 0 {
		t.Errorf("temp files left: %v", files)
	}
	elog := readLog(t, dir, "warn.log")
	if !strings.Contains(elog, `[error]`) || !strings.Contains(elog, `upstream prematurely closed connection while reading upstream, client: 127.0.0.1, server: , request: "GET /cut HTTP/1.1", upstream: "http://`+be.addr+`/cut", host: "x"`) {
		t.Errorf("error log:\n%s", elog)
	}
}

// TestFastCGIBufferingSpools: a PHP answer larger than fastcgi_buffers
// for a slow client goes to a temp file in fastcgi_temp_path, and
// PHP-FPM is done with long before the client.
func TestFastCGIBufferingSpools(t *testing.T) {
	fpm := cgitest.StartPHPFPM(t)
	addr, dir := gatewayEnv(t, `events {} http {
		error_log logs/warn.log warn;
		`+bufferingLog+`
		access_log logs/access.log t;
		server { listen 127.0.0.1:{{PORT}}; root {{ROOT}};
			location ~ \.php$ { include fastcgi.conf; fastcgi_temp_path {{TEMP}}; fastcgi_pass {{FPM}}; } } }`,
		map[string]string{"FPM": fpm, "TEMP": filepath.Join(t.TempDir(), "fcgi")},
		map[string]string{"big.php": `<?php for ($i = 0; $i < 256; $i++) echo str_repeat(sprintf("%015d\n", $i), 1024);`})
	var want []byte
	for i := range 256 {
		want = append(want, strings.Repeat(fmt.Sprintf("%015d\n", i), 1024)...)
	}
	res := slowGet(t, addr, "/big.php", nil, 0)
	if res.err != nil || !bytes.Equal(res.body, want) {
		t.Fatalf("%d body bytes (want %d), %v", len(res.body), len(want), res.err)
	}
	rt, urt := accessTimes(t, waitLog(t, dir, "access.log", 1), "GET /big.php HTTP/1.1")
	if rt < 0.3 || urt*3 > rt {
		t.Errorf("$request_time %v, $upstream_response_time %v", rt, urt)
	}
	elog := readLog(t, dir, "warn.log")
	if !regexp.MustCompile(`\[warn\] .* an upstream response is buffered to a temporary file .*/fcgi/\d{10} while reading upstream, client: 127\.0\.0\.1, server: , request: "GET /big\.php HTTP/1\.1", upstream: "fastcgi://` + regexp.QuoteMeta(fpm) + `", host: "x"`).MatchString(elog) {
		t.Errorf("error log:\n%s", elog)
	}
}

// TestTempFileName: temp files are numbered in ten digits, under one
// directory a level named by the digits from the end
// (ngx_create_hashed_filename).
func TestTempFileName(t *testing.T) {
	for _, c := range []struct {
		levels []int
		n      uint32
		want   string
	}{
		{nil, 1, "/t/0000000001"},
		{[]int{1, 2}, 1, "/t/1/00/0000000001"},
		{[]int{2}, 1234567, "/t/67/0001234567"},
		{[]int{1, 2, 2}, 1234567, "/t/7/56/34/0001234567"},
	} {
		if got := tempFileName("/t", c.levels, c.n); got != c.want {
			t.Errorf("%v %d: %q, want %q", c.levels, c.n, got, c.want)
		}
	}
	dir := t.TempDir()
	f, err := createTempFile(filepath.Join(dir, "a"), []int{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if rel, _ := filepath.Rel(dir, f.Name()); !regexp.MustCompile(`^a/\d/\d\d/\d{10}$`).MatchString(rel) {
		t.Errorf("made %s", rel)
	}
}

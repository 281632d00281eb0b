package difftest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/testnet"
)

// nginxBin is the oracle; empty when nginx is not installed.
var nginxBin string

// weirBin is weir, built once by TestMain.
var weirBin string

// mimeTypes is weir's conf/mime.types; both servers include the same file
// so that Content-Type differences come from the servers, not the tables.
var mimeTypes []byte

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	for _, p := range []string{"/usr/sbin/nginx", "nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			nginxBin = path
			break
		}
	}
	if nginxBin == "" {
		return m.Run() // every test skips
	}
	dir, err := os.MkdirTemp("", "weir-difftest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	weirBin = filepath.Join(dir, "weir")
	build := exec.Command(goBin, "build", "-o", weirBin, "weir/cmd/weir")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building weir:", err)
		return 1
	}
	mimeTypes, err = os.ReadFile("../../conf/mime.types")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// mtime is the modification time of every file and directory of the html
// trees, so Last-Modified, ETag and autoindex dates agree.
var mtime = time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)

// site is one configuration and the requests sent to it.
type site struct {
	// http is the body of the http block. Placeholders: {{PORT}} and
	// {{PORT2}} (two free ports), {{ROOT}} (the html tree), {{PREFIX}}.
	http string
	// files is the html tree: path → content; a path ending in "/" is a
	// directory.
	files map[string]string
	// setup runs on each html tree after it is written (chmod, symlinks).
	setup func(t *testing.T, root string)
	// errorLevel is the error_log level; "info" when empty, so that the
	// engine's refusals and the connection messages are compared too.
	errorLevel string
	cases      []tc
	// backends, when set, gives the upstream servers of one server under
	// test ("nginx" or "weir") as host:port; they fill {{B0}}, {{B1}}, ...
	// (and {{B0PORT}}, ...) and are normalised back in the comparison.
	backends func(t *testing.T, name string) []string
	// after, when set, runs once every case has run, with both servers
	// still up (to compare what the cases left on disk).
	after func(t *testing.T, ng, we *server)
	// stream, when set, is the body of a stream block after the http
	// block; both servers then load nginx's stream module first
	// (streamModule, from the libnginx-mod-stream package).
	stream string
}

// streamModule is the load_module line a site with a stream block needs:
// Debian's nginx has the stream module as a dynamic module.
const streamModule = "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"

// header is the main context and the start of the http block shared by
// every site. Each server gets the same text; the only difference is
// {{NGINX_ONLY}}, the temp paths of modules weir does not have.
const header = `master_process off;
worker_processes 1;
pid logs/nginx.pid;
error_log logs/error.log {{ERRLEVEL}};
events { worker_connections 256; }
http {
    include mime.types;
    default_type application/octet-stream;
    client_body_temp_path {{PREFIX}}/tmp/body;
    {{NGINX_ONLY}}
    log_format diff '$status "$request" $body_bytes_sent "$uri" "$args" "$request_uri" $request_method "$server_name" "$host" [$time_local]';
    access_log logs/access.log diff;
`

// nginxOnly stays on one line so that both files number their lines
// alike (error messages carry them).
const nginxOnly = `proxy_temp_path {{PREFIX}}/tmp/proxy; fastcgi_temp_path {{PREFIX}}/tmp/fastcgi; ` +
	`uwsgi_temp_path {{PREFIX}}/tmp/uwsgi; scgi_temp_path {{PREFIX}}/tmp/scgi;`

// server is one running nginx or weir.
type server struct {
	name   string // "nginx" or "weir"
	prefix string
	root   string
	ports  [2]int
	cmd    *exec.Cmd
	stderr bytes.Buffer
	done   chan struct{}

	accessOff, errorOff int64

	// backends are the upstream servers of this server (see site.backends).
	backends []string
}

func (s *server) addr(i int) string { return fmt.Sprintf("127.0.0.1:%d", s.ports[i]) }

// freePorts returns n loopback ports for servers (testnet.FreePorts:
// below the ephemeral range, never the same one twice).
func freePorts(t *testing.T, n int) []int { return testnet.FreePorts(t, n) }

// writeTree creates the html tree under root with every mtime pinned.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	var dirs []string
	for p, body := range files {
		full := filepath.Join(root, p)
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		return os.Chtimes(p, mtime, mtime)
	})
	// Directories last, deepest first: writing children changes them.
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Chtimes(dirs[i], mtime, mtime)
	}
}

// expand fills the placeholders of a configuration for one server.
func expand(text string, s *server) string {
	pairs := []string{
		"{{PORT}}", strconv.Itoa(s.ports[0]),
		"{{PORT2}}", strconv.Itoa(s.ports[1]),
		"{{ROOT}}", s.root,
		"{{PREFIX}}", s.prefix,
	}
	for i, b := range s.backends {
		_, port, _ := strings.Cut(b, ":")
		pairs = append(pairs, fmt.Sprintf("{{B%dPORT}}", i), port, fmt.Sprintf("{{B%d}}", i), b)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// prepare writes a server's prefix: conf/nginx.conf, conf/mime.types,
// logs/, tmp/ and the html tree.
func prepare(t *testing.T, name string, st *site, ports []int) *server {
	t.Helper()
	// The same length for both servers: a prefix in FastCGI params
	// (DOCUMENT_ROOT, SCRIPT_FILENAME) moves the record padding, and
	// with it $upstream_bytes_sent, by up to 8 bytes.
	s := &server{name: name, prefix: filepath.Join(t.TempDir(), "srv")}
	s.root = filepath.Join(s.prefix, "html")
	copy(s.ports[:], ports)
	if st.backends != nil {
		s.backends = st.backends(t, name)
	}
	for _, d := range []string{"conf", "logs", "tmp", "html"} {
		if err := os.MkdirAll(filepath.Join(s.prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeTree(t, s.root, st.files)
	if st.setup != nil {
		st.setup(t, s.root)
	}
	only := ""
	if name == "nginx" {
		only = nginxOnly
	}
	level := st.errorLevel
	if level == "" {
		level = "info"
	}
	conf := strings.NewReplacer("{{NGINX_ONLY}}", only, "{{ERRLEVEL}}", level).Replace(header) + st.http + "\n}\n"
	if st.stream != "" {
		conf = streamModule + conf + "stream {\n" + st.stream + "\n}\n"
	}
	if err := os.WriteFile(filepath.Join(s.prefix, "conf", "nginx.conf"), []byte(expand(conf, s)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.prefix, "conf", "mime.types"), mimeTypes, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"access.log", "error.log"} {
		if err := os.WriteFile(filepath.Join(s.prefix, "logs", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// start runs the server in the foreground and waits until it has written
// its pid file (both write it after binding) and accepts connections. It
// reports false when the process exited, which is when a port was taken.
func (s *server) start(t *testing.T) bool {
	t.Helper()
	bin := nginxBin
	if s.name == "weir" {
		bin = weirBin
	}
	s.cmd = exec.Command(bin, "-p", s.prefix+"/", "-c", "conf/nginx.conf", "-e", "logs/error.log", "-g", "daemon off;")
	s.cmd.Stderr = &s.stderr
	s.cmd.Stdout = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	pidFile := filepath.Join(s.prefix, "logs", "nginx.pid")
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-s.done:
			return false
		default:
		}
		if b, err := os.ReadFile(pidFile); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(s.cmd.Process.Pid) {
			break
		}
		if time.Now().After(deadline) {
			s.stop()
			t.Fatalf("%s did not write its pid file:\n%s", s.name, s.stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// stop ends the process this test started, by its pid: SIGQUIT, then
// SIGKILL if it does not go.
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// startPair starts nginx and weir on the site, each on its own ports,
// retrying with other ports when one was taken meanwhile.
func startPair(t *testing.T, st *site) (ng, we *server) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		ports := freePorts(t, 4)
		ng = prepare(t, "nginx", st, ports[:2])
		we = prepare(t, "weir", st, ports[2:])
		okN := ng.start(t)
		okW := okN && we.start(t)
		if okN && okW {
			t.Cleanup(func() { ng.stop(); we.stop() })
			return ng, we
		}
		ng.stop()
		we.stop()
		inUse := strings.Contains(ng.stderr.String()+we.stderr.String(), "Address already in use")
		if attempt == 2 || !inUse {
			elog := func(s *server) string {
				b, _ := os.ReadFile(filepath.Join(s.prefix, "logs", "error.log"))
				return s.stderr.String() + string(b)
			}
			t.Fatalf("could not start the pair:\nnginx: %s\nweir: %s", elog(ng), elog(we))
		}
	}
}

// runSite starts the pair once and runs every case of the site against
// both, each as a subtest.
func runSite(t *testing.T, st *site) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	ng, we := startPair(t, st)
	t.Run("startup error log", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	names := map[string]bool{}
	for _, c := range st.cases {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		t.Run(c.name, func(t *testing.T) {
			if c.skip != "" {
				t.Skip(c.skip)
			}
			if c.needNonRoot && os.Geteuid() == 0 {
				t.Skip("running as root: chmod 000 does not deny reads")
			}
			runCase(t, c, ng, we)
		})
	}
	if st.after != nil {
		t.Run("after", func(t *testing.T) { st.after(t, ng, we) })
	}
}

package server_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// testCase is one -t/-T/-s run: files under a fresh prefix, the extra
// arguments, and the expected standard error (DIR stands for the prefix)
// and exit status. Unless nginxDiffers, the real nginx must print the
// same modulo its name.
type testCase struct {
	name         string
	files        map[string]string
	args         []string
	stderr       string
	stdout       string
	code         int
	nginxDiffers bool
}

const okConf = `pid logs/nginx.pid;
events {}
http {
    access_log logs/access.log;
    server { listen 127.0.0.1:PORT; location / { return 200 "ok\n"; } }
}
`

// okFiles is a valid configuration on a free port.
func okFiles(t *testing.T) map[string]string {
	return map[string]string{"conf/nginx.conf": strings.ReplaceAll(okConf, "PORT", strconv.Itoa(freePort(t)))}
}

var (
	nginxPrefix = regexp.MustCompile(`(?m)^nginx: `)
	// stamp is the head of an error-log line: time, level, PID#TID.
	stamp = regexp.MustCompile(`(?m)^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(\w+)\] \d+#\d+: `)
)

func runCase(t *testing.T, tc testCase, signalFile string) {
	p := newPrefix(t)
	for name, text := range tc.files {
		p.write(name, text)
	}
	if signalFile != "" {
		p.write("logs/nginx.pid", signalFile)
	}
	args := p.args(tc.args...)
	expand := func(s string) string { return strings.ReplaceAll(s, "DIR/", p.dir) }
	mask := func(r result) result {
		r.stderr = stamp.ReplaceAllString(r.stderr, "TIME [$1] PID#PID: ")
		return r
	}
	if haveNginx() && !tc.nginxDiffers {
		n := mask(runCmd(t, nginxBin, args...))
		if signalFile != "" {
			p.write("logs/nginx.pid", signalFile)
		}
		w := mask(runCmd(t, weirBin, args...))
		if want := nginxPrefix.ReplaceAllString(n.stderr, "weir: "); w.stderr != want || w.code != n.code || w.stdout != n.stdout {
			t.Errorf("weir and nginx differ:\nweir  (%d): %q\n%s\nnginx (%d): %q\n%s", w.code, w.stderr, w.stdout, n.code, n.stderr, n.stdout)
		}
	}
	os.Remove(p.dir + "logs/nginx.pid")
	if signalFile != "" {
		p.write("logs/nginx.pid", signalFile)
	}
	w := mask(runCmd(t, weirBin, args...))
	if w.stderr != expand(tc.stderr) || w.code != tc.code || w.stdout != expand(tc.stdout) {
		t.Errorf("weir %q:\n got (%d) %q\n%q\nwant (%d) %q\n%q", tc.args, w.code, w.stderr, w.stdout, tc.code, expand(tc.stderr), expand(tc.stdout))
	}
}

func TestConfigTest(t *testing.T) {
	const ok = "weir: the configuration file DIR/conf/nginx.conf syntax is ok\n" +
		"weir: configuration file DIR/conf/nginx.conf test is successful\n"
	const syntaxOK = "weir: the configuration file DIR/conf/nginx.conf syntax is ok\n"
	const failed = "weir: configuration file DIR/conf/nginx.conf test failed\n"
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldConf := strings.ReplaceAll(okConf, "PORT", strconv.Itoa(held.Addr().(*net.TCPAddr).Port))
	port := strconv.Itoa(freePort(t))

	tests := []testCase{
		{name: "ok", files: okFiles(t), args: []string{"-t"}, stderr: ok},
		{name: "quiet", files: okFiles(t), args: []string{"-tq"}},
		{name: "quiet apart", files: okFiles(t), args: []string{"-q", "-t"}},
		{name: "version and test", files: okFiles(t), args: []string{"-vt"}, nginxDiffers: true,
			stderr: "nginx version: weir/1.31.0\n" + ok},
		{name: "unknown directive", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "events {}\nfoo;\n"},
			stderr: "weir: [emerg] unknown directive \"foo\" in DIR/conf/nginx.conf:2\n" + failed, code: 1},
		{name: "unknown directive quiet", args: []string{"-tq"},
			files:  map[string]string{"conf/nginx.conf": "events {}\nfoo;\n"},
			stderr: "weir: [emerg] unknown directive \"foo\" in DIR/conf/nginx.conf:2\n" + failed, code: 1},
		{name: "no events", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\n"},
			stderr: syntaxOK + "weir: [emerg] no \"events\" section in configuration\n" + failed, code: 1},
		{name: "warning before no events", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nhttp {\ntypes { text/html html; text/plain html; }\n}\n"},
			stderr: "weir: [warn] duplicate extension \"html\", content type: \"text/plain\", previous content type: \"text/html\" in DIR/conf/nginx.conf:3\n" +
				syntaxOK + "weir: [emerg] no \"events\" section in configuration\n" + failed, code: 1},
		{name: "too few connections", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents { worker_connections 1; }\nhttp { access_log off; server { listen 127.0.0.1:" + port + "; } }\n"},
			stderr: syntaxOK + "weir: [emerg] 1 worker_connections are not enough for 1 listening sockets\n" + failed, code: 1},
		{name: "unknown thread pool", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { aio threads=foo; }\n"},
			stderr: syntaxOK + "weir: [emerg] unknown thread pool \"foo\" in DIR/conf/nginx.conf:3\n" + failed, code: 1},
		{name: "zone without size", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { upstream u { zone z; server 127.0.0.1:1; } }\n"},
			stderr: syntaxOK + "weir: [emerg] zero size shared memory zone \"z\"\n" + failed, code: 1},
		{name: "server names hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; server_names_hash_max_size 1;\n" +
				"server { listen 127.0.0.1:" + port + "; server_name a.example.com b.example.com; }\n" +
				"server { listen 127.0.0.1:" + port + "; server_name c.example.com d.example.com; } }\n"},
			stderr: "weir: [warn] could not build optimal server_names_hash, you should increase either server_names_hash_max_size: 1 or server_names_hash_bucket_size: 64; ignoring server_names_hash_bucket_size\n" +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "proxy headers hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; proxy_headers_hash_max_size 1;\n" +
				"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n" +
				"server { listen 127.0.0.1:" + port + "; location / { proxy_pass http://127.0.0.1:1; } location /b { proxy_hide_header X; } }\n" +
				"server { listen 127.0.0.2:" + port + "; proxy_set_header A 1; } }\n"},
			stderr: strings.Repeat("weir: [warn] could not build optimal proxy_headers_hash, you should increase either proxy_headers_hash_max_size: 1 or proxy_headers_hash_bucket_size: 64; ignoring proxy_headers_hash_bucket_size\n", 4) +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "types hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; types_hash_max_size 1;\n" +
				"types { text/html html htm; text/css css; application/javascript js; }\n" +
				"server { listen 127.0.0.1:" + port + "; location / { types { a/b b c d e f; } } }\n" +
				"server { listen 127.0.0.2:" + port + "; } }\n"},
			stderr: strings.Repeat("weir: [warn] could not build optimal types_hash, you should increase either types_hash_max_size: 1 or types_hash_bucket_size: 64; ignoring types_hash_bucket_size\n", 2) +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "server names wildcard hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; server_names_hash_max_size 1;\n" +
				"server { listen 127.0.0.1:" + port + "; server_name x y .a.org .b.org .c.org; }\n" +
				"server { listen 127.0.0.1:" + port + "; server_name *.s1.example.com *.s2.example.com *.s3.example.com *.s4.example.com www.t1.* www.t2.* www.t3.* www.t4.*; } }\n"},
			stderr: strings.Repeat("weir: [warn] could not build optimal server_names_hash, you should increase either server_names_hash_max_size: 1 or server_names_hash_bucket_size: 64; ignoring server_names_hash_bucket_size\n", 2) +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "map hostnames hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; map_hash_max_size 1;\n" +
				"map $host $h { hostnames; a 1; *.s1.example.com 1; *.s2.example.com 1; *.s3.example.com 1; *.s4.example.com 1; www.t1.* 1; www.t2.* 1; www.t3.* 1; www.t4.* 1; }\n" +
				"server { listen 127.0.0.1:" + port + "; return 200 $h; } }\n"},
			stderr: strings.Repeat("weir: [warn] could not build optimal map_hash, you should increase either map_hash_max_size: 1 or map_hash_bucket_size: 64; ignoring map_hash_bucket_size\n", 2) +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "proxy hide headers hash of a server before the inheriting ones", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; proxy_headers_hash_max_size 1; proxy_set_header A b;\n" +
				"server { listen 127.0.0.1:" + port + "; proxy_hide_header X-A; }\n" +
				"server { listen 127.0.0.2:" + port + "; }\n" +
				"server { listen 127.0.0.3:" + port + "; } }\n"},
			stderr: strings.Repeat("weir: [warn] could not build optimal proxy_headers_hash, you should increase either proxy_headers_hash_max_size: 1 or proxy_headers_hash_bucket_size: 64; ignoring proxy_headers_hash_bucket_size\n", 3) +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "variables hash not optimal", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; variables_hash_max_size 256;\n" +
				"map $host $site { default 0; }\n" +
				"server { listen 127.0.0.1:" + port + "; set $backend 1; return 200 $site$backend; } }\n"},
			stderr: "weir: [warn] could not build optimal variables_hash, you should increase either variables_hash_max_size: 256 or variables_hash_bucket_size: 64; ignoring variables_hash_bucket_size\n" +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "stream deprecated proxy buffers", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\npid logs/nginx.pid;\nevents {}\n" +
				"stream { proxy_downstream_buffer 8k;\nserver { listen 127.0.0.1:" + port + "; proxy_upstream_buffer 4k; proxy_pass 127.0.0.1:1; } }\n"},
			stderr: "weir: [warn] the \"proxy_downstream_buffer\" directive is deprecated, use the \"proxy_buffer_size\" directive instead in DIR/conf/nginx.conf:4\n" +
				"weir: [warn] the \"proxy_upstream_buffer\" directive is deprecated, use the \"proxy_buffer_size\" directive instead in DIR/conf/nginx.conf:5\n" +
				syntaxOK + "weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "affinity masks warning", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nworker_cpu_affinity 01 10;\n"},
			stderr: syntaxOK + "weir: [warn] the number of \"worker_processes\" is not equal to the number of \"worker_cpu_affinity\" masks, using last mask for remaining worker processes\n" +
				"weir: configuration file DIR/conf/nginx.conf test is successful\n"},
		{name: "no file", args: []string{"-t", "-c", "conf/none.conf"},
			stderr: "weir: [emerg] open() \"DIR/conf/none.conf\" failed (2: No such file or directory)\n" +
				"weir: configuration file DIR/conf/none.conf test failed\n", code: 1},
		{name: "pid directory missing", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid none/nginx.pid;\nevents {}\n"},
			stderr: syntaxOK + "weir: [emerg] open() \"DIR/none/nginx.pid\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "error log directory missing", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nerror_log none/error.log;\nevents {}\n"},
			stderr: syntaxOK + "weir: [emerg] open() \"DIR/none/error.log\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "access log directory missing", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log none/a.log; server { listen 127.0.0.1:" + port + "; } }\n"},
			stderr: syntaxOK + "weir: [emerg] open() \"DIR/none/a.log\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "cache directory parent missing", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; proxy_cache_path none/cache keys_zone=c:1m; server { listen 127.0.0.1:" + port + "; } }\n"},
			stderr: syntaxOK + "weir: [emerg] mkdir() \"DIR/none/cache\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "temp directory parent missing", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:" + port + "; location / { fastcgi_temp_path none/fcgi 1 2; } } }\n"},
			stderr: syntaxOK + "weir: [emerg] mkdir() \"DIR/none/fcgi\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "temp directory is a file", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; client_body_temp_path conf/nginx.conf/body; server { listen 127.0.0.1:" + port + "; } }\n"},
			stderr: syntaxOK + "weir: [emerg] mkdir() \"DIR/conf/nginx.conf/body\" failed (20: Not a directory)\n" + failed, code: 1},
		{name: "address not local", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { access_log off; server { listen 192.0.2.1:" + port + "; } }\n"},
			stderr: syntaxOK + "weir: [emerg] bind() to 192.0.2.1:" + port + " failed (99: Cannot assign requested address)\n" + failed, code: 1},
		{name: "address in use is fine", args: []string{"-t"},
			files: map[string]string{"conf/nginx.conf": heldConf}, stderr: ok},
		{name: "warning", args: []string{"-t"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp {\ntypes { text/html html; text/plain html; }\n}\n"},
			stderr: "weir: [warn] duplicate extension \"html\", content type: \"text/plain\", previous content type: \"text/html\" in DIR/conf/nginx.conf:4\n" + ok},
		{name: "warning quiet", args: []string{"-tq"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp {\ntypes { text/html html; text/plain html; }\n}\n"},
			stderr: "weir: [warn] duplicate extension \"html\", content type: \"text/plain\", previous content type: \"text/html\" in DIR/conf/nginx.conf:4\n"},
		{name: "global directive", files: okFiles(t), args: []string{"-t", "-g", "daemon off;"}, stderr: ok},
		{name: "bad global directive", files: okFiles(t), args: []string{"-t", "-g", "foo;"},
			stderr: "weir: [emerg] unknown directive \"foo\" in command line\n" + failed, code: 1},
		{name: "start-up log unusable", args: []string{"-t", "-e", "none/error.log"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nerror_log logs/error.log;\nevents {}\n"},
			stderr: "weir: [alert] could not open error log file: open() \"DIR/none/error.log\" failed (2: No such file or directory)\n" + ok},
		{name: "-e is the default error log", args: []string{"-t", "-e", "none/error.log"},
			files: map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\nhttp { error_log logs/error.log; }\n"},
			stderr: "weir: [alert] could not open error log file: open() \"DIR/none/error.log\" failed (2: No such file or directory)\n" + syntaxOK +
				"TIME [emerg] PID#PID: open() \"DIR/none/error.log\" failed (2: No such file or directory)\n" + failed, code: 1},
		{name: "dump", args: []string{"-T"},
			files: map[string]string{
				"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\ninclude inc/*.conf;\n",
				"conf/inc/a.conf": "# a\n",
				"conf/inc/b.conf": "# b",
			},
			stderr: ok,
			stdout: "# configuration file DIR/conf/nginx.conf:\npid logs/nginx.pid;\nevents {}\ninclude inc/*.conf;\n\n" +
				"# configuration file DIR/conf/inc/a.conf:\n# a\n\n" +
				"# configuration file DIR/conf/inc/b.conf:\n# b\n"},
		{name: "dump quiet", args: []string{"-Tq"},
			files:  map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\n"},
			stdout: "# configuration file DIR/conf/nginx.conf:\npid logs/nginx.pid;\nevents {}\n\n"},
		{name: "dump failing", args: []string{"-T"},
			files:  map[string]string{"conf/nginx.conf": "events {}\nfoo;\n"},
			stderr: "weir: [emerg] unknown directive \"foo\" in DIR/conf/nginx.conf:2\n" + failed, code: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc, "") })
	}
}

// TestConfigTestMakesPaths: -t makes every temp and cache directory
// (mode 0700), the compiled-in ones under the prefix included, as
// ngx_create_paths does; the real nginx's compiled-in ones are Debian's
// /var/lib/nginx, so only the named ones are checked against it.
func TestConfigTestMakesPaths(t *testing.T) {
	conf := "pid logs/nginx.pid;\nevents {}\nhttp { access_log off;\n" +
		"proxy_cache_path cache levels=1:2 keys_zone=c:1m;\n" +
		"server { listen 127.0.0.1:" + strconv.Itoa(freePort(t)) + "; location /u { uwsgi_temp_path u_tmp; } } }\n"
	check := func(bin string, dirs []string) {
		p := newPrefix(t)
		p.conf(conf)
		if r := runCmd(t, bin, "-p", p.dir, "-c", "conf/nginx.conf", "-t"); r.code != 0 {
			t.Fatalf("%s: (%d) %q", bin, r.code, r.stderr)
		}
		for _, d := range dirs {
			fi, err := os.Stat(p.dir + d)
			if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
				t.Errorf("%s: %s: %v %v", bin, d, fi, err)
			}
		}
		if _, err := os.Stat(p.dir + "cache/0"); err == nil {
			t.Errorf("%s: the cache levels are made at load", bin)
		}
	}
	check(weirBin, []string{"cache", "u_tmp", "client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp", "scgi_temp"})
	if haveNginx() {
		check(nginxBin, []string{"cache", "u_tmp"})
	}
}

// TestConfigTestCompiledPrefixMissing: a configuration that names only
// absolute paths starts without -p even where the compiled-in prefix is
// missing, as it does with a packaged nginx whose compiled-in temp
// directories exist; weir leaves its compiled-in temp directories to the
// first temp file rather than refuse (a named one whose parent is
// missing is still refused, see TestConfigTest).
func TestConfigTestCompiledPrefixMissing(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	body := "pid " + dir + "/nginx.pid;\nerror_log " + dir + "/error.log;\nevents {}\n" +
		"http { access_log off; server { listen 127.0.0.1:" + strconv.Itoa(freePort(t)) + "; } }\n"
	if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "no", "prefix") + "/"
	r := runCmd(t, weirBin, "-p", missing, "-e", filepath.Join(dir, "start.log"), "-c", conf, "-t")
	if r.code != 0 || !strings.Contains(r.stderr, "test is successful") {
		t.Fatalf("(%d) %q", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("%s was made", missing)
	}
}

// TestConfigTestStderrLog: with -e stderr the start-up log is standard
// error itself, so nginx writes its error-log lines there and no second
// "nginx: [emerg]" copy.
func TestConfigTestStderrLog(t *testing.T) {
	p := newPrefix(t)
	p.conf("events {}\nfoo;\n")
	re := regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[emerg\] (\d+)#(\d+): unknown directive "foo" in ` + regexp.QuoteMeta(p.dir) + `conf/nginx.conf:2\n` +
		`weir: configuration file ` + regexp.QuoteMeta(p.dir) + `conf/nginx.conf test failed\n$`)
	r := runCmd(t, weirBin, "-p", p.dir, "-c", "conf/nginx.conf", "-e", "stderr", "-t")
	if r.code != 1 || !re.MatchString(r.stderr) {
		t.Errorf("got (%d) %q", r.code, r.stderr)
	}
	if haveNginx() {
		n := runCmd(t, nginxBin, "-p", p.dir, "-c", "conf/nginx.conf", "-e", "stderr", "-t")
		if !re.MatchString(nginxPrefix.ReplaceAllString(n.stderr, "weir: ")) {
			t.Errorf("nginx: %q", n.stderr)
		}
	}
}

func TestSignalErrors(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := strconv.Itoa(dead.Process.Pid)
	tests := []struct {
		testCase
		pidFile string
	}{
		{testCase: testCase{name: "no pid file", args: []string{"-s", "stop"},
			stderr: "weir: [error] open() \"DIR/logs/nginx.pid\" failed (2: No such file or directory)\n", code: 1}},
		{pidFile: "abc\n", testCase: testCase{name: "not a number", args: []string{"-s", "reload"},
			stderr: "weir: [error] invalid PID number \"abc\" in \"DIR/logs/nginx.pid\"\n", code: 1}},
		{pidFile: " ", testCase: testCase{name: "blank", args: []string{"-s", "reload"},
			stderr: "weir: [error] invalid PID number \" \" in \"DIR/logs/nginx.pid\"\n", code: 1}},
		{pidFile: "\r\n\n", testCase: testCase{name: "only line ends", args: []string{"-s", "quit"},
			stderr: "weir: [error] invalid PID number \"\" in \"DIR/logs/nginx.pid\"\n", code: 1}},
		{pidFile: "1234567890123456789012345\n", testCase: testCase{name: "too long", args: []string{"-sreopen"},
			stderr: "weir: [error] invalid PID number \"1234567890123456789012\" in \"DIR/logs/nginx.pid\"\n", code: 1}},
		{pidFile: deadPID + "\n", testCase: testCase{name: "no such process", args: []string{"-s", "quit"},
			stderr: "weir: [alert] kill(" + deadPID + ", 3) failed (3: No such process)\n", code: 1}},
		{pidFile: deadPID + "\r\n", testCase: testCase{name: "no such process reopen", args: []string{"-s", "reopen"},
			stderr: "weir: [alert] kill(" + deadPID + ", 10) failed (3: No such process)\n", code: 1}},
		{testCase: testCase{name: "bad config", args: []string{"-s", "stop"},
			files:  map[string]string{"conf/nginx.conf": "events {}\nfoo;\n"},
			stderr: "weir: [emerg] unknown directive \"foo\" in DIR/conf/nginx.conf:2\n", code: 1}},
	}
	for _, tc := range tests {
		if tc.files == nil {
			tc.files = map[string]string{"conf/nginx.conf": "pid logs/nginx.pid;\nevents {}\n"}
		}
		t.Run(tc.name, func(t *testing.T) { runCase(t, tc.testCase, tc.pidFile) })
	}
	t.Run("pid file is a directory", func(t *testing.T) {
		p := newPrefix(t)
		p.conf("pid logs/nginx.pid;\nevents {}\n")
		os.Mkdir(p.dir+"logs/nginx.pid", 0o755)
		r := runCmd(t, weirBin, p.args("-s", "stop")...)
		want := fmt.Sprintf("weir: [crit] pread() \"%slogs/nginx.pid\" failed (21: Is a directory)\n", p.dir)
		if r.stderr != want || r.code != 1 {
			t.Errorf("got (%d) %q, want %q", r.code, r.stderr, want)
		}
	})
}

// TestConfigTestRelativePrefix: a relative -p stays relative, uncleaned,
// in nginx's messages and in the paths it opens ("sub/../" needs sub).
func TestConfigTestRelativePrefix(t *testing.T) {
	p := newPrefix(t)
	p.conf("pid logs/nginx.pid;\nevents {}\n")
	cases := []struct {
		args   []string
		stderr string
	}{
		{[]string{"-p", ".", "-g", "include x.conf;"},
			"weir: [emerg] open() \"./conf/x.conf\" failed (2: No such file or directory) in command line\n" +
				"weir: configuration file ./conf/nginx.conf test failed\n"},
		{[]string{"-p", "none/../"},
			"weir: [alert] could not open error log file: open() \"none/../logs/error.log\" failed (2: No such file or directory)\n" +
				"TIME [emerg] PID#PID: open() \"none/../conf/nginx.conf\" failed (2: No such file or directory)\n" +
				"weir: configuration file none/../conf/nginx.conf test failed\n"},
	}
	run := func(bin string, args []string) (string, int) {
		cmd := exec.Command(bin, append(args, "-c", "conf/nginx.conf", "-e", "logs/error.log", "-t")...)
		cmd.Dir = p.dir
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return stamp.ReplaceAllString(string(out), "TIME [$1] PID#PID: "), code
	}
	for _, c := range cases {
		got, code := run(weirBin, c.args)
		if got != c.stderr || code != 1 {
			t.Errorf("weir %q: (%d) %q, want %q", c.args, code, got, c.stderr)
		}
		if haveNginx() {
			n, ncode := run(nginxBin, c.args)
			if n = nginxPrefix.ReplaceAllString(n, "weir: "); n != got || ncode != code {
				t.Errorf("nginx %q: (%d) %q, weir (%d) %q", c.args, ncode, n, code, got)
			}
		}
	}
}

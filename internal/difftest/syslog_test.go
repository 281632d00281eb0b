package difftest

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// syslogSinks are the datagram sockets one server under test logs to, each
// bound by the test on 127.0.0.1 (or a unix datagram socket) before the
// server starts: {{B0}} access lines, {{B1}} the http level's error_log,
// {{B2}} a unix socket, {{B3}} a UDP port nobody listens on, {{B4}} a
// unix socket path that does not exist, {{B5}} the main error_log.
type syslogSinks struct {
	conns []net.PacketConn // by backend index; nil for B3 and B4
}

func newSyslogSinks(t *testing.T) ([]string, *syslogSinks) {
	t.Helper()
	ss := &syslogSinks{conns: make([]net.PacketConn, 6)}
	udp := func() (net.PacketConn, string) {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c, c.LocalAddr().String()
	}
	// a short directory: unix socket paths are limited to 107 bytes
	dir, err := os.MkdirTemp("", "sl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addrs := make([]string, 6)
	ss.conns[0], addrs[0] = udp()
	ss.conns[1], addrs[1] = udp()
	sock := filepath.Join(dir, "log.sock")
	uc, err := net.ListenPacket("unixgram", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { uc.Close() })
	ss.conns[2], addrs[2] = uc, "unix:"+sock
	dead, deadAddr := udp()
	dead.Close()
	addrs[3] = deadAddr
	addrs[4] = "unix:" + filepath.Join(dir, "none.sock")
	ss.conns[5], addrs[5] = udp()
	return addrs, ss
}

// drain returns the datagrams that arrived at sink i, waiting until none
// has come for a little while.
func (ss *syslogSinks) drain(i int) []string {
	c := ss.conns[i]
	var got []string
	buf := make([]byte, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}

var (
	syslogTimeRe = regexp.MustCompile(`^(<\d+>)[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d `)
	signalFromRe = regexp.MustCompile(`(received) from \d+`)
)

// normSyslog normalises datagrams for the comparison: the header's time
// (the host name stays: both servers run here), then the message as the
// log files' lines are (error-log prefix, $time_local, ports, prefix).
func normSyslog(msgs []string, s *server) []string {
	var out []string
	for _, m := range msgs {
		m = syslogTimeRe.ReplaceAllString(m, "${1}TIME ")
		head, msg, ok := strings.Cut(m, ": ")
		if ok {
			msg = normError([]string{msg}, s)[0]
			msg = normAccess([]string{msg}, s)[0]
			msg = signalFromRe.ReplaceAllString(msg, "$1")
			m = head + ": " + msg
		}
		out = append(out, m)
	}
	return out
}

// syslogBackends makes st's backends a set of syslog sinks for each
// server under test (see syslogSinks), and returns them by server name
// once the pair is prepared.
func syslogBackends(st *site) map[string]*syslogSinks {
	sinks := map[string]*syslogSinks{}
	st.backends = func(t *testing.T, name string) []string {
		addrs, ss := newSyslogSinks(t)
		sinks[name] = ss
		return addrs
	}
	return sinks
}

// compareSyslog compares what arrived at sink i of both servers.
func compareSyslog(t *testing.T, what string, i int, ng, we *server, sinks map[string]*syslogSinks) {
	t.Helper()
	n := normSyslog(sinks["nginx"].drain(i), ng)
	w := normSyslog(sinks["weir"].drain(i), we)
	if os.Getenv("DIFFTEST_SHOW") != "" {
		t.Logf("%s:%s", what, sideBySide(n, w, "nginx", "weir"))
	}
	if !equalLines(n, w) {
		t.Errorf("%s differs:%s", what, sideBySide(n, w, "nginx", "weir"))
	}
}

func TestSyslog(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	t.Parallel()
	st := &site{
		files: map[string]string{"a.txt": "hello\n", "nh/a.txt": "x\n", "if/a.txt": "if\n", "unix/a.txt": "u\n",
			"dead/a.txt": "d\n", "gone/a.txt": "g\n", "many/a.txt": "m\n"},
		http: `
    log_format sl '$status "$request" "$uri" "$args" $request_method';
    log_format slj escape=json '{"args":"$args","x":"$http_x"}';
    error_log syslog:server={{B1}},facility=local3,severity=crit,tag=err info;
    error_log logs/error.log info;
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log syslog:server={{B0}},tag=acc,facility=local0 sl;
        access_log logs/access.log diff;
        location /nh/ {
            access_log syslog:server={{B0}},nohostname,severity=error sl;
            access_log syslog:server={{B0}},tag=json slj;
            access_log logs/access.log diff;
        }
        location /if/ {
            access_log syslog:server={{B0}},tag=cond sl if=$arg_log;
            access_log logs/access.log diff;
        }
        location /unix/ {
            access_log syslog:server={{B2}},tag=ux sl;
            error_log syslog:server={{B2}},tag=uxerr,facility=kern warn;
            error_log logs/error.log info;
            access_log logs/access.log diff;
        }
        location /dead/ {
            access_log syslog:server={{B3}} sl;
            access_log logs/access.log diff;
        }
        location /gone/ {
            access_log syslog:server={{B4}} sl;
            access_log logs/access.log diff;
        }
        location /many/ {
            access_log syslog:server={{B0}},tag=one sl;
            access_log syslog:server={{B0}},tag=two,facility=user,severity=notice sl;
            access_log logs/access.log diff;
        }
    }`,
	}
	sinks := syslogBackends(st)
	ng, we := startSyslogPair(t, st)
	ss := map[*server]*syslogSinks{ng: sinks["nginx"], we: sinks["weir"]}
	compare := func(t *testing.T, what string, i int) {
		t.Helper()
		compareSyslog(t, what, i, ng, we, sinks)
	}
	compareAll := func(t *testing.T) {
		compare(t, "syslog access lines (B0)", 0)
		compare(t, "syslog error lines (B1)", 1)
		compare(t, "syslog unix socket (B2)", 2)
		compare(t, "syslog main error_log (B5)", 5)
	}
	t.Run("startup", func(t *testing.T) {
		compareLogs(t, tc{}, ng, we, nil)
		compareAll(t)
	})
	cases := []tc{
		get("file and syslog", "/a.txt"),
		get("error line at its level", "/missing"),
		get("nohostname, severity, json escape", "/nh/a.txt?q=%22\xc3\xa9\"", `X: a"b\`),
		get("if= false", "/if/a.txt"),
		get("if= true", "/if/a.txt?log=1"),
		get("unix datagram socket", "/unix/a.txt"),
		get("unix socket, error line", "/unix/none"),
		get("dead server, first send", "/dead/a.txt"),
		get("dead server, refused", "/dead/a.txt"),
		get("dead server, new socket", "/dead/a.txt"),
		get("unix socket missing", "/gone/a.txt"),
		get("several syslog targets", "/many/a.txt"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runCase(t, c, ng, we)
			compareAll(t)
		})
	}
	t.Run("reopen", func(t *testing.T) {
		for _, s := range []*server{ng, we} {
			s.cmd.Process.Signal(syscall.SIGUSR1)
		}
		time.Sleep(300 * time.Millisecond)
		// Go does not tell who sent a signal, and nginx's event loop
		// says it was interrupted: both left out
		signalLines := func(s *server) []string {
			var out []string
			for _, l := range normError(s.newLines("error.log", &s.errorOff), s) {
				if !strings.Contains(l, "epoll_wait()") {
					out = append(out, signalFromRe.ReplaceAllString(l, "$1"))
				}
			}
			return out
		}
		if n, w := signalLines(ng), signalLines(we); !equalLines(n, w) {
			t.Errorf("error log differs:%s", sideBySide(n, w, "nginx", "weir"))
		}
		main := func(s *server) []string {
			var out []string
			for _, l := range normSyslog(ss[s].drain(5), s) {
				if !strings.Contains(l, "epoll_wait()") {
					out = append(out, l)
				}
			}
			return out
		}
		if n, w := main(ng), main(we); !equalLines(n, w) {
			t.Errorf("syslog main error_log differs:%s", sideBySide(n, w, "nginx", "weir"))
		}
		runCase(t, get("after reopen", "/a.txt"), ng, we)
		compareAll(t)
	})
}

// startSyslogPair is startPair with a main-level error_log to syslog
// ({{B5}}) after the file one, so that the start-up messages go there
// too.
func startSyslogPair(t *testing.T, st *site) (ng, we *server) {
	t.Helper()
	ports := freePorts(t, 4)
	ng = prepare(t, "nginx", st, ports[:2])
	we = prepare(t, "weir", st, ports[2:])
	for _, s := range []*server{ng, we} {
		p := filepath.Join(s.prefix, "conf", "nginx.conf")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Replace(string(b), "error_log logs/error.log info;\n",
			"error_log logs/error.log info; error_log syslog:server="+s.backends[5]+",tag=main notice;\n", 1)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if !ng.start(t) || !we.start(t) {
		ng.stop()
		we.stop()
		t.Fatalf("could not start the pair:\nnginx: %s\nweir: %s", ng.stderr.String(), we.stderr.String())
	}
	t.Cleanup(func() { ng.stop(); we.stop() })
	return ng, we
}

// TestStreamSyslog: the stream module's access_log to syslog, and a line
// that cannot be sent.
func TestStreamSyslog(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	if _, err := os.Stat("/usr/lib/nginx/modules/ngx_stream_module.so"); err != nil {
		t.Skip("nginx's stream module is not installed (libnginx-mod-stream)")
	}
	t.Parallel()
	st := &site{
		stream: `
    log_format s '$remote_addr $protocol $status $bytes_sent';
    server {
        listen 127.0.0.1:{{PORT2}};
        return "hi\n";
        access_log syslog:server={{B0}},tag=stream,facility=daemon s;
        access_log syslog:server={{B4}} s;
        access_log logs/access.log s;
    }`,
	}
	sinks := syslogBackends(st)
	ng, we := startSyslogPair(t, st)
	t.Run("startup", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	for _, name := range []string{"first session", "second session"} {
		t.Run(name, func(t *testing.T) {
			talk := func(s *server) string {
				c, err := net.Dial("tcp", s.addr(1))
				if err != nil {
					return err.Error()
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				b := make([]byte, 100)
				n, _ := c.Read(b)
				return string(b[:n])
			}
			if n, w := talk(ng), talk(we); n != w {
				t.Errorf("client saw %q from nginx, %q from weir", n, w)
			}
			compareLogs(t, tc{name: name}, ng, we, nil)
			compareSyslog(t, "syslog access lines (B0)", 0, ng, we, sinks)
			compareSyslog(t, "syslog main error_log (B5)", 5, ng, we, sinks)
		})
	}
}

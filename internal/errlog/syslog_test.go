package errlog

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// syslogServer listens for datagrams on 127.0.0.1 and returns its address
// and a function that collects what arrived.
func syslogServer(t *testing.T) (string, func() []string) {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.LocalAddr().String(), func() []string { return collect(c) }
}

func collect(c net.PacketConn) []string {
	var got []string
	buf := make([]byte, 65536)
	for {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return got
		}
		got = append(got, string(buf[:n]))
	}
}

// fixSyslogClock pins the header's time and host name for a test.
func fixSyslogClock(t *testing.T, host string) {
	old := syslogNow
	syslogNow = func() time.Time { return time.Date(2026, 3, 5, 6, 7, 8, 0, time.Local) }
	syslogStamp.Store(nil)
	SetSyslogHostname(host)
	t.Cleanup(func() { syslogNow = old; syslogStamp.Store(nil); SetSyslogHostname("") })
}

// captureReports collects what peers report to the main error log.
func captureReports(t *testing.T) *[]string {
	var got []string
	SetSyslogErrors(func(lv Level, msg string) { got = append(got, "["+lv.String()+"] "+msg) })
	t.Cleanup(func() { SetSyslogErrors(nil) })
	return &got
}

func TestSyslogHeader(t *testing.T) {
	fixSyslogClock(t, "web1")
	tests := []struct {
		cfg  Syslog
		want string
	}{
		{Syslog{Facility: 23, Severity: 6, Tag: "nginx"}, "<190>Mar  5 06:07:08 web1 nginx: "},
		{Syslog{Facility: 16, Severity: 3, Tag: "acc", NoHostname: true}, "<131>Mar  5 06:07:08 acc: "},
		{Syslog{Facility: 0, Severity: 0, Tag: ""}, "<0>Mar  5 06:07:08 web1 : "},
	}
	for _, tc := range tests {
		if got := string(NewSyslogPeer(&tc.cfg).AppendHeader(nil)); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.cfg, got, tc.want)
		}
	}
	// until the server runs, the host name is empty (nginx's init cycle)
	syslogHost.Store(nil)
	if got := string(NewSyslogPeer(&Syslog{Facility: 23, Severity: 5, Tag: "nginx"}).AppendHeader(nil)); got != "<189>Mar  5 06:07:08  nginx: " {
		t.Errorf("no host name yet: got %q", got)
	}
}

func TestSyslogErrorLog(t *testing.T) {
	fixSyslogClock(t, "web1")
	addr, recv := syslogServer(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "error.log")
	// the syslog sink is the more verbose one: it comes first, and its
	// severity is the line's level, not severity=
	l := newTest(t,
		Sink{Path: file, Level: Error},
		Sink{Syslog: &Syslog{Addr: addr, Facility: 1, Severity: 0, Tag: "t"}, Level: Info},
	)
	l.Log(Error, 3, "open() failed")
	l.Log(Info, 0, "nul\x00cut")
	l.Log(Debug, 0, "not logged")
	pid := strconv.Itoa(os.Getpid())
	want := []string{
		"<11>Mar  5 06:07:08 web1 t: 2026/11/21 05:50:57 [error] " + pid + "#" + pid + ": *3 open() failed",
		"<14>Mar  5 06:07:08 web1 t: 2026/11/21 05:50:57 [info] " + pid + "#" + pid + ": nul",
	}
	if got := recv(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := read(t, file); got != "2026/11/21 05:50:57 [error] "+pid+"#"+pid+": *3 open() failed\n" {
		t.Errorf("file: %q", got)
	}
}

func TestSyslogServerGone(t *testing.T) {
	reports := captureReports(t)
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	p := NewSyslogPeer(&Syslog{Addr: addr, Facility: 23, Severity: 6, Tag: "nginx"})
	defer p.Close()
	// the first datagram goes (the refusal comes back later), the next
	// send fails and closes the socket, the one after makes a new one
	var errs []bool
	for i := 0; i < 4; i++ {
		errs = append(errs, p.Send([]byte("x")) != nil)
		time.Sleep(20 * time.Millisecond)
	}
	if want := []bool{false, true, false, true}; !slices.Equal(errs, want) {
		t.Errorf("send errors %v, want %v", errs, want)
	}
	want := "[error] send() failed (111: Connection refused)"
	if len(*reports) != 2 || (*reports)[0] != want || (*reports)[1] != want {
		t.Errorf("reports %q", *reports)
	}
}

func TestSyslogUnix(t *testing.T) {
	fixSyslogClock(t, "web1")
	reports := captureReports(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "log.sock")
	p := NewSyslogPeer(&Syslog{Unix: true, Addr: path, Facility: 23, Severity: 6, Tag: "nginx"})
	defer p.Close()
	if err := p.Send([]byte("lost")); err == nil {
		t.Error("send to a missing socket succeeded")
	}
	if want := "[alert] connect() failed (2: No such file or directory)"; len(*reports) != 1 || (*reports)[0] != want {
		t.Errorf("reports %q", *reports)
	}
	c, err := net.ListenPacket("unixgram", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := p.Send(p.AppendHeader(nil)); err != nil {
		t.Fatal(err)
	}
	if got := collect(c); len(got) != 1 || got[0] != "<190>Mar  5 06:07:08 web1 nginx: " {
		t.Errorf("got %q", got)
	}
}

// TestSyslogReportSkipsPeer: a peer's failure goes to the main log's other
// sinks, before the line being logged, never back to the peer.
func TestSyslogReportSkipsPeer(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "error.log")
	l := newTest(t,
		Sink{Syslog: &Syslog{Unix: true, Addr: filepath.Join(dir, "none.sock"), Facility: 23, Tag: "nginx"}, Level: Error},
		Sink{Path: file, Level: Error},
	)
	SetSyslogErrors(func(lv Level, msg string) { l.Log(lv, 0, msg) })
	t.Cleanup(func() { SetSyslogErrors(nil) })
	l.Log(Error, 0, "message")
	head := "2026/11/21 05:50:57 [%s] " + strconv.Itoa(os.Getpid()) + "#" + strconv.Itoa(os.Getpid()) + ": "
	want := fmt.Sprintf(head, "alert") + "connect() failed (2: No such file or directory)\n" +
		fmt.Sprintf(head, "error") + "message\n"
	if got := read(t, file); got != want {
		t.Errorf("file: %q, want %q", got, want)
	}
}

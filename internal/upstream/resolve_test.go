package upstream

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"weir/internal/config"
)

// dnsmasq is a DNS server the test starts on 127.0.0.1 with a hosts file
// it may change; its answers live for a second.
type dnsmasq struct {
	t     *testing.T
	cmd   *exec.Cmd
	hosts string
	addr  string
}

func startDNSMasq(t *testing.T, hosts string, args ...string) *dnsmasq {
	t.Helper()
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/dnsmasq"); err != nil {
			t.Skip("dnsmasq is not installed (apt-get install dnsmasq): the re-resolving tests need a DNS server")
		}
	}
	dir := t.TempDir()
	d := &dnsmasq{t: t, hosts: filepath.Join(dir, "hosts")}
	d.setHosts(hosts)
	for try := 0; try < 5; try++ {
		// a free UDP port, then dnsmasq on it
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := pc.LocalAddr().(*net.UDPAddr).Port
		pc.Close()
		d.addr = fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.Command(bin, append([]string{"--no-daemon", "--no-resolv", "--no-hosts",
			fmt.Sprintf("--port=%d", port), "--listen-address=127.0.0.1", "--bind-interfaces",
			"--addn-hosts=" + d.hosts, "--local-ttl=1", "--pid-file=" + filepath.Join(dir, "pid")}, args...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		d.cmd = cmd
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
			continue // the port was taken meanwhile
		case <-time.After(300 * time.Millisecond):
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			<-exited
		})
		return d
	}
	t.Fatal("dnsmasq did not start")
	return nil
}

// setHosts writes the hosts file and makes dnsmasq read it again.
func (d *dnsmasq) setHosts(lines string) {
	if err := os.WriteFile(d.hosts, []byte(lines), 0o644); err != nil {
		d.t.Fatal(err)
	}
	if d.cmd != nil {
		d.cmd.Process.Signal(syscall.SIGHUP)
	}
}

// resolveGroup is a group with a zone whose servers are re-resolved with
// the resolver at addr.
func resolveGroup(addr string, servers ...*config.UpstreamServer) *config.Upstream {
	return &config.Upstream{
		Name: "dyn", Zone: "dyn", ZoneSize: 65536, Servers: servers,
		Resolver: []string{addr}, ResolverTimeout: 2 * time.Second,
	}
}

func resolveServer(host string, port int, service string, opts ...string) *config.UpstreamServer {
	s := sv(host)
	s.Addrs = nil
	s.ResolveHost, s.ResolvePort, s.Service = host, port, service
	for _, o := range opts {
		switch o {
		case "backup":
			s.Backup = true
		}
	}
	if port != 0 {
		s.Host = fmt.Sprintf("%s:%d", host, port)
	}
	return s
}

// peerNames lists a tier's peers.
func peerNames(g *Group, backup bool) []string {
	var out []string
	for _, p := range g.Snapshot() {
		if p.Backup == backup {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}

// waitPeers polls until the tier has the peers want (sorted).
func waitPeers(t *testing.T, g *Group, backup bool, want ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := peerNames(g, backup)
		if slices.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers (backup %v) %v, want %v", backup, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestResolveAddsAndRemovesPeers(t *testing.T) {
	d := startDNSMasq(t, "127.0.0.1 app.test\n")
	u := resolveGroup(d.addr, sv("127.0.0.9:8000"), resolveServer("app.test", 8081, ""))
	set := NewSet([]*config.Upstream{u}, Options{})
	defer set.Close()
	g := set.Group(u)
	waitPeers(t, g, false, "127.0.0.1:8081", "127.0.0.9:8000")

	// a failure of the resolved peer is kept across a resolution that
	// still has its address
	var pk Pick
	g.Begin(&pk, Input{})
	var failed *Peer
	for range 2 {
		p, err := pk.Next()
		if err != nil {
			t.Fatal(err)
		}
		if p.Name == "127.0.0.1:8081" {
			failed = p
			pk.Free(p, StateFailed)
		} else {
			pk.Free(p, StateOK)
		}
	}
	if failed == nil {
		t.Fatal("the resolved peer was not picked")
	}

	d.setHosts("127.0.0.1 app.test\n127.0.0.2 app.test\n")
	waitPeers(t, g, false, "127.0.0.1:8081", "127.0.0.2:8081", "127.0.0.9:8000")
	if st := g.State(failed); st.Fails != 1 {
		t.Errorf("the kept peer has %d failures, want 1", st.Fails)
	}
	kept := false
	for _, p := range g.Peers() {
		kept = kept || p == failed
	}
	if !kept {
		t.Error("the peer whose address stayed was replaced")
	}

	d.setHosts("127.0.0.2 app.test\n")
	waitPeers(t, g, false, "127.0.0.2:8081", "127.0.0.9:8000")

	// every peer is picked in turn: the balancer sees the new list
	g.Begin(&pk, Input{})
	seen := map[string]bool{}
	for range 2 {
		p, err := pk.Next()
		if err != nil {
			t.Fatal(err)
		}
		seen[p.Name] = true
		pk.Free(p, StateOK)
	}
	if !seen["127.0.0.2:8081"] || !seen["127.0.0.9:8000"] {
		t.Errorf("picked %v", seen)
	}
}

func TestResolveServiceBackupByPriority(t *testing.T) {
	d := startDNSMasq(t, "127.0.0.1 a.test\n127.0.0.2 b.test\n",
		"--srv-host=_http._tcp.svc.test,a.test,8081,0,5",
		"--srv-host=_http._tcp.svc.test,b.test,8082,1,1")
	u := resolveGroup(d.addr, resolveServer("svc.test", 0, "http"))
	set := NewSet([]*config.Upstream{u}, Options{})
	defer set.Close()
	g := set.Group(u)
	waitPeers(t, g, false, "127.0.0.1:8081")
	waitPeers(t, g, true, "127.0.0.2:8082")
	for _, p := range g.Snapshot() {
		want := map[string]string{"127.0.0.1:8081": "a.test", "127.0.0.2:8082": "b.test"}[p.Name]
		if p.Server != want {
			t.Errorf("peer %s server %q, want the SRV target %q", p.Name, p.Server, want)
		}
		if p.Name == "127.0.0.1:8081" && p.Weight != 5 {
			t.Errorf("weight %d, want the SRV record's 5", p.Weight)
		}
	}
}

func TestResolveRefusedKeepsPeers(t *testing.T) {
	// an answer other than "not found" (dnsmasq refuses names it does not
	// know) keeps the peers, as nginx keeps them for every error but
	// NXDOMAIN
	d := startDNSMasq(t, "127.0.0.1 app.test\n")
	u := resolveGroup(d.addr, resolveServer("app.test", 8081, ""))
	set := NewSet([]*config.Upstream{u}, Options{})
	defer set.Close()
	g := set.Group(u)
	waitPeers(t, g, false, "127.0.0.1:8081")
	d.setHosts("")
	time.Sleep(3 * time.Second)
	if got := peerNames(g, false); !slices.Equal(got, []string{"127.0.0.1:8081"}) {
		t.Errorf("peers %v after a refused answer", got)
	}
}

func TestServiceName(t *testing.T) {
	for _, c := range [][3]string{{"http", "x.test", "_http._tcp.x.test"}, {"_sip._udp", "x.test", "_sip._udp.x.test"}} {
		if got := serviceName(c[0], c[1]); got != c[2] {
			t.Errorf("serviceName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
	if !strings.Contains(rcodeText(3), "Host not found") || rcodeText(110) != "Operation timed out" {
		t.Error("rcodeText")
	}
}

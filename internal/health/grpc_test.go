package health

import (
	"bufio"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"weir/internal/config"
)

// grpcHealthServer is a gRPC server (python3-grpcio, generic handlers)
// with the health service: its answer is what the file "mode" says
// (serving, not_serving, unimplemented); it writes the service each
// call asked for to the file "asked".
const grpcHealthServer = `
import grpc, os, sys, time
from concurrent import futures
d = sys.argv[1]
def check(req, ctx):
    n = req[1] if len(req) > 1 else 0
    svc = req[2:2+n].decode() if req[:1] == b"\x0a" else ""
    with open(os.path.join(d, "asked"), "w") as f:
        f.write(svc)
    mode = open(os.path.join(d, "mode")).read().strip()
    if mode == "unimplemented":
        ctx.abort(grpc.StatusCode.UNIMPLEMENTED, "no health")
    return b"\x08\x01" if mode == "serving" else b"\x08\x02"
h = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
    "Check": grpc.unary_unary_rpc_method_handler(check, request_deserializer=None, response_serializer=None)})
s = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[h])
port = s.add_insecure_port("127.0.0.1:0")
s.start()
print(port, flush=True)
time.sleep(float(sys.argv[2]))
`

func startGRPCHealth(t *testing.T) (addr, dir string) {
	t.Helper()
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil && exec.Command(path, "-c", "import grpc").Run() == nil {
			py = path
			break
		}
	}
	if py == "" {
		t.Skip("python3 cannot import grpc (install python3-grpcio)")
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mode"), []byte("serving"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "server.py")
	if err := os.WriteFile(script, []byte(grpcHealthServer), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, script, dir, "60")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal("grpc server:", err)
	}
	return "127.0.0.1:" + strings.TrimSpace(line), dir
}

// type=grpc: the gRPC health service's Check call; SERVING passes,
// NOT_SERVING fails, UNIMPLEMENTED fails unless grpc_status=12.
func TestGRPCCheck(t *testing.T) {
	addr, dir := startGRPCHealth(t)
	mode := func(m string) {
		if err := os.WriteFile(filepath.Join(dir, "mode"), []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	asked := func() string { b, _ := os.ReadFile(filepath.Join(dir, "asked")); return string(b) }
	for _, tc := range []struct {
		name string
		hc   *config.HealthCheck
	}{
		{"plain", &config.HealthCheck{GRPC: true, GRPCService: "svc.A"}},
		{"keepalive", &config.HealthCheck{GRPC: true, KeepaliveTime: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mode("serving")
			hc := tc.hc
			s, g := setup(t, hc, &backend{srv: &httptest.Server{URL: "http://" + addr}})
			hc.Loc.GRPC.ConnectTimeout, hc.Loc.GRPC.SendTimeout, hc.Loc.GRPC.ReadTimeout = hc.Loc.Proxy.ConnectTimeout, hc.Loc.Proxy.SendTimeout, hc.Loc.Proxy.ReadTimeout
			hc.Loc.Proxy.Pass, hc.Loc.GRPC.Pass = nil, hc.Pass
			hc.Pass.Scheme = "grpc://"
			c := Start(s, []*config.HealthCheck{hc}, nil, nil)
			defer c.Stop()
			p := g.Peers()[0]
			os.Remove(filepath.Join(dir, "asked"))
			waitFor(t, "a check", func() bool { return exists(dir, "asked") })
			if got := asked(); got != hc.GRPCService {
				t.Errorf("service asked %q, want %q", got, hc.GRPCService)
			}
			if !g.Healthy(p) {
				t.Fatal("SERVING: unhealthy")
			}
			mode("not_serving")
			waitFor(t, "NOT_SERVING unhealthy", func() bool { return !g.Healthy(p) })
			mode("serving")
			waitFor(t, "SERVING again", func() bool { return g.Healthy(p) })
			mode("unimplemented")
			waitFor(t, "UNIMPLEMENTED unhealthy", func() bool { return !g.Healthy(p) })
		})
	}
	t.Run("grpc_status", func(t *testing.T) {
		mode("unimplemented")
		hc := &config.HealthCheck{GRPC: true, GRPCStatus: 12}
		s, g := setup(t, hc, &backend{srv: &httptest.Server{URL: "http://" + addr}})
		hc.Loc.GRPC.ConnectTimeout, hc.Loc.GRPC.SendTimeout, hc.Loc.GRPC.ReadTimeout = hc.Loc.Proxy.ConnectTimeout, hc.Loc.Proxy.SendTimeout, hc.Loc.Proxy.ReadTimeout
		hc.Loc.Proxy.Pass, hc.Loc.GRPC.Pass = nil, hc.Pass
		hc.Pass.Scheme = "grpc://"
		hc.Fails = 1
		c := Start(s, []*config.HealthCheck{hc}, nil, nil)
		defer c.Stop()
		p := g.Peers()[0]
		time.Sleep(200 * time.Millisecond)
		if !g.Healthy(p) {
			t.Fatal("grpc_status=12: UNIMPLEMENTED made the peer unhealthy")
		}
		mode("not_serving")
		waitFor(t, "NOT_SERVING unhealthy", func() bool { return !g.Healthy(p) })
	})
}

func exists(dir, name string) bool { _, err := os.Stat(filepath.Join(dir, name)); return err == nil }

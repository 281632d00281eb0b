package difftest

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The grpc module against a real gRPC server and client: Debian's
// python3-grpcio runs a generic server (identity serializers, no code
// generation) and a client that prints what a call gave (messages,
// status, details, initial and trailing metadata) as JSON.

const grpcServerPy = `import sys, os, time, grpc
from concurrent import futures

def unary(req, ctx):
    ctx.set_trailing_metadata((("x-trail", "t1"),))
    ctx.send_initial_metadata((("x-init", "i1"),))
    return b"echo:" + req

def sstream(req, ctx):
    for i in range(int(req or b"3")):
        yield b"msg%d" % i

def cstream(it, ctx):
    return b"|".join(m if len(m) < 64 else b"len=%d" % len(m) for m in it)

def bidi(it, ctx):
    for m in it:
        yield (b"re:" + m) if len(m) < 64 else m

def fail(req, ctx):
    ctx.abort(grpc.StatusCode.PERMISSION_DENIED, "no way: " + req.decode())

def slow(req, ctx):
    time.sleep(float(req or b"2"))
    return b"late"

def die(req, ctx):
    yield b"first"
    time.sleep(0.3)
    os._exit(3)

def big(req, ctx):
    return bytes([65 + (i % 26) for i in range(int(req))])

def meta(req, ctx):
    md = sorted((k, v) for k, v in ctx.invocation_metadata() if k.startswith("x-") or k == "te")
    return repr(md).encode()

H = {
    "Unary": grpc.unary_unary_rpc_method_handler(unary),
    "SStream": grpc.unary_stream_rpc_method_handler(sstream),
    "CStream": grpc.stream_unary_rpc_method_handler(cstream),
    "Bidi": grpc.stream_stream_rpc_method_handler(bidi),
    "Fail": grpc.unary_unary_rpc_method_handler(fail),
    "Slow": grpc.unary_unary_rpc_method_handler(slow),
    "Die": grpc.unary_stream_rpc_method_handler(die),
    "Big": grpc.unary_unary_rpc_method_handler(big),
    "Meta": grpc.unary_unary_rpc_method_handler(meta),
}
opts = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
s = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=opts)
s.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("t.S", H),))
port = s.add_insecure_port("127.0.0.1:0")
s.start()
print("port", port, flush=True)
s.wait_for_termination(timeout=float(sys.argv[1]))
`

const grpcClientPy = `import sys, json, hashlib, queue, grpc
target, kind, method, arg, timeout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
opts = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20),
        ("grpc.enable_retries", 0)]
ch = grpc.insecure_channel(target, opts)
path = "/t.S/" + method
md = (("x-client", "c1"),)
out = {"msgs": []}
def show(m):
    if len(m) > 64:
        return "len=%d sha=%s" % (len(m), hashlib.sha1(m).hexdigest()[:12])
    return m.decode("latin1")
def reqs():
    for p in arg.split(","):
        if p.startswith("#"):
            yield bytes([66 + (i % 20) for i in range(int(p[1:]))])
        else:
            yield p.encode()
def meta(pairs):
    # the values of date and server are the servers' own
    return sorted((k, v if k not in ("date", "server") else "*") for k, v in (pairs or ()))
try:
    if kind == "uu":
        r, call = ch.unary_unary(path).with_call(next(reqs()), timeout=timeout, metadata=md)
        out["msgs"].append(show(r))
    elif kind == "us":
        call = ch.unary_stream(path)(next(reqs()), timeout=timeout, metadata=md)
        for r in call:
            out["msgs"].append(show(r))
    elif kind == "su":
        r, call = ch.stream_unary(path).with_call(reqs(), timeout=timeout, metadata=md)
        out["msgs"].append(show(r))
    elif kind == "pp":
        # ping-pong: each message goes only once the answer to the one
        # before came back, which needs both bodies streaming at once
        q = queue.Queue()
        def gen():
            for i, m in enumerate(reqs()):
                if i > 0:
                    try:
                        q.get(timeout=3)
                    except queue.Empty:
                        out["stalled"] = True
                        return
                yield m
        call = ch.stream_stream(path)(gen(), timeout=timeout, metadata=md)
        for r in call:
            out["msgs"].append(show(r))
            q.put(1)
    else:
        call = ch.stream_stream(path)(reqs(), timeout=timeout, metadata=md)
        for r in call:
            out["msgs"].append(show(r))
    out["code"] = call.code().name
    out["details"] = call.details()
    out["init"] = meta(call.initial_metadata())
    out["trail"] = meta(call.trailing_metadata())
except grpc.RpcError as e:
    out["code"] = e.code().name
    out["details"] = e.details()
    out["init"] = meta(e.initial_metadata())
    out["trail"] = meta(e.trailing_metadata())
print(json.dumps(out, sort_keys=True))
`

// grpcPython returns a python3 that can import grpc, or skips the test.
func grpcPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import grpc").Run() == nil {
			return path
		}
	}
	t.Skip("python3 cannot import grpc (install python3-grpcio)")
	return ""
}

// startGRPCServer runs the Python gRPC server (it stops by itself after
// a while, and is stopped by its pid when the test ends) and returns its
// address.
func startGRPCServer(t *testing.T, py, dir string) string {
	t.Helper()
	cmd := exec.Command(py, filepath.Join(dir, "server.py"), "120")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "port "); ok {
				port <- p
			}
		}
	}()
	select {
	case p := <-port:
		return "127.0.0.1:" + p
	case <-time.After(15 * time.Second):
		t.Fatal("the gRPC server did not start")
	}
	return ""
}

// grpcCall runs one call with the Python client and returns its JSON
// output, parsed.
func grpcCall(t *testing.T, py, dir, target, kind, method, arg string, timeout string) map[string]any {
	t.Helper()
	cmd := exec.Command(py, filepath.Join(dir, "client.py"), target, kind, method, arg, timeout)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("the gRPC client did not end")
	}
	if err != nil {
		t.Fatalf("client: %v\n%s", err, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	return m
}

func TestGRPC(t *testing.T) {
	py := grpcPython(t)
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"server.py": grpcServerPy, "client.py": grpcClientPy} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	backend := startGRPCServer(t, py, dir)
	// the server that dies in the middle of a stream: one per server
	// under test
	dying := map[string]string{}
	st := &site{
		backends: func(t *testing.T, name string) []string {
			dying[name] = startGRPCServer(t, py, dir)
			return []string{backend, dying[name]}
		},
		http: `
    upstream up { server {{B0}}; keepalive 4; }
    server {
        listen 127.0.0.1:{{PORT}} http2;
        client_max_body_size 10m;
        location / { grpc_pass grpc://{{B0}}; }
        location /t.S/Slow { grpc_pass {{B0}}; grpc_read_timeout 1s; }
        location /t.S/Die { grpc_pass grpc://{{B1}}; }
        location /t.S/Meta {
            grpc_pass up;
            grpc_set_header X-Added "$request_method $grpc_internal_trailers";
            grpc_set_header X-Client "";
        }
        location /t.S/Unary {
            grpc_pass grpc://up;
            grpc_hide_header x-trail;
            grpc_hide_header x-init;
        }
    }
    server {
        listen 127.0.0.1:{{PORT2}} http2;
        location / { grpc_pass grpc://127.0.0.1:1; }
    }
`,
	}
	ng, we := startPair(t, st)
	t.Run("startup error log", func(t *testing.T) { compareLogs(t, tc{}, ng, we, nil) })
	cases := []struct {
		name, kind, method, arg, timeout string
		port                             int
		// page is the length of nginx's error page, whose footer
		// names the server ("nginx/1.22.1", one byte more than weir's)
		page int
	}{
		{name: "unary", kind: "uu", method: "Unary", arg: "hi"},
		{name: "server streaming", kind: "us", method: "SStream", arg: "5"},
		{name: "client streaming", kind: "su", method: "CStream", arg: "a,b,c,d"},
		{name: "bidi", kind: "ss", method: "Bidi", arg: "x,y,z"},
		{name: "bidi ping-pong", kind: "pp", method: "Bidi", arg: "p,q,r,s"},
		{name: "status with message", kind: "uu", method: "Fail", arg: "zz"},
		{name: "upstream read timeout", kind: "uu", method: "Slow", arg: "3", timeout: "10", page: 167},
		{name: "large response", kind: "uu", method: "Big", arg: "3000000"},
		{name: "large request", kind: "su", method: "CStream", arg: "#2000000,#70000"},
		{name: "large bidi", kind: "ss", method: "Bidi", arg: "#300000,#1000,#500000"},
		{name: "set and hide headers", kind: "uu", method: "Meta", arg: "m"},
		{name: "server dies mid-stream", kind: "us", method: "Die", arg: "x"},
		{name: "unreachable upstream", kind: "uu", method: "Unary", arg: "x", port: 1, page: 157},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			timeout := c.timeout
			if timeout == "" {
				timeout = "20"
			}
			var got [2]map[string]any
			for i, s := range []*server{ng, we} {
				got[i] = grpcCall(t, py, dir, s.addr(c.port), c.kind, c.method, c.arg, timeout)
			}
			n, w := mustJSON(got[0]), mustJSON(got[1])
			if n != w {
				t.Errorf("calls differ:\nnginx: %s\nweir:  %s", n, w)
			}
			var lensOK map[[2]string]bool
			if c.page > 0 {
				lensOK = map[[2]string]bool{{strconv.Itoa(c.page), strconv.Itoa(c.page - 1)}: true}
			}
			compareLogs(t, tc{name: c.name}, ng, we, lensOK)
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

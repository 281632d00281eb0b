package httpcore

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestIdleMemory measures what an idle keep-alive connection costs the
// server process: WEIR_IDLE_CONNS=10000 go test -run TestIdleMemory -v
// ./internal/httpcore. A child process (this test binary again) opens the
// connections over loopback, sends one request on each and keeps them
// open; the parent reports the growth of its heap and stacks (HeapInuse +
// StackInuse) and of all memory obtained from the OS (Sys) per
// connection, for weir (goroutine parked, then handed to the poller) and
// for net/http. Kernel socket buffers are not counted, as for nginx.
func TestIdleMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WEIR_IDLE_CONNS"))
	if n <= 0 {
		t.Skip("WEIR_IDLE_CONNS not set")
	}
	raiseNofile(t, n+1000)

	t.Run("weir_poller", func(t *testing.T) {
		h := &testHandler{set: DefaultSettings(), serve: serveSmall}
		addr, s := startServer(t, h)
		measureIdle(t, addr, n, time.Duration(hotIdle.get())+time.Second, func() int { return s.Conns() })
	})
	t.Run("weir_parked_goroutine", func(t *testing.T) {
		withHotIdle(t, time.Hour)
		h := &testHandler{set: DefaultSettings(), serve: serveSmall}
		addr, s := startServer(t, h)
		measureIdle(t, addr, n, time.Second, func() int { return s.Conns() })
	})
	t.Run("net_http", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		open := 0
		srv := &http.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "2")
				io.WriteString(w, "ok")
			}),
			ConnState: func(c net.Conn, st http.ConnState) {
				mu.Lock()
				defer mu.Unlock()
				switch st {
				case http.StateNew:
					open++
				case http.StateClosed, http.StateHijacked:
					open--
				}
			},
		}
		go srv.Serve(ln)
		defer srv.Close()
		measureIdle(t, ln.Addr().String(), n, time.Second, func() int {
			mu.Lock()
			defer mu.Unlock()
			return open
		})
	})
}

func serveSmall(w *Response, r *Request) {
	w.ContentLength = 2
	w.Write([]byte("ok"))
}

func raiseNofile(t *testing.T, want int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		t.Fatal(err)
	}
	if rl.Cur < uint64(want) {
		rl.Cur = min(uint64(want), rl.Max)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	if rl.Cur < uint64(want) {
		t.Skipf("RLIMIT_NOFILE %d < %d", rl.Cur, want)
	}
}

type memSnap struct{ heapStack, runtime uint64 }

func snap() memSnap {
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return memSnap{m.HeapInuse + m.StackInuse, m.MSpanInuse + m.OtherSys + m.GCSys}
}

// measureIdle opens n idle connections twice. The first round counts
// everything the process had to grow by; the second, after the first
// connections closed, is the steady state (the Go runtime keeps the
// descriptors of exited goroutines for reuse, so goroutines that served
// the first round cost nothing the second time).
func measureIdle(t *testing.T, addr string, n int, settle time.Duration, conns func() int) {
	for round := 1; round <= 2; round++ {
		before := snap()
		stop := openIdle(t, addr, n)
		time.Sleep(settle)
		if got := conns(); got != n {
			stop()
			t.Fatalf("%d connections open, want %d", got, n)
		}
		after := snap()
		if f := os.Getenv("WEIR_IDLE_HEAPPROFILE"); f != "" {
			w, _ := os.Create(fmt.Sprintf("%s.%s.%d", f, strings.ReplaceAll(t.Name(), "/", "_"), round))
			pprof.Lookup("heap").WriteTo(w, 0)
			w.Close()
		}
		hs := float64(int64(after.heapStack-before.heapStack)) / float64(n)
		rt := float64(int64(after.runtime-before.runtime)) / float64(n)
		what := "first round"
		if round == 2 {
			what = "steady state"
		}
		t.Logf("%s: %d idle keep-alive connections: %.0f B/conn heap+stack, +%.0f B/conn runtime structures (poll descriptors, spans, GC metadata)", what, n, hs, rt)
		fmt.Printf("IDLE %s %s: %.0f B/conn heap+stack, +%.0f B/conn runtime\n", t.Name(), what, hs, rt)
		stop()
		deadline := time.Now().Add(10 * time.Second)
		for conns() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// openIdle starts the client process with n connections and returns a
// function that closes them.
func openIdle(t *testing.T, addr string, n int) func() {
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleClient$")
	cmd.Env = append(os.Environ(), "WEIR_IDLE_CLIENT="+addr, "WEIR_IDLE_N="+strconv.Itoa(n))
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := func() {
		stdin.Close()
		cmd.Wait()
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "ready") {
			return stop
		}
	}
	stop()
	t.Fatal("client failed")
	return nil
}

// TestIdleClient is the child process of TestIdleMemory.
func TestIdleClient(t *testing.T) {
	addr := os.Getenv("WEIR_IDLE_CLIENT")
	if addr == "" {
		t.Skip("child of TestIdleMemory only")
	}
	n, _ := strconv.Atoi(os.Getenv("WEIR_IDLE_N"))
	raiseNofile(t, n+100)
	conns := make([]net.Conn, 0, n)
	sem := make(chan struct{}, 64)
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed error
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			c, err := net.Dial("tcp", addr)
			if err == nil {
				_, err = c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
			}
			if err == nil {
				buf := make([]byte, 512)
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, err = c.Read(buf)
				c.SetReadDeadline(time.Time{})
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = err
				return
			}
			conns = append(conns, c)
		}()
	}
	wg.Wait()
	if failed != nil {
		t.Fatal(failed)
	}
	fmt.Println("ready", len(conns))
	io.Copy(io.Discard, os.Stdin)
	for _, c := range conns {
		c.Close()
	}
}

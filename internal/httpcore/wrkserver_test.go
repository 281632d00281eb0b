package httpcore

import (
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestWrkServer runs a weir engine with a static-file-like handler for
// external load generators: WEIR_WRK_ADDR=127.0.0.1:8081
// WEIR_WRK_ROOT=/dir go test -run TestWrkServer ./internal/httpcore
// serves files from the directory (open, fstat, SendFile, close, as a
// static handler without an open file cache) until SIGINT or SIGTERM.
func TestWrkServer(t *testing.T) {
	addr := os.Getenv("WEIR_WRK_ADDR")
	if addr == "" {
		t.Skip("WEIR_WRK_ADDR not set")
	}
	root := os.Getenv("WEIR_WRK_ROOT")
	h := &testHandler{set: DefaultSettings(), serve: func(w *Response, r *Request) {
		w.Server = "weir"
		if root == "" {
			serve1k(w, r)
			return
		}
		// open(2) and fstat(2) directly: os.Open would also try to
		// register the file with the netpoller (a failing epoll_ctl)
		name := filepath.Join(root, filepath.Clean(r.Path))
		fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			w.Status = 404
			w.ContentLength = 0
			w.WriteHeader()
			return
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil {
			return
		}
		w.ContentType = "text/plain"
		w.ContentLength = st.Size
		w.LastModified = time.Unix(st.Mtim.Unix())
		w.Header = append(w.Header, Header{"Accept-Ranges", "bytes"})
		w.SendFile(f, 0, st.Size)
	}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h}
	go s.Serve(ln, nil)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	ln.Close()
	s.CloseAll()
}

//go:build linux

package static

import (
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"weir/internal/httpcore"
)

// handlerFunc adapts a function to httpcore.Handler for the tests.
type handlerFunc func(w *httpcore.Response, r *httpcore.Request)

func (h handlerFunc) Settings(any) *httpcore.Settings { return httpcore.DefaultSettings() }
func (h handlerFunc) Serve(w *httpcore.Response, r *httpcore.Request) {
	if r.Err != 0 {
		if !r.NoResponse {
			special(w, r.Err)
		}
		return
	}
	h(w, r)
}

// startWeir serves h with weir's engine on a loopback port.
func startWeir(t testing.TB, h handlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &httpcore.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		s.Serve(ln, nil)
		close(done)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		s.CloseAll()
	})
	return ln.Addr().String()
}

// special answers as nginx's ngx_http_send_special_response does, in
// short: the status, a text/html page, and the fields already in
// w.Header (the tests compare neither the page nor its length).
func special(w *httpcore.Response, status int) {
	w.Status = status
	w.Server = "weir"
	w.ContentType = "text/html"
	w.LastModified = time.Time{}
	page := fmt.Sprintf("<html>\r\n<head><title>%d</title></head>\r\n</html>\r\n", status)
	w.ContentLength = int64(len(page))
	w.Write([]byte(page))
}

// staticPipeline stands in for weir's request pipeline over the
// differential fixture: location by prefix, the static handler's method
// check, Open, the directory redirect, then ServeFile, and the special
// response when ServeFile sent nothing.
func staticPipeline(root string) handlerFunc {
	return func(w *httpcore.Response, r *httpcore.Request) {
		path, loc, opt := locate(root, r.Path)
		if m := r.Method; m != "GET" && m != "HEAD" && m != "POST" {
			special(w, 405)
			return
		}
		f, fi, oerr := Open(path, loc.open)
		if oerr != nil && oerr.Status == 404 && loc.errPage != "" {
			// error_page 404 /f.txt: an internal redirect that keeps
			// the status (and turns the method into GET).
			path, loc, opt = locate(root, loc.errPage)
			opt.ErrStatus = 404
			f, fi, oerr = Open(path, loc.open)
		}
		if oerr != nil {
			special(w, oerr.Status)
			return
		}
		if fi.IsDir() {
			w.Location = "http://" + r.Host + r.Path + "/"
			special(w, 301)
			return
		}
		defer f.Close()
		w.OnHeader = loc.onHeader
		status, err := ServeFile(w, r, f, fi, &opt)
		if err != nil {
			w.KeepAlive = false
			return
		}
		if !w.HeaderSent() {
			special(w, status)
		}
	}
}

// autoindexPipeline serves the autoindex fixture.
func autoindexPipeline(root string) handlerFunc {
	return func(w *httpcore.Response, r *httpcore.Request) {
		for _, l := range aiLocations() {
			if !strings.HasPrefix(r.Path, l.prefix) {
				continue
			}
			dir := root + "/" + l.dir + "/" + r.Path[len(l.prefix):]
			status, _ := Autoindex(w, r, dir, r.Path, &l.opt)
			if !w.HeaderSent() {
				special(w, status)
			}
			return
		}
		special(w, 404)
	}
}

// socketWeir sends each request to weir's engine on a real socket.
func socketWeir(addr string) weirFunc {
	return func(t *testing.T, c diffCase) *rawResp {
		return rawRequest(t, addr, c.method, c.uri, c.hdr)
	}
}

// TestDifferentialStaticSockets compares nginx with ServeFile served by
// weir's own HTTP engine over loopback.
func TestDifferentialStaticSockets(t *testing.T) {
	nginxBinary(t)
	root := diffTree(t)
	addr := startNginx(t, diffNginxServer(root))
	runDiff(t, addr, diffCases(), socketWeir(startWeir(t, staticPipeline(root))))
}

// TestDifferentialAutoindexSockets compares the listings served by weir's
// engine with nginx's.
func TestDifferentialAutoindexSockets(t *testing.T) {
	nginxBinary(t)
	root := autoindexTree(t)
	addr := startNginx(t, aiNginxServer(root), "TZ=XST-5:30")
	runDiff(t, addr, autoindexCases(), socketWeir(startWeir(t, autoindexPipeline(root))))
}

// caseServer serves the ServeFile table over a socket: the case under
// test is published through an atomic pointer before each request.
type caseServer struct {
	cur atomic.Pointer[serveCase]
}

type serveCase struct {
	path     string
	opt      Options
	onHeader func(*httpcore.Response)
}

func (cs *caseServer) handler() handlerFunc {
	return func(w *httpcore.Response, r *httpcore.Request) {
		c := cs.cur.Load()
		f, fi, oerr := Open(c.path, OpenOptions{})
		if oerr != nil {
			special(w, oerr.Status)
			return
		}
		defer f.Close()
		w.OnHeader = c.onHeader
		status, err := ServeFile(w, r, f, fi, &c.opt)
		if err != nil {
			w.KeepAlive = false
			return
		}
		if !w.HeaderSent() {
			special(w, status)
		}
	}
}

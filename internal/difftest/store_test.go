package difftest

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// storeBackend counts the requests for each URI and answers "n=N URI"
// with a Last-Modified of 2015; words in the path change the answer:
// /nolm/ and /badlm/ (no or an invalid Last-Modified), /s404/, /chunked/,
// /close/ (the body ends with the connection), /short/ (the connection
// closes before the Content-Length is sent), /big/ (200k), /slow/ (after
// 300 ms), /nolen/ and /headcl/ (no body, without and with a
// Content-Length: HEAD's answers).
func storeBackend(t *testing.T, name string) []string {
	return countingBackend(t, func(conn net.Conn, uri string, n int, _ []string) {
		has := func(w string) bool { return strings.Contains(uri, "/"+w+"/") }
		if has("slow") {
			time.Sleep(300 * time.Millisecond)
		}
		status := "200 OK"
		if has("s404") {
			status = "404 Not Found"
		}
		hdr := "Content-Type: text/plain\r\n"
		switch {
		case has("badlm"):
			hdr += "Last-Modified: yesterday\r\n"
		case !has("nolm"):
			hdr += "Last-Modified: Thu, 01 Jan 2015 10:20:30 GMT\r\n"
		}
		body := fmt.Sprintf("n=%d %s\n", n, uri)
		if has("big") {
			body = strings.Repeat(body, 200000/len(body))
		}
		switch {
		case has("chunked"):
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", status, hdr, len(body), body)
		case has("close"):
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sConnection: close\r\n\r\n%s", status, hdr, body)
		case has("short"):
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, hdr, len(body)+10, body)
		case has("headcl"):
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n", status, hdr, len(body))
		case has("nolen"):
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sConnection: close\r\n\r\n", status, hdr)
		default:
			fmt.Fprintf(conn, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, hdr, len(body), body)
		}
	})
}

// TestProxyStore: proxy_store saves an upstream's 200, read whole with
// buffering on, to the file its URI maps to (or the path given), with
// proxy_store_access's mode (0600 by default; the directories made on the
// way get x where r) and the upstream's Last-Modified as its time; other
// statuses, bodies cut short, proxy_buffering off, an empty path and a
// HEAD answered with a Content-Length are not stored. A file in the way
// fails the rename as in nginx. The files are compared with nginx's (and
// no temp file is left); a client that leaves does not stop the store.
func TestProxyStore(t *testing.T) {
	runSite(t, &site{
		backends: storeBackend,
		after:    storeAfterAbort("store", "named", "aliased"),
		http: `log_format store '$status "$request" $body_bytes_sent "$upstream_status"';
server {
    listen 127.0.0.1:{{PORT}};
    access_log logs/access.log store;
    root {{PREFIX}}/store;
    proxy_temp_path {{PREFIX}}/tmp/proxy;
    location / { proxy_pass http://{{B0}}; proxy_store on; }
    location /acc/ { proxy_pass http://{{B0}}; proxy_store on; proxy_store_access user:rw group:rw all:r; }
    location /named/ { proxy_pass http://{{B0}}; proxy_store {{PREFIX}}/named$uri.saved; }
    location /empty/ { proxy_pass http://{{B0}}; proxy_store "$arg_none"; }
    location /alias/ { alias {{PREFIX}}/aliased/; proxy_pass http://{{B0}}; proxy_store on; }
    location /nobuf/ { proxy_pass http://{{B0}}; proxy_store on; proxy_buffering off; }
    location /off/ { proxy_pass http://{{B0}}; proxy_store off; }
    location /rw/ {
        proxy_pass http://{{B0}};
        rewrite ^/rw/(.*)$ /rewritten/$1 break;
        proxy_store on;
    }
}
`,
		cases: []tc{
			get("stored", "/a/x.txt"),
			get("stored again, replaced", "/a/x.txt"),
			get("args are not in the path", "/a/y.txt?q=1"),
			get("no last-modified", "/nolm/x"),
			get("invalid last-modified", "/badlm/x"),
			get("404 not stored", "/s404/x"),
			get("chunked", "/chunked/x"),
			get("close-delimited", "/close/x"),
			get("cut short", "/short/x"),
			get("big", "/big/x"),
			req("head with a content-length", "HEAD", "/headcl/x"),
			req("head without", "HEAD", "/nolen/h"),
			get("get without a length", "/nolen/g"),
			get("access", "/acc/deep/er/x"),
			get("named", "/named/x"),
			get("empty path", "/empty/x"),
			get("alias", "/alias/sub/x"),
			get("buffering off", "/nobuf/x"),
			get("store off", "/off/x"),
			get("store off: 404", "/off/s404/x"),
			get("rewritten uri", "/rw/x"),
			get("a file in the way: store it", "/way/f"),
			get("a file in the way", "/way/f/g"),
			get("a directory", "/dir/"),
			get("a directory in the way: make it", "/in/d/x"),
			get("a directory in the way", "/in/d"),
		},
	})
}

// storeAfterAbort is sameStoredFiles once a client went away before the
// answer of a request to /slow/gone: the store goes on.
func storeAfterAbort(dirs ...string) func(t *testing.T, ng, we *server) {
	same := sameStoredFiles("proxy", dirs...)
	return func(t *testing.T, ng, we *server) {
		for _, s := range []*server{ng, we} {
			c, err := net.Dial("tcp", s.addr(0))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(c, "GET /slow/gone HTTP/1.1\r\nHost: localhost\r\n\r\n")
			time.Sleep(50 * time.Millisecond)
			c.Close()
		}
		time.Sleep(700 * time.Millisecond)
		same(t, ng, we)
		if _, err := os.Stat(filepath.Join(ng.prefix, "store/slow/gone")); err != nil {
			t.Errorf("nginx did not store the answer of a client that left: %v", err)
		}
	}
}

// sameStoredFiles checks that both servers stored the same files under
// the prefix's dirs: paths, bytes, modes, and times where the upstream
// gave one (2015); and that no temp file is left in tmp/MODULE.
func sameStoredFiles(module string, dirs ...string) func(t *testing.T, ng, we *server) {
	return func(t *testing.T, ng, we *server) {
		type entry struct {
			mode  fs.FileMode
			mtime time.Time
			data  []byte
		}
		tree := func(root string) map[string]entry {
			out := map[string]entry{}
			_ = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
				if err != nil || p == root {
					return nil
				}
				fi, err := e.Info()
				if err != nil {
					return nil
				}
				rel, _ := filepath.Rel(root, p)
				en := entry{mode: fi.Mode(), mtime: fi.ModTime()}
				if !e.IsDir() {
					en.data, _ = os.ReadFile(p)
				}
				out[rel] = en
				return nil
			})
			return out
		}
		for _, d := range dirs {
			fn, fw := tree(filepath.Join(ng.prefix, d)), tree(filepath.Join(we.prefix, d))
			if len(fn) == 0 {
				t.Errorf("%s: nginx stored nothing", d)
			}
			for name, n := range fn {
				w, ok := fw[name]
				switch {
				case !ok:
					t.Errorf("%s: weir has no %s", d, name)
				case n.mode != w.mode:
					t.Errorf("%s/%s: mode %v, weir %v", d, name, n.mode, w.mode)
				case !bytes.Equal(n.data, w.data):
					t.Errorf("%s/%s: nginx %q, weir %q", d, name, n.data, w.data)
				case n.mtime.Year() == 2015 != (w.mtime.Year() == 2015) || n.mtime.Year() == 2015 && !n.mtime.Equal(w.mtime):
					t.Errorf("%s/%s: time %v, weir %v", d, name, n.mtime, w.mtime)
				}
			}
			for name := range fw {
				if _, ok := fn[name]; !ok {
					t.Errorf("%s: weir has %s, nginx not", d, name)
				}
			}
		}
		for _, tmp := range []string{filepath.Join(ng.prefix, "tmp", module), filepath.Join(we.prefix, "tmp", module)} {
			for name, e := range tree(tmp) {
				if !e.mode.IsDir() {
					t.Errorf("temp file left: %s/%s", tmp, name)
				}
			}
		}
	}
}

// storeGatewaySite is the configuration of the gateway stores: module
// (fastcgi, uwsgi or scgi) with its params, the answers stored under
// stored/, the application's 404 too.
func storeGatewaySite(module, params string) string {
	return fmt.Sprintf(`server {
    listen 127.0.0.1:{{PORT}};
    root {{ROOT}};
    %[1]s_temp_path {{PREFIX}}/tmp/%[1]s;
    location / { %[2]s %[1]s_pass {{B0}}; %[1]s_store {{PREFIX}}/stored$uri; %[1]s_store_access user:rw group:r; }
    location /on/ { %[2]s %[1]s_pass {{B0}}; %[1]s_store on; root {{PREFIX}}/stored; }
}
`, module, params)
}

// storeGatewayCases are the requests of the gateway stores.
var storeGatewayCases = []tc{
	get("stored", "/a/x"),
	get("with last-modified", "/lm/x"),
	get("404 not stored", "/s404/x"),
	req("head", "HEAD", "/h/x"),
	get("on: the uri's file", "/on/x"),
}

// TestFastCGIStore, TestUWSGIStore and TestSCGIStore: fastcgi_store,
// uwsgi_store and scgi_store save the application's 200 as proxy_store
// does; the files are compared with nginx's.
func TestFastCGIStore(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	runSite(t, &site{
		files:    map[string]string{"count.php": countPHP},
		backends: countPHPPool,
		after:    sameStoredFiles("fastcgi", "stored"),
		http:     storeGatewaySite("fastcgi", fcgiParams+"fastcgi_param SCRIPT_FILENAME {{ROOT}}/count.php;"),
		cases:    storeGatewayCases,
	})
}

func TestUWSGIStore(t *testing.T) { wsgiStoreTest(t, "uwsgi", "--uwsgi-socket", uwsgiParams) }

func TestSCGIStore(t *testing.T) { wsgiStoreTest(t, "scgi", "--scgi-socket", scgiParams) }

func wsgiStoreTest(t *testing.T, module, socketOpt, params string) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	runSite(t, &site{
		backends: countWSGIApp(socketOpt),
		after:    sameStoredFiles(module, "stored"),
		http:     storeGatewaySite(module, params),
		cases:    storeGatewayCases,
	})
}

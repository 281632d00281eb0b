package static

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"weir/internal/errlog"
	"weir/internal/httpcore"
)

const (
	testBody  = "0123456789abcdefghij"
	testMtime = 1709618828 // Tue, 05 Mar 2024 06:07:08 GMT
	testETag  = `"65e6b68c-14"`
	testLM    = "Tue, 05 Mar 2024 06:07:08 GMT"
)

func writeFile(t testing.TB, dir, name, body string, mtime int64) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Unix(mtime, 0)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	return p
}

type hdrs = []httpcore.Header

func h(kv ...string) hdrs {
	var out hdrs
	for i := 0; i < len(kv); i += 2 {
		out = append(out, httpcore.Header{Name: kv[i], Value: kv[i+1]})
	}
	return out
}

const multipartBody = "\r\n--00000000000000000007\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01" +
	"\r\n--00000000000000000007\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/20\r\n\r\n56" +
	"\r\n--00000000000000000007--\r\n"

// TestServeFile pins ServeFile's answers to what nginx 1.22.1 sends for
// the same requests (checked with curl against the real nginx).
func TestServeFile(t *testing.T) {
	dir := t.TempDir()
	full := writeFile(t, dir, "f.txt", testBody, testMtime)
	empty := writeFile(t, dir, "empty.txt", "", testMtime)

	// addX is add_header X-A a: it applies to the statuses nginx lists.
	addX := func(w *httpcore.Response) {
		switch w.Status {
		case 200, 201, 204, 206, 301, 302, 303, 304, 307, 308:
			w.Header = append(w.Header, httpcore.Header{Name: "X-A", Value: "a"})
		}
	}
	noETag := DefaultOptions
	noETag.ETag = false
	before := DefaultOptions
	before.IfModifiedSince = IMSBefore
	imsOff := DefaultOptions
	imsOff.IfModifiedSince = IMSOff
	mr1 := DefaultOptions
	mr1.MaxRanges = 1
	mr0 := DefaultOptions
	mr0.MaxRanges = 0
	errPage := DefaultOptions
	errPage.ErrStatus = 404
	sendfile := DefaultOptions
	sendfile.Sendfile = true

	tests := []struct {
		name     string
		file     string
		method   string
		req      hdrs
		opt      *Options
		onHeader func(*httpcore.Response)

		status int
		sent   bool
		ctype  string
		clen   int64
		lm     bool
		hdr    hdrs
		body   string
	}{
		{name: "get", req: nil,
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "head", method: "HEAD",
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes")},
		{name: "sendfile", opt: &sendfile,
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "post", method: "POST", status: 405},
		{name: "put", method: "PUT", status: 405},
		{name: "range single", req: h("Range", "bytes=0-4"),
			status: 206, sent: true, ctype: "text/plain", clen: 5, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 0-4/20"), body: "01234"},
		{name: "range single sendfile", req: h("range", "BYTES=3-4"), opt: &sendfile,
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 3-4/20"), body: "34"},
		{name: "range suffix", req: h("Range", "bytes=-3"),
			status: 206, sent: true, ctype: "text/plain", clen: 3, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 17-19/20"), body: "hij"},
		{name: "range open end", req: h("Range", "bytes=15-"),
			status: 206, sent: true, ctype: "text/plain", clen: 5, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 15-19/20"), body: "fghij"},
		{name: "range multipart", req: h("Range", "bytes=0-1,5-6"),
			status: 206, sent: true, ctype: "multipart/byteranges; boundary=00000000000000000007", clen: 198, lm: true,
			hdr: h("ETag", testETag), body: multipartBody},
		{name: "range multipart head", method: "HEAD", req: h("Range", "bytes=0-1,5-6"),
			status: 206, sent: true, ctype: "multipart/byteranges; boundary=00000000000000000007", clen: 198, lm: true,
			hdr: h("ETag", testETag)},
		{name: "range unsatisfiable", req: h("Range", "bytes=30-"),
			status: 416, hdr: h("Content-Range", "bytes */20")},
		{name: "range whole file", req: h("Range", "bytes=0-"),
			status: 206, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 0-19/20"), body: testBody},
		{name: "range not bytes", req: h("Range", "items=0-1"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "range syntax error", req: h("Range", "bytes=1-x"),
			status: 416, hdr: h("Content-Range", "bytes */20")},
		{name: "range overlapping beyond size declines", req: h("Range", "bytes=0-15,5-19"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-none-match", req: h("If-None-Match", testETag),
			status: 304, sent: true, clen: -1, lm: true, hdr: h("ETag", testETag)},
		{name: "if-none-match list weak", req: h("If-None-Match", `"a", W/`+testETag+` , "b"`),
			status: 304, sent: true, clen: -1, lm: true, hdr: h("ETag", testETag)},
		{name: "if-none-match other", req: h("If-None-Match", `"65e6b68c-15"`),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-modified-since exact", req: h("If-Modified-Since", testLM),
			status: 304, sent: true, clen: -1, lm: true, hdr: h("ETag", testETag)},
		{name: "if-modified-since later exact", req: h("If-Modified-Since", "Tue, 05 Mar 2024 06:07:09 GMT"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-modified-since later before", opt: &before, req: h("If-Modified-Since", "Tue, 05 Mar 2024 06:07:09 GMT"),
			status: 304, sent: true, clen: -1, lm: true, hdr: h("ETag", testETag)},
		{name: "if-modified-since off", opt: &imsOff, req: h("If-Modified-Since", testLM, "If-None-Match", testETag),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "ims matches but inm does not", req: h("If-Modified-Since", testLM, "If-None-Match", `"x"`),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-match fails", req: h("If-Match", `"x"`), status: 412},
		{name: "if-match star", req: h("If-Match", `*`),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-match weak does not match", req: h("If-Match", `W/`+testETag), status: 412},
		{name: "if-unmodified-since garbage", req: h("If-Unmodified-Since", "garbage"), status: 412},
		{name: "if-unmodified-since earlier", req: h("If-Unmodified-Since", "Tue, 05 Mar 2024 06:07:07 GMT"), status: 412},
		{name: "if-unmodified-since equal with range", req: h("If-Unmodified-Since", testLM, "Range", "bytes=1-2"),
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 1-2/20"), body: "12"},
		{name: "add_header range", onHeader: addX, req: h("Range", "bytes=0-1"),
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "X-A", "a", "Content-Range", "bytes 0-1/20"), body: "01"},
		{name: "add_header full", onHeader: addX,
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "X-A", "a", "Accept-Ranges", "bytes"), body: testBody},
		{name: "add_header unsatisfiable", onHeader: addX, req: h("Range", "bytes=40-"),
			status: 416, hdr: h("X-A", "a", "Content-Range", "bytes */20")},
		{name: "add_header not modified", onHeader: addX, req: h("If-None-Match", "*"),
			status: 304, sent: true, clen: -1, lm: true, hdr: h("ETag", testETag, "X-A", "a")},
		{name: "add_header precondition failed", onHeader: addX, req: h("If-Match", `"zz"`), status: 412},
		{name: "if-range etag", req: h("Range", "bytes=3-4", "If-Range", testETag),
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 3-4/20"), body: "34"},
		{name: "if-range other etag", req: h("Range", "bytes=3-4", "If-Range", `"65e6b68c-15"`),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "if-range date", req: h("Range", "bytes=3-4", "If-Range", testLM),
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 3-4/20"), body: "34"},
		{name: "if-range other date", req: h("Range", "bytes=3-4", "If-Range", "Tue, 05 Mar 2024 06:07:09 GMT"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "etag off if-range", opt: &noETag, req: h("Range", "bytes=3-4", "If-Range", testETag),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("Accept-Ranges", "bytes"), body: testBody},
		{name: "etag off if-none-match", opt: &noETag, req: h("If-None-Match", testETag),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("Accept-Ranges", "bytes"), body: testBody},
		{name: "etag off if-none-match star", opt: &noETag, req: h("If-None-Match", "*"),
			status: 304, sent: true, clen: -1, lm: true},
		{name: "etag off if-match star", opt: &noETag, req: h("If-Match", "*"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("Accept-Ranges", "bytes"), body: testBody},
		{name: "etag off if-match", opt: &noETag, req: h("If-Match", testETag), status: 412},
		{name: "max_ranges 1 two ranges", opt: &mr1, req: h("Range", "bytes=1-2,4-5"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag, "Accept-Ranges", "bytes"), body: testBody},
		{name: "max_ranges 1 one range", opt: &mr1, req: h("Range", "bytes=1-2"),
			status: 206, sent: true, ctype: "text/plain", clen: 2, lm: true,
			hdr: h("ETag", testETag, "Content-Range", "bytes 1-2/20"), body: "12"},
		{name: "max_ranges 0", opt: &mr0, req: h("Range", "bytes=1-2"),
			status: 200, sent: true, ctype: "text/plain", clen: 20, lm: true,
			hdr: h("ETag", testETag), body: testBody},
		{name: "error page", opt: &errPage, method: "POST", req: h("Range", "bytes=1-2", "If-None-Match", "*"),
			status: 404, sent: true, ctype: "text/plain", clen: 20,
			hdr: h("ETag", testETag), body: testBody},
		{name: "empty file zero range", file: empty, req: h("Range", "bytes=0-"),
			status: 200, sent: true, ctype: "text/plain", clen: 0, lm: true,
			hdr: h("ETag", `"65e6b68c-0"`, "Accept-Ranges", "bytes")},
		{name: "empty file suffix range", file: empty, req: h("Range", "bytes=-5"),
			status: 200, sent: true, ctype: "text/plain", clen: 0, lm: true,
			hdr: h("ETag", `"65e6b68c-0"`, "Accept-Ranges", "bytes")},
		{name: "empty file range", file: empty, req: h("Range", "bytes=5-"),
			status: 416, hdr: h("Content-Range", "bytes */0")},
	}
	cs := &caseServer{}
	addr := startWeir(t, cs.handler())
	for _, tc := range tests {
		path := full
		if tc.file != "" {
			path = tc.file
		}
		opt := DefaultOptions
		if tc.opt != nil {
			opt = *tc.opt
		}
		opt.ContentType = "text/plain"
		opt.Boundary = func() uint64 { return 7 }
		method := tc.method
		if method == "" {
			method = "GET"
		}
		t.Run(tc.name, func(t *testing.T) {
			f, fi, oerr := Open(path, OpenOptions{})
			if oerr != nil {
				t.Fatal(oerr)
			}
			defer f.Close()
			r := &httpcore.Request{Method: method, Headers: tc.req}
			w := &httpcore.Response{OnHeader: tc.onHeader}
			out := &fakeOut{w: w}
			status, err := serveFile(w, out, r, f, fi, &opt)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if status != tc.status {
				t.Fatalf("status = %d, want %d", status, tc.status)
			}
			if out.sent != tc.sent {
				t.Fatalf("sent = %v, want %v", out.sent, tc.sent)
			}
			if (tc.onHeader == nil) != (w.OnHeader == nil) {
				t.Errorf("OnHeader not restored")
			}
			if !tc.sent {
				// Nothing sent: w carries what nginx keeps for its
				// special response.
				if len(w.Header) != len(tc.hdr) || (len(tc.hdr) > 0 && !reflect.DeepEqual(w.Header, tc.hdr)) {
					t.Errorf("header = %v, want %v", w.Header, tc.hdr)
				}
				if !w.LastModified.IsZero() {
					t.Errorf("LastModified kept on %d", status)
				}
				return
			}
			if out.status != tc.status || out.ctype != tc.ctype || out.clen != tc.clen {
				t.Errorf("sent %d %q %d, want %d %q %d", out.status, out.ctype, out.clen, tc.status, tc.ctype, tc.clen)
			}
			if got := !out.lm.IsZero(); got != tc.lm {
				t.Errorf("Last-Modified present = %v, want %v", got, tc.lm)
			} else if got && out.lm.Unix() != testMtime {
				t.Errorf("Last-Modified = %v", out.lm)
			}
			if len(out.hdr) != len(tc.hdr) || (len(tc.hdr) > 0 && !reflect.DeepEqual(out.hdr, tc.hdr)) {
				t.Errorf("header = %v, want %v", out.hdr, tc.hdr)
			}
			if out.body.String() != tc.body {
				t.Errorf("body = %q, want %q", out.body.String(), tc.body)
			}
		})
		t.Run(tc.name+" socket", func(t *testing.T) {
			cs.cur.Store(&serveCase{path: path, opt: opt, onHeader: tc.onHeader})
			var req [][2]string
			for _, h := range tc.req {
				req = append(req, [2]string{h.Name, h.Value})
			}
			resp := rawRequest(t, addr, method, "/x", req)
			if resp.status != tc.status {
				t.Fatalf("status = %d, want %d", resp.status, tc.status)
			}
			// The fields the engine writes from Response, then Header.
			var want []string
			if !tc.sent {
				want = append(want, "Server: weir", "Content-Type: text/html", "Content-Length: 50")
			} else {
				if tc.ctype != "" {
					want = append(want, "Content-Type: "+tc.ctype)
				}
				if tc.clen >= 0 {
					want = append(want, fmt.Sprintf("Content-Length: %d", tc.clen))
				}
				if tc.lm {
					want = append(want, "Last-Modified: "+testLM)
				}
			}
			for _, h := range tc.hdr {
				want = append(want, h.Name+": "+h.Value)
			}
			var got []string
			for _, h := range resp.header {
				if n := strings.ToLower(h[0]); n != "date" && n != "connection" {
					got = append(got, h[0]+": "+h[1])
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("header\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if tc.sent && string(resp.body) != tc.body {
				t.Errorf("body = %q, want %q", resp.body, tc.body)
			}
		})
	}
}

// TestServeFileShrunk: a file cut short after Open ends the body with
// nginx's alert.
func TestServeFileShrunk(t *testing.T) {
	for _, sendfile := range []bool{false, true} {
		dir := t.TempDir()
		p := writeFile(t, dir, "f", testBody, testMtime)
		f, fi, oerr := Open(p, OpenOptions{})
		if oerr != nil {
			t.Fatal(oerr)
		}
		defer f.Close()
		if err := os.Truncate(p, 5); err != nil {
			t.Fatal(err)
		}
		w := &httpcore.Response{}
		out := &fakeOut{w: w}
		opt := DefaultOptions
		opt.Sendfile = sendfile
		status, err := serveFile(w, out, &httpcore.Request{Method: "GET"}, f, fi, &opt)
		oe, ok := err.(*OpenError)
		if status != 200 || !ok || oe.Level != errlog.Alert {
			t.Fatalf("status %d err %v", status, err)
		}
		want := `pread() read only 5 of 20 from "` + p + `"`
		if sendfile {
			want = `sendfile() reported that "` + p + `" was truncated at 5`
		}
		if oe.Error() != want {
			t.Errorf("msg = %q, want %q", oe.Error(), want)
		}
	}
}

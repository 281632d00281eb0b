package fastcgi

import (
	"bytes"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"weir/internal/proto/cgi/cgitest"
	"weir/internal/proto/http1"
)

// fpmResult is one response from PHP-FPM.
type fpmResult struct {
	head   http1.ResponseHead
	body   string
	stderr []string
	end    Frame
	keepOK bool
}

// roundTrip sends one request on c as nginx would and reads the whole
// response, with a small buffer so that the head and the body arrive in
// several reads.
func roundTrip(t *testing.T, c net.Conn, params [][2]string, body []byte, keep bool) fpmResult {
	t.Helper()
	req := AppendBeginRequest(nil, RequestID, keep)
	req, err := AppendParams(req, RequestID, params)
	if err != nil {
		t.Fatal(err)
	}
	req = AppendStdin(req, RequestID, body)
	req = AppendStdinEnd(req, RequestID)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))

	var r fpmResult
	var p HeadParser
	buf := make([]byte, 0, 1024)
	var raw []byte
	for done := false; !done; {
		n, err := c.Read(buf[len(buf):cap(buf)])
		if n == 0 && err != nil {
			t.Fatalf("reading head: %v", err)
		}
		buf = buf[:len(buf)+n]
		for {
			res, err := p.Parse(&r.head, buf)
			buf = res.Buf
			if err != nil {
				t.Fatalf("head: %v", err)
			}
			if res.Stderr != nil {
				r.stderr = append(r.stderr, string(AppendStderrLog(nil, res.Stderr)))
				continue
			}
			if res.Done {
				r.body = string(res.Body)
				raw = res.Raw
				done = true
			}
			break
		}
	}
	// Copy the head out of the buffer, which is reused for the body.
	for i, h := range r.head.Headers {
		r.head.Headers[i] = http1.Header{Name: strings.Clone(h.Name), Value: strings.Clone(h.Value)}
	}
	r.head.StatusLine = strings.Clone(r.head.StatusLine)
	rbuf := make([]byte, 1000)
	for {
		for len(raw) > 0 {
			n, f, err := p.Decoder.Decode(raw)
			raw = raw[n:]
			if err != nil {
				t.Fatalf("body: %v", err)
			}
			switch f.Type {
			case TypeStdout:
				r.body += string(f.Data)
			case TypeStderr:
				r.stderr = append(r.stderr, string(AppendStderrLog(nil, f.Data)))
			case TypeEndRequest:
				r.end, r.keepOK = f, len(raw) == 0
				return r
			}
		}
		n, err := c.Read(rbuf)
		if n == 0 && err != nil {
			if err == io.EOF {
				t.Fatal("connection closed before END_REQUEST")
			}
			t.Fatal(err)
		}
		raw = rbuf[:n]
	}
}

func header(h *http1.ResponseHead, name string) string {
	for _, hd := range h.Headers {
		if strings.EqualFold(hd.Name, name) {
			return hd.Value
		}
	}
	return ""
}

func TestPHPFPM(t *testing.T) {
	addr := cgitest.StartPHPFPM(t)
	dir := t.TempDir()
	scripts := map[string]string{
		"env.php":    `<?php header("Content-Type: text/plain"); echo $_SERVER["REQUEST_METHOD"], "|", $_SERVER["QUERY_STRING"], "|", $_SERVER["HTTP_X_TEST"], "|", strlen($_SERVER["LONG"]);`,
		"post.php":   `<?php echo "got:", file_get_contents("php://input");`,
		"code.php":   `<?php http_response_code(404); echo "nf";`,
		"status.php": `<?php header("Status: 404"); echo "st";`,
		"loc.php":    `<?php header("Location: /x");`,
		"err.php":    `<?php error_log("via error_log..."); echo "ok"; error_log("after output\n");`,
		"big.php":    `<?php echo str_repeat("a", 100000);`,
	}
	for name, src := range scripts {
		cgitest.WriteFile(t, filepath.Join(dir, name), src)
	}
	params := func(script, method, query string, extra ...[2]string) [][2]string {
		p := [][2]string{
			{"SCRIPT_FILENAME", filepath.Join(dir, script)},
			{"SCRIPT_NAME", "/" + script},
			{"REQUEST_METHOD", method},
			{"QUERY_STRING", query},
			{"SERVER_PROTOCOL", "HTTP/1.1"},
			{"GATEWAY_INTERFACE", "CGI/1.1"},
			{"REDIRECT_STATUS", "200"},
		}
		return append(p, extra...)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("params", func(t *testing.T) {
		long := strings.Repeat("L", 300) // a 4-byte value length
		r := roundTrip(t, c, params("env.php", "GET", "a=1&b=2", [2]string{"HTTP_X_TEST", "yes"}, [2]string{"LONG", long}), nil, true)
		if r.head.Status != 200 || r.head.StatusLine != "200 OK" || r.body != "GET|a=1&b=2|yes|300" {
			t.Fatalf("%d %q %q", r.head.Status, r.head.StatusLine, r.body)
		}
		if ct := header(&r.head, "Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		if !r.keepOK || r.end.ProtocolStatus != 0 {
			t.Errorf("end %+v keep %v", r.end, r.keepOK)
		}
	})
	t.Run("post body on a kept connection", func(t *testing.T) {
		body := bytes.Repeat([]byte("0123456789"), 7000) // three STDIN records
		r := roundTrip(t, c, params("post.php", "POST", "", [2]string{"CONTENT_LENGTH", "70000"}, [2]string{"CONTENT_TYPE", "application/octet-stream"}), body, true)
		if r.body != "got:"+string(body) {
			t.Fatalf("body %d bytes", len(r.body))
		}
	})
	t.Run("http_response_code", func(t *testing.T) {
		r := roundTrip(t, c, params("code.php", "GET", ""), nil, true)
		if r.head.Status != 404 || r.head.StatusLine != header(&r.head, "Status") || r.body != "nf" {
			t.Fatalf("%d %q %q", r.head.Status, r.head.StatusLine, r.body)
		}
		t.Logf("PHP sends Status: %q", header(&r.head, "Status"))
	})
	t.Run("status header", func(t *testing.T) {
		r := roundTrip(t, c, params("status.php", "GET", ""), nil, true)
		if r.head.Status != 404 || r.body != "st" {
			t.Fatalf("%d %q %q", r.head.Status, r.head.StatusLine, r.body)
		}
	})
	t.Run("location", func(t *testing.T) {
		r := roundTrip(t, c, params("loc.php", "GET", ""), nil, true)
		// PHP itself adds "Status: 302 Found" to a Location header.
		if r.head.Status != 302 || header(&r.head, "Location") != "/x" {
			t.Fatalf("%d %q %v", r.head.Status, r.head.StatusLine, r.head.Headers)
		}
	})
	t.Run("stderr", func(t *testing.T) {
		r := roundTrip(t, c, params("err.php", "GET", ""), nil, true)
		if r.body != "ok" {
			t.Fatalf("body %q", r.body)
		}
		// PHP-FPM sends error_log() text as STDERR records (a script's
		// php://stderr is the worker's own stderr, not the stream).
		// PHP separates the second and later messages with "; ". The
		// trailing dots and newline are trimmed as nginx trims them.
		want := []string{
			`FastCGI sent in stderr: "PHP message: via error_log"`,
			`FastCGI sent in stderr: "; PHP message: after output"`,
		}
		if strings.Join(r.stderr, "\n") != strings.Join(want, "\n") {
			t.Fatalf("stderr %q", r.stderr)
		}
	})
	t.Run("big body", func(t *testing.T) {
		r := roundTrip(t, c, params("big.php", "GET", ""), nil, true)
		if r.body != strings.Repeat("a", 100000) {
			t.Fatalf("body %d bytes", len(r.body))
		}
	})
	t.Run("no keep-conn", func(t *testing.T) {
		c2, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c2.Close()
		r := roundTrip(t, c2, params("env.php", "HEAD", "", [2]string{"HTTP_X_TEST", "h"}, [2]string{"LONG", ""}), nil, false)
		if r.head.Status != 200 {
			t.Fatal(r.head.Status)
		}
		c2.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := c2.Read(make([]byte, 1)); err != io.EOF {
			t.Fatalf("connection not closed: %d %v", n, err)
		}
	})
}

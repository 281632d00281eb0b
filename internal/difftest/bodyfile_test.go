package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The tests of this file pin where a request body read for an upstream
// lives ($request_body, $request_body_file, the temp file and its
// notice).

// bodyFileList names the files left under tmp/body with their sizes.
func bodyFileList(s *server) string {
	var out []string
	filepath.Walk(filepath.Join(s.prefix, "tmp", "body"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(s.prefix, p)
			out = append(out, fmt.Sprintf("%s %d", rel, fi.Size()))
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// bodyHead is a request head with a body of n bytes to come.
func bodyHead(uri string, n int) string {
	return "POST " + uri + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " + itoa(n) + "\r\n\r\n"
}

// chunkedHead is a request head with a chunked body to come.
func chunkedHead(uri string) string {
	return "POST " + uri + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
}

// TestBodyFile: client_body_in_file_only on (the file stays) and clean
// (it goes), with the name in a header, in proxy_set_body and in the
// log; a body read although it is not passed (proxy_set_body,
// proxy_pass_request_body off); empty bodies ("" rather than not found);
// and where nginx's buffer sizing puts a body: memory when it came with
// the header, when its rest fits in the header buffer, or when it is
// under client_body_buffer_size and a quarter; a chunked body once its
// bytes after the header, framing included, overflow the buffer.
func TestBodyFile(t *testing.T) {
	big := strings.Repeat("b", 40000)
	runSite(t, &site{
		backends: echoBackend,
		after: func(t *testing.T, ng, we *server) {
			if n, w := bodyFileList(ng), bodyFileList(we); n != w {
				t.Errorf("temp files differ:\nnginx:\n%s\nweir:\n%s", n, w)
			}
		},
		http: `
    log_format bf '$status "$request" $body_bytes_sent "rbf=[$request_body_file] rb=[$request_body] rl=$request_length"';
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        access_log logs/access.log bf;
        proxy_set_header X-File $request_body_file;
        location /on/ { client_body_in_file_only on; proxy_pass http://{{B0}}; }
        location /clean/ { client_body_in_file_only clean; proxy_pass http://{{B0}}; }
        location /setbody/ { client_body_in_file_only on; proxy_set_body "file=$request_body_file"; proxy_pass http://{{B0}}; }
        location /setbodymem/ { proxy_set_body "file=$request_body_file"; proxy_pass http://{{B0}}; }
        location /nopass/ { proxy_pass_request_body off; proxy_set_header Content-Length ""; proxy_pass http://{{B0}}; }
        location /b8/ { client_body_buffer_size 8; proxy_pass http://{{B0}}; }
        location /ret/ { client_body_in_file_only on; return 200 "[$request_body_file]\n"; }
    }`,
		cases: []tc{
			postBody("on", "/on/a", "hello=1"),
			postBody("clean", "/clean/a", "hello=2"),
			postBody("set body", "/setbody/a", "hello=3"),
			postBody("set body in memory", "/setbodymem/a", "hello=4"),
			postBody("set body big", "/setbodymem/b", big),
			postBody("not passed", "/nopass/a", "hello=5"),
			postBody("not passed big", "/nopass/b", big),
			postBody("on empty", "/on/e", ""),
			get("on no body", "/on/g"),
			postChunked("clean chunked", "/clean/c", "ab", "cd"),
			postBody("return", "/ret/a", "hello=6"),
			postBody("on h2", "/on/h2", "hello=7").overH2().onPort2(),
			postBody("empty", "/b8/e", ""),
			raw("empty chunked", chunkedHead("/b8/ec")+"0\r\n\r\n"),
			postBody("b8 preread", "/b8/p", "0123456789abcdef"),
			split("b8 9 later", bodyHead("/b8/9", 9), "012345678"),
			split("b8 10 later", bodyHead("/b8/10", 10), "0123456789"),
			split("b8 11 one preread", bodyHead("/b8/11", 11)+"0", "123456789a"),
			split("b8 chunked later", chunkedHead("/b8/c"), "7\r\n0123456\r\n0\r\n\r\n"),
			raw("b8 chunked preread", chunkedHead("/b8/cp")+"14\r\n0123456789abcdefghij\r\n0\r\n\r\n"),
			split("b8 chunked part preread", chunkedHead("/b8/cs")+"3\r\nabc\r\n", "1\r\nx\r\n0\r\n\r\n"),
			split("b8 chunked small later", chunkedHead("/b8/cz"), "1\r\na\r\n0\r\n\r\n"),
		},
	})
}

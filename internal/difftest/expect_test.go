package difftest

import "testing"

// TestExpectContinue covers when nginx answers "Expect: 100-continue"
// with "100 Continue": when a handler reads or discards the body
// (ngx_http_test_expect), never before one of its own special responses
// (ngx_http_special_response_handler sets expect_tested first), nor
// before a 413 for client_max_body_size.
func TestExpectContinue(t *testing.T) {
	post := func(name, uri string) tc {
		return postBody(name, uri, "hello", "Expect: 100-continue")
	}
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        client_max_body_size 3;
        location = /r { client_max_body_size 10; return 200 "ok\n"; }
        location = /e404 { client_max_body_size 10; return 404; }
        location = /ep { client_max_body_size 10; error_page 404 /r; return 404; }
        location /big/ { client_max_body_size 10; }
        location /p/ { proxy_pass http://127.0.0.1:{{PORT}}/r; proxy_http_version 1.0; }
    }`,
		files: map[string]string{"f.txt": "file\n", "d/x": "x", "big/f.txt": "file\n"},
		cases: []tc{
			post("post to a file is 405", "/big/f.txt"),
			post("missing file", "/big/missing"),
			post("directory redirect", "/d"),
			post("return text", "/r"),
			post("return 404", "/e404"),
			post("error_page to return", "/ep"),
			post("too large", "/f.txt"),
			postBody("405 kept alive, the body having come", "/big/f.txt", "hello", "Expect: 100-continue", "Connection: keep-alive").keep(),
			postBody("return text kept alive", "/r", "hello", "Expect: 100-continue", "Connection: keep-alive").keep(),
			// ngx_http_read_client_request_body tests the expectation
			// before it finds there is no body to read
			get("proxied GET without a body", "/p/", "Expect: 100-continue"),
			get("proxied GET with an empty body", "/p/", "Expect: 100-continue", "Content-Length: 0"),
			raw("proxied HTTP/1.0 GET", "GET /p/ HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"),
			post("proxied POST", "/p/"),
		},
	})
}

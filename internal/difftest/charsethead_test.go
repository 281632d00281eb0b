package difftest

import "testing"

// TestErrorPageCharsetHead covers HEAD (and GET) of the server's own
// error pages and of error_page targets when charset is set: the
// charset filter adds "; charset=..." to the built-in pages' text/html,
// and HEAD keeps their Content-Length.
func TestErrorPageCharsetHead(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        charset utf-8;
        location / { }
        location /deny/ { deny all; }
        location /ep/ { error_page 404 /err/404.html; }
        location /ep403/ { deny all; error_page 403 /err/403.html; }
        location /epnamed/ { deny all; error_page 403 @denied; }
        location @denied { return 403; }
        location /epcode/ { error_page 404 =410 /nothere.html; }
        location /latin/ { charset iso-8859-1; }
        location /off/ { charset off; }
        location /err/ { internal; }
    }`,
		files: map[string]string{
			"err/404.html": "<p>missing</p>\n",
			"err/403.html": "<p>denied</p>\n",
		},
		cases: []tc{
			req("head 404", "HEAD", "/nothere"),
			req("head 403", "HEAD", "/deny/x"),
			req("head error_page 404 file", "HEAD", "/ep/x"),
			req("head error_page 403 file", "HEAD", "/ep403/x"),
			req("head error_page 403 named", "HEAD", "/epnamed/x"),
			req("head error_page =410 missing", "HEAD", "/epcode/x"),
			req("head 404 iso-8859-1", "HEAD", "/latin/x"),
			req("head 404 charset off", "HEAD", "/off/x"),
			req("head 405 post-like", "HEAD", "/deny/"),
			get("get 404", "/nothere"),
			get("get 403", "/deny/x"),
			get("get error_page 403 named", "/epnamed/x"),
			get("get 404 iso-8859-1", "/latin/x"),
		},
	})
}

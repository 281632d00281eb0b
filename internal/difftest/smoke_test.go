package difftest

import "testing"

func TestSmoke(t *testing.T) {
	runSite(t, &site{
		http: `
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        root {{ROOT}};
        location / { }
    }`,
		files: map[string]string{"index.html": "<p>hi</p>\n", "a.txt": "hello\n"},
		cases: []tc{
			get("index", "/"),
			get("file", "/a.txt"),
			get("missing", "/nope"),
			req("head", "HEAD", "/a.txt"),
		},
	})
}

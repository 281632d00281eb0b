package difftest

import "testing"

// TestContentTypeFromURI: nginx takes a static answer's type from the
// extension of the URI (r->exten, set by ngx_http_set_exten), not from
// the file that alias or root maps it to.
func TestContentTypeFromURI(t *testing.T) {
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        gzip_static on;
        location = /noext { alias {{ROOT}}/a.html; }
        location = /other.txt { alias {{ROOT}}/a.html; }
        location /img/ { alias {{ROOT}}/pics/; }
        location ~ ^/re/(.*)$ { alias {{ROOT}}/pics/$1.gif; }
        location = /gz { alias {{ROOT}}/z.html; }
    }`,
		files: map[string]string{"a.html": "<p>a</p>\n", "pics/p.gif": "GIF89a", "z.html": "z\n", "z.html.gz": "not really gzip"},
		cases: []tc{
			get("alias to a file, URI without extension", "/noext"),
			get("alias to a file, URI with another extension", "/other.txt"),
			get("alias directory", "/img/p.gif"),
			get("regex alias adds the extension", "/re/p"),
			get("gzip_static through an alias", "/gz", "Accept-Encoding: gzip"),
		},
	})
}

package difftest

import "testing"

// TestSSLOn: the deprecated "ssl on" (nginx 1.15.0 to 1.25.0) makes the
// connections of an address TLS when the address's default server has
// it, whatever the listen says and whichever server the request then
// reaches; a server with "ssl on" that is not the default of its address
// takes plain connections. Plain HTTP to such an address is the 497
// page, as on a "listen ... ssl" address.
func TestSSLOn(t *testing.T) {
	files := testPKI(t)
	runSite(t, &site{
		http: `ssl_certificate {{ROOT}}/pki/srv-rsa.crt;
    ssl_certificate_key {{ROOT}}/pki/srv-rsa.key;
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        ssl on;
        location / { default_type text/plain; return 200 "on https=$https scheme=$scheme\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name other.test;
        ssl off;
        location / { default_type text/plain; return 200 "other https=$https scheme=$scheme\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        location / { default_type text/plain; return 200 "plain https=$https scheme=$scheme\n"; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name on.test;
        ssl on;
        location / { default_type text/plain; return 200 "on.test https=$https scheme=$scheme\n"; }
    }`,
		files: files,
		cases: []tc{
			get("tls to the ssl on default server", "/").overTLS(tlsClient{sni: "localhost"}),
			get("tls to a server with ssl off on the same address", "/", "Host: other.test").overTLS(tlsClient{sni: "other.test"}),
			get("plain http to the ssl on address", "/"),
			get("plain http to ssl off on the ssl on address", "/", "Host: other.test"),
			get("plain address", "/").onPort2(),
			get("ssl on server that is not the default", "/", "Host: on.test").onPort2(),
		},
	})
}

// TestSSLEarlyDataOn: "ssl_early_data on" loads; a client that sends no
// early data (weir's tickets never offer it) gets the same answers, with
// $ssl_early_data empty.
func TestSSLEarlyDataOn(t *testing.T) {
	files := testPKI(t)
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}} ssl;
        server_name localhost;
        ssl_certificate {{ROOT}}/pki/srv-rsa.crt;
        ssl_certificate_key {{ROOT}}/pki/srv-rsa.key;
        ssl_protocols TLSv1.3;
        ssl_early_data on;
        location / { default_type text/plain; return 200 "early=[$ssl_early_data] $ssl_protocol\n"; }
    }`,
		files: files,
		cases: []tc{
			get("tls 1.3 with early data on", "/").overTLS(tlsClient{sni: "localhost"}),
		},
	})
}

package difftest

import "testing"

// TestProxyVariables compares the $upstream_* and $proxy_* variables in
// response headers and in the access log, the connect timeout, and the
// request nginx builds without proxy_http_version.
func TestProxyVariables(t *testing.T) {
	runProxy(t, newPool(2), &site{
		http: `
    log_format vars '$status "$request_uri" $body_bytes_sent "a=[$upstream_addr] s=[$upstream_status] l=[$upstream_response_length] r=[$upstream_bytes_received] x=[$upstream_http_x_foo] c=[$upstream_cookie_name] ct=[$upstream_http_content_type] ph=[$proxy_host] pp=[$proxy_port] xff=[$proxy_add_x_forwarded_for] sh=[$sent_http_x_foo]"';
    upstream grp { server {{B0}}; }
    upstream two { server {{B0}}; server {{B1}}; }
    upstream two2 { server {{B0}}; server {{B1}}; }
    upstream nx { server {{B0}}; server {{B1}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log vars;
        proxy_http_version 1.0;
        location /v/ {
            proxy_pass http://{{B0}};
            add_header X-Up-Addr $upstream_addr;
            add_header X-Up-Status $upstream_status;
            add_header X-Up-Foo $upstream_http_x_foo;
            add_header X-Up-Cookie $upstream_cookie_name;
            add_header X-Up-Cookie-Other $upstream_cookie_other;
            add_header X-Up-Cookie-None "[$upstream_cookie_none]";
            add_header X-Proxy "$proxy_host|$proxy_port";
            add_header X-XFF $proxy_add_x_forwarded_for;
            add_header X-Up-Len "[$upstream_response_length]";
        }
        location /vu/ { proxy_pass http://{{B0}}; proxy_buffering off; add_header X-Up-Len "[$upstream_response_length]"; }
        location /nx/ { proxy_pass http://nx; proxy_next_upstream error http_502; }
        location /g/ { proxy_pass http://grp; add_header X-Proxy "$proxy_host|$proxy_port"; }
        location /two/ { proxy_pass http://two; add_header X-Up-Addr $upstream_addr always; add_header X-Up-Status $upstream_status always; }
        location /https-port/ { set $x 1; return 200 "a=[$upstream_addr] ph=[$proxy_host] pp=[$proxy_port] xff=[$proxy_add_x_forwarded_for]\n"; }
        location /ctmo/ { proxy_connect_timeout 300ms; proxy_pass http://two2; }
        location /ctmo1/ { proxy_connect_timeout 300ms; proxy_pass http://{{B0}}; }
        location /sendtmo/ { proxy_send_timeout 300ms; proxy_pass http://{{B0}}; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        server_name localhost;
        access_log logs/access.log vars;
        location / { proxy_pass http://{{B0}}; }
    }`,
	},
		pc(get("upstream variables in headers", "/v/?r=upvars")),
		pc(get("upstream variables x-forwarded-for", "/v/?r=upvars", "X-Forwarded-For: 10.1.1.1, 10.2.2.2")),
		pc(req("upstream variables head", "HEAD", "/v/?r=upvars")),
		pc(get("upstream variables echo", "/v/plain")),
		pc(get("upstream_response_length of a chunked answer", "/v/?r=chunked")),
		pc(get("upstream_response_length of a chunked answer unbuffered", "/vu/?r=chunked")),
		pc(get("upstream_response_length of a big answer unbuffered", "/vu/?r=big")),
		pc(get("upstream_response_length of an answer without length", "/v/?r=nolength")),
		pc(get("an answer longer than its Content-Length", "/v/?r=overlong")),
		pc(get("an answer longer than its Content-Length unbuffered", "/vu/?r=overlong")),
		pc(get("proxy_host of a group", "/g/x")),
		with(get("upstream_response_length of an HTTP/0.9 answer after a 502", "/nx/x"), 0, "canned:s502", 1, "canned:http09"),
		with(get("upstream_addr after a failure", "/two/x"), 0, modeDead),
		pc(get("variables outside a proxied location", "/https-port/", "X-Forwarded-For: 1.2.3.4")),
		with(get("connect timeout moves on", "/ctmo/x"), 0, modeBlackhole),
		with(get("connect timeout single", "/ctmo1/x"), 0, modeBlackhole),
		// nginx 1.22 speaks HTTP/1.0 with Connection: close by default;
		// weir follows 1.29.7: HTTP/1.1, keepalive, no Connection header.
		pc(get("default proxy_http_version", "/d").onPort2().known("nginx 1.29.7 defaults proxy_http_version to 1.1 with upstream keepalive; 1.22 sends HTTP/1.0 and Connection: close")),
	)
}

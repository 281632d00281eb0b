package difftest

import (
	"testing"
	"time"
)

// TestProxyFailover compares what happens when servers fail: refused
// connections, all servers dead, the backup tier, proxy_next_upstream
// with statuses, tries and non-idempotent requests, timeouts, invalid
// responses. Each case uses its own group, so the failure state one case
// leaves (fail_timeout is 10s) does not reach another.
func TestProxyFailover(t *testing.T) {
	runProxy(t, newPool(3), &site{
		http: `
    proxy_http_version 1.0;
    ` + upLog + `
    upstream f1 { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream f2 { server {{B0}}; server {{B1}}; }
    upstream f3 { server {{B0}}; server {{B1}}; }
    upstream f4 { server {{B0}} max_fails=3; server {{B1}}; server {{B2}}; }
    upstream f5 { server {{B0}} max_fails=0; server {{B1}}; }
    upstream bk1 { server {{B0}}; server {{B1}} backup; }
    upstream bk2 { server {{B0}}; server {{B1}} backup; server {{B2}} backup; }
    upstream bk3 { server {{B0}}; server {{B1}} backup; }
    upstream n503 { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream n404 { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream noff { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream ntries { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream nlast { server {{B0}}; server {{B1}}; }
    upstream nall { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream post1 { server {{B0}}; server {{B1}}; }
    upstream post2 { server {{B0}}; server {{B1}}; }
    upstream post3 { server {{B0}}; server {{B1}}; }
    upstream tmo1 { server {{B0}}; server {{B1}}; }
    upstream tmo2 { server {{B0}}; server {{B1}}; }
    upstream inv1 { server {{B0}}; server {{B1}}; }
    upstream inv2 { server {{B0}}; server {{B1}}; }
    upstream cls1 { server {{B0}}; server {{B1}}; }
    upstream cls2 { server {{B0}}; server {{B1}}; }
    upstream one { server {{B0}}; }
    upstream rec { server {{B0}} fail_timeout=1s; server {{B1}}; }
    upstream down1 { server {{B0}} down; server {{B1}} down; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        proxy_read_timeout 300ms;
        location ~ ^/(?<g>[a-z0-9]+)/ { proxy_pass http://$g; }
        location ^~ /n503/ { proxy_next_upstream error timeout http_503; proxy_pass http://n503; }
        location ^~ /n404/ { proxy_next_upstream error http_404; proxy_pass http://n404; }
        location ^~ /noff/ { proxy_next_upstream off; proxy_pass http://noff; }
        location ^~ /ntries/ { proxy_next_upstream_tries 1; proxy_pass http://ntries; }
        location ^~ /nlast/ { proxy_next_upstream error http_503; proxy_pass http://nlast; }
        location ^~ /nall/ { proxy_next_upstream error http_500 http_502 http_503; proxy_pass http://nall; }
        location ^~ /post2/ { proxy_next_upstream error timeout non_idempotent; proxy_pass http://post2; }
        location ^~ /post3/ { proxy_next_upstream error timeout non_idempotent; proxy_pass http://post3; }
        location ^~ /tmo2/ { proxy_next_upstream off; proxy_pass http://tmo2; }
        location ^~ /inv2/ { proxy_next_upstream error invalid_header; proxy_pass http://inv2; }
        location ^~ /cls2/ { proxy_next_upstream off; proxy_pass http://cls2; }
        location ^~ /onetmo/ { proxy_pass http://one; }
        location ^~ /direct/ { proxy_pass http://{{B0}}; }
        location ^~ /errpage/ {
            proxy_next_upstream off;
            error_page 502 504 = @fb;
            proxy_pass http://{{B0}};
        }
        location @fb { proxy_pass http://{{B1}}; }
    }`,
	},
		with(getN("one dead of three", 6, keyed("/f1/")), 1, modeDead),
		with(getN("all dead", 3, keyed("/f2/")), 0, modeDead, 1, modeDead),
		with(getN("first dead of two", 4, keyed("/f3/")), 0, modeDead),
		with(getN("max_fails 3", 8, keyed("/f4/")), 0, modeDead),
		with(getN("max_fails 0", 4, keyed("/f5/")), 0, modeDead),
		pc(getN("backup unused while primary lives", 3, keyed("/bk1/"))),
		with(getN("backup used when primary dead", 4, keyed("/bk2/")), 0, modeDead),
		with(getN("backup dead too", 2, keyed("/bk3/")), 0, modeDead, 1, modeDead),
		with(getN("next upstream http_503", 5, keyed("/n503/")), 0, "status:503 Service Unavailable"),
		with(getN("next upstream http_404", 5, keyed("/n404/")), 0, "status:404 Not Found"),
		with(getN("next upstream off 503", 3, keyed("/noff/")), 0, "status:503 Service Unavailable"),
		with(getN("next upstream off dead", 3, keyed("/noff/x")), 1, modeDead),
		with(getN("next upstream tries 1", 4, keyed("/ntries/")), 1, modeDead),
		with(get("last try passes the upstream 503", "/nlast/x"), 0, "status:503 Service Unavailable", 1, "status:503 Busy"),
		with(getN("every server fails", 2, keyed("/nall/")), 0, "status:500 Internal Server Error", 1, "status:502 Bad Gateway", 2, "status:503 Service Unavailable"),
		with(postBody("post reset not retried", "/post1/p", "data=1"), 0, modeReset),
		with(postBody("post reset retried with non_idempotent", "/post2/p", "data=1"), 0, modeReset),
		with(postBody("post refused is retried", "/post3/p", "data=1"), 0, modeDead),
		with(getN("read timeout moves on", 3, keyed("/tmo1/")), 0, modeHang),
		with(get("read timeout with next upstream off", "/tmo2/x"), 0, modeHang),
		with(get("read timeout single server", "/onetmo/x"), 0, modeHang),
		with(get("read timeout direct", "/direct/x"), 0, modeHang),
		pc(getN("invalid header from every server", 3, keyed("/inv1/x?r=badheader&i="))),
		with(getN("invalid header retried", 3, keyed("/inv2/x?i=")), 0, "canned:badheader"),
		with(getN("close before header", 3, keyed("/cls1/")), 0, modeClose),
		with(get("close before header next upstream off", "/cls2/x"), 0, modeClose),
		with(get("close mid body in group", "/cls1/x?r=midbody"), 0, modeDead),
		with(get("error page after failure", "/errpage/x"), 0, modeDead),
		with(get("error page after timeout", "/errpage/t"), 0, modeHang),
		pc(get("all servers down", "/down1/x")),
		with(getN("recovery: server fails", 3, keyed("/rec/a")), 0, modeDead),
		// fail_timeout=1s: from two whole seconds after the failure the
		// server is tried again, and a success clears its failures.
		pcase{tc: getN("recovery: server back after fail_timeout", 4, keyed("/rec/b")), wait: 2500 * time.Millisecond},
		with(get("direct refused", "/direct/x"), 0, modeDead),
	)
}

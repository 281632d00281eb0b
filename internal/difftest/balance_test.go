package difftest

import (
	"fmt"
	"testing"
)

// upLog is the access-log format of the balancing sites: which servers
// were tried and what each answered.
// $body_bytes_sent stays third, where the comparison can allow for the
// length of the server's name in error pages.
const upLog = `log_format up '$status "$request_uri" $body_bytes_sent "up=[$upstream_addr] st=[$upstream_status] len=[$upstream_response_length] recv=[$upstream_bytes_received] sent=[$upstream_bytes_sent]"';`

// keyed is a uri function for getN: prefix + i.
func keyed(prefix string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s%d", prefix, i) }
}

// TestProxyBalance compares the sequence of servers each balancer picks
// for the same requests: smooth weighted round robin, ip_hash (one client
// address), hash over keys, least_conn with one request at a time.
func TestProxyBalance(t *testing.T) {
	runProxy(t, newPool(3), &site{
		http: `
    proxy_http_version 1.0;
    ` + upLog + `
    upstream rr { server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream rr511 { server {{B0}} weight=5; server {{B1}}; server {{B2}}; }
    upstream rr211 { server {{B0}} weight=2; server {{B1}}; server {{B2}}; }
    upstream rrdown { server {{B0}}; server {{B1}} down; server {{B2}} weight=2; }
    upstream iph { ip_hash; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream iph311 { ip_hash; server {{B0}} weight=3; server {{B1}}; server {{B2}}; }
    upstream iphdown { ip_hash; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream hsh { hash $arg_k; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream hsh311 { hash $arg_k; server {{B0}} weight=3; server {{B1}}; server {{B2}}; }
    upstream hshempty { hash $arg_nokey; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream hshdown { hash $arg_k; server {{B0}}; server {{B1}} down; server {{B2}}; }
    upstream lc { least_conn; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream lc511 { least_conn; server {{B0}} weight=5; server {{B1}}; server {{B2}}; }
    upstream lcbackup { least_conn; server {{B0}} down; server {{B1}} backup; server {{B2}} backup; }
    upstream single { server {{B0}}; }
    upstream iphd0 { ip_hash; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream iphd1 { ip_hash; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream iphd2 { ip_hash; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream hshdead { hash $arg_k; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream lcdead { least_conn; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream rnd1 { random; server {{B0}}; server {{B1}} down; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        location / { proxy_pass http://$uri_group; }
        set $uri_group "";
        location ~ ^/(?<g>[a-z0-9]+)/ { proxy_pass http://$g; }
    }`,
	},
		pc(getN("round robin equal", 6, keyed("/rr/"))),
		pc(getN("round robin 5 1 1", 14, keyed("/rr511/"))),
		pc(getN("round robin 2 1 1", 12, keyed("/rr211/"))),
		pc(getN("round robin with down", 6, keyed("/rrdown/"))),
		pc(getN("ip_hash one client", 5, keyed("/iph/"))),
		pc(getN("ip_hash weights 3 1 1", 5, keyed("/iph311/"))),
		with(getN("ip_hash chosen server dead", 4, keyed("/iphdown/")), 0, modeDead, 1, modeDead, 2, modeDead),
		pc(getN("hash 20 keys", 20, keyed("/hsh/x?k="))),
		pc(getN("hash 20 keys again", 20, keyed("/hsh/y?k="))),
		pc(getN("hash weights 3 1 1", 20, keyed("/hsh311/x?k=key"))),
		pc(getN("hash empty key falls back to round robin", 6, keyed("/hshempty/x?k="))),
		pc(getN("hash with down server", 20, keyed("/hshdown/x?k="))),
		pc(getN("least_conn sequential", 6, keyed("/lc/"))),
		pc(getN("least_conn 5 1 1 sequential", 14, keyed("/lc511/"))),
		pc(getN("least_conn backup tier", 4, keyed("/lcbackup/"))),
		pc(getN("single server", 3, keyed("/single/"))),
		with(getN("ip_hash b0 dead", 4, keyed("/iphd0/")), 0, modeDead),
		with(getN("ip_hash b1 dead", 4, keyed("/iphd1/")), 1, modeDead),
		with(getN("ip_hash b2 dead", 4, keyed("/iphd2/")), 2, modeDead),
		with(getN("hash with a dead server", 12, keyed("/hshdead/x?k=")), 1, modeDead),
		with(getN("least_conn with a dead server", 6, keyed("/lcdead/")), 0, modeDead),
		pc(getN("random with one usable server", 3, keyed("/rnd1/"))),
	)
}

// TestProxyHashConsistent compares ketama: the points depend on the text
// of each server's address, so both servers share the same backends here
// (the hash needs no per-backend state).
func TestProxyHashConsistent(t *testing.T) {
	p := newPool(3)
	p.shared = true
	runProxy(t, p, &site{
		http: `
    proxy_http_version 1.0;
    ` + upLog + `
    upstream ch { hash $arg_k consistent; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream ch311 { hash $arg_k consistent; server {{B0}} weight=3; server {{B1}}; server {{B2}}; }
    upstream chdown { hash $arg_k consistent; server {{B0}}; server {{B1}} down; server {{B2}}; }
    upstream chdead { hash $arg_k consistent; server {{B0}}; server {{B1}}; server {{B2}}; }
    upstream chempty { hash $arg_nokey consistent; server {{B0}}; server {{B1}}; server {{B2}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost;
        access_log logs/access.log up;
        location ~ ^/(?<g>[a-z0-9]+)/ { proxy_pass http://$g; }
    }`,
	},
		pc(getN("consistent 20 keys", 20, keyed("/ch/x?k=key"))),
		pc(getN("consistent numeric keys", 20, keyed("/ch/x?k="))),
		pc(getN("consistent weights 3 1 1", 20, keyed("/ch311/x?k=key"))),
		pc(getN("consistent with down server", 20, keyed("/chdown/x?k=key"))),
		pc(getN("consistent empty key", 6, keyed("/chempty/x?k="))),
		with(getN("consistent with a dead server", 12, keyed("/chdead/x?k=key")), 1, modeDead),
	)
}

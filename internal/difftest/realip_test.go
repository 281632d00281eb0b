package difftest

import "testing"

// TestRealIP compares ngx_http_realip_module: the address taken from
// X-Real-IP, X-Forwarded-For (every line, from the last) or any header,
// recursive or not, with ports, IPv6 and garbage; and what sees the new
// address: $remote_addr, $remote_port, $binary_remote_addr, allow/deny,
// limit_req keys, $proxy_add_x_forwarded_for, the access log and the
// "client:" of error-log lines. Set at server level it applies in the
// post-read phase (before the server's rewrites); set only in a location
// it applies in the preaccess phase, after that location's "return".
func TestRealIP(t *testing.T) {
	show := `"ra=$remote_addr rp=$rp rra=$realip_remote_addr rrp=$rrp xff=[$proxy_add_x_forwarded_for]\n"`
	runSite(t, &site{
		http: `
    log_format rip '$status "$request" ra=$remote_addr bin=$binary_remote_addr rp=$rp rra=$realip_remote_addr';
    map $realip_remote_port $rrp { "" none; default some; }
    map $remote_port $rp { "" none; ~^(8080|443|99)$ $remote_port; default conn; }
    limit_req_zone $binary_remote_addr zone=one:1m rate=1r/m;
    server {
        listen 127.0.0.1:{{PORT}};
        access_log logs/access.log rip;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        if ($remote_addr = 9.9.9.9) { return 200 "server rewrite sees 9.9.9.9\n"; }
        location / { return 200 ` + show + `; }
        location /deny { deny 1.2.3.4; error_page 403 /e403; }
        location = /e403 { return 200 "e403 ` + show[1:] + `; }
        location /limit { limit_req zone=one; error_page 503 /e503; return 200 ` + show + `; }
        location = /e503 { return 200 "e503 ` + show[1:] + `; }
        location /untrusted { set_real_ip_from 10.0.0.0/8; return 200 ` + show + `; }
    }
    server {
        listen 127.0.0.1:{{PORT2}};
        access_log logs/access.log rip;
        location / { return 200 ` + show + `; }
        location /xri { set_real_ip_from 127.0.0.1; allow 5.6.7.8; deny all; }
        location /xri-ret { set_real_ip_from 127.0.0.1; return 200 ` + show + `; }
        location /rec/ {
            set_real_ip_from 127.0.0.0/8;
            set_real_ip_from 2.2.2.0/24;
            set_real_ip_from 2001:db8::/32;
            real_ip_header X-Forwarded-For;
            real_ip_recursive on;
            deny 9.9.9.9;
        }
        location /named/ {
            set_real_ip_from 127.0.0.1;
            real_ip_header cf-connecting-ip;
            deny 7.7.7.7;
        }
        location /lowxff/ {
            set_real_ip_from 127.0.0.1;
            real_ip_header x-forwarded-for;
            deny 4.4.4.4;
        }
        location /redir/ {
            set_real_ip_from 127.0.0.1;
            real_ip_header X-Forwarded-For;
            error_page 404 /after;
        }
        location = /after { set_real_ip_from 0.0.0.0/0; return 200 "after ` + show[1:] + `; }
    }`,
		files: map[string]string{"rec/f.txt": "rec\n", "named/f.txt": "named\n", "lowxff/f.txt": "low\n"},
		cases: []tc{
			get("xff one address", "/", "X-Forwarded-For: 1.2.3.4"),
			get("xff last of a list", "/", "X-Forwarded-For: 10.0.0.1, 5.6.7.8"),
			get("xff trailing separators", "/", "X-Forwarded-For: 1.2.3.4 ,  "),
			get("xff with port", "/", "X-Forwarded-For: 1.2.3.4:8080"),
			get("xff ipv6 with port", "/", "X-Forwarded-For: [2001:DB8::1]:443"),
			get("xff ipv6", "/", "X-Forwarded-For: 2001:db8:0:0:1:0:0:1"),
			get("xff ipv4-mapped", "/", "X-Forwarded-For: ::ffff:1.2.3.4"),
			get("xff ipv4-compatible", "/", "X-Forwarded-For: ::1.2.3.4"),
			get("xff ipv6 last group", "/", "X-Forwarded-For: ::102"),
			get("xff ipv6 leading colon", "/", "X-Forwarded-For: :1:2:3:4:5:6:7:8"),
			get("xff odd ipv4", "/", "X-Forwarded-For: 01.2..4"),
			get("xff broadcast refused", "/", "X-Forwarded-For: 255.255.255.255"),
			get("xff port zero refused", "/", "X-Forwarded-For: 1.2.3.4:0"),
			get("xff garbage", "/", "X-Forwarded-For: unknown"),
			get("xff garbage last", "/", "X-Forwarded-For: 1.2.3.4, unknown"),
			get("xff empty", "/", "X-Forwarded-For:"),
			get("xff two lines, last wins", "/", "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2"),
			get("x-real-ip ignored for xff", "/", "X-Real-IP: 3.3.3.3"),
			get("server rewrite sees it", "/", "X-Forwarded-For: 9.9.9.9"),
			get("deny and error log client", "/deny", "X-Forwarded-For: 1.2.3.4"),
			get("deny other address", "/deny", "X-Forwarded-For: 1.2.3.5"),
			getN("limit_req by the real address", 3, func(i int) string { return "/limit" }, "X-Forwarded-For: 6.6.6.6"),
			get("limit_req other address", "/limit", "X-Forwarded-For: 6.6.6.7"),
			get("location trust does not redo", "/untrusted", "X-Forwarded-For: 8.8.8.8"),
			get("no realip on this server", "/", "X-Forwarded-For: 1.2.3.4").onPort2(),
			get("x-real-ip in location, access", "/xri", "X-Real-IP: 5.6.7.8").onPort2(),
			get("x-real-ip in location, denied", "/xri", "X-Real-IP: 5.6.7.9").onPort2(),
			get("x-real-ip first line", "/xri", "X-Real-IP: 5.6.7.8", "X-Real-IP: 5.6.7.9").onPort2(),
			get("location return before preaccess", "/xri-ret", "X-Real-IP: 5.6.7.8").onPort2(),
			get("recursive skips trusted", "/rec/f.txt", "X-Forwarded-For: 9.9.9.9, 2.2.2.3, 127.0.0.5").onPort2(),
			get("recursive stops at untrusted", "/rec/f.txt", "X-Forwarded-For: 1.1.1.1, 9.9.9.9, 2.2.2.3").onPort2(),
			get("recursive all trusted", "/rec/f.txt", "X-Forwarded-For: 2.2.2.9, 2.2.2.3").onPort2(),
			get("recursive garbage after trusted", "/rec/f.txt", "X-Forwarded-For: junk 2.2.2.3").onPort2(),
			get("recursive over lines", "/rec/f.txt", "X-Forwarded-For: 9.9.9.9", "X-Forwarded-For: 2.2.2.4, 2.2.2.5").onPort2(),
			get("recursive lines stop at untrusted", "/rec/f.txt", "X-Forwarded-For: 9.9.9.9", "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.5").onPort2(),
			get("recursive ipv6 trusted", "/rec/f.txt", "X-Forwarded-For: 9.9.9.9, [2001:db8::5]:99").onPort2(),
			get("named header caseless", "/named/f.txt", "CF-Connecting-IP: 7.7.7.7").onPort2(),
			get("named header list takes last", "/named/f.txt", "CF-Connecting-IP: 7.7.7.7, 7.7.7.8").onPort2(),
			get("lower-case xff is a named header", "/lowxff/f.txt", "X-Forwarded-For: 4.4.4.4", "X-Forwarded-For: 4.4.4.5").onPort2(),
			get("kept across internal redirect", "/redir/nothing", "X-Forwarded-For: 3.4.5.6").onPort2(),
		},
	})
}

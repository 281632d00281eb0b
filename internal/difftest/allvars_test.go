package difftest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The tests of this file log every variable nginx 1.22.1 knows (but the
// geoip module's, which weir lacks, and NGINX Plus's $jwt_*), one
// key=[$var] each, for requests of every kind, so that a value that
// differs shows in the access-log comparison of the case. What depends
// on the time, the process or the kernel is put in buckets by maps: the
// shape of the value is compared, not the value.

// allVarsHTTP declares the maps and the log format; allvars is the
// access-log format (after the harness's $status "$request"
// $body_bytes_sent, so that the footer correction applies), and
// allbytes logs $bytes_sent apart (weir's Server header and footers
// are of another length).
const allVarsHTTP = `
    map $msec $av_msec { "~^\d{10}\.\d{3}$" ok; default $msec; }
    map $pid $av_pid { "~^\d+$" ok; default $pid; }
    map $remote_port $av_rport { "~^\d+$" ok; default $remote_port; }
    map $realip_remote_port $av_rrport { "~^\d+$" ok; default $realip_remote_port; }
    map $request_id $av_rid { "~^[0-9a-f]{32}$" ok; default $request_id; }
    map $request_time $av_rtime { "~^\d+\.\d{3}$" ok; default $request_time; }
    map $connection_time $av_ctime { "~^\d+\.\d{3}$" ok; default $connection_time; }
    map $time_iso8601 $av_iso { "~^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$" ok; default $time_iso8601; }
    map $date_gmt $av_dgmt { "~^\w+day, \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d GMT$" ok; default $date_gmt; }
    map $date_local $av_dlocal { "~^\w+day, \d\d-\w{3}-\d{4} \d\d:\d\d:\d\d \w+$" ok; default $date_local; }
    map $request_body_file $av_rbf { "~/tmp/body/\d{10}$" file; default $request_body_file; }
    map "$tcpinfo_rtt:$tcpinfo_rttvar:$tcpinfo_snd_cwnd:$tcpinfo_rcv_space" $av_tcp { "~^\d+:\d+:\d+:\d+$" ok; default "$tcpinfo_rtt:$tcpinfo_rttvar:$tcpinfo_snd_cwnd:$tcpinfo_rcv_space"; }
    map $ssl_session_id $av_sid { "~^[0-9a-f]{64}$" id; default $ssl_session_id; }
    map "$sent_http_content_length:$body_bytes_sent" $av_cl { "~^(\d+):\1$" body; default $sent_http_content_length; }
    map $gzip_ratio $av_gz { "~^\d+\.\d\d$" ratio; default $gzip_ratio; }
    map $nginx_version $av_nv { "1.22.1" name; "1.31.0" name; default $nginx_version; }
    map $upstream_connect_time $av_uct {
        "~^(\d+\.\d{3})$" t; "~^-$" -; "~^\d+\.\d{3}, \d+\.\d{3}$" "t, t"; "~^-, \d+\.\d{3}$" "-, t"; "~^\d+\.\d{3}, -$" "t, -";
        "~^\d+\.\d{3} : \d+\.\d{3}$" "t : t"; default $upstream_connect_time; }
    map $upstream_header_time $av_uht {
        "~^(\d+\.\d{3})$" t; "~^-$" -; "~^\d+\.\d{3}, \d+\.\d{3}$" "t, t"; "~^-, \d+\.\d{3}$" "-, t"; "~^\d+\.\d{3}, -$" "t, -";
        "~^\d+\.\d{3} : \d+\.\d{3}$" "t : t"; default $upstream_header_time; }
    map $upstream_response_time $av_urt {
        "~^(\d+\.\d{3})$" t; "~^-$" -; "~^\d+\.\d{3}, \d+\.\d{3}$" "t, t"; "~^-, \d+\.\d{3}$" "-, t"; "~^\d+\.\d{3}, -$" "t, -";
        "~^\d+\.\d{3} : \d+\.\d{3}$" "t : t"; default $upstream_response_time; }
    log_format allvars '$status "$request" $body_bytes_sent "'
        'arg_a=[$arg_a] arg_b=[$arg_b] args=[$args] bra=[$binary_remote_addr] cr=[$connection_requests] ctime=[$av_ctime] '
        'cl=[$content_length] cty=[$content_type] cookie_a=[$cookie_a] dr=[$document_root] du=[$document_uri] host=[$host] hostname=[$hostname] '
        'http_host=[$http_host] http_ua=[$http_user_agent] http_cookie=[$http_cookie] http_xff=[$http_x_forwarded_for] https=[$https] is_args=[$is_args] '
        'limit_rate=[$limit_rate] msec=[$av_msec] nv=[$av_nv] pid=[$av_pid] pipe=[$pipe] '
        'ppa=[$proxy_protocol_addr] ppp=[$proxy_protocol_port] ppsa=[$proxy_protocol_server_addr] ppsp=[$proxy_protocol_server_port] '
        'qs=[$query_string] rroot=[$realpath_root] ra=[$remote_addr] rport=[$av_rport] ruser=[$remote_user] req=[$request] rbody=[$request_body] '
        'rbf=[$av_rbf] rcompl=[$request_completion] rfile=[$request_filename] rid=[$av_rid] rl=$request_length rm=[$request_method] rtime=[$av_rtime] '
        'ruri=[$request_uri] scheme=[$scheme] sh_ct=[$sent_http_content_type] sh_cl=[$av_cl] sh_loc=[$sent_http_location] '
        'sh_conn=[$sent_http_connection] sh_ka=[$sent_http_keep_alive] sh_te=[$sent_http_transfer_encoding] sh_lm=[$sent_http_last_modified] '
        'sh_etag=[$sent_http_etag] sh_ce=[$sent_http_content_encoding] sh_x=[$sent_http_x_added] st_x=[$sent_trailer_x] '
        'saddr=[$server_addr] sname=[$server_name] sport=[$server_port] sproto=[$server_protocol] status=[$status] tcp=[$av_tcp] '
        'iso=[$av_iso] tl=[$time_local] uri=[$uri] ancient=[$ancient_browser] modern=[$modern_browser] msie=[$msie] '
        'dgmt=[$av_dgmt] dlocal=[$av_dlocal] fpi=[$fastcgi_path_info] fsn=[$fastcgi_script_name] gz=[$av_gz] iref=[$invalid_referer] '
        'lcs=[$limit_conn_status] lrs=[$limit_req_status] pxff=[$proxy_add_x_forwarded_for] phost=[$proxy_host] pport=[$proxy_port] '
        'rra=[$realip_remote_addr] rrp=[$av_rrport] sl=[$secure_link] sle=[$secure_link_expires] slice=[$slice_range] '
        'ssl_proto=[$ssl_protocol] ssl_cipher=[$ssl_cipher] ssl_curve=[$ssl_curve] ssl_sid=[$av_sid] ssl_reused=[$ssl_session_reused] '
        'ssl_early=[$ssl_early_data] ssl_sni=[$ssl_server_name] ssl_alpn=[$ssl_alpn_protocol] ssl_verify=[$ssl_client_verify] '
        'ssl_sdn=[$ssl_client_s_dn] ssl_idn=[$ssl_client_i_dn] ssl_sdnl=[$ssl_client_s_dn_legacy] ssl_idnl=[$ssl_client_i_dn_legacy] '
        'ssl_serial=[$ssl_client_serial] ssl_fp=[$ssl_client_fingerprint] ssl_vs=[$ssl_client_v_start] ssl_ve=[$ssl_client_v_end] '
        'ssl_vr=[$ssl_client_v_remain] ssl_cert=[$ssl_client_escaped_cert] ssl_raw=[$ssl_client_raw_cert] '
        'uid_got=[$uid_got] uid_reset=[$uid_reset] uid_set=[$uid_set] ua=[$upstream_addr] ubr=[$upstream_bytes_received] ubs=[$upstream_bytes_sent] '
        'ucs=[$upstream_cache_status] uct=[$av_uct] uht=[$av_uht] url=[$upstream_response_length] urt=[$av_urt] us=[$upstream_status] '
        'uh_x=[$upstream_http_x_foo] uck=[$upstream_cookie_c] ut_x=[$upstream_trailer_x] http2=[$http2]"';
`

// allVarsBody is a body showing a few of them (the binary address comes
// out as quoted bytes in the comparison).
const allVarsBody = `args=[$args] is_args=[$is_args] qs=[$query_string] uri=[$uri] ruri=[$request_uri] host=[$host] sname=[$server_name]\n` +
	`saddr=[$server_addr] sport=[$server_port] bra=[$binary_remote_addr] cr=[$connection_requests] rl=[$request_length] dr=[$document_root] rfile=[$request_filename]\n`

// allVarsBackend answers with a cookie, an X-Foo header and, for a path
// with "trailer", a chunked body with a trailer.
func allVarsBackend(t *testing.T, _ string) []string {
	b := countingBackend(t, func(conn net.Conn, path string, _ int, hdrs []string) {
		body := "backend " + path + "\n"
		if strings.Contains(path, "trailer") {
			fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Foo: bar\r\nSet-Cookie: c=cv; path=/\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\nConnection: close\r\n\r\n%x\r\n%s\r\n0\r\nX: tv\r\n\r\n", len(body), body)
			return
		}
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Foo: bar\r\nSet-Cookie: c=cv; path=/\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
		lingerClose(conn, conn)
	})
	return append(b, deadAddr(t))
}

var allVarsKeyRe = regexp.MustCompile(`(\w+)=(\[[^\]]*\]|\d+)`)

// allVarsKeys names, line by line, the keys whose values differ in the
// two access logs (the cases' comparison shows the lines cut short).
func allVarsKeys(t *testing.T, ng, we *server) {
	read := func(s *server) []string {
		b, _ := os.ReadFile(filepath.Join(s.prefix, "logs", "access.log"))
		return normAccess(strings.Split(strings.TrimSpace(string(b)), "\n"), s)
	}
	n, w := read(ng), read(we)
	for i := 0; i < len(n) && i < len(w); i++ {
		kw := map[string]string{}
		for _, m := range allVarsKeyRe.FindAllStringSubmatch(w[i], -1) {
			kw[m[1]] = m[2]
		}
		var diffs []string
		for _, m := range allVarsKeyRe.FindAllStringSubmatch(n[i], -1) {
			if kw[m[1]] != m[2] {
				diffs = append(diffs, fmt.Sprintf("%s: nginx %s weir %s", m[1], m[2], kw[m[1]]))
			}
		}
		if len(diffs) > 0 {
			req, _, _ := strings.Cut(n[i], "\" ")
			t.Logf("line %d %s\"\n\t%s", i+1, req, strings.Join(diffs, "\n\t"))
		}
	}
}

// TestAllVariables: plain HTTP/1.0 and 1.1 (with keep-alive), HTTP/2 on
// the second port, proxied, FastCGI, static, redirects, error pages,
// bodies, odd request targets, rewrites, alias and root.
func TestAllVariables(t *testing.T) {
	if nginxBin == "" {
		t.Skip("nginx is not installed")
	}
	fpm := deadAddr(t)
	startFPMPool(t, fpm, "")
	loc := `
        location / { return 200 "` + allVarsBody + `"; }
        location /f/ { }
        location /gz/ { gzip on; gzip_min_length 1; gzip_types text/plain; }
        location /al/ { alias {{ROOT}}/sub/; }
        location /rt/ { root {{ROOT}}/sub; }
        location /rw/ { rewrite ^/rw/(.*)$ /after/$1?k=v last; }
        location /rwb/ { rewrite ^/rwb/(.*)$ /f/$1 break; }
        location /rwnoargs/ { rewrite ^ /after/x? last; }
        location /after/ { return 200 "` + allVarsBody + `"; }
        location = /redir { return 302 /f/x.txt; }
        location = /r444 { return 444; }
        location = /hr { return 200 "head\n"; }
        location /ep/ { error_page 404 /err.html; }
        location = /err.html { internal; }
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /body/ { client_body_buffer_size 1m; proxy_pass http://{{B0}}; }
        location /bodyfile/ { client_body_in_file_only clean; proxy_pass http://{{B0}}; }
        location /p/ { proxy_pass http://up; proxy_next_upstream error; add_header X-Added a; }
        location /p1/ { proxy_pass http://{{B0}}; }
        location /lim/ { limit_req zone=rz burst=5; limit_conn cz 5; return 200 "limited\n"; }
        location /ri/ { set_real_ip_from 127.0.0.1; real_ip_header X-Real-IP; return 200 "$remote_addr $realip_remote_addr\n"; }
        location /ref/ { valid_referers none server_names; return 200 "$invalid_referer\n"; }
        location /br/ { modern_browser msie 9.0; ancient_browser Lynx; return 200 "[$modern_browser][$ancient_browser][$msie]\n"; }
        location /lr/ { limit_rate 100k; return 200 "$limit_rate\n"; }
        location ~ ^/php/.+\.php(/|$) {
            fastcgi_split_path_info ^/php(/.+?\.php)(/.*)$;
            ` + fcgiParams + `
            fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
            fastcgi_param PATH_INFO $fastcgi_path_info;
            fastcgi_pass {{B2}};
        }
`
	runSite(t, &site{
		backends: func(t *testing.T, name string) []string { return append(allVarsBackend(t, name), fpm) },
		after:    allVarsKeys,
		files: map[string]string{
			"f/x.txt": "x file\n", "f/dir/index.html": "index\n", "sub/x.txt": "sub x\n", "err.html": "custom error\n",
			"gz/a.txt": strings.Repeat("gzip me ", 50) + "\n",
			"env.php":  `<?php header("Content-Type: text/plain"); echo $_SERVER["SCRIPT_NAME"], " ", $_SERVER["PATH_INFO"] ?? "-", "\n";`,
		},
		http: allVarsHTTP + `
    limit_req_zone $binary_remote_addr zone=rz:1m rate=100r/s;
    limit_conn_zone $binary_remote_addr zone=cz:1m;
    upstream up { server {{B1}}; server {{B0}}; }
    server {
        listen 127.0.0.1:{{PORT}};
        server_name localhost alias.test;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log allvars;
` + loc + `
    }
    server {
        listen 127.0.0.1:{{PORT2}} http2;
        location = /v { return 200 "args=[$args] uri=[$uri] host=[$host] bra=[$binary_remote_addr] cr=[$connection_requests]\n"; }
        server_name localhost;
        root {{ROOT}};
        default_type text/plain;
        access_log logs/access.log allvars;
` + loc + `
    }`,
		cases: []tc{
			raw("http/1.0", "GET /v?a=1 HTTP/1.0\r\n\r\n"),
			raw("http/1.0 host", "GET /v HTTP/1.0\r\nHost: Alias.Test:8080\r\nUser-Agent: t/1\r\nCookie: a=1; b=2\r\n\r\n"),
			get("http/1.1", "/v?a=1&b=2", "User-Agent: t/1", "X-Forwarded-For: 10.0.0.1"),
			rawN("keep-alive three", 3, "GET /v?n=1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /f/x.txt HTTP/1.1\r\nHost: localhost\r\nX-Pad: 1234567\r\n\r\nGET /v?n=3 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"),
			get("args empty", "/v?"),
			get("args hash", "/v?#"),
			get("args hash frag", "/v?a=1#frag"),
			get("args repeated", "/v?a=1&a=2&b"),
			get("args encoded", "/v?a=%20x+y&b=%zz"),
			get("uri dotdot", "/x/../v/./y"),
			get("uri encoded", "/%76/a%2Fb"),
			get("uri double slash", "//v//w"),
			get("uri semicolon", "/v;p=1?a=1"),
			get("uri absolute", "http://Abs.Test:99/v?a=1", "Host: other"),
			get("uri percent bad", "/v/%zz"),
			get("static", "/f/x.txt"),
			req("static head", "HEAD", "/f/x.txt"),
			req("head return", "HEAD", "/hr"),
			get("static dir redirect", "/f/dir"),
			get("static dir index", "/f/dir/"),
			get("redirect", "/redir"),
			get("not found", "/f/none.txt"),
			get("error_page", "/ep/none"),
			get("return 444", "/r444"),
			get("gzip", "/gz/a.txt", "Accept-Encoding: gzip").
				known("the compressed length ($body_bytes_sent, $gzip_ratio) is Go's deflate's, not zlib's (TestGzip compares whether it is set)"),
			get("alias", "/al/x.txt"),
			get("alias missing", "/al/none"),
			get("root", "/rt/x.txt"),
			get("rewrite last", "/rw/y?o=1"),
			get("rewrite break", "/rwb/x.txt?o=1"),
			get("rewrite no args", "/rwnoargs/z?o=1"),
			postBody("body", "/body/x", "hello=1", "Content-Type: application/x-www-form-urlencoded"),
			postBody("body to a return", "/v", "hello=2", "Content-Type: text/x"),
			postBody("body in a file", "/bodyfile/x", "hello=4"),
			postChunked("body chunked", "/body/c", "ab", "cd"),
			get("proxied over two upstreams", "/p/x"),
			get("proxied trailer", "/p1/trailer", "TE: trailers"),
			get("limits", "/lim/"),
			get("realip", "/ri/", "X-Real-IP: 10.1.2.3"),
			get("referer invalid", "/ref/", "Referer: http://evil.test/"),
			get("referer valid", "/ref/", "Referer: http://localhost/a"),
			get("browser msie", "/br/", "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"),
			get("browser lynx", "/br/", "User-Agent: Lynx/2.8"),
			get("limit_rate", "/lr/"),
			get("fastcgi", "/php/env.php/pi/x?q=1"),
			get("fastcgi no path info", "/php/env.php"),
			get("h2", "/v?a=1").overH2().onPort2(),
			get("h2 static", "/f/x.txt").overH2().onPort2(),
			get("h2 proxied", "/p/x").overH2().onPort2(),
			postBody("h2 body", "/body/x", "hello=3").overH2().onPort2(),
			get("h2 fastcgi", "/php/env.php/pi").overH2().onPort2(),
			get("h2 args hash", "/v?#").overH2().onPort2(),
		},
	})
}

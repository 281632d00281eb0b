package difftest

import "testing"

// TestKeepaliveDisable covers keepalive_disable: by default (msie6) a
// POST from MSIE 4-6 without SV1 closes the connection; "safari" closes
// it for Safari on macOS (neither Gecko/ nor Chrome/); "none" turns the
// default off. The User-Agent is read as ngx_http_process_user_agent does.
func TestKeepaliveDisable(t *testing.T) {
	const (
		msie6   = "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)"
		msie6s  = "User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)"
		msie5   = "User-Agent: Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)"
		opera   = "User-Agent: Opera/9.80 (compatible; MSIE 6.0; Windows NT 5.1)"
		safari  = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15"
		chrome  = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
		firefox = "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:120.0) Gecko/20100101 Firefox/120.0 Safari/1"
		iphone  = "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
		shortIE = "User-Agent: Safari/1 Mac OS X MSIE 6."
		ka      = "Connection: keep-alive"
	)
	post := func(name, uri string, hdr ...string) tc {
		return postBody(name, uri, "", append(hdr, ka)...).keep()
	}
	runSite(t, &site{
		http: `server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        location / { return 200 "ok\n"; }
        location /none/ { keepalive_disable none; return 200 "none\n"; }
        location /safari/ { keepalive_disable safari; return 200 "safari\n"; }
        location /both/ { keepalive_disable msie6 safari; return 200 "both\n"; }
        location /noneplus/ { keepalive_disable none msie6; return 200 "noneplus\n"; }
    }`,
		cases: []tc{
			post("msie6 post closes", "/x", msie6),
			get("msie6 get stays", "/x", msie6, ka).keep(),
			post("msie6 sv1 post stays", "/x", msie6s),
			post("msie5 post closes", "/x", msie5),
			post("opera is not msie", "/x", opera),
			post("none keeps msie6", "/none/x", msie6),
			post("none with msie6", "/noneplus/x", msie6),
			get("safari closes", "/safari/x", safari, ka).keep(),
			get("safari: chrome stays", "/safari/x", chrome, ka).keep(),
			get("safari: gecko stays", "/safari/x", firefox, ka).keep(),
			get("safari: iphone", "/safari/x", iphone, ka).keep(),
			get("safari: short MSIE is not MSIE", "/safari/x", shortIE, ka).keep(),
			get("default: safari stays", "/x", safari, ka).keep(),
			post("both: msie6 post", "/both/x", msie6),
			post("both: safari post", "/both/x", safari),
		},
	})
}

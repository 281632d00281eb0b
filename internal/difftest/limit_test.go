package difftest

import (
	"fmt"
	"testing"
)

// limitLog shows both modules' status variables in the access log.
const limitLog = `log_format lim '$status "$request" lrs=$limit_req_status lcs=$limit_conn_status';`

// TestLimitReq covers limit_req: the leaky bucket at 1r/m (no request of
// a case drains anything, so excesses are exact), burst, nodelay and
// delay=, dry run, several limits (a later rejection gives back the
// earlier limits' reservations), inheritance (a level with limit_req
// replaces the outer ones), the phase (after rewrite's return, before
// allow/deny), limit_req_status through error_page, the log level, an
// empty key, and $limit_req_status. Each case uses its own key.
func TestLimitReq(t *testing.T) {
	n := func(name string, count int, uri string) tc {
		return getN(name, count, func(int) string { return uri })
	}
	runSite(t, &site{
		http: limitLog + `
    limit_req_zone $arg_k zone=one:1m rate=1r/m;
    limit_req_zone $arg_j zone=two:1m rate=1r/m;
    limit_req_zone $arg_k zone=small:32k rate=1r/m;
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        location /small/ { limit_req zone=small; alias {{ROOT}}/s/; }
        root {{ROOT}};
        access_log logs/access.log lim;
        limit_req zone=two;
        location /s/ { limit_req zone=one; }
        location /ret/ { limit_req zone=one; return 200 "returned\n"; }
        location /b/ { limit_req zone=one burst=2 nodelay; alias {{ROOT}}/s/; }
        location /dl/ { limit_req zone=one burst=3 delay=2; limit_req_dry_run on; alias {{ROOT}}/s/; }
        location /d/ { limit_req zone=one burst=1; limit_req_dry_run on; alias {{ROOT}}/s/; }
        location /e/ { limit_req zone=one; limit_req_status 429; error_page 429 /busy.html; alias {{ROOT}}/s/; }
        location /m/ { limit_req zone=one burst=1 nodelay; limit_req zone=two; alias {{ROOT}}/s/; }
        location /srv/ { alias {{ROOT}}/s/; }
        location /deny/ { limit_req zone=one; deny all; }
        location /w/ { limit_req zone=one; limit_req_log_level warn; alias {{ROOT}}/s/; }
        location /n/ { limit_req zone=one; limit_req_log_level notice; limit_req_dry_run on; alias {{ROOT}}/s/; }
        location /tf/ { limit_req zone=one; try_files /nothing /s/f.txt; }
    }`,
		files: map[string]string{"s/f.txt": "file\n", "busy.html": "busy\n"},
		cases: []tc{
			n("second request rejected", 3, "/s/f.txt?k=a"),
			n("return comes first", 2, "/ret/?k=r"),
			n("burst with nodelay", 4, "/b/f.txt?k=b"),
			n("empty key is not limited", 3, "/s/f.txt"),
			n("dry run delays and rejects nothing", 3, "/d/f.txt?k=d"),
			n("delay= within burst, dry run", 5, "/dl/f.txt?k=dl"),
			n("status through error_page", 2, "/e/f.txt?k=e"),
			getN("later limit rejects, earlier undone", 3, func(i int) string {
				return []string{"/m/f.txt?k=m&j=m1", "/m/f.txt?k=m&j=m1", "/m/f.txt?k=m&j=m2"}[i]
			}),
			n("location replaces server limits", 3, "/s/f.txt?j=s&k=s1"),
			n("server limits inherited", 2, "/srv/f.txt?j=i"),
			n("before allow and deny", 2, "/deny/?k=deny"),
			n("log level warn", 2, "/w/f.txt?k=w"),
			n("dry run delay logged a level lower", 2, "/n/f.txt?k=n"),
			n("checked once across internal redirects", 2, "/tf/?k=tf"),
			// a 32k zone holds 191 short keys: the 192nd evicts the
			// least recently used (k0 passes again), k2 is still known
			getN("full zone forgets its oldest key", 194, func(i int) string {
				switch i {
				case 192:
					return "/small/f.txt?k=k0"
				case 193:
					return "/small/f.txt?k=k2"
				}
				return fmt.Sprintf("/small/f.txt?k=k%d", i)
			}),
			get("first over HTTP/1.1", "/s/f.txt?k=h2"),
			onPort2(get("then over HTTP/2", "/s/f.txt?k=h2").overH2()),
		},
	})
}

func onPort2(c tc) tc {
	c.port = 1
	return c
}

// TestLimitReqDelay covers a real delay at 1r/s with burst: the request
// waits (excess*1000/rate ms) and passes, $limit_req_status is DELAYED.
// The delay's log line names an excess that depends on timing, so it is
// logged at a level the error log leaves out.
func TestLimitReqDelay(t *testing.T) {
	runSite(t, &site{
		errorLevel: "error",
		http: limitLog + `
    limit_req_zone $arg_k zone=one:1m rate=1r/s;
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log lim;
        location /s/ { limit_req zone=one burst=3; }
    }`,
		files: map[string]string{"s/f.txt": "file\n"},
		cases: []tc{
			getN("second request delayed", 2, func(int) string { return "/s/f.txt?k=a" }),
		},
	})
}

// TestLimitConn covers limit_conn with a request that proxies to its own
// server: the inner request finds the outer one's count and is refused
// (503, or limit_conn_status), in dry run it passes; counts end with the
// request; an empty key is not counted; $limit_conn_status.
func TestLimitConn(t *testing.T) {
	loc := func(path, extra string) string {
		return fmt.Sprintf(`location /%s/ { limit_conn addr 1; %s proxy_http_version 1.1; proxy_pass http://127.0.0.1:{{PORT}}/%si/; }
        location /%si/ { limit_conn addr 1; %s alias {{ROOT}}/s/; }
        `, path, extra, path, path, extra)
	}
	runSite(t, &site{
		http: limitLog + `
    limit_conn_zone $arg_c zone=addr:1m;
    limit_req_zone $arg_k zone=one:1m rate=1r/m;
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log lim;
        ` + loc("c", "") + loc("cd", "limit_conn_dry_run on;") + loc("cs", "limit_conn_status 429; limit_conn_log_level notice;") + `
        location /one/ { limit_conn addr 1; alias {{ROOT}}/s/; }
        location /both/ { limit_conn addr 1; proxy_http_version 1.1; proxy_pass http://127.0.0.1:{{PORT}}/bothi/; }
        location /bothi/ { limit_conn addr 1; limit_req zone=one; alias {{ROOT}}/s/; }
    }`,
		files: map[string]string{"s/f.txt": "file\n"},
		cases: []tc{
			get("inner request refused", "/c/f.txt?c=x"),
			get("empty key not counted", "/c/f.txt"),
			get("dry run", "/cd/f.txt?c=y"),
			get("status and log level", "/cs/f.txt?c=z"),
			getN("counts end with the request", 3, func(int) string { return "/one/f.txt?c=w" }),
			getN("limit_req is checked before limit_conn", 3, func(i int) string {
				return []string{"/bothi/f.txt?k=o", "/both/f.txt?k=o&c=o", "/both/f.txt?k=p&c=p"}[i]
			}),
		},
	})
}

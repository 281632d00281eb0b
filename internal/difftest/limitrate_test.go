package difftest

import (
	"strings"
	"testing"
)

// TestLimitRateVariables covers limit_rate and limit_rate_after given
// with variables (nginx 1.17.0): evaluated when the response starts,
// from the final location; a value that is not a size counts as 0 with
// "invalid size"; set $limit_rate and X-Accel-Limit-Rate win over it.
// The rates are high or the bodies small, so no case waits long.
func TestLimitRateVariables(t *testing.T) {
	body := strings.Repeat("x", 3000)
	runSite(t, &site{
		http: `log_format rate '$status "$request" $body_bytes_sent rate=$limit_rate';
    map $arg_r $rate { default 0; fast 100k; slow 1k; bad 12q; }
    server {
        listen 127.0.0.1:{{PORT}};
        root {{ROOT}};
        access_log logs/access.log rate;
        limit_rate $rate;
        limit_rate_after 2500;
        location = /big.txt { }
        location = /set { set $limit_rate 7k; try_files /big.txt =404; }
        location = /after { limit_rate_after $arg_a; try_files /big.txt =404; }
        location = /redir { error_page 404 = /big.txt; return 404; }
        location = /text { return 200 "rate before the response: $limit_rate\n"; }
        location = /upstream { proxy_pass http://127.0.0.1:{{PORT}}/accel; proxy_http_version 1.1; }
        location = /up2 { proxy_pass http://127.0.0.1:{{PORT}}/big.txt?r=fast; proxy_http_version 1.1; }
        location = /accel { add_header X-Accel-Limit-Rate 50000; try_files /big.txt =404; }
    }`,
		files: map[string]string{"big.txt": body},
		cases: []tc{
			get("no rate", "/big.txt"),
			get("rate from a map", "/big.txt?r=fast"),
			get("slow past limit_rate_after", "/big.txt?r=slow"),
			get("not a size", "/big.txt?r=bad"),
			get("set $limit_rate wins", "/set?r=fast"),
			get("limit_rate_after with a variable", "/after?r=fast&a=1k"),
			get("limit_rate_after not a size", "/after?r=fast&a=zz"),
			get("after an internal redirect", "/redir?r=fast"),
			get("variable read before the response", "/text?r=fast"),
			get("X-Accel-Limit-Rate wins", "/upstream?r=fast"),
			get("not a size, proxied", "/up2?r=bad"),
		},
	})
}

package difftest

import "testing"

// Cases for the differences TestAllVariables found, one per fix.

// TestArgsBeforeHash: "/x?#" has arguments, empty ("" in the log), where
// "/x?" has none ("-").
func TestArgsBeforeHash(t *testing.T) {
	runSite(t, &site{
		http: `
    log_format args '$status "$request" $body_bytes_sent "args=[$args] qs=[$query_string] is_args=[$is_args]"';
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        access_log logs/access.log args;
        location / { return 200 "[$args][$query_string]\n"; }
    }`,
		cases: []tc{
			get("hash after question mark", "/x?#"),
			get("hash and fragment", "/x?#frag"),
			get("question mark alone", "/x?"),
			get("arguments then hash", "/x?a#b"),
			get("hash without question mark", "/x#?"),
			get("h2 hash after question mark", "/x?#").overH2().onPort2(),
		},
	})
}

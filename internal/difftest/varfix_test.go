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

// TestConnVariables: $pipe, $request_completion, $connection_time and
// $tcpinfo_* (the times and the kernel's numbers in buckets), in the log
// and in a body (where the request is not complete yet).
func TestConnVariables(t *testing.T) {
	runSite(t, &site{
		http: `
    map $connection_time $cv_ctime { "~^\d+\.\d{3}$" ok; default $connection_time; }
    map "$tcpinfo_rtt:$tcpinfo_rttvar:$tcpinfo_snd_cwnd:$tcpinfo_rcv_space" $cv_tcp { "~^\d+:\d+:\d+:\d+$" ok; default "[$tcpinfo_rtt:$tcpinfo_rttvar:$tcpinfo_snd_cwnd:$tcpinfo_rcv_space]"; }
    log_format conn '$status "$request" $body_bytes_sent "pipe=[$pipe] compl=[$request_completion] ctime=[$cv_ctime] tcp=[$cv_tcp]"';
    server {
        listen 127.0.0.1:{{PORT}};
        listen 127.0.0.1:{{PORT2}} http2;
        access_log logs/access.log conn;
        location / { return 200 "[$pipe][$cv_ctime][$cv_tcp]\n"; }
        location /taken { return 200 "[$request_completion]\n"; }
        location = /close { return 444; }
    }`,
		cases: []tc{
			get("one request", "/x"),
			rawN("pipelined", 3, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
			get("444", "/close"),
			get("completion taken in the body", "/taken"),
			get("h2", "/x").overH2().onPort2(),
		},
	})
}

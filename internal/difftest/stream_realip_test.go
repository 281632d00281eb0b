package difftest

import (
	"testing"
	"time"
)

// Stream module, set_real_ip_from (ngx_stream_realip_module): a PROXY
// protocol header from a trusted address names the client for access
// rules, variables and log lines; $realip_remote_addr and
// $realip_remote_port keep the connection's own.
func TestStreamRealIP(t *testing.T) {
	st := streamSite(`
    log_format s '$remote_addr $status $bytes_sent "$realip_remote_addr" "$rp" "$proxy_protocol_addr"';
    access_log logs/access.log s;
    map $realip_remote_port $rp { "" none; default some; }
    map $remote_port $rport { 1111 1111; 3333 3333; default other; }
    set_real_ip_from 127.0.0.0/8;
    server { listen {{B3}} proxy_protocol; set_real_ip_from 127.0.0.1; return "addr $remote_addr port $rport real $realip_remote_addr $rp\n"; }
    server { listen {{B4}} proxy_protocol; set_real_ip_from 10.0.0.0/8; set_real_ip_from unix:; return "addr $remote_addr port $rport real $realip_remote_addr $rp\n"; }
    server { listen {{B5}} proxy_protocol; deny 192.0.2.1; allow all; return "allowed $remote_addr\n"; }
    server { listen {{B6}}; return "addr $remote_addr real $realip_remote_addr $rp\n"; }
    server { listen {{B7}} proxy_protocol; return "addr $remote_addr port $rport\n"; proxy_protocol_timeout 300ms; }
`)
	v1 := "PROXY TCP4 192.0.2.1 198.51.100.2 1111 2222\r\n"
	wait := 50 * time.Millisecond
	runStream(t, st, []streamCase{
		{name: "trusted: the header names the client", listen: 0, send: v1, wait: wait},
		{name: "trusted, IPv6", listen: 0, send: "PROXY TCP6 2001:db8:0:0::1 2001:db8::2 1111 2222\r\n", wait: wait},
		{name: "trusted, IPv4-mapped", listen: 0, send: "PROXY TCP6 ::ffff:192.0.2.7 ::1 1111 2222\r\n", wait: wait},
		{name: "trusted, UNKNOWN", listen: 0, send: "PROXY UNKNOWN\r\n", wait: wait},
		{name: "untrusted: a server's list replaces the block's", listen: 1, send: v1, wait: wait},
		{name: "the block's list, denied by the named client", listen: 2, send: v1, wait: wait},
		{name: "the block's list, another client allowed", listen: 2, send: "PROXY TCP4 192.0.2.2 198.51.100.2 1111 2222\r\n", wait: wait},
		{name: "no proxy_protocol on the listen", listen: 3, wait: wait},
		{name: "version 2 header", listen: 4, send: string(ppV2([4]byte{203, 0, 113, 5}, [4]byte{198, 51, 100, 7}, 3333, 4444)), wait: wait},
	})
}

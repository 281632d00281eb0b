package difftest

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// TestProxyProtocol covers "listen ... proxy_protocol": version 1 and 2
// headers before the request, what $proxy_protocol_* and realip's
// "real_ip_header proxy_protocol" make of them, and the headers nginx
// refuses (the connection is closed with its error-log line, or none).
func TestProxyProtocol(t *testing.T) {
	const req = "GET /f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
	v2 := func(cmd, fam byte, body []byte) string {
		h := []byte("\r\n\r\n\x00\r\nQUIT\n")
		h = append(h, 0x20|cmd, fam, 0, 0)
		binary.BigEndian.PutUint16(h[14:], uint16(len(body)))
		return string(append(h, body...))
	}
	inet := func(src, dst string, sp, dp uint16, extra ...byte) []byte {
		s, d := netip.MustParseAddr(src), netip.MustParseAddr(dst)
		b := append(s.AsSlice(), d.AsSlice()...)
		b = binary.BigEndian.AppendUint16(b, sp)
		b = binary.BigEndian.AppendUint16(b, dp)
		return append(b, extra...)
	}
	runSite(t, &site{
		http: `log_format pp '$remote_addr pp=$proxy_protocol_addr:$proxy_protocol_port srv=$proxy_protocol_server_addr:$proxy_protocol_server_port real=$realip_remote_addr "$request" $status';
    server {
        listen 127.0.0.1:{{PORT}} proxy_protocol;
        root {{ROOT}};
        access_log logs/access.log pp;
    }
    server {
        listen 127.0.0.1:{{PORT2}} proxy_protocol;
        root {{ROOT}};
        access_log logs/access.log pp;
        set_real_ip_from 127.0.0.1;
        real_ip_header proxy_protocol;
        location /deny/ { deny 192.0.2.1; }
        location = /port { return 200 "$remote_addr:$remote_port\n"; }
    }`,
		files: map[string]string{"f.txt": "file\n", "deny/f.txt": "no\n"},
		cases: []tc{
			raw("v1 tcp4", "PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\n"+req),
			raw("v1 tcp6", "PROXY TCP6 2001:db8::1 2001:db8::2 5000 80\r\n"+req),
			raw("v1 unknown", "PROXY UNKNOWN\r\n"+req),
			raw("v1 unknown with addresses", "PROXY UNKNOWN 1.1.1.1 2.2.2.2 1 2\r\n"+req),
			raw("v1 address text not checked", "PROXY TCP4 999.0.2.1 192.0.2.2 5000 80\r\n"+req),
			raw("v1 port 0", "PROXY TCP4 192.0.2.1 192.0.2.2 0 80\r\n"+req),
			raw("v2 tcp4", v2(1, 0x11, inet("198.51.100.1", "198.51.100.2", 4444, 443))+req),
			raw("v2 local", v2(0, 0x11, inet("198.51.100.1", "198.51.100.2", 4444, 443))+req),
			raw("v2 tcp6", v2(1, 0x21, inet("2001:db8::5", "2001:db8::6", 7, 8))+req),
			raw("v2 with a tlv", v2(1, 0x11, inet("198.51.100.1", "198.51.100.2", 4444, 443, 4, 0, 3, 'a', 'b', 'c'))+req),
			raw("v2 udp", v2(1, 0x12, inet("198.51.100.1", "198.51.100.2", 4444, 443))+req),
			raw("v2 addresses cut short", v2(1, 0x11, inet("198.51.100.1", "198.51.100.2", 4444, 443)[:8])+req),
			raw("v2 unknown version", "\r\n\r\n\x00\r\nQUIT\n\x31\x11\x00\x0c"+string(inet("198.51.100.1", "198.51.100.2", 1, 2))+req),
			raw("v2 longer than what came", v2(1, 0x11, inet("198.51.100.1", "198.51.100.2", 4444, 443))[:16]+"\x00"),
			raw("no header", req).known("nginx 1.22 quotes the whole first read in \"broken header\"; weir quotes it up to the first CR or LF, as nginx 1.23+ does"),
			raw("lower-case proxy", "proxy TCP4 192.0.2.1 192.0.2.2 5000 80\r\n"+req).known("nginx 1.22 quotes the whole first read in \"broken header\"; weir quotes it up to the first CR or LF, as nginx 1.23+ does"),
			raw("port out of range", "PROXY TCP4 192.0.2.1 192.0.2.2 70000 80\r\n"+req).known("nginx 1.22 quotes the whole first read in \"broken header\"; weir quotes it up to the first CR or LF, as nginx 1.23+ does"),
			raw("realip from the header", "PROXY TCP4 192.0.2.7 192.0.2.2 5000 80\r\n"+req).onPort2(),
			raw("realip: the header's port", "PROXY TCP4 192.0.2.7 192.0.2.2 5000 80\r\nGET /port HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").onPort2(),
			raw("realip: unknown keeps the address", "PROXY UNKNOWN\r\n"+req).onPort2(),
			raw("realip: deny sees the header's address", "PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nGET /deny/f.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").onPort2(),
		},
	})
}

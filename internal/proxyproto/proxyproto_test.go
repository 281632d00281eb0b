package proxyproto

import (
	"encoding/binary"
	"strconv"
	"testing"
)

func v2(cmd, fam byte, body []byte) []byte {
	h := []byte(signature)
	h = append(h, 0x20|cmd, fam, 0, 0)
	binary.BigEndian.PutUint16(h[14:], uint16(len(body)))
	return append(h, body...)
}

func TestParse(t *testing.T) {
	inet4 := []byte{198, 51, 100, 1, 198, 51, 100, 2, 0x11, 0x5c, 0x01, 0xbb}
	for _, c := range []struct {
		name string
		in   []byte
		src  string // "" for no header
		n    int
		msg  string
	}{
		{"v1", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 10 20\r\nGET"), "1.2.3.4:10", 34, ""},
		{"v1 tcp6", []byte("PROXY TCP6 ::1 ::2 0 65535\r\n"), "::1:0", 28, ""},
		{"v1 empty address", []byte("PROXY TCP4  5.6.7.8 10 20\r\n"), ":10", 27, ""},
		{"v1 unknown", []byte("PROXY UNKNOWN whatever\r\nGET"), "", 24, ""},
		{"v1 unknown without CRLF", []byte("PROXY UNKNOWN whatever"), "", -1, `broken header: "PROXY UNKNOWN whatever"`},
		{"v1 port too big", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 65536 20\r\n"), "", -1, `broken header: "PROXY TCP4 1.2.3.4 5.6.7.8 65536 20"`},
		{"v1 empty port", []byte("PROXY TCP4 1.2.3.4 5.6.7.8  20\r\n"), "", -1, `broken header: "PROXY TCP4 1.2.3.4 5.6.7.8  20"`},
		{"v1 bad address character", []byte("PROXY TCP4 1.2.3.x 5.6.7.8 1 2\r\n"), "", -1, `broken header: "PROXY TCP4 1.2.3.x 5.6.7.8 1 2"`},
		{"v1 CR without LF", []byte("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX"), "", -1, `broken header: "PROXY TCP4 1.2.3.4 5.6.7.8 1 2"`},
		{"v1 TCP5", []byte("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n"), "", -1, `broken header: "PROXY TCP5 1.2.3.4 5.6.7.8 1 2"`},
		{"too short", []byte("PROXY "), "", -1, `broken header: "PROXY "`},
		{"empty", nil, "", -1, `broken header: ""`},
		{"v2 inet", v2(1, 0x11, inet4), "198.51.100.1:4444", 28, ""},
		{"v2 local", v2(0, 0x11, inet4), "", 28, ""},
		{"v2 udp", v2(1, 0x12, inet4), "", 28, ""},
		{"v2 unix family", v2(1, 0x31, inet4), "", 28, ""},
		{"v2 short addresses", v2(1, 0x11, inet4[:11]), "", -1, ""},
		{"v2 longer than the read", v2(1, 0x11, inet4)[:20], "", -1, "header is too large"},
		{"v2 version 3", append([]byte(signature), 0x31, 0x11, 0, 0), "", -1, "unknown PROXY protocol version: 3"},
		{"v2 mapped address", v2(1, 0x21, append(append([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4}, make([]byte, 16)...), 0, 1, 0, 2)), "::ffff:1.2.3.4:1", 52, ""},
	} {
		h, n, msg := Parse(c.in)
		src := ""
		if h != nil {
			src = h.SrcAddr + ":" + strconv.Itoa(h.SrcPort)
		}
		if src != c.src || n != c.n || msg != c.msg {
			t.Errorf("%s: got %q %d %q, want %q %d %q", c.name, src, n, msg, c.src, c.n, c.msg)
		}
	}
}

func TestTLV(t *testing.T) {
	ssl := []byte{0x01, 0, 0, 0, 7} // client, verify 7
	ssl = append(ssl, 0x21, 0, 7, 'T', 'L', 'S', 'v', '1', '.', '3', 0x22, 0, 2, 'c', 'n')
	tlvs := []byte{0x01, 0, 2, 'h', '2', 0x05, 0, 3, 'i', 'd', '1', 0x20, 0, byte(len(ssl))}
	tlvs = append(tlvs, ssl...)
	tlvs = append(tlvs, 0xe0, 0, 1, 'x')
	h := &Header{TLVs: tlvs}
	for _, c := range []struct {
		name, want string
		found      bool
		msg        string
	}{
		{"alpn", "h2", true, ""},
		{"unique_id", "id1", true, ""},
		{"authority", "", false, ""},
		{"0xe0", "x", true, ""},
		{"0xE0", "x", true, ""},
		{"0x1", "h2", true, ""},
		{"0xzz", "", false, `invalid PROXY protocol TLV "0xzz"`},
		{"0x", "", false, `invalid PROXY protocol TLV "0x"`},
		{"nonsense", "", false, `unknown PROXY protocol TLV "nonsense"`},
		{"ssl_version", "TLSv1.3", true, ""},
		{"ssl_cn", "cn", true, ""},
		{"ssl_cipher", "", false, ""},
		{"ssl_verify", "7", true, ""},
		{"ssl_nonsense", "", false, `unknown PROXY protocol TLV "ssl_nonsense"`},
	} {
		v, found, msg := h.TLV(c.name)
		if v != c.want || found != c.found || msg != c.msg {
			t.Errorf("%s: got %q %v %q, want %q %v %q", c.name, v, found, msg, c.want, c.found, c.msg)
		}
	}
	broken := &Header{TLVs: []byte{0x01, 0, 9, 'a'}}
	if _, _, msg := broken.TLV("alpn"); msg != "broken PROXY protocol TLV" {
		t.Errorf("broken record: %q", msg)
	}
}

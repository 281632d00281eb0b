// Package proxyproto reads the PROXY protocol header (versions 1 and 2)
// that a load balancer puts in front of a connection, as nginx's
// ngx_proxy_protocol_read does for "listen ... proxy_protocol".
package proxyproto

import (
	"encoding/binary"
	"net/netip"
	"strconv"

	"weir/internal/inet"
)

// V1MaxHeader is the longest version 1 header (NGX_PROXY_PROTOCOL_V1_MAX_HEADER)
// and MaxHeader the most a reader looks at for either version
// (NGX_PROXY_PROTOCOL_MAX_HEADER).
const (
	V1MaxHeader = 107
	MaxHeader   = 4096
)

// Header is what a header said (ngx_proxy_protocol_t). A header without
// addresses ("PROXY UNKNOWN", a version 2 LOCAL command, another family
// or transport) gives none: the connection keeps its own addresses.
type Header struct {
	SrcAddr, DstAddr string // as sent (version 1) or printed (version 2)
	SrcPort, DstPort int
	TLVs             []byte // version 2: the type-length-value records after the addresses
}

// signature opens a version 2 header.
const signature = "\r\n\r\n\x00\r\nQUIT\n"

// v2HeaderLen is the fixed part of a version 2 header.
const v2HeaderLen = 16

// Parse reads the header at the start of b, the bytes the first read
// brought. It returns the header (nil when it carries no addresses) and
// the number of bytes it took; n < 0 means the connection is to be
// closed, with msg the error-log line nginx writes ("" for the failures
// nginx closes on without a word).
func Parse(b []byte) (h *Header, n int, msg string) {
	if len(b) >= v2HeaderLen && string(b[:len(signature)]) == signature {
		return parseV2(b)
	}
	p := 0
	if len(b) < 8 || string(b[:6]) != "PROXY " {
		return nil, -1, broken(b)
	}
	p = 6
	if len(b)-p >= 7 && string(b[p:p+7]) == "UNKNOWN" {
		// ngx_proxy_protocol_read's "skip": up to the first CRLF
		for i := p + 7; i < len(b)-1; i++ {
			if b[i] == '\r' && b[i+1] == '\n' {
				return nil, i + 2, ""
			}
		}
		return nil, -1, broken(b)
	}
	if len(b)-p < 5 || string(b[p:p+3]) != "TCP" || (b[p+3] != '4' && b[p+3] != '6') || b[p+4] != ' ' {
		return nil, -1, broken(b)
	}
	p += 5
	h = &Header{}
	var ok bool
	if h.SrcAddr, p, ok = readAddr(b, p); !ok {
		return nil, -1, broken(b)
	}
	if h.DstAddr, p, ok = readAddr(b, p); !ok {
		return nil, -1, broken(b)
	}
	if h.SrcPort, p, ok = readPort(b, p, ' '); !ok {
		return nil, -1, broken(b)
	}
	if h.DstPort, p, ok = readPort(b, p, '\r'); !ok {
		return nil, -1, broken(b)
	}
	if p == len(b) || b[p] != '\n' {
		return nil, -1, broken(b)
	}
	return h, p + 1, ""
}

// broken is the line for a header that is not one: nginx quotes what it
// read up to the first CR or LF.
func broken(b []byte) string {
	end := len(b)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			end = i
			break
		}
	}
	return "broken header: \"" + string(b[:end]) + "\""
}

// readAddr is ngx_proxy_protocol_read_addr: hex digits, dots and colons
// up to a space, not checked further.
func readAddr(b []byte, p int) (string, int, bool) {
	start := p
	for {
		if p == len(b) {
			return "", p, false
		}
		c := b[p]
		p++
		if c == ' ' {
			return string(b[start : p-1]), p, true
		}
		if c != ':' && c != '.' && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') && !('0' <= c && c <= '9') {
			return "", p, false
		}
	}
}

// readPort is ngx_proxy_protocol_read_port: decimal digits up to sep,
// at most 65535.
func readPort(b []byte, p int, sep byte) (int, int, bool) {
	start := p
	for {
		if p == len(b) {
			return 0, p, false
		}
		p++
		if b[p-1] == sep {
			break
		}
	}
	digits := b[start : p-1]
	if len(digits) == 0 {
		return 0, p, false
	}
	n := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, p, false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return 0, p, false
		}
	}
	return n, p, true
}

// parseV2 is ngx_proxy_protocol_v2_read.
func parseV2(b []byte) (*Header, int, string) {
	if v := b[12] >> 4; v != 2 {
		return nil, -1, "unknown PROXY protocol version: " + strconv.Itoa(int(v))
	}
	n := int(binary.BigEndian.Uint16(b[14:16]))
	if len(b)-v2HeaderLen < n {
		return nil, -1, "header is too large"
	}
	end := v2HeaderLen + n
	body := b[v2HeaderLen:end]
	// only the PROXY command over a stream transport has addresses
	if b[12]&0x0f != 1 || b[13]&0x0f != 1 {
		return nil, end, ""
	}
	var src, dst netip.Addr
	var rest []byte
	switch b[13] >> 4 {
	case 1: // AF_INET
		if len(body) < 12 {
			return nil, -1, ""
		}
		src, dst = netip.AddrFrom4([4]byte(body[0:4])), netip.AddrFrom4([4]byte(body[4:8]))
		rest = body[8:]
	case 2: // AF_INET6
		if len(body) < 36 {
			return nil, -1, ""
		}
		src, dst = netip.AddrFrom16([16]byte(body[0:16])), netip.AddrFrom16([16]byte(body[16:32]))
		rest = body[32:]
	default:
		return nil, end, ""
	}
	h := &Header{
		SrcAddr: inet.Ntop(src), DstAddr: inet.Ntop(dst),
		SrcPort: int(binary.BigEndian.Uint16(rest[0:2])),
		DstPort: int(binary.BigEndian.Uint16(rest[2:4])),
	}
	if len(rest) > 4 {
		h.TLVs = append([]byte(nil), rest[4:]...)
	}
	return h, end, ""
}

// The TLV types nginx names (ngx_proxy_protocol_tlv_entries), and those
// inside the SSL record (ngx_proxy_protocol_tlv_ssl_entries).
var (
	tlvNames    = map[string]byte{"alpn": 0x01, "authority": 0x02, "unique_id": 0x05, "ssl": 0x20, "netns": 0x30}
	tlvSSLNames = map[string]byte{"version": 0x21, "cn": 0x22, "cipher": 0x23, "sig_alg": 0x24, "key_alg": 0x25}
)

// TLV is ngx_proxy_protocol_get_tlv, the value of $proxy_protocol_tlv_NAME:
// a name above, "0x" and the type in hex, or "ssl_" and a name of the
// SSL record ("ssl_verify" is its verify field in decimal). found is false
// when the header has no such record; msg, when set, is the error-log
// line nginx writes (an unknown name, a broken record).
func (h *Header) TLV(name string) (value string, found bool, msg string) {
	full := name
	tlvs := h.TLVs
	names := tlvNames
	if len(name) >= 4 && name[:4] == "ssl_" {
		ssl, ok, bad := lookupTLV(tlvs, 0x20)
		if bad || (ok && len(ssl) < 5) {
			return "", false, "broken PROXY protocol TLV"
		}
		if !ok {
			return "", false, ""
		}
		name = name[4:]
		if name == "verify" {
			return strconv.FormatUint(uint64(binary.BigEndian.Uint32(ssl[1:5])), 10), true, ""
		}
		tlvs, names = ssl[5:], tlvSSLNames
	}
	var typ byte
	if len(name) >= 2 && name[:2] == "0x" {
		t, err := strconv.ParseUint(name[2:], 16, 64)
		if err != nil || name[2:] == "" {
			return "", false, "invalid PROXY protocol TLV \"" + full + "\""
		}
		if t > 0xff {
			return "", false, ""
		}
		typ = byte(t)
	} else if t, ok := names[name]; ok {
		typ = t
	} else {
		return "", false, "unknown PROXY protocol TLV \"" + full + "\""
	}
	v, ok, bad := lookupTLV(tlvs, typ)
	if bad {
		return "", false, "broken PROXY protocol TLV"
	}
	return string(v), ok, ""
}

// lookupTLV is ngx_proxy_protocol_lookup_tlv: the first record of type
// typ; bad when the records do not add up.
func lookupTLV(b []byte, typ byte) (v []byte, ok, bad bool) {
	for len(b) > 0 {
		if len(b) < 3 {
			return nil, false, true
		}
		t, n := b[0], int(binary.BigEndian.Uint16(b[1:3]))
		b = b[3:]
		if len(b) < n {
			return nil, false, true
		}
		if t == typ {
			return b[:n], true, false
		}
		b = b[n:]
	}
	return nil, false, false
}

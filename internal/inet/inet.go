// Package inet parses and prints addresses the way nginx's ngx_inet.c
// does, for the places where its forms differ from Go's net/netip: the
// addresses a client or a proxy sends in X-Forwarded-For or X-Real-IP
// (realip, geo's proxy), which nginx reads with ngx_parse_addr_port, and
// $remote_addr of such an address, which nginx prints with
// ngx_inet6_ntop. It knows nothing of configuration or requests.
package inet

import (
	"net/netip"
	"strconv"
)

// Addr4 parses a dotted-quad IPv4 address as ngx_inet_addr does: exactly
// four parts of decimal digits, each below 256; a part may be empty (0)
// and may have leading zeros ("01.2..4" is 1.2.0.4). Unlike nginx it
// returns 255.255.255.255 as an address; ParseAddr refuses it, as
// nginx's INADDR_NONE.
func Addr4(s string) (netip.Addr, bool) {
	var b [4]byte
	n, octet := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if octet = octet*10 + int(c-'0'); octet > 255 {
				return netip.Addr{}, false
			}
		case c == '.' && n < 3:
			b[n] = byte(octet)
			n++
			octet = 0
		default:
			return netip.Addr{}, false
		}
	}
	if n != 3 {
		return netip.Addr{}, false
	}
	b[3] = byte(octet)
	return netip.AddrFrom4(b), true
}

var none4 = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// Addr6 parses an IPv6 address (no brackets, no zone) as ngx_inet6_addr
// does: groups of one to four hex digits, one "::", a dotted IPv4 tail;
// one leading ":" is skipped, so ":1:2:3:4:5:6:7:8" is an address too.
func Addr6(s string) (netip.Addr, bool) {
	if len(s) == 0 {
		return netip.Addr{}, false
	}
	var a [16]byte
	o, zero := 0, -1
	digit, nibbles, word, n := -1, 0, 0, 8
	i := 0
	if s[0] == ':' {
		i++
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c == ':' {
			if nibbles > 0 {
				digit = i + 1
				a[o], a[o+1] = byte(word>>8), byte(word)
				o += 2
				if n--; n > 0 {
					nibbles, word = 0, 0
					continue
				}
			} else if zero < 0 {
				digit, zero = i+1, o
				continue
			}
			return netip.Addr{}, false
		}
		if c == '.' && nibbles > 0 {
			if n < 2 || digit < 0 {
				return netip.Addr{}, false
			}
			v4, ok := Addr4(s[digit:])
			if !ok || v4 == none4 {
				return netip.Addr{}, false
			}
			b := v4.As4()
			a[o], a[o+1] = b[0], b[1]
			o += 2
			n--
			word = int(b[2])<<8 | int(b[3])
			break
		}
		if nibbles++; nibbles > 4 {
			return netip.Addr{}, false
		}
		switch {
		case c >= '0' && c <= '9':
			word = word*16 + int(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			word = word*16 + int(c|0x20-'a') + 10
		default:
			return netip.Addr{}, false
		}
	}
	if nibbles == 0 && zero < 0 {
		return netip.Addr{}, false
	}
	a[o], a[o+1] = byte(word>>8), byte(word)
	o += 2
	if n--; n > 0 {
		if zero < 0 {
			return netip.Addr{}, false
		}
		// move what follows "::" to the end, zeros in between
		gap := n * 2
		copy(a[zero+gap:o+gap], a[zero:o])
		clear(a[zero : zero+gap])
		return netip.AddrFrom16(a), true
	}
	if zero >= 0 {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(a), true
}

// ParseAddr is ngx_parse_addr: an IPv4 address (not 255.255.255.255,
// nginx's INADDR_NONE) or an IPv6 one. An IPv4-mapped IPv6 address stays
// IPv6, as nginx keeps it AF_INET6.
func ParseAddr(s string) (netip.Addr, bool) {
	if a, ok := Addr4(s); ok && a != none4 {
		return a, true
	}
	return Addr6(s)
}

// ParseAddrPort is ngx_parse_addr_port: an address, or "addr:port" or
// "[addr6]:port" with a port of 1..65535; the port is 0 when none was
// given.
func ParseAddrPort(s string) (netip.AddrPort, bool) {
	if a, ok := ParseAddr(s); ok {
		return netip.AddrPortFrom(a, 0), true
	}
	var host, port string
	if len(s) > 0 && s[0] == '[' {
		end := -1
		for i := 1; i < len(s); i++ {
			if s[i] == ']' {
				end = i
				break
			}
		}
		if end < 0 || end == len(s)-1 || s[end+1] != ':' {
			return netip.AddrPort{}, false
		}
		host, port = s[1:end], s[end+2:]
	} else {
		i := 0
		for i < len(s) && s[i] != ':' {
			i++
		}
		if i == len(s) {
			return netip.AddrPort{}, false
		}
		host, port = s[:i], s[i+1:]
	}
	p, ok := atoi(port)
	if !ok || p < 1 || p > 65535 {
		return netip.AddrPort{}, false
	}
	a, ok := ParseAddr(host)
	if !ok {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, uint16(p)), true
}

// atoi is ngx_atoi: decimal digits only, at least one, no overflow.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// Ntop prints an address as ngx_sock_ntop does without the port: dotted
// decimal for IPv4; for IPv6, ngx_inet6_ntop, which compresses the first
// longest run of two or more zero groups and writes the last 32 bits as
// IPv4 for a mapped address (::ffff:1.2.3.4) and for an IPv4-compatible
// one (::1.2.3.4, but ::1 and ::0.0.0.1 are kept apart as nginx does).
func Ntop(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p := a.As16()
	zero, last, max, n := -1, -1, 1, 0
	for i := 0; i < 16; i += 2 {
		if p[i] != 0 || p[i+1] != 0 {
			if max < n {
				zero, max = last, n
			}
			n = 0
			continue
		}
		if n == 0 {
			last = i
		}
		n++
	}
	if max < n {
		zero, max = last, n
	}
	b := make([]byte, 0, 46)
	end := 16
	if zero == 0 {
		if (max == 5 && p[10] == 0xff && p[11] == 0xff) || max == 6 || (max == 7 && p[14] != 0 && p[15] != 1) {
			end = 12
		}
		b = append(b, ':')
	}
	for i := 0; i < end; i += 2 {
		if i == zero {
			b = append(b, ':')
			i += (max - 1) * 2
			continue
		}
		b = strconv.AppendUint(b, uint64(p[i])<<8|uint64(p[i+1]), 16)
		if i < 14 {
			b = append(b, ':')
		}
	}
	if end == 12 {
		b = netip.AddrFrom4([4]byte{p[12], p[13], p[14], p[15]}).AppendTo(b)
	}
	return string(b)
}

package httpcore

import (
	"unsafe"

	"golang.org/x/net/http2/hpack"
)

// HPACK output for responses (RFC 7541), as nginx's HTTP/2 filter writes
// it: literal fields without indexing, names from the static table where
// it has them, strings Huffman-coded when that is shorter.

// Static table indexes (RFC 7541 Appendix A).
const (
	h2IdxStatus        = 8
	h2IdxContentLength = 28
	h2IdxContentType   = 31
	h2IdxDate          = 33
	h2IdxLastModified  = 44
	h2IdxLocation      = 46
	h2IdxServer        = 54
)

// h2AppendInt appends v as an HPACK integer with an n-bit prefix (§5.1);
// first holds the bits above the prefix.
func h2AppendInt(b []byte, first byte, n uint, v uint64) []byte {
	limit := uint64(1)<<n - 1
	if v < limit {
		return append(b, first|byte(v))
	}
	b = append(b, first|byte(limit))
	v -= limit
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// h2AppendString appends a string literal (§5.2).
func h2AppendString(b []byte, s string) []byte {
	if n := hpack.HuffmanEncodeLength(s); n < uint64(len(s)) {
		b = h2AppendInt(b, 0x80, 7, n)
		return hpack.AppendHuffmanString(b, s)
	}
	b = h2AppendInt(b, 0, 7, uint64(len(s)))
	return append(b, s...)
}

// h2StatusIndex is the static table's index of the whole :status field,
// for the statuses it has.
var h2StatusIndex = [...]byte{200: 8, 204: 9, 206: 10, 304: 11, 400: 12, 404: 13, 500: 14}

// h2AppendStatus appends :status, indexed when the static table has the
// whole field.
func h2AppendStatus(b []byte, status int) []byte {
	if status < len(h2StatusIndex) && h2StatusIndex[status] != 0 {
		return append(b, 0x80|h2StatusIndex[status])
	}
	b = append(b, h2IdxStatus, 3)
	return append(b, byte('0'+status/100), byte('0'+status/10%10), byte('0'+status%10))
}

// h2AppendIndexed appends a literal field without indexing whose name is
// the static table's entry idx (§6.2.2).
func h2AppendIndexed(b []byte, idx uint64, value string) []byte {
	b = h2AppendInt(b, 0, 4, idx)
	return h2AppendString(b, value)
}

// h2AppendLiteral appends a literal field without indexing with a new
// name, lower-cased through the scratch buffer *lower.
func h2AppendLiteral(b []byte, lower *[]byte, name, value string) []byte {
	l := (*lower)[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l = append(l, c)
	}
	*lower = l
	b = append(b, 0)
	b = h2AppendString(b, unsafeString(l))
	return h2AppendString(b, value)
}

// unsafeString is b as a string without copying, for a call that does not
// keep it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

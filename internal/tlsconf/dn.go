package tlsconf

import (
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Distinguished names as nginx shows them: $ssl_client_s_dn and
// $ssl_client_i_dn in RFC 2253 form (OpenSSL's X509_NAME_print_ex with
// XN_FLAG_RFC2253), the *_legacy variables in OpenSSL's one-line form
// (X509_NAME_oneline). Both work on the encoded name, not on Go's
// pkix.Name, which drops attributes it has no field for (emailAddress),
// merges multi-valued RDNs and forgets the string types.

// dnAttr is one attribute of a name: its type, the tag and content of
// its value, the value's whole encoding, and the RDN it belongs to.
type dnAttr struct {
	oid  string
	tag  int
	val  []byte
	full []byte
	rdn  int
}

type dnATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// dnRDNSET is a SET OF AttributeTypeAndValue (encoding/asn1 takes a
// type whose name ends in SET for a SET).
type dnRDNSET []dnATV

func parseDN(raw []byte) ([]dnAttr, bool) {
	var seq []dnRDNSET
	if rest, err := asn1.Unmarshal(raw, &seq); err != nil || len(rest) > 0 {
		return nil, false
	}
	var out []dnAttr
	for i, rdn := range seq {
		for _, a := range rdn {
			out = append(out, dnAttr{oid: a.Type.String(), tag: a.Value.Tag, val: a.Value.Bytes, full: a.Value.FullBytes, rdn: i})
		}
	}
	return out, true
}

// dnShortNames are OpenSSL's short names (OBJ_nid2sn) of the attribute
// types found in certificate names; a type without one is written as
// its dotted OID.
var dnShortNames = map[string]string{
	"2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L",
	"2.5.4.8": "ST", "2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU", "2.5.4.12": "title",
	"2.5.4.13": "description", "2.5.4.14": "searchGuide", "2.5.4.15": "businessCategory",
	"2.5.4.16": "postalAddress", "2.5.4.17": "postalCode", "2.5.4.18": "postOfficeBox",
	"2.5.4.19": "physicalDeliveryOfficeName", "2.5.4.20": "telephoneNumber",
	"2.5.4.41": "name", "2.5.4.42": "GN", "2.5.4.43": "initials", "2.5.4.44": "generationQualifier",
	"2.5.4.45": "x500UniqueIdentifier", "2.5.4.46": "dnQualifier", "2.5.4.51": "houseIdentifier",
	"2.5.4.65": "pseudonym", "2.5.4.72": "role", "2.5.4.97": "organizationIdentifier",
	"1.2.840.113549.1.9.1": "emailAddress", "1.2.840.113549.1.9.2": "unstructuredName",
	"1.2.840.113549.1.9.8":      "unstructuredAddress",
	"0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.3": "mail",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.3.6.1.4.1.311.60.2.1.1":   "jurisdictionL", "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3": "jurisdictionC",
}

// SubjectDN is $ssl_client_s_dn, IssuerDN $ssl_client_i_dn.
func SubjectDN(c *x509.Certificate) string { return rfc2253(c.RawSubject) }
func IssuerDN(c *x509.Certificate) string  { return rfc2253(c.RawIssuer) }

// rfc2253 writes the attributes last first, "," between RDNs and "+"
// within one, each as short name "=" escaped value; the value of a type
// OpenSSL has no name for, or of a type that is no string, is "#" and
// the hex of its encoding.
func rfc2253(raw []byte) string {
	attrs, ok := parseDN(raw)
	if !ok {
		return ""
	}
	var b strings.Builder
	for i := len(attrs) - 1; i >= 0; i-- {
		a := attrs[i]
		if i < len(attrs)-1 {
			if a.rdn == attrs[i+1].rdn {
				b.WriteByte('+')
			} else {
				b.WriteByte(',')
			}
		}
		sn, known := dnShortNames[a.oid]
		if !known {
			sn = a.oid
		}
		b.WriteString(sn)
		b.WriteByte('=')
		width, isString := dnCharWidth[a.tag]
		if !known || !isString {
			b.WriteByte('#')
			hexUpper(&b, a.full)
			continue
		}
		escape2253(&b, dnChars(a.val, width))
	}
	return b.String()
}

// dnCharWidth is OpenSSL's bytes a character of each string type (0:
// UTF-8, kept as bytes).
var dnCharWidth = map[int]int{
	asn1.TagUTF8String: 0, asn1.TagNumericString: 1, asn1.TagPrintableString: 1,
	asn1.TagT61String: 1, asn1.TagIA5String: 1, asn1.TagUTCTime: 1, asn1.TagGeneralizedTime: 1,
	26: 1, 28: 4, asn1.TagBMPString: 2,
}

// dnChars turns a value into the bytes OpenSSL escapes: a UTF8String as
// it is, the one-byte types as Latin-1 and BMP and Universal strings
// decoded, all converted to UTF-8.
func dnChars(v []byte, width int) []byte {
	if width == 0 {
		return v
	}
	var out []byte
	for i := 0; i+width <= len(v); i += width {
		var r rune
		for _, c := range v[i : i+width] {
			r = r<<8 | rune(c)
		}
		if width == 2 && utf16.IsSurrogate(r) {
			r = utf8.RuneError
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

// escape2253 is OpenSSL's ASN1_STRFLGS_RFC2253 escaping of the bytes of
// a value: ",+\"\\<>;" with a backslash, "#" and " " also when they
// start the value and " " when it ends it, control and non-ASCII bytes
// as "\" and two upper-case hex digits.
func escape2253(b *strings.Builder, v []byte) {
	for i, c := range v {
		switch {
		case c < 0x20 || c >= 0x7f:
			b.WriteByte('\\')
			hexUpper(b, []byte{c})
		case strings.IndexByte(",+\"\\<>;", c) >= 0,
			i == 0 && (c == '#' || c == ' '),
			i == len(v)-1 && c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}

func hexUpper(b *strings.Builder, p []byte) {
	const digits = "0123456789ABCDEF"
	for _, c := range p {
		b.WriteByte(digits[c>>4])
		b.WriteByte(digits[c&15])
	}
}

// LegacyDN is the "/C=../O=../CN=.." form of $ssl_client_s_dn_legacy
// (of the issuer with issuer set): every attribute in order, "+" before
// the second and later attributes of a multi-valued RDN, a type without
// a short name as its dotted OID, the bytes of the value with those
// outside " ".."~" as "\x" and two upper-case hex digits and "/" and "+"
// after a backslash.
func LegacyDN(c *x509.Certificate, issuer bool) string {
	raw := c.RawSubject
	if issuer {
		raw = c.RawIssuer
	}
	attrs, _ := parseDN(raw)
	var b strings.Builder
	for i, a := range attrs {
		sn, ok := dnShortNames[a.oid]
		if !ok {
			sn = a.oid
		}
		if i > 0 && a.rdn == attrs[i-1].rdn {
			b.WriteByte('+')
		} else {
			b.WriteByte('/')
		}
		b.WriteString(sn)
		b.WriteByte('=')
		for _, c := range a.val {
			switch {
			case c < ' ' || c > '~':
				b.WriteString(`\x`)
				hexUpper(&b, []byte{c})
			case c == '/' || c == '+':
				b.WriteByte('\\')
				b.WriteByte(c)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String()
}

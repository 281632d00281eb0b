package static

import "time"

// ParseHTTPTime parses an HTTP date as ngx_http_parse_time does and
// returns seconds since the epoch, or -1 when the value is not a date.
//
// It accepts the three forms of RFC 9110 ("Sun, 06 Nov 1994 08:49:37
// GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994")
// with nginx's leniency: the weekday and anything after the time are not
// checked, a month is recognised by the fewest letters that tell it
// apart, and day 0 is accepted. The conditional checks depend on these
// details (an If-Unmodified-Since that does not parse fails the request
// with 412; an If-Modified-Since that does not parse never matches), so
// they are kept exactly.
func ParseHTTPTime(v string) int64 {
	const (
		rfc822 = iota + 1 // Tue, 10 Nov 2002 23:50:13
		rfc850            // Tuesday, 10-Dec-02 23:50:13
		isoc              // Tue Dec 10 23:50:13 2002
	)
	// at returns the byte at i, or 0 past the end: nginx reads the
	// NUL-terminated header value.
	at := func(i int) byte {
		if i < len(v) {
			return v[i]
		}
		return 0
	}
	digit := func(i int) bool { c := at(i); return c >= '0' && c <= '9' }
	num2 := func(i int) uint64 { return uint64(at(i)-'0')*10 + uint64(at(i+1)-'0') }

	fmt := 0
	p := 0
	for ; p < len(v); p++ {
		if v[p] == ',' {
			break
		}
		if v[p] == ' ' {
			fmt = isoc
			break
		}
	}
	for p++; p < len(v); p++ {
		if v[p] != ' ' {
			break
		}
	}
	if len(v)-p < 18 {
		return -1
	}

	var day, year uint64
	if fmt != isoc {
		if !digit(p) || !digit(p+1) {
			return -1
		}
		day = num2(p)
		p += 2
		switch at(p) {
		case ' ':
			if len(v)-p < 18 {
				return -1
			}
			fmt = rfc822
		case '-':
			fmt = rfc850
		default:
			return -1
		}
		p++
	}

	var month int64
	switch at(p) {
	case 'J':
		switch {
		case at(p+1) == 'a':
			month = 0
		case at(p+2) == 'n':
			month = 5
		default:
			month = 6
		}
	case 'F':
		month = 1
	case 'M':
		if at(p+2) == 'r' {
			month = 2
		} else {
			month = 4
		}
	case 'A':
		if at(p+1) == 'p' {
			month = 3
		} else {
			month = 7
		}
	case 'S':
		month = 8
	case 'O':
		month = 9
	case 'N':
		month = 10
	case 'D':
		month = 11
	default:
		return -1
	}
	p += 3

	if (fmt == rfc822 && at(p) != ' ') || (fmt == rfc850 && at(p) != '-') {
		return -1
	}
	p++

	switch fmt {
	case rfc822:
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num2(p)*100 + num2(p+2)
		p += 4
	case rfc850:
		if !digit(p) || !digit(p+1) {
			return -1
		}
		year = num2(p)
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
		p += 2
	case isoc:
		if at(p) == ' ' {
			p++
		}
		if !digit(p) {
			return -1
		}
		day = uint64(at(p) - '0')
		p++
		if at(p) != ' ' {
			if !digit(p) {
				return -1
			}
			day = day*10 + uint64(at(p)-'0')
			p++
		}
		if len(v)-p < 14 {
			return -1
		}
	}

	// field reads sep and two digits (" HH", ":MM", ":SS")
	field := func(sep byte) (uint64, bool) {
		if at(p) != sep || !digit(p+1) || !digit(p+2) {
			return 0, false
		}
		v := num2(p + 1)
		p += 3
		return v, true
	}
	hour, ok1 := field(' ')
	min, ok2 := field(':')
	sec, ok3 := field(':')
	if !ok1 || !ok2 || !ok3 {
		return -1
	}

	if fmt == isoc {
		if at(p) != ' ' {
			return -1
		}
		p++
		if !digit(p) || !digit(p+1) || !digit(p+2) || !digit(p+3) {
			return -1
		}
		year = num2(p)*100 + num2(p+2)
	}

	if hour > 23 || min > 59 || sec > 59 {
		return -1
	}
	if day == 29 && month == 1 {
		if year&3 != 0 || (year%100 == 0 && year%400 != 0) {
			return -1
		}
	} else if day > monthDays[month] {
		return -1
	}

	// Shift the new year to March 1 and count months from 1, for Gauss'
	// formula of days since March 1, 1 BC. nginx computes in unsigned
	// 64-bit arithmetic; so does this, to give the same value for the
	// year 0 corner.
	month--
	if month <= 0 {
		month += 12
		year--
	}
	t := (365*year + year/4 - year/100 + year/400 +
		uint64(367*month/12) - 30 +
		day - 1 -
		719527 + 31 + 28) * 86400
	t += hour*3600 + min*60 + sec
	return int64(t)
}

var monthDays = [12]uint64{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

var (
	weekNames  = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// civil is a broken-down UTC time as ngx_gmtime produces it.
type civil struct {
	year, month, day, hour, min, sec, wday int // month 1..12, wday 0 = Sunday
}

// gmtime breaks t (seconds since the epoch) down in UTC, as ngx_gmtime
// does.
func gmtime(t int64) civil {
	u := time.Unix(t, 0).UTC()
	y, m, d := u.Date()
	h, mi, s := u.Clock()
	return civil{year: y, month: int(m), day: d, hour: h, min: mi, sec: s, wday: int(u.Weekday())}
}

// appendHTTPTime appends t as ngx_http_time formats it,
// "Mon, 28 Sep 1970 06:00:00 GMT".
func appendHTTPTime(b []byte, t int64) []byte {
	c := gmtime(t)
	b = append(b, weekNames[c.wday]...)
	b = append(b, ", "...)
	b = append2(b, c.day)
	b = append(b, ' ')
	b = append(b, monthNames[c.month-1]...)
	b = append(b, ' ')
	b = appendPad(b, int64(c.year), 4, ' ')
	b = append(b, ' ')
	b = append2(b, c.hour)
	b = append(b, ':')
	b = append2(b, c.min)
	b = append(b, ':')
	b = append2(b, c.sec)
	return append(b, " GMT"...)
}

// append2 appends n as %02d.
func append2(b []byte, n int) []byte {
	return appendPad(b, int64(n), 2, '0')
}

// appendPad appends n right-aligned in width characters, padded with pad
// (ngx_sprintf's %Nd and %0Nd).
func appendPad(b []byte, n int64, width int, pad byte) []byte {
	var tmp [24]byte
	i := len(tmp)
	neg := n < 0
	u := uint64(n)
	if neg {
		u = uint64(-n)
	}
	for {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if neg {
		i--
		tmp[i] = '-'
	}
	for l := len(tmp) - i; l < width; l++ {
		b = append(b, pad)
	}
	return append(b, tmp[i:]...)
}

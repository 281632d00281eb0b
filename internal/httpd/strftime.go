package httpd

import (
	"strconv"
	"time"
)

// strftime formats t as the C library's strftime does in the "C" locale
// (what $date_local and $date_gmt print with ssi's timefmt). A
// conversion it does not know is copied as it is, as glibc does; gmt
// names the zone "GMT" as gmtime's struct tm does.
func strftime(format string, t time.Time, gmt bool) string {
	var b []byte
	pad := func(n, w int, c byte) {
		s := strconv.Itoa(n)
		for i := len(s); i < w; i++ {
			b = append(b, c)
		}
		b = append(b, s...)
	}
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		switch format[i] {
		case 'a':
			b = append(b, t.Weekday().String()[:3]...)
		case 'A':
			b = append(b, t.Weekday().String()...)
		case 'b', 'h':
			b = append(b, t.Month().String()[:3]...)
		case 'B':
			b = append(b, t.Month().String()...)
		case 'c':
			b = append(b, strftime("%a %b %e %H:%M:%S %Y", t, gmt)...)
		case 'C':
			pad(t.Year()/100, 2, '0')
		case 'd':
			pad(t.Day(), 2, '0')
		case 'D', 'x':
			b = append(b, strftime("%m/%d/%y", t, gmt)...)
		case 'e':
			pad(t.Day(), 2, ' ')
		case 'F':
			b = append(b, strftime("%Y-%m-%d", t, gmt)...)
		case 'G':
			y, _ := t.ISOWeek()
			b = strconv.AppendInt(b, int64(y), 10)
		case 'g':
			y, _ := t.ISOWeek()
			pad(y%100, 2, '0')
		case 'H':
			pad(t.Hour(), 2, '0')
		case 'I':
			pad((t.Hour()+11)%12+1, 2, '0')
		case 'j':
			pad(t.YearDay(), 3, '0')
		case 'k':
			pad(t.Hour(), 2, ' ')
		case 'l':
			pad((t.Hour()+11)%12+1, 2, ' ')
		case 'm':
			pad(int(t.Month()), 2, '0')
		case 'M':
			pad(t.Minute(), 2, '0')
		case 'n':
			b = append(b, '\n')
		case 'p':
			if t.Hour() < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'P':
			if t.Hour() < 12 {
				b = append(b, "am"...)
			} else {
				b = append(b, "pm"...)
			}
		case 'r':
			b = append(b, strftime("%I:%M:%S %p", t, gmt)...)
		case 'R':
			b = append(b, strftime("%H:%M", t, gmt)...)
		case 's':
			b = strconv.AppendInt(b, t.Unix(), 10)
		case 'S':
			pad(t.Second(), 2, '0')
		case 't':
			b = append(b, '\t')
		case 'T', 'X':
			b = append(b, strftime("%H:%M:%S", t, gmt)...)
		case 'u':
			pad((int(t.Weekday())+6)%7+1, 1, '0')
		case 'U':
			pad((t.YearDay()+6-int(t.Weekday()))/7, 2, '0')
		case 'V':
			_, w := t.ISOWeek()
			pad(w, 2, '0')
		case 'w':
			pad(int(t.Weekday()), 1, '0')
		case 'W':
			pad((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0')
		case 'y':
			pad(t.Year()%100, 2, '0')
		case 'Y':
			b = strconv.AppendInt(b, int64(t.Year()), 10)
		case 'z':
			_, off := t.Zone()
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b = append(b, sign)
			pad(off/3600*100+off%3600/60, 4, '0')
		case 'Z':
			if gmt {
				b = append(b, "GMT"...)
			} else {
				name, _ := t.Zone()
				b = append(b, name...)
			}
		case '%':
			b = append(b, '%')
		default:
			b = append(b, '%', format[i])
		}
	}
	return string(b)
}

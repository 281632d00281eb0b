package static

import (
	"testing"
	"time"
)

func TestParseHTTPTime(t *testing.T) {
	date := func(s string) int64 {
		tm, err := time.Parse(time.RFC1123, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix()
	}
	lm := date("Tue, 05 Mar 2024 06:07:08 GMT")
	tests := []struct {
		name string
		in   string
		want int64
	}{
		{"rfc1123", "Tue, 05 Mar 2024 06:07:08 GMT", lm},
		{"rfc850", "Tuesday, 05-Mar-24 06:07:08 GMT", lm},
		{"asctime", "Tue Mar  5 06:07:08 2024", lm},
		{"asctime two-digit day", "Tue Mar 05 06:07:08 2024", lm},
		{"rfc850 1900s", "Sunday, 06-Nov-94 08:49:37 GMT", date("Sun, 06 Nov 1994 08:49:37 GMT")},
		{"weekday not checked", "Xyz, 05 Mar 2024 06:07:08 GMT", lm},
		{"trailing text ignored", "Tue, 05 Mar 2024 06:07:08 whatever", lm},
		{"no zone", "Tue, 05 Mar 2024 06:07:08", lm},
		{"blanks after comma", "Tue,    05 Mar 2024 06:07:08 GMT", lm},
		{"month by first letters", "Tue, 05 Mxr 2024 06:07:08 GMT", lm},
		{"june", "Sat, 01 Jun 2024 00:00:00 GMT", date("Sat, 01 Jun 2024 00:00:00 GMT")},
		{"july", "Mon, 01 Jul 2024 00:00:00 GMT", date("Mon, 01 Jul 2024 00:00:00 GMT")},
		{"january", "Mon, 01 Jan 2024 00:00:00 GMT", date("Mon, 01 Jan 2024 00:00:00 GMT")},
		{"august", "Thu, 01 Aug 2024 00:00:00 GMT", date("Thu, 01 Aug 2024 00:00:00 GMT")},
		{"december end", "Tue, 31 Dec 2024 23:59:59 GMT", date("Tue, 31 Dec 2024 23:59:59 GMT")},
		{"leap day", "Thu, 29 Feb 2024 12:00:00 GMT", date("Thu, 29 Feb 2024 12:00:00 GMT")},
		{"epoch", "Thu, 01 Jan 1970 00:00:00 GMT", 0},
		{"day zero accepted", "Tue, 00 Mar 2024 00:00:00 GMT", date("Thu, 29 Feb 2024 00:00:00 GMT")},
		{"not leap", "Wed, 29 Feb 2023 12:00:00 GMT", -1},
		{"1900 not leap", "Thu, 29 Feb 1900 12:00:00 GMT", -1},
		{"day too big", "Tue, 31 Apr 2024 06:07:08 GMT", -1},
		{"hour too big", "Tue, 05 Mar 2024 24:07:08 GMT", -1},
		{"minute too big", "Tue, 05 Mar 2024 06:60:08 GMT", -1},
		{"second too big", "Tue, 05 Mar 2024 06:07:60 GMT", -1},
		{"bad month", "Tue, 05 Xar 2024 06:07:08 GMT", -1},
		{"lower-case month", "Tue, 05 mar 2024 06:07:08 GMT", -1},
		{"short", "Tue, 05 Mar 2024", -1},
		{"garbage", "garbage", -1},
		{"empty", "", -1},
		{"one-digit day", "Tue, 5 Mar 2024 06:07:08 GMT", -1},
		{"missing colon", "Tue, 05 Mar 2024 06-07:08 GMT", -1},
		{"asctime bad year", "Tue Mar  5 06:07:08 20x4", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseHTTPTime(tc.in); got != tc.want {
				t.Errorf("ParseHTTPTime(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestAppendHTTPTime(t *testing.T) {
	for _, sec := range []int64{0, 1709618828, 951782400, 4102444800} {
		want := time.Unix(sec, 0).UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
		if got := string(appendHTTPTime(nil, sec)); got != want {
			t.Errorf("%d: %q, want %q", sec, got, want)
		}
	}
}

func FuzzParseHTTPTime(f *testing.F) {
	f.Add("Tue, 05 Mar 2024 06:07:08 GMT")
	f.Add("Tuesday, 05-Mar-24 06:07:08 GMT")
	f.Add("Tue Mar  5 06:07:08 2024")
	f.Fuzz(func(t *testing.T, s string) {
		got := ParseHTTPTime(s)
		// Every date nginx's formatter writes parses back.
		if got >= 0 && got < 1<<40 {
			if back := ParseHTTPTime(string(appendHTTPTime(nil, got))); back != got {
				t.Errorf("%q -> %d -> %d", s, got, back)
			}
		}
	})
}

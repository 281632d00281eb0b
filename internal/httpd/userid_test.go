package httpd

import (
	"testing"
	"time"
)

func TestCookieTime(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2026, 11, 21, 22, 18, 9, 0, time.UTC):  "Sat, 21-Nov-26 22:18:09 GMT",
		time.Date(2037, 12, 31, 23, 55, 55, 0, time.UTC): "Thu, 31-Dec-37 23:55:55 GMT",
		time.Date(2040, 1, 2, 3, 4, 5, 0, time.UTC):      "Mon, 02-Jan-2040 03:04:05 GMT",
	} {
		if got := cookieTime(in); got != want {
			t.Errorf("cookieTime(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestUIDText pins how nginx prints an identifier on x86: each 32-bit
// word of the cookie's bytes read little-endian, in upper-case hex.
func TestUIDText(t *testing.T) {
	u := [16]byte{0x7f, 0, 0, 1, 0x66, 0x60, 0xfa, 0x6d, 0x52, 0x48, 0, 0, 3, 3, 3, 2}
	if got, want := uidText("uid", &u), "uid=0100007F6DFA60660000485202030303"; got != want {
		t.Errorf("uidText = %q, want %q", got, want)
	}
	if !uidPresent(&u) {
		t.Error("uidPresent is false")
	}
	u[12], u[13], u[14], u[15] = 0, 0, 0, 0
	if uidPresent(&u) {
		t.Error("an identifier whose last word is zero counts as none in nginx")
	}
}

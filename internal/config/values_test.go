package config

import (
	"math"
	"testing"
	"time"
)

// The accept/reject column of these tables was taken from nginx 1.22.1:
// each value was put into a directive of the slot type (send_timeout for
// msec, open_file_cache_valid for sec, client_body_buffer_size for size,
// client_max_body_size for offsets) and run through nginx -t. The values
// follow ngx_parse_time and ngx_parse_size in src/core/ngx_parse.c.

const bad = -1

func TestParseTimeMsec(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // milliseconds, or bad
	}{
		{"0", 0},
		{"30", 30000},
		{"-1", bad},
		{"1h30m", 5400000},
		{"1h 30m", 5400000}, // spaces may follow a unit
		{"1h 30", 3630000},
		{"1h  30", 3630000},
		{"30m1h", bad}, // units in decreasing order only
		{"1m1m", bad},  // each unit once
		{"500ms", 500},
		{"1s500ms", 1500},
		{"1ms500", 500001}, // a trailing bare number is seconds
		{"1y", bad},        // y and M are not msec units
		{"1M", bad},
		{"1w", 7 * 24 * 3600 * 1000},
		{"1d", 24 * 3600 * 1000},
		{"1hs", 3600000}, // a unit without a number counts zero
		{"1h1", 3601000},
		{"", bad},
		{"s", bad},
		{" 30", 30000},
		{"30 ", 30000},
		{"1 2", 3000}, // a space after a bare number: seconds, one more allowed
		{"1 2 3", bad},
		{"1.5s", bad},
		{"1S", bad},
		{"1H", bad},
		{"9223372036854775", 9223372036854775000},
		{"9223372036854776", bad},
		{"9223372036854775807", bad},
		{"99999999999999999999", bad},
		{"106751991167d", 106751991167 * 24 * 3600 * 1000},
		{"106751991168d", bad},
	} {
		if got := parseTime(c.in, false); got != c.want {
			t.Errorf("parseTime(%q, msec) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestParseTimeSec(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64 // seconds, or bad
	}{
		{"0", 0},
		{"1y", 365 * 24 * 3600},
		{"1M", 30 * 24 * 3600},
		{"500ms", bad}, // no ms in seconds
		{"1y1M1w1d1h1m1s", 365*24*3600 + 30*24*3600 + 7*24*3600 + 24*3600 + 3600 + 60 + 1},
		{"1s1", 2},
		{"1h 30m", 5400},
		{"292471208677y", 292471208677 * 365 * 24 * 3600},
		{"292471208678y", bad},
		{"9223372036854775807", math.MaxInt64},
		{"9223372036854775808", bad},
		{"1d1y", bad},
	} {
		if got := parseTime(c.in, true); got != c.want {
			t.Errorf("parseTime(%q, sec) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestParseTimeDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		sec  bool
		want time.Duration
		ok   bool
	}{
		{"1h30m", false, 90 * time.Minute, true},
		{"500ms", false, 500 * time.Millisecond, true},
		{"500ms", true, 0, false},
		{"1y", true, 365 * 24 * time.Hour, true},
		{"1y", false, 0, false},
		// Valid for nginx, beyond a Duration: saturated.
		{"9223372036854775", false, math.MaxInt64, true},
		{"292471208677y", true, math.MaxInt64, true},
	} {
		f := ParseTime
		if c.sec {
			f = ParseSeconds
		}
		got, err := f(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parse %q (sec %v) = %v, %v; want %v, ok %v", c.in, c.sec, got, err, c.want, c.ok)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		size int64 // ParseSize
		off  int64 // ParseOffset
	}{
		{"0", 0, 0},
		{"8", 8, 8},
		{"1k", 1024, 1024},
		{"1K", 1024, 1024},
		{"1m", 1 << 20, 1 << 20},
		{"1M", 1 << 20, 1 << 20},
		{"1g", bad, 1 << 30}, // g only for offsets
		{"1G", bad, 1 << 30},
		{"1t", bad, bad},
		{"-1", bad, bad},
		{"k", bad, bad},
		{"", bad, bad},
		{" 1", bad, bad},
		{"1kk", bad, bad},
		{"1.5k", bad, bad},
		{"9223372036854775807", math.MaxInt64, math.MaxInt64},
		{"9223372036854775808", bad, bad},
		{"9007199254740991k", 9007199254740991 << 10, 9007199254740991 << 10},
		{"9007199254740992k", bad, bad},
		{"8589934591g", bad, 8589934591 << 30},
		{"8589934592g", bad, bad},
	} {
		if got := ParseSize(c.in); got != c.size {
			t.Errorf("ParseSize(%q) = %d, want %d", c.in, got, c.size)
		}
		if got := ParseOffset(c.in); got != c.off {
			t.Errorf("ParseOffset(%q) = %d, want %d", c.in, got, c.off)
		}
	}
}

func TestAtoi(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"007", 7, true},
		{"+1", 0, false},
		{"-1", 0, false},
		{"1 ", 0, false},
		{"", 0, false},
		{"9223372036854775807", math.MaxInt64, true},
		{"9223372036854775808", 0, false},
	} {
		got, ok := atoi(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("atoi(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

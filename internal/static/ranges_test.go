package static

import (
	"reflect"
	"testing"
)

func TestParseRanges(t *testing.T) {
	type rg = byteRange
	tests := []struct {
		name string
		spec string
		size int64
		max  int
		want []byteRange
		res  rangeResult
	}{
		{"single", "0-4", 20, MaxRangesUnlimited, []rg{{0, 5}}, rangesOK},
		{"open end", "15-", 20, MaxRangesUnlimited, []rg{{15, 20}}, rangesOK},
		{"whole", "0-", 20, MaxRangesUnlimited, []rg{{0, 20}}, rangesOK},
		{"end past size", "5-100", 20, MaxRangesUnlimited, []rg{{5, 20}}, rangesOK},
		{"suffix", "-3", 20, MaxRangesUnlimited, []rg{{17, 20}}, rangesOK},
		{"suffix larger than file", "-30", 20, MaxRangesUnlimited, []rg{{0, 20}}, rangesOK},
		{"suffix zero", "-0", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"two", "0-1,5-6", 20, MaxRangesUnlimited, []rg{{0, 2}, {5, 7}}, rangesOK},
		{"blanks", " 0 - 1 , 5 - 6 ", 20, MaxRangesUnlimited, []rg{{0, 2}, {5, 7}}, rangesOK},
		{"start past end dropped", "30-40,1-2", 20, MaxRangesUnlimited, []rg{{1, 3}}, rangesOK},
		{"all past end", "30-", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"reversed", "5-4", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"reversed from zero declines", "0-", 0, MaxRangesUnlimited, nil, rangesDeclined},
		{"empty file suffix", "-5", 0, MaxRangesUnlimited, nil, rangesDeclined},
		{"empty spec", "", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"letters", "a-b", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"missing dash", "5", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"trailing junk", "1-2x", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"trailing comma", "1-2,", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"overflow", "99999999999999999999-", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"max int64 start", "9223372036854775807-", 20, MaxRangesUnlimited, nil, rangesNotSatisfiable},
		{"sum beyond size", "0-15,5-19", 20, MaxRangesUnlimited, []rg{{0, 16}, {5, 20}}, rangesDeclined},
		{"max ranges exceeded", "1-2,4-5", 20, 1, []rg{{1, 3}, {4, 6}}, rangesDeclined},
		{"max ranges met", "1-2,4-5", 20, 2, []rg{{1, 3}, {4, 6}}, rangesOK},
		{"unsatisfiable not counted", "30-,1-2", 20, 1, []rg{{1, 3}}, rangesOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, res := parseRanges(tc.spec, tc.size, tc.max, nil)
			if res != tc.res {
				t.Fatalf("result %d, want %d", res, tc.res)
			}
			if tc.res != rangesNotSatisfiable && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ranges %v, want %v", got, tc.want)
			}
		})
	}
}

func FuzzParseRanges(f *testing.F) {
	f.Add("0-1,5-6", int64(20))
	f.Add("-3", int64(20))
	f.Fuzz(func(t *testing.T, spec string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		rs, res := parseRanges(spec, size, MaxRangesUnlimited, nil)
		if res != rangesOK {
			return
		}
		var total int64
		for _, r := range rs {
			if r.start < 0 || r.start >= r.end || r.end > size {
				t.Fatalf("%q size %d: bad range %v", spec, size, r)
			}
			total += r.end - r.start
		}
		if total > size {
			t.Fatalf("%q size %d: total %d", spec, size, total)
		}
	})
}

package static

import "math"

// byteRange is one satisfiable range, end exclusive.
type byteRange struct {
	start, end int64
}

// rangeResult is the outcome of parseRanges.
type rangeResult uint8

const (
	rangesOK             rangeResult = iota // answer 206
	rangesNotSatisfiable                    // answer 416
	rangesDeclined                          // ignore Range: answer 200
)

// MaxRangesUnlimited is max_ranges' default (nginx merges it to
// NGX_MAX_INT32_VALUE).
const MaxRangesUnlimited = math.MaxInt32

// parseRanges parses the byte-range-set after "bytes=" as
// ngx_http_range_parse does, appending the satisfiable ranges to buf.
//
// Blanks may surround numbers and dashes; a range wholly past the end is
// dropped; "-N" is the last N bytes; a range "0-" (or any range that
// starts at 0 and is empty, as on an empty file) declines the whole
// header; more than maxRanges satisfiable ranges, or ranges whose sizes
// add up to more than the file, decline it too (200 with the whole
// file); a syntax error, a number that overflows, or no satisfiable
// range at all gives 416.
func parseRanges(spec string, size int64, maxRanges int, buf []byteRange) ([]byteRange, rangeResult) {
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10
	// at returns the byte at i or 0 past the end (nginx reads the
	// NUL-terminated header value).
	at := func(i int) byte {
		if i < len(spec) {
			return spec[i]
		}
		return 0
	}
	p := 0
	var total int64
	left := maxRanges
	for {
		var start, end int64
		suffix := false
		for at(p) == ' ' {
			p++
		}
		if at(p) != '-' {
			if c := at(p); c < '0' || c > '9' {
				return buf, rangesNotSatisfiable
			}
			for c := at(p); c >= '0' && c <= '9'; c = at(p) {
				if start >= cutoff && (start > cutoff || int64(c-'0') > cutlim) {
					return buf, rangesNotSatisfiable
				}
				start = start*10 + int64(c-'0')
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != '-' {
				return buf, rangesNotSatisfiable
			}
			p++
			for at(p) == ' ' {
				p++
			}
			if c := at(p); c == ',' || c == 0 {
				end = size
				goto found
			}
		} else {
			suffix = true
			p++
		}

		if c := at(p); c < '0' || c > '9' {
			return buf, rangesNotSatisfiable
		}
		for c := at(p); c >= '0' && c <= '9'; c = at(p) {
			if end >= cutoff && (end > cutoff || int64(c-'0') > cutlim) {
				return buf, rangesNotSatisfiable
			}
			end = end*10 + int64(c-'0')
			p++
		}
		for at(p) == ' ' {
			p++
		}
		if c := at(p); c != ',' && c != 0 {
			return buf, rangesNotSatisfiable
		}
		if suffix {
			if end < size {
				start = size - end
			} else {
				start = 0
			}
			end = size - 1
		}
		if end >= size {
			end = size
		} else {
			end++
		}

	found:
		if start < end {
			buf = append(buf, byteRange{start, end})
			if total > math.MaxInt64-(end-start) {
				return buf, rangesNotSatisfiable
			}
			total += end - start
			if left == 0 {
				return buf, rangesDeclined
			}
			left--
		} else if start == 0 {
			return buf, rangesDeclined
		}
		if at(p) != ',' {
			break
		}
		p++
	}
	if len(buf) == 0 {
		return buf, rangesNotSatisfiable
	}
	if total > size {
		return buf, rangesDeclined
	}
	return buf, rangesOK
}

package httpd

import (
	"errors"
	"math"

	"weir/internal/errlog"
	"weir/internal/mp4"
	"weir/internal/static"
)

// mp4 is ngx_http_mp4_handler: a GET or HEAD of a regular file, sent
// whole, or with start= and end= (seconds, with fractions) rewritten by
// internal/mp4 to the movie between them: a new moov atom with the
// sample tables cut, then that part of the mdat. Such a response takes
// one range at most; a file nginx cannot cut is a 500 with its error
// logged. It reports whether it finished the request; a URI ending in
// "/" or a path that is no regular file is left to the next handlers.
func (q *request) mp4() bool {
	f, fi, declined := q.openStream()
	if f == nil {
		return !declined
	}
	start, length := int64(-1), int64(0)
	if q.args != "" {
		if v, ok := argValue(q.args, "start"); ok {
			start = mp4Millis(v)
		}
		if v, ok := argValue(q.args, "end"); ok {
			if end := mp4Millis(v); end > 0 {
				start = max(start, 0)
				if end > start {
					length = end - start
				}
			}
		}
	}
	if start < 0 {
		q.sendFileBody(f, fi, "", nil, false)
		return true
	}
	m := q.lc.MP4
	res, err := mp4.Rewrite(f, f.Name(), fi.Size(), mp4.Params{
		Start: uint64(start), Length: uint64(length),
		BufferSize: m.BufferSize.V, MaxBufferSize: m.MaxBufferSize.V, StartKeyFrame: m.StartKeyFrame.V,
	})
	var body *static.Body
	switch {
	case err == nil:
		body = &static.Body{Prefix: res.Prefix, Start: res.Start, End: res.End}
	case errors.Is(err, mp4.ErrDeclined):
	default:
		f.Close()
		level := errlog.Error
		var e *mp4.Error
		if errors.As(err, &e) && e.Crit {
			level = errlog.Crit
		}
		q.log().Logf(level, q.r.Conn.ID, "%s%s", err, q.logSuffix())
		q.respondStatus(500)
		return true
	}
	// r->single_range is set once start= is there, the file cut or not
	q.sendFileBody(f, fi, "", body, true)
	return true
}

// mp4Millis is ngx_http_mp4_atofp(value, 3): seconds with any number of
// digits after one dot, as milliseconds (the further digits checked but
// dropped); -1 for anything else or an overflow.
func mp4Millis(s string) int64 {
	if s == "" {
		return -1
	}
	const cutoff, cutlim = math.MaxInt64 / 10, math.MaxInt64 % 10
	var v int64
	point, dot := 3, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if dot {
				return -1
			}
			dot = true
			continue
		}
		if c < '0' || c > '9' {
			return -1
		}
		if point == 0 {
			continue
		}
		if v >= cutoff && (v > cutoff || int64(c-'0') > cutlim) {
			return -1
		}
		v = v*10 + int64(c-'0')
		if dot {
			point--
		}
	}
	for ; point > 0; point-- {
		if v > cutoff {
			return -1
		}
		v *= 10
	}
	return v
}

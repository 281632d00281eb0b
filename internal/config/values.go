package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
)

// Opt is a setting that may be unset at one level and inherited from the
// level above, as nginx's NGX_CONF_UNSET values are.
type Opt[T any] struct {
	V   T
	Set bool
}

// Merge takes the parent's value when o is unset (ngx_conf_merge_*_value;
// the defaults are the parent of the http level).
func (o *Opt[T]) Merge(p Opt[T]) {
	if !o.Set {
		*o = p
	}
}

// Def is a set Opt holding v, for default tables.
func Def[T any](v T) Opt[T] { return Opt[T]{V: v, Set: true} }

// errInvalidValue and errInvalidNumber are completed with the directive
// name by generic setters, as ngx_conf_set_*_slot words them.
func invalidValue(s *conf.Stmt) error {
	return conf.Errorf(s, "\"%s\" directive invalid value", s.Name)
}

func duplicate(s *conf.Stmt) error {
	return conf.Errorf(s, "\"%s\" directive is duplicate", s.Name)
}

// ParseSize parses "1024", "8k", "1m", "2g" as ngx_parse_size does.
// It returns -1 on error.
func ParseSize(v string) int64 {
	if v == "" {
		return -1
	}
	scale := int64(1)
	switch v[len(v)-1] {
	case 'k', 'K':
		scale, v = 1024, v[:len(v)-1]
	case 'm', 'M':
		scale, v = 1024*1024, v[:len(v)-1]
	case 'g', 'G':
		scale, v = 1024*1024*1024, v[:len(v)-1]
	}
	n, ok := atoi(v)
	if !ok || n > math.MaxInt64/scale {
		return -1
	}
	return n * scale
}

// atoi accepts only decimal digits, as ngx_atoi.
func atoi(v string) (int64, bool) {
	if v == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

var errTime = errors.New("invalid time")

// ParseTime parses nginx time values such as "30", "500ms", "1h 30m",
// "1d" as ngx_parse_time does; bare numbers are seconds. Units: ms s m h
// d w M y, each at most once and in decreasing order.
func ParseTime(v string) (time.Duration, error) {
	if v == "" {
		return 0, errTime
	}
	units := []struct {
		suffix string
		d      time.Duration
	}{
		{"y", 365 * 24 * time.Hour}, {"M", 30 * 24 * time.Hour}, {"w", 7 * 24 * time.Hour},
		{"d", 24 * time.Hour}, {"h", time.Hour}, {"ms", time.Millisecond}, {"m", time.Minute},
		{"s", time.Second},
	}
	var total time.Duration
	last := -1
	rest := v
	for rest != "" {
		rest = strings.TrimLeft(rest, " ")
		if rest == "" {
			break
		}
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, errTime
		}
		n, ok := atoi(rest[:i])
		if !ok {
			return 0, errTime
		}
		rest = rest[i:]
		unit := time.Second
		idx := len(units)
		for k, u := range units {
			if strings.HasPrefix(rest, u.suffix) {
				// "m" must not swallow the "ms" prefix: ms comes first above.
				unit, idx = u.d, k
				rest = rest[len(u.suffix):]
				break
			}
		}
		if idx == len(units) {
			if rest != "" && rest[0] != ' ' {
				return 0, errTime
			}
			// a bare number is seconds and must be the last part
			if strings.TrimLeft(rest, " ") != "" {
				return 0, errTime
			}
			idx = 7
		}
		if idx <= last {
			return 0, errTime
		}
		last = idx
		if n > int64(math.MaxInt64/unit) {
			return 0, errTime
		}
		total += time.Duration(n) * unit
	}
	return total, nil
}

// parseFlag implements ngx_conf_set_flag_slot's check.
func parseFlag(s *conf.Stmt) (bool, error) {
	switch strings.ToLower(s.Args[0]) {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, conf.Errorf(s, "invalid value \"%s\" in \"%s\" directive, it must be \"on\" or \"off\"", s.Args[0], s.Name)
}

// The slot helpers build setters for typed fields, as nginx's
// ngx_conf_set_flag_slot, _num_slot, _size_slot, _msec_slot and _sec_slot.
// field returns the Opt to fill in the builder's current context.

func flagSlot(field func(b *builder) *Opt[bool]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		v, err := parseFlag(s)
		if err != nil {
			return err
		}
		*o = Def(v)
		return nil
	}
}

func numSlot(field func(b *builder) *Opt[int64]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		n, ok := atoi(s.Args[0])
		if !ok {
			return conf.Errorf(s, "\"%s\" directive invalid number", s.Name)
		}
		*o = Def(n)
		return nil
	}
}

func sizeSlot(field func(b *builder) *Opt[int64]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		n := ParseSize(s.Args[0])
		if n < 0 {
			return invalidValue(s)
		}
		*o = Def(n)
		return nil
	}
}

func timeSlot(field func(b *builder) *Opt[time.Duration]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		d, err := ParseTime(s.Args[0])
		if err != nil {
			return invalidValue(s)
		}
		*o = Def(d)
		return nil
	}
}

func strSlot(field func(b *builder) *Opt[string]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		*o = Def(s.Args[0])
		return nil
	}
}

// enumSlot accepts one of values, with ngx_conf_set_enum_slot's message.
func enumSlot(field func(b *builder) *Opt[string], values ...string) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		for _, v := range values {
			if strings.EqualFold(v, s.Args[0]) {
				*o = Def(v)
				return nil
			}
		}
		return conf.Errorf(s, "invalid value \"%s\"", s.Args[0])
	}
}

// ignoreSlot accepts a directive that has no effect in weir (for example
// worker_processes: weir is one process using every core).
func ignoreSlot(*builder, *conf.Stmt) error { return nil }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

var _ = fmt.Sprintf

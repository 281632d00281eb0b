package config

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"weir/internal/conf"
	"weir/internal/vars"
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

// ParseSize parses a size as ngx_parse_size does: decimal digits with an
// optional k/K or m/M suffix (no g: that is ParseOffset's). It returns -1
// for an invalid or overflowing value.
func ParseSize(v string) int64 {
	return parseScaled(v, "kKmM")
}

// ParseOffset parses a size as ngx_parse_offset does: like ParseSize, and
// g/G is accepted too (client_max_body_size, directio).
func ParseOffset(v string) int64 {
	return parseScaled(v, "kKmMgG")
}

func parseScaled(v, units string) int64 {
	if v == "" {
		return -1
	}
	scale := int64(1)
	if c := v[len(v)-1]; strings.IndexByte(units, c) >= 0 {
		switch c {
		case 'k', 'K':
			scale = 1 << 10
		case 'm', 'M':
			scale = 1 << 20
		case 'g', 'G':
			scale = 1 << 30
		}
		v = v[:len(v)-1]
	}
	n, ok := atoi(v)
	if !ok || n > math.MaxInt64/scale {
		return -1
	}
	return n * scale
}

// atoi accepts only decimal digits, as ngx_atoi: no sign, no spaces, at
// least one digit, no overflow.
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

// ParseTime parses a time in milliseconds as ngx_parse_time(v, 0) does
// for msec directives (keepalive_timeout, send_timeout, ...): a bare number
// is seconds; units ms s m h d w follow one another in decreasing order,
// each at most once; y and M are not accepted. A value too large for a
// Duration but valid for nginx saturates.
func ParseTime(v string) (time.Duration, error) {
	n := parseTime(v, false)
	if n < 0 {
		return 0, errTime
	}
	if n > int64(math.MaxInt64/time.Millisecond) {
		return math.MaxInt64, nil
	}
	return time.Duration(n) * time.Millisecond, nil
}

// ParseSeconds parses a time in seconds as ngx_parse_time(v, 1) does for
// sec directives (expires, the keepalive_timeout header value,
// so_keepalive): units y M w d h m s, no ms.
func ParseSeconds(v string) (time.Duration, error) {
	n := parseTime(v, true)
	if n < 0 {
		return 0, errTime
	}
	if n > int64(math.MaxInt64/time.Second) {
		return math.MaxInt64, nil
	}
	return time.Duration(n) * time.Second, nil
}

// parseTime is ngx_parse_time, ported literally: it returns milliseconds
// (isSec false) or seconds (isSec true), or -1. Its quirks are nginx's:
// spaces may follow a unit; a space after a bare number makes it seconds
// and allows only one more bare number ("1 2" is 3s, "1 2 3" invalid); a
// unit without a number counts zero ("1hs" is 1h); a trailing bare number
// is seconds even after ms ("1ms500" is 500001ms).
func parseTime(v string, isSec bool) int64 {
	const (
		stStart = iota
		stYear
		stMonth
		stWeek
		stDay
		stHour
		stMin
		stSec
		stMsec
		stLast
	)
	const maxInt = math.MaxInt64
	step := stStart
	if !isSec {
		step = stMonth
	}
	var value, total int64
	valid := false
	cutoff, cutlim := int64(maxInt/10), int64(maxInt%10)
	for p := 0; p < len(v); {
		c := v[p]
		p++
		if c >= '0' && c <= '9' {
			d := int64(c - '0')
			if value >= cutoff && (value > cutoff || d > cutlim) {
				return -1
			}
			value = value*10 + d
			valid = true
			continue
		}
		var scale int64
		switch c {
		case 'y':
			if step > stStart {
				return -1
			}
			step, scale = stYear, 60*60*24*365
		case 'M':
			if step >= stMonth {
				return -1
			}
			step, scale = stMonth, 60*60*24*30
		case 'w':
			if step >= stWeek {
				return -1
			}
			step, scale = stWeek, 60*60*24*7
		case 'd':
			if step >= stDay {
				return -1
			}
			step, scale = stDay, 60*60*24
		case 'h':
			if step >= stHour {
				return -1
			}
			step, scale = stHour, 60*60
		case 'm':
			if p < len(v) && v[p] == 's' {
				if isSec || step >= stMsec {
					return -1
				}
				p++
				step, scale = stMsec, 1
				break
			}
			if step >= stMin {
				return -1
			}
			step, scale = stMin, 60
		case 's':
			if step >= stSec {
				return -1
			}
			step, scale = stSec, 1
		case ' ':
			if step >= stSec {
				return -1
			}
			step, scale = stLast, 1
		default:
			return -1
		}
		max := maxInt / scale
		if step != stMsec && !isSec {
			scale *= 1000
			max /= 1000
		}
		if value > max {
			return -1
		}
		value *= scale
		if total > maxInt-value {
			return -1
		}
		total += value
		value = 0
		for p < len(v) && v[p] == ' ' {
			p++
		}
	}
	if !valid {
		return -1
	}
	if !isSec {
		if value > maxInt/1000 {
			return -1
		}
		value *= 1000
	}
	if total > maxInt-value {
		return -1
	}
	return total + value
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

// SizeValue is a size that may be given with variables (limit_rate,
// limit_rate_after): N when V is nil, else V's value read as a size when
// the request needs it (ngx_http_set_complex_value_size_slot).
type SizeValue struct {
	N int64
	V *vars.Value
}

// sizeValueSlot is ngx_http_set_complex_value_size_slot: a size, or a
// value with variables checked only when it is evaluated.
func sizeValueSlot(field func(l *Loc) *Opt[SizeValue]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		return setSizeValue(field(b.cur), s, b.compile)
	}
}

// setSizeValue sets o from the statement's argument, compiled by compile
// (the http or the stream module's): a value with variables as it is, a
// size parsed now.
func setSizeValue(o *Opt[SizeValue], s *conf.Stmt, compile func(*conf.Stmt, string) (*vars.Value, error)) error {
	if o.Set {
		return duplicate(s)
	}
	cv, err := compile(s, s.Args[0])
	if err != nil {
		return err
	}
	if _, static := cv.Static(); !static {
		*o = Def(SizeValue{V: cv})
		return nil
	}
	n := ParseSize(s.Args[0])
	if n < 0 {
		return invalidValue(s)
	}
	*o = Def(SizeValue{N: n})
	return nil
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

// offSlot is ngx_conf_set_off_slot: a size that may have a g suffix.
func offSlot(field func(b *builder) *Opt[int64]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		n := ParseOffset(s.Args[0])
		if n < 0 {
			return invalidValue(s)
		}
		*o = Def(n)
		return nil
	}
}

// secSlot is ngx_conf_set_sec_slot: a time in whole seconds.
func secSlot(field func(b *builder) *Opt[time.Duration]) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		o := field(b)
		if o.Set {
			return duplicate(s)
		}
		d, err := ParseSeconds(s.Args[0])
		if err != nil {
			return invalidValue(s)
		}
		*o = Def(d)
		return nil
	}
}

// ignoreSlot accepts a directive that has no effect in weir (for example
// worker_processes: weir is one process using every core).
func ignoreSlot(*builder, *conf.Stmt) error { return nil }

// checkKind is the value type of a directive weir accepts without using
// it, so that the directive fails -t exactly where nginx's would.
type checkKind int

const (
	checkStr  checkKind = iota // ngx_conf_set_str_slot
	checkNum                   // ngx_conf_set_num_slot
	checkSize                  // ngx_conf_set_size_slot
	checkOff                   // ngx_conf_set_off_slot
	checkMsec                  // ngx_conf_set_msec_slot
	checkSec                   // ngx_conf_set_sec_slot
	checkFlag                  // ngx_conf_set_flag_slot
	checkBufs                  // ngx_conf_set_bufs_slot
)

// checkSlot validates a directive weir does not use as nginx's slot
// function would, duplicate included, and drops it.
func checkSlot(k checkKind) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if !b.once(s) {
			return duplicate(s)
		}
		a := s.Args[0]
		switch k {
		case checkNum:
			if _, ok := atoi(a); !ok {
				return conf.Errorf(s, "\"%s\" directive invalid number", s.Name)
			}
		case checkSize:
			if ParseSize(a) < 0 {
				return invalidValue(s)
			}
		case checkOff:
			if ParseOffset(a) < 0 {
				return invalidValue(s)
			}
		case checkMsec:
			if parseTime(a, false) < 0 {
				return invalidValue(s)
			}
		case checkSec:
			if parseTime(a, true) < 0 {
				return invalidValue(s)
			}
		case checkFlag:
			if _, err := parseFlag(s); err != nil {
				return err
			}
		case checkBufs:
			if n, ok := atoi(a); !ok || n == 0 {
				return invalidValue(s)
			}
			if ParseSize(s.Args[1]) <= 0 {
				return invalidValue(s)
			}
		}
		return nil
	}
}

// checkEnum validates an ngx_conf_set_enum_slot directive weir does not
// use.
func checkEnum(values ...string) func(*builder, *conf.Stmt) error {
	return func(b *builder, s *conf.Stmt) error {
		if !b.once(s) {
			return duplicate(s)
		}
		for _, v := range values {
			if strings.EqualFold(v, s.Args[0]) {
				return nil
			}
		}
		return conf.Errorf(s, "invalid value \"%s\"", s.Args[0])
	}
}

// once reports whether s is the first statement of its name at the
// current configuration level, for directives whose value weir drops but
// whose duplicates nginx refuses.
func (b *builder) once(s *conf.Stmt) bool {
	var level any = &b.main
	if b.cur != nil && b.ctx&(CtxMain|CtxEvents) == 0 {
		level = b.cur
	}
	k := seenKey{level, s.Name}
	if b.seen[k] {
		return false
	}
	if b.seen == nil {
		b.seen = map[seenKey]bool{}
	}
	b.seen[k] = true
	return true
}

type seenKey struct {
	level any
	name  string
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

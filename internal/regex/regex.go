// Package regex runs nginx's PCRE regular expressions on Go.
//
// nginx compiles location, server_name, map, if and rewrite regexes with
// PCRE2 and no options but PCRE2_CASELESS for "~*". Go's regexp (RE2)
// cannot run lookaround, back references, atomic groups or possessive
// quantifiers, and spells or means several other things differently. So a
// pattern is parsed here with PCRE2's own grammar and error messages, every
// option letter and class is resolved, and the result is written out for one
// of two engines:
//
//   - Go's regexp, whenever the pattern needs nothing it lacks: linear time,
//     no match timeouts, the common case for location regexes;
//   - github.com/dlclark/regexp2, a backtracking engine, for the rest, with
//     a match timeout (MatchTimeout) standing in for PCRE2's match limit.
//
// Semantics follow nginx's PCRE2 exactly where that is practical:
//
//   - Characters are bytes. nginx does not set PCRE2_UTF, so "." matches one
//     byte of a UTF-8 sequence, [\x80-\xff] matches any non-ASCII byte and
//     \x{100} is an error. Subjects with bytes above 127 are handed to both
//     engines as one code point per byte (Latin-1); offsets stay byte
//     offsets. Pure-ASCII subjects, the usual case, are matched as they are.
//   - \d \w \s \b and the POSIX classes are ASCII, and caseless matching
//     folds ASCII letters only, as with PCRE2's default "C" locale tables.
//   - $ (without the m flag) and \Z match at the end or before a final
//     newline, as in PCRE. Go's $ cannot, so on the Go engine $ is \z and
//     any subject that ends in "\n" (rare: a decoded %0A in $uri) is matched
//     by the backtracking engine instead, which spells $ exactly. So
//     "\.php$" matches "/x.php\n" as in nginx.
//   - Group numbering counts named and unnamed groups left to right, as
//     PCRE does; the engines see only unnamed groups, and names are kept
//     here (Names).
//
// Not supported (Compile reports them): recursion and subroutine calls,
// branch reset groups (?|...), \K, \X, callouts, backtracking control verbs
// and (*UTF). Back references compare case-insensitively with .NET's Unicode
// rules under (?i), a difference only for Latin-1 letters.
package regex

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/dlclark/regexp2"
)

// MatchTimeout bounds one match on the backtracking engine, so that a
// catastrophic pattern cannot hold a request forever. PCRE2 bounds the same
// work with its match limit (10 million steps), which takes about as long.
const MatchTimeout = 250 * time.Millisecond

// ErrMatchTimeout is returned by Exec when a backtracking match gave up.
// nginx answers the equivalent PCRE2_ERROR_MATCHLIMIT with a 500.
var ErrMatchTimeout = errors.New("regex match timed out")

// Error is a compile error. Its text is nginx's for errors PCRE2 reports.
type Error struct {
	Pattern string
	Msg     string
	// Offset is where PCRE2 would report the error, in bytes.
	Offset int
	// Unsupported is set when nginx would accept the pattern but weir
	// cannot run it.
	Unsupported bool
}

// Error formats the error as ngx_regex_compile does: the "at" part names
// the rest of the pattern, and is left out when the error is at its end.
func (e *Error) Error() string {
	if e.Unsupported {
		return fmt.Sprintf("regex feature %s is not supported in \"%s\"", e.Msg, e.Pattern)
	}
	if e.Offset >= len(e.Pattern) {
		return fmt.Sprintf("pcre2_compile() failed: %s in \"%s\"", e.Msg, e.Pattern)
	}
	return fmt.Sprintf("pcre2_compile() failed: %s in \"%s\" at \"%s\"", e.Msg, e.Pattern, e.Pattern[e.Offset:])
}

// Regexp is a compiled nginx regex. It is safe for concurrent use.
type Regexp struct {
	pattern string
	ncap    int
	names   []string
	// re2 is set when Go's engine can run the pattern.
	re2 *regexp.Regexp
	// bt is set when re2 is nil, or when nlSens is set.
	bt *regexp2.Regexp
	// nlSens: re2 differs from PCRE on subjects ending in "\n" ($, \Z or
	// multi-line ^), which go to bt instead.
	nlSens bool
}

// Compile compiles an nginx regex; caseless is PCRE2_CASELESS, which nginx
// sets for "~*" (and for server_name regexes). Errors carry nginx's text,
// e.g. `pcre2_compile() failed: missing closing parenthesis in "(foo"`.
func Compile(pattern string, caseless bool) (*Regexp, error) {
	return compile(pattern, caseless, false)
}

// compile is Compile; forceBT makes tests run every pattern on the
// backtracking engine too.
func compile(pattern string, caseless, forceBT bool) (*Regexp, error) {
	root, p, err := parse(pattern, caseless)
	if err != nil {
		return nil, err
	}
	word := wordSet
	if p.ucp {
		word = ucpClass('w')
	}
	re := &Regexp{pattern: pattern, ncap: p.ncap, names: p.names, nlSens: p.nlSens}
	if !p.needBT && !forceBT {
		// Go refuses some patterns PCRE takes, such as repeat counts
		// above 1000; those fall through to the other engine.
		re.re2, _ = regexp.Compile(emit(root, dialectRE2, word))
	}
	if re.re2 == nil || re.nlSens {
		src := emit(root, dialectDotNet, word)
		bt, err := regexp2.Compile(src, regexp2.None)
		if err != nil {
			return nil, fmt.Errorf("regex %q cannot be compiled: %v", pattern, err)
		}
		bt.MatchTimeout = MatchTimeout
		re.bt = bt
	}
	return re, nil
}

// String returns the pattern as written.
func (re *Regexp) String() string { return re.pattern }

// NumCaptures returns the number of capturing groups, named or not.
func (re *Regexp) NumCaptures() int { return re.ncap }

// Names returns the name of each group by number; index 0 is the whole
// match and unnamed groups are "". The slice must not be modified.
func (re *Regexp) Names() []string { return re.names }

// Backtracking reports whether matches run on the backtracking engine
// (always, or for subjects ending in a newline).
func (re *Regexp) Backtracking() bool { return re.bt != nil }

// MatchString reports whether s matches. A timed-out match reports false.
func (re *Regexp) MatchString(s string) bool {
	if re.useRE2(s) {
		if isASCII(s) {
			return re.re2.MatchString(s)
		}
		return re.re2.MatchString(latin1(s))
	}
	buf := getRunes(s)
	ok, _ := re.bt.MatchRunes(*buf)
	putRunes(buf)
	return ok
}

// FindSubmatchIndex returns the byte offsets of the match and of every
// group as nginx's ovector pairs, -1 for groups that did not take part, or
// nil if s does not match. The result reuses dst's storage when it is large
// enough. A timed-out match reports nil; use Exec to tell the two apart.
func (re *Regexp) FindSubmatchIndex(s string, dst []int) []int {
	m, _ := re.Exec(s, dst)
	return m
}

// Exec is FindSubmatchIndex that reports ErrMatchTimeout.
func (re *Regexp) Exec(s string, dst []int) ([]int, error) {
	if re.useRE2(s) {
		return re.execRE2(s, dst), nil
	}
	buf := getRunes(s)
	defer putRunes(buf)
	m, err := re.bt.FindRunesMatch(*buf)
	if err != nil {
		return nil, ErrMatchTimeout
	}
	if m == nil {
		return nil, nil
	}
	dst = dst[:0]
	for i := 0; i <= re.ncap; i++ {
		g := m.GroupByNumber(i)
		if g == nil || len(g.Captures) == 0 {
			dst = append(dst, -1, -1)
			continue
		}
		// One rune per byte: rune indexes are byte offsets.
		dst = append(dst, g.Index, g.Index+g.Length)
	}
	return dst, nil
}

// execRE2 matches on Go's engine. Go's regexp has no API that fills a
// caller's slice, so this allocates once per match, inside regexp.
func (re *Regexp) execRE2(s string, dst []int) []int {
	subject := s
	ascii := isASCII(s)
	if !ascii {
		subject = latin1(s)
	}
	loc := re.re2.FindStringSubmatchIndex(subject)
	if loc == nil {
		return nil
	}
	dst = append(dst[:0], loc...)
	if !ascii {
		for i, off := range dst {
			if off > 0 {
				dst[i] = byteOffset(s, off)
			}
		}
	}
	return dst
}

func (re *Regexp) useRE2(s string) bool {
	return re.re2 != nil && !(re.nlSens && len(s) > 0 && s[len(s)-1] == '\n')
}

// runePool holds the one-rune-per-byte copies of subjects handed to
// regexp2; the match result is read before the buffer goes back.
var runePool = sync.Pool{New: func() any { return new([]rune) }}

func getRunes(s string) *[]rune {
	buf := runePool.Get().(*[]rune)
	rs := (*buf)[:0]
	for i := 0; i < len(s); i++ {
		rs = append(rs, rune(s[i]))
	}
	*buf = rs
	return buf
}

// putRunes returns a buffer to the pool unless one long subject made it
// too big to keep around.
func putRunes(buf *[]rune) {
	if cap(*buf) <= 64<<10 {
		runePool.Put(buf)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// latin1 re-encodes s so that Go's regexp sees one code point per byte.
func latin1(s string) string {
	b := make([]byte, 0, len(s)+len(s)/2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			b = append(b, c)
			continue
		}
		b = append(b, 0xc0|c>>6, 0x80|c&0x3f)
	}
	return string(b)
}

// byteOffset maps an offset in latin1(s) back to one in s.
func byteOffset(s string, off int) int {
	j := 0
	for i := 0; i < len(s); i++ {
		if j >= off {
			return i
		}
		j++
		if s[i] >= 0x80 {
			j++
		}
	}
	return len(s)
}

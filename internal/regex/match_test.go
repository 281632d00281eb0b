package regex

import (
	"strings"
	"testing"
)

// unset marks a group that did not take part in the match.
const unset = "<unset>"

// matchCases are checked on both engines, and against PCRE2 itself by
// TestMatchPCRE2 when pcre2test is installed. want holds the text of the
// match and of every group; nil means no match.
var matchCases = []struct {
	name     string
	pattern  string
	caseless bool
	subject  string
	want     []string
}{
	// Plain location regexes, the common case.
	{"suffix", `\.(jpg|jpeg|png|gif)$`, false, "/img/a.png", []string{".png", "png"}},
	{"suffix no match", `\.(jpg|jpeg|png|gif)$`, false, "/img/a.pngx", nil},
	{"suffix caseless", `\.(jpg|jpeg|png|gif)$`, true, "/img/A.PNG", []string{".PNG", "PNG"}},
	{"prefix capture", `^/static/(.*)$`, false, "/static/css/a.css", []string{"/static/css/a.css", "css/a.css"}},
	{"php split", `^(.+\.php)(/.+)$`, false, "/index.php/foo/bar", []string{"/index.php/foo/bar", "/index.php", "/foo/bar"}},
	{"alternation order", `a|ab`, false, "ab", []string{"a"}},
	{"lazy", `<(.+?)>`, false, "<a><b>", []string{"<a>", "a"}},
	{"unset group", `(a)?b(c)?`, false, "xb", []string{"b", unset, unset}},
	{"repeated group keeps last", `(?:(\w)\.)+`, false, "a.b.c", []string{"a.b.", "b"}},

	// $ and friends: end or before a final newline.
	{"dollar before final newline", `\.php$`, false, "/x.php\n", []string{".php"}},
	{"dollar not before inner newline", `\.php$`, false, "/x.php\nfoo", nil},
	{"dollar at end", `b$`, false, "ab", []string{"b"}},
	{"Z before final newline", `b\Z`, false, "ab\n", []string{"b"}},
	{"z strict", `b\z`, false, "ab\n", nil},
	{"A anchor", `\Aab`, false, "ab", []string{"ab"}},
	{"multiline caret", `(?m)^b`, false, "a\nb", []string{"b"}},
	{"multiline caret not after final newline", `(?m)^$`, false, "a\n", nil},
	{"multiline dollar", `(?m)a$`, false, "a\nb", []string{"a"}},
	{"caret in middle never", `a^b`, false, "ab", nil},
	{"G is start", `\Gb`, false, "ab", nil},

	// Names: every PCRE spelling, numbered with unnamed groups in order.
	{"named angle", `^/(?<lang>[a-z]{2})/(.*)$`, false, "/en/page", []string{"/en/page", "en", "page"}},
	{"named P and quote", `(?P<a>\d+)-(?'b'\w+)`, false, "x12-ab", []string{"12-ab", "12", "ab"}},
	{"named between unnamed", `(x)(?<n>y)(z)`, false, "xyz", []string{"xyz", "x", "y", "z"}},

	// Classes: ASCII-only, as PCRE without UCP.
	{"digit word space", `\d+\s\w+`, false, "ab 12 c_d", []string{"12 c_d"}},
	{"negated shorthands", `\D\S\W`, false, "1 ab!", []string{"ab!"}},
	{"posix alpha", `[[:alpha:]]+`, false, "12abC3", []string{"abC"}},
	{"posix negated", `[[:^digit:]]+`, false, "12ab3", []string{"ab"}},
	{"posix punct", `[[:punct:]]+`, false, "ab!?#", []string{"!?#"}},
	{"class bracket first", `[]a]+`, false, "x]a]", []string{"]a]"}},
	{"class negated bracket", `[^]a]+`, false, "]axy", []string{"xy"}},
	{"class dash literal", `[a-]+`, false, "x-a-", []string{"-a-"}},
	{"class escapes", `[\d.]+`, false, "v1.25", []string{"1.25"}},
	{"class caseless", `[a-c]+`, true, "xABc", []string{"ABc"}},
	{"hv space", `\h\v`, false, "a \nb", []string{" \n"}},
	{"word non-ascii", `\w+`, false, "é", nil},
	{"word boundary", `\bis\b`, false, "this is", []string{"is"}},
	{"non word boundary", `\Bis`, false, "this is", []string{"is"}},
	{"dot not newline", `a.c`, false, "a\nc", nil},
	{"dotall", `(?s)a.c`, false, "a\nc", []string{"a\nc"}},
	{"quote", `\Qa.b\E+`, false, "a.bbb", []string{"a.bbb"}},
	{"hex octal control", `\x41\101\o{101}\cA`, false, "AAA\x01", []string{"AAA\x01"}},
	{"byte class", `[\x80-\xff]+`, false, "/\xe4\xb8\xad/", []string{"\xe4\xb8\xad"}},
	{"dot is a byte", `^/(.)`, false, "/\xc3\xa9", []string{"/\xc3", "\xc3"}},
	{"utf8 literal is bytes", `caf\xc3\xa9`, false, "/caf\xc3\xa9", []string{"caf\xc3\xa9"}},
	{"caseless ascii only", `\xe9`, true, "\xc9", nil},

	// Flags.
	{"inline caseless", `a(?i)b`, false, "aB", []string{"aB"}},
	{"caseless scoped to group", `(a(?i)b)c`, false, "aBC", nil},
	{"caseless group", `a(?i:b)c`, false, "aBc", []string{"aBc"}},
	{"caseless off", `a(?-i)b`, true, "Ab", []string{"Ab"}},
	{"caseless off no match", `a(?-i)b`, true, "AB", nil},
	{"flag carries over alternation", `(?:a(?i)b|c)`, false, "C", []string{"C"}},
	{"extended", `(?x) a b  # comment`, false, "ab", []string{"ab"}},
	{"ungreedy", `(?U)a+`, false, "aaa", []string{"a"}},
	{"no auto capture", `(?n)(a)(?<x>b)`, false, "ab", []string{"ab", "b"}},
	{"comment", `a(?#note)b`, false, "ab", []string{"ab"}},

	// Backtracking engine only.
	{"negative lookahead", `^/(?!api/)`, false, "/app", []string{"/"}},
	{"negative lookahead no", `^/(?!api/)`, false, "/api/v1", nil},
	{"positive lookahead", `\w+(?=\.php)`, false, "/index.php", []string{"index"}},
	{"negative lookbehind", `^(?<!www\.)example\.com$`, false, "example.com", []string{"example.com"}},
	{"lookbehind", `(?<=/v)\d+`, false, "/v12/x", []string{"12"}},
	{"lookbehind branches", `(?<=ab|c)d`, false, "cd", []string{"d"}},
	{"backreference", `(\w+)\1`, false, "hello abcabc", []string{"ll", "l"}},
	{"backreference caseless", `(a)\1`, true, "aA", []string{"aA", "a"}},
	{"named backreference", `(?<q>['"]).*?\k<q>`, false, `x"a'b"`, []string{`"a'b"`, `"`}},
	{"relative backreference", `(a)(b)\g{-1}`, false, "abb", []string{"abb", "a", "b"}},
	{"python backreference", `(?P<x>a)(?P=x)`, false, "aa", []string{"aa", "a"}},
	{"backreference to unset fails", `(a)?\1`, false, "b", nil},
	{"atomic", `a(?>bc|b)c`, false, "abc", nil},
	{"atomic match", `a(?>bc|b)c`, false, "abcc", []string{"abcc"}},
	{"possessive", `a++b`, false, "aab", []string{"aab"}},
	{"possessive no giveback", `a++a`, false, "aaa", nil},
	{"conditional", `(<)?\w+(?(1)>)`, false, "<ab>", []string{"<ab>", "<"}},
	{"conditional no", `^(<)?\w+(?(1)>|!)$`, false, "ab!", []string{"ab!", unset}},
	{"R newline", `a\Rb`, false, "a\r\nb", []string{"a\r\nb"}},
	{"lookahead and dollar newline", `(?=a)a$`, false, "a\n", []string{"a"}},
	{"fail verb", `a(*FAIL)|b`, false, "ab", []string{"b"}},
	{"octal when few groups", `a\12b`, false, "a\nb", []string{"a\nb"}},
	{"backspace in class", `[\b]`, false, "a\bb", []string{"\b"}},
	{"nul escapes", `\0\x`, false, "\x00\x00", []string{"\x00\x00"}},
	{"brace literal", `a{,3}`, false, "a{,3}", []string{"a{,3}"}},
	{"unclosed brace literal", `x{2`, false, "x{2", []string{"x{2"}},
	{"caseless negated class", `[^a]`, true, "A", nil},
	{"negated digit in class", `[^\d]+`, false, "12ab", []string{"ab"}},
	{"N not newline", `a\Nb`, false, "a\nb", nil},
	{"lookbehind counted", `(?<=\d{2})x`, false, "1x12x", []string{"x"}},
	{"reset flags", `(?i)a(?^)b`, false, "AB", nil},
	{"dollar in class", `[$]`, false, "a$", []string{"$"}},
	{"escaped slash", `^\/a\.b`, false, "/a.b", []string{"/a.b"}},
	{"empty alternative", `^(a|)$`, false, "", []string{"", ""}},
	{"nested quantified groups", `^((a)|b)+$`, false, "ab", []string{"ab", "b", "a"}},
	{"quantifier over 1000", `^a{1001}$`, false, strings.Repeat("a", 1001), []string{strings.Repeat("a", 1001)}},
}

func groupTexts(s string, m []int) []string {
	if m == nil {
		return nil
	}
	out := make([]string, len(m)/2)
	for i := range out {
		if m[2*i] < 0 {
			out[i] = unset
			continue
		}
		out[i] = s[m[2*i]:m[2*i+1]]
	}
	return out
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		for _, forceBT := range []bool{false, true} {
			name := tc.name
			if forceBT {
				name += "/backtracking"
			}
			t.Run(name, func(t *testing.T) {
				re, err := compile(tc.pattern, tc.caseless, forceBT)
				if err != nil {
					t.Fatalf("compile(%q): %v", tc.pattern, err)
				}
				m := re.FindSubmatchIndex(tc.subject, nil)
				got := groupTexts(tc.subject, m)
				if strings.Join(got, "|") != strings.Join(tc.want, "|") || (got == nil) != (tc.want == nil) {
					t.Errorf("%q on %q: got %q, want %q", tc.pattern, tc.subject, got, tc.want)
				}
				if ok := re.MatchString(tc.subject); ok != (tc.want != nil) {
					t.Errorf("MatchString = %v", ok)
				}
				if m != nil && len(m) != 2*(re.NumCaptures()+1) {
					t.Errorf("len(m) = %d, NumCaptures = %d", len(m), re.NumCaptures())
				}
			})
		}
	}
}

package regex

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMatchPCRE2 checks every matchCases answer against PCRE2 itself, the
// library nginx links, through pcre2test (Debian's pcre2-utils). It skips
// when pcre2test is not installed.
func TestMatchPCRE2(t *testing.T) {
	bin, err := exec.LookPath("pcre2test")
	if err != nil || testing.Short() {
		t.Skip("no pcre2test")
	}
	var in strings.Builder
	for _, tc := range matchCases {
		delim := byte('/')
		for _, d := range []byte("/!%,;~@") {
			if !strings.ContainsRune(tc.pattern, rune(d)) {
				delim = d
				break
			}
		}
		mods := "allcaptures"
		if tc.caseless {
			mods = "i," + mods
		}
		fmt.Fprintf(&in, "%c%s%c%s\n%s\n\n", delim, tc.pattern, delim, mods, pcre2Subject(tc.subject))
	}
	file := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(file, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, file).CombinedOutput()
	if err != nil {
		t.Fatalf("pcre2test: %v\n%s", err, out)
	}
	// Each case prints its pattern line, its subject line, then either
	// "No match" or " N: text" lines, then a blank line.
	blocks := strings.Split(strings.TrimSpace(string(out)), "\n\n")
	if len(blocks) != len(matchCases) {
		t.Fatalf("got %d result blocks for %d cases:\n%s", len(blocks), len(matchCases), out)
	}
	for i, tc := range matchCases {
		lines := strings.Split(blocks[i], "\n")
		if i == 0 {
			lines = lines[1:] // version banner
		}
		var got []string
		for _, l := range lines[2:] {
			if _, text, ok := strings.Cut(l, ": "); ok && strings.HasPrefix(l, " ") || strings.HasPrefix(l, "1") {
				got = append(got, text)
			} else if strings.HasSuffix(l, ":") {
				got = append(got, "")
			}
		}
		var want []string
		for _, w := range tc.want {
			if w != unset {
				w = pcre2Output(w)
			}
			want = append(want, w)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") || (got == nil) != (want == nil) {
			t.Errorf("%s: %q on %q: PCRE2 says %q, table says %q", tc.name, tc.pattern, tc.subject, got, want)
		}
	}
}

// pcre2Subject escapes a subject for a pcre2test data line.
func pcre2Subject(s string) string {
	if s == "" {
		return `\`
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c > ' ' && c < 0x7f:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, `\x{%x}`, c)
		}
	}
	return b.String()
}

// pcre2Output escapes captured text as pcre2test prints it.
func pcre2Output(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= ' ' && c < 0x7f {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, `\x%02x`, c)
	}
	return b.String()
}

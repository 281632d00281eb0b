package regex

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNames(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    []string
	}{
		{"none", `^/a$`, []string{""}},
		{"unnamed", `(a)(b)`, []string{"", "", ""}},
		{"every spelling", `(?<a>x)(?P<b>y)(?'c'z)(w)`, []string{"", "a", "b", "c", ""}},
		{"non-capturing skipped", `(?:x)(?<n>y)(?=z)`, []string{"", "n"}},
		{"n flag keeps named", `(?n)(x)(?<k>y)`, []string{"", "k"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			re := mustCompile(t, tc.pattern)
			if !slices.Equal(re.Names(), tc.want) {
				t.Errorf("Names() = %q, want %q", re.Names(), tc.want)
			}
			if re.NumCaptures() != len(tc.want)-1 {
				t.Errorf("NumCaptures() = %d", re.NumCaptures())
			}
			if re.String() != tc.pattern {
				t.Errorf("String() = %q", re.String())
			}
		})
	}
}

// TestEngineChoice pins which patterns stay on Go's linear-time engine.
func TestEngineChoice(t *testing.T) {
	tests := []struct {
		pattern string
		re2, bt bool
	}{
		{`\.(jpg|png)$`, true, true}, // $ needs bt for subjects ending in \n
		{`^/static/`, true, false},
		{`\.php\z`, true, false},
		{`^/(?!api/)`, false, true},
		{`(\w)\1`, false, true},
		{`a{1001}`, false, true}, // over Go's repeat limit
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			re := mustCompile(t, tc.pattern)
			if (re.re2 != nil) != tc.re2 || (re.bt != nil) != tc.bt {
				t.Errorf("re2 %v bt %v, want %v %v", re.re2 != nil, re.bt != nil, tc.re2, tc.bt)
			}
		})
	}
}

// TestTimeout checks that catastrophic backtracking gives up with
// ErrMatchTimeout instead of holding the request.
func TestTimeout(t *testing.T) {
	re, err := compile(`^(a+)+$`, false, true)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	m, err := re.Exec(strings.Repeat("a", 40)+"!", nil)
	if m != nil || !errors.Is(err, ErrMatchTimeout) {
		t.Errorf("Exec = %v, %v; want nil, ErrMatchTimeout", m, err)
	}
	// generous for a busy machine; without the timeout this match runs
	// for hours
	if d := time.Since(start); d > 20*MatchTimeout {
		t.Errorf("gave up after %v", d)
	}
}

// TestDstReuse checks FindSubmatchIndex fills the caller's slice.
func TestDstReuse(t *testing.T) {
	for _, p := range []string{`^/(\w+)/(\d+)$`, `^/(\w+)/(?=\d)(\d+)$`} {
		re := mustCompile(t, p)
		dst := make([]int, 0, 16)
		m := re.FindSubmatchIndex("/user/42", dst)
		if !slices.Equal(m, []int{0, 8, 1, 5, 6, 8}) || &m[0] != &dst[:1][0] {
			t.Errorf("%s: got %v (reused: %v)", p, m, len(m) > 0 && &m[0] == &dst[:1][0])
		}
	}
}

func TestConcurrent(t *testing.T) {
	re := mustCompile(t, `^/(?<a>\w+)(?!x)/(\d+)$`)
	done := make(chan bool)
	for range 4 {
		go func() {
			var dst []int
			for range 200 {
				dst = re.FindSubmatchIndex("/ab/12", dst)
				if !slices.Equal(dst, []int{0, 6, 1, 3, 4, 6}) {
					t.Errorf("got %v", dst)
				}
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}

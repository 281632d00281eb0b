package regex

import (
	"slices"
	"testing"
)

// A typical location regex, on both engines.
const benchPattern = `^/api/v(\d+)/(users|orders)/([^/]+)\.json$`
const benchSubject = "/api/v2/users/12345.json"

func benchmarkEngine(b *testing.B, forceBT bool) {
	re, err := compile(benchPattern, false, forceBT)
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]int, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		if dst = re.FindSubmatchIndex(benchSubject, dst); dst == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkLocationRE2(b *testing.B)          { benchmarkEngine(b, false) }
func BenchmarkLocationBacktracking(b *testing.B) { benchmarkEngine(b, true) }

func BenchmarkMatchStringRE2(b *testing.B) {
	re := mustCompile(b, `\.(jpg|jpeg|png|gif|ico|css|js)$`)
	b.ReportAllocs()
	for b.Loop() {
		re.MatchString("/static/img/logo.png")
	}
}

func BenchmarkLookahead(b *testing.B) {
	re := mustCompile(b, `^/(?!api/)(.*)$`)
	b.ReportAllocs()
	for b.Loop() {
		re.MatchString("/static/img/logo.png")
	}
}

func mustCompile(tb testing.TB, p string) *Regexp {
	re, err := Compile(p, false)
	if err != nil {
		tb.Fatal(err)
	}
	return re
}

// FuzzEngines compiles arbitrary patterns (which must never panic) and,
// when Go's engine can run one, checks that the backtracking engine agrees.
func FuzzEngines(f *testing.F) {
	for _, tc := range matchCases {
		f.Add(tc.pattern, tc.subject)
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		a, err := compile(pattern, false, false)
		if err != nil || a.re2 == nil {
			return
		}
		bt, err := compile(pattern, false, true)
		if err != nil {
			t.Fatalf("%q compiles for Go only: %v", pattern, err)
		}
		ma := a.FindSubmatchIndex(subject, nil)
		mb, err := bt.Exec(subject, nil)
		if err != nil {
			return
		}
		if !slices.Equal(ma, mb) {
			t.Errorf("%q on %q: go %v, backtracking %v (go: %s)", pattern, subject, ma, mb, a.re2)
		}
	})
}

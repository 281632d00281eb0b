package procs

import (
	"runtime"
	"testing"
	"time"
)

// TestNext follows the controller through loads given as the cores used
// in each tick.
func TestNext(t *testing.T) {
	for _, tc := range []struct {
		name  string
		max   int
		start int
		cores []float64
		want  []int // Ps after each tick
	}{
		{"light load gives Ps back after three calm ticks", 8, 8,
			[]float64{0.3, 0.3, 0.3, 0.3},
			[]int{8, 8, 1, 1}},
		{"a busy tick in between restarts the count", 8, 8,
			[]float64{0.3, 0.3, 7.5, 0.3, 0.3, 0.3},
			[]int{8, 8, 8, 8, 8, 1}},
		{"the Ps are fitted to the load at 70%", 8, 8,
			[]float64{2.5, 2.5, 2.5},
			[]int{8, 8, 4}},
		{"saturated Ps double at once, up to the maximum", 8, 1,
			[]float64{0.9, 1.8, 3.9, 7.9},
			[]int{2, 4, 8, 8}},
		{"the maximum is not passed", 6, 4,
			[]float64{3.9},
			[]int{6}},
		{"a load between the two marks keeps what it has", 2, 2,
			[]float64{0.8, 0.9, 0.75, 0.8},
			[]int{2, 2, 2, 2}},
		{"one P stays one until it is nearly full", 2, 1,
			[]float64{0.6, 0.8, 0.84, 0.86},
			[]int{1, 1, 1, 2}},
		{"an idle process keeps one P", 4, 1,
			[]float64{0, 0, 0},
			[]int{1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Controller{max: tc.max, cur: tc.start}
			for i, cores := range tc.cores {
				c.cur = c.next(cores)
				if c.cur != tc.want[i] {
					t.Fatalf("tick %d (%.2f cores): %d Ps, want %d", i, cores, c.cur, tc.want[i])
				}
			}
		})
	}
}

// TestController runs the real controller on an idle test process: it
// gives Ps back, and Stop restores them all.
func TestController(t *testing.T) {
	if Max() < 2 {
		t.Skip("one P: nothing to adapt")
	}
	c := start(Max())
	deadline := time.Now().Add(10 * Tick * calm)
	for runtime.GOMAXPROCS(0) != 1 && time.Now().Before(deadline) {
		time.Sleep(Tick / 2)
	}
	if n := runtime.GOMAXPROCS(0); n != 1 {
		t.Errorf("an idle process has %d Ps, want 1", n)
	}
	c.Stop()
	if n := runtime.GOMAXPROCS(0); n != Max() {
		t.Errorf("after Stop: %d Ps, want %d", n, Max())
	}
}

// TestStartRespectsEnvironment: a GOMAXPROCS in the environment is the
// operator's choice, kept as it is.
func TestStartRespectsEnvironment(t *testing.T) {
	t.Setenv("GOMAXPROCS", "2")
	if c := Start(); c != nil {
		c.Stop()
		t.Fatal("the controller started with GOMAXPROCS set")
	}
}

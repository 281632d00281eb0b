// Package procs fits the number of Go scheduler Ps (GOMAXPROCS) to the
// CPU the server uses.
//
// weir is one process where nginx runs worker processes. With every core
// as a P, a light load costs more than it should: each goroutine a
// network event readies makes the scheduler wake an idle thread to look
// for more work, which finds none and sleeps again. At one client through
// PHP-FPM that was 5.2 context switches per request against nginx's 2.6
// (2.3 with one P), and a quarter more CPU than with one P. So the
// controller keeps as many Ps as the load fills: it measures the
// process's CPU time every tick, doubles the Ps as soon as they are
// nearly all busy, and gives back what a few ticks in a row left unused.
// A load that grows is served with more cores within a tick (100 ms); the
// maximum is what GOMAXPROCS was at start (the cores or the cgroup's
// limit), and a GOMAXPROCS set in the environment turns the controller
// off.
package procs

import (
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// Tick is how often the controller looks at the CPU used.
const Tick = 100 * time.Millisecond

const (
	// busy is the share of the Ps' time above which they are taken as
	// saturated: their number doubles.
	busy = 0.85
	// fill is the share of each P's time the Ps are fitted to when
	// giving some back.
	fill = 0.7
	// calm is the number of ticks in a row that must want fewer Ps.
	calm = 3
)

var (
	maxOnce sync.Once
	maxP    int
)

// Max is the number of Ps the process may use: GOMAXPROCS when the
// program started, whatever the controller set since.
func Max() int {
	maxOnce.Do(func() { maxP = runtime.GOMAXPROCS(0) })
	return maxP
}

// Controller adapts GOMAXPROCS until stopped.
type Controller struct {
	max  int
	cur  int
	low  int // ticks in a row that wanted fewer Ps
	stop chan struct{}
	done chan struct{}
}

// Start starts the controller, or returns nil when there is nothing to
// adapt (one P at most, or GOMAXPROCS set in the environment).
func Start() *Controller {
	if _, set := os.LookupEnv("GOMAXPROCS"); set || Max() <= 1 {
		return nil
	}
	return start(Max())
}

// start runs a controller whose Ps start at, and never pass, limit.
func start(limit int) *Controller {
	c := &Controller{max: limit, cur: limit, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// Stop gives the process all its Ps back and ends the controller.
func (c *Controller) Stop() {
	if c == nil {
		return
	}
	close(c.stop)
	<-c.done
}

func (c *Controller) loop() {
	defer close(c.done)
	t := time.NewTicker(Tick)
	defer t.Stop()
	last, lastCPU := time.Now(), cpuTime()
	for {
		select {
		case <-c.stop:
			if c.cur != c.max {
				runtime.GOMAXPROCS(c.max)
			}
			return
		case now := <-t.C:
			used := cpuTime()
			wall := now.Sub(last)
			if wall <= 0 || used < lastCPU {
				last, lastCPU = now, used
				continue
			}
			if n := c.next(float64(used-lastCPU) / float64(wall)); n != c.cur {
				c.cur = n
				runtime.GOMAXPROCS(n)
			}
			last, lastCPU = now, used
		}
	}
}

// next is the number of Ps for a tick in which the process used cores
// cores of CPU time.
func (c *Controller) next(cores float64) int {
	if cores > busy*float64(c.cur) {
		c.low = 0
		return min(c.max, 2*c.cur)
	}
	want := max(1, int(cores/fill)+1)
	if want >= c.cur {
		c.low = 0
		return c.cur
	}
	if c.low++; c.low < calm {
		return c.cur
	}
	c.low = 0
	return want
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
